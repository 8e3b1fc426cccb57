// SPDX-License-Identifier: GPL-2.0

//! Operation codes, CDB lengths and field helpers (SPC-5, SBC-4).

use crate::sgio::Direction;

pub const TEST_UNIT_READY: u8 = 0x00;
pub const REQUEST_SENSE: u8 = 0x03;
pub const FORMAT_UNIT: u8 = 0x04;
pub const REASSIGN_BLOCKS: u8 = 0x07;
pub const READ_6: u8 = 0x08;
pub const WRITE_6: u8 = 0x0A;
pub const INQUIRY: u8 = 0x12;
pub const MODE_SELECT_6: u8 = 0x15;
pub const RESERVE_6: u8 = 0x16;
pub const RELEASE_6: u8 = 0x17;
pub const MODE_SENSE_6: u8 = 0x1A;
pub const START_STOP_UNIT: u8 = 0x1B;
pub const RECEIVE_DIAGNOSTIC: u8 = 0x1C;
pub const SEND_DIAGNOSTIC: u8 = 0x1D;
pub const PREVENT_ALLOW: u8 = 0x1E;
pub const READ_CAPACITY_10: u8 = 0x25;
pub const READ_10: u8 = 0x28;
pub const WRITE_10: u8 = 0x2A;
pub const WRITE_VERIFY_10: u8 = 0x2E;
pub const VERIFY_10: u8 = 0x2F;
pub const PRE_FETCH_10: u8 = 0x34;
pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
pub const READ_DEFECT_10: u8 = 0x37;
pub const FORMAT_WITH_PRESET: u8 = 0x38;
pub const WRITE_BUFFER: u8 = 0x3B;
pub const READ_BUFFER: u8 = 0x3C;
pub const READ_LONG_10: u8 = 0x3E;
pub const WRITE_LONG_10: u8 = 0x3F;
pub const CHANGE_DEFINITION: u8 = 0x40;
pub const WRITE_SAME_10: u8 = 0x41;
pub const UNMAP: u8 = 0x42;
pub const SANITIZE: u8 = 0x48;
pub const LOG_SELECT: u8 = 0x4C;
pub const LOG_SENSE: u8 = 0x4D;
pub const MODE_SELECT_10: u8 = 0x55;
pub const RESERVE_10: u8 = 0x56;
pub const RELEASE_10: u8 = 0x57;
pub const MODE_SENSE_10: u8 = 0x5A;
pub const PERSISTENT_RESERVE_IN: u8 = 0x5E;
pub const PERSISTENT_RESERVE_OUT: u8 = 0x5F;
pub const VARIABLE_LENGTH: u8 = 0x7F;
pub const EXTENDED_COPY: u8 = 0x83;
pub const RECEIVE_COPY_RESULTS: u8 = 0x84;
pub const ATA_PASS_THROUGH_16: u8 = 0x85;
pub const READ_16: u8 = 0x88;
pub const COMPARE_AND_WRITE: u8 = 0x89;
pub const WRITE_16: u8 = 0x8A;
pub const WRITE_VERIFY_16: u8 = 0x8E;
pub const VERIFY_16: u8 = 0x8F;
pub const PRE_FETCH_16: u8 = 0x90;
pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
pub const WRITE_SAME_16: u8 = 0x93;
pub const ZBC_OUT: u8 = 0x94;
pub const ZBC_IN: u8 = 0x95;
pub const SERVICE_ACTION_IN_16: u8 = 0x9E;
pub const SERVICE_ACTION_OUT_16: u8 = 0x9F;
pub const REPORT_LUNS: u8 = 0xA0;
pub const ATA_PASS_THROUGH_12: u8 = 0xA1;
pub const SECURITY_PROTOCOL_IN: u8 = 0xA2;
pub const MAINTENANCE_IN: u8 = 0xA3;
pub const MAINTENANCE_OUT: u8 = 0xA4;
pub const READ_12: u8 = 0xA8;
pub const WRITE_12: u8 = 0xAA;
pub const VERIFY_12: u8 = 0xAF;
pub const SECURITY_PROTOCOL_OUT: u8 = 0xB5;
pub const READ_DEFECT_12: u8 = 0xB7;

/// SERVICE ACTION IN(16) service actions.
pub const SAI_READ_CAPACITY_16: u8 = 0x10;
pub const SAI_GET_LBA_STATUS: u8 = 0x12;
/// SERVICE ACTION OUT(16): WRITE LONG(16).
pub const SAO_WRITE_LONG_16: u8 = 0x11;
/// MAINTENANCE IN service actions.
pub const MI_REPORT_TARGET_PORT_GROUPS: u8 = 0x0A;
pub const MI_REPORT_SUPPORTED_OPCODES: u8 = 0x0C;
pub const MI_REPORT_SUPPORTED_TMFS: u8 = 0x0D;
pub const MI_REPORT_TIMESTAMP: u8 = 0x0F;
/// MAINTENANCE OUT service actions.
pub const MO_SET_TARGET_PORT_GROUPS: u8 = 0x0A;
pub const MO_SET_TIMESTAMP: u8 = 0x0F;

/// The CDB length a fresh opcode gets from its group code (SPC-5 4.2.5.1);
/// None for the reserved and vendor-specific groups, and for VARIABLE
/// LENGTH (its length is in the CDB).
pub fn group_len(opcode: u8) -> Option<usize> {
    match opcode >> 5 {
        0 => Some(6),
        1 | 2 => Some(10),
        4 => Some(16),
        5 => Some(12),
        _ => None,
    }
}

/// Opcodes with a SERVICE ACTION field in byte 1 bits 4:0.
pub fn has_service_action(opcode: u8) -> bool {
    matches!(
        opcode,
        SERVICE_ACTION_IN_16
            | SERVICE_ACTION_OUT_16
            | MAINTENANCE_IN
            | MAINTENANCE_OUT
            | PERSISTENT_RESERVE_IN
            | PERSISTENT_RESERVE_OUT
            | EXTENDED_COPY
            | RECEIVE_COPY_RESULTS
            | ZBC_IN
            | ZBC_OUT
    )
}

/// SERVICE ACTION of a CDB (0 for opcodes without one).
pub fn service_action(cdb: &[u8]) -> u8 {
    match cdb.first() {
        Some(&op) if has_service_action(op) => cdb.get(1).map_or(0, |b| b & 0x1F),
        _ => 0,
    }
}

/// Writes `v`'s low `n` bytes big-endian at `off` (as much as fits).
pub fn put_be(cdb: &mut [u8], off: usize, n: usize, v: u64) {
    for i in 0..n {
        let shift = 8 * (n - 1 - i);
        if let Some(b) = cdb.get_mut(off + i) {
            *b = (v >> shift) as u8;
        }
    }
}

/// Reads `n` bytes big-endian at `off` (missing bytes count as 0).
pub fn get_be(cdb: &[u8], off: usize, n: usize) -> u64 {
    (0..n).fold(0, |v, i| {
        (v << 8) | u64::from(cdb.get(off + i).copied().unwrap_or(0))
    })
}

/// The direction a command moves data in, when it has one (SPC-5, SBC-4,
/// and the common MMC and SSC data-in commands); None for commands without
/// data and for opcodes this table does not know. `Some(Direction::None)`
/// for the commands whose direction implementations disagree on: the
/// parameter list of RESERVE and RELEASE (6/10) is data-out in SPC-2, and
/// QEMU's scsi-disk moves it as data-in.
pub fn standard_direction(cdb: &[u8]) -> Option<Direction> {
    const OUT: &[u8] = &[
        0x04, 0x07, 0x0A, 0x15, 0x18, 0x1D, 0x24, 0x2A, 0x2E, 0x2F, 0x30, 0x31, 0x32, 0x38, 0x39,
        0x3A, 0x3B, 0x3D, 0x3F, 0x40, 0x41, 0x42, 0x4C, 0x55, 0x5D, 0x5F, 0x83, 0x89, 0x8A, 0x8B,
        0x8E, 0x8F, 0x93, 0x9A, 0x9C, 0xA4, 0xAA, 0xAE, 0xAF, 0xB0, 0xB1, 0xB2, 0xB5, 0xB6, 0xBF,
    ];
    const IN: &[u8] = &[
        0x03, 0x08, 0x12, 0x1A, 0x1C, 0x23, 0x25, 0x28, 0x37, 0x3C, 0x3E, 0x43, 0x44, 0x46, 0x4A,
        0x4D, 0x51, 0x52, 0x5A, 0x5E, 0x84, 0x86, 0x88, 0x95, 0x9E, 0xA0, 0xA2, 0xA3, 0xA8, 0xAB,
        0xAD, 0xB7, 0xB8, 0xB9, 0xBD, 0xBE,
    ];
    let &op = cdb.first()?;
    if matches!(op, RESERVE_6 | RELEASE_6 | RESERVE_10 | RELEASE_10) {
        return Some(Direction::None);
    }
    if op == VARIABLE_LENGTH {
        return match get_be(cdb, 8, 2) {
            0x0009 => Some(Direction::FromDev),
            0x000A..=0x000D => Some(Direction::ToDev),
            _ => None,
        };
    }
    if OUT.contains(&op) {
        Some(Direction::ToDev)
    } else if IN.contains(&op) {
        Some(Direction::FromDev)
    } else {
        None
    }
}

/// Hex dump, space separated.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lengths() {
        assert_eq!(group_len(TEST_UNIT_READY), Some(6));
        assert_eq!(group_len(READ_10), Some(10));
        assert_eq!(group_len(MODE_SENSE_10), Some(10));
        assert_eq!(group_len(VARIABLE_LENGTH), None);
        assert_eq!(group_len(READ_16), Some(16));
        assert_eq!(group_len(REPORT_LUNS), Some(12));
        assert_eq!(group_len(0xC0), None);
    }

    #[test]
    fn big_endian_fields() {
        let mut c = [0u8; 10];
        put_be(&mut c, 2, 4, 0x1234_5678);
        assert_eq!(&c[2..6], &[0x12, 0x34, 0x56, 0x78]);
        assert_eq!(get_be(&c, 2, 4), 0x1234_5678);
        // Past the end: cut, not a panic.
        put_be(&mut c, 8, 4, u64::MAX);
        assert_eq!(get_be(&c, 8, 4), 0xFFFF_0000);
        assert_eq!(hex(&c[..3]), "00 00 12");
    }

    #[test]
    fn standard_directions() {
        assert_eq!(standard_direction(&[READ_10]), Some(Direction::FromDev));
        assert_eq!(
            standard_direction(&[MODE_SELECT_10]),
            Some(Direction::ToDev)
        );
        assert_eq!(standard_direction(&[TEST_UNIT_READY]), None);
        assert_eq!(standard_direction(&[RESERVE_10]), Some(Direction::None));
        let mut read32 = [0u8; 32];
        read32[0] = VARIABLE_LENGTH;
        read32[9] = 0x09;
        assert_eq!(standard_direction(&read32), Some(Direction::FromDev));
        read32[9] = 0x0B;
        assert_eq!(standard_direction(&read32), Some(Direction::ToDev));
    }

    #[test]
    fn service_actions() {
        assert_eq!(service_action(&[MAINTENANCE_IN, 0xEC]), 0x0C);
        assert_eq!(service_action(&[READ_10, 0xFF]), 0);
    }
}
