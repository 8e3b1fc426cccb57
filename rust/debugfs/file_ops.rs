// SPDX-License-Identifier: GPL-2.0

//! `file_operations` for debugfs files backed by a `T`, owned by this
//! module.

use super::{Reader, Writer};
use core::marker::PhantomData;
use kernel::{
    bindings,
    ffi::{c_char, c_int, c_void},
    fmt,
    seq_file::SeqFile,
    seq_print,
    uaccess::{UserPtr, UserSlice},
};

/// The operations and mode of a debugfs file backed by a `T`.
///
/// # Invariants
///
/// `operations` is safe to use on a debugfs file made by
/// `debugfs_create_file_full` whose inode's private data points to a `T`
/// valid until the file is removed; its `owner` is this module. That is
/// enough because debugfs's full proxy brackets every operation but
/// `release` with `debugfs_file_get/put` (removal waits for those, later
/// ones fail), and no `release` here touches the `T`.
pub(super) struct FileOps<T> {
    operations: bindings::file_operations,
    mode: u16,
    _data: PhantomData<T>,
}

impl<T> FileOps<T> {
    /// # Safety
    ///
    /// `operations` must meet the type invariant for `T`.
    const unsafe fn new(operations: bindings::file_operations, mode: u16) -> Self {
        // INVARIANT: the caller's promise.
        Self {
            operations,
            mode,
            _data: PhantomData,
        }
    }

    pub(super) const fn mode(&self) -> u16 {
        self.mode
    }

    pub(super) const fn operations(&self) -> &bindings::file_operations {
        &self.operations
    }
}

/// This module, as the owner of every file's operations: debugfs's proxy
/// takes a reference on it for each open file.
const OWNER: *mut bindings::module =
    <crate::LocalModule as kernel::ModuleMetadata>::THIS_MODULE.as_ptr();

struct Shown<'a, T>(&'a T);

impl<T: Writer> fmt::Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f)
    }
}

/// `open` of readable files: a `seq_file` whose private data is the `T`.
///
/// # Safety
///
/// `inode`'s private data must point to a `T` valid while the file exists;
/// `file` must be the file being opened.
unsafe extern "C" fn show_open<T: Writer + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: The VFS passes a live inode.
    let data = unsafe { (*inode).i_private };
    // SAFETY: `file` is being opened; `show::<T>` is called with `data` as
    // the seq_file's private data, a valid `T` (the caller's promise).
    unsafe { bindings::single_open(file, Some(show::<T>), data) }
}

/// Prints the `T` in a `seq_file`'s private data.
///
/// # Safety
///
/// `seq` must be a live `seq_file` whose private data points to a valid
/// `T`.
unsafe extern "C" fn show<T: Writer + Sync>(seq: *mut bindings::seq_file, _: *mut c_void) -> c_int {
    // SAFETY: `seq` is live for this call.
    let private = unsafe { (*seq).private };
    // SAFETY: The caller's promise; only shared references to a `T` exist.
    let data = unsafe { &*private.cast::<T>() };
    // SAFETY: `seq` is live for this call, and no one else uses it:
    // `seq_read` and `seq_lseek` hold `seq->lock` around `show`.
    let seq = unsafe { SeqFile::from_raw(seq) };
    seq_print!(seq, "{}", Shown(data));
    0
}

/// Hands a user buffer to `data`; a write is taken whole or refused.
fn store<T: Reader>(data: &T, buf: *const c_char, count: usize) -> isize {
    let mut reader = UserSlice::new(UserPtr::from_ptr(buf.cast_mut().cast()), count).reader();
    match data.read_from_slice(&mut reader) {
        // The VFS caps a write at `MAX_RW_COUNT`, well below `isize::MAX`.
        Ok(()) => isize::try_from(count).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

/// `write` of read-write files, opened by `show_open`.
///
/// # Safety
///
/// `file` must have been opened by `show_open::<T>`; `buf` must be a user
/// pointer to `count` bytes.
unsafe extern "C" fn seq_file_store<T: Reader + Sync>(
    file: *mut bindings::file,
    buf: *const c_char,
    count: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is live for this call.
    let seq = unsafe { (*file).private_data.cast::<bindings::seq_file>() };
    // SAFETY: `single_open` made `seq` a live `seq_file`; its private data
    // is written once, at open, so reading it races with nothing.
    let private = unsafe { (*seq).private };
    // SAFETY: The seq_file's private data is the file's `T` (`show_open`).
    let data = unsafe { &*private.cast::<T>() };
    store(data, buf, count)
}

/// `write` of write-only files, opened by `simple_open`.
///
/// # Safety
///
/// `file`'s private data must point to a valid `T`; `buf` must be a user
/// pointer to `count` bytes.
unsafe extern "C" fn plain_write<T: Reader + Sync>(
    file: *mut bindings::file,
    buf: *const c_char,
    count: usize,
    _pos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: `file` is live for this call.
    let private = unsafe { (*file).private_data };
    // SAFETY: `simple_open` copied the inode's private data, a valid `T`.
    let data = unsafe { &*private.cast::<T>() };
    store(data, buf, count)
}

/// The operations of a file shown through [`Writer`].
pub(super) trait ReadFile: Sized {
    const OPS: FileOps<Self>;
}

impl<T: Writer + Sync> ReadFile for T {
    const OPS: FileOps<T> = {
        let operations = bindings::file_operations {
            owner: OWNER,
            open: Some(show_open::<T>),
            read: Some(bindings::seq_read),
            llseek: Some(bindings::seq_lseek),
            release: Some(bindings::single_release),
            ..pin_init::zeroed()
        };
        // SAFETY: Apart from `show_open`, these are the stock `seq_file`
        // operations; `show_open` needs the inode's private data to be a
        // `T` valid while the file exists, as the invariant says.
        unsafe { FileOps::new(operations, 0o400) }
    };
}

/// The operations of a file taking writes through [`Reader`].
pub(super) trait WriteFile: Sized {
    const OPS: FileOps<Self>;
}

impl<T: Reader + Sync> WriteFile for T {
    const OPS: FileOps<T> = {
        let operations = bindings::file_operations {
            owner: OWNER,
            open: Some(bindings::simple_open),
            write: Some(plain_write::<T>),
            llseek: Some(bindings::noop_llseek),
            ..pin_init::zeroed()
        };
        // SAFETY: `simple_open` makes the file's private data the inode's,
        // a `T` valid while the file exists, which is what `plain_write`
        // needs.
        unsafe { FileOps::new(operations, 0o200) }
    };
}

/// The operations of a file shown through [`Writer`] and taking writes
/// through [`Reader`].
pub(super) trait ReadWriteFile: Sized {
    const OPS: FileOps<Self>;
}

impl<T: Writer + Reader + Sync> ReadWriteFile for T {
    const OPS: FileOps<T> = {
        let operations = bindings::file_operations {
            owner: OWNER,
            open: Some(show_open::<T>),
            read: Some(bindings::seq_read),
            write: Some(seq_file_store::<T>),
            llseek: Some(bindings::seq_lseek),
            release: Some(bindings::single_release),
            ..pin_init::zeroed()
        };
        // SAFETY: As for `ReadFile`; `seq_file_store` needs the file to have
        // been opened by `show_open::<T>`, which it was.
        unsafe { FileOps::new(operations, 0o600) }
    };
}
