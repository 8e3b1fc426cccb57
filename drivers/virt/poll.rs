// SPDX-License-Identifier: GPL-2.0

//! Polled hardware queues (`virt_poll_queues`): a command queued on one is
//! finished (its status set) but left parked until the block layer polls
//! the queue (io_uring `IOPOLL`, `RWF_HIPRI`), as scsi_debug and null_blk
//! do with `poll_queues`: no completion is signalled from elsewhere, so the
//! submitter finds it by polling. The emulated latency (`orion_delay_us`)
//! still applies: a poll completes only what is due.

use super::adapter::VirtAdapter;
use crate::scsi::{Command, HostRef};
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        SpinLock,
    },
};

/// A parked command and when it is due.
struct Pending {
    tag: u32,
    due_ns: u64,
}

/// The polled queues of a host, the last `count` of its hardware queues.
pub(crate) struct PollQueues {
    /// Index of the first polled hardware queue.
    first: u32,
    queues: KVec<Pin<KBox<SpinLock<KVec<Pending>>>>>,
    /// Polls that completed at least one command, and the commands they
    /// completed.
    pub(crate) polls: Atomic<u64>,
    pub(crate) completions: Atomic<u64>,
}

impl PollQueues {
    /// `count` polled queues after `first` interrupt-driven ones, each
    /// holding up to `can_queue` commands.
    pub(crate) fn new(first: u32, count: u32, can_queue: u32) -> Result<Self> {
        let mut queues = KVec::with_capacity(count as usize, GFP_KERNEL)?;
        for _ in 0..count {
            let pending = KVec::with_capacity(can_queue as usize, GFP_KERNEL)?;
            queues.push(
                KBox::pin_init(new_spinlock!(pending), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        Ok(Self {
            first,
            queues,
            polls: Atomic::new(0),
            completions: Atomic::new(0),
        })
    }

    fn queue(&self, hwq: u32) -> Option<&SpinLock<KVec<Pending>>> {
        let index = hwq.checked_sub(self.first)?;
        self.queues
            .get(index as usize)
            .map(|q| q.as_ref().get_ref())
    }

    /// Leaves `cmd` (status set) for the poll of its queue, due at
    /// `due_ns`; gives it back if its queue is not polled or full.
    pub(crate) fn post(
        &self,
        cmd: Command<VirtAdapter>,
        due_ns: u64,
    ) -> Result<(), Command<VirtAdapter>> {
        let Some(queue) = self.queue(cmd.unique_tag() >> 16) else {
            return Err(cmd);
        };
        let mut pending = queue.lock();
        if pending.len() >= pending.capacity() {
            return Err(cmd);
        }
        let tag = cmd.park();
        // Capacity was checked under the lock, so the push cannot fail.
        let _ = pending.push_within_capacity(Pending { tag, due_ns });
        Ok(())
    }

    /// Completes the commands of hardware queue `hwq` due by `now_ns`;
    /// returns how many.
    pub(crate) fn poll(&self, shost: &HostRef<VirtAdapter>, hwq: u16, now_ns: u64) -> u32 {
        let Some(queue) = self.queue(hwq.into()) else {
            return 0;
        };
        let mut done = 0u32;
        loop {
            // One at a time: completing must not happen under the lock.
            let next = {
                let mut pending = queue.lock();
                let due = pending.iter().position(|p| p.due_ns <= now_ns);
                due.and_then(|i| pending.remove(i).ok())
            };
            let Some(p) = next else { break };
            // `None`: the error handler took it back meanwhile.
            if let Some(cmd) = shost.take_parked(p.tag) {
                cmd.finish();
                done = done.saturating_add(1);
            }
        }
        if done > 0 {
            self.polls.fetch_add(1, Relaxed);
            self.completions.fetch_add(done.into(), Relaxed);
        }
        done
    }
}
