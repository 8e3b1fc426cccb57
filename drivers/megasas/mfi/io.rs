// SPDX-License-Identifier: GPL-2.0

//! SCSI I/O frames: LD/PD SCSI IO (a CDB to a logical or physical drive)
//! and the optional LD READ/WRITE (LBA + block count, no CDB).
//!
//! QEMU quirks the builders enforce: every one of these frames needs at
//! least one SG entry, even without data (QEMU fails a frame with
//! `sge_count == 0` with CHECK CONDITION / HARDWARE ERROR), so for a
//! no-data CDB pass any valid dummy entry, e.g. the sense buffer, with
//! `data_len` 0; and the entries must cover the data length.
//! QEMU answers LD frames for targets >= 64 or LUN != 0 with
//! `STAT_DEVICE_NOT_FOUND`; PD frames address (target, lun) directly.

use super::frame::{
    self, DataDir, Header, CMD_LD_READ, CMD_LD_SCSI_IO, CMD_LD_WRITE, CMD_PD_SCSI_IO, FLAG_SENSE64,
    FLAG_SGL64, FRAME_SIZE, STAT_PENDING,
};
use super::sgl::{encode_sge64, SglSummary, MAX_SGE, SGE64_SIZE};
use super::MfiError;
use crate::proto::le::{put_bytes, put_le64, PutAt};

/// SCSI IO offset: sense buffer address, low half.
pub const OFF_SENSE_LO: usize = 0x18;
/// SCSI IO offset: sense buffer address, high half.
pub const OFF_SENSE_HI: usize = 0x1c;
/// SCSI IO offset: 16-byte CDB.
pub const OFF_CDB: usize = 0x20;
/// SCSI IO offset: SGL.
pub const OFF_SGL: usize = 0x30;
/// Largest CDB.
pub const MAX_CDB_LEN: usize = 16;
/// LD READ/WRITE offset: LBA, low half.
pub const OFF_LBA_LO: usize = 0x20;
/// LD READ/WRITE offset: LBA, high half.
pub const OFF_LBA_HI: usize = 0x24;
/// LD READ/WRITE offset: SGL.
pub const OFF_RW_SGL: usize = 0x28;
/// Logical drives QEMU exposes (`MFI_MAX_LD`): LD targets are below this.
pub const MAX_LD_TARGETS: u8 = 64;

/// A CDB for LD SCSI IO or PD SCSI IO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScsiIo<'a> {
    /// LD SCSI IO (RAID mode logical drive) instead of PD SCSI IO.
    pub logical: bool,
    /// Target id.
    pub target: u8,
    /// LUN.
    pub lun: u8,
    /// CDB, 1..=16 bytes.
    pub cdb: &'a [u8],
    /// Data direction.
    pub dir: DataDir,
    /// Data length in bytes; must be 0 when `dir` is [`DataDir::None`].
    pub data_len: u32,
    /// DMA address of the sense buffer.
    pub sense_addr: u64,
    /// Sense buffer size (0: no autosense).
    pub sense_len: u8,
}

/// An LD READ or LD WRITE by LBA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LdRw {
    /// LD WRITE instead of LD READ.
    pub write: bool,
    /// Logical drive target id.
    pub target: u8,
    /// First block.
    pub lba: u64,
    /// Number of blocks (the frame's data length is in blocks).
    pub blocks: u32,
    /// Block size in bytes, to check the SGL covers the transfer.
    pub block_size: u32,
    /// DMA address of the sense buffer.
    pub sense_addr: u64,
    /// Sense buffer size (0: no autosense).
    pub sense_len: u8,
}

fn check_sense(addr: u64, len: u8) -> Result<(), MfiError> {
    if len != 0 && addr == 0 {
        return Err(MfiError::BadAddress);
    }
    Ok(())
}

/// The checks of a SCSI IO request both builders make; returns its CDB
/// length.
fn check_scsi_io(io: &ScsiIo<'_>) -> Result<usize, MfiError> {
    let cdb_len = io.cdb.len();
    if cdb_len == 0 || cdb_len > MAX_CDB_LEN {
        return Err(MfiError::InvalidCdb);
    }
    if io.dir == DataDir::None && io.data_len != 0 {
        return Err(MfiError::InvalidParam);
    }
    check_sense(io.sense_addr, io.sense_len)?;
    Ok(cdb_len)
}

fn check_sgl(sgl: &SglSummary, needed: u64) -> Result<(), MfiError> {
    if sgl.count == 0 {
        return Err(MfiError::NoSge);
    }
    if sgl.total_len < needed {
        return Err(MfiError::SglTooShort);
    }
    Ok(())
}

/// The bytes a SCSI IO frame with `sge_count` SG entries occupies, as
/// [`build_scsi_io`] returns them (for sizing the buffer it is built in);
/// `None` on overflow.
pub fn scsi_io_frame_bytes(sge_count: usize) -> Option<usize> {
    let end = SGE64_SIZE.checked_mul(sge_count)?.checked_add(OFF_SGL)?;
    Some(core::cmp::max(FRAME_SIZE, end))
}

/// Builds an LD/PD SCSI IO frame with SG entries `(dma address, length)`,
/// at most `max_sge` of them (the firmware's limit from
/// `regs::FwStatus::max_sge`); returns the bytes the frame occupies.
pub fn build_scsi_io<I>(
    frame: &mut [u8],
    context: u32,
    io: &ScsiIo<'_>,
    sges: I,
    max_sge: usize,
) -> Result<usize, MfiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    let cdb_len = check_scsi_io(io)?;
    frame::begin(frame)?;
    let sgl = encode_sge64(frame, OFF_SGL, sges, max_sge)?;
    check_sgl(&sgl, u64::from(io.data_len))?;
    Header {
        cmd: if io.logical {
            CMD_LD_SCSI_IO
        } else {
            CMD_PD_SCSI_IO
        },
        sense_len: io.sense_len,
        cmd_status: STAT_PENDING,
        target_id: io.target,
        lun: io.lun,
        cdb_len: cdb_len as u8,
        sge_count: sgl.count,
        context,
        flags: FLAG_SGL64 | FLAG_SENSE64 | io.dir.flags(),
        data_len: io.data_len,
        ..Header::default()
    }
    .write(frame)?;
    put_le64(frame, OFF_SENSE_LO, io.sense_addr)?;
    put_bytes(frame, OFF_CDB, io.cdb)?;
    Ok(core::cmp::max(FRAME_SIZE, sgl.end))
}

/// [`build_scsi_io`] for a frame with a single SG entry (every command of
/// up to a page, and a command without data with its dummy entry), into
/// a buffer of exactly one frame: the same checks, errors and bytes, as
/// straight-line stores at fixed offsets. The per-command path of a
/// 4 KiB command runs this instead of the general builder.
pub fn build_scsi_io_one(
    frame: &mut [u8; FRAME_SIZE],
    context: u32,
    io: &ScsiIo<'_>,
    sge: (u64, u32),
    max_sge: usize,
) -> Result<usize, MfiError> {
    const { assert!(OFF_SGL + SGE64_SIZE <= FRAME_SIZE) };
    let cdb_len = check_scsi_io(io)?;
    let (addr, len) = sge;
    if addr == 0 || len == 0 {
        return Err(MfiError::EmptySge);
    }
    if max_sge.min(MAX_SGE) == 0 {
        return Err(MfiError::TooManySge);
    }
    if len < io.data_len {
        return Err(MfiError::SglTooShort);
    }
    *frame = [0; FRAME_SIZE];
    let cmd = if io.logical {
        CMD_LD_SCSI_IO
    } else {
        CMD_PD_SCSI_IO
    };
    frame.put_at::<{ frame::OFF_CMD }, 4>([cmd, io.sense_len, STAT_PENDING, 0]);
    // Target, LUN, CDB length and one SG entry.
    frame.put_at::<{ frame::OFF_TARGET_ID }, 4>([io.target, io.lun, cdb_len as u8, 1]);
    frame.put_at::<{ frame::OFF_CONTEXT }, 4>(context.to_le_bytes());
    let flags = FLAG_SGL64 | FLAG_SENSE64 | io.dir.flags();
    frame.put_at::<{ frame::OFF_FLAGS }, 2>(flags.to_le_bytes());
    frame.put_at::<{ frame::OFF_DATA_LEN }, 4>(io.data_len.to_le_bytes());
    frame.put_at::<OFF_SENSE_LO, 8>(io.sense_addr.to_le_bytes());
    let mut cdb = [0u8; MAX_CDB_LEN];
    if let (Some(dst), Some(src)) = (cdb.get_mut(..cdb_len), io.cdb.get(..cdb_len)) {
        dst.copy_from_slice(src);
    }
    frame.put_at::<OFF_CDB, MAX_CDB_LEN>(cdb);
    frame.put_at::<OFF_SGL, 8>(addr.to_le_bytes());
    frame.put_at::<{ OFF_SGL + 8 }, 4>(len.to_le_bytes());
    Ok(FRAME_SIZE)
}

/// Builds an LD READ/WRITE frame; returns the bytes the frame occupies.
pub fn build_ld_rw<I>(
    frame: &mut [u8],
    context: u32,
    rw: &LdRw,
    sges: I,
    max_sge: usize,
) -> Result<usize, MfiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    if rw.blocks == 0 || rw.block_size == 0 {
        return Err(MfiError::InvalidParam);
    }
    check_sense(rw.sense_addr, rw.sense_len)?;
    frame::begin(frame)?;
    let sgl = encode_sge64(frame, OFF_RW_SGL, sges, max_sge)?;
    check_sgl(
        &sgl,
        u64::from(rw.blocks).saturating_mul(u64::from(rw.block_size)),
    )?;
    let dir = if rw.write {
        DataDir::Write
    } else {
        DataDir::Read
    };
    Header {
        cmd: if rw.write { CMD_LD_WRITE } else { CMD_LD_READ },
        sense_len: rw.sense_len,
        cmd_status: STAT_PENDING,
        target_id: rw.target,
        sge_count: sgl.count,
        context,
        flags: FLAG_SGL64 | FLAG_SENSE64 | dir.flags(),
        data_len: rw.blocks,
        ..Header::default()
    }
    .write(frame)?;
    put_le64(frame, OFF_SENSE_LO, rw.sense_addr)?;
    put_le64(frame, OFF_LBA_LO, rw.lba)?;
    Ok(core::cmp::max(FRAME_SIZE, sgl.end))
}
