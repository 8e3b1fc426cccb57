// SPDX-License-Identifier: GPL-2.0

//! SCSI_IO completions: the address reply frame (`lsi/mpi_init.h`:
//! `MSG_SCSI_IO_REPLY`) and the mapping of a completion to what the
//! midlayer needs (host status, SCSI status, residual, sense length).
//!
//! QEMU sends a context reply for GOOD without residual; otherwise an
//! address reply: DATA_UNDERRUN with TransferCount for GOOD plus
//! residual, DATA_UNDERRUN with TransferCount 0 and AUTOSENSE_VALID for
//! any non-GOOD status, NO_SCSI_STATUS with INVALID_BUS/TARGETID,
//! DEVICE_NOT_THERE, INVALID_SGL or DATA_OVERRUN for requests it refused,
//! and TASK_TERMINATED for cancelled ones. The mapping follows Linux's
//! `mptscsih_io_done`, except that a refused DATA_OVERRUN is an error, not
//! a success without data.

use super::msg::*;
use super::MpiError;
use crate::proto::le::{le32, u8_at};

/// Size of the SCSI_IO reply.
pub const SCSI_IO_REPLY_SIZE: usize = 0x24;
/// SCSIState: sense data was written to the sense buffer.
pub const STATE_AUTOSENSE_VALID: u8 = 0x01;
/// SCSIState: fetching sense data failed.
pub const STATE_AUTOSENSE_FAILED: u8 = 0x02;
/// SCSIState: there is no SCSI status (the command did not run).
pub const STATE_NO_SCSI_STATUS: u8 = 0x04;
/// SCSIState: the command was terminated.
pub const STATE_TERMINATED: u8 = 0x08;
/// SCSIState: ResponseInfo is valid.
pub const STATE_RESPONSE_INFO_VALID: u8 = 0x10;

/// A parsed SCSI_IO address reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScsiIoReply {
    /// Firmware target id.
    pub target: u8,
    /// Firmware bus.
    pub bus: u8,
    /// The request's context.
    pub msg_context: u32,
    /// SCSI status byte.
    pub scsi_status: u8,
    /// `STATE_*` bits.
    pub scsi_state: u8,
    /// IOCStatus (masked).
    pub ioc_status: u16,
    /// IOCLogInfo, when flagged valid.
    pub log_info: Option<u32>,
    /// Bytes transferred.
    pub transfer_count: u32,
    /// Sense bytes written.
    pub sense_count: u32,
    /// Response info (valid with [`STATE_RESPONSE_INFO_VALID`]).
    pub response_info: u32,
}

impl ScsiIoReply {
    /// Parses a SCSI_IO reply frame.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        let h = ReplyHeader::expect(reply, FUNC_SCSI_IO, SCSI_IO_REPLY_SIZE)?;
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        let d = |off| le32(reply, off).ok_or(MpiError::BufferTooSmall);
        Ok(ScsiIoReply {
            target: b(0x00)?,
            bus: b(0x01)?,
            msg_context: h.msg_context,
            scsi_status: b(0x0c)?,
            scsi_state: b(0x0d)?,
            ioc_status: h.ioc_status,
            log_info: h.log_info,
            transfer_count: d(0x14)?,
            sense_count: d(0x18)?,
            response_info: d(0x1c)?,
        })
    }
}

/// How the midlayer should see a completion (the driver maps these to
/// `DID_*` host bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostStatus {
    /// The command ran: look at the SCSI status (`DID_OK`).
    Ok,
    /// No device there (`DID_NO_CONNECT`).
    NoConnect,
    /// Bus or target id out of range (`DID_BAD_TARGET`).
    BadTarget,
    /// Terminated by a task management function or reset (`DID_RESET`).
    Reset,
    /// The IOC is short of resources: retry later (`DID_REQUEUE`).
    Busy,
    /// A transport-level failure worth a retry (`DID_SOFT_ERROR`).
    SoftError,
    /// The request was malformed or the reply impossible: a driver or
    /// device bug, logged (`DID_ERROR`).
    Error,
}

/// A completion as the midlayer needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Host status.
    pub host: HostStatus,
    /// SCSI status byte (meaningful with [`HostStatus::Ok`]).
    pub scsi_status: u8,
    /// Bytes not transferred.
    pub residual: u32,
    /// Valid sense bytes in the sense buffer.
    pub sense_len: usize,
    /// The IOCStatus behind it (0 for a context reply), for logs.
    pub ioc_status: u16,
}

impl Completion {
    /// A context reply: GOOD, everything transferred.
    pub fn context_reply() -> Self {
        Completion {
            host: HostStatus::Ok,
            scsi_status: 0,
            residual: 0,
            sense_len: 0,
            ioc_status: IOCSTATUS_SUCCESS,
        }
    }

    /// Maps an address reply for a request of `data_len` bytes whose
    /// sense buffer holds `sense_buf_len` bytes.
    pub fn from_reply(r: &ScsiIoReply, data_len: u32, sense_buf_len: usize) -> Self {
        let mut c = Completion {
            host: HostStatus::Ok,
            scsi_status: r.scsi_status,
            residual: 0,
            sense_len: 0,
            ioc_status: r.ioc_status,
        };
        if r.scsi_state & STATE_AUTOSENSE_VALID != 0 {
            let count = usize::try_from(r.sense_count).unwrap_or(usize::MAX);
            c.sense_len = core::cmp::min(count, sense_buf_len);
        }
        let no_status = r.scsi_state & (STATE_NO_SCSI_STATUS | STATE_AUTOSENSE_FAILED) != 0;
        c.host = match r.ioc_status {
            IOCSTATUS_SUCCESS
            | IOCSTATUS_SCSI_RECOVERED_ERROR
            | IOCSTATUS_SCSI_DATA_UNDERRUN
            | IOCSTATUS_SCSI_RESIDUAL_MISMATCH => match data_len.checked_sub(r.transfer_count) {
                None => HostStatus::Error,
                Some(_) if no_status => HostStatus::SoftError,
                Some(_) if r.scsi_state & STATE_TERMINATED != 0 => HostStatus::Reset,
                Some(resid) => {
                    c.residual = resid;
                    HostStatus::Ok
                }
            },
            // Refused before running (QEMU: CDB length or direction
            // disagrees with the request); ran and overran otherwise.
            IOCSTATUS_SCSI_DATA_OVERRUN if no_status => HostStatus::Error,
            IOCSTATUS_SCSI_DATA_OVERRUN => HostStatus::Ok,
            IOCSTATUS_SCSI_INVALID_BUS | IOCSTATUS_SCSI_INVALID_TARGETID => HostStatus::BadTarget,
            IOCSTATUS_SCSI_DEVICE_NOT_THERE => HostStatus::NoConnect,
            IOCSTATUS_SCSI_TASK_TERMINATED
            | IOCSTATUS_SCSI_IOC_TERMINATED
            | IOCSTATUS_SCSI_EXT_TERMINATED => HostStatus::Reset,
            IOCSTATUS_BUSY | IOCSTATUS_INSUFFICIENT_RESOURCES => HostStatus::Busy,
            IOCSTATUS_SCSI_IO_DATA_ERROR
            | IOCSTATUS_SCSI_PROTOCOL_ERROR
            | IOCSTATUS_SCSI_TASK_MGMT_FAILED => HostStatus::SoftError,
            _ => HostStatus::Error,
        };
        if c.host != HostStatus::Ok {
            c.sense_len = 0;
            c.residual = data_len;
        }
        c
    }
}
