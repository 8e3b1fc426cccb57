// SPDX-License-Identifier: GPL-2.0

//! No autosense on this chip: a command that ends in CHECK CONDITION gets
//! the driver's REQUEST SENSE, built in the command's own CCB and run
//! before any other job.

use super::chip::Queue;
use super::host::{LsiHost, LsiOps, STATUS_CHECK_CONDITION};
use super::scripts::{
    ccb::{self, DataMoves},
    layout as l, msg,
    program::Labels,
};
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
        let built = write_sense_job(&mut slot, bus, &self.chip.labels, id as u8, lun, flags, tag);
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
/// (or, with `tag`, tagged) REQUEST SENSE for the same LUN of target `id`,
/// reading into the CCB's sense area.
fn write_sense_job(
    slot: &mut SlotMut<'_>,
    bus: u32,
    labels: &Labels,
    id: u8,
    lun: u8,
    flags: u32,
    tag: Option<u8>,
) -> Result {
    let ident = msg::identify(lun, false).unwrap_or(msg::IDENTIFY);
    let tagged = [ident, msg::SIMPLE_QUEUE_TAG, tag.unwrap_or(0)];
    let keep =
        flags & !(l::FLAG_NEGOTIATE | l::FLAG_NEGO_ANSWERED | l::FLAG_OVERRUN | l::FLAG_UNTAGGED);
    let untagged = if tag.is_none() { l::FLAG_UNTAGGED } else { 0 };
    let job = ccb::Job {
        id,
        msgout: if tag.is_some() { &tagged } else { &tagged[..1] },
        cdb: &[0x03, 0, 0, 0, l::SENSE_LEN as u8, 0],
        xfer: l::SENSE_LEN as u32,
        flags: keep | l::FLAG_SENSE | untagged,
        data: DataMoves::In(1),
    };
    let hdr = ccb::header(labels, bus, &job).ok_or(EINVAL)?;
    slot.write(0, &hdr)?;
    let at = ccb::sg_entry(1, 0).ok_or(EINVAL)?;
    let [count, addr] = l::table_entry(l::SENSE_LEN as u32, bus + l::CCB_SENSE);
    let mut e = [0u8; 8];
    l::put_u32(&mut e, 0, count);
    l::put_u32(&mut e, 4, addr);
    slot.write(at as usize, &e)
}
