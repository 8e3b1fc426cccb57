// SPDX-License-Identifier: GPL-2.0

//! An owned debugfs dentry.

use super::file_ops::FileOps;
use kernel::{bindings, ffi::c_void, prelude::*, str::CStr, sync::Arc};

/// A debugfs directory or file, removed on drop.
///
/// # Invariants
///
/// `dentry` is NULL, an error pointer, or a debugfs dentry this entry owns;
/// `_parent`, if any, is the entry of the directory it lives in. Every
/// entry made in a directory holds that directory's entry, so the
/// recursive `debugfs_remove` of a directory only ever finds it empty of
/// entries owned here.
pub(super) struct Entry {
    dentry: *mut bindings::dentry,
    _parent: Option<Arc<Entry>>,
}

// SAFETY: A dentry may be removed from any thread; the entry is only a
// handle to it.
unsafe impl Send for Entry {}

// SAFETY: No method reads or writes through `dentry` from `&self` other
// than passing it to debugfs as a parent, which is thread safe.
unsafe impl Sync for Entry {}

impl Entry {
    /// An entry with no dentry behind it.
    pub(super) const fn empty() -> Self {
        // INVARIANT: NULL is allowed.
        Self {
            dentry: core::ptr::null_mut(),
            _parent: None,
        }
    }

    /// Creates directory `name` in `parent` (or at the debugfs root).
    pub(super) fn dir(name: &CStr, parent: Option<Arc<Entry>>) -> Self {
        let parent_dentry = parent.as_ref().map_or(core::ptr::null_mut(), |p| p.dentry);
        // SAFETY: `name` is NUL-terminated; `parent_dentry` is NULL (the
        // root), an error pointer (debugfs then returns one too) or a
        // live directory, kept alive by `parent` for as long as the child.
        let dentry = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), parent_dentry) };
        // INVARIANT: debugfs returns a dentry owned by the caller or an
        // error pointer.
        Self {
            dentry,
            _parent: parent,
        }
    }

    /// Creates file `name` in `parent`, backed by `data` through `ops`.
    ///
    /// # Safety
    ///
    /// `data` must stay valid, not move, and have no `&mut` reference to it
    /// until the returned entry has been dropped; `parent` must be a
    /// directory's entry.
    pub(super) unsafe fn file<T>(
        name: &CStr,
        parent: Arc<Entry>,
        data: &T,
        ops: &'static FileOps<T>,
    ) -> Self {
        // SAFETY: `name` is NUL-terminated; `parent.dentry` is an error
        // pointer or a live directory (kept by `parent`); `data` outlives
        // the file (the caller's promise), which is what `ops` needs of an
        // inode's private data (`FileOps`' invariant).
        let dentry = unsafe {
            bindings::debugfs_create_file_full(
                name.as_char_ptr(),
                ops.mode(),
                parent.dentry,
                core::ptr::from_ref(data).cast_mut().cast::<c_void>(),
                core::ptr::null(),
                ops.operations(),
            )
        };
        // INVARIANT: as in `dir`.
        Self {
            dentry,
            _parent: Some(parent),
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: `debugfs_remove` takes NULL, error pointers and owned
        // dentries (the invariant); it waits for the file operations in
        // progress, and the proxy fails later ones.
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}
