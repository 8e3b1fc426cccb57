// SPDX-License-Identifier: GPL-2.0

//! debugfs directories and files whose open files pin the module.
//!
//! `kernel::debugfs` (7.3) builds its `file_operations` with no `owner`, so
//! debugfs's proxy takes no module reference when such a file is opened: a
//! file kept open across `rmmod` later calls `release` through the unloaded
//! module's vtable. The vtables here name this module as their owner, as
//! `THIS_MODULE` does in C: an open file holds the module (`rmmod` reports
//! it in use), and the proxy refuses opens once unloading has begun.
//!
//! What a file shows and takes is written with the kernel crate's
//! [`Writer`] and [`Reader`] traits. (The kernel crate implements `Writer`
//! for every `Debug` type, so a type implementing it by hand cannot derive
//! `Debug`.) `Writer::write` may be called more than once per read: the
//! seq_file retries with a larger buffer when the text does not fit.
//!
//! A [`File`] owns its data; dropping it removes the file, waiting for reads
//! and writes in progress, before the data goes. Hence two rules:
//!
//! - A `Reader` or `Writer` must not drop its own file, nor run while the
//!   code dropping that file holds a lock the handler takes: the drop would
//!   wait for the handler for ever.
//! - Every `File` and `Dir` must be gone before the module is: one left
//!   behind (leaked, or owned by its own data) keeps its dentry, whose
//!   operations are in the unloaded module. `root::RootDir` warns if its
//!   directory is still in use at unload.
//!
//! An open file holds the module, with two exceptions that C drivers share:
//! `rmmod -f`, and a module `init` that fails after creating files (the
//! loader frees the module whatever its reference count). The module needs
//! `CONFIG_DEBUG_FS` (`dkms.conf` requires it).

mod entry;
mod file_ops;
pub mod root;

pub use kernel::debugfs::{Reader, Writer};

use core::{marker::PhantomPinned, ops::Deref};
use entry::Entry;
use file_ops::{FileOps, ReadFile, ReadWriteFile, WriteFile};
use kernel::{prelude::*, str::CStr, sync::Arc};

/// A handle to a debugfs directory. The directory is removed once every
/// handle to it and everything created in it are gone.
///
/// A directory that could not be created gives a handle with nothing
/// behind it: files created in it do not appear (debugfs is diagnostics,
/// never a reason for a probe to fail).
///
/// # Invariants
///
/// The entry, if any, was made by `Entry::dir`.
#[derive(Clone)]
pub struct Dir(Option<Arc<Entry>>);

impl Dir {
    /// Creates `name` at the debugfs root.
    pub fn new(name: &CStr) -> Self {
        Self::create(name, None)
    }

    /// Creates `name` in this directory.
    pub fn subdir(&self, name: &CStr) -> Self {
        match &self.0 {
            Some(parent) => Self::create(name, Some(parent.clone())),
            None => Self(None),
        }
    }

    /// Drops this handle; true if it was the directory's last (the
    /// directory is then removed), or if there was no directory.
    pub(crate) fn drop_was_last(self) -> bool {
        self.0.is_none_or(|e| Arc::into_unique_or_drop(e).is_some())
    }

    fn create(name: &CStr, parent: Option<Arc<Entry>>) -> Self {
        // INVARIANT: a directory entry.
        Self(Arc::new(Entry::dir(name, parent), GFP_KERNEL).ok())
    }

    /// A file (mode 0400) showing `data` through [`Writer`].
    pub fn read_only_file<'a, T, E: 'a>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<File<T>, E> + 'a
    where
        T: Writer + Send + Sync + 'static,
    {
        self.file(name, data, &<T as ReadFile>::OPS)
    }

    /// A file (mode 0200) handing writes to `data` through [`Reader`].
    pub fn write_only_file<'a, T, E: 'a>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<File<T>, E> + 'a
    where
        T: Reader + Send + Sync + 'static,
    {
        self.file(name, data, &<T as WriteFile>::OPS)
    }

    /// A file (mode 0600) showing `data` and handing it writes.
    pub fn read_write_file<'a, T, E: 'a>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T, E> + 'a,
    ) -> impl PinInit<File<T>, E> + 'a
    where
        T: Writer + Reader + Send + Sync + 'static,
    {
        self.file(name, data, &<T as ReadWriteFile>::OPS)
    }

    fn file<'a, T: Sync + 'static, E: 'a>(
        &'a self,
        name: &'a CStr,
        data: impl PinInit<T, E> + 'a,
        ops: &'static FileOps<T>,
    ) -> impl PinInit<File<T>, E> + 'a {
        try_pin_init!(File {
            entry: Entry::empty(),
            data <- data,
            _pin: PhantomPinned,
        }? E)
        .pin_chain(move |file| {
            if let Some(parent) = &self.0 {
                let this = file.project();
                let data: &T = this.data.into_ref().get_ref();
                // SAFETY: `data` is structurally pinned in this `File`, only
                // ever shared from now on (`Deref`), and dropped after
                // `entry` (field order); `parent` is a directory (`Dir`'s
                // invariant).
                let entry = unsafe { Entry::file(name, parent.clone(), data, ops) };
                // INVARIANT: `entry` is the file whose private data is `data`.
                *this.entry = entry;
            }
            Ok(())
        })
    }
}

/// A debugfs file that owns the data it shows or takes writes for.
///
/// # Invariants
///
/// `entry` is empty, an error pointer, or a file whose inode's private data
/// is `&self.data`; it is dropped before `data`.
#[pin_data]
pub struct File<T> {
    // Declared, hence dropped, before `data`: removing the file waits for
    // the reads and writes in progress and fails later ones.
    entry: Entry,
    #[pin]
    data: T,
    // The file refers to `data` by address.
    #[pin]
    _pin: PhantomPinned,
}

impl<T> Deref for File<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}
