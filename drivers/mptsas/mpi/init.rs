// SPDX-License-Identifier: GPL-2.0

//! IOC_INIT (READY -> OPERATIONAL) and PORT_ENABLE (`lsi/mpi_ioc.h`:
//! `MSG_IOC_INIT`, `MSG_IOC_INIT_REPLY`, `MSG_PORT_ENABLE`).

use super::msg::{
    self, ReplyHeader, DEFAULT_REPLY_SIZE, FUNC_IOC_INIT, FUNC_PORT_ENABLE, REQUEST_HEADER_SIZE,
};
use super::MpiError;
use crate::proto::le::{put_le16, put_le32, put_u8, u8_at};

/// IOC_INIT request size (11 dwords).
pub const IOC_INIT_SIZE: usize = 0x2c;
/// IOC_INIT reply size.
pub const IOC_INIT_REPLY_SIZE: usize = DEFAULT_REPLY_SIZE;
/// PORT_ENABLE request size (3 dwords).
pub const PORT_ENABLE_SIZE: usize = REQUEST_HEADER_SIZE;
/// WhoInit: the host driver.
pub const WHOINIT_HOST_DRIVER: u8 = 0x04;
/// MPI version this driver speaks (1.5, as QEMU reports).
pub const MSG_VERSION: u16 = 0x0105;
/// Header version of `lsi/mpi.h` (unit 0x13, dev 0).
pub const HEADER_VERSION: u16 = 0x1300;
/// The reply frame size Linux uses; large enough for every reply this
/// driver parses (the SCSI I/O reply is 0x24 bytes, IOC_FACTS 0x50).
pub const REPLY_FRAME_SIZE: u16 = 0x50;
/// Smallest acceptable reply frame: the SCSI I/O error reply.
pub const MIN_REPLY_FRAME_SIZE: u16 = 0x24;

/// IOC_INIT parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IocInit {
    /// Targets to address (QEMU bounds TargetID by it; 0 means 256).
    pub max_devices: u8,
    /// Buses (QEMU only answers bus 0).
    pub max_buses: u8,
    /// Reply frame size in bytes. QEMU writes `min(this, reply)` bytes of
    /// every address reply, so 0 would make every reply empty.
    pub reply_frame_size: u16,
    /// Upper dword shared by every request and reply frame.
    pub host_mfa_high: u32,
    /// Upper dword shared by every sense buffer.
    pub sense_buffer_high: u32,
}

/// Builds IOC_INIT; returns its size.
pub fn build_ioc_init(frame: &mut [u8], context: u32, init: &IocInit) -> Result<usize, MpiError> {
    if init.reply_frame_size < MIN_REPLY_FRAME_SIZE || init.reply_frame_size % 4 != 0 {
        return Err(MpiError::InvalidParam);
    }
    msg::begin(frame, IOC_INIT_SIZE, FUNC_IOC_INIT, context)?;
    put_u8(frame, 0x00, WHOINIT_HOST_DRIVER)?;
    put_u8(frame, 0x05, init.max_devices)?;
    put_u8(frame, 0x06, init.max_buses)?;
    put_le16(frame, 0x0c, init.reply_frame_size)?;
    put_le32(frame, 0x10, init.host_mfa_high)?;
    put_le32(frame, 0x14, init.sense_buffer_high)?;
    // 0x18 ReplyFifoHostSignalingAddr and the 0x1c host page buffer SGE
    // stay zero: neither feature is offered by the 1068 model.
    put_le16(frame, 0x28, MSG_VERSION)?;
    put_le16(frame, 0x2a, HEADER_VERSION)?;
    Ok(IOC_INIT_SIZE)
}

/// The IOC_INIT reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IocInitReply {
    /// WhoInit now recorded.
    pub who_init: u8,
    /// Targets the IOC will address (256 when 0 was sent).
    pub max_devices: u8,
    /// Buses.
    pub max_buses: u8,
}

impl IocInitReply {
    /// Parses an IOC_INIT reply; errors unless the IOCStatus is SUCCESS.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        ReplyHeader::expect(reply, FUNC_IOC_INIT, IOC_INIT_REPLY_SIZE)?.check_success()?;
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        Ok(IocInitReply {
            who_init: b(0x00)?,
            max_devices: b(0x05)?,
            max_buses: b(0x06)?,
        })
    }
}

/// Builds PORT_ENABLE for `port`; returns its size.
pub fn build_port_enable(frame: &mut [u8], context: u32, port: u8) -> Result<usize, MpiError> {
    msg::begin(frame, PORT_ENABLE_SIZE, FUNC_PORT_ENABLE, context)?;
    put_u8(frame, 0x06, port)?;
    Ok(PORT_ENABLE_SIZE)
}

/// Checks a PORT_ENABLE reply.
pub fn parse_port_enable_reply(reply: &[u8]) -> Result<(), MpiError> {
    ReplyHeader::expect(reply, FUNC_PORT_ENABLE, DEFAULT_REPLY_SIZE)?.check_success()
}
