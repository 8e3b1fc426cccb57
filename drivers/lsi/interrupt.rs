// SPDX-License-Identifier: GPL-2.0

//! The chip's interrupt: CCBs the SCRIPTS marked done are completed, and
//! what the SCRIPTS stop for is handled (selection timeout, phase
//! mismatch, the program's `INT`s, the stop the error handler asked for,
//! a chip error, which resets).

use super::chip::{Halt, Queue};
use super::host::{
    LsiHost, LsiOps, NEGO_DONE, NEGO_NEEDED, NEGO_SENT, STATUS_CHECK_CONDITION, STATUS_GOOD,
};
use super::scripts::{
    layout::{self as l, sir, SLOTS},
    msg, regs as r,
};
use crate::scsi::{CmdStatus, HostByte, HostRef};
use kernel::{
    prelude::*,
    sync::{
        atomic::Relaxed,
        barrier::{dma_mb, Read},
    },
};

impl LsiHost {
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
    pub(super) fn finish_ccb(
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

    /// Marks CCB `idx` done (byte 1 of its status word), as the SCRIPTS do.
    pub(super) fn mark_done(&self, idx: usize) {
        if let Some(mut slot) = self.chip.ccbs().reclaim(idx) {
            let _ = slot.write(l::CCB_STATUS as usize + 1, &[l::HS_DONE]);
            slot.to_device();
        }
    }
}
