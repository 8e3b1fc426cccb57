// SPDX-License-Identifier: GPL-2.0

//! The full feature phase state of a session, shared by its host
//! (`queuecommand`) and its connection (the send and receive work):
//! the commands in flight by ITT (the blk-mq tag), the jobs waiting to be
//! sent, the CmdSN window and ExpStatSN, and the negotiated limits.

use super::pdu::{serial::CmdSequence, serial::CmdWindow, Lun};
use super::transport::IscsiOps;
use crate::scsi::{CmdStatus, Command};
use kernel::{new_spinlock_irq, prelude::*, sync::SpinLockIrq};

/// The limits login negotiated that the data path obeys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Negotiated {
    /// The target's MaxRecvDataSegmentLength: the longest data segment
    /// the initiator sends.
    pub(crate) max_xmit: u32,
    pub(crate) first_burst: u32,
    pub(crate) max_burst: u32,
    pub(crate) immediate_data: bool,
}

impl Negotiated {
    /// RFC 7143 defaults.
    pub(crate) const DEFAULT: Self = Self {
        max_xmit: 8192,
        first_burst: 65536,
        max_burst: 262144,
        immediate_data: true,
    };
}

/// A command in flight.
pub(crate) struct Task {
    pub(crate) cmd: Command<IscsiOps>,
    pub(crate) lun: Lun,
    pub(crate) cdb: [u8; 16],
    /// Expected Data Transfer Length.
    pub(crate) len: u32,
    pub(crate) read: bool,
    pub(crate) write: bool,
    /// Tells this command from an earlier one with the same tag (a job
    /// queued for the earlier one must not send this one's data).
    pub(crate) serial: u32,
}

/// Something the send work has to put on the wire.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Job {
    /// The SCSI Command PDU of task `tag` (with its immediate data).
    Command(usize),
    /// Data-Out PDUs answering an R2T.
    DataOut {
        tag: usize,
        serial: u32,
        ttt: u32,
        offset: u32,
        len: u32,
    },
    /// A NOP-Out answering a target's ping.
    NopOut { ttt: u32, lun: Lun },
}

/// The mutable state, under [`SessionCore::state`].
pub(crate) struct Ffp {
    /// The full feature phase runs (between start and stop).
    pub(crate) running: bool,
    pub(crate) seq: CmdSequence,
    pub(crate) exp_stat_sn: u32,
    pub(crate) neg: Negotiated,
    /// Tasks by tag.
    pub(crate) tasks: KVec<Option<Task>>,
    /// Jobs to send, a ring of `jobs.len()` entries from `head`.
    jobs: KVec<Option<Job>>,
    head: usize,
    queued: usize,
    /// The next [`Task::serial`].
    pub(crate) next_serial: u32,
}

impl Ffp {
    /// Queues `job` at the back (or the front, for what must go first).
    pub(crate) fn push(&mut self, job: Job) -> Result {
        let cap = self.jobs.len();
        if self.queued >= cap {
            return Err(EBUSY);
        }
        let at = (self.head + self.queued) % cap;
        if let Some(slot) = self.jobs.get_mut(at) {
            *slot = Some(job);
            self.queued += 1;
        }
        Ok(())
    }

    /// The next job, left in place.
    pub(crate) fn front(&self) -> Option<Job> {
        if self.queued == 0 {
            return None;
        }
        self.jobs.get(self.head).copied().flatten()
    }

    /// Drops the front job.
    pub(crate) fn pop(&mut self) {
        if self.queued == 0 {
            return;
        }
        if let Some(slot) = self.jobs.get_mut(self.head) {
            *slot = None;
        }
        self.head = (self.head + 1) % self.jobs.len().max(1);
        self.queued -= 1;
    }

    /// Whether the ring can take `n` more jobs.
    pub(crate) fn has_room(&self, n: usize) -> bool {
        self.queued + n <= self.jobs.len()
    }

    /// Ends the full feature phase: every task is completed with
    /// `status` (the midlayer retries or fails them), every job dropped.
    pub(crate) fn give_back_all(&mut self, status: CmdStatus) {
        self.running = false;
        while self.queued > 0 {
            self.pop();
        }
        for slot in self.tasks.iter_mut() {
            if let Some(task) = slot.take() {
                task.cmd.complete(status);
            }
        }
    }
}

/// What the host and the connection share.
#[pin_data]
pub(crate) struct SessionCore {
    #[pin]
    pub(crate) state: SpinLockIrq<Ffp>,
}

impl SessionCore {
    /// State for `tags` commands (the host's `can_queue`).
    pub(crate) fn new(tags: usize) -> Result<impl PinInit<Self, Error>> {
        let mut tasks = KVec::with_capacity(tags, GFP_KERNEL)?;
        for _ in 0..tags {
            tasks.push(None, GFP_KERNEL)?;
        }
        // A command, one R2T and one NOP per tag is more than a target
        // can have outstanding.
        let ring = tags.saturating_mul(2).saturating_add(8);
        let mut jobs = KVec::with_capacity(ring, GFP_KERNEL)?;
        for _ in 0..ring {
            jobs.push(None, GFP_KERNEL)?;
        }
        let window = CmdWindow::new(0, 0).ok_or(EINVAL)?;
        Ok(try_pin_init!(Self {
            state <- new_spinlock_irq!(Ffp {
                running: false,
                seq: CmdSequence::new(window),
                exp_stat_sn: 0,
                neg: Negotiated::DEFAULT,
                tasks,
                jobs,
                head: 0,
                queued: 0,
                next_serial: 0,
            }),
        }? Error))
    }
}
