// SPDX-License-Identifier: GPL-2.0

//! The INIT frame and the 32-byte queue-information block it points to.
//!
//! INIT hands the firmware the reply ring and the producer/consumer index
//! words. QEMU completes it synchronously inside the posting write; poll
//! the frame's status until it is no longer `STAT_PENDING`.

use super::frame::{self, Header, CMD_INIT, FRAME_SIZE, STAT_PENDING};
use super::MfiError;
use crate::proto::le::{le32, put_le32, put_le64, zero};

/// Size of `mfi_init_qinfo`.
pub const QINFO_SIZE: usize = 32;
/// INIT frame offset: queue-info address, low half.
pub const OFF_QINFO_LO: usize = 0x18;
/// INIT frame offset: queue-info address, high half.
pub const OFF_QINFO_HI: usize = 0x1c;
/// Queue-info flag: 64-bit contexts in 64-bit ring entries.
pub const QUEUE_FLAG_CONTEXT64: u32 = 0x2;

/// Queue-info offset: flags.
pub const QI_FLAGS: usize = 0x00;
/// Queue-info offset: reply ring entries.
pub const QI_RQ_ENTRIES: usize = 0x04;
/// Queue-info offset: reply ring address (lo, hi).
pub const QI_RQ_ADDR: usize = 0x08;
/// Queue-info offset: producer index address (lo, hi).
pub const QI_PI_ADDR: usize = 0x10;
/// Queue-info offset: consumer index address (lo, hi).
pub const QI_CI_ADDR: usize = 0x18;

/// Contents of the queue-information block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueInfo {
    /// `QUEUE_FLAG_*` bits (0: 32-bit ring entries).
    pub flags: u32,
    /// Ring entries. QEMU rejects more than `fw_cmds` and wraps its
    /// producer at `fw_cmds` regardless, so use exactly `fw_cmds`.
    pub rq_entries: u32,
    /// DMA address of the reply ring.
    pub rq_addr: u64,
    /// DMA address of the producer index word.
    pub pi_addr: u64,
    /// DMA address of the consumer index word.
    pub ci_addr: u64,
}

impl QueueInfo {
    /// Queue info for a 32-bit-context ring of `fw_cmds` entries.
    pub fn new(fw_cmds: u16, rq_addr: u64, pi_addr: u64, ci_addr: u64) -> Self {
        QueueInfo {
            flags: 0,
            rq_entries: u32::from(fw_cmds),
            rq_addr,
            pi_addr,
            ci_addr,
        }
    }

    /// Writes the 32-byte block at the start of `buf`; returns 32.
    ///
    /// Rejects zero entries (QEMU keeps only the low 16 bits, so also
    /// anything above 0xffff) and zero addresses.
    pub fn write(&self, buf: &mut [u8]) -> Result<usize, MfiError> {
        if self.rq_entries == 0 || self.rq_entries > 0xffff {
            return Err(MfiError::InvalidParam);
        }
        if self.rq_addr == 0 || self.pi_addr == 0 || self.ci_addr == 0 {
            return Err(MfiError::BadAddress);
        }
        if buf.len() < QINFO_SIZE {
            return Err(MfiError::BufferTooSmall);
        }
        zero(buf, 0, QINFO_SIZE)?;
        put_le32(buf, QI_FLAGS, self.flags)?;
        put_le32(buf, QI_RQ_ENTRIES, self.rq_entries)?;
        put_le64(buf, QI_RQ_ADDR, self.rq_addr)?;
        put_le64(buf, QI_PI_ADDR, self.pi_addr)?;
        put_le64(buf, QI_CI_ADDR, self.ci_addr)?;
        Ok(QINFO_SIZE)
    }

    /// Parses a 32-byte block (for tests and diagnostics).
    pub fn parse(buf: &[u8]) -> Result<Self, MfiError> {
        let w = |off| le32(buf, off).ok_or(MfiError::BufferTooSmall);
        let addr = |off: usize| -> Result<u64, MfiError> {
            Ok(u64::from(w(off)?) | (u64::from(w(off.saturating_add(4))?) << 32))
        };
        Ok(QueueInfo {
            flags: w(QI_FLAGS)?,
            rq_entries: w(QI_RQ_ENTRIES)?,
            rq_addr: addr(QI_RQ_ADDR)?,
            pi_addr: addr(QI_PI_ADDR)?,
            ci_addr: addr(QI_CI_ADDR)?,
        })
    }
}

/// Builds an INIT frame pointing at a queue-info block at `qinfo_addr`;
/// returns the frame size (64).
pub fn build_init(frame: &mut [u8], context: u32, qinfo_addr: u64) -> Result<usize, MfiError> {
    if qinfo_addr == 0 {
        return Err(MfiError::BadAddress);
    }
    frame::begin(frame)?;
    Header {
        cmd: CMD_INIT,
        cmd_status: STAT_PENDING,
        context,
        data_len: QINFO_SIZE as u32,
        ..Header::default()
    }
    .write(frame)?;
    put_le64(frame, OFF_QINFO_LO, qinfo_addr)?;
    Ok(FRAME_SIZE)
}

/// Builds an INIT frame with its queue-info block right behind it (offset
/// 64, where Linux puts it), given the frame's DMA address; returns 96.
pub fn build_init_inline(
    frame: &mut [u8],
    frame_addr: u64,
    context: u32,
    qinfo: &QueueInfo,
) -> Result<usize, MfiError> {
    let end = FRAME_SIZE + QINFO_SIZE;
    if frame.len() < end {
        return Err(MfiError::BufferTooSmall);
    }
    if frame_addr == 0 {
        return Err(MfiError::BadAddress);
    }
    let qaddr = frame_addr
        .checked_add(FRAME_SIZE as u64)
        .ok_or(MfiError::BadAddress)?;
    let tail = frame
        .get_mut(FRAME_SIZE..end)
        .ok_or(MfiError::BufferTooSmall)?;
    qinfo.write(tail)?;
    build_init(frame, context, qaddr)?;
    Ok(end)
}
