// SPDX-License-Identifier: GPL-2.0

//! Commands that would change the device for good, so that the checks after
//! the run (TEST UNIT READY, fio verify, the same capacity) could fail with
//! no driver at fault, or that could harm a real disk. By default they are
//! not sent: some are dropped (the case draws again), some are sent with
//! the dangerous fields cleared. `--dangerous` sends everything as drawn.
//!
//! Writing random data is not in the list: the test overwrites the disk
//! with fio verify afterwards.

use crate::cdb::*;
use crate::generate::Case;
use crate::sgio::Direction;

/// The screening's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Send as drawn.
    Keep,
    /// Sent with fields cleared; says which.
    Sanitized(&'static str),
    /// Not sent; says why.
    Drop(&'static str),
}

/// Commands dropped, with the reason (documented in Documentation/sg-fuzz.rst).
pub const DROPPED: &[(u8, Option<u8>, &str, &str)] = &[
    (
        FORMAT_UNIT,
        None,
        "FORMAT UNIT",
        "reformats the medium, may change the block size",
    ),
    (
        FORMAT_WITH_PRESET,
        None,
        "FORMAT WITH PRESET",
        "reformats the medium",
    ),
    (
        SANITIZE,
        None,
        "SANITIZE",
        "erases the medium, can run for hours",
    ),
    (
        REASSIGN_BLOCKS,
        None,
        "REASSIGN BLOCKS",
        "remaps LBAs (a real disk loses their data)",
    ),
    (
        WRITE_LONG_10,
        None,
        "WRITE LONG(10)",
        "writes a block with its ECC or marks it unreadable",
    ),
    (
        SERVICE_ACTION_OUT_16,
        Some(SAO_WRITE_LONG_16),
        "WRITE LONG(16)",
        "writes a block with its ECC or marks it unreadable",
    ),
    (
        CHANGE_DEFINITION,
        None,
        "CHANGE DEFINITION",
        "changes the operating definition",
    ),
    (
        PERSISTENT_RESERVE_OUT,
        None,
        "PERSISTENT RESERVE OUT",
        "registrations and reservations outlive the run and can fence the disk off",
    ),
    (
        EXTENDED_COPY,
        None,
        "EXTENDED COPY, POPULATE TOKEN, WRITE USING TOKEN",
        "copies onto other logical units, which may be any disk of the system",
    ),
    (
        ATA_PASS_THROUGH_12,
        None,
        "ATA PASS-THROUGH(12)",
        "any ATA command on a SAT disk (SECURITY ERASE, DOWNLOAD MICROCODE, SET MAX ADDRESS)",
    ),
    (
        ATA_PASS_THROUGH_16,
        None,
        "ATA PASS-THROUGH(16)",
        "any ATA command on a SAT disk (SECURITY ERASE, DOWNLOAD MICROCODE, SET MAX ADDRESS)",
    ),
    (
        SECURITY_PROTOCOL_OUT,
        None,
        "SECURITY PROTOCOL OUT",
        "can lock or erase a self-encrypting disk",
    ),
    (
        ZBC_OUT,
        None,
        "ZBC OUT",
        "zone state changes make later writes of a zoned disk fail",
    ),
    (
        MAINTENANCE_OUT,
        Some(MO_SET_TARGET_PORT_GROUPS),
        "SET TARGET PORT GROUPS",
        "can put the port in standby or unavailable",
    ),
];

/// Screens `c` (default policy): drops or sanitizes dangerous commands.
pub fn screen(c: &mut Case) -> Screen {
    let op = c.cdb[0];
    let sa = service_action(&c.cdb);
    for &(o, s, name, _) in DROPPED {
        if o == op && s.is_none_or(|s| s == sa) {
            return Screen::Drop(name);
        }
    }
    match op {
        MODE_SELECT_6 | MODE_SELECT_10 => {
            // No saved pages, no block descriptor (its block length would
            // change the disk's), and the parameter data really sent (a
            // buffer sent in the other direction holds old data).
            c.cdb[1] &= !0x01;
            c.dir = Direction::ToDev;
            let bdl = if op == MODE_SELECT_6 { 3..4 } else { 6..8 };
            for i in bdl {
                if let Some(b) = c.payload.get_mut(i) {
                    *b = 0;
                }
            }
            Screen::Sanitized("MODE SELECT: no block descriptor, no saved pages")
        }
        START_STOP_UNIT => {
            // Start only: no stop, eject, or power condition.
            c.cdb[4] = (c.cdb[4] & 0x0C) | 0x01;
            Screen::Sanitized("START STOP UNIT: start only")
        }
        SEND_DIAGNOSTIC => {
            // No self-test, and the unit or device stays online.
            c.cdb[1] &= 0x10;
            Screen::Sanitized("SEND DIAGNOSTIC: no self-test, no offline")
        }
        WRITE_BUFFER if !matches!(c.cdb[1] & 0x1F, 0x00 | 0x01 | 0x02 | 0x0A) => {
            // The download (microcode) and other modes become the data mode.
            c.cdb[1] = (c.cdb[1] & 0xE0) | 0x02;
            Screen::Sanitized("WRITE BUFFER: data mode instead of a download mode")
        }
        _ => Screen::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{case, Config, Geometry, Origin};

    fn with(cdb: Vec<u8>, payload: Vec<u8>) -> Case {
        Case {
            index: 0,
            origin: Origin::Random,
            name: "test",
            len: payload.len(),
            cdb,
            dir: Direction::FromDev,
            payload,
            flags: 0,
            sense_max: 252,
            alloc_limit: None,
            sanitized: None,
            redraws: 0,
        }
    }

    #[test]
    fn destructive_commands_are_dropped() {
        for cdb in [
            vec![FORMAT_UNIT, 0, 0, 0, 0, 0],
            vec![SANITIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![PERSISTENT_RESERVE_OUT, 0x01, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![
                SERVICE_ACTION_OUT_16,
                0x11,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
            ],
            vec![MAINTENANCE_OUT, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            assert!(
                matches!(screen(&mut with(cdb.clone(), vec![])), Screen::Drop(_)),
                "{cdb:?}"
            );
        }
        // Other service actions of the same opcodes are fine.
        let mut c = with(
            vec![MAINTENANCE_OUT, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![],
        );
        assert_eq!(screen(&mut c), Screen::Keep);
    }

    #[test]
    fn mode_select_loses_its_block_descriptor() {
        let mut c = with(
            vec![MODE_SELECT_10, 0x11, 0, 0, 0, 0, 0, 0, 16, 0],
            vec![0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x10, 0],
        );
        assert!(matches!(screen(&mut c), Screen::Sanitized(_)));
        assert_eq!(c.cdb[1], 0x10);
        assert_eq!(&c.payload[6..8], &[0, 0]);
        assert_eq!(c.dir, Direction::ToDev);
        let mut c = with(
            vec![MODE_SELECT_6, 0x10, 0, 0, 12, 0],
            vec![0, 0, 0, 8, 0, 0, 0, 0],
        );
        screen(&mut c);
        assert_eq!(c.payload[3], 0);
    }

    #[test]
    fn start_stop_only_starts() {
        let mut c = with(vec![START_STOP_UNIT, 1, 0, 0, 0xF2, 0], vec![]);
        screen(&mut c);
        assert_eq!(c.cdb[4], 0x01);
    }

    #[test]
    fn no_dangerous_command_is_generated_by_default() {
        let geo = Geometry {
            last_lba: 4095,
            block_size: 512,
        };
        let cfg = Config {
            max_buffer: 65536,
            dangerous: false,
            match_direction: false,
        };
        let mut dropped = 0;
        for i in 0..20_000 {
            let mut c = case(77, i, &geo, &cfg);
            dropped += c.redraws;
            assert!(
                !matches!(screen(&mut c), Screen::Drop(_)),
                "case {i}: {:02x?}",
                c.cdb
            );
            if matches!(c.cdb[0], MODE_SELECT_6 | MODE_SELECT_10) {
                assert_eq!(c.dir, Direction::ToDev);
            }
        }
        assert!(dropped > 0);
        // With --dangerous they do come up.
        let cfg = Config {
            dangerous: true,
            ..cfg
        };
        let n = (0..20_000)
            .filter(|&i| matches!(screen(&mut case(77, i, &geo, &cfg)), Screen::Drop(_)))
            .count();
        assert!(n > 0);
    }
}
