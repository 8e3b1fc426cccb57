// SPDX-License-Identifier: GPL-2.0

//! Brute force: random, short and garbage inputs to every entry point must
//! never panic.
mod common;
use common::*;
use emu::mode_pages::ModeSenseArgs;
use orion_scsi_host_tests::proto::cdb;

fn luns() -> Vec<LunConfig> {
    let mut tiny = LunConfig::new(1, 2, 3, 512, 1).unwrap();
    tiny.limits = emu::BlockLimits {
        optimal_granularity_blocks: 0,
        max_transfer_blocks: 0,
        optimal_transfer_blocks: 0,
        max_unmap_lba_count: 0,
        max_unmap_descriptors: 0,
        unmap_granularity: 0,
        max_write_same_blocks: 0,
    };
    let mut huge = LunConfig::new(255, 4095, 65535, 4096, u64::MAX).unwrap();
    huge.write_cache = false;
    huge.d_sense = true;
    vec![lun512(), lun4k(), tiny, huge]
}

fn exercise(cdb_bytes: &[u8], l: &LunConfig, out: &mut [u8], param: &[u8]) {
    let _ = cdb::cdb_len_for_opcode(cdb_bytes.first().copied().unwrap_or(0));
    let _ = cdb::lba_len(cdb_bytes);
    let _ = parse(cdb_bytes);
    match decode(cdb_bytes, l) {
        Ok(c) => {
            let _ = c.data_direction();
            let _ = c.transfer_len(l.block_size);
            let _ = c.needs_medium();
            let pending = Sense::invalid_param_field(u16::MAX, Some(7)).with_info(u64::MAX);
            let n = emu::respond_data_in(&c, l, &[0, 1, u64::MAX], Some(&pending), out);
            if let Ok(n) = n {
                // Responses report the full length; the buffer only holds part.
                assert!(n <= 64 * 1024);
            }
            match c {
                Command::ModeSelect { ten, param_len, .. } => {
                    let p = &param[..param.len().min(param_len as usize)];
                    let _ = emu::parse_mode_select(l, ten, p);
                }
                Command::Unmap { param_len, .. } => {
                    let p = &param[..param.len().min(param_len as usize)];
                    let _ = emu::parse_unmap(l, p, |lba, n| {
                        assert!(lba.checked_add(n as u64).unwrap() <= l.capacity_blocks);
                        Ok(())
                    });
                }
                Command::Read { lba, blocks, .. } | Command::Write { lba, blocks, .. } => {
                    assert!(lba + blocks as u64 <= l.capacity_blocks);
                }
                // Work per command stays within the advertised limits.
                Command::WriteSame { blocks, .. } => {
                    let max = l.limits.max_write_same_blocks;
                    assert!(blocks != 0 && (max == 0 || u64::from(blocks) <= max));
                }
                Command::Verify { blocks, bytchk, .. } if bytchk != 0 => {
                    let max = l.limits.max_transfer_blocks;
                    assert!(max == 0 || blocks <= max, "{c:?}");
                }
                _ => {}
            }
        }
        Err(s) => {
            let mut b = [0u8; 64];
            let n = s.write(l.d_sense, &mut b);
            let p = parse(&b[..n]).unwrap();
            assert_eq!(p.sense, s);
        }
    }
}

#[test]
fn random_cdbs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let ls = luns();
    let supported: Vec<u8> = emu::opcodes::SUPPORTED.iter().map(|o| o.opcode).collect();
    let mut param = vec![0u8; 600];
    for iter in 0..300_000 {
        let len = rng.below(34);
        let mut c: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // Bias towards supported opcodes with mostly-zero fields so the
        // deeper validation paths get reached.
        if !c.is_empty() && rng.below(4) != 0 {
            c[0] = supported[rng.below(supported.len())];
            for b in c.iter_mut().skip(1) {
                if rng.below(3) != 0 {
                    *b = 0;
                }
            }
            if c.len() > 1 && (c[0] == 0x9E || c[0] == 0xA3) && rng.below(2) == 0 {
                c[1] = if c[0] == 0x9E { 0x10 } else { 0x0C };
            }
        }
        for b in param.iter_mut() {
            *b = if rng.below(2) == 0 { 0 } else { rng.byte() };
        }
        let l = &ls[iter % ls.len()];
        let mut out = vec![0u8; rng.below(300)];
        exercise(&c, l, &mut out, &param);
    }
}

#[test]
fn all_short_prefixes_of_valid_cdbs() {
    let ls = luns();
    for info in emu::opcodes::SUPPORTED.iter() {
        for len in 0..=32 {
            for fill in [0x00u8, 0xFF] {
                let mut c = vec![fill; len];
                if let Some(b) = c.first_mut() {
                    *b = info.opcode;
                }
                for l in &ls {
                    exercise(&c, l, &mut [0u8; 3], &[]);
                }
            }
        }
    }
}

#[test]
fn responders_every_buffer_size() {
    let ls = luns();
    for l in &ls {
        for size in 0..200 {
            let mut b = vec![0u8; size];
            let full = emu::respond_standard_inquiry(l, &mut b);
            assert_eq!(full, 74);
            emu::respond_inquiry_no_lun(&mut b);
            for page in 0..=255u8 {
                let _ = emu::respond_vpd(l, page, &mut b);
            }
            emu::respond_read_capacity_10(l, &mut b);
            emu::respond_read_capacity_16(l, &mut b);
            emu::respond_report_luns(0, &[1, 2, 3, u64::MAX], &mut b);
            emu::respond_request_sense(None, size % 2 == 0, &mut b);
            for pc in 0..4 {
                for page in [0x08, 0x0A, 0x3F, 0x00, 0x3E] {
                    for flags in 0..8u8 {
                        let a = ModeSenseArgs {
                            ten: flags & 1 != 0,
                            dbd: flags & 2 != 0,
                            llbaa: flags & 4 != 0,
                            pc,
                            page,
                            subpage: if flags == 7 { 0xFF } else { 0 },
                        };
                        let _ = emu::respond_mode_sense(l, &a, &mut b);
                    }
                }
            }
            for opts in 0..8 {
                for op in [0x00, 0x28, 0x93, 0x9E, 0xA3, 0xFF] {
                    let _ = emu::respond_report_supported_opcodes(
                        opts,
                        op,
                        0x10,
                        size % 2 == 0,
                        &mut b,
                    );
                }
            }
        }
    }
}

#[test]
fn random_parameter_lists() {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let ls = luns();
    for iter in 0..200_000 {
        let len = rng.below(80);
        let mut p: Vec<u8> = (0..len)
            .map(|_| if rng.below(3) == 0 { rng.byte() } else { 0 })
            .collect();
        // Plausible headers sometimes.
        if p.len() >= 4 && rng.below(2) == 0 {
            let bddl = (len.saturating_sub(8)) as u16;
            p[0..2].copy_from_slice(&(bddl + 6).to_be_bytes());
            p[2..4].copy_from_slice(&bddl.to_be_bytes());
        }
        let l = &ls[iter % ls.len()];
        let _ = emu::parse_mode_select(l, iter % 2 == 0, &p);
        let _ = emu::parse_unmap(l, &p, |lba, n| {
            assert!(lba.checked_add(n as u64).unwrap() <= l.capacity_blocks);
            Ok(())
        });
        let _ = parse(&p);
    }
}

#[test]
fn random_sense_buffers() {
    let mut rng = Rng(42);
    for _ in 0..200_000 {
        let len = rng.below(64);
        let mut b: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        if let Some(f) = b.first_mut() {
            *f = [0x70, 0x71, 0x72, 0x73, 0xF0, 0xF2][rng.below(6)];
        }
        let _ = parse(&b);
    }
}
