// SPDX-License-Identifier: GPL-2.0

mod common;
use common::*;
use emu::mode_pages::ModeSenseArgs;

fn vpd(l: &LunConfig, page: u8) -> Vec<u8> {
    let mut b = [0u8; 512];
    let n = emu::respond_vpd(l, page, &mut b).unwrap();
    b[..n].to_vec()
}

#[test]
fn standard_inquiry() {
    let l = lun512();
    let mut b = [0u8; 256];
    let n = emu::respond_standard_inquiry(&l, &mut b);
    assert_eq!(n, 74);
    assert_eq!(b[0], 0x00);
    assert_eq!(b[1], 0x00); // RMB=0
    assert_eq!(b[2], 0x06);
    assert_eq!(b[3], 0x12);
    assert_eq!(b[4] as usize + 5, n);
    assert_eq!(b[7] & 0x02, 0x02);
    assert_eq!(&b[8..16], b"ORION   ");
    assert_eq!(&b[16..32], b"VIRTUAL DISK    ");
    assert_eq!(&b[32..36], b"0001");
    assert_eq!(be16(&b, 58), 0x00A0);
    assert_eq!(be16(&b, 60), 0x0460);
    assert_eq!(be16(&b, 62), 0x04C0);
    // Via the dispatcher, and page != 0 without EVPD fails.
    let mut b2 = [0u8; 256];
    assert_eq!(emu::respond_inquiry(&l, false, 0, &mut b2), Ok(74));
    assert_eq!(b[..74], b2[..74]);
    assert!(emu::respond_inquiry(&l, false, 0x80, &mut b2).is_err());
}

#[test]
fn inquiry_no_lun() {
    let mut b = [0u8; 64];
    let n = emu::respond_inquiry_no_lun(&mut b);
    assert_eq!(n, 36);
    assert_eq!(b[0], 0x7F);
    assert_eq!(b[4] as usize + 5, n);
}

#[test]
fn vpd_supported_pages() {
    let p = vpd(&lun512(), 0x00);
    assert_eq!(p, vec![0, 0, 0, 6, 0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2]);
}

#[test]
fn vpd_page_lengths_consistent() {
    let l = lun512();
    for &page in emu::vpd::SUPPORTED_VPD_PAGES.iter() {
        let p = vpd(&l, page);
        assert_eq!(p[1], page);
        assert_eq!(be16(&p, 2) as usize + 4, p.len(), "page {page:#x}");
    }
    let mut b = [0u8; 8];
    let s = emu::respond_vpd(&l, 0x89, &mut b).unwrap_err();
    assert_eq!(s.code(), sense::INVALID_FIELD_IN_CDB);
}

#[test]
fn vpd_serial_and_designators_unique() {
    let mut seen_naa = std::collections::HashSet::new();
    let mut seen_serial = std::collections::HashSet::new();
    for adapter in 0..3 {
        for target in 0..4 {
            for lun in 0..20 {
                let l = LunConfig::new(adapter, target, lun, 512, 1000).unwrap();
                let s = vpd(&l, 0x80);
                assert_eq!(s.len(), 4 + 16);
                assert!(s[4..].iter().all(|c| c.is_ascii_hexdigit()));
                assert!(seen_serial.insert(s[4..].to_vec()));
                let d = vpd(&l, 0x83);
                // First designator: binary, LU, NAA, 8 bytes, NAA type 5.
                assert_eq!(&d[4..8], &[0x01, 0x03, 0x00, 0x08]);
                assert_eq!(d[8] >> 4, 5);
                assert_eq!(be64(&d, 8), l.naa);
                assert!(seen_naa.insert(l.naa));
            }
        }
    }
}

#[test]
fn vpd_device_identification_walk() {
    let l = lun4k();
    let d = vpd(&l, 0x83);
    let mut off = 4;
    let mut types = vec![];
    while off < d.len() {
        types.push((d[off + 1] >> 4 & 3, d[off + 1] & 0xF));
        off += 4 + d[off + 3] as usize;
    }
    assert_eq!(off, d.len());
    assert_eq!(types, vec![(0, 3), (0, 1), (1, 4)]);
    // T10 vendor id contains vendor + serial.
    assert_eq!(&d[20..28], b"ORION   ");
    assert_eq!(&d[28..44], &l.serial());
}

#[test]
fn vpd_block_limits() {
    let l = lun512();
    let p = vpd(&l, 0xB0);
    assert_eq!(p.len(), 64);
    assert_eq!(p[4] & 1, 1); // WSNZ
    assert_eq!(be16(&p, 6), 8);
    assert_eq!(be32(&p, 8), l.limits.max_transfer_blocks);
    assert_eq!(be32(&p, 12), l.limits.optimal_transfer_blocks);
    assert_eq!(be32(&p, 20), l.limits.max_unmap_lba_count);
    assert_eq!(be32(&p, 24), l.limits.max_unmap_descriptors);
    assert_eq!(be32(&p, 28), l.limits.unmap_granularity);
    assert_eq!(be64(&p, 36), l.limits.max_write_same_blocks);
    assert_eq!(be32(&vpd(&lun4k(), 0xB0), 28), 1);
}

/// The Block Limits page bounds one command's work: transfers and WRITE
/// SAME to 1 MiB (the adapter's host template passes at most `max_sectors`
/// 2048, i.e. 1 MiB), with OPTIMAL TRANSFER LENGTH within the maximum (sd
/// ignores it otherwise), and UNMAP to 16 MiB.
#[test]
fn vpd_block_limits_values() {
    for (l, one_mib) in [(lun512(), 2048u32), (lun4k(), 256)] {
        let p = vpd(&l, 0xB0);
        assert_eq!(be32(&p, 8), one_mib, "MAXIMUM TRANSFER LENGTH");
        assert!(be32(&p, 12) <= be32(&p, 8), "OPTIMAL TRANSFER LENGTH");
        let max_ws = be64(&p, 36);
        assert_eq!(max_ws, u64::from(one_mib), "MAXIMUM WRITE SAME LENGTH");
        assert_eq!(be32(&p, 20), one_mib * 16, "MAXIMUM UNMAP LBA COUNT");
    }
}

#[test]
fn vpd_characteristics_and_provisioning() {
    let l = lun512();
    let p = vpd(&l, 0xB1);
    assert_eq!(p.len(), 64);
    assert_eq!(be16(&p, 4), 1);
    let p = vpd(&l, 0xB2);
    assert_eq!(p.len(), 8);
    assert_eq!(p[5] & 0x80, 0x80); // LBPU
    assert_eq!(p[5] & 0x40, 0x40); // LBPWS
    assert_eq!(p[5] & 0x20, 0x20); // LBPWS10
    assert_eq!((p[5] >> 2) & 7, 1); // LBPRZ
    assert_eq!(p[5] & 0x02, 0); // ANC_SUP
    assert_eq!(p[6] & 7, 2); // thin
}

#[test]
fn read_capacity_values() {
    for (l, last, bs) in [
        (lun512(), (1u64 << 21) - 1, 512u32),
        (lun4k(), (1 << 18) - 1, 4096),
    ] {
        let mut b = [0u8; 8];
        assert_eq!(emu::respond_read_capacity_10(&l, &mut b), 8);
        assert_eq!(be32(&b, 0) as u64, last);
        assert_eq!(be32(&b, 4), bs);
        let mut b = [0u8; 32];
        assert_eq!(emu::respond_read_capacity_16(&l, &mut b), 32);
        assert_eq!(be64(&b, 0), last);
        assert_eq!(be32(&b, 8), bs);
        assert_eq!(b[14] & 0xC0, 0xC0);
    }
}

#[test]
fn read_capacity_large() {
    for (cap, want) in [
        (1u64 << 32, 0xFFFF_FFFFu32), // last LBA 0xFFFFFFFF: must saturate too
        (u32::MAX as u64, 0xFFFF_FFFE),
        ((1u64 << 32) + 5, 0xFFFF_FFFF),
    ] {
        let l = LunConfig::new(0, 0, 0, 4096, cap).unwrap();
        let mut b = [0u8; 8];
        emu::respond_read_capacity_10(&l, &mut b);
        assert_eq!(be32(&b, 0), want);
        let mut b = [0u8; 32];
        emu::respond_read_capacity_16(&l, &mut b);
        assert_eq!(be64(&b, 0), cap - 1);
    }
}

#[test]
fn report_luns() {
    let mut b = [0u8; 64];
    let n = emu::respond_report_luns(0, &[0, 1, 255, 300], &mut b);
    assert_eq!(n, 8 + 32);
    assert_eq!(be32(&b, 0), 32);
    assert_eq!(&b[8..16], &[0; 8]);
    assert_eq!(&b[16..24], &[0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[24..32], &[0, 255, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[32..40], &[0x01, 0x2C, 0, 0, 0, 0, 0, 0]); // int_to_scsilun
    assert_eq!(emu::respond_report_luns(1, &[0, 1], &mut b), 8);
    assert_eq!(be32(&b, 0), 0);
    // Truncated buffer still reports full length.
    let mut small = [0u8; 4];
    assert_eq!(emu::respond_report_luns(2, &[0, 1, 2], &mut small), 32);
    assert_eq!(be32(&small, 0), 24);
    // Round-trip with the kernel's scsilun_to_int.
    for lun in [0u64, 7, 255, 256, 0x4123, 0x1234_5678] {
        let e = emu::report::encode_lun(lun);
        let mut v = 0u64;
        for i in (0..8).step_by(2) {
            v |= ((e[i] as u64) << 8 | e[i + 1] as u64) << (i * 8);
        }
        assert_eq!(v, lun);
    }
}

#[test]
fn request_sense() {
    let mut b = [0u8; 32];
    assert_eq!(emu::respond_request_sense(None, false, &mut b), 18);
    let p = parse(&b[..18]).unwrap();
    assert_eq!(p.sense.key, SenseKey::NoSense);
    assert_eq!(emu::respond_request_sense(None, true, &mut b), 8);
    assert_eq!(b[0], 0x72);
    let ua = emu::POWER_ON_RESET_UA;
    let n = emu::respond_request_sense(Some(&ua), true, &mut b);
    let p = parse(&b[..n]).unwrap();
    assert_eq!(p.sense, ua);
    let mut tiny = [0u8; 2];
    assert_eq!(emu::respond_request_sense(Some(&ua), false, &mut tiny), 18);
    assert_eq!(tiny, [0x70, 0]);
}

fn ms(l: &LunConfig, ten: bool, dbd: bool, llbaa: bool, pc: u8, page: u8) -> Vec<u8> {
    let mut b = [0u8; 512];
    let a = ModeSenseArgs {
        ten,
        dbd,
        llbaa,
        pc,
        page,
        subpage: 0,
    };
    let n = emu::respond_mode_sense(l, &a, &mut b).unwrap();
    b[..n].to_vec()
}

#[test]
fn mode_sense_6_caching_with_block_descriptor() {
    let l = lun4k();
    let d = ms(&l, false, false, false, 0, 0x08);
    assert_eq!(d.len(), 4 + 8 + 20);
    assert_eq!(d[0] as usize, d.len() - 1);
    assert_eq!(d[2], 0x10); // DPOFUA, WP=0
    assert_eq!(d[3], 8);
    assert_eq!(be32(&d, 4) as u64, l.capacity_blocks);
    assert_eq!(&d[9..12], &[0x00, 0x10, 0x00]);
    assert_eq!(&d[12..14], &[0x08, 18]);
    assert_eq!(d[14] & 0x04, 0x04); // WCE default on
}

#[test]
fn mode_sense_10_long_descriptor_and_all_pages() {
    let l = lun512();
    let d = ms(&l, true, false, true, 0, 0x3F);
    assert_eq!(d.len(), 8 + 16 + 20 + 12);
    assert_eq!(be16(&d, 0) as usize, d.len() - 2);
    assert_eq!(d[3], 0x10);
    assert_eq!(d[4] & 1, 1); // LONGLBA
    assert_eq!(be16(&d, 6), 16);
    assert_eq!(be64(&d, 8), l.capacity_blocks);
    assert_eq!(be32(&d, 20), 512);
    assert_eq!(d[24], 0x08);
    assert_eq!(d[44], 0x0A);
    assert_eq!(d[45], 10);
    // Without LLBAA: short descriptor.
    let d = ms(&l, true, false, false, 0, 0x3F);
    assert_eq!(be16(&d, 6), 8);
    assert_eq!(d[4], 0);
    // DBD.
    let d = ms(&l, true, true, true, 0, 0x0A);
    assert_eq!(d.len(), 8 + 12);
    assert_eq!(be16(&d, 6), 0);
    let d = ms(&l, false, true, false, 0, 0x0A);
    assert_eq!(d.len(), 4 + 12);
    assert_eq!(d[0], 15);
}

#[test]
fn mode_sense_short_descriptor_saturates() {
    let l = LunConfig::new(0, 0, 0, 512, 1 << 33).unwrap();
    let d = ms(&l, false, false, false, 0, 0x08);
    assert_eq!(be32(&d, 4), u32::MAX);
}

#[test]
fn mode_sense_page_control() {
    let mut l = lun512();
    l.write_cache = false;
    l.d_sense = true;
    let cur = ms(&l, false, true, false, 0, 0x3F);
    assert_eq!(cur[4 + 2] & 0x04, 0);
    assert_eq!(cur[4 + 20 + 2] & 0x04, 0x04);
    let chg = ms(&l, false, true, false, 1, 0x3F);
    assert_eq!(&chg[4..24], &{
        let mut p = [0u8; 20];
        p[0] = 8;
        p[1] = 18;
        p[2] = 0x04;
        p
    });
    assert_eq!(&chg[24..36], &[0x0A, 10, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let def = ms(&l, false, true, false, 2, 0x3F);
    assert_eq!(def[4 + 2] & 0x04, 0x04);
    assert_eq!(def[4 + 20 + 2] & 0x04, 0);
    let mut b = [0u8; 64];
    let a = ModeSenseArgs {
        ten: false,
        dbd: true,
        llbaa: false,
        pc: 3,
        page: 8,
        subpage: 0,
    };
    let s = emu::respond_mode_sense(&l, &a, &mut b).unwrap_err();
    assert_eq!(s.code(), sense::SAVING_PARAMETERS_NOT_SUPPORTED);
    let a = ModeSenseArgs {
        pc: 0,
        page: 0x1C,
        ..a
    };
    assert_eq!(
        emu::respond_mode_sense(&l, &a, &mut b).unwrap_err().code(),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn mode_sense_truncated_header_only() {
    // sd first asks for 4 bytes to learn the length.
    let l = lun512();
    let mut b = [0u8; 4];
    let a = ModeSenseArgs {
        ten: false,
        dbd: false,
        llbaa: false,
        pc: 0,
        page: 0x3F,
        subpage: 0,
    };
    let n = emu::respond_mode_sense(&l, &a, &mut b).unwrap();
    assert_eq!(n, 44);
    assert_eq!(b[0], 43);
}

fn rsoc(opts: u8, op: u8, sa: u16, rctd: bool) -> Vec<u8> {
    let mut b = vec![0u8; 4096];
    let n = emu::respond_report_supported_opcodes(opts, op, sa, rctd, &mut b).unwrap();
    b.truncate(n);
    b
}

#[test]
fn rsoc_all_commands() {
    let d = rsoc(0, 0, 0, false);
    let count = emu::opcodes::SUPPORTED.len();
    assert_eq!(be32(&d, 0) as usize, count * 8);
    assert_eq!(d.len(), 4 + count * 8);
    let mut found_rc16 = false;
    for e in d[4..].chunks(8) {
        let len = be16(e, 6) as usize;
        assert_eq!(
            orion_scsi_host_tests::proto::cdb::cdb_len_for_opcode(e[0]),
            Some(len)
        );
        if e[0] == 0x9E {
            assert_eq!(e[5] & 1, 1);
            assert_eq!(be16(e, 2), 0x10);
            found_rc16 = true;
        }
    }
    assert!(found_rc16);
    let d = rsoc(0, 0, 0, true);
    assert_eq!(be32(&d, 0) as usize, count * 20);
    assert_eq!(d.len(), 4 + count * 20);
    assert_eq!(d[4 + 5] & 0x02, 0x02);
    assert_eq!(be16(&d, 4 + 8), 0x0A);
}

#[test]
fn rsoc_one_command() {
    // WRITE SAME(16), as sd asks.
    let d = rsoc(1, 0x93, 0, false);
    assert_eq!(d[1] & 7, 3);
    assert_eq!(be16(&d, 2), 16);
    assert_eq!(d.len(), 4 + 16);
    assert_eq!(d[4], 0x93);
    assert_eq!(d[5], 0xF9);
    assert_eq!(d[19], 0xC7);
    // With timeouts.
    let d = rsoc(1, 0x28, 0, true);
    assert_eq!(d[1], 0x83);
    assert_eq!(d.len(), 4 + 10 + 12);
    // Unsupported opcode.
    assert_eq!(rsoc(1, 0x4D, 0, false), vec![0, 1, 0, 0]);
    // Service action forms.
    let d = rsoc(2, 0x9E, 0x10, false);
    assert_eq!(d[1] & 7, 3);
    assert_eq!(d[5], 0x10); // service action value in its field
    assert_eq!(rsoc(2, 0x9E, 0x11, false), vec![0, 1, 0, 0]);
    assert_eq!(rsoc(3, 0x9E, 0x10, false)[1] & 7, 3);
    assert_eq!(rsoc(3, 0x28, 0, false)[1] & 7, 3);
    assert_eq!(rsoc(3, 0x28, 5, false)[1] & 7, 1);
    assert_eq!(rsoc(3, 0x9E, 0x1010, false)[1] & 7, 1);
}

#[test]
fn rsoc_usage_matches_decoder() {
    // Setting any bit outside the advertised usage must be rejected, and
    // the base CDB (only opcode/SA set) must not be rejected for a reserved bit.
    let l = lun512();
    for info in emu::opcodes::SUPPORTED.iter() {
        let len = info.usage.len();
        for byte in 1..len - 1 {
            for bit in 0..8 {
                let m = 1u8 << bit;
                if info.usage[byte] & m != 0 {
                    continue;
                }
                let mut c = vec![0u8; len];
                c[0] = info.opcode;
                if let Some(sa) = info.service_action {
                    c[1] = sa;
                }
                c[byte] |= m;
                let s = decode(&c, &l).unwrap_err();
                assert_eq!(
                    s.code(),
                    sense::INVALID_FIELD_IN_CDB,
                    "{:#x} byte {byte} bit {bit}",
                    info.opcode
                );
                let f = s.field.unwrap();
                assert!(f.in_cdb);
                assert_eq!(f.byte, byte as u16);
                // A changed service action is reported against the SA field.
                if !(byte == 1 && info.service_action.is_some() && bit < 5) {
                    assert_eq!(f.bit, Some(bit));
                }
            }
        }
    }
}

#[test]
fn respond_data_in_dispatch() {
    let l = lun512();
    let mut b = [0u8; 512];
    let c = decode(&[0x12, 1, 0x80, 0, 255, 0], &l).unwrap();
    assert_eq!(emu::respond_data_in(&c, &l, &[], None, &mut b), Ok(20));
    let c = decode(&[0x1A, 0, 0x3F, 0, 255, 0], &l).unwrap();
    assert_eq!(emu::respond_data_in(&c, &l, &[], None, &mut b), Ok(44));
    let mut rl = [0u8; 12];
    rl[0] = 0xA0;
    rl[9] = 255;
    let c = decode(&rl, &l).unwrap();
    assert_eq!(emu::respond_data_in(&c, &l, &[0, 1], None, &mut b), Ok(24));
    let c = decode(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], &l).unwrap();
    assert_eq!(emu::respond_data_in(&c, &l, &[], None, &mut b), Ok(8));
    let c = decode(&[0, 0, 0, 0, 0, 0], &l).unwrap();
    assert_eq!(emu::respond_data_in(&c, &l, &[], None, &mut b), Ok(0));
    let c = decode(&[0x03, 0, 0, 0, 255, 0], &l).unwrap();
    assert_eq!(
        emu::respond_data_in(&c, &l, &[], Some(&emu::NOT_READY_SENSE), &mut b),
        Ok(18)
    );
    assert_eq!(b[2], 2);
}
