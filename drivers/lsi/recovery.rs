// SPDX-License-Identifier: GPL-2.0

//! Error recovery of an LSI host, from the gentlest step up:
//!
//! - abort: a command not started yet leaves the start queue; a started
//!   (disconnected) one is aborted on the bus with an ABORT message, which
//!   ends every command of this initiator for the LUN (an ABORT TAG cannot
//!   be aimed at one tag outside a reconnection on QEMU, see `program.rs`);
//! - device and target reset: a BUS DEVICE RESET message to the target;
//! - bus and host reset, and any chip state the driver cannot follow: the
//!   bus reset line, a chip soft reset and the SCRIPTS reloaded.
//!
//! The first two edit the start queue, so they stop the SCRIPTS first with
//! the stop request (ISTAT0.SEM, [`Halt`]) and send the message as a
//! message job. Only error-handler callbacks do that (one at a time: each
//! waits for the previous one's [`Halt::Running`]); they sleep while they
//! wait, the interrupt handler moves [`Halt`] on. Whatever a step takes back
//! from the chip it gives back to the midlayer: a timed-out command to the
//! error handler, any other for a retry, each exactly once.

use super::chip::{Halt, Queue, MSG_SLOT};
use super::host::{LsiHost, LsiOps};
use super::scripts::{
    layout::{self as l, SLOTS},
    msg, regs as r,
};
use crate::scsi::{CmdStatus, CommandRef, EhContext, EhResult, HostByte, HostRef};
use kernel::{
    prelude::*,
    sync::{atomic::Relaxed, SpinLockIrqGuard},
    time::{
        delay::{fsleep, udelay},
        Delta, Instant, Monotonic,
    },
};

/// How long a step waits for the SCRIPTS to stop (a command holding the
/// bus finishes first) or for a message job to end, before it falls back
/// to a chip and bus reset.
const HALT_WAIT_MS: i64 = 5000;

/// The queue, locked.
type QueueGuard<'a> = SpinLockIrqGuard<'a, Queue>;

/// Why a wait for a [`Halt`] state ended without it.
enum Waited {
    /// The chip was reset meanwhile (it forgot every command).
    Reset,
    /// Not within [`HALT_WAIT_MS`], or the chip is stopped for good.
    TimedOut,
}

/// How [`LsiHost::begin_stop`] went.
enum Begun {
    /// Stop requested; the reset count to wait with.
    Stopping(u64),
    /// Nothing left to do.
    Settled,
    /// Another step does not end, or the chip is stopped for good.
    Busy,
}

/// Which commands a step ends on the bus.
#[derive(Clone, Copy)]
enum Scope {
    /// One LUN of one target (ABORT).
    Lun(u32, u8),
    /// A whole target (BUS DEVICE RESET).
    Target(u32),
}

impl Scope {
    fn covers(self, id: u32, lun: u8) -> bool {
        match self {
            Scope::Lun(i, n) => i == id && n == lun,
            Scope::Target(i) => i == id,
        }
    }
}

impl LsiHost {
    /// The target id and LUN of CCB `idx` (from its select table and its
    /// IDENTIFY byte).
    pub(super) fn ccb_nexus(&self, idx: usize) -> (u32, u8) {
        let ccbs = self.chip.ccbs();
        let mut sel = [0u8; 4];
        let _ = ccbs.read(idx, l::CCB_SELECT as usize, &mut sel);
        let ident = ccbs.peek_u8(idx, l::CCB_MSGOUT as usize).unwrap_or(0);
        (
            (u32::from_le_bytes(sel) >> 16) & 0x0f,
            ident & msg::IDENTIFY_LUN_MASK,
        )
    }

    /// The CCBs of `mask` whose command is in `scope`.
    fn in_scope(&self, mask: u64, scope: Scope) -> u64 {
        let mut hit = 0u64;
        for_each_bit(mask, |idx| {
            let (id, lun) = self.ccb_nexus(idx);
            if scope.covers(id, lun) {
                hit |= 1u64 << idx;
            }
        });
        hit
    }

    /// Takes CCB `idx` back from the chip without completing its command
    /// (still parked: the caller gives it back): the reselection entry of
    /// an untagged command and a negotiation in flight are undone.
    fn release_ccb(&self, q: &mut Queue, idx: usize) -> bool {
        let Some(slot) = self.chip.ccbs().reclaim(idx) else {
            return false;
        };
        q.outstanding &= !(1u64 << (idx % 64));
        let mut f = [0u8; 4];
        let _ = slot.read(l::CCB_FLAGS as usize, &mut f);
        let flags = u32::from_le_bytes(f);
        drop(slot);
        let (id, _) = self.ccb_nexus(idx);
        if flags & l::FLAG_UNTAGGED != 0 {
            self.chip.set_untagged(id, None);
        }
        if flags & l::FLAG_NEGOTIATE != 0 {
            self.renegotiate(id);
        }
        true
    }

    /// Sleeps until `q.halt` is one of `want` (the interrupt handler moves
    /// it on) and returns with the queue locked, the stop still the
    /// caller's (no chip reset since `resets`); or says why not.
    fn wait_halt(&self, resets: u64, want: &[Halt]) -> Result<QueueGuard<'_>, Waited> {
        let start = Instant::<Monotonic>::now();
        loop {
            {
                let q = self.chip.queue.lock();
                if self.chip.is_dead() {
                    return Err(Waited::TimedOut);
                }
                if q.resets != resets {
                    return Err(Waited::Reset);
                }
                if want.contains(&q.halt) {
                    return Ok(q);
                }
            }
            if start.elapsed().as_millis() > HALT_WAIT_MS {
                return Err(Waited::TimedOut);
            }
            fsleep(Delta::from_millis(1));
        }
    }

    /// Starts a stop of the SCRIPTS once no other step is in progress,
    /// unless `settled(q)` holds first (the step has nothing left to do).
    fn begin_stop(&self, mut settled: impl FnMut(&Queue) -> bool) -> Begun {
        let start = Instant::<Monotonic>::now();
        loop {
            {
                let mut q = self.chip.queue.lock();
                if self.chip.is_dead() {
                    return Begun::Busy;
                }
                if settled(&q) {
                    return Begun::Settled;
                }
                if q.halt == Halt::Running {
                    self.chip.request_stop(&mut q);
                    return Begun::Stopping(q.resets);
                }
            }
            if start.elapsed().as_millis() > HALT_WAIT_MS {
                return Begun::Busy;
            }
            fsleep(Delta::from_millis(1));
        }
    }

    /// Fills the message job's CCB (IDENTIFY for `lun` without the
    /// disconnect privilege, then `message`) for target `id` and makes it
    /// the next job. The SCRIPTS are stopped; the caller restarts them.
    fn post_msg_job(&self, q: &mut Queue, id: u32, lun: u8, message: u8) -> Result {
        let chip = &self.chip;
        let mut slot = chip.claim(MSG_SLOT).ok_or(EBUSY)?;
        let bus = chip.msg_ccb_bus();
        let labels = &chip.labels;
        let mut hdr = [0u8; l::CCB_SG as usize];
        let put = |h: &mut [u8], off: u32, v: u32| l::put_u32(h, off, v);
        put(&mut hdr, l::CCB_GO_START, labels.bdr);
        put(&mut hdr, l::CCB_GO_RESTART, labels.bad_nexus);
        put(&mut hdr, l::CCB_SELECT, l::select_dword(id as u8, 0, 0));
        put(&mut hdr, l::CCB_MSGOUT_TBL, 2);
        put(&mut hdr, l::CCB_MSGOUT_TBL + 4, bus + l::CCB_MSGOUT);
        let ident = msg::identify(lun, false).unwrap_or(msg::IDENTIFY);
        let mo = l::CCB_MSGOUT as usize;
        if let Some(d) = hdr.get_mut(mo..mo + 2) {
            d.copy_from_slice(&[ident, message]);
        }
        slot.write(0, &hdr)?;
        slot.to_device();
        let posted = chip.post_first(q, bus);
        if posted.is_err() {
            let _ = chip.ccbs().reclaim(MSG_SLOT);
        }
        posted
    }

    /// Runs a message job with the SCRIPTS stopped by this step (`q`, at
    /// [`Halt::Stopped`]): sends `message` to `scope`'s target, then takes
    /// back every started command in `scope` and gives them back. If the
    /// job cannot run or fails, the chip and the bus are reset instead,
    /// which gives everything back.
    fn run_msg_job(
        &self,
        mut q: QueueGuard<'_>,
        shost: &HostRef<LsiOps>,
        eh: &EhContext,
        scope: Scope,
        message: u8,
    ) {
        let (id, lun) = match scope {
            Scope::Lun(id, lun) => (id, lun),
            Scope::Target(id) => (id, 0),
        };
        if self.post_msg_job(&mut q, id, lun, message).is_err() {
            self.recover_locked(&mut q, shost, Some(eh), "no room for a message job");
            return;
        }
        q.halt = Halt::MsgRunning;
        self.chip.win.write8(r::ISTAT0, 0);
        self.chip.restart_at(self.chip.labels.start);
        let resets = q.resets;
        drop(q);
        let mut q = match self.wait_halt(resets, &[Halt::MsgDone, Halt::MsgFailed]) {
            Ok(q) => q,
            // Reset meanwhile: the chip holds nothing any more.
            Err(Waited::Reset) => return,
            Err(Waited::TimedOut) => {
                self.recover(shost, Some(eh), "message job did not end");
                return;
            }
        };
        let _ = self.chip.ccbs().reclaim(MSG_SLOT);
        if q.halt == Halt::MsgFailed {
            self.recover_locked(&mut q, shost, Some(eh), "message job failed");
            return;
        }
        // Commands that completed before the message are completed as
        // they ended; the rest of the scope's started ones are gone.
        self.complete_done(&mut q, shost);
        let started = q.outstanding & !self.chip.unstarted(&q).mask();
        let gone = self.in_scope(started, scope);
        for_each_bit(gone, |idx| {
            self.release_ccb(&mut q, idx);
        });
        self.chip.resume(&mut q);
        give_back_tags(shost, eh, gone);
    }

    /// Aborts one command (error handler). Success once the chip no
    /// longer holds it and it is given back.
    pub(crate) fn abort(
        &self,
        shost: &HostRef<LsiOps>,
        cmd: &CommandRef<LsiOps>,
        eh: &EhContext,
    ) -> EhResult {
        let tag = (cmd.unique_tag() & 0xffff) as usize;
        if tag >= SLOTS {
            return EhResult::Failed;
        }
        self.abort_on_chip(shost, eh, tag);
        give_back_finished(self, shost, eh);
        // Under the queue lock: the interrupt handler moves a slot through
        // the CPU state only while it holds it.
        let q = self.chip.queue.lock();
        if self.chip.ccbs().is_with_device(tag) {
            // Still on the chip (the previous step did not end, or the chip
            // is stopped for good): the midlayer escalates.
            return EhResult::Failed;
        }
        // The CCB is back (finished after the timeout, dropped, or ended
        // on the bus): the command goes to the error handler.
        if let Some(c) = cmd.take_parked_eh(eh) {
            c.give_back(CmdStatus::host(HostByte::Reset));
        }
        drop(q);
        self.chip.stats.hba.aborts.fetch_add(1, Relaxed);
        EhResult::Success
    }

    fn abort_on_chip(&self, shost: &HostRef<LsiOps>, eh: &EhContext, tag: usize) {
        let ccbs = self.chip.ccbs();
        let resets = match self.begin_stop(|_| !ccbs.is_with_device(tag)) {
            Begun::Stopping(resets) => resets,
            Begun::Settled => {
                dev_info!(shost.as_dev(), "abort of tag {}: finished already\n", tag);
                return;
            }
            Begun::Busy => {
                dev_warn!(
                    shost.as_dev(),
                    "abort of tag {}: another recovery step does not end\n",
                    tag
                );
                return;
            }
        };
        let mut q = match self.wait_halt(resets, &[Halt::Stopped]) {
            Ok(q) => q,
            Err(Waited::Reset) => return,
            Err(Waited::TimedOut) => {
                self.recover(shost, Some(eh), "the SCRIPTS did not stop for an abort");
                return;
            }
        };
        self.complete_done(&mut q, shost);
        let unstarted = self.chip.unstarted(&q);
        let bit = 1u64 << tag;
        let waiting = unstarted.queued & bit != 0 || unstarted.priority == Some(tag);
        if waiting {
            self.chip.drop_unstarted(&mut q, bit);
            self.release_ccb(&mut q, tag);
            self.chip.resume(&mut q);
            dev_info!(
                shost.as_dev(),
                "abort of tag {}: not started, taken off the start queue\n",
                tag
            );
            return;
        }
        if !ccbs.is_with_device(tag) {
            self.chip.resume(&mut q);
            dev_info!(shost.as_dev(), "abort of tag {}: finished meanwhile\n", tag);
            return;
        }
        let (id, lun) = self.ccb_nexus(tag);
        dev_info!(
            shost.as_dev(),
            "abort of tag {}: ABORT message to target {} LUN {}\n",
            tag,
            id,
            lun
        );
        self.run_msg_job(q, shost, eh, Scope::Lun(id, lun), msg::ABORT);
    }

    /// Resets target `id` with a BUS DEVICE RESET message (device and
    /// target reset): its commands not started yet leave the start queue,
    /// the started ones end with the message; all of them are given back.
    pub(crate) fn reset_target(
        &self,
        shost: &HostRef<LsiOps>,
        eh: &EhContext,
        id: u32,
    ) -> EhResult {
        self.chip.stats.hba.resets.fetch_add(1, Relaxed);
        dev_warn!(shost.as_dev(), "BUS DEVICE RESET to target {}\n", id);
        self.reset_target_on_chip(shost, eh, id);
        give_back_finished(self, shost, eh);
        EhResult::Success
    }

    fn reset_target_on_chip(&self, shost: &HostRef<LsiOps>, eh: &EhContext, id: u32) {
        let Begun::Stopping(resets) = self.begin_stop(|_| false) else {
            self.recover(shost, Some(eh), "another recovery step does not end");
            return;
        };
        let mut q = match self.wait_halt(resets, &[Halt::Stopped]) {
            Ok(q) => q,
            Err(Waited::Reset) => return,
            Err(Waited::TimedOut) => {
                self.recover(
                    shost,
                    Some(eh),
                    "the SCRIPTS did not stop for a device reset",
                );
                return;
            }
        };
        self.complete_done(&mut q, shost);
        let dropped = self.in_scope(self.chip.unstarted(&q).mask(), Scope::Target(id));
        self.chip.drop_unstarted(&mut q, dropped);
        for_each_bit(dropped, |idx| {
            self.release_ccb(&mut q, idx);
        });
        give_back_tags(shost, eh, dropped);
        self.renegotiate(id);
        self.run_msg_job(q, shost, eh, Scope::Target(id), msg::BUS_DEVICE_RESET);
    }

    /// Resets the chip (and, with QEMU, its disks) and the SCSI bus, and
    /// gives every outstanding command back: with `eh`, through the error
    /// handler (timed-out commands) or for a retry (the others); without,
    /// completed for a retry. The bus is then usable again.
    pub(crate) fn recover(&self, shost: &HostRef<LsiOps>, eh: Option<&EhContext>, why: &str) {
        let mut q = self.chip.queue.lock();
        self.recover_locked(&mut q, shost, eh, why);
    }

    pub(super) fn recover_locked(
        &self,
        q: &mut Queue,
        shost: &HostRef<LsiOps>,
        eh: Option<&EhContext>,
        why: &str,
    ) {
        if self.chip.is_dead() {
            // Stopped for good (unbind): nothing to reset, nothing held.
            return;
        }
        self.chip.stats.hba.resets.fetch_add(1, Relaxed);
        dev_warn!(
            shost.as_dev(),
            "resetting the chip and the SCSI bus ({})\n",
            why
        );
        let w = &self.chip.win;
        // Stop the SCRIPTS, pulse RST on the bus.
        w.write8(r::ISTAT0, r::ISTAT0_ABRT);
        w.write8(r::ISTAT0, 0);
        w.write8(r::SCNTL1, r::SCNTL1_RST);
        udelay(Delta::from_micros(250));
        w.write8(r::SCNTL1, 0);
        for id in 0..16 {
            self.renegotiate(id);
        }
        let result = self.chip.reset_chip(q);
        // Every command the chip held was dropped by the reset; the queue
        // lock keeps new ones from being posted meanwhile.
        shost.give_back_parked(eh, CmdStatus::host(HostByte::Reset));
        if let Err(e) = result {
            dev_err!(shost.as_dev(), "chip reset failed: {:?}\n", e);
        }
    }
}

/// Calls `f` with the index of every set bit of `mask` (CCB slots).
fn for_each_bit(mask: u64, mut f: impl FnMut(usize)) {
    for idx in 0..SLOTS {
        if mask & (1u64 << idx) != 0 {
            f(idx);
        }
    }
}

/// Gives back the parked commands whose CCB the chip no longer holds: a
/// timed-out command that completed on the bus while the error handler
/// was on its way stays parked for it (`finish_ccb` may not complete it).
fn give_back_finished(host: &LsiHost, shost: &HostRef<LsiOps>, eh: &EhContext) {
    let _q = host.chip.queue.lock();
    let ccbs = host.chip.ccbs();
    shost.give_back_parked_if(Some(eh), CmdStatus::host(HostByte::Reset), |t| {
        !ccbs.is_with_device((t & 0xffff) as usize)
    });
}

/// Gives back the parked commands whose tags are in `mask` (their CCBs
/// were taken back from the chip).
fn give_back_tags(shost: &HostRef<LsiOps>, eh: &EhContext, mask: u64) {
    if mask == 0 {
        return;
    }
    shost.give_back_parked_if(Some(eh), CmdStatus::host(HostByte::Reset), |t| {
        let tag = t & 0xffff;
        tag < 64 && mask & (1u64 << tag) != 0
    });
}
