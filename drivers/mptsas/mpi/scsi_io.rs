// SPDX-License-Identifier: GPL-2.0

//! The SCSI_IO request (`lsi/mpi_init.h`: `MSG_SCSI_IO_REQUEST`): 48 bytes
//! of header, then the SGL ([`super::sgl`]). Posted through the request
//! FIFO only; QEMU faults the IOC for a SCSI_IO sent by handshake.
//!
//! QEMU checks the request against the CDB: the CDB's transfer length
//! must not exceed DataLength and the direction bits must match the CDB's
//! direction, or the request fails with DATA_OVERRUN without running. It
//! parses exactly CDBLength bytes and addresses LUN byte 1 only.

use super::msg::{self, FUNC_SCSI_IO};
use super::sgl::{
    write_sgl, ChainArea, SglGeometry, SglSummary, FLAGS_END, FLAG_64_BIT, FLAG_HOST_TO_IOC,
    FLAG_SIMPLE, SGE64_SIZE, SGE_MAX_LEN,
};
use super::MpiError;
use crate::proto::cdb::DataDirection;
use crate::proto::le::{put_bytes, put_le32, put_u8, PutAt};
use crate::proto::lun::to_scsilun;

/// Size of the request before the SGL.
pub const SCSI_IO_HEADER_SIZE: usize = 0x30;
/// Offset: target id.
pub const OFF_TARGET_ID: usize = 0x00;
/// Offset: bus.
pub const OFF_BUS: usize = 0x01;
/// Offset: CDB length.
pub const OFF_CDB_LENGTH: usize = 0x04;
/// Offset: sense buffer length.
pub const OFF_SENSE_BUFFER_LENGTH: usize = 0x05;
/// Offset: 8-byte LUN.
pub const OFF_LUN: usize = 0x0c;
/// Offset: control word (direction, task attribute).
pub const OFF_CONTROL: usize = 0x14;
/// Offset: 16-byte CDB.
pub const OFF_CDB: usize = 0x18;
/// Offset: data length.
pub const OFF_DATA_LENGTH: usize = 0x28;
/// Offset: sense buffer address, low half (high half from IOC_INIT).
pub const OFF_SENSE_BUFFER_LOW: usize = 0x2c;
/// Offset: the SGL.
pub const OFF_SGL: usize = SCSI_IO_HEADER_SIZE;
/// Largest CDB.
pub const MAX_CDB_LEN: usize = 16;
/// Control: no data.
pub const CONTROL_NODATATRANSFER: u32 = 0x0000_0000;
/// Control: data from host to device.
pub const CONTROL_WRITE: u32 = 0x0100_0000;
/// Control: data from device to host.
pub const CONTROL_READ: u32 = 0x0200_0000;
/// Control: simple queue task attribute.
pub const CONTROL_SIMPLEQ: u32 = 0x0000_0000;

/// One SCSI command for the IOC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScsiIo<'a> {
    /// Firmware target id (SAS device page 0 TargetID, not the midlayer's
    /// transport target number).
    pub target: u8,
    /// Firmware bus.
    pub bus: u8,
    /// Midlayer LUN, encoded as `int_to_scsilun` does.
    pub lun: u64,
    /// CDB, 1..=16 bytes.
    pub cdb: &'a [u8],
    /// Data direction; must agree with the CDB for QEMU.
    pub dir: DataDirection,
    /// Data length; 0 exactly when `dir` is `None`.
    pub data_len: u32,
    /// Sense buffer bus address; its high half must equal IOC_INIT's
    /// SenseBufferHighAddr.
    pub sense_addr: u64,
    /// Sense buffer size (0: no autosense).
    pub sense_len: u8,
}

/// Builds SCSI_IO with its SGL: `count` segments from `segs`, chaining
/// into `chains` when they do not fit the frame. Returns the SGL summary
/// (`frame_bytes` = bytes of the frame in use).
#[allow(clippy::too_many_arguments)]
pub fn build_scsi_io<I>(
    frame: &mut [u8],
    context: u32,
    io: &ScsiIo<'_>,
    sense_high: u32,
    geo: &SglGeometry,
    chains: Option<&mut ChainArea<'_>>,
    count: usize,
    segs: I,
) -> Result<SglSummary, MpiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    let (cdb_len, control) = check_scsi_io(io, count, sense_high)?;
    msg::begin(frame, SCSI_IO_HEADER_SIZE, FUNC_SCSI_IO, context)?;
    let write = io.dir == DataDirection::ToDevice;
    let sgl = write_sgl(geo, frame, chains, write, count, segs)?;
    if sgl.total_len < u64::from(io.data_len) {
        return Err(MpiError::SglTooShort);
    }
    put_u8(frame, OFF_TARGET_ID, io.target)?;
    put_u8(frame, OFF_BUS, io.bus)?;
    put_u8(frame, msg::OFF_CHAIN_OFFSET, sgl.chain_offset)?;
    put_u8(frame, OFF_CDB_LENGTH, cdb_len)?;
    put_u8(frame, OFF_SENSE_BUFFER_LENGTH, io.sense_len)?;
    put_bytes(frame, OFF_LUN, &to_scsilun(io.lun))?;
    put_le32(frame, OFF_CONTROL, control)?;
    put_bytes(frame, OFF_CDB, io.cdb)?;
    put_le32(frame, OFF_DATA_LENGTH, io.data_len)?;
    put_le32(frame, OFF_SENSE_BUFFER_LOW, io.sense_addr as u32)?;
    Ok(sgl)
}

/// The checks both builders make of a request with `count` segments:
/// returns its CDB length and its control word.
fn check_scsi_io(io: &ScsiIo<'_>, count: usize, sense_high: u32) -> Result<(u8, u32), MpiError> {
    let cdb_len = u8::try_from(io.cdb.len()).map_err(|_| MpiError::InvalidCdb)?;
    if cdb_len == 0 || io.cdb.len() > MAX_CDB_LEN {
        return Err(MpiError::InvalidCdb);
    }
    let control = match io.dir {
        DataDirection::None if io.data_len != 0 || count != 0 => {
            return Err(MpiError::InvalidParam)
        }
        DataDirection::None => CONTROL_NODATATRANSFER,
        _ if io.data_len == 0 => return Err(MpiError::InvalidParam),
        _ if count == 0 => return Err(MpiError::NoSegments),
        DataDirection::ToDevice => CONTROL_WRITE,
        DataDirection::FromDevice => CONTROL_READ,
    };
    if io.sense_len != 0 && (io.sense_addr == 0 || (io.sense_addr >> 32) as u32 != sense_high) {
        return Err(MpiError::BadAddress);
    }
    Ok((cdb_len, control | CONTROL_SIMPLEQ))
}

/// Bytes of a request with one element in its SGL.
pub const ONE_SGE_BYTES: usize = OFF_SGL + SGE64_SIZE;

/// [`build_scsi_io`] for a request with at most one segment (`sge`; `None`
/// for a command without data, which gets the zero-length element), with
/// the SGL at [`OFF_SGL`], into a buffer of a fixed size: the same checks,
/// errors and bytes, as stores at fixed offsets. The per-command path of a
/// command of up to a page runs this instead of the general builder.
/// Returns the bytes in use ([`ONE_SGE_BYTES`]).
pub fn build_scsi_io_one<const SIZE: usize>(
    frame: &mut [u8; SIZE],
    context: u32,
    io: &ScsiIo<'_>,
    sense_high: u32,
    sge: Option<(u64, u32)>,
) -> Result<usize, MpiError> {
    let (cdb_len, control) = check_scsi_io(io, usize::from(sge.is_some()), sense_high)?;
    let (addr, len) = sge.unwrap_or((0, 0));
    if sge.is_some() {
        if len == 0 {
            return Err(MpiError::EmptySegment);
        }
        if len > SGE_MAX_LEN {
            return Err(MpiError::SegmentTooLong);
        }
        if len < io.data_len {
            return Err(MpiError::SglTooShort);
        }
    }
    *frame = [0; SIZE];
    frame.put_at::<OFF_TARGET_ID, 4>([io.target, io.bus, 0, FUNC_SCSI_IO]);
    frame.put_at::<OFF_CDB_LENGTH, 2>([cdb_len, io.sense_len]);
    frame.put_at::<{ msg::OFF_MSG_CONTEXT }, 4>(context.to_le_bytes());
    frame.put_at::<OFF_LUN, 8>(to_scsilun(io.lun));
    frame.put_at::<OFF_CONTROL, 4>(control.to_le_bytes());
    let mut cdb = [0u8; MAX_CDB_LEN];
    if let Some(dst) = cdb.get_mut(..io.cdb.len()) {
        dst.copy_from_slice(io.cdb);
    }
    frame.put_at::<OFF_CDB, MAX_CDB_LEN>(cdb);
    frame.put_at::<OFF_DATA_LENGTH, 4>(io.data_len.to_le_bytes());
    frame.put_at::<OFF_SENSE_BUFFER_LOW, 4>((io.sense_addr as u32).to_le_bytes());
    let dir = if io.dir == DataDirection::ToDevice {
        FLAG_HOST_TO_IOC
    } else {
        0
    };
    let flags = FLAGS_END | dir | FLAG_SIMPLE | FLAG_64_BIT;
    frame.put_at::<OFF_SGL, 4>(((u32::from(flags) << 24) | len).to_le_bytes());
    frame.put_at::<{ OFF_SGL + 4 }, 8>(addr.to_le_bytes());
    Ok(ONE_SGE_BYTES)
}
