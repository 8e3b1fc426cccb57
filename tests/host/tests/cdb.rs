// SPDX-License-Identifier: GPL-2.0

mod common;
use orion_scsi_host_tests::proto::cdb::*;

#[test]
fn lengths_by_group() {
    assert_eq!(cdb_len_for_opcode(TEST_UNIT_READY), Some(6));
    assert_eq!(cdb_len_for_opcode(INQUIRY), Some(6));
    assert_eq!(cdb_len_for_opcode(READ_10), Some(10));
    assert_eq!(cdb_len_for_opcode(UNMAP), Some(10));
    assert_eq!(cdb_len_for_opcode(MODE_SENSE_10), Some(10));
    assert_eq!(cdb_len_for_opcode(0x7F), None);
    assert_eq!(cdb_len_for_opcode(READ_16), Some(16));
    assert_eq!(cdb_len_for_opcode(SERVICE_ACTION_IN_16), Some(16));
    assert_eq!(cdb_len_for_opcode(REPORT_LUNS), Some(12));
    assert_eq!(cdb_len_for_opcode(READ_12), Some(12));
    assert_eq!(cdb_len_for_opcode(0xC0), None);
    assert_eq!(cdb_len_for_opcode(0xE0), None);
}

#[test]
fn six_byte_lba_and_zero_length() {
    let c = [READ_6, 0xFF, 0x12, 0x34, 0, 0];
    assert_eq!(
        lba_len_6(&c),
        Some(LbaLen {
            lba: 0x1F_1234,
            blocks: 256
        })
    );
    let c = [WRITE_6, 0x01, 0x00, 0x02, 7, 0];
    assert_eq!(
        lba_len(&c),
        Some(LbaLen {
            lba: 0x1_0002,
            blocks: 7
        })
    );
}

#[test]
fn ten_twelve_sixteen() {
    let c = common::cdb10(READ_10, 0, 0xDEAD_BEEF, 0x1234);
    assert_eq!(
        lba_len(&c),
        Some(LbaLen {
            lba: 0xDEAD_BEEF,
            blocks: 0x1234
        })
    );
    let c = common::cdb12(VERIFY_12, 0, 5, 0x0102_0304);
    assert_eq!(
        lba_len(&c),
        Some(LbaLen {
            lba: 5,
            blocks: 0x0102_0304
        })
    );
    let c = common::cdb16(WRITE_SAME_16, 0, 0x0102_0304_0506_0708, 9);
    assert_eq!(
        lba_len(&c),
        Some(LbaLen {
            lba: 0x0102_0304_0506_0708,
            blocks: 9
        })
    );
    let c = common::cdb16(SYNCHRONIZE_CACHE_16, 0, 1, 0);
    assert_eq!(lba_len(&c), Some(LbaLen { lba: 1, blocks: 0 }));
    let c = common::cdb10(SYNCHRONIZE_CACHE_10, 0, 1, 2);
    assert_eq!(lba_len(&c), Some(LbaLen { lba: 1, blocks: 2 }));
}

#[test]
fn short_or_foreign_cdbs() {
    assert_eq!(lba_len(&[]), None);
    assert_eq!(lba_len(&[READ_10, 0, 0]), None);
    assert_eq!(lba_len(&[READ_16; 13]), None);
    assert_eq!(lba_len(&[INQUIRY, 0, 0, 0, 0, 0]), None);
    assert_eq!(lba_len_offsets(INQUIRY), None);
    assert_eq!(
        lba_len_offsets(WRITE_12),
        Some(LbaLenOffsets { lba: 2, len: 6 })
    );
}
