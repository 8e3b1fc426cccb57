// SPDX-License-Identifier: GPL-2.0

//! The SCSI host of an LSI 53C8xx chip: a command becomes a CCB in the
//! start queue (its tag is its CCB index), the SCRIPTS run the bus
//! protocol, and the interrupt handler completes CCBs the SCRIPTS marked
//! done and handles what they stop for (bad status, selection timeout,
//! phase mismatch, messages they do not know).

use super::chip::{Chip, Halt, Queue};
use super::scripts::{
    layout::{self as l, sir, SLOTS},
    msg, regs as r,
};
use crate::common::{
    counters::{CounterAttributes, HasCounters, HbaCounters},
    early::finish_early,
    latency::{Clock, SubmitTime},
    stats::{classify, IoStats},
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::scsi::{
    spi::{Agreement, SpiOperations, SpiShow, SpiTarget, SpiTransport},
    Attribute, CmdStatus, CommandRef, DataDirection, Device, EhContext, EhResult, HostByte,
    HostOperations, HostRef, NewCommand, NewTarget, QueueBusy, Requeue, Template,
};
use core::fmt::Write;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        barrier::{dma_mb, Read},
    },
};

/// The orion_lsi host template operations.
pub(crate) struct LsiOps;

/// The template of every LSI host (module lifetime).
pub(crate) static TEMPLATE: Template<LsiOps> = Template::new();

/// The SPI transport of every LSI host (module lifetime).
pub(crate) static TRANSPORT: SpiTransport<LsiOps> = SpiTransport::new();

/// SCSI status bytes the driver looks at.
const STATUS_GOOD: u8 = 0x00;
const STATUS_CHECK_CONDITION: u8 = 0x02;

/// Negotiation state of a target ([`TargetState::nego`]).
const NEGO_NEEDED: i32 = 0;
const NEGO_SENT: i32 = 1;
const NEGO_DONE: i32 = 2;

/// What the driver knows of one target id.
pub(crate) struct TargetState {
    nego: Atomic<i32>,
    /// Goal offset (0: asynchronous), from sysfs or domain validation.
    goal_offset: Atomic<i32>,
    /// Goal period factor.
    goal_period: Atomic<i32>,
}

impl TargetState {
    const fn new() -> Self {
        Self {
            nego: Atomic::new(NEGO_NEEDED),
            goal_offset: Atomic::new(MAX_OFFSET),
            goal_period: Atomic::new(MIN_PERIOD),
        }
    }

    /// The state of every target id.
    pub(crate) fn all() -> [Self; 16] {
        [const { Self::new() }; 16]
    }
}

/// Settings from the module parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LsiSettings {
    /// IDENTIFY grants the disconnect privilege.
    pub(crate) disconnect: bool,
    /// Negotiate synchronous (and wide) transfers with each target.
    pub(crate) sync: bool,
    pub(crate) queue_depth: u32,
    /// Commands outstanding per target, all LUNs together (the tags a
    /// target gets out of the host's [`SLOTS`]).
    pub(crate) target_tags: u32,
    pub(crate) timeout_ms: u32,
}

/// Host data.
pub(crate) struct LsiHost {
    pub(crate) chip: Chip,
    pub(crate) settings: LsiSettings,
    pub(crate) targets: [TargetState; 16],
    pub(crate) clock: Clock,
}

/// Fastest period factor the 53C895A does (Ultra2, 25 ns) and its largest
/// offset.
const MIN_PERIOD: i32 = 10;
const MAX_OFFSET: i32 = 31;

impl LsiHost {
    fn target(&self, id: u32) -> Option<&TargetState> {
        self.targets.get(id as usize)
    }

    /// The next command to target `id` negotiates again (after a reset, or
    /// when the one that carried the negotiation was taken back).
    pub(super) fn renegotiate(&self, id: u32) {
        if let Some(t) = self.target(id) {
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }

    /// Handles the chip's interrupt; `false` if it was not ours.
    pub(crate) fn interrupt(&self, shost: &HostRef<LsiOps>) -> bool {
        let w = &self.chip.win;
        let mut claimed = false;
        let mut q = self.chip.queue.lock();
        if self.chip.is_dead() {
            // Stopped for good: quiet the line, touch nothing else.
            let istat = w.read8(r::ISTAT0);
            let ours =
                istat != u8::MAX && istat & (r::ISTAT0_INTF | r::ISTAT0_SIP | r::ISTAT0_DIP) != 0;
            if ours {
                w.write8(r::ISTAT0, r::ISTAT0_INTF);
                let _ = (w.read8(r::SIST0), w.read8(r::SIST1), w.read8(r::DSTAT));
            }
            return ours;
        }
        for _ in 0..16 {
            let istat = w.read8(r::ISTAT0);
            if istat == u8::MAX || istat & (r::ISTAT0_INTF | r::ISTAT0_SIP | r::ISTAT0_DIP) == 0 {
                break;
            }
            claimed = true;
            if istat & r::ISTAT0_INTF != 0 {
                self.chip.ack_intf(&q, istat);
                self.complete_done(&mut q, shost);
            }
            if istat & (r::ISTAT0_SIP | r::ISTAT0_DIP) != 0 {
                let sist0 = if istat & r::ISTAT0_SIP != 0 {
                    w.read8(r::SIST0)
                } else {
                    0
                };
                let sist1 = if istat & r::ISTAT0_SIP != 0 {
                    w.read8(r::SIST1)
                } else {
                    0
                };
                let dstat = if istat & r::ISTAT0_DIP != 0 {
                    w.read8(r::DSTAT)
                } else {
                    0
                };
                self.stopped(&mut q, shost, sist0, sist1, dstat);
            }
        }
        if claimed {
            self.chip.stats.hba.interrupts.fetch_add(1, Relaxed);
        }
        claimed
    }

    /// Completes every outstanding CCB the SCRIPTS marked done.
    pub(super) fn complete_done(&self, q: &mut Queue, shost: &HostRef<LsiOps>) {
        let outstanding = q.outstanding;
        for idx in 0..SLOTS {
            if outstanding & (1u64 << idx) == 0 {
                continue;
            }
            let done = self
                .chip
                .ccbs()
                .peek_u8(idx, l::CCB_STATUS as usize + 1)
                .is_some_and(|hs| hs == l::HS_DONE);
            if done {
                // The SCRIPTS wrote the CCB before its done byte.
                dma_mb(Read);
                self.finish_ccb(q, shost, idx, None);
            }
        }
    }

    /// Takes CCB `idx` back and completes its command: with `host` as the
    /// result if given (reset, selection timeout), else from the CCB.
    fn finish_ccb(
        &self,
        q: &mut Queue,
        shost: &HostRef<LsiOps>,
        idx: usize,
        host: Option<HostByte>,
    ) {
        let Some(slot) = self.chip.ccbs().reclaim(idx) else {
            return;
        };
        q.outstanding &= !(1u64 << idx);
        let mut hdr = [0u8; l::CCB_SG as usize];
        let _ = slot.read(0, &mut hdr);
        let word = |off: u32| l::get_u32(&hdr, off).unwrap_or(0);
        let flags = word(l::CCB_FLAGS);
        let scsi_status = hdr
            .get(l::CCB_STATUS_BYTE as usize)
            .copied()
            .unwrap_or(0xff);
        let id = (word(l::CCB_SELECT) >> 16) & 0x0f;
        if flags & l::FLAG_UNTAGGED != 0 {
            self.chip.set_untagged(id, None);
        }
        // A command that carried SDTR ended: whether the target answered
        // (the driver then rejected or accepted asynchronous terms) or went
        // on without answering (QEMU never answers), the transfers are
        // asynchronous and narrow (recorded for the SPI class in process
        // context, see `sdev_configure`). A command that never got through
        // (selection timeout, reset) leaves the negotiation to the next.
        let agreed = flags & l::FLAG_NEGOTIATE != 0 && host.is_none();
        if flags & l::FLAG_NEGOTIATE != 0 {
            if let Some(t) = self.target(id) {
                let _ = t.nego.cmpxchg(
                    NEGO_SENT,
                    if agreed { NEGO_DONE } else { NEGO_NEEDED },
                    Relaxed,
                );
            }
        }
        let resid = self.residual(&slot, word(l::CCB_LASTP), word(l::CCB_XFER_LEN));
        let mut sense = [0u8; l::SENSE_LEN];
        if flags & l::FLAG_SENSE != 0 {
            let _ = slot.read(l::CCB_SENSE as usize, &mut sense);
        }
        drop(slot);
        let Some(mut cmd) = shost.take_parked(idx as u32) else {
            return;
        };

        let status = match host {
            Some(h) => CmdStatus::host(h),
            None if flags & l::FLAG_SENSE != 0 => {
                if scsi_status == STATUS_GOOD {
                    let got = (l::SENSE_LEN as u32).saturating_sub(resid) as usize;
                    let dst = cmd.sense_buffer_mut();
                    let n = got.min(dst.len());
                    if let (Some(d), Some(s)) = (dst.get_mut(..n), sense.get(..n)) {
                        d.copy_from_slice(s);
                    }
                }
                // The command's own status was CHECK CONDITION; its data
                // residual was lost with the REQUEST SENSE: report none.
                CmdStatus {
                    host: HostByte::Ok,
                    status: STATUS_CHECK_CONDITION,
                }
            }
            None => {
                cmd.set_resid(resid);
                if flags & l::FLAG_OVERRUN != 0 {
                    CmdStatus::host(HostByte::Error)
                } else {
                    CmdStatus {
                        host: HostByte::Ok,
                        status: scsi_status,
                    }
                }
            }
        };
        cmd.complete(status);
    }

    /// Bytes not transferred: the counts of the SG entries from the one the
    /// data pointer points at to the end (the phase mismatch handler left
    /// the remainder of a split entry in it).
    fn residual(&self, slot: &crate::dma::SlotMut<'_>, lastp: u32, xfer: u32) -> u32 {
        let labels = &self.chip.labels;
        let entry = [labels.data_in, labels.data_out]
            .into_iter()
            .find_map(|base| {
                let off = lastp.checked_sub(base)?;
                let i = off / 8;
                (off % 8 == 0 && (i as usize) < l::SG_ENTRIES).then_some(i)
            });
        let Some(first) = entry else {
            // Past the arrays (done) or a command without data.
            return 0;
        };
        let mut left = 0u32;
        for i in first..l::SG_ENTRIES as u32 {
            let mut e = [0u8; 4];
            let _ = slot.read((l::CCB_SG + 8 * i) as usize, &mut e);
            left = left.saturating_add(u32::from_le_bytes(e) & l::MAX_SEGMENT);
        }
        left.min(xfer)
    }

    /// The SCRIPTS stopped (or the bus did something): handle it and
    /// restart them.
    fn stopped(&self, q: &mut Queue, shost: &HostRef<LsiOps>, sist0: u8, sist1: u8, dstat: u8) {
        let w = &self.chip.win;
        let dsa = w.read32(r::DSA);
        let dsp = w.read32(r::DSP);
        let idx = self.chip.ccb_index(dsa);
        if sist0 & r::SIST0_RST != 0 {
            dev_warn!(shost.as_dev(), "SCSI bus reset detected\n");
            self.recover_locked(q, shost, None, "bus reset");
            return;
        }
        let code = if dstat & r::DSTAT_SIR != 0 && sist0 == 0 && sist1 == 0 {
            Some(w.read32(r::DSPS))
        } else {
            None
        };
        if code == Some(sir::STOPPED) {
            if q.halt == Halt::Requested {
                // Stopped at `start` for the error handler, which now
                // edits the start queue and restarts the SCRIPTS.
                q.halt = Halt::Stopped;
            } else {
                self.chip.win.write8(r::ISTAT0, 0);
                self.chip.restart_at(self.chip.labels.start);
            }
            return;
        }
        if q.halt == Halt::MsgRunning && dsa == self.chip.msg_ccb_bus() {
            // The message job ended; the error handler waiting for it
            // takes the target's commands back, then restarts.
            q.halt = if code == Some(sir::MSG_JOB_DONE) {
                Halt::MsgDone
            } else {
                dev_warn!(
                    shost.as_dev(),
                    "message job failed: DSTAT {:#04x} SIST0 {:#04x} SIST1 {:#04x} DSP {:#x}\n",
                    dstat,
                    sist0,
                    sist1,
                    dsp
                );
                Halt::MsgFailed
            };
            return;
        }
        if sist1 & r::SIST1_STO != 0 {
            self.chip.stats.selection_timeouts.fetch_add(1, Relaxed);
            self.chip.clear_priority();
            if let Some(i) = idx {
                self.finish_ccb(q, shost, i, Some(HostByte::NoConnect));
            }
            self.chip.restart_at(self.chip.labels.start);
            return;
        }
        if sist0 & r::SIST0_MA != 0 {
            self.phase_mismatch(q, shost, idx, dsp);
            return;
        }
        if let Some(code) = code {
            self.script_interrupt(q, shost, idx, code);
            return;
        }
        dev_err!(
            shost.as_dev(),
            "unexpected chip interrupt: DSTAT {:#04x} SIST0 {:#04x} SIST1 {:#04x} DSP {:#x} DSA {:#x}\n",
            dstat,
            sist0,
            sist1,
            dsp,
            dsa
        );
        self.recover_locked(q, shost, None, "chip error");
    }

    /// A phase mismatch stopped a block move: in a data-move array the
    /// entry is split (what is left stays, the data pointer points at it);
    /// elsewhere (the overrun stub, a no-data command waiting in DATA IN,
    /// message or command bytes) the SCRIPTS go on with the new phase.
    fn phase_mismatch(&self, q: &mut Queue, shost: &HostRef<LsiOps>, idx: Option<usize>, dsp: u32) {
        let w = &self.chip.win;
        let labels = &self.chip.labels;
        let insn = dsp.wrapping_sub(8);
        let left = w.read32(r::DBC) & l::MAX_SEGMENT;
        let entry = [labels.data_in, labels.data_out]
            .into_iter()
            .find_map(|base| {
                let off = insn.checked_sub(base)?;
                (off % 8 == 0 && ((off / 8) as usize) < l::SG_ENTRIES).then_some((base, off / 8))
            });
        if let (Some((base, i)), Some(idx)) = (entry, idx) {
            if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
                let at = l::CCB_SG + 8 * i;
                let mut e = [0u8; 8];
                let _ = slot.read(at as usize, &mut e);
                let count = l::get_u32(&e, 0).unwrap_or(0) & l::MAX_SEGMENT;
                let addr = l::get_u32(&e, 4).unwrap_or(0);
                let moved = count.saturating_sub(left);
                let mut new = [0u8; 8];
                l::put_u32(&mut new, 0, left);
                l::put_u32(&mut new, 4, addr.wrapping_add(moved));
                let _ = slot.write(at as usize, &new);
                let _ = slot.write(l::CCB_LASTP as usize, &(base + 8 * i).to_le_bytes());
                slot.to_device();
            }
        } else if idx.is_none() {
            dev_err!(
                shost.as_dev(),
                "phase mismatch without a command (DSP {:#x})\n",
                dsp
            );
            self.recover_locked(q, shost, None, "phase mismatch");
            return;
        }
        self.chip.restart_at(labels.dispatch);
    }

    /// An `INT` of the program.
    fn script_interrupt(
        &self,
        q: &mut Queue,
        shost: &HostRef<LsiOps>,
        idx: Option<usize>,
        code: u32,
    ) {
        let labels = &self.chip.labels;
        let Some(idx) = idx else {
            dev_err!(
                shost.as_dev(),
                "SCRIPTS interrupt {} without a command\n",
                code
            );
            self.recover_locked(q, shost, None, "SCRIPTS interrupt");
            return;
        };
        match code {
            sir::BAD_STATUS => self.bad_status(q, shost, idx),
            sir::EXT_MSG => {
                let len = self
                    .chip
                    .ccbs()
                    .peek_u8(idx, l::CCB_MSGIN as usize + 1)
                    .unwrap_or(0);
                let len = u32::from(len).min(l::MSGIN_LEN as u32 - 2);
                if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
                    let mut tbl = [0u8; 8];
                    l::put_u32(&mut tbl, 0, len);
                    l::put_u32(&mut tbl, 4, self.chip.ccb_bus(idx) + l::CCB_MSGIN + 2);
                    let _ = slot.write(l::CCB_EXTIN_TBL as usize, &tbl);
                    slot.to_device();
                }
                self.chip.restart_at(labels.ext_body);
            }
            sir::EXT_MSG_BODY => {
                // A reply to our SDTR/WDTR. Anything else gets MESSAGE
                // REJECT; either way the transfers stay asynchronous and
                // narrow (the only mode this driver programs).
                let mut m = [0u8; l::MSGIN_LEN];
                let _ = self.chip.ccbs().read(idx, l::CCB_MSGIN as usize, &mut m);
                if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
                    let mut f = [0u8; 4];
                    let _ = slot.read(l::CCB_FLAGS as usize, &mut f);
                    let flags = u32::from_le_bytes(f) | l::FLAG_NEGO_ANSWERED;
                    let _ = slot.write(l::CCB_FLAGS as usize, &flags.to_le_bytes());
                    slot.to_device();
                }
                let id = self.ccb_target(idx);
                if let Some(t) = self.target(id) {
                    t.nego.store(NEGO_DONE, Relaxed);
                }
                dev_info!(
                    shost.as_dev(),
                    "target {}: extended message {:02x?}: staying asynchronous, narrow\n",
                    id,
                    m
                );
                self.chip.restart_at(labels.clear_ack);
            }
            sir::REJECT_RECEIVED => {
                let id = self.ccb_target(idx);
                if let Some(t) = self.target(id) {
                    t.nego.store(NEGO_DONE, Relaxed);
                }
                self.chip.restart_at(labels.clear_ack);
            }
            sir::OVERRUN => {
                if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
                    let mut f = [0u8; 4];
                    let _ = slot.read(l::CCB_FLAGS as usize, &mut f);
                    let flags = u32::from_le_bytes(f) | l::FLAG_OVERRUN;
                    let _ = slot.write(l::CCB_FLAGS as usize, &flags.to_le_bytes());
                    slot.to_device();
                }
                self.chip.restart_at(labels.overrun);
            }
            sir::MSG_WEIRD => {
                let m = self
                    .chip
                    .ccbs()
                    .peek_u8(idx, l::CCB_MSGIN as usize)
                    .unwrap_or(0);
                dev_warn!(
                    shost.as_dev(),
                    "unexpected message {:#04x}: rejecting it\n",
                    m
                );
                if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
                    let _ = slot.write(l::CCB_MSGOUT as usize, &[msg::MESSAGE_REJECT]);
                    let mut tbl = [0u8; 4];
                    l::put_u32(&mut tbl, 0, 1);
                    let _ = slot.write(l::CCB_MSGOUT_TBL as usize, &tbl);
                    slot.to_device();
                }
                self.chip.restart_at(labels.reject_out);
            }
            _ => {
                dev_err!(
                    shost.as_dev(),
                    "SCRIPTS interrupt {} on tag {}\n",
                    code,
                    idx
                );
                self.recover_locked(q, shost, None, "SCRIPTS interrupt");
            }
        }
    }

    fn ccb_target(&self, idx: usize) -> u32 {
        let mut sel = [0u8; 4];
        let _ = self.chip.ccbs().read(idx, l::CCB_SELECT as usize, &mut sel);
        (u32::from_le_bytes(sel) >> 16) & 0x0f
    }

    /// COMMAND COMPLETE with a status other than GOOD: a CHECK CONDITION
    /// gets the driver's REQUEST SENSE (the chip has no autosense), run
    /// before anything else so no other command to the LUN clears the
    /// sense data first; any other status completes the command.
    fn bad_status(&self, q: &mut Queue, shost: &HostRef<LsiOps>, idx: usize) {
        let ccbs = self.chip.ccbs();
        let status = ccbs
            .peek_u8(idx, l::CCB_STATUS_BYTE as usize)
            .unwrap_or(0xff);
        let mut f = [0u8; 4];
        let _ = ccbs.read(idx, l::CCB_FLAGS as usize, &mut f);
        let flags = u32::from_le_bytes(f);
        if status != STATUS_CHECK_CONDITION || flags & l::FLAG_SENSE != 0 {
            self.mark_done(idx);
            self.finish_ccb(q, shost, idx, None);
            self.chip.restart_at(self.chip.labels.start);
            return;
        }
        let Some(mut slot) = ccbs.reclaim(idx) else {
            self.chip.restart_at(self.chip.labels.start);
            return;
        };
        let bus = self.chip.ccb_bus(idx);
        let mut sel = [0u8; 4];
        let _ = slot.read(l::CCB_SELECT as usize, &mut sel);
        let id = (u32::from_le_bytes(sel) >> 16) & 0x0f;
        let mut ident = [0u8; 1];
        let _ = slot.read(l::CCB_MSGOUT as usize, &mut ident);
        let lun = ident.first().copied().unwrap_or(0) & 0x07;
        // Untagged as SCSI-2 targets expect after a contingent allegiance,
        // unless another untagged command of the target holds its
        // reselection entry: then tagged, with the command's own tag.
        let untagged = flags & l::FLAG_UNTAGGED != 0 || !self.chip.untagged_in_use(id);
        let tag = if untagged {
            None
        } else {
            u8::try_from(idx).ok()
        };
        let built = write_sense_job(&mut slot, bus, &self.chip.labels, lun, flags, tag);
        slot.to_device();
        if built.is_err() {
            self.mark_done(idx);
            self.finish_ccb(q, shost, idx, None);
            self.chip.restart_at(self.chip.labels.start);
            return;
        }
        if untagged {
            self.chip.set_untagged(id, Some(bus));
        }
        if self.chip.post_first_and_restart(q, bus).is_err() {
            self.recover_locked(q, shost, None, "no room for REQUEST SENSE");
        }
    }

    /// Marks CCB `idx` done (byte 1 of its status word), as the SCRIPTS do.
    fn mark_done(&self, idx: usize) {
        if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
            let _ = slot.write(l::CCB_STATUS as usize + 1, &[l::HS_DONE]);
            slot.to_device();
        }
    }
}

/// Turns a CCB whose command ended in CHECK CONDITION into an untagged
/// REQUEST SENSE for the same LUN, reading into the CCB's sense area.
fn write_sense_job(
    slot: &mut crate::dma::SlotMut<'_>,
    bus: u32,
    labels: &super::scripts::program::Labels,
    lun: u8,
    flags: u32,
    tag: Option<u8>,
) -> Result {
    let mut hdr = [0u8; l::CCB_SG as usize];
    slot.read(0, &mut hdr)?;
    let last = l::SG_ENTRIES as u32 - 1;
    let put = |h: &mut [u8], off: u32, v: u32| l::put_u32(h, off, v);
    put(&mut hdr, l::CCB_GO_START, labels.select);
    put(&mut hdr, l::CCB_GO_RESTART, labels.resume);
    let first = labels.data_in_end - 8;
    put(&mut hdr, l::CCB_SAVEP, first);
    put(&mut hdr, l::CCB_LASTP, first);
    put(&mut hdr, l::CCB_GOALP, labels.overrun);
    put(&mut hdr, l::CCB_STATUS, 0);
    let ident = msg::identify(lun, false).unwrap_or(msg::IDENTIFY);
    let msgout = l::CCB_MSGOUT as usize;
    let n = match tag {
        Some(t) => {
            if let Some(b) = hdr.get_mut(msgout..msgout + 3) {
                b.copy_from_slice(&[ident, msg::SIMPLE_QUEUE_TAG, t]);
            }
            3
        }
        None => {
            if let Some(b) = hdr.get_mut(msgout) {
                *b = ident;
            }
            1
        }
    };
    put(&mut hdr, l::CCB_MSGOUT_TBL, n);
    put(&mut hdr, l::CCB_CMD_TBL, 6);
    let cdb = l::CCB_CDB as usize;
    if let Some(d) = hdr.get_mut(cdb..cdb + 6) {
        d.copy_from_slice(&[0x03, 0, 0, 0, l::SENSE_LEN as u8, 0]);
    }
    put(&mut hdr, l::CCB_STATUS_BYTE, 0xff);
    let keep =
        flags & !(l::FLAG_NEGOTIATE | l::FLAG_NEGO_ANSWERED | l::FLAG_OVERRUN | l::FLAG_UNTAGGED);
    let untagged = if tag.is_none() { l::FLAG_UNTAGGED } else { 0 };
    put(&mut hdr, l::CCB_FLAGS, keep | l::FLAG_SENSE | untagged);
    put(&mut hdr, l::CCB_XFER_LEN, l::SENSE_LEN as u32);
    slot.write(0, &hdr)?;
    let mut e = [0u8; 8];
    put(&mut e, 0, l::SENSE_LEN as u32);
    put(&mut e, 4, bus + l::CCB_SENSE);
    slot.write((l::CCB_SG + 8 * last) as usize, &e)?;
    Ok(())
}

impl StatsDevice for LsiOps {
    fn io_stats(dev: &Device<Self>) -> Option<&IoStats> {
        dev.data()
    }
}

impl HasCounters for LsiHost {
    fn counters(&self) -> &HbaCounters {
        &self.chip.stats.hba
    }
}

/// The shared counters plus the chip's own.
const HOST_ATTRS: [Attribute<LsiHost>; 6] = {
    let c = CounterAttributes::<LsiHost>::LIST;
    [
        c[0],
        c[1],
        c[2],
        Attribute {
            name: c"orion_selection_timeouts",
            show: |h, w| writeln!(w, "{}", h.chip.stats.selection_timeouts.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_negotiations",
            show: |h, w| writeln!(w, "{}", h.chip.stats.negotiations.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_peak_outstanding",
            show: |h, w| writeln!(w, "{}", h.chip.stats.peak_outstanding.load(Relaxed)),
            store: None,
        },
    ]
};

#[vtable]
impl HostOperations for LsiOps {
    type HostData = LsiHost;
    type CmdData = SubmitTime;
    type DeviceData = IoStats;

    const HOST_ATTRIBUTES: &'static [Attribute<LsiHost>] = &HOST_ATTRS;

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &StatsAttributes::<Self>::LIST;

    fn queue_command<'q>(host: &LsiHost, cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        let chip = &host.chip;
        // One hardware queue (`nr_hw_queues` 1): the low 16 bits are the
        // tag, which is the CCB slot.
        let tag = (cmd.unique_tag() & 0xffff) as usize;
        let dev = cmd.device();
        let (id, lun) = (dev.id(), dev.lun());
        if chip.is_dead() || lun > 7 || id > 15 || tag >= SLOTS {
            return finish_early(cmd, CmdStatus::host(HostByte::NoConnect));
        }
        let Some(mut slot) = chip.claim(tag) else {
            return Err(cmd.requeue(QueueBusy::Device));
        };
        let bus = chip.ccb_bus(tag);
        let tagged = dev.tagged();
        let mut msgout = [0u8; l::MSGOUT_LEN];
        let mut n = 0usize;
        let mut flags = if tagged { 0 } else { l::FLAG_UNTAGGED };
        let mut push = |b: u8, n: &mut usize| {
            if let Some(d) = msgout.get_mut(*n) {
                *d = b;
                *n += 1;
            }
        };
        push(
            msg::identify(lun as u8, host.settings.disconnect).unwrap_or(msg::IDENTIFY),
            &mut n,
        );
        if tagged {
            push(msg::SIMPLE_QUEUE_TAG, &mut n);
            push(tag as u8, &mut n);
        }
        if let Some(t) = host.target(id) {
            if host.settings.sync && t.nego.cmpxchg(NEGO_NEEDED, NEGO_SENT, Relaxed).is_ok() {
                let period = t.goal_period.load(Relaxed).clamp(MIN_PERIOD, 255) as u8;
                let offset = t.goal_offset.load(Relaxed).clamp(0, MAX_OFFSET) as u8;
                for b in msg::sdtr(period, offset) {
                    push(b, &mut n);
                }
                flags |= l::FLAG_NEGOTIATE;
                chip.stats.negotiations.fetch_add(1, Relaxed);
            }
        }
        let cdb = cmd.cdb();
        let cdb_len = cdb.len().min(l::CDB_LEN);
        let kind = classify(cdb);
        let dir = cmd.data_direction();
        let xfer = if dir == DataDirection::None {
            0
        } else {
            cmd.transfer_len()
        };
        let mut hdr = [0u8; l::CCB_SG as usize];
        let labels = &chip.labels;
        let put = |h: &mut [u8], off: u32, v: u32| l::put_u32(h, off, v);
        put(&mut hdr, l::CCB_GO_START, labels.select);
        put(&mut hdr, l::CCB_GO_RESTART, labels.resume);
        put(&mut hdr, l::CCB_GOALP, labels.overrun);
        put(&mut hdr, l::CCB_SELECT, l::select_dword(id as u8, 0, 0));
        put(&mut hdr, l::CCB_MSGOUT_TBL, n as u32);
        put(&mut hdr, l::CCB_MSGOUT_TBL + 4, bus + l::CCB_MSGOUT);
        put(&mut hdr, l::CCB_CMD_TBL, cdb_len as u32);
        put(&mut hdr, l::CCB_CMD_TBL + 4, bus + l::CCB_CDB);
        put(&mut hdr, l::CCB_STATUS_TBL, 1);
        put(&mut hdr, l::CCB_STATUS_TBL + 4, bus + l::CCB_STATUS_BYTE);
        put(&mut hdr, l::CCB_MSGIN_TBL, 1);
        put(&mut hdr, l::CCB_MSGIN_TBL + 4, bus + l::CCB_MSGIN);
        put(&mut hdr, l::CCB_EXTIN_TBL, 1);
        put(&mut hdr, l::CCB_EXTIN_TBL + 4, bus + l::CCB_MSGIN + 1);
        put(&mut hdr, l::CCB_STATUS_BYTE, 0xff);
        put(&mut hdr, l::CCB_XFER_LEN, xfer);
        let mo = l::CCB_MSGOUT as usize;
        if let (Some(d), Some(s)) = (hdr.get_mut(mo..mo + n), msgout.get(..n)) {
            d.copy_from_slice(s);
        }
        let co = l::CCB_CDB as usize;
        if let (Some(d), Some(s)) = (hdr.get_mut(co..co + cdb_len), cdb.get(..cdb_len)) {
            d.copy_from_slice(s);
        }
        let array_end = match dir {
            DataDirection::FromDevice => Some(labels.data_in_end),
            DataDirection::ToDevice => Some(labels.data_out_end),
            DataDirection::None => None,
            DataDirection::Bidirectional => {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            }
        };
        let mut cmd = cmd;
        let mut first = labels.overrun;
        if let Some(end) = array_end {
            let Ok(segs) = cmd.dma_map() else {
                drop(slot);
                return Err(cmd.requeue(QueueBusy::Host));
            };
            let nseg = segs.size_hint().0;
            if nseg > l::SG_ENTRIES {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            }
            let start = l::SG_ENTRIES - nseg;
            for (i, (addr, len)) in segs.enumerate() {
                let (Ok(addr), true) = (u32::try_from(addr), len <= l::MAX_SEGMENT) else {
                    drop(slot);
                    return finish_early(cmd, CmdStatus::host(HostByte::Error));
                };
                let mut e = [0u8; 8];
                put(&mut e, 0, len);
                put(&mut e, 4, addr);
                let at = l::CCB_SG as usize + 8 * (start + i);
                if slot.write(at, &e).is_err() {
                    drop(slot);
                    return finish_early(cmd, CmdStatus::host(HostByte::Error));
                }
            }
            first = end - 8 * nseg as u32;
        }
        put(&mut hdr, l::CCB_SAVEP, first);
        put(&mut hdr, l::CCB_LASTP, first);
        put(&mut hdr, l::CCB_FLAGS, flags);
        if slot.write(0, &hdr).is_err() {
            drop(slot);
            return finish_early(cmd, CmdStatus::host(HostByte::Error));
        }
        let mut q = chip.queue.lock();
        if !chip.has_room(&q) {
            drop(q);
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        }
        if flags & l::FLAG_UNTAGGED != 0 {
            // One untagged command per target: reselection finds it by id.
            if chip.untagged_in_use(id) {
                drop(q);
                drop(slot);
                return Err(cmd.requeue(QueueBusy::Target));
            }
            chip.set_untagged(id, Some(bus));
        }
        cmd.data().mark(&host.clock);
        if let Some(stats) = cmd.device().data() {
            stats.start();
            stats.count(kind, u64::from(xfer));
        }
        cmd.accept().park();
        chip.post(&mut q, slot);
        Ok(())
    }

    fn command_finished(host: &LsiHost, cmd: &CommandRef<Self>) {
        if let Some(stats) = cmd.device().data() {
            stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn target_alloc(host: &LsiHost, target: &NewTarget) -> Result {
        // Per-target tag limit: the midlayer holds back commands past it
        // (target busy), so one target cannot take every slot.
        target.set_can_queue(host.settings.target_tags.clamp(1, SLOTS as u32));
        Ok(())
    }

    fn sdev_init(_host: &LsiHost, dev: &Device<Self>) -> Result<IoStats> {
        if dev.channel() != 0 || dev.id() == 7 || dev.lun() > 7 {
            return Err(ENXIO);
        }
        Ok(IoStats::default())
    }

    fn sdev_configure(host: &LsiHost, dev: &Device<Self>) -> Result {
        let depth = if dev.tagged() {
            host.settings.queue_depth.clamp(1, SLOTS as u32)
        } else {
            1
        };
        dev.set_queue_depth(depth);
        dev.set_timeout_ms(host.settings.timeout_ms);
        if let Some(t) = TRANSPORT.target_of(dev) {
            // Recorded here, in process context like the SPI class's own
            // writes to these fields: the only terms the driver programs.
            t.set_limits(MIN_PERIOD, MAX_OFFSET, false);
            t.set_agreement(Agreement::ASYNC_NARROW);
            if !t.initial_dv_done() && host.settings.sync {
                dev.spi_domain_validation(&TRANSPORT);
            }
            t.display_agreement();
        }
        Ok(())
    }

    fn change_queue_depth(_host: &LsiHost, dev: &Device<Self>, depth: u32) -> u32 {
        if dev.tagged() {
            depth.clamp(1, SLOTS as u32)
        } else {
            1
        }
    }

    fn eh_abort(host: &LsiHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        host.abort(cmd.device().host(), cmd, eh)
    }

    fn eh_device_reset(host: &LsiHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        host.reset_target(dev.host(), eh, dev.id())
    }

    fn eh_target_reset(host: &LsiHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        host.reset_target(dev.host(), eh, dev.id())
    }

    fn eh_bus_reset(
        host: &LsiHost,
        shost: &HostRef<Self>,
        _channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        host.recover(shost, Some(eh), "bus reset");
        EhResult::Success
    }

    fn eh_host_reset(host: &LsiHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        host.recover(shost, Some(eh), "host reset");
        EhResult::Success
    }
}

#[vtable]
impl SpiOperations for LsiOps {
    const SHOW: SpiShow = SpiShow {
        period: true,
        offset: true,
        width: true,
        dt: false,
    };

    fn signalling(_host: &LsiHost) -> crate::scsi::spi::Signalling {
        crate::scsi::spi::Signalling::Lvd
    }

    fn set_period(host: &LsiHost, target: &SpiTarget, period: i32) {
        if let Some(t) = host.target(target.target().id()) {
            t.goal_period.store(period, Relaxed);
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }

    fn set_offset(host: &LsiHost, target: &SpiTarget, offset: i32) {
        if let Some(t) = host.target(target.target().id()) {
            t.goal_offset.store(offset, Relaxed);
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }

    fn set_width(_host: &LsiHost, target: &SpiTarget, _wide: bool) {
        // Narrow only: the agreement stays as it is.
        let a = target.agreement();
        target.set_agreement(Agreement { wide: false, ..a });
    }
}
