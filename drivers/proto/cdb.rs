// SPDX-License-Identifier: GPL-2.0

//! CDB operation codes, lengths, data direction and LBA/length field decoders.

use super::wire::{be16, be32, be64, u8_at};

/// TEST UNIT READY.
pub const TEST_UNIT_READY: u8 = 0x00;
/// REQUEST SENSE.
pub const REQUEST_SENSE: u8 = 0x03;
/// READ(6).
pub const READ_6: u8 = 0x08;
/// WRITE(6).
pub const WRITE_6: u8 = 0x0A;
/// INQUIRY.
pub const INQUIRY: u8 = 0x12;
/// MODE SELECT(6).
pub const MODE_SELECT_6: u8 = 0x15;
/// MODE SENSE(6).
pub const MODE_SENSE_6: u8 = 0x1A;
/// START STOP UNIT.
pub const START_STOP_UNIT: u8 = 0x1B;
/// READ CAPACITY(10).
pub const READ_CAPACITY_10: u8 = 0x25;
/// READ(10).
pub const READ_10: u8 = 0x28;
/// WRITE(10).
pub const WRITE_10: u8 = 0x2A;
/// VERIFY(10).
pub const VERIFY_10: u8 = 0x2F;
/// SYNCHRONIZE CACHE(10).
pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
/// WRITE SAME(10).
pub const WRITE_SAME_10: u8 = 0x41;
/// UNMAP.
pub const UNMAP: u8 = 0x42;
/// MODE SELECT(10).
pub const MODE_SELECT_10: u8 = 0x55;
/// MODE SENSE(10).
pub const MODE_SENSE_10: u8 = 0x5A;
/// READ(16).
pub const READ_16: u8 = 0x88;
/// WRITE(16).
pub const WRITE_16: u8 = 0x8A;
/// VERIFY(16).
pub const VERIFY_16: u8 = 0x8F;
/// SYNCHRONIZE CACHE(16).
pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
/// WRITE SAME(16).
pub const WRITE_SAME_16: u8 = 0x93;
/// SERVICE ACTION IN(16); READ CAPACITY(16) is a service action of it.
pub const SERVICE_ACTION_IN_16: u8 = 0x9E;
/// REPORT LUNS.
pub const REPORT_LUNS: u8 = 0xA0;
/// MAINTENANCE IN; REPORT SUPPORTED OPERATION CODES is a service action.
pub const MAINTENANCE_IN: u8 = 0xA3;
/// READ(12).
pub const READ_12: u8 = 0xA8;
/// WRITE(12).
pub const WRITE_12: u8 = 0xAA;
/// VERIFY(12).
pub const VERIFY_12: u8 = 0xAF;

/// SERVICE ACTION IN(16) / READ CAPACITY(16).
pub const SAI_READ_CAPACITY_16: u8 = 0x10;
/// MAINTENANCE IN / REPORT SUPPORTED OPERATION CODES.
pub const MI_REPORT_SUPPORTED_OPCODES: u8 = 0x0C;

/// CDB length implied by the opcode's group code (bits 7:5), `None` for
/// the variable-length (0x7F) / reserved group 3 and vendor groups 6-7.
pub const fn cdb_len_for_opcode(opcode: u8) -> Option<usize> {
    match opcode >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

/// Direction of the data phase, from the initiator's point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDirection {
    /// No data phase.
    None,
    /// Data-out: initiator to device (writes, parameter lists).
    ToDevice,
    /// Data-in: device to initiator (reads, responses).
    FromDevice,
}

/// LBA and transfer/number-of-blocks field of a block command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LbaLen {
    /// LOGICAL BLOCK ADDRESS.
    pub lba: u64,
    /// TRANSFER LENGTH / NUMBER OF LOGICAL BLOCKS, already adjusted for
    /// READ(6)/WRITE(6) where 0 means 256.
    pub blocks: u32,
}

/// Byte offsets of the LBA and length fields, used for sense field pointers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LbaLenOffsets {
    /// Offset of the LBA field.
    pub lba: u16,
    /// Offset of the length field.
    pub len: u16,
}

/// READ(6)/WRITE(6): 21-bit LBA in bytes 1-3, length byte 4 (0 = 256).
pub fn lba_len_6(cdb: &[u8]) -> Option<LbaLen> {
    let hi = u64::from(u8_at(cdb, 1)? & 0x1F);
    let lba = (hi << 16) | u64::from(be16(cdb, 2)?);
    let n = u8_at(cdb, 4)?;
    Some(LbaLen {
        lba,
        blocks: if n == 0 { 256 } else { u32::from(n) },
    })
}

/// 10-byte block CDBs: LBA bytes 2-5, length bytes 7-8.
pub fn lba_len_10(cdb: &[u8]) -> Option<LbaLen> {
    Some(LbaLen {
        lba: u64::from(be32(cdb, 2)?),
        blocks: u32::from(be16(cdb, 7)?),
    })
}

/// 12-byte block CDBs: LBA bytes 2-5, length bytes 6-9.
pub fn lba_len_12(cdb: &[u8]) -> Option<LbaLen> {
    Some(LbaLen {
        lba: u64::from(be32(cdb, 2)?),
        blocks: be32(cdb, 6)?,
    })
}

/// 16-byte block CDBs: LBA bytes 2-9, length bytes 10-13.
pub fn lba_len_16(cdb: &[u8]) -> Option<LbaLen> {
    Some(LbaLen {
        lba: be64(cdb, 2)?,
        blocks: be32(cdb, 10)?,
    })
}

/// Field offsets for the LBA/length layout of a block command opcode.
pub const fn lba_len_offsets(opcode: u8) -> Option<LbaLenOffsets> {
    match opcode {
        READ_6 | WRITE_6 => Some(LbaLenOffsets { lba: 1, len: 4 }),
        READ_10 | WRITE_10 | VERIFY_10 | SYNCHRONIZE_CACHE_10 | WRITE_SAME_10 => {
            Some(LbaLenOffsets { lba: 2, len: 7 })
        }
        READ_12 | WRITE_12 | VERIFY_12 => Some(LbaLenOffsets { lba: 2, len: 6 }),
        READ_16 | WRITE_16 | VERIFY_16 | SYNCHRONIZE_CACHE_16 | WRITE_SAME_16 => {
            Some(LbaLenOffsets { lba: 2, len: 10 })
        }
        _ => None,
    }
}

/// Decodes LBA/length for any READ/WRITE/VERIFY/WRITE SAME/SYNCHRONIZE
/// CACHE CDB; `None` for other opcodes or a too-short CDB.
pub fn lba_len(cdb: &[u8]) -> Option<LbaLen> {
    match *cdb.first()? {
        READ_6 | WRITE_6 => lba_len_6(cdb),
        READ_10 | WRITE_10 | VERIFY_10 | SYNCHRONIZE_CACHE_10 | WRITE_SAME_10 => lba_len_10(cdb),
        READ_12 | WRITE_12 | VERIFY_12 => lba_len_12(cdb),
        READ_16 | WRITE_16 | VERIFY_16 | SYNCHRONIZE_CACHE_16 | WRITE_SAME_16 => lba_len_16(cdb),
        _ => None,
    }
}
