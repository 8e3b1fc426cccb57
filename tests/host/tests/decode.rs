// SPDX-License-Identifier: GPL-2.0

mod common;
use common::*;
use orion_scsi_host_tests::proto::cdb::{self, DataDirection};

const IR: SenseKey = SenseKey::IllegalRequest;

#[test]
fn tur_inquiry_request_sense() {
    let l = lun512();
    assert_eq!(decode(&[0, 0, 0, 0, 0, 0], &l), Ok(Command::TestUnitReady));
    assert_eq!(
        decode(&[0x12, 0, 0, 0x01, 0x00, 0], &l),
        Ok(Command::Inquiry {
            evpd: false,
            page: 0,
            alloc_len: 256
        })
    );
    assert_eq!(
        decode(&[0x12, 1, 0xB0, 0, 64, 0], &l),
        Ok(Command::Inquiry {
            evpd: true,
            page: 0xB0,
            alloc_len: 64
        })
    );
    assert_eq!(
        decode(&[0x03, 1, 0, 0, 252, 0], &l),
        Ok(Command::RequestSense {
            desc: true,
            alloc_len: 252
        })
    );
}

#[test]
fn longer_buffer_is_fine() {
    let mut c = [0u8; 32];
    c[0] = 0x12;
    c[4] = 36;
    c[10] = 0xFF; // beyond the 6-byte CDB: ignored
    assert!(decode(&c, &lun512()).is_ok());
}

#[test]
fn inquiry_errors() {
    let l = lun512();
    assert_invalid_cdb(decode(&[0x12, 0, 0x80, 0, 36, 0], &l), 2, Some(7)); // page w/o EVPD
    assert_invalid_cdb(decode(&[0x12, 1, 0x89, 0, 36, 0], &l), 2, Some(7)); // unsupported VPD
    assert_invalid_cdb(decode(&[0x12, 2, 0, 0, 36, 0], &l), 1, Some(1)); // CmdDt
}

#[test]
fn unknown_opcode_and_service_action() {
    let l = lun512();
    assert_sense(
        decode(&[0x4D, 0, 0, 0, 0, 0, 0, 0, 0, 0], &l),
        IR,
        sense::INVALID_COMMAND_OPCODE,
    );
    assert_sense(decode(&[0x7F; 32], &l), IR, sense::INVALID_COMMAND_OPCODE);
    assert_sense(decode(&[], &l), IR, sense::INVALID_COMMAND_OPCODE);
    let mut c = [0u8; 16];
    c[0] = 0x9E;
    c[1] = 0x12; // GET LBA STATUS
    assert_invalid_cdb(decode(&c, &l), 1, Some(4));
    let mut c = [0u8; 12];
    c[0] = 0xA3;
    c[1] = 0x0D;
    assert_invalid_cdb(decode(&c, &l), 1, Some(4));
}

#[test]
fn short_cdb() {
    assert_sense(
        decode(&[0x28, 0, 0, 0], &lun512()),
        IR,
        sense::INVALID_FIELD_IN_CDB,
    );
}

#[test]
fn control_byte_naca_and_link() {
    let l = lun512();
    assert_invalid_cdb(decode(&[0, 0, 0, 0, 0, 0x04], &l), 5, Some(2));
    assert_invalid_cdb(decode(&[0, 0, 0, 0, 0, 0x01], &l), 5, Some(0));
    let mut c = cdb10(0x28, 0, 0, 1);
    c[9] = 0x04;
    assert_invalid_cdb(decode(&c, &l), 9, Some(2));
    // Vendor-specific control bits are accepted.
    assert!(decode(&[0, 0, 0, 0, 0, 0xC0], &l).is_ok());
}

#[test]
fn reserved_bits() {
    let l = lun512();
    assert_invalid_cdb(decode(&[0, 0, 0x10, 0, 0, 0], &l), 2, Some(4));
    let mut c = cdb10(0x28, 0, 0, 1);
    c[6] = 0x20; // above GROUP NUMBER
    assert_invalid_cdb(decode(&c, &l), 6, Some(5));
    let c = cdb10(0x2A, 0x04, 0, 1); // WRITE(10) bit 2 reserved
    assert_invalid_cdb(decode(&c, &l), 1, Some(2));
}

#[test]
fn read_write_all_sizes() {
    let l = lun512();
    assert_eq!(
        decode(&[0x08, 0, 0, 5, 0, 0], &l),
        Ok(Command::Read {
            lba: 5,
            blocks: 256,
            fua: false
        })
    );
    assert_eq!(
        decode(&[0x0A, 0, 0, 5, 3, 0], &l),
        Ok(Command::Write {
            lba: 5,
            blocks: 3,
            fua: false
        })
    );
    assert_eq!(
        decode(&cdb10(0x28, 0x08, 100, 8), &l),
        Ok(Command::Read {
            lba: 100,
            blocks: 8,
            fua: true
        })
    );
    assert_eq!(
        decode(&cdb10(0x2A, 0x10, 100, 8), &l),
        Ok(Command::Write {
            lba: 100,
            blocks: 8,
            fua: false
        })
    );
    assert_eq!(
        decode(&cdb12(0xA8, 0, 7, 1), &l),
        Ok(Command::Read {
            lba: 7,
            blocks: 1,
            fua: false
        })
    );
    assert_eq!(
        decode(&cdb12(0xAA, 0x08, 7, 1), &l),
        Ok(Command::Write {
            lba: 7,
            blocks: 1,
            fua: true
        })
    );
    assert_eq!(
        decode(&cdb16(0x88, 0, 9, 2), &l),
        Ok(Command::Read {
            lba: 9,
            blocks: 2,
            fua: false
        })
    );
    assert_eq!(
        decode(&cdb16(0x8A, 0x08, 9, 2), &l),
        Ok(Command::Write {
            lba: 9,
            blocks: 2,
            fua: true
        })
    );
    // Zero-length 10-byte transfer: no data phase.
    let c = decode(&cdb10(0x28, 0, 0, 0), &l).unwrap();
    assert_eq!(c.data_direction(), DataDirection::None);
    assert_eq!(c.transfer_len(512), 0);
}

#[test]
fn read_write_directions_and_lengths() {
    let l4 = lun4k();
    let r = decode(&cdb16(0x88, 0, 0, 3), &l4).unwrap();
    assert_eq!(r.data_direction(), DataDirection::FromDevice);
    assert_eq!(r.transfer_len(l4.block_size), 3 * 4096);
    let w = decode(&cdb10(0x2A, 0, 0, 3), &l4).unwrap();
    assert_eq!(w.data_direction(), DataDirection::ToDevice);
    assert_eq!(w.transfer_len(512), 1536);
}

#[test]
fn lba_out_of_range() {
    let l = lun512();
    let cap = l.capacity_blocks;
    // Last block OK, one past not.
    assert!(decode(&cdb16(0x88, 0, cap - 1, 1), &l).is_ok());
    let s = assert_sense(
        decode(&cdb16(0x88, 0, cap - 1, 2), &l),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
    assert_eq!(
        s.field,
        Some(FieldPointer {
            in_cdb: true,
            byte: 2,
            bit: None
        })
    );
    // Overflowing LBA + length.
    assert_sense(
        decode(&cdb16(0x8A, 0, u64::MAX, 2), &l),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
    // READ(6) on a tiny LUN.
    let tiny = LunConfig::new(0, 0, 0, 512, 10).unwrap();
    let s = assert_sense(
        decode(&[0x08, 0, 0, 5, 6, 0], &tiny),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
    assert_eq!(s.field.unwrap().byte, 1);
    assert!(decode(&[0x08, 0, 0, 5, 5, 0], &tiny).is_ok());
    assert_sense(
        decode(&[0x08, 0, 0, 0, 0, 0], &tiny),
        IR,
        sense::LBA_OUT_OF_RANGE,
    ); // 256 blocks
}

#[test]
fn max_transfer_length() {
    let l = lun512();
    let max = l.limits.max_transfer_blocks;
    assert!(decode(&cdb16(0x88, 0, 0, max), &l).is_ok());
    assert_invalid_cdb(decode(&cdb16(0x88, 0, 0, max + 1), &l), 10, None);
    assert_invalid_cdb(decode(&cdb12(0xAA, 0, 0, max + 1), &l), 6, None);
    // VERIFY without data transfer is not limited.
    assert!(decode(&cdb16(0x8F, 0, 0, max + 1), &l).is_ok());
    assert_invalid_cdb(decode(&cdb16(0x8F, 0x02, 0, max + 1), &l), 10, None);
}

/// VERIFY with BYTCHK 3 compares one data-out block against every block of
/// the range, so its work grows with VERIFICATION LENGTH, not with the data
/// transferred: it is bounded by MAXIMUM TRANSFER LENGTH like BYTCHK 1.
#[test]
fn verify_bytchk3_bounded_by_max_transfer() {
    let l = lun512();
    let max = l.limits.max_transfer_blocks;
    assert!(decode(&cdb16(0x8F, 0x06, 0, max), &l).is_ok());
    assert_invalid_cdb(decode(&cdb16(0x8F, 0x06, 0, max + 1), &l), 10, None);
    assert_invalid_cdb(decode(&cdb12(0xAF, 0x06, 0, max + 1), &l), 6, None);
    let ten = u16::try_from(max + 1).unwrap();
    assert_invalid_cdb(decode(&cdb10(0x2F, 0x06, 0, ten), &l), 7, None);
    // BYTCHK 0 compares nothing: only the LBA range is checked.
    assert!(decode(&cdb10(0x2F, 0, 0, ten), &l).is_ok());
}

/// WRITE SAME covers at most 1 MiB of blocks, whatever UNMAP and NDOB say,
/// so one command never allocates or frees more than a WRITE would.
#[test]
fn write_same_bounded_to_one_mib() {
    for (l, max) in [(lun512(), 2048u32), (lun4k(), 256)] {
        assert!(decode(&cdb16(0x93, 0, 0, max), &l).is_ok());
        for b1 in [0x00, 0x08, 0x09] {
            assert_invalid_cdb(decode(&cdb16(0x93, b1, 0, max + 1), &l), 10, None);
        }
        let ten = u16::try_from(max + 1).unwrap();
        assert_invalid_cdb(decode(&cdb10(0x41, 0x08, 0, ten), &l), 7, None);
        assert!(decode(&cdb10(0x41, 0x08, 0, ten - 1), &l).is_ok());
    }
}

#[test]
fn protection_fields_rejected() {
    let l = lun512();
    assert_invalid_cdb(decode(&cdb10(0x28, 0x20, 0, 1), &l), 1, Some(7));
    assert_invalid_cdb(decode(&cdb16(0x8A, 0x60, 0, 1), &l), 1, Some(7));
    assert_invalid_cdb(decode(&cdb12(0xAF, 0x80, 0, 1), &l), 1, Some(7));
    assert_invalid_cdb(decode(&cdb10(0x41, 0x20, 0, 1), &l), 1, Some(7));
}

#[test]
fn verify() {
    let l = lun512();
    let v = decode(&cdb10(0x2F, 0, 10, 4), &l).unwrap();
    assert_eq!(
        v,
        Command::Verify {
            lba: 10,
            blocks: 4,
            bytchk: 0
        }
    );
    assert_eq!(v.data_direction(), DataDirection::None);
    let v = decode(&cdb12(0xAF, 0x02, 10, 4), &l).unwrap();
    assert_eq!(v.transfer_len(512), 2048);
    assert_eq!(v.data_direction(), DataDirection::ToDevice);
    let v = decode(&cdb16(0x8F, 0x06, 10, 4), &l).unwrap();
    assert_eq!(
        v,
        Command::Verify {
            lba: 10,
            blocks: 4,
            bytchk: 3
        }
    );
    assert_eq!(v.transfer_len(512), 512);
    assert_invalid_cdb(decode(&cdb10(0x2F, 0x04, 10, 4), &l), 1, Some(2));
    assert_sense(
        decode(&cdb10(0x2F, 0, u32::MAX, 4), &l),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
}

#[test]
fn sync_cache() {
    let l = lun512();
    assert_eq!(
        decode(&cdb10(0x35, 0x02, 0, 0), &l),
        Ok(Command::SyncCache {
            lba: 0,
            blocks: 0,
            immed: true
        })
    );
    let c = decode(&cdb16(0x91, 0, 5, 5), &l).unwrap();
    assert_eq!(
        c,
        Command::SyncCache {
            lba: 5,
            blocks: 5,
            immed: false
        }
    );
    assert_eq!(c.data_direction(), DataDirection::None);
    assert_sense(
        decode(&cdb16(0x91, 0, l.capacity_blocks, 0), &l),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
    assert!(decode(&cdb16(0x91, 0, l.capacity_blocks - 1, 0), &l).is_ok());
}

#[test]
fn write_same() {
    let l = lun512();
    let c = decode(&cdb16(0x93, 0x08, 8, 16), &l).unwrap();
    assert_eq!(
        c,
        Command::WriteSame {
            lba: 8,
            blocks: 16,
            unmap: true,
            ndob: false
        }
    );
    assert_eq!(c.data_direction(), DataDirection::ToDevice);
    assert_eq!(c.transfer_len(512), 512);
    let c = decode(&cdb16(0x93, 0x09, 8, 16), &l).unwrap();
    assert_eq!(
        c,
        Command::WriteSame {
            lba: 8,
            blocks: 16,
            unmap: true,
            ndob: true
        }
    );
    assert_eq!(c.data_direction(), DataDirection::None);
    assert_eq!(c.transfer_len(512), 0);
    let c = decode(&cdb10(0x41, 0x08, 8, 16), &l).unwrap();
    assert_eq!(
        c,
        Command::WriteSame {
            lba: 8,
            blocks: 16,
            unmap: true,
            ndob: false
        }
    );
    // ANCHOR.
    assert_invalid_cdb(decode(&cdb16(0x93, 0x18, 8, 16), &l), 1, Some(4));
    assert_invalid_cdb(decode(&cdb10(0x41, 0x10, 8, 16), &l), 1, Some(4));
    // NDOB bit is reserved in WRITE SAME(10); obsolete PBDATA/LBDATA rejected.
    assert_invalid_cdb(decode(&cdb10(0x41, 0x01, 8, 16), &l), 1, Some(0));
    assert_invalid_cdb(decode(&cdb16(0x93, 0x04, 8, 16), &l), 1, Some(2));
    // WSNZ and maximum.
    assert_invalid_cdb(decode(&cdb16(0x93, 0, 8, 0), &l), 10, None);
    let max = l.limits.max_write_same_blocks as u32;
    assert!(decode(&cdb16(0x93, 0, 0, max), &l).is_ok());
    assert_invalid_cdb(decode(&cdb16(0x93, 0, 0, max + 1), &l), 10, None);
    assert_sense(
        decode(&cdb16(0x93, 0, l.capacity_blocks - 1, 2), &l),
        IR,
        sense::LBA_OUT_OF_RANGE,
    );
}

#[test]
fn unmap_cdb() {
    let l = lun512();
    let mut c = [0u8; 10];
    c[0] = 0x42;
    c[8] = 24;
    let u = decode(&c, &l).unwrap();
    assert_eq!(
        u,
        Command::Unmap {
            param_len: 24,
            anchor: false
        }
    );
    assert_eq!(u.data_direction(), DataDirection::ToDevice);
    assert_eq!(u.transfer_len(512), 24);
    c[1] = 1;
    assert_invalid_cdb(decode(&c, &l), 1, Some(0));
    c[1] = 0;
    c[8] = 0;
    assert_eq!(
        decode(&c, &l).unwrap().data_direction(),
        DataDirection::None
    );
}

#[test]
fn mode_sense() {
    let l = lun512();
    assert_eq!(
        decode(&[0x1A, 0x08, 0x08, 0, 0xFF, 0], &l),
        Ok(Command::ModeSense {
            ten: false,
            dbd: true,
            llbaa: false,
            pc: 0,
            page: 8,
            subpage: 0,
            alloc_len: 255
        })
    );
    let c = [0x5A, 0x10, 0x7F, 0xFF, 0, 0, 0, 0x10, 0x00, 0];
    assert_eq!(
        decode(&c, &l),
        Ok(Command::ModeSense {
            ten: true,
            dbd: false,
            llbaa: true,
            pc: 1,
            page: 0x3F,
            subpage: 0xFF,
            alloc_len: 4096
        })
    );
    // Unsupported page, subpage, saved values.
    assert_invalid_cdb(decode(&[0x1A, 0, 0x1C, 0, 0xFF, 0], &l), 2, Some(5));
    assert_invalid_cdb(decode(&[0x1A, 0, 0x0A, 0x05, 0xFF, 0], &l), 3, Some(7));
    let s = assert_sense(
        decode(&[0x1A, 0, 0xC8, 0, 0xFF, 0], &l),
        IR,
        sense::SAVING_PARAMETERS_NOT_SUPPORTED,
    );
    assert_eq!(s.field.unwrap().byte, 2);
    // LLBAA is reserved in MODE SENSE(6).
    assert_invalid_cdb(decode(&[0x1A, 0x10, 0x08, 0, 0xFF, 0], &l), 1, Some(4));
}

#[test]
fn mode_select() {
    let l = lun512();
    assert_eq!(
        decode(&[0x15, 0x10, 0, 0, 24, 0], &l),
        Ok(Command::ModeSelect {
            ten: false,
            pf: true,
            sp: false,
            param_len: 24
        })
    );
    let c = [0x55, 0x10, 0, 0, 0, 0, 0, 0x01, 0x00, 0];
    let d = decode(&c, &l).unwrap();
    assert_eq!(
        d,
        Command::ModeSelect {
            ten: true,
            pf: true,
            sp: false,
            param_len: 256
        }
    );
    assert_eq!(d.transfer_len(512), 256);
    assert_invalid_cdb(decode(&[0x15, 0x00, 0, 0, 24, 0], &l), 1, Some(4));
    assert_invalid_cdb(decode(&[0x15, 0x11, 0, 0, 24, 0], &l), 1, Some(0));
}

#[test]
fn start_stop() {
    let l = lun512();
    assert_eq!(
        decode(&[0x1B, 1, 0, 0, 0x03, 0], &l),
        Ok(Command::StartStopUnit {
            start: true,
            loej: true,
            immed: true,
            power_condition: 0
        })
    );
    assert_eq!(
        decode(&[0x1B, 0, 0, 0, 0x04, 0], &l),
        Ok(Command::StartStopUnit {
            start: false,
            loej: false,
            immed: false,
            power_condition: 0
        })
    );
    assert_invalid_cdb(decode(&[0x1B, 0, 0, 0, 0x31, 0], &l), 4, Some(7));
    assert_invalid_cdb(decode(&[0x1B, 0, 0, 0x01, 0x01, 0], &l), 3, Some(0));
}

#[test]
fn read_capacity() {
    let l = lun512();
    assert_eq!(
        decode(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], &l),
        Ok(Command::ReadCapacity10)
    );
    assert_invalid_cdb(decode(&[0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0], &l), 2, None);
    assert!(decode(&[0x25, 0, 0, 0, 0, 1, 0, 0, 1, 0], &l).is_ok()); // PMI
    let mut c = [0u8; 16];
    c[0] = 0x9E;
    c[1] = 0x10;
    c[13] = 32;
    let rc = decode(&c, &l).unwrap();
    assert_eq!(rc, Command::ReadCapacity16 { alloc_len: 32 });
    assert_eq!(rc.data_direction(), DataDirection::FromDevice);
    assert_eq!(rc.transfer_len(512), 32);
    c[9] = 1;
    assert_invalid_cdb(decode(&c, &l), 2, None);
}

#[test]
fn report_luns() {
    let l = lun512();
    let mut c = [0u8; 12];
    c[0] = 0xA0;
    c[2] = 2;
    c[9] = 16;
    assert_eq!(
        decode(&c, &l),
        Ok(Command::ReportLuns {
            select_report: 2,
            alloc_len: 16
        })
    );
    c[2] = 0x10;
    assert_invalid_cdb(decode(&c, &l), 2, Some(7));
    c[2] = 0;
    c[9] = 3;
    assert_invalid_cdb(decode(&c, &l), 6, None);
}

#[test]
fn report_supported_opcodes() {
    let l = lun512();
    let mk = |opts: u8, op: u8, sa: u16| {
        let mut c = [0u8; 12];
        c[0] = 0xA3;
        c[1] = 0x0C;
        c[2] = opts;
        c[3] = op;
        c[4..6].copy_from_slice(&sa.to_be_bytes());
        c[9] = 0xFF;
        c
    };
    assert_eq!(
        decode(&mk(0x80, 0, 0), &l),
        Ok(Command::ReportSupportedOpcodes {
            reporting_options: 0,
            opcode: 0,
            service_action: 0,
            rctd: true,
            alloc_len: 255
        })
    );
    assert!(decode(&mk(1, 0x93, 0), &l).is_ok());
    assert!(decode(&mk(2, 0x9E, 0x10), &l).is_ok());
    assert!(decode(&mk(3, 0x9E, 0x10), &l).is_ok());
    assert_invalid_cdb(decode(&mk(1, 0x9E, 0), &l), 3, None); // has service actions
    assert_invalid_cdb(decode(&mk(2, 0x28, 0), &l), 3, None); // has none
    assert_invalid_cdb(decode(&mk(4, 0, 0), &l), 2, Some(2));
    assert_invalid_cdb(decode(&mk(0x08, 0, 0), &l), 2, Some(3)); // reserved
}

#[test]
fn policy_helpers() {
    let l = lun512();
    let tur = decode(&[0; 6], &l).unwrap();
    assert!(tur.needs_medium());
    assert!(!tur.skips_unit_attention());
    let inq = decode(&[0x12, 0, 0, 0, 36, 0], &l).unwrap();
    assert!(!inq.needs_medium());
    assert!(inq.skips_unit_attention());
    assert!(decode(&[0x03, 0, 0, 0, 18, 0], &l)
        .unwrap()
        .skips_unit_attention());
    assert!(decode(&cdb10(0x28, 0, 0, 1), &l).unwrap().needs_medium());
    assert!(!decode(&[0x1B, 0, 0, 0, 1, 0], &l).unwrap().needs_medium());
    assert_eq!(emu::NOT_READY_SENSE.key, SenseKey::NotReady);
    assert_eq!(
        emu::NOT_READY_SENSE.code(),
        sense::LUN_NOT_READY_INIT_REQUIRED
    );
    let ua = emu::power_on_reset_ua();
    assert_eq!(
        (ua.key, ua.asc, ua.ascq),
        (SenseKey::UnitAttention, 0x29, 0x00)
    );
}

#[test]
fn every_supported_opcode_decodes_with_zero_fields_or_errors_cleanly() {
    // An all-zero CDB body for each supported opcode either decodes or
    // fails with ILLEGAL REQUEST; never INVALID COMMAND OPERATION CODE.
    let l = lun512();
    for info in emu::opcodes::SUPPORTED.iter() {
        let mut c = vec![0u8; info.usage.len()];
        c[0] = info.opcode;
        if let Some(sa) = info.service_action {
            c[1] = sa;
        }
        assert_eq!(
            cdb::cdb_len_for_opcode(info.opcode),
            Some(c.len()),
            "{:#x}",
            info.opcode
        );
        match decode(&c, &l) {
            Ok(_) => {}
            Err(s) => {
                assert_eq!(s.key, IR);
                assert_ne!(
                    s.code(),
                    sense::INVALID_COMMAND_OPCODE,
                    "{:#x}",
                    info.opcode
                );
            }
        }
    }
}
