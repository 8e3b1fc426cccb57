// SPDX-License-Identifier: GPL-2.0

//! The module's debugfs directory (`/sys/kernel/debug/orion_scsi`), reachable
//! from code that has no path to the module object: a PCI probe, an iSCSI
//! session's creation. A [`Dir`] removes its directory when its
//! last handle goes, so a handle kept in a plain `static` (never dropped)
//! would outlive the module; here [`RootDir`], owned by the module, empties
//! the slot on drop.

use super::Dir;
use kernel::{
    prelude::*,
    str::CStr,
    sync::atomic::{Acquire, Atomic, Relaxed, Release},
};

kernel::sync::global_lock! {
    // SAFETY: `RootDir::new` initialises it (once, see `STATE`) before
    // `subdir` or the drop use it.
    unsafe(uninit) static ROOT: Mutex<Option<Dir>> = None;
}

/// `ROOT` is not initialised.
const UNINIT: i32 = 0;
/// A `RootDir::new` is initialising `ROOT`.
const INITIALISING: i32 = 1;
/// `ROOT` is initialised and may be locked.
const READY: i32 = 2;

static STATE: Atomic<i32> = Atomic::new(UNINIT);

/// Owner of the module's debugfs directory; dropping it lets the directory
/// go once the subdirectories handed out are dropped too.
pub struct RootDir(());

impl RootDir {
    /// Creates the directory `name` at the debugfs root. Only one per
    /// module load (statics are new on every load): a second call fails
    /// with `EBUSY`.
    pub fn new(name: &CStr) -> Result<Self> {
        if STATE.cmpxchg(UNINIT, INITIALISING, Relaxed).is_err() {
            return Err(EBUSY);
        }
        // SAFETY: The state change above lets exactly one caller here, and
        // no one locks `ROOT` before `READY` is published below.
        unsafe { ROOT.init() };
        STATE.store(READY, Release);
        *ROOT.lock() = Some(Dir::new(name));
        Ok(Self(()))
    }
}

impl Drop for RootDir {
    fn drop(&mut self) {
        // `READY`: set before `Self` existed.
        let dir = ROOT.lock().take();
        if let Some(dir) = dir {
            // The last handle removes the directory. Another one left is a
            // file or directory outliving the module, whose operations
            // would be freed with it.
            kernel::warn_on!(!dir.drop_was_last());
        }
    }
}

/// A new subdirectory `name` of the module's directory; `None` before the
/// module created it or after it went (the caller then has no files).
pub fn subdir(name: &CStr) -> Option<Dir> {
    if STATE.load(Acquire) != READY {
        return None;
    }
    ROOT.lock().as_ref().map(|root| root.subdir(name))
}

/// A handle to the module's directory itself, for files at its top.
pub fn root() -> Option<Dir> {
    if STATE.load(Acquire) != READY {
        return None;
    }
    ROOT.lock().clone()
}
