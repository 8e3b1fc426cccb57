// SPDX-License-Identifier: GPL-2.0

//! No autosense on this chip: a command that ends in CHECK CONDITION gets
//! the driver's REQUEST SENSE, built in the command's own CCB and run
//! before any other job.

use super::chip::Queue;
use super::host::{LsiHost, LsiOps, STATUS_CHECK_CONDITION};
use super::scripts::{layout as l, msg, program::Labels};
use crate::dma::SlotMut;
use crate::scsi::HostRef;
use kernel::prelude::*;

impl LsiHost {
    /// COMMAND COMPLETE with a status other than GOOD: a CHECK CONDITION
    /// gets the driver's REQUEST SENSE (the chip has no autosense), run
    /// before anything else so no other command to the LUN clears the
    /// sense data first; any other status completes the command.
    pub(super) fn bad_status(&self, q: &mut Queue, shost: &HostRef<LsiOps>, idx: usize) {
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
}

/// Turns a CCB whose command ended in CHECK CONDITION into an untagged
/// REQUEST SENSE for the same LUN, reading into the CCB's sense area.
fn write_sense_job(
    slot: &mut SlotMut<'_>,
    bus: u32,
    labels: &Labels,
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
