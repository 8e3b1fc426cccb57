// SPDX-License-Identifier: GPL-2.0

//! The ABORT frame: cancel another posted frame.
//!
//! QEMU finds the victim by its frame address and then checks the context;
//! the victim completes with `STAT_SCSI_IO_FAILED`, the ABORT itself with
//! `STAT_OK` (also when the victim had already completed) or
//! `STAT_ABORT_NOT_POSSIBLE` on a context mismatch. Internal DCMDs such as
//! CTRL_EVENT_WAIT are never aborted.

use super::frame::{self, Header, CMD_ABORT, FRAME_SIZE, STAT_PENDING};
use super::MfiError;
use crate::proto::le::put_le32;

/// ABORT offset: context of the frame to abort (32 bits; 0x1c stays zero).
pub const OFF_ABORT_CONTEXT: usize = 0x18;
/// ABORT offset: DMA address of the frame to abort, low half.
pub const OFF_ABORT_ADDR_LO: usize = 0x20;
/// ABORT offset: DMA address of the frame to abort, high half.
pub const OFF_ABORT_ADDR_HI: usize = 0x24;

/// Builds an ABORT frame for the frame at `victim_addr` (as posted, 32-byte
/// aligned) carrying `victim_context`; returns the frame size (64).
pub fn build_abort(
    frame: &mut [u8],
    context: u32,
    victim_context: u32,
    victim_addr: u64,
) -> Result<usize, MfiError> {
    if victim_addr == 0 || victim_addr & 0x1f != 0 {
        return Err(MfiError::BadAddress);
    }
    frame::begin(frame)?;
    Header {
        cmd: CMD_ABORT,
        cmd_status: STAT_PENDING,
        context,
        ..Header::default()
    }
    .write(frame)?;
    put_le32(frame, OFF_ABORT_CONTEXT, victim_context)?;
    put_le32(frame, OFF_ABORT_ADDR_LO, victim_addr as u32)?;
    put_le32(frame, OFF_ABORT_ADDR_HI, (victim_addr >> 32) as u32)?;
    Ok(FRAME_SIZE)
}
