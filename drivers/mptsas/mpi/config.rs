// SPDX-License-Identifier: GPL-2.0

//! CONFIG requests and replies, page identities and page addresses
//! (`lsi/mpi_cnfg.h`: `MSG_CONFIG`, `MSG_CONFIG_REPLY`,
//! `CONFIG_PAGE_HEADER`, `CONFIG_EXTENDED_PAGE_HEADER`, `*_PGAD_*`).
//!
//! A page is read in two steps: PAGE_HEADER returns its version and
//! length, then READ_CURRENT with that header and a buffer of the length
//! DMAs the page. QEMU answers the manufacturing, IO unit, IOC, SAS IO
//! unit, SAS phy and SAS device pages, and CONFIG_INVALID_TYPE for SAS
//! expander, enclosure, log, BIOS and RAID pages. Writes are refused.

use super::msg::{self, ReplyHeader, FUNC_CONFIG, IOCSTATUS_SUCCESS};
use super::sgl::{put_simple64, FLAGS_END};
use super::MpiError;
use crate::proto::le::{le16, put_le16, put_le32, put_u8, u8_at};

/// Request size (10 dwords, the page buffer SGE included).
pub const CONFIG_SIZE: usize = 0x28;
/// Reply size.
pub const CONFIG_REPLY_SIZE: usize = 0x18;
/// Request offset: the page header.
pub const OFF_HEADER: usize = 0x14;
/// Request offset: page address.
pub const OFF_PAGE_ADDRESS: usize = 0x18;
/// Request offset: page buffer SGE.
pub const OFF_PAGE_BUFFER_SGE: usize = 0x1c;

/// Action: return the page header only.
pub const ACTION_PAGE_HEADER: u8 = 0x00;
/// Action: read the current page.
pub const ACTION_PAGE_READ_CURRENT: u8 = 0x01;

/// Page type: IO unit.
pub const PAGETYPE_IO_UNIT: u8 = 0x00;
/// Page type: IOC.
pub const PAGETYPE_IOC: u8 = 0x01;
/// Page type: manufacturing.
pub const PAGETYPE_MANUFACTURING: u8 = 0x09;
/// Page type: extended (the type is in ExtPageType).
pub const PAGETYPE_EXTENDED: u8 = 0x0f;
/// Page type bits (the high nibble holds attributes).
pub const PAGETYPE_MASK: u8 = 0x0f;
/// Extended page type: SAS IO unit.
pub const EXTPAGETYPE_SAS_IO_UNIT: u8 = 0x10;
/// Extended page type: SAS expander (not answered by QEMU).
pub const EXTPAGETYPE_SAS_EXPANDER: u8 = 0x11;
/// Extended page type: SAS device.
pub const EXTPAGETYPE_SAS_DEVICE: u8 = 0x12;
/// Extended page type: SAS phy.
pub const EXTPAGETYPE_SAS_PHY: u8 = 0x13;
/// Extended page type: enclosure (not answered by QEMU).
pub const EXTPAGETYPE_ENCLOSURE: u8 = 0x15;

/// Which page: a type (extended or not) and a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageId {
    /// `PAGETYPE_*`.
    pub page_type: u8,
    /// `EXTPAGETYPE_*` for extended pages, else 0.
    pub ext_type: u8,
    /// Page number.
    pub number: u8,
}

impl PageId {
    /// A page with a 4-byte header.
    pub const fn normal(page_type: u8, number: u8) -> Self {
        PageId {
            page_type,
            ext_type: 0,
            number,
        }
    }

    /// An extended page (8-byte header).
    pub const fn extended(ext_type: u8, number: u8) -> Self {
        PageId {
            page_type: PAGETYPE_EXTENDED,
            ext_type,
            number,
        }
    }

    /// True for an extended page.
    pub fn is_extended(&self) -> bool {
        self.page_type & PAGETYPE_MASK == PAGETYPE_EXTENDED
    }
}

/// Manufacturing page 5: the HBA's SAS address (BaseWWID).
pub const MANUFACTURING_5: PageId = PageId::normal(PAGETYPE_MANUFACTURING, 5);
/// SAS IO unit page 0: the phys and what each is attached to.
pub const SAS_IO_UNIT_0: PageId = PageId::extended(EXTPAGETYPE_SAS_IO_UNIT, 0);
/// SAS device page 0: one device's address, handles and target id.
pub const SAS_DEVICE_0: PageId = PageId::extended(EXTPAGETYPE_SAS_DEVICE, 0);
/// SAS phy page 0: one phy's attachment and link rates.
pub const SAS_PHY_0: PageId = PageId::extended(EXTPAGETYPE_SAS_PHY, 0);
/// SAS phy page 1: one phy's error counters.
pub const SAS_PHY_1: PageId = PageId::extended(EXTPAGETYPE_SAS_PHY, 1);

/// A page header as the IOC reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageHeader {
    /// Page version.
    pub version: u8,
    /// Which page.
    pub id: PageId,
    /// Page length in dwords (ExtPageLength for extended pages).
    pub length: u16,
}

impl PageHeader {
    /// Page length in bytes.
    pub fn bytes(&self) -> usize {
        usize::from(self.length) * 4
    }

    /// Parses the header at the start of page data.
    pub fn parse_page(page: &[u8]) -> Result<Self, MpiError> {
        let b = |off| u8_at(page, off).ok_or(MpiError::BufferTooSmall);
        let page_type = b(3)? & PAGETYPE_MASK;
        let number = b(2)?;
        if page_type == PAGETYPE_EXTENDED {
            Ok(PageHeader {
                version: b(0)?,
                id: PageId::extended(b(6)?, number),
                length: le16(page, 4).ok_or(MpiError::BufferTooSmall)?,
            })
        } else {
            Ok(PageHeader {
                version: b(0)?,
                id: PageId::normal(page_type, number),
                length: u16::from(b(1)?),
            })
        }
    }

    /// Checks page data: it is `id`, at least `min_len` bytes long both by
    /// its header and in `page`.
    pub fn check_page(page: &[u8], id: PageId, min_len: usize) -> Result<Self, MpiError> {
        let h = Self::parse_page(page)?;
        if h.id != id {
            return Err(MpiError::BadReply);
        }
        if h.bytes() < min_len {
            return Err(MpiError::BadReply);
        }
        if page.len() < min_len {
            return Err(MpiError::BufferTooSmall);
        }
        Ok(h)
    }
}

fn build(
    frame: &mut [u8],
    context: u32,
    action: u8,
    header: &PageHeader,
    page_address: u32,
    buffer: (u64, u32),
) -> Result<usize, MpiError> {
    msg::begin(frame, CONFIG_SIZE, FUNC_CONFIG, context)?;
    put_u8(frame, 0x00, action)?;
    put_u8(frame, OFF_HEADER, header.version)?;
    put_u8(frame, OFF_HEADER + 2, header.id.number)?;
    put_u8(frame, OFF_HEADER + 3, header.id.page_type)?;
    if header.id.is_extended() {
        put_le16(frame, 0x04, header.length)?;
        put_u8(frame, 0x06, header.id.ext_type)?;
    } else {
        let len = u8::try_from(header.length).map_err(|_| MpiError::InvalidParam)?;
        put_u8(frame, OFF_HEADER + 1, len)?;
    }
    put_le32(frame, OFF_PAGE_ADDRESS, page_address)?;
    put_simple64(frame, OFF_PAGE_BUFFER_SGE, FLAGS_END, buffer.1, buffer.0)?;
    Ok(CONFIG_SIZE)
}

/// Builds PAGE_HEADER for `id` at `page_address` (a zero-length SGE: the
/// IOC only answers in the reply).
pub fn build_header_request(
    frame: &mut [u8],
    context: u32,
    id: PageId,
    page_address: u32,
) -> Result<usize, MpiError> {
    let header = PageHeader {
        version: 0,
        id,
        length: 0,
    };
    build(
        frame,
        context,
        ACTION_PAGE_HEADER,
        &header,
        page_address,
        (0, 0),
    )
}

/// Builds READ_CURRENT of the page `header` describes (from the
/// PAGE_HEADER reply) into `buf_len` bytes at bus address `buf_addr`.
pub fn build_read_request(
    frame: &mut [u8],
    context: u32,
    header: &PageHeader,
    page_address: u32,
    buf_addr: u64,
    buf_len: u32,
) -> Result<usize, MpiError> {
    let len = u32::try_from(header.bytes()).map_err(|_| MpiError::InvalidParam)?;
    if len == 0 {
        return Err(MpiError::InvalidParam);
    }
    if len > buf_len {
        return Err(MpiError::BufferTooSmall);
    }
    if buf_addr == 0 {
        return Err(MpiError::BadAddress);
    }
    build(
        frame,
        context,
        ACTION_PAGE_READ_CURRENT,
        header,
        page_address,
        (buf_addr, len),
    )
}

/// A parsed CONFIG reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigReply {
    /// Action answered.
    pub action: u8,
    /// The request's context.
    pub msg_context: u32,
    /// IOCStatus (masked): [`msg::IOCSTATUS_CONFIG_INVALID_PAGE`] ends a
    /// handle walk, [`msg::IOCSTATUS_CONFIG_INVALID_TYPE`] means the
    /// IOC has no such page type.
    pub ioc_status: u16,
    /// The page header.
    pub header: PageHeader,
}

impl ConfigReply {
    /// Parses a CONFIG reply (whatever its IOCStatus).
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        let h = ReplyHeader::expect(reply, FUNC_CONFIG, CONFIG_REPLY_SIZE)?;
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        let page_type = b(OFF_HEADER + 3)?;
        let number = b(OFF_HEADER + 2)?;
        let header = if page_type & PAGETYPE_MASK == PAGETYPE_EXTENDED {
            PageHeader {
                version: b(OFF_HEADER)?,
                id: PageId::extended(b(0x06)?, number),
                length: le16(reply, 0x04).ok_or(MpiError::BufferTooSmall)?,
            }
        } else {
            PageHeader {
                version: b(OFF_HEADER)?,
                id: PageId::normal(page_type & PAGETYPE_MASK, number),
                length: u16::from(b(OFF_HEADER + 1)?),
            }
        };
        Ok(ConfigReply {
            action: b(0x00)?,
            msg_context: h.msg_context,
            ioc_status: h.ioc_status,
            header,
        })
    }

    /// The header of a successful reply for page `id`.
    pub fn header_for(&self, id: PageId) -> Result<PageHeader, MpiError> {
        if self.ioc_status != IOCSTATUS_SUCCESS {
            return Err(MpiError::IocStatus(self.ioc_status));
        }
        if self.header.id != id || self.header.length == 0 {
            return Err(MpiError::BadReply);
        }
        Ok(self.header)
    }
}

/// Where a SAS device page 0 handle walk starts (QEMU's first handle is
/// then 9 = 8 phys + 1).
pub const SAS_DEVICE_WALK_START: u16 = 0xffff;

/// SAS device page address: the device after `handle` (GET_NEXT_HANDLE).
pub fn sas_device_next(handle: u16) -> u32 {
    u32::from(handle)
}

/// SAS device page address: by firmware bus and target id.
pub fn sas_device_by_bus_target(bus: u8, target: u8) -> u32 {
    (1 << 28) | (u32::from(bus) << 8) | u32::from(target)
}

/// SAS device page address: by device handle.
pub fn sas_device_by_handle(handle: u16) -> u32 {
    (2 << 28) | u32::from(handle)
}

/// SAS phy page address: by phy number.
pub fn sas_phy_by_number(phy: u8) -> u32 {
    u32::from(phy)
}
