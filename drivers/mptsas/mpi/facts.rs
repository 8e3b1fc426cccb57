// SPDX-License-Identifier: GPL-2.0

//! IOC_FACTS and PORT_FACTS: what the IOC can take, asked by handshake
//! before IOC_INIT (`lsi/mpi_ioc.h`: `MSG_IOC_FACTS`, `MSG_IOC_FACTS_REPLY`,
//! `MSG_PORT_FACTS`, `MSG_PORT_FACTS_REPLY`).

use super::msg::{self, ReplyHeader, FUNC_IOC_FACTS, FUNC_PORT_FACTS, REQUEST_HEADER_SIZE};
use super::MpiError;
use crate::proto::le::{le16, le32, put_u8, u8_at};

/// IOC_FACTS request size (3 dwords).
pub const IOC_FACTS_SIZE: usize = REQUEST_HEADER_SIZE;
/// IOC_FACTS reply size through `FWVersion` and `HighPriorityQueueDepth`,
/// the fields parsed here (the full MPI 1.5 reply is 0x50 bytes).
pub const IOC_FACTS_REPLY_MIN: usize = 0x40;
/// PORT_FACTS request size (3 dwords).
pub const PORT_FACTS_SIZE: usize = REQUEST_HEADER_SIZE;
/// PORT_FACTS reply size.
pub const PORT_FACTS_REPLY_SIZE: usize = 0x28;
/// PORT_FACTS request offset: port number.
pub const OFF_PORT_NUMBER: usize = 0x06;

/// Builds IOC_FACTS; returns its size.
pub fn build_ioc_facts(frame: &mut [u8], context: u32) -> Result<usize, MpiError> {
    msg::begin(frame, IOC_FACTS_SIZE, FUNC_IOC_FACTS, context)?;
    Ok(IOC_FACTS_SIZE)
}

/// The IOC_FACTS reply fields a driver sizes itself by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IocFacts {
    /// MPI version (0x0105 for QEMU).
    pub msg_version: u16,
    /// Header version.
    pub header_version: u16,
    /// IOC number on a multi-function board.
    pub ioc_number: u8,
    /// Exception flags (checksum failures...).
    pub ioc_exceptions: u16,
    /// Chain buffers the IOC follows per request (advisory in QEMU).
    pub max_chain_depth: u8,
    /// Who initialised the IOC.
    pub who_init: u8,
    /// Request frame size in dwords.
    pub request_frame_size: u16,
    /// Reply frames the IOC can hold (reply free FIFO depth).
    pub reply_queue_depth: u16,
    /// Requests the IOC accepts at once (request FIFO depth).
    pub global_credits: u16,
    /// Product id.
    pub product_id: u16,
    /// Ports (QEMU: 8, one per phy).
    pub number_of_ports: u8,
    /// High half shared by request and reply frames, as currently set.
    pub current_host_mfa_high: u32,
    /// High half shared by sense buffers, as currently set.
    pub current_sense_buffer_high: u32,
    /// Reply frame size currently set (0 after reset: QEMU then writes
    /// empty address replies).
    pub cur_reply_frame_size: u16,
    /// Targets currently allowed.
    pub max_devices: u8,
    /// Buses currently allowed.
    pub max_buses: u8,
    /// `MPI_IOCFACTS_CAPABILITY_*` bits (QEMU: none).
    pub ioc_capabilities: u32,
    /// Firmware version word.
    pub fw_version: u32,
}

impl IocFacts {
    /// Parses an IOC_FACTS reply; errors unless the IOCStatus is SUCCESS.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        ReplyHeader::expect(reply, FUNC_IOC_FACTS, IOC_FACTS_REPLY_MIN)?.check_success()?;
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        let w = |off| le16(reply, off).ok_or(MpiError::BufferTooSmall);
        let d = |off| le32(reply, off).ok_or(MpiError::BufferTooSmall);
        Ok(IocFacts {
            msg_version: w(0x00)?,
            header_version: w(0x04)?,
            ioc_number: b(0x06)?,
            ioc_exceptions: w(0x0c)?,
            max_chain_depth: b(0x14)?,
            who_init: b(0x15)?,
            reply_queue_depth: w(0x18)?,
            request_frame_size: w(0x1a)?,
            product_id: w(0x1e)?,
            current_host_mfa_high: d(0x20)?,
            global_credits: w(0x24)?,
            number_of_ports: b(0x26)?,
            current_sense_buffer_high: d(0x28)?,
            cur_reply_frame_size: w(0x2c)?,
            max_devices: b(0x2e)?,
            max_buses: b(0x2f)?,
            ioc_capabilities: d(0x34)?,
            fw_version: d(0x38)?,
        })
    }
}

/// Builds PORT_FACTS for `port`; returns its size.
pub fn build_port_facts(frame: &mut [u8], context: u32, port: u8) -> Result<usize, MpiError> {
    msg::begin(frame, PORT_FACTS_SIZE, FUNC_PORT_FACTS, context)?;
    put_u8(frame, OFF_PORT_NUMBER, port)?;
    Ok(PORT_FACTS_SIZE)
}

/// Port type: SAS.
pub const PORTTYPE_SAS: u8 = 0x30;
/// Protocol flag: logical bus addressing.
pub const PROTOCOL_LOGBUSADDR: u16 = 0x01;
/// Protocol flag: initiator.
pub const PROTOCOL_INITIATOR: u16 = 0x08;

/// The PORT_FACTS reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortFacts {
    /// Port number answered.
    pub port_number: u8,
    /// Port type ([`PORTTYPE_SAS`]; 0 = inactive, e.g. a port beyond 8).
    pub port_type: u8,
    /// Devices the port addresses (QEMU: 8).
    pub max_devices: u16,
    /// The port's own SCSI id (QEMU: 8, outside the target range).
    pub port_scsi_id: u16,
    /// `PROTOCOL_*` bits.
    pub protocol_flags: u16,
    /// Target-mode command buffers (unused by an initiator).
    pub max_posted_cmd_buffers: u16,
}

impl PortFacts {
    /// Parses a PORT_FACTS reply; errors unless the IOCStatus is SUCCESS.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        ReplyHeader::expect(reply, FUNC_PORT_FACTS, PORT_FACTS_REPLY_SIZE)?.check_success()?;
        let w = |off| le16(reply, off).ok_or(MpiError::BufferTooSmall);
        Ok(PortFacts {
            port_number: u8_at(reply, 0x06).ok_or(MpiError::BufferTooSmall)?,
            port_type: u8_at(reply, 0x15).ok_or(MpiError::BufferTooSmall)?,
            max_devices: w(0x16)?,
            port_scsi_id: w(0x18)?,
            protocol_flags: w(0x1a)?,
            max_posted_cmd_buffers: w(0x1c)?,
        })
    }

    /// True for an active SAS initiator port.
    pub fn is_sas_initiator(&self) -> bool {
        self.port_type == PORTTYPE_SAS && self.protocol_flags & PROTOCOL_INITIATOR != 0
    }
}
