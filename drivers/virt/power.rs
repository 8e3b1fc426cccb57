// SPDX-License-Identifier: GPL-2.0

//! A virtual host's power and its debugfs `power` file.
//!
//! A cut loses what the host's write-back cache held, as a disk losing
//! power does, and leaves the host off: every command fails with
//! DID_NO_CONNECT, like a device gone from its link, so nothing written
//! after the cut reaches the disks (a crash-consistency test unmounts
//! with errors, powers on and mounts again). A command already running
//! when a cut starts fails the same way, whatever it did: a SYNCHRONIZE
//! CACHE must not report data durable that the cut may have rolled back
//! (the state word is in [`super::emulation::power`]). Power back on,
//! which waits for cuts still in progress, every LUN reports POWER ON
//! OCCURRED once. Mode state (WCE, D_SENSE) and what was durable stay.
//! The file reads `on` or `off` and takes `off` (the cut), `on` and
//! `cycle` (a cut and power back at once).

use super::adapter::{VirtAdapter, VirtHost};
use super::emulation::{power::PowerState, wcache::PAGE_BYTES};
use crate::debugfs;
use crate::scsi::{Host, HostRef};
use core::fmt;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Full},
        Arc,
    },
    time::{delay::fsleep, Delta},
    uaccess::UserSliceReader,
};

/// A host's power state ([`PowerState`] in an atomic word).
pub(crate) struct Power(Atomic<u64>);

impl Power {
    /// On.
    pub(crate) fn new() -> Self {
        Self(Atomic::new(PowerState::ON.0))
    }

    /// The state now. Acquire: pairs with the fully ordered changes, so a
    /// command that sees the host on also sees the unit attentions raised
    /// before power-on.
    pub(crate) fn now(&self) -> PowerState {
        PowerState(self.0.load(Acquire))
    }

    /// Whether the host has power.
    pub(crate) fn is_on(&self) -> bool {
        self.now().is_on()
    }

    /// Whether a command that saw the state `then` may complete as it ran
    /// (no cut started since; see [`PowerState::unbroken`]).
    pub(crate) fn unbroken(&self, then: PowerState) -> bool {
        then.unbroken(self.now())
    }

    /// Moves the state by `f` (fully ordered); the state before, or
    /// `None` when `f` refused it.
    fn update(&self, f: impl Fn(PowerState) -> Option<PowerState>) -> Option<PowerState> {
        let mut old = self.now();
        loop {
            let new = f(old)?;
            match self.0.cmpxchg(old.0, new.0, Full) {
                Ok(_) => return Some(old),
                Err(cur) => old = PowerState(cur),
            }
        }
    }
}

/// Cuts the power of `shost` (a fault rule or the `power` file, `why`).
pub(crate) fn cut(shost: &HostRef<VirtAdapter>, why: &str) {
    let host: &VirtHost = shost.data();
    // Before the cut takes any page out of the cache: a command that
    // misses a page it took sees the new generation when it is done.
    let was_on = host
        .power()
        .update(|s| Some(s.cut_started()))
        .is_some_and(PowerState::is_on);
    let lost = host.cache().map_or(0, |c| c.cut(host.luns()));
    host.power().update(|s| Some(s.cut_done()));
    pr_info!(
        "orion_virt host{}: power cut ({}){}: {} page(s) of the write-back cache lost ({} bytes)\n",
        shost.host_no(),
        why,
        if was_on { "" } else { ", it was off" },
        lost,
        lost.saturating_mul(PAGE_BYTES)
    );
}

/// Powers `shost` on once no cut is in progress (a fault rule's may be
/// rolling back on another CPU): each LUN reports POWER ON OCCURRED once.
pub(crate) fn on(shost: &HostRef<VirtAdapter>) {
    let host: &VirtHost = shost.data();
    if host.power().is_on() {
        return;
    }
    // Before the first command gets through.
    for lun in host.luns() {
        lun.raise_power_on_ua();
    }
    let was = loop {
        match host.power().update(PowerState::powered_on) {
            Some(was) => break was,
            None => fsleep(Delta::from_millis(1)),
        }
    };
    if !was.is_on() {
        pr_info!("orion_virt host{}: power on\n", shost.host_no());
    }
}

/// The debugfs `power` file of a host.
pub(crate) struct PowerFile(Arc<Host<VirtAdapter>>);

fn show(file: &PowerFile, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let on = file.0.get().data().power().is_on();
    writeln!(f, "{}", if on { "on" } else { "off" })
}

/// Takes `off`, `on` or `cycle` (with or without a newline).
fn store(file: &PowerFile, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 8];
    let len = reader.len();
    let shost = file.0.get();
    let word = match buf.get_mut(..len) {
        Some(slice) => {
            reader.read_slice(slice)?;
            slice.trim_ascii()
        }
        None => &[],
    };
    match word {
        b"off" => cut(shost, "debugfs"),
        b"on" => on(shost),
        b"cycle" => {
            cut(shost, "debugfs");
            on(shost);
        }
        _ => {
            pr_warn!(
                "orion_virt host{}: power: write off, on or cycle\n",
                shost.host_no()
            );
            return Err(EINVAL);
        }
    }
    Ok(())
}

impl debugfs::Writer for PowerFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show(self, f)
    }
}

impl debugfs::Reader for PowerFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        store(self, reader)
    }
}

/// Creates the `power` file of `host` in `dir`.
pub(crate) fn create_file<'a>(
    dir: &'a debugfs::Dir,
    host: Arc<Host<VirtAdapter>>,
) -> impl PinInit<debugfs::File<PowerFile>> + 'a {
    dir.read_write_file(c"power", PowerFile(host))
}
