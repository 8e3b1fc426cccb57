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
//! [`Writer`] and [`Reader`] traits. A [`File`] owns its data; dropping it
//! removes the file, waiting for reads and writes in progress, before the
//! data goes.

mod entry;
mod file_ops;
pub mod root;

pub use kernel::debugfs::{Reader, Writer};

use core::{marker::PhantomPinned, ops::Deref, pin::Pin};
use entry::Entry;
use file_ops::{FileOps, ReadFile, ReadWriteFile, WriteFile};
use kernel::{prelude::*, str::CStr, sync::Arc};

/// A handle to a debugfs directory. The directory is removed once every
/// handle to it and everything created in it are gone.
///
/// A directory that could not be created gives a handle with nothing
/// behind it: files created in it do not appear (debugfs is diagnostics,
/// never a reason for a probe to fail).
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

    fn create(name: &CStr, parent: Option<Arc<Entry>>) -> Self {
        Self(Arc::new(Entry::dir(name, parent), GFP_KERNEL).ok())
    }

    /// A file (mode 0400) showing `data` through [`Writer`].
    pub fn read_only_file<'a, T>(&'a self, name: &'a CStr, data: T) -> impl PinInit<File<T>> + 'a
    where
        T: Writer + Send + Sync + 'static,
    {
        self.file(name, data, &<T as ReadFile>::OPS)
    }

    /// A file (mode 0200) handing writes to `data` through [`Reader`].
    pub fn write_only_file<'a, T>(&'a self, name: &'a CStr, data: T) -> impl PinInit<File<T>> + 'a
    where
        T: Reader + Send + Sync + 'static,
    {
        self.file(name, data, &<T as WriteFile>::OPS)
    }

    /// A file (mode 0600) showing `data` and handing it writes.
    pub fn read_write_file<'a, T>(&'a self, name: &'a CStr, data: T) -> impl PinInit<File<T>> + 'a
    where
        T: Writer + Reader + Send + Sync + 'static,
    {
        self.file(name, data, &<T as ReadWriteFile>::OPS)
    }

    fn file<'a, T: Sync + 'static>(
        &'a self,
        name: &'a CStr,
        data: T,
        ops: &'static FileOps<T>,
    ) -> impl PinInit<File<T>> + 'a {
        pin_init!(File {
            entry: Entry::empty(),
            data,
            _pin: PhantomPinned,
        })
        .pin_chain(move |file| {
            if let Some(parent) = &self.0 {
                // SAFETY: `entry` is not structurally pinned and `data` is
                // not moved out of the reference.
                let file = unsafe { Pin::get_unchecked_mut(file) };
                // SAFETY: `data` is pinned in `file` and dropped after
                // `entry` (field order), so it outlives the entry.
                file.entry = unsafe { Entry::file(name, parent.clone(), &file.data, ops) };
            }
            Ok(())
        })
    }
}

/// A debugfs file that owns the data it shows or takes writes for.
#[pin_data]
pub struct File<T> {
    // Declared, hence dropped, before `data`: removing the file waits for
    // the reads and writes in progress and fails later ones.
    entry: Entry,
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
