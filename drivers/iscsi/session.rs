// SPDX-License-Identifier: GPL-2.0

//! The full feature phase state of a session, shared by its host
//! (`queuecommand`, the error handler) and its connection (the send and
//! receive work): the commands in flight by ITT (the blk-mq tag), what
//! waits to be sent, the CmdSN window and ExpStatSN, and the negotiated
//! limits.
//!
//! A command's [`Command`] token is taken out of its [`Task`] while its
//! data is copied (outside the lock); a response arriving meanwhile is
//! kept in the task as a [`Completion`] and applied when the token comes
//! back. Tasks leave their slot only to be completed, or all at once in
//! [`Ffp::give_back_all`] once the send and receive work are stopped.

use super::pdu::{
    request::TmfFunction, response::TmfResponseCode, serial::CmdSequence, serial::CmdWindow, Lun,
};
use super::transport::IscsiOps;
use crate::scsi::{command::SENSE_BUFFER_SIZE, iscsi::CustomStat, CmdStatus, Command, HostByte};
use kernel::{
    new_spinlock_irq,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        SpinLockIrq,
    },
};

/// The limits login negotiated that the data path obeys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Negotiated {
    /// The target's MaxRecvDataSegmentLength: the longest data segment
    /// the initiator sends.
    pub(crate) max_xmit: u32,
    pub(crate) first_burst: u32,
    pub(crate) max_burst: u32,
    pub(crate) immediate_data: bool,
    /// InitialR2T=No: unsolicited Data-Out may follow the command.
    pub(crate) unsolicited_data: bool,
    /// MaxOutstandingR2T: R2Ts a command may have unanswered.
    pub(crate) max_r2t: u32,
}

impl Negotiated {
    /// RFC 7143 defaults.
    pub(crate) const DEFAULT: Self = Self {
        max_xmit: 8192,
        first_burst: 65536,
        max_burst: 262144,
        immediate_data: true,
        unsolicited_data: false,
        max_r2t: 1,
    };
}

/// Where the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Logging in (first or again after a failure): commands wait.
    Login,
    /// The full feature phase.
    Running,
    /// A Logout request is queued: new commands wait.
    LoggingOut,
    /// The session ended: commands fail.
    Terminated,
}

/// How a command ends, kept while its token is out for a copy.
pub(crate) struct Completion {
    pub(crate) status: CmdStatus,
    pub(crate) resid: u32,
    pub(crate) sense: [u8; SENSE_BUFFER_SIZE],
    pub(crate) sense_len: usize,
}

impl Completion {
    pub(crate) fn new(status: CmdStatus) -> Self {
        Self {
            status,
            resid: 0,
            sense: [0; SENSE_BUFFER_SIZE],
            sense_len: 0,
        }
    }

    /// Completes `cmd` (not under the state lock: `scsi_done` may run
    /// the block layer's completion).
    pub(crate) fn apply(&self, mut cmd: Command<IscsiOps>) {
        if let (Some(dst), Some(src)) = (
            cmd.sense_buffer_mut().get_mut(..self.sense_len),
            self.sense.get(..self.sense_len),
        ) {
            dst.copy_from_slice(src);
        }
        let sense = self.sense.get(..self.sense_len).unwrap_or(&[]);
        if let (Some(stats), Some(key)) = (cmd.device().data(), sense_key(sense)) {
            stats.error(key);
        }
        cmd.set_resid(self.resid);
        cmd.complete(self.status);
    }
}

/// The sense key of fixed (0x70/0x71) or descriptor (0x72/0x73) sense data.
fn sense_key(sense: &[u8]) -> Option<u8> {
    match sense.first()? & 0x7f {
        0x70 | 0x71 => sense.get(2).map(|k| k & 0xf),
        0x72 | 0x73 => sense.get(1).map(|k| k & 0xf),
        _ => None,
    }
}

/// A command in flight.
pub(crate) struct Task {
    /// `None` while the send or receive work copies its data.
    pub(crate) cmd: Option<Command<IscsiOps>>,
    pub(crate) lun: Lun,
    pub(crate) cdb: [u8; 16],
    /// Expected Data Transfer Length.
    pub(crate) len: u32,
    pub(crate) read: bool,
    pub(crate) write: bool,
    /// Tells this command from an earlier one with the same tag (a
    /// Data-Out job queued for the earlier one must not send this one's
    /// data).
    pub(crate) serial: u32,
    /// Its SCSI Command PDU went out: the target may answer for it.
    pub(crate) sent: bool,
    /// Bumped on every PDU sent or received for it (the timeout handler
    /// gives a command that moves more time).
    pub(crate) progress: u32,
    /// [`Self::progress`] at the last timeout.
    pub(crate) progress_seen: u32,
    /// [`Ffp::window_moves`] at the last timeout (or when queued).
    pub(crate) window_seen: u32,
    /// A timeout found it unsent and gave it more time: its send is
    /// progress for the next timeout.
    pub(crate) held_back: bool,
    /// R2Ts received and not yet answered in full.
    pub(crate) r2ts: u32,
    /// The response, when it came while `cmd` was out.
    pub(crate) done: Option<Completion>,
    /// The CmdSN its SCSI Command went out with (an ABORT TASK's RefCmdSN).
    pub(crate) cmd_sn: u32,
    /// The error handler aborts it: no more Data-Out goes out for it.
    pub(crate) aborting: bool,
}

/// Data-Out answering an R2T (or unsolicited), sent in pieces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DataOutJob {
    pub(crate) tag: usize,
    pub(crate) serial: u32,
    pub(crate) ttt: u32,
    /// Next byte to send, and where the sequence ends.
    pub(crate) offset: u32,
    pub(crate) end: u32,
    pub(crate) data_sn: u32,
}

/// A NOP-Out answering a target's ping.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NopReply {
    pub(crate) ttt: u32,
    pub(crate) lun: Lun,
}

/// A fixed-size FIFO, allocated up front (the data path allocates
/// nothing: it may run to free memory by writing through this session).
pub(crate) struct Ring<T> {
    slots: KVec<Option<T>>,
    head: usize,
    len: usize,
}

impl<T> Ring<T> {
    fn new(cap: usize) -> Result<Self> {
        let mut slots = KVec::with_capacity(cap, GFP_KERNEL)?;
        for _ in 0..cap {
            slots.push(None, GFP_KERNEL)?;
        }
        Ok(Self {
            slots,
            head: 0,
            len: 0,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn push(&mut self, item: T) -> core::result::Result<(), T> {
        let cap = self.slots.len();
        if self.len >= cap {
            return Err(item);
        }
        let at = self.head.wrapping_add(self.len) % cap;
        match self.slots.get_mut(at) {
            Some(slot) => {
                *slot = Some(item);
                self.len += 1;
                Ok(())
            }
            None => Err(item),
        }
    }

    pub(crate) fn front_mut(&mut self) -> Option<&mut T> {
        if self.len == 0 {
            return None;
        }
        self.slots.get_mut(self.head).and_then(|s| s.as_mut())
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.slots.get_mut(self.head).and_then(|s| s.take());
        self.head = self.head.wrapping_add(1) % self.slots.len().max(1);
        self.len -= 1;
        item
    }

    pub(crate) fn clear(&mut self) {
        while self.pop().is_some() {}
    }

    /// Keeps only the items `keep` accepts, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        for _ in 0..self.len {
            if let Some(item) = self.pop() {
                if keep(&item) {
                    // A slot was just freed.
                    let _ = self.push(item);
                }
            }
        }
    }
}

/// R2Ts a command may have outstanding (MaxOutstandingR2T is refused
/// above it at `start_conn`).
pub(crate) const MAX_R2T: u32 = 4;

/// Target pings answered at once; more are dropped (the target pings
/// again or drops the connection).
const NOP_REPLIES: usize = 8;

/// PDUs from iscsid queued at once (it has one outstanding).
const MGMT_PDUS: usize = 4;

/// The ITT of a command: its tag, and the low bits of its serial above, so
/// that a PDU for an earlier command with the same tag is told apart (and
/// bit 31 clear: iscsid's PDUs get ITTs with it set, never the reserved
/// 0xffffffff).
pub(crate) fn itt_of(tag: usize, serial: u32) -> u32 {
    ((serial & 0x7fff) << 16) | (tag as u32 & 0xffff)
}

/// The ITT of iscsid's PDU number `n` in the full feature phase.
pub(crate) fn mgmt_itt(n: u32) -> u32 {
    0x8000_0000 | (n & 0xffff)
}

/// Whether `itt` is one of iscsid's ([`mgmt_itt`]).
pub(crate) fn is_mgmt_itt(itt: u32) -> bool {
    itt & 0xc000_0000 == 0x8000_0000
}

/// The ITT of our NOP-Out ping number `n`: bits 31 and 30 set, apart from
/// commands' ([`itt_of`]) and iscsid's ([`mgmt_itt`]) ITTs.
pub(crate) fn ping_itt(n: u32) -> u32 {
    0xc000_0000 | (n & 0xffff)
}

/// The ITT of the error handler's task management request number `n`:
/// bits 31, 30 and 28 set, apart from pings' ([`ping_itt`]).
pub(crate) fn tmf_itt(n: u32) -> u32 {
    0xd000_0000 | (n & 0xffff)
}

/// A task management request of the error handler (RFC 7143 11.5).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TmfRequest {
    pub(crate) function: TmfFunction,
    pub(crate) lun: Lun,
    /// The ITT of the task to abort, or [`super::pdu::RESERVED_TAG`].
    pub(crate) rtt: u32,
    /// The CmdSN of the task to abort, else 0.
    pub(crate) ref_cmd_sn: u32,
}

/// Where the error handler's task management request is; one at a time
/// (the error handler's callbacks take the session's TMF mutex). It stays
/// answered until the error handler has reclaimed the tasks it covers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum TmfState {
    #[default]
    Idle,
    /// Queued for the send work.
    Queued(u32, TmfRequest),
    /// Sent, its response not in yet.
    Sent(u32, TmfRequest),
    /// Answered.
    Answered(u32, TmfRequest, TmfResponseCode),
}

impl TmfState {
    /// The request in progress and its ITT.
    pub(crate) fn request(&self) -> Option<(u32, TmfRequest)> {
        match *self {
            Self::Idle => None,
            Self::Queued(itt, req) | Self::Sent(itt, req) | Self::Answered(itt, req, _) => {
                Some((itt, req))
            }
        }
    }

    /// No SCSI Command goes out while a reset is in progress: one sent
    /// after the request could be answered after the reset, for a task
    /// the error handler has given back (libiscsi's TMF restrictions).
    pub(crate) fn holds_commands(&self) -> bool {
        self.request().is_some_and(|(_, req)| {
            matches!(
                req.function,
                TmfFunction::LogicalUnitReset | TmfFunction::TargetWarmReset
            )
        })
    }
}

/// Our NOP-Out ping (RFC 7143 11.18: a NOP-Out with an ITT asks for a
/// NOP-In), one at a time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ping {
    /// Queued for the send work.
    pub(crate) to_send: Option<u32>,
    /// Sent, its NOP-In not in yet.
    pub(crate) waiting: Option<u32>,
    /// Numbers the pings' ITTs.
    pub(crate) count: u32,
}

impl Ping {
    /// A ping is queued or waits for its answer.
    pub(crate) fn outstanding(&self) -> bool {
        self.to_send.is_some() || self.waiting.is_some()
    }
}

/// The mutable state, under [`SessionCore::state`].
pub(crate) struct Ffp {
    pub(crate) phase: Phase,
    pub(crate) seq: CmdSequence,
    pub(crate) exp_stat_sn: u32,
    pub(crate) neg: Negotiated,
    /// Tasks by tag.
    pub(crate) tasks: KVec<Option<Task>>,
    /// Tags whose SCSI Command waits for the CmdSN window.
    pub(crate) commands: Ring<usize>,
    /// Data-Out to send (before any new command).
    pub(crate) data_out: Ring<DataOutJob>,
    pub(crate) nop_replies: Ring<NopReply>,
    /// iscsid's PDUs (login, text, logout), header and data as given.
    pub(crate) mgmt: Ring<KVec<u8>>,
    /// The next [`Task::serial`].
    pub(crate) next_serial: u32,
    /// Bumped each time the target's CmdSN window moves.
    pub(crate) window_moves: u32,
    /// Numbers the ITTs of iscsid's PDUs in the full feature phase.
    pub(crate) mgmt_itts: u32,
    /// Bumped each time a connection starts the full feature phase (a
    /// session reset waits for the next one).
    pub(crate) starts: u32,
    /// `starts` when a session reset last gave up waiting: the next one
    /// fails at once unless a connection started since.
    pub(crate) reset_gave_up: Option<u32>,
    pub(crate) ping: Ping,
    pub(crate) tmf: TmfState,
    /// Numbers the ITTs of task management requests.
    pub(crate) tmf_count: u32,
}

impl Ffp {
    /// The task `tag` names.
    pub(crate) fn task_mut(&mut self, tag: usize) -> Option<&mut Task> {
        self.tasks.get_mut(tag).and_then(|t| t.as_mut())
    }

    /// The tag of the command in flight `itt` names.
    pub(crate) fn tag_of(&mut self, itt: u32) -> Option<usize> {
        let tag = (itt & 0xffff) as usize;
        let task = self.task_mut(tag)?;
        (itt_of(tag, task.serial) == itt).then_some(tag)
    }

    /// Queues Data-Out; when the ring is full, the jobs of commands that
    /// ended are dropped first.
    pub(crate) fn push_data_out(&mut self, job: DataOutJob) -> Result<(), ()> {
        let job = match self.data_out.push(job) {
            Ok(()) => return Ok(()),
            Err(job) => job,
        };
        let tasks = &self.tasks;
        self.data_out.retain(|j| {
            tasks
                .get(j.tag)
                .and_then(|t| t.as_ref())
                .is_some_and(|t| t.serial == j.serial)
        });
        self.data_out.push(job).map_err(|_| ())
    }

    /// Gives back the token a copy took out. Returns it with how to
    /// complete it when a response came meanwhile (the task then leaves its
    /// slot): the caller completes it after unlocking.
    pub(crate) fn put_back(
        &mut self,
        tag: usize,
        cmd: Command<IscsiOps>,
    ) -> Option<(Command<IscsiOps>, Completion)> {
        let slot = self.tasks.get_mut(tag)?;
        let task = slot.as_mut()?;
        match task.done.take() {
            Some(done) => {
                *slot = None;
                Some((cmd, done))
            }
            None => {
                task.cmd = Some(cmd);
                None
            }
        }
    }

    /// Ends a command: its task leaves its slot and its token is returned
    /// for the caller to complete after unlocking; or, while a copy has the
    /// token out, the completion waits in the task.
    pub(crate) fn end(
        &mut self,
        tag: usize,
        done: Completion,
    ) -> Option<(Command<IscsiOps>, Completion)> {
        let slot = self.tasks.get_mut(tag)?;
        let task = slot.as_mut()?;
        match task.cmd.take() {
            Some(cmd) => {
                *slot = None;
                Some((cmd, done))
            }
            None => {
                task.done = Some(done);
                None
            }
        }
    }

    /// Takes task `tag` out of its slot (for the error handler); an unsent
    /// one leaves the queue of commands to send too, so that it does not
    /// count against the window's room.
    pub(crate) fn take_task(&mut self, tag: usize) -> Option<Task> {
        let task = self.tasks.get_mut(tag)?.take()?;
        if !task.sent {
            self.commands.retain(|&t| t != tag);
        }
        Some(task)
    }

    /// Drops everything queued.
    fn clear_queues(&mut self) {
        self.commands.clear();
        self.data_out.clear();
        self.nop_replies.clear();
        self.mgmt.clear();
        self.ping.to_send = None;
        self.ping.waiting = None;
        // A request in progress gets no answer now: its waiter sees it go.
        self.tmf = TmfState::Idle;
    }

    /// Queues a ping unless one is outstanding or the full feature phase
    /// does not run; `true` when queued (kick the send work).
    pub(crate) fn queue_ping(&mut self) -> bool {
        if self.phase != Phase::Running || self.ping.outstanding() {
            return false;
        }
        self.ping.to_send = Some(ping_itt(self.ping.count));
        self.ping.count = self.ping.count.wrapping_add(1);
        true
    }

    /// Takes the token of some task out of its slot.
    fn take_any(&mut self) -> Option<Command<IscsiOps>> {
        self.tasks.iter_mut().find_map(|slot| {
            let task = slot.take()?;
            if task.cmd.is_none() {
                // A copy still has it: that copy fails it when it ends.
                pr_warn!(
                    "iSCSI: a command's token was out as the session gave back its commands\n"
                );
            }
            task.cmd
        })
    }
}

/// What the host and the connection share.
#[pin_data]
pub(crate) struct SessionCore {
    #[pin]
    pub(crate) state: SpinLockIrq<Ffp>,
    /// What the error handler did, for the connection's statistics (kept
    /// by the session: a session reset replaces the connection).
    pub(crate) eh: EhCounters,
}

/// Task management requests sent by the error handler, by function.
pub(crate) struct EhCounters {
    pub(crate) aborts: Atomic<u32>,
    pub(crate) lu_resets: Atomic<u32>,
    pub(crate) target_resets: Atomic<u32>,
    /// Session resets (a reset escalated or a request went unanswered).
    pub(crate) session_resets: Atomic<u32>,
}

impl EhCounters {
    const fn new() -> Self {
        Self {
            aborts: Atomic::new(0),
            lu_resets: Atomic::new(0),
            target_resets: Atomic::new(0),
            session_resets: Atomic::new(0),
        }
    }

    /// The counters `iscsiadm -m session -s` shows after the standard
    /// ones (`eh_abort_cnt` as `iscsi_tcp` names it).
    pub(crate) fn custom(&self) -> [CustomStat; 4] {
        let stat = |name, c: &Atomic<u32>| CustomStat {
            name,
            value: c.load(Relaxed).into(),
        };
        [
            stat(c"eh_abort_cnt", &self.aborts),
            stat(c"eh_lu_reset_cnt", &self.lu_resets),
            stat(c"eh_tgt_reset_cnt", &self.target_resets),
            stat(c"eh_session_reset_cnt", &self.session_resets),
        ]
    }
}

impl SessionCore {
    /// State for `tags` commands (the host's `can_queue`).
    pub(crate) fn new(tags: usize) -> Result<impl PinInit<Self, Error>> {
        let mut tasks = KVec::with_capacity(tags, GFP_KERNEL)?;
        for _ in 0..tags {
            tasks.push(None, GFP_KERNEL)?;
        }
        let commands = Ring::new(tags)?;
        // Each command may have MAX_R2T R2Ts outstanding, and one
        // unsolicited sequence.
        let data_out = Ring::new(tags.saturating_mul(MAX_R2T as usize + 1))?;
        let nop_replies = Ring::new(NOP_REPLIES)?;
        let mgmt = Ring::new(MGMT_PDUS)?;
        let window = CmdWindow::new(0, 0).ok_or(EINVAL)?;
        Ok(try_pin_init!(Self {
            state <- new_spinlock_irq!(Ffp {
                phase: Phase::Login,
                seq: CmdSequence::new(window),
                exp_stat_sn: 0,
                neg: Negotiated::DEFAULT,
                tasks,
                commands,
                data_out,
                nop_replies,
                mgmt,
                next_serial: 0,
                window_moves: 0,
                mgmt_itts: 0,
                starts: 0,
                reset_gave_up: None,
                ping: Ping::default(),
                tmf: TmfState::Idle,
                tmf_count: 0,
            }),
            eh: EhCounters::new(),
        }? Error))
    }

    /// Ends the full feature phase: everything in flight is completed with
    /// `host` (the midlayer retries or fails it), one at a time outside
    /// the lock. Only with the send and receive work stopped: no token is
    /// out for a copy then.
    pub(crate) fn give_back_all(&self, phase: Phase, host: HostByte) {
        {
            let mut st = self.state.lock();
            st.phase = phase;
            st.clear_queues();
        }
        loop {
            let Some(cmd) = self.state.lock().take_any() else {
                return;
            };
            cmd.complete(CmdStatus::host(host));
        }
    }
}
