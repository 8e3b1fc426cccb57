// SPDX-License-Identifier: GPL-2.0

mod common;
use common::*;
use emu::mode_pages::ModeSenseArgs;

/// Runs MODE SENSE for `page` with DBD and returns just the page bytes.
fn sensed_page(l: &LunConfig, page: u8) -> Vec<u8> {
    let mut b = [0u8; 256];
    let a = ModeSenseArgs {
        ten: false,
        dbd: true,
        llbaa: false,
        pc: 0,
        page,
        subpage: 0,
    };
    let n = emu::respond_mode_sense(l, &a, &mut b).unwrap();
    b[4..n].to_vec()
}

/// Builds a MODE SELECT(6) list like the kernel's scsi_mode_select.
fn list6(pages: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0];
    v.extend_from_slice(pages);
    v
}

fn list10(pages: &[u8]) -> Vec<u8> {
    let mut v = vec![0; 8];
    v.extend_from_slice(pages);
    v
}

fn apply(l: &mut LunConfig, o: emu::ModeSelectOutcome) {
    l.write_cache = o.write_cache;
    l.d_sense = o.d_sense;
}

#[test]
fn wce_toggle_round_trip() {
    let mut l = lun512();
    assert!(l.write_cache);
    // The sd cache_type_store flow: sense page 8, clear PS, flip WCE, select.
    let mut p = sensed_page(&l, 0x08);
    p[0] &= !0x80;
    p[2] &= !0x04;
    let o = emu::parse_mode_select(&l, false, &list6(&p)).unwrap();
    assert!(!o.write_cache);
    assert!(o.changed);
    apply(&mut l, o);
    assert_eq!(sensed_page(&l, 0x08)[2] & 0x04, 0);
    // And back on through MODE SELECT(10).
    let mut p = sensed_page(&l, 0x08);
    p[2] |= 0x04;
    let o = emu::parse_mode_select(&l, true, &list10(&p)).unwrap();
    assert!(o.write_cache && o.changed);
    apply(&mut l, o);
    assert_eq!(sensed_page(&l, 0x08)[2] & 0x04, 0x04);
    // Same values again: no change.
    let o = emu::parse_mode_select(&l, true, &list10(&p)).unwrap();
    assert!(!o.changed);
}

#[test]
fn d_sense_toggle_and_both_pages() {
    let l = lun512();
    let mut c = sensed_page(&l, 0x08);
    c[2] &= !0x04;
    let mut k = sensed_page(&l, 0x0A);
    k[2] |= 0x04;
    let mut pages = c.clone();
    pages.extend_from_slice(&k);
    let o = emu::parse_mode_select(&l, false, &list6(&pages)).unwrap();
    assert_eq!((o.write_cache, o.d_sense, o.changed), (false, true, true));
}

#[test]
fn other_bit_changes_rejected() {
    let l = lun512();
    let p = sensed_page(&l, 0x08);
    for byte in 2..p.len() {
        for bit in 0..8 {
            if byte == 2 && bit == 2 {
                continue;
            }
            let mut q = p.clone();
            q[byte] ^= 1 << bit;
            let s = emu::parse_mode_select(&l, false, &list6(&q)).unwrap_err();
            assert_eq!(s.code(), sense::INVALID_FIELD_IN_PARAM_LIST);
            assert_eq!(
                s.field,
                Some(FieldPointer {
                    in_cdb: false,
                    byte: 4 + byte as u16,
                    bit: Some(bit)
                })
            );
        }
    }
    let p = sensed_page(&l, 0x0A);
    let mut q = p.clone();
    q[3] ^= 0x10; // queue algorithm modifier
    let s = emu::parse_mode_select(&l, true, &list10(&q)).unwrap_err();
    assert_eq!(
        s.field,
        Some(FieldPointer {
            in_cdb: false,
            byte: 8 + 3,
            bit: Some(4)
        })
    );
}

#[test]
fn page_level_errors() {
    let l = lun512();
    let p = sensed_page(&l, 0x08);
    // Wrong page length.
    let mut q = p.clone();
    q[1] = 10;
    q.truncate(12);
    let s = emu::parse_mode_select(&l, false, &list6(&q)).unwrap_err();
    assert_eq!(s.field.unwrap().byte, 5);
    // Unsupported page.
    let s = emu::parse_mode_select(&l, false, &list6(&[0x1C, 2, 0, 0])).unwrap_err();
    assert_eq!(s.code(), sense::INVALID_FIELD_IN_PARAM_LIST);
    assert_eq!(s.field.unwrap().byte, 4);
    // SPF (subpage format).
    let s = emu::parse_mode_select(&l, false, &list6(&[0x48, 2, 0, 0])).unwrap_err();
    assert_eq!(
        s.field,
        Some(FieldPointer {
            in_cdb: false,
            byte: 4,
            bit: Some(6)
        })
    );
    // Truncated page.
    let s = emu::parse_mode_select(&l, false, &list6(&p[..10])).unwrap_err();
    assert_eq!(s.code(), sense::PARAMETER_LIST_LENGTH_ERROR);
    let s = emu::parse_mode_select(&l, false, &list6(&[0x08])).unwrap_err();
    assert_eq!(s.code(), sense::PARAMETER_LIST_LENGTH_ERROR);
    // PS bit is ignored.
    let mut q = p.clone();
    q[0] |= 0x80;
    assert!(emu::parse_mode_select(&l, false, &list6(&q)).is_ok());
}

#[test]
fn header_and_block_descriptor() {
    let l = lun4k();
    assert_eq!(
        emu::parse_mode_select(&l, false, &[]),
        Ok(emu::ModeSelectOutcome {
            write_cache: true,
            d_sense: false,
            changed: false
        })
    );
    // Header only.
    assert!(emu::parse_mode_select(&l, false, &[0, 0, 0, 0]).is_ok());
    assert_eq!(
        emu::parse_mode_select(&l, false, &[0, 0, 0])
            .unwrap_err()
            .code(),
        sense::PARAMETER_LIST_LENGTH_ERROR
    );
    assert_eq!(
        emu::parse_mode_select(&l, true, &[0; 7])
            .unwrap_err()
            .code(),
        sense::PARAMETER_LIST_LENGTH_ERROR
    );
    // Medium type, WP.
    assert_eq!(
        emu::parse_mode_select(&l, false, &[0, 1, 0, 0])
            .unwrap_err()
            .field
            .unwrap()
            .byte,
        1
    );
    assert_eq!(
        emu::parse_mode_select(&l, false, &[0, 0, 0x80, 0])
            .unwrap_err()
            .field,
        Some(FieldPointer {
            in_cdb: false,
            byte: 2,
            bit: Some(7)
        })
    );
    // DPOFUA echoed back is fine.
    assert!(emu::parse_mode_select(&l, false, &[0, 0, 0x10, 0]).is_ok());
    // Short block descriptor echoing the sensed one, then the caching page.
    let mut v = vec![0, 0, 0, 8];
    v.extend_from_slice(&(l.capacity_blocks as u32).to_be_bytes());
    v.extend_from_slice(&[0, 0, 0x10, 0]);
    v.extend_from_slice(&sensed_page(&l, 0x08));
    assert!(emu::parse_mode_select(&l, false, &v).is_ok());
    // Number of blocks 0 = unchanged.
    let mut w = v.clone();
    w[4..8].copy_from_slice(&[0; 4]);
    assert!(emu::parse_mode_select(&l, false, &w).is_ok());
    // Different capacity / block length.
    let mut w = v.clone();
    w[7] ^= 1;
    assert_eq!(
        emu::parse_mode_select(&l, false, &w)
            .unwrap_err()
            .field
            .unwrap()
            .byte,
        4
    );
    let mut w = v.clone();
    w[10] = 0x02;
    assert_eq!(
        emu::parse_mode_select(&l, false, &w)
            .unwrap_err()
            .field
            .unwrap()
            .byte,
        9
    );
    // Bad block descriptor length; block descriptor past the end.
    assert_eq!(
        emu::parse_mode_select(&l, false, &[0, 0, 0, 4, 0, 0, 0, 0])
            .unwrap_err()
            .field
            .unwrap()
            .byte,
        3
    );
    assert_eq!(
        emu::parse_mode_select(&l, false, &[0, 0, 0, 8, 0])
            .unwrap_err()
            .code(),
        sense::PARAMETER_LIST_LENGTH_ERROR
    );
    // Long descriptor in MODE SELECT(10).
    let mut v = vec![0, 0, 0, 0, 1, 0, 0, 16];
    v.extend_from_slice(&l.capacity_blocks.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 0]);
    v.extend_from_slice(&4096u32.to_be_bytes());
    assert!(emu::parse_mode_select(&l, true, &v).is_ok());
    v[7] = 8;
    assert_eq!(
        emu::parse_mode_select(&l, true, &v)
            .unwrap_err()
            .field
            .unwrap()
            .byte,
        6
    );
}
