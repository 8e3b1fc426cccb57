// SPDX-License-Identifier: GPL-2.0

//! The 48-byte Basic Header Segment: the fields every PDU shares
//! (RFC 7143 section 11.2.1), opcodes, and the LUN field.
//!
//! Byte 0 holds the I (immediate) bit and the 6-bit opcode; byte 1 holds
//! the F (final) bit and opcode-specific flags; byte 4 TotalAHSLength in
//! 4-byte words; bytes 5-7 DataSegmentLength; bytes 8-15 the LUN or
//! opcode-specific fields; bytes 16-19 the Initiator Task Tag.

use super::error::PduError;
use super::field::{be24_at, bytes_at, put_be24, put_bytes, put_u8, u8_at};

/// Length of the Basic Header Segment.
pub const BHS_LEN: usize = 48;

/// The tag value RFC 7143 reserves: "no task" for ITT and TTT, and the
/// ITT of unsolicited target PDUs (Async Message, Reject).
pub const RESERVED_TAG: u32 = 0xffff_ffff;

/// Largest DataSegmentLength the 24-bit field can carry.
pub const MAX_DATA_SEGMENT_LEN: u32 = 0x00ff_ffff;

/// Byte 0: the I bit (a command delivered for immediate delivery).
pub(super) const IMMEDIATE_BIT: u8 = 0x40;
/// Byte 0: the opcode.
pub(super) const OPCODE_MASK: u8 = 0x3f;
/// Byte 1: the F bit (final PDU of a sequence) on most opcodes.
pub(super) const FINAL_BIT: u8 = 0x80;

pub(super) const OFF_OPCODE: usize = 0;
pub(super) const OFF_FLAGS: usize = 1;
pub(super) const OFF_AHS_LEN: usize = 4;
pub(super) const OFF_DATA_LEN: usize = 5;
pub(super) const OFF_LUN: usize = 8;
pub(super) const OFF_ITT: usize = 16;
/// Bytes 20-23: the Target Transfer Tag on the PDUs that carry one.
pub(super) const OFF_TTT: usize = 20;

/// An iSCSI opcode (byte 0 bits 0-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Opcode {
    /// NOP-Out (initiator).
    NopOut = 0x00,
    /// SCSI Command (initiator).
    ScsiCommand = 0x01,
    /// SCSI Task Management Function Request (initiator).
    TaskMgmtRequest = 0x02,
    /// Login Request (initiator).
    LoginRequest = 0x03,
    /// Text Request (initiator).
    TextRequest = 0x04,
    /// SCSI Data-Out (initiator).
    DataOut = 0x05,
    /// Logout Request (initiator).
    LogoutRequest = 0x06,
    /// SNACK Request (initiator).
    Snack = 0x10,
    /// NOP-In (target).
    NopIn = 0x20,
    /// SCSI Response (target).
    ScsiResponse = 0x21,
    /// SCSI Task Management Function Response (target).
    TaskMgmtResponse = 0x22,
    /// Login Response (target).
    LoginResponse = 0x23,
    /// Text Response (target).
    TextResponse = 0x24,
    /// SCSI Data-In (target).
    DataIn = 0x25,
    /// Logout Response (target).
    LogoutResponse = 0x26,
    /// Ready To Transfer (target).
    R2t = 0x31,
    /// Asynchronous Message (target).
    AsyncMessage = 0x32,
    /// Reject (target).
    Reject = 0x3f,
}

impl Opcode {
    /// Every opcode RFC 7143 defines.
    pub const ALL: [Opcode; 18] = [
        Opcode::NopOut,
        Opcode::ScsiCommand,
        Opcode::TaskMgmtRequest,
        Opcode::LoginRequest,
        Opcode::TextRequest,
        Opcode::DataOut,
        Opcode::LogoutRequest,
        Opcode::Snack,
        Opcode::NopIn,
        Opcode::ScsiResponse,
        Opcode::TaskMgmtResponse,
        Opcode::LoginResponse,
        Opcode::TextResponse,
        Opcode::DataIn,
        Opcode::LogoutResponse,
        Opcode::R2t,
        Opcode::AsyncMessage,
        Opcode::Reject,
    ];

    /// Decodes the opcode bits of BHS byte 0 (the I bit and the reserved
    /// top bit are ignored).
    pub fn from_byte0(byte0: u8) -> Result<Self, PduError> {
        let op = byte0 & OPCODE_MASK;
        Opcode::ALL
            .iter()
            .copied()
            .find(|o| o.value() == op)
            .ok_or(PduError::UnknownOpcode(op))
    }

    /// The opcode's wire value.
    pub fn value(self) -> u8 {
        self as u8
    }

    /// Whether the initiator sends this opcode (RFC 7143: opcodes below
    /// 0x20).
    pub fn is_initiator(self) -> bool {
        self.value() < 0x20
    }
}

/// The 8-byte LUN field, in SAM's format as the target sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lun(pub [u8; 8]);

impl Lun {
    /// Encodes a SCSI midlayer LUN number the way Linux's
    /// `int_to_scsilun` does (16-bit levels, first level first), so the
    /// target sees the LUN the midlayer scanned.
    pub fn from_linux(lun: u64) -> Self {
        Lun(crate::proto::lun::to_scsilun(lun))
    }

    /// Reads the LUN field (bytes 8-15) of `bhs`.
    pub(super) fn read(bhs: &[u8; BHS_LEN]) -> Self {
        Lun(bytes_at::<OFF_LUN, 8>(bhs))
    }

    /// Writes the LUN field of `bhs`.
    pub(super) fn write(self, bhs: &mut [u8; BHS_LEN]) {
        put_bytes::<OFF_LUN, 8>(bhs, self.0);
    }

    /// The inverse of [`Lun::from_linux`] (Linux's `scsilun_to_int`).
    pub fn to_linux(self) -> u64 {
        crate::proto::lun::from_scsilun(&self.0)
    }
}

/// The fields every BHS shares, enough to frame a PDU before decoding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommonHeader {
    /// The opcode.
    pub opcode: Opcode,
    /// The I bit (meaningful on initiator opcodes only).
    pub immediate: bool,
    /// Byte 1: the F bit and opcode-specific flags.
    pub flags: u8,
    /// TotalAHSLength, in 4-byte words.
    pub ahs_words: u8,
    /// DataSegmentLength in bytes, without padding or digest.
    pub data_len: u32,
}

impl CommonHeader {
    /// Reads the shared fields of `bhs`.
    pub fn parse(bhs: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        let byte0 = u8_at::<OFF_OPCODE>(bhs);
        Ok(CommonHeader {
            opcode: Opcode::from_byte0(byte0)?,
            immediate: byte0 & IMMEDIATE_BIT != 0,
            flags: u8_at::<OFF_FLAGS>(bhs),
            ahs_words: u8_at::<OFF_AHS_LEN>(bhs),
            data_len: be24_at::<OFF_DATA_LEN>(bhs),
        })
    }
}

/// The first [`BHS_LEN`] bytes of `buf` as a BHS.
pub fn bhs_of(buf: &[u8]) -> Result<&[u8; BHS_LEN], PduError> {
    buf.get(..BHS_LEN)
        .and_then(|b| b.try_into().ok())
        .ok_or(PduError::Truncated)
}

/// Starts a BHS: byte 0, byte 1 and the two lengths; the rest is zero as
/// RFC 7143 requires of reserved fields.
pub(super) fn start(
    opcode: Opcode,
    immediate: bool,
    flags: u8,
    ahs_words: u8,
    data_len: u32,
) -> Result<[u8; BHS_LEN], PduError> {
    if data_len > MAX_DATA_SEGMENT_LEN {
        return Err(PduError::DataSegmentTooLong);
    }
    let mut bhs = [0u8; BHS_LEN];
    let immediate = if immediate { IMMEDIATE_BIT } else { 0 };
    put_u8::<OFF_OPCODE>(&mut bhs, opcode.value() | immediate);
    put_u8::<OFF_FLAGS>(&mut bhs, flags);
    put_u8::<OFF_AHS_LEN>(&mut bhs, ahs_words);
    put_be24::<OFF_DATA_LEN>(&mut bhs, data_len);
    Ok(bhs)
}

/// Sets `bit` in a flags byte when `on`.
pub(super) fn flag(on: bool, bit: u8) -> u8 {
    if on {
        bit
    } else {
        0
    }
}

/// Rejects AHS on a PDU for which RFC 7143 defines none.
pub(super) fn no_ahs(common: &CommonHeader) -> Result<(), PduError> {
    if common.ahs_words == 0 {
        Ok(())
    } else {
        Err(PduError::UnexpectedAhs)
    }
}

/// Rejects a data segment on a PDU that carries none.
pub(super) fn no_data(common: &CommonHeader) -> Result<(), PduError> {
    if common.data_len == 0 {
        Ok(())
    } else {
        Err(PduError::UnexpectedData)
    }
}
