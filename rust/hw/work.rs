// SPDX-License-Identifier: GPL-2.0

//! Cancelling a `kernel::workqueue` work item embedded in an [`Arc`].
//!
//! 7.3's `kernel::workqueue` can queue such an item but not cancel it, and
//! a driver must: its work function is module code, and an item still
//! queued when the object's owner goes (a connection torn down, the module
//! unloaded) would run later. [`cancel_sync`] takes the item off its queue
//! and waits for a running instance.

use kernel::{
    sync::Arc,
    workqueue::{HasWork, Work, WorkItem},
};

/// Cancels `this`'s work item `ID` and waits until no instance of it runs.
/// A queued instance does not run; the reference it held is dropped.
///
/// May sleep. Must not be called from the work item itself (it would wait
/// for itself).
pub fn cancel_sync<T, const ID: u64>(this: &Arc<T>)
where
    T: WorkItem<ID, Pointer = Arc<T>> + HasWork<T, ID>,
{
    let ptr = Arc::as_ptr(this).cast_mut();
    // SAFETY: `ptr` points into a live `Arc<T>`.
    let work: *mut Work<T, ID> = unsafe { T::raw_get_work(ptr) };
    // SAFETY: `raw_get_work` returns a pointer to the initialised work item.
    let raw = unsafe { Work::raw_get(work) };
    // SAFETY: The work item is initialised and lives as long as `this`;
    // process context (the caller's duty, stated above).
    let was_queued = unsafe { kernel::bindings::cancel_work_sync(raw) };
    if was_queued {
        // SAFETY: `Arc<T>`'s enqueue gave the queue one reference
        // (`Arc::into_raw` of a clone); the item will not run, so that
        // reference is ours to drop, once.
        drop(unsafe { Arc::from_raw(Arc::as_ptr(this)) });
    }
}
