// SPDX-License-Identifier: GPL-2.0

//! CRC32C digests: the examples of RFC 7143 appendix B.4 (wire byte
//! order), the common check value, and pieces adding up to the whole.

use orion_scsi_host_tests::iscsi::pdu::digest::{digest, Crc32c, Soft};

#[test]
fn rfc_7143_examples() {
    let zeros = [0u8; 32];
    let ones = [0xffu8; 32];
    let incrementing: Vec<u8> = (0..32).collect();
    let decrementing: Vec<u8> = (0..32).rev().collect();
    assert_eq!(digest::<Soft>(&zeros), [0xaa, 0x36, 0x91, 0x8a]);
    assert_eq!(digest::<Soft>(&ones), [0x43, 0xab, 0xa8, 0x62]);
    assert_eq!(digest::<Soft>(&incrementing), [0x4e, 0x79, 0xdd, 0x46]);
    assert_eq!(digest::<Soft>(&decrementing), [0x5c, 0xdb, 0x3f, 0x11]);
}

#[test]
fn rfc_7143_read_command_pdu() {
    let mut pdu = [0u8; 48];
    pdu[0] = 0x01;
    pdu[1] = 0xc0;
    pdu[16] = 0x14;
    pdu[22] = 0x04;
    pdu[27] = 0x14;
    pdu[31] = 0x18;
    pdu[32] = 0x28;
    pdu[40] = 0x02;
    assert_eq!(digest::<Soft>(&pdu), [0x56, 0x3a, 0x96, 0xd9]);
}

#[test]
fn check_value() {
    let mut c = Crc32c::<Soft>::new();
    c.update(b"123456789");
    assert_eq!(c.value(), 0xe306_9283);
}

#[test]
fn pieces_add_up_and_mismatch_is_seen() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
    let whole = digest::<Soft>(&data);
    for cut in [0, 1, 3, 4, 500, 999, 1000] {
        let mut c = Crc32c::<Soft>::new();
        c.update(&data[..cut]);
        c.update(&data[cut..]);
        assert_eq!(c.bytes(), whole, "cut at {cut}");
        assert!(c.matches(&whole));
    }
    let mut flipped = data.clone();
    flipped[500] ^= 1;
    assert_ne!(digest::<Soft>(&flipped), whole);
    assert!(!Crc32c::<Soft>::new().matches(&whole));
    assert!(!Crc32c::<Soft>::new().matches(&whole[..3]));
}
