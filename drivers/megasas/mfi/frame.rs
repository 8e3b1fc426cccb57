// SPDX-License-Identifier: GPL-2.0

//! The 24-byte MFI frame header shared by every frame, command codes, flags,
//! status codes, and the mapping of a completed frame to a driver outcome.

use super::MfiError;
use crate::proto::le::{le16, le32, put_le16, put_le32, put_u8, u8_at, zero};

/// Size of one MFI frame; every builder fills (at least) this much.
pub const FRAME_SIZE: usize = 64;
/// Bytes QEMU maps at a posted frame address. A frame chunk must be this
/// large and must not cross a page boundary, or QEMU answers BUSY.
pub const FRAME_MAP_SIZE: usize = 2048;
/// Size of the common header.
pub const HEADER_SIZE: usize = 24;
/// Header bytes [`Completion::from_frame`] reads: up to the SCSI status.
pub const COMPLETION_BYTES: usize = OFF_SCSI_STATUS + 1;

/// Header offset: command code (`CMD_*`).
pub const OFF_CMD: usize = 0x00;
/// Header offset: sense buffer length; the firmware rewrites it with the
/// number of sense bytes it stored.
pub const OFF_SENSE_LEN: usize = 0x01;
/// Header offset: MFI completion status (`STAT_*`).
pub const OFF_CMD_STATUS: usize = 0x02;
/// Header offset: SCSI status byte.
pub const OFF_SCSI_STATUS: usize = 0x03;
/// Header offset: target id.
pub const OFF_TARGET_ID: usize = 0x04;
/// Header offset: LUN.
pub const OFF_LUN: usize = 0x05;
/// Header offset: CDB length.
pub const OFF_CDB_LEN: usize = 0x06;
/// Header offset: number of SG entries.
pub const OFF_SGE_COUNT: usize = 0x07;
/// Header offset: 32-bit context (the upper half at 0x0c stays zero:
/// QEMU masks it off with a 32-bit reply ring).
pub const OFF_CONTEXT: usize = 0x08;
/// Header offset: `FLAG_*` bits.
pub const OFF_FLAGS: usize = 0x10;
/// Header offset: timeout (unused by QEMU, written as 0).
pub const OFF_TIMEOUT: usize = 0x12;
/// Header offset: data length (bytes; blocks for LD READ/WRITE).
pub const OFF_DATA_LEN: usize = 0x14;

/// INIT: hand the reply queue to the firmware.
pub const CMD_INIT: u8 = 0x00;
/// Logical drive READ by LBA.
pub const CMD_LD_READ: u8 = 0x01;
/// Logical drive WRITE by LBA.
pub const CMD_LD_WRITE: u8 = 0x02;
/// SCSI CDB to a logical drive.
pub const CMD_LD_SCSI_IO: u8 = 0x03;
/// SCSI CDB to a physical drive (pass-through).
pub const CMD_PD_SCSI_IO: u8 = 0x04;
/// Direct firmware command.
pub const CMD_DCMD: u8 = 0x05;
/// Abort another frame.
pub const CMD_ABORT: u8 = 0x06;

/// Flag: do not post the completion to the reply queue.
pub const FLAG_DONT_POST_IN_REPLY_QUEUE: u16 = 0x0001;
/// Flag: SG entries are 64-bit (`{u64 addr, u32 len}`).
pub const FLAG_SGL64: u16 = 0x0002;
/// Flag: the sense address has a valid high half.
pub const FLAG_SENSE64: u16 = 0x0004;
/// Flag: data moves host to device.
pub const FLAG_DIR_WRITE: u16 = 0x0008;
/// Flag: data moves device to host.
pub const FLAG_DIR_READ: u16 = 0x0010;
/// Flag: IEEE (skinny) SG entries.
pub const FLAG_IEEE_SGL: u16 = 0x0020;

/// Status: success.
pub const STAT_OK: u8 = 0x00;
/// Status: unknown frame command.
pub const STAT_INVALID_CMD: u8 = 0x01;
/// Status: unknown DCMD.
pub const STAT_INVALID_DCMD: u8 = 0x02;
/// Status: bad parameter (e.g. DCMD buffer size).
pub const STAT_INVALID_PARAMETER: u8 = 0x03;
/// Status: ABORT named a frame whose context does not match.
pub const STAT_ABORT_NOT_POSSIBLE: u8 = 0x05;
/// Status: no device at that address.
pub const STAT_DEVICE_NOT_FOUND: u8 = 0x0c;
/// Status: out of memory (QEMU: bad DCMD SGL, unmappable init queue).
pub const STAT_MEMORY_NOT_AVAILABLE: u8 = 0x20;
/// Status: SCSI command finished with a non-GOOD status (see the frame's
/// SCSI status and sense).
pub const STAT_SCSI_DONE_WITH_ERROR: u8 = 0x2d;
/// Status: SCSI command cancelled/aborted.
pub const STAT_SCSI_IO_FAILED: u8 = 0x2e;
/// Status: reservation conflict.
pub const STAT_SCSI_RESERVATION_CONFLICT: u8 = 0x2f;
/// Status written by the driver before posting; still there means the
/// firmware has not completed the frame.
pub const STAT_PENDING: u8 = 0xff;

/// SCSI status BUSY.
pub const SCSI_STATUS_BUSY: u8 = 0x08;
/// SCSI status RESERVATION CONFLICT.
pub const SCSI_STATUS_RESERVATION_CONFLICT: u8 = 0x18;
/// SCSI status TASK SET FULL.
pub const SCSI_STATUS_TASK_SET_FULL: u8 = 0x28;

/// Direction of the data phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDir {
    /// No data.
    None,
    /// Device to host.
    Read,
    /// Host to device.
    Write,
}

impl DataDir {
    /// The `FLAG_DIR_*` bits for this direction.
    pub fn flags(self) -> u16 {
        match self {
            DataDir::None => 0,
            DataDir::Read => FLAG_DIR_READ,
            DataDir::Write => FLAG_DIR_WRITE,
        }
    }
}

/// The common frame header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Command code (`CMD_*`).
    pub cmd: u8,
    /// Sense buffer length (firmware: bytes stored).
    pub sense_len: u8,
    /// MFI status (`STAT_*`).
    pub cmd_status: u8,
    /// SCSI status byte.
    pub scsi_status: u8,
    /// Target id.
    pub target_id: u8,
    /// LUN.
    pub lun: u8,
    /// CDB length.
    pub cdb_len: u8,
    /// Number of SG entries.
    pub sge_count: u8,
    /// Driver context, echoed in the reply ring.
    pub context: u32,
    /// `FLAG_*` bits.
    pub flags: u16,
    /// Data length.
    pub data_len: u32,
}

impl Header {
    /// Parses the header at the start of `frame`.
    pub fn parse(frame: &[u8]) -> Result<Self, MfiError> {
        let b = |off| u8_at(frame, off).ok_or(MfiError::BufferTooSmall);
        Ok(Header {
            cmd: b(OFF_CMD)?,
            sense_len: b(OFF_SENSE_LEN)?,
            cmd_status: b(OFF_CMD_STATUS)?,
            scsi_status: b(OFF_SCSI_STATUS)?,
            target_id: b(OFF_TARGET_ID)?,
            lun: b(OFF_LUN)?,
            cdb_len: b(OFF_CDB_LEN)?,
            sge_count: b(OFF_SGE_COUNT)?,
            context: le32(frame, OFF_CONTEXT).ok_or(MfiError::BufferTooSmall)?,
            flags: le16(frame, OFF_FLAGS).ok_or(MfiError::BufferTooSmall)?,
            data_len: le32(frame, OFF_DATA_LEN).ok_or(MfiError::BufferTooSmall)?,
        })
    }

    /// Writes the header to the start of `frame`, zeroing the context high
    /// half and the timeout.
    pub fn write(&self, frame: &mut [u8]) -> Result<(), MfiError> {
        if frame.len() < HEADER_SIZE {
            return Err(MfiError::BufferTooSmall);
        }
        zero(frame, 0, HEADER_SIZE)?;
        put_u8(frame, OFF_CMD, self.cmd)?;
        put_u8(frame, OFF_SENSE_LEN, self.sense_len)?;
        put_u8(frame, OFF_CMD_STATUS, self.cmd_status)?;
        put_u8(frame, OFF_SCSI_STATUS, self.scsi_status)?;
        put_u8(frame, OFF_TARGET_ID, self.target_id)?;
        put_u8(frame, OFF_LUN, self.lun)?;
        put_u8(frame, OFF_CDB_LEN, self.cdb_len)?;
        put_u8(frame, OFF_SGE_COUNT, self.sge_count)?;
        put_le32(frame, OFF_CONTEXT, self.context)?;
        put_le16(frame, OFF_FLAGS, self.flags)?;
        put_le32(frame, OFF_DATA_LEN, self.data_len)?;
        Ok(())
    }
}

/// Checks the frame buffer is at least one frame and zeroes that frame, so
/// builders never leave stale bytes from the previous use of the buffer.
pub fn begin(frame: &mut [u8]) -> Result<(), MfiError> {
    if frame.len() < FRAME_SIZE {
        return Err(MfiError::BufferTooSmall);
    }
    zero(frame, 0, FRAME_SIZE)?;
    Ok(())
}

/// Reads the MFI status byte of a frame ([`STAT_PENDING`] while in flight).
pub fn cmd_status(frame: &[u8]) -> Option<u8> {
    u8_at(frame, OFF_CMD_STATUS)
}

/// True when `addr` can hold a frame chunk for QEMU: non-zero, 32-byte
/// aligned, and its [`FRAME_MAP_SIZE`] bytes stay inside one 4 KiB page.
pub fn frame_addr_ok(addr: u64) -> bool {
    addr != 0 && addr & 0x1f == 0 && (addr & 0xfff) + FRAME_MAP_SIZE as u64 <= 0x1000
}

/// What a completed frame means for the SCSI command (or DCMD) it carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success.
    Ok,
    /// The target returned this non-GOOD SCSI status; sense (if any) is in
    /// the sense buffer, `sense_len` bytes.
    ScsiError {
        /// SCSI status byte.
        scsi_status: u8,
    },
    /// No such target/LUN: report "no connect" to the midlayer.
    NoConnect,
    /// Cancelled or aborted (also: the firmware claimed an error but left a
    /// GOOD SCSI status).
    IoFailed,
    /// Resource shortage (BUSY / TASK SET FULL): requeue.
    Busy,
    /// The frame was malformed (`STAT_INVALID_*`): a driver bug.
    Invalid(u8),
    /// Any other firmware failure, with its status.
    Failed(u8),
    /// Still [`STAT_PENDING`]: not completed yet.
    Pending,
}

impl Outcome {
    /// Maps a frame's MFI status and SCSI status.
    pub fn from_status(cmd_status: u8, scsi_status: u8) -> Self {
        match cmd_status {
            STAT_OK => Outcome::Ok,
            STAT_SCSI_DONE_WITH_ERROR => match scsi_status {
                0 => Outcome::IoFailed,
                SCSI_STATUS_BUSY | SCSI_STATUS_TASK_SET_FULL => Outcome::Busy,
                s => Outcome::ScsiError { scsi_status: s },
            },
            STAT_SCSI_RESERVATION_CONFLICT => Outcome::ScsiError {
                scsi_status: SCSI_STATUS_RESERVATION_CONFLICT,
            },
            STAT_DEVICE_NOT_FOUND => Outcome::NoConnect,
            STAT_SCSI_IO_FAILED => Outcome::IoFailed,
            STAT_INVALID_CMD | STAT_INVALID_DCMD | STAT_INVALID_PARAMETER => {
                Outcome::Invalid(cmd_status)
            }
            STAT_PENDING => Outcome::Pending,
            s => Outcome::Failed(s),
        }
    }
}

/// The completion fields of a frame the firmware finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Mapped outcome.
    pub outcome: Outcome,
    /// Raw MFI status.
    pub cmd_status: u8,
    /// Raw SCSI status.
    pub scsi_status: u8,
    /// Header sense length. QEMU rewrites it with the bytes stored (never
    /// more than offered) only when it stored sense, i.e. after CHECK
    /// CONDITION; otherwise it is still the length the driver offered.
    pub sense_len: u8,
}

impl Completion {
    /// Reads the completion fields from the start of a frame: its first
    /// [`COMPLETION_BYTES`] bytes are enough (the completion path reads
    /// no more from device memory).
    pub fn from_frame(frame: &[u8]) -> Result<Self, MfiError> {
        let b = |off| u8_at(frame, off).ok_or(MfiError::BufferTooSmall);
        let (sense_len, cmd_status, scsi_status) =
            (b(OFF_SENSE_LEN)?, b(OFF_CMD_STATUS)?, b(OFF_SCSI_STATUS)?);
        Ok(Completion {
            outcome: Outcome::from_status(cmd_status, scsi_status),
            cmd_status,
            scsi_status,
            sense_len,
        })
    }
}
