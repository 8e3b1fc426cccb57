// SPDX-License-Identifier: GPL-2.0

//! Mutations of a valid command: one to three of bit flips, reserved bits,
//! the control byte (NACA, LINK, FLAG, vendor bits), a random service
//! action, a random byte, a length field at its limit, a different CDB
//! length, or another direction or buffer size.

use crate::cdb::{has_service_action, put_be};
use crate::generate::{Case, Ctx, Origin};

/// Applies 1..=3 mutations to `c`. What the builder knew about the CDB
/// (its allocation length) no longer holds.
pub fn mutate(g: &mut Ctx, c: &mut Case) {
    c.origin = Origin::Mutated;
    c.alloc_limit = None;
    for _ in 0..g.span(1, 3) {
        one(g, c);
    }
}

fn one(g: &mut Ctx, c: &mut Case) {
    let n = c.cdb.len();
    match g.span(0, 9) {
        // A bit anywhere but the opcode (mostly).
        0 | 1 => {
            let i = if g.chance(90) {
                g.span(1, n as u64 - 1) as usize
            } else {
                0
            };
            c.cdb[i] ^= 1 << g.span(0, 7);
        }
        // A reserved-looking bit: the high bits of byte 1, or any bit of
        // a byte the command leaves zero.
        2 => {
            let zeros: Vec<usize> = (1..n).filter(|&i| c.cdb[i] == 0).collect();
            let i = if zeros.is_empty() || g.chance(30) {
                1
            } else {
                g.pick(&zeros)
            };
            c.cdb[i] |= 1 << g.span(0, 7);
        }
        // The control byte (the last one; byte 1 of a 32-byte CDB).
        3 => {
            let ctl = if c.cdb[0] == crate::cdb::VARIABLE_LENGTH {
                1
            } else {
                n - 1
            };
            c.cdb[ctl] |= g.pick(&[0x04, 0x01, 0x02, 0xC0, 0x07]);
            if g.chance(20) {
                c.cdb[ctl] = g.byte();
            }
        }
        // A random service action (or byte 1 bits 4:0 of anything).
        4 => {
            if has_service_action(c.cdb[0]) || g.chance(50) {
                c.cdb[1] = (c.cdb[1] & 0xE0) | g.span(0, 0x1F) as u8;
            }
        }
        // A random byte.
        5 => {
            let i = g.span(1, n as u64 - 1) as usize;
            c.cdb[i] = g.byte();
        }
        // A 2- or 4-byte field at all ones or all zeros.
        6 => {
            let w = g.pick(&[2usize, 4]);
            if n > w + 1 {
                let i = g.span(1, (n - 1 - w) as u64) as usize;
                let v = if g.chance(70) { u64::MAX } else { 0 };
                put_be(&mut c.cdb, i, w, v);
            }
        }
        // A different CDB length: cut, or padded with zeros or noise.
        7 => {
            let len = g.span(6, 32) as usize;
            if len < n {
                c.cdb.truncate(len);
            } else {
                let noise = g.chance(50);
                while c.cdb.len() < len {
                    let b = if noise { g.byte() } else { 0 };
                    c.cdb.push(b);
                }
            }
        }
        // Another direction.
        8 => c.dir = g.direction(),
        // Another buffer size.
        _ => c.len = g.buffer_len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Config, Geometry};
    use crate::sgio::Direction;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn mutations_keep_cdbs_sendable_and_change_them() {
        let geo = Geometry {
            last_lba: 1000,
            block_size: 512,
        };
        let cfg = Config {
            max_buffer: 4096,
            dangerous: false,
            match_direction: false,
        };
        let mut g = Ctx {
            rng: ChaCha8Rng::seed_from_u64(3),
            geo: &geo,
            cfg: &cfg,
        };
        let base = Case {
            index: 0,
            origin: Origin::Known,
            name: "READ(10)",
            cdb: vec![0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0],
            dir: Direction::FromDev,
            len: 512,
            payload: Vec::new(),
            flags: 0,
            sense_max: 252,
            alloc_limit: Some(512),
            sanitized: None,
            redraws: 0,
        };
        let mut changed = 0;
        for _ in 0..1000 {
            let mut c = base.clone();
            mutate(&mut g, &mut c);
            assert!((6..=32).contains(&c.cdb.len()));
            assert!(c.len <= cfg.max_buffer);
            assert_eq!(c.origin, Origin::Mutated);
            assert_eq!(c.alloc_limit, None);
            if c.cdb != base.cdb || c.dir != base.dir || c.len != base.len {
                changed += 1;
            }
        }
        assert!(changed > 900, "{changed}");
    }
}
