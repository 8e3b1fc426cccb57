// SPDX-License-Identifier: GPL-2.0

mod common;
use common::*;

fn full() -> Sense {
    Sense::invalid_cdb_field(7, Some(3)).with_info(0x1234_5678)
}

#[test]
fn key_from_u8_covers_all() {
    for v in 0u8..=0xFF {
        assert_eq!(SenseKey::from_u8(v) as u8, v & 0x0F);
    }
}

#[test]
fn fixed_layout() {
    let mut b = [0xAAu8; 32];
    let n = full().write_fixed(&mut b);
    assert_eq!(n, 18);
    assert_eq!(b[0], 0xF0); // VALID + 0x70
    assert_eq!(b[2], 0x05);
    assert_eq!(be32(&b, 3), 0x1234_5678);
    assert_eq!(b[7], 10);
    assert_eq!((b[12], b[13]), (0x24, 0x00));
    assert_eq!(b[15], 0x80 | 0x40 | 0x08 | 3);
    assert_eq!(be16(&b, 16), 7);
    assert_eq!(b[18], 0xAA, "must not write past 18 bytes");
}

#[test]
fn fixed_large_info_not_valid() {
    let s = Sense::new(SenseKey::MediumError, sense::UNRECOVERED_READ_ERROR).with_info(1 << 40);
    let mut b = [0u8; 18];
    s.write_fixed(&mut b);
    assert_eq!(b[0], 0x70);
    let p = parse(&b).unwrap();
    assert_eq!(p.sense.info, None);
    assert_eq!(p.sense.key, SenseKey::MediumError);
}

#[test]
fn descriptor_layout() {
    let mut b = [0u8; 64];
    let s = full().with_info(0x0102_0304_0506_0708);
    let n = s.write_descriptor(&mut b);
    assert_eq!(n, 28);
    assert_eq!(n, s.descriptor_len());
    assert_eq!(&b[..8], &[0x72, 0x05, 0x24, 0x00, 0, 0, 0, 20]);
    assert_eq!(&b[8..12], &[0x00, 0x0A, 0x80, 0x00]);
    assert_eq!(be64(&b, 12), 0x0102_0304_0506_0708);
    assert_eq!(&b[20..24], &[0x02, 0x06, 0, 0]);
    assert_eq!(b[24], 0xCB);
    assert_eq!(be16(&b, 25), 7);
}

#[test]
fn descriptor_minimal() {
    let s = Sense::new(SenseKey::UnitAttention, sense::POWER_ON_RESET);
    let mut b = [0u8; 8];
    assert_eq!(s.write_descriptor(&mut b), 8);
    assert_eq!(b, [0x72, 6, 0x29, 0, 0, 0, 0, 0]);
}

#[test]
fn round_trip_both_formats() {
    let cases = [
        Sense::new(SenseKey::NoSense, sense::NO_ADDITIONAL_SENSE),
        Sense::new(SenseKey::NotReady, sense::LUN_NOT_READY_INIT_REQUIRED),
        Sense::new(SenseKey::MediumError, sense::WRITE_ERROR).with_info(99),
        Sense::invalid_param_field(300, None),
        Sense::invalid_cdb_field(1, Some(0)),
        Sense::illegal(sense::LBA_OUT_OF_RANGE).with_field(true, 2, None),
        Sense::new(SenseKey::Miscompare, sense::MISCOMPARE_DURING_VERIFY)
            .with_info(u32::MAX as u64),
        Sense::new(SenseKey::Completed, AscAscq::new(0xFF, 0xFF)),
    ];
    for s in cases {
        for desc in [false, true] {
            let mut b = [0u8; 64];
            let n = s.write(desc, &mut b);
            let p = parse(&b[..n]).unwrap();
            assert_eq!(p.sense, s, "desc={desc}");
            assert_eq!(p.is_descriptor(), desc);
            assert!(!p.is_deferred());
        }
    }
}

#[test]
fn field_pointer_ignored_for_other_keys() {
    let mut s = Sense::new(SenseKey::NotReady, sense::LUN_NOT_READY_INIT_REQUIRED);
    s.field = Some(FieldPointer {
        in_cdb: true,
        byte: 1,
        bit: None,
    });
    let mut b = [0u8; 32];
    let n = s.write_fixed(&mut b);
    assert_eq!(parse(&b[..n]).unwrap().sense.field, None);
}

#[test]
fn truncation_never_panics() {
    let s = full().with_info(u64::MAX);
    for len in 0..40 {
        let mut b = vec![0u8; len];
        assert_eq!(s.write_fixed(&mut b), len.min(18));
        let _ = parse(&b);
        let mut b = vec![0u8; len];
        assert_eq!(s.write_descriptor(&mut b), len.min(28));
        let _ = parse(&b);
    }
}

#[test]
fn parse_truncated_fixed_uses_available() {
    let mut b = [0u8; 18];
    Sense::new(SenseKey::IllegalRequest, sense::INVALID_COMMAND_OPCODE).write_fixed(&mut b);
    let p = parse(&b[..13]).unwrap();
    assert_eq!(p.sense.key, SenseKey::IllegalRequest);
    assert_eq!(p.sense.asc, 0x20);
    let p = parse(&b[..3]).unwrap();
    assert_eq!(p.sense.key, SenseKey::IllegalRequest);
    assert_eq!(p.sense.asc, 0);
}

#[test]
fn parse_deferred_and_unknown() {
    let b = [
        0x71u8, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0x00, 0, 0, 0, 0,
    ];
    let p = parse(&b).unwrap();
    assert!(p.is_deferred());
    assert_eq!(p.sense.key, SenseKey::MediumError);
    assert_eq!(
        parse(&[0x73, 2, 4, 2, 0, 0, 0, 0]).unwrap().sense.code(),
        sense::LUN_NOT_READY_INIT_REQUIRED
    );
    assert!(parse(&[]).is_none());
    assert!(parse(&[0x00, 0, 0]).is_none());
    assert!(parse(&[0x7F]).is_none());
}

#[test]
fn parse_descriptor_skips_unknown_and_bad_descriptors() {
    // Unknown descriptor type 0x05 followed by an info descriptor.
    let mut b = vec![0x72, 0x03, 0x11, 0x00, 0, 0, 0, 0];
    b.extend_from_slice(&[0x05, 0x02, 0xEE, 0xEE]);
    b.extend_from_slice(&[0x00, 0x0A, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0x10, 0x00]);
    b[7] = (b.len() - 8) as u8;
    let p = parse(&b).unwrap();
    assert_eq!(p.sense.info, Some(0x1000));
    // Descriptor claiming more than available: ignored, no panic.
    let b = [0x72, 0x05, 0x24, 0x00, 0, 0, 0, 250, 0x00, 0xFF, 0x80];
    let p = parse(&b).unwrap();
    assert_eq!(p.sense.info, None);
    assert_eq!(p.sense.code(), sense::INVALID_FIELD_IN_CDB);
}
