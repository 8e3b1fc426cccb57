// SPDX-License-Identifier: GPL-2.0

//! A workqueue of the driver's own, destroyed on drop.
//!
//! 7.3's `kernel::workqueue` only reaches the system queues. Work that runs
//! to free memory (writeback through an iSCSI session) needs a queue with a
//! rescuer thread (`WQ_MEM_RECLAIM`) so that it progresses when no new worker
//! can be created; libiscsi allocates one per host (`iscsi_q_%d`).

use crate::bindings;
use core::{
    fmt::{self, Write},
    ops::BitOr,
    ptr::NonNull,
};
use kernel::{
    error::{
        code::{EINVAL, ENOMEM},
        Result,
    },
    ffi,
    str::{CStr, CStrExt, Formatter},
    workqueue::{Queue, RawWorkItem},
};

/// `WQ_NAME_LEN` (private to `kernel/workqueue.c`): the size of a
/// workqueue's name, NUL included.
const NAME_LEN: usize = 32;

/// Workqueue flags (`WQ_*`) for [`OwnedQueue::new`].
///
/// Exactly one of [`Flags::UNBOUND`] and [`Flags::PERCPU`] must be set: 7.3
/// warns about a queue with neither (the default is moving to unbound).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flags(u32);

impl Flags {
    /// Workers are not bound to a CPU (`WQ_UNBOUND`).
    pub const UNBOUND: Self = Self(bindings::wq_flags_WQ_UNBOUND);
    /// A work item runs on the CPU that queued it (`WQ_PERCPU`).
    pub const PERCPU: Self = Self(bindings::wq_flags_WQ_PERCPU);
    /// The queue may be needed to free memory: a rescuer thread guarantees
    /// progress when no worker can be created (`WQ_MEM_RECLAIM`). Its work
    /// items must not allocate with `GFP_KERNEL` either.
    pub const MEM_RECLAIM: Self = Self(bindings::wq_flags_WQ_MEM_RECLAIM);
    /// Workers run at high priority (`WQ_HIGHPRI`).
    pub const HIGHPRI: Self = Self(bindings::wq_flags_WQ_HIGHPRI);
    /// Work items use the CPU for long and are left out of concurrency
    /// management (`WQ_CPU_INTENSIVE`).
    pub const CPU_INTENSIVE: Self = Self(bindings::wq_flags_WQ_CPU_INTENSIVE);

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A workqueue allocated with `alloc_workqueue` and destroyed when dropped.
///
/// Dropping it waits for its work: `destroy_workqueue` drains the queue, so
/// queued items run (and release what they hold) before it returns. So it
/// must not be dropped from a work item running on this queue, which would
/// wait for itself: owners drop it outside its own work items (a hang, not
/// undefined behaviour). A work item that keeps requeueing itself delays
/// the drop the same way. Creating and dropping may sleep.
///
/// Only [`OwnedQueue::enqueue`] is offered, not a `&Queue` (and so no
/// `Queue::enqueue_delayed`): `destroy_workqueue` does not wait for the
/// timer of a delayed work item, which would then queue on a freed queue.
///
/// # Invariants
///
/// `wq` is a live workqueue from `alloc_workqueue`, owned by this object
/// alone, until `drop` destroys it.
pub struct OwnedQueue {
    wq: NonNull<bindings::workqueue_struct>,
}

// SAFETY: The workqueue API is thread safe, and a workqueue can be destroyed
// from any thread in process context.
unsafe impl Send for OwnedQueue {}
// SAFETY: `&OwnedQueue` only queues work, which the workqueue API allows from
// any thread concurrently.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// Allocates a workqueue named `name` (e.g. `fmt!("iscsi_q_{host_no}")`,
    /// at most 31 bytes, no NUL) that runs at most `max_active` items at once
    /// (per CPU unless [`Flags::UNBOUND`]; 0 for the kernel's default, at
    /// most 2048). May sleep.
    pub fn new(name: fmt::Arguments<'_>, flags: Flags, max_active: u32) -> Result<Self> {
        if flags.contains(Flags::UNBOUND) == flags.contains(Flags::PERCPU) {
            return Err(EINVAL);
        }
        if max_active > bindings::wq_consts_WQ_MAX_ACTIVE {
            return Err(EINVAL);
        }
        let max_active = ffi::c_int::try_from(max_active).map_err(|_| EINVAL)?;
        let mut buf = [0u8; NAME_LEN];
        let name = format_name(&mut buf, name)?;
        // SAFETY: `name` is NUL-terminated; `alloc_workqueue` copies it into
        // the workqueue and keeps no pointer to it.
        let wq = unsafe {
            bindings::orion_helper_alloc_workqueue(name.as_char_ptr(), flags.0, max_active)
        };
        // INVARIANT: A non-NULL return is a new workqueue that nothing else
        // holds.
        Ok(Self {
            wq: NonNull::new(wq).ok_or(ENOMEM)?,
        })
    }

    /// Queues a work item on this queue, as [`Queue::enqueue`] does on a
    /// system queue. Fails (returning `w`, for an `Arc`) if it is already
    /// queued.
    pub fn enqueue<W, const ID: u64>(&self, w: W) -> W::EnqueueOutput
    where
        W: RawWorkItem<ID> + Send + 'static,
    {
        self.queue().enqueue(w)
    }

    /// The queue as `kernel::workqueue` sees it. Private: see the type's
    /// documentation for why no `&Queue` is handed out.
    fn queue(&self) -> &Queue {
        // SAFETY: `wq` is live until `drop` (type invariant), which cannot
        // run while `self`, and so the returned reference, is borrowed.
        unsafe { Queue::from_raw(self.wq.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: `wq` is live and ours alone (type invariant); it is destroyed
        // once, here. No reference to it outlives `self`, and only work items
        // running on it (chained work, which the drain allows) could still
        // queue on it; delayed work cannot be queued through this type.
        unsafe { bindings::destroy_workqueue(self.wq.as_ptr()) };
    }
}

/// Formats `name` into `buf` as a C string: `EINVAL` if it is empty, has a
/// NUL or does not fit.
fn format_name<'a>(buf: &'a mut [u8; NAME_LEN], name: fmt::Arguments<'_>) -> Result<&'a CStr> {
    let len = {
        // The last byte stays 0, for the NUL.
        let room = buf.get_mut(..NAME_LEN - 1).ok_or(EINVAL)?;
        let mut f = Formatter::new(room);
        f.write_fmt(name).map_err(|_| EINVAL)?;
        f.bytes_written()
    };
    if len == 0 {
        return Err(EINVAL);
    }
    let with_nul = buf.get(..=len).ok_or(EINVAL)?;
    CStr::from_bytes_with_nul(with_nul).map_err(|_| EINVAL)
}
