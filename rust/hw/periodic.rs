// SPDX-License-Identifier: GPL-2.0

//! A task run every `period_ms` from the unbound long-running system
//! workqueue until dropped (controller health checks, which may sleep for
//! seconds while they reset a controller). `kernel::workqueue` cannot cancel work yet,
//! which a driver needs before its data goes away; this wraps a C
//! `delayed_work` and cancels it synchronously on drop.

use crate::bindings;
use kernel::{
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    types::Opaque,
};

/// What a [`Periodic`] runs.
pub trait PeriodicTask: Send + Sync + 'static {
    /// Called from process context (it may sleep) every period.
    fn run(&self);
}

/// A periodic work item.
///
/// # Invariants
///
/// `work` was initialised with [`Periodic::work_fn`] and is only queued by
/// this object; `Drop` stops and cancels it before the memory goes.
#[pin_data(PinnedDrop)]
pub struct Periodic<T: PeriodicTask> {
    #[pin]
    work: Opaque<bindings::delayed_work>,
    stopping: Atomic<i32>,
    period_ms: u32,
    task: T,
}

// SAFETY: The task is `Send + Sync`; the work item is only touched through
// the workqueue API, which is thread safe.
unsafe impl<T: PeriodicTask> Send for Periodic<T> {}
// SAFETY: As above.
unsafe impl<T: PeriodicTask> Sync for Periodic<T> {}

impl<T: PeriodicTask> Periodic<T> {
    /// Creates the work item and queues its first run `period_ms` from now.
    pub fn new(period_ms: u32, task: T) -> Result<Pin<KBox<Self>>> {
        let this = KBox::pin_init(
            pin_init!(Self {
                // SAFETY: `orion_helper_init_delayed_work` fully initialises
                // the slot and cannot fail.
                work <- unsafe {
                    pin_init::pin_init_from_closure(|slot: *mut Opaque<bindings::delayed_work>| {
                        bindings::orion_helper_init_delayed_work(
                            Opaque::cast_into(slot),
                            Some(Self::work_fn),
                        );
                        Ok::<(), core::convert::Infallible>(())
                    })
                },
                stopping: Atomic::new(0),
                period_ms,
                task,
            }),
            GFP_KERNEL,
        )?;
        this.queue();
        Ok(this)
    }

    /// Stops the task for good: waits for a running instance and prevents
    /// further runs (also done on drop).
    pub fn stop(&self) {
        self.stopping.store(1, Relaxed);
        // SAFETY: The work item is initialised; this waits for a running
        // instance and defeats its requeueing.
        unsafe { bindings::cancel_delayed_work_sync(self.work.get()) };
    }

    fn queue(&self) {
        // SAFETY: The work item is initialised (type invariant) and lives in
        // a pinned box that cancels it before it is freed.
        unsafe { bindings::orion_helper_queue_delayed_work_ms(self.work.get(), self.period_ms) };
    }

    /// The work function: called by the workqueue, installed by [`Self::new`].
    ///
    /// # Safety
    ///
    /// `work` must be the `work` member of the `delayed_work` of a live
    /// `Periodic<T>`: only the workqueue calls this, for a work item queued
    /// by [`Self::queue`], which the drop cancels before the memory goes.
    unsafe extern "C" fn work_fn(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the `work` member of a `delayed_work`.
        let dwork = unsafe { bindings::orion_helper_to_delayed_work(work) };
        // SAFETY: The `delayed_work` is embedded in a live `Periodic<T>` (it
        // is cancelled before being freed).
        let this = unsafe { &*kernel::container_of!(Opaque::cast_from(dwork), Self, work) };
        if this.stopping.load(Relaxed) != 0 {
            return;
        }
        this.task.run();
        if this.stopping.load(Relaxed) == 0 {
            this.queue();
        }
    }
}

#[pinned_drop]
impl<T: PeriodicTask> PinnedDrop for Periodic<T> {
    fn drop(self: Pin<&mut Self>) {
        self.stop();
    }
}
