// SPDX-License-Identifier: GPL-2.0

//! The header every MPI request and reply starts with, function codes and
//! IOCStatus values (`lsi/mpi.h`: `MSG_REQUEST_HEADER`, `MSG_DEFAULT_REPLY`).

use super::MpiError;
use crate::proto::le::{le16, le32, put_le32, put_u8, u8_at, zero};

/// SCSI I/O (FIFO only: QEMU faults it through the doorbell).
pub const FUNC_SCSI_IO: u8 = 0x00;
/// SCSI task management.
pub const FUNC_SCSI_TASK_MGMT: u8 = 0x01;
/// IOC initialisation.
pub const FUNC_IOC_INIT: u8 = 0x02;
/// IOC facts.
pub const FUNC_IOC_FACTS: u8 = 0x03;
/// Configuration page access.
pub const FUNC_CONFIG: u8 = 0x04;
/// Port facts.
pub const FUNC_PORT_FACTS: u8 = 0x05;
/// Port enable.
pub const FUNC_PORT_ENABLE: u8 = 0x06;
/// Event notification on/off.
pub const FUNC_EVENT_NOTIFICATION: u8 = 0x07;
/// Event acknowledge: QEMU does not implement it and FAULTs the IOC, so no
/// builder exists; QEMU never asks for an acknowledgement anyway.
pub const FUNC_EVENT_ACK: u8 = 0x08;

/// Request/reply offset: chain offset (requests, dwords) / message length
/// (replies, dwords).
pub const OFF_CHAIN_OFFSET: usize = 0x02;
/// Reply offset: message length in dwords.
pub const OFF_MSG_LENGTH: usize = 0x02;
/// Offset of the function code.
pub const OFF_FUNCTION: usize = 0x03;
/// Offset of the message flags.
pub const OFF_MSG_FLAGS: usize = 0x07;
/// Offset of the driver's message context, echoed by the reply.
pub const OFF_MSG_CONTEXT: usize = 0x08;
/// Reply offset: IOCStatus.
pub const OFF_IOC_STATUS: usize = 0x0e;
/// Reply offset: IOCLogInfo.
pub const OFF_IOC_LOG_INFO: usize = 0x10;
/// Size of `MSG_REQUEST_HEADER`, the shortest request.
pub const REQUEST_HEADER_SIZE: usize = 0x0c;
/// Size of `MSG_DEFAULT_REPLY`, the shortest reply.
pub const DEFAULT_REPLY_SIZE: usize = 0x14;
/// Reply message flag: more reply frames follow (event notifications).
pub const MSGFLAGS_CONTINUATION_REPLY: u8 = 0x80;

/// IOCStatus: success.
pub const IOCSTATUS_SUCCESS: u16 = 0x0000;
/// IOCStatus: unknown function.
pub const IOCSTATUS_INVALID_FUNCTION: u16 = 0x0001;
/// IOCStatus: IOC busy.
pub const IOCSTATUS_BUSY: u16 = 0x0002;
/// IOCStatus: malformed scatter-gather list.
pub const IOCSTATUS_INVALID_SGL: u16 = 0x0003;
/// IOCStatus: internal error.
pub const IOCSTATUS_INTERNAL_ERROR: u16 = 0x0004;
/// IOCStatus: out of resources (QEMU: no free reply frame).
pub const IOCSTATUS_INSUFFICIENT_RESOURCES: u16 = 0x0006;
/// IOCStatus: a field is invalid.
pub const IOCSTATUS_INVALID_FIELD: u16 = 0x0007;
/// IOCStatus: wrong IOC state (QEMU: FIFO post while not OPERATIONAL).
pub const IOCSTATUS_INVALID_STATE: u16 = 0x0008;
/// IOCStatus: configuration action not supported.
pub const IOCSTATUS_CONFIG_INVALID_ACTION: u16 = 0x0020;
/// IOCStatus: configuration page type not supported.
pub const IOCSTATUS_CONFIG_INVALID_TYPE: u16 = 0x0021;
/// IOCStatus: no such page (or page address): ends a handle walk.
pub const IOCSTATUS_CONFIG_INVALID_PAGE: u16 = 0x0022;
/// IOCStatus: writes cannot be committed (QEMU answers every write so).
pub const IOCSTATUS_CONFIG_CANT_COMMIT: u16 = 0x0025;
/// IOCStatus: recovered error.
pub const IOCSTATUS_SCSI_RECOVERED_ERROR: u16 = 0x0040;
/// IOCStatus: bus is not 0.
pub const IOCSTATUS_SCSI_INVALID_BUS: u16 = 0x0041;
/// IOCStatus: target id at or above MaxDevices.
pub const IOCSTATUS_SCSI_INVALID_TARGETID: u16 = 0x0042;
/// IOCStatus: no device at that target/LUN.
pub const IOCSTATUS_SCSI_DEVICE_NOT_THERE: u16 = 0x0043;
/// IOCStatus: overrun (QEMU: CDB transfer above DataLength, or the
/// direction bits disagree with the CDB; the command did not run).
pub const IOCSTATUS_SCSI_DATA_OVERRUN: u16 = 0x0044;
/// IOCStatus: underrun, or any non-GOOD SCSI status in QEMU.
pub const IOCSTATUS_SCSI_DATA_UNDERRUN: u16 = 0x0045;
/// IOCStatus: data phase error.
pub const IOCSTATUS_SCSI_IO_DATA_ERROR: u16 = 0x0046;
/// IOCStatus: protocol error.
pub const IOCSTATUS_SCSI_PROTOCOL_ERROR: u16 = 0x0047;
/// IOCStatus: terminated by task management or reset.
pub const IOCSTATUS_SCSI_TASK_TERMINATED: u16 = 0x0048;
/// IOCStatus: residual mismatch.
pub const IOCSTATUS_SCSI_RESIDUAL_MISMATCH: u16 = 0x0049;
/// IOCStatus: task management failed.
pub const IOCSTATUS_SCSI_TASK_MGMT_FAILED: u16 = 0x004a;
/// IOCStatus: terminated by the IOC.
pub const IOCSTATUS_SCSI_IOC_TERMINATED: u16 = 0x004b;
/// IOCStatus: terminated externally.
pub const IOCSTATUS_SCSI_EXT_TERMINATED: u16 = 0x004c;
/// IOCStatus bit: IOCLogInfo is valid.
pub const IOCSTATUS_FLAG_LOG_INFO_AVAILABLE: u16 = 0x8000;
/// IOCStatus value bits.
pub const IOCSTATUS_MASK: u16 = 0x7fff;

/// Zeroes the first `size` bytes of `frame` and writes the function code
/// and message context, so no stale bytes of a reused frame reach the IOC.
pub fn begin(frame: &mut [u8], size: usize, function: u8, context: u32) -> Result<(), MpiError> {
    if frame.len() < size || size < REQUEST_HEADER_SIZE {
        return Err(MpiError::BufferTooSmall);
    }
    zero(frame, 0, size)?;
    put_u8(frame, OFF_FUNCTION, function)?;
    put_le32(frame, OFF_MSG_CONTEXT, context)?;
    Ok(())
}

/// The fields every reply shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyHeader {
    /// Reply length in dwords.
    pub msg_length: u8,
    /// Function of the request this answers.
    pub function: u8,
    /// Message flags ([`MSGFLAGS_CONTINUATION_REPLY`]).
    pub msg_flags: u8,
    /// The request's message context.
    pub msg_context: u32,
    /// IOCStatus without the log-info flag.
    pub ioc_status: u16,
    /// IOCLogInfo, when the IOC flagged it valid.
    pub log_info: Option<u32>,
}

impl ReplyHeader {
    /// Parses the shared fields. The reply must be at least
    /// [`DEFAULT_REPLY_SIZE`] bytes and claim at least that length.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        let msg_length = b(OFF_MSG_LENGTH)?;
        let raw_status = le16(reply, OFF_IOC_STATUS).ok_or(MpiError::BufferTooSmall)?;
        let log = le32(reply, OFF_IOC_LOG_INFO).ok_or(MpiError::BufferTooSmall)?;
        if usize::from(msg_length) * 4 < DEFAULT_REPLY_SIZE {
            return Err(MpiError::BadReply);
        }
        Ok(ReplyHeader {
            msg_length,
            function: b(OFF_FUNCTION)?,
            msg_flags: b(OFF_MSG_FLAGS)?,
            msg_context: le32(reply, OFF_MSG_CONTEXT).ok_or(MpiError::BufferTooSmall)?,
            ioc_status: raw_status & IOCSTATUS_MASK,
            log_info: (raw_status & IOCSTATUS_FLAG_LOG_INFO_AVAILABLE != 0).then_some(log),
        })
    }

    /// Parses and checks that the reply answers `function` and carries at
    /// least `min_len` bytes, both by its own length and in `reply`.
    pub fn expect(reply: &[u8], function: u8, min_len: usize) -> Result<Self, MpiError> {
        let h = Self::parse(reply)?;
        if h.function != function {
            return Err(MpiError::BadReply);
        }
        if reply.len() < min_len {
            return Err(MpiError::BufferTooSmall);
        }
        if h.len() < min_len {
            return Err(MpiError::BadReply);
        }
        Ok(h)
    }

    /// Reply length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.msg_length) * 4
    }

    /// True for a zero-length reply (never returned by [`Self::parse`]).
    pub fn is_empty(&self) -> bool {
        self.msg_length == 0
    }

    /// `Ok` when the IOCStatus is SUCCESS, else [`MpiError::IocStatus`].
    pub fn check_success(&self) -> Result<(), MpiError> {
        if self.ioc_status == IOCSTATUS_SUCCESS {
            Ok(())
        } else {
            Err(MpiError::IocStatus(self.ioc_status))
        }
    }
}
