// SPDX-License-Identifier: GPL-2.0

//! DCMD (direct firmware command) frames: a 32-bit opcode, a 12-byte
//! mailbox and at most one data buffer.

use super::ctrl_info::CTRL_INFO_SIZE;
use super::frame::{self, DataDir, Header, CMD_DCMD, FLAG_SGL64, FRAME_SIZE, STAT_PENDING};
use super::ld_list::LD_LIST_SIZE;
use super::pd_list::PD_LIST_MIN_SIZE;
use super::sgl::encode_sge64;
use super::MfiError;
use crate::proto::le::{put_bytes, put_le32};

/// DCMD frame offset: opcode.
pub const OFF_OPCODE: usize = 0x18;
/// DCMD frame offset: 12-byte mailbox.
pub const OFF_MBOX: usize = 0x1c;
/// DCMD frame offset: SGL (one entry at most).
pub const OFF_SGL: usize = 0x28;
/// Mailbox size.
pub const MBOX_SIZE: usize = 12;

/// Controller information (2048-byte reply, see `ctrl_info`).
pub const CTRL_GET_INFO: u32 = 0x0101_0000;
/// Controller properties.
pub const CTRL_GET_PROPERTIES: u32 = 0x0102_0100;
/// Event log state.
pub const CTRL_EVENT_GETINFO: u32 = 0x0104_0100;
/// Wait for an event. QEMU holds it forever and it cannot be aborted.
pub const CTRL_EVENT_WAIT: u32 = 0x0104_0500;
/// Shut the controller down (QEMU: back to READY).
pub const CTRL_SHUTDOWN: u32 = 0x0105_0000;
/// Flush controller and disk caches (mailbox byte 0: `FLUSH_*`).
pub const CTRL_CACHE_FLUSH: u32 = 0x0110_1000;
/// Physical drive list (see `pd_list`).
pub const PD_GET_LIST: u32 = 0x0201_0000;
/// Physical drive list by query type; QEMU answers only type ALL.
pub const PD_LIST_QUERY: u32 = 0x0201_0100;
/// Physical drive information.
pub const PD_GET_INFO: u32 = 0x0202_0000;
/// Logical drive list (see `ld_list`).
pub const LD_GET_LIST: u32 = 0x0301_0000;
/// Logical drive target-id list; QEMU fills it with LUNs, prefer
/// [`LD_GET_LIST`].
pub const LD_LIST_QUERY: u32 = 0x0301_0100;
/// Logical drive information.
pub const LD_GET_INFO: u32 = 0x0302_0000;
/// Read the RAID configuration.
pub const CFG_READ: u32 = 0x0401_0000;
/// Reset one logical drive (mailbox u16 0: target id).
pub const CLUSTER_RESET_LD: u32 = 0x0801_0200;

/// [`CTRL_CACHE_FLUSH`] mailbox bit: controller cache.
pub const FLUSH_CTRL_CACHE: u8 = 0x01;
/// [`CTRL_CACHE_FLUSH`] mailbox bit: disk caches.
pub const FLUSH_DISK_CACHE: u8 = 0x02;

/// One DCMD request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dcmd {
    /// Opcode (one of the constants above).
    pub opcode: u32,
    /// Mailbox parameters.
    pub mbox: [u8; MBOX_SIZE],
    /// Data direction; must be [`DataDir::None`] exactly when `buf` is.
    pub dir: DataDir,
    /// Data buffer `(dma address, length)`.
    pub buf: Option<(u64, u32)>,
}

impl Dcmd {
    /// A DCMD without data and with an empty mailbox.
    pub fn no_data(opcode: u32) -> Self {
        Dcmd {
            opcode,
            mbox: [0; MBOX_SIZE],
            dir: DataDir::None,
            buf: None,
        }
    }

    /// A DCMD reading `len` bytes into `addr`, with an empty mailbox.
    pub fn read(opcode: u32, addr: u64, len: u32) -> Self {
        Dcmd {
            opcode,
            mbox: [0; MBOX_SIZE],
            dir: DataDir::Read,
            buf: Some((addr, len)),
        }
    }

    /// CTRL_GET_INFO into a 2048-byte buffer.
    pub fn ctrl_get_info(addr: u64) -> Self {
        Self::read(CTRL_GET_INFO, addr, CTRL_INFO_SIZE as u32)
    }

    /// LD_GET_LIST into a 1032-byte buffer (QEMU rejects larger ones).
    pub fn ld_get_list(addr: u64) -> Self {
        Self::read(LD_GET_LIST, addr, LD_LIST_SIZE as u32)
    }

    /// PD_GET_LIST into a `len`-byte buffer; QEMU wants at least
    /// `PD_LIST_MIN_SIZE` and fills as many entries as fit (up to 240).
    pub fn pd_get_list(addr: u64, len: u32) -> Self {
        Self::read(PD_GET_LIST, addr, len)
    }

    /// CTRL_CACHE_FLUSH of controller and disk caches.
    pub fn cache_flush() -> Self {
        let mut d = Self::no_data(CTRL_CACHE_FLUSH);
        d.mbox[0] = FLUSH_CTRL_CACHE | FLUSH_DISK_CACHE;
        d
    }

    /// CTRL_SHUTDOWN.
    pub fn shutdown() -> Self {
        Self::no_data(CTRL_SHUTDOWN)
    }
}

/// Builds a DCMD frame; returns the frame size (64).
pub fn build_dcmd(frame: &mut [u8], context: u32, d: &Dcmd) -> Result<usize, MfiError> {
    match (d.dir, d.buf) {
        (DataDir::None, None) => {}
        (DataDir::None, Some(_)) | (_, None) => return Err(MfiError::InvalidParam),
        (_, Some((addr, len))) => {
            if addr == 0 || len == 0 {
                return Err(MfiError::EmptySge);
            }
            if d.opcode == PD_GET_LIST && (len as usize) < PD_LIST_MIN_SIZE {
                return Err(MfiError::BufferTooSmall);
            }
        }
    }
    frame::begin(frame)?;
    let sgl = encode_sge64(frame, OFF_SGL, d.buf, 1)?;
    let (flags, data_len) = match d.buf {
        Some((_, len)) => (FLAG_SGL64 | d.dir.flags(), len),
        None => (0, 0),
    };
    Header {
        cmd: CMD_DCMD,
        cmd_status: STAT_PENDING,
        sge_count: sgl.count,
        context,
        flags,
        data_len,
        ..Header::default()
    }
    .write(frame)?;
    put_le32(frame, OFF_OPCODE, d.opcode)?;
    put_bytes(frame, OFF_MBOX, &d.mbox)?;
    Ok(core::cmp::max(FRAME_SIZE, sgl.end))
}
