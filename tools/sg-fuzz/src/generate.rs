// SPDX-License-Identifier: GPL-2.0

//! Test cases: case `i` of seed `s` comes from stream `i` of a ChaCha8
//! generator seeded with `s`, and from nothing else (besides the device's
//! geometry and the options), so any case can be made again on its own.
//!
//! A case is one of three kinds: a random opcode with random bytes, a
//! known command built field by field with boundary values, or a known
//! command mutated. Then the data direction, buffer size, sense buffer size
//! and SG flags, and last the screening of commands that would change the
//! device for good (see [`crate::exclude`]).

use crate::cdb::{self, group_len};
use crate::exclude::{self, Screen};
use crate::known;
use crate::mutate;
use crate::sgio::{
    Direction, SG_FLAG_DIRECT_IO, SG_FLAG_NO_DXFER, SG_FLAG_Q_AT_HEAD, SG_FLAG_Q_AT_TAIL,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The data-out bytes a case draws; a longer buffer repeats them.
pub const PAYLOAD_MAX: usize = 4096;

/// Draws of a dangerous command replaced before giving up on a case (it
/// then becomes a TEST UNIT READY).
const MAX_REDRAWS: u32 = 64;

/// The device's size, from READ CAPACITY: boundary LBAs come from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// The last LBA.
    pub last_lba: u64,
    /// Bytes per logical block.
    pub block_size: u32,
}

impl Geometry {
    /// Number of blocks.
    pub fn capacity(&self) -> u64 {
        self.last_lba.saturating_add(1)
    }

    /// Block size, never 0.
    pub fn bs(&self) -> usize {
        (self.block_size as usize).max(1)
    }
}

/// Options that shape the cases.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Largest data buffer.
    pub max_buffer: usize,
    /// Send the commands [`crate::exclude`] screens out, as drawn.
    pub dangerous: bool,
    /// Send commands with a standard data direction only with that
    /// direction (or none), see [`matched_direction`].
    pub match_direction: bool,
}

/// How a case was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A random opcode and random bytes.
    Random,
    /// A known command with chosen (often boundary) field values.
    Known,
    /// A known command, mutated.
    Mutated,
}

impl Origin {
    /// Every origin, for counting.
    pub const ALL: [Origin; 3] = [Origin::Random, Origin::Known, Origin::Mutated];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Random => "random",
            Origin::Known => "known",
            Origin::Mutated => "mutated",
        }
    }
}

/// One command to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Case index.
    pub index: u64,
    /// How it was made.
    pub origin: Origin,
    /// The command it was built as ("random" for random ones).
    pub name: &'static str,
    /// The CDB, 6..=32 bytes.
    pub cdb: Vec<u8>,
    /// Data direction.
    pub dir: Direction,
    /// Data buffer length (`dxfer_len`).
    pub len: usize,
    /// Data-out bytes: the buffer is filled with them, repeated; exactly
    /// `min(len, PAYLOAD_MAX)` long.
    pub payload: Vec<u8>,
    /// `SG_FLAG_*`.
    pub flags: u32,
    /// `mx_sb_len`.
    pub sense_max: u8,
    /// For an unmutated data-in command: the most bytes its CDB lets the
    /// device return (allocation or transfer length).
    pub alloc_limit: Option<usize>,
    /// What the screening changed, if anything.
    pub sanitized: Option<&'static str>,
    /// Dangerous draws replaced before this one.
    pub redraws: u32,
}

impl Case {
    /// True when the data region goes to the device.
    pub fn sends(&self) -> bool {
        self.dir.sends()
    }
}

/// A known command as its builder makes it.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Command name.
    pub name: &'static str,
    /// The CDB.
    pub cdb: Vec<u8>,
    /// The direction the command moves data in.
    pub dir: Option<Direction>,
    /// Bytes the CDB asks to move.
    pub xfer: usize,
    /// Parameter data (data-out), if the command has a structure for it.
    pub payload: Vec<u8>,
    /// For data-in commands, the most the device may return.
    pub alloc_limit: Option<usize>,
}

/// The generator of one case, with what boundary values come from.
pub struct Ctx<'a> {
    /// The case's random stream.
    pub rng: ChaCha8Rng,
    /// Device geometry.
    pub geo: &'a Geometry,
    /// Options.
    pub cfg: &'a Config,
}

impl Ctx<'_> {
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    /// A uniform value in `lo..=hi` (`lo` when `hi < lo`).
    pub fn span(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.rng.random()
    }

    /// A random u64.
    pub fn u64(&mut self) -> u64 {
        self.rng.random()
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.rng.fill(&mut v[..]);
        v
    }

    /// An LBA for a field of `bits` bits: a valid one, 0, the last, one
    /// past the end, the 32-bit and 64-bit limits, or anything.
    pub fn lba(&mut self, bits: u32) -> u64 {
        let last = self.geo.last_lba;
        let v = match self.rng.random_range(0..100) {
            0..35 => self.span(0, last),
            35..45 => 0,
            45..55 => last,
            55..63 => last.saturating_add(1),
            63..68 => last.saturating_add(self.span(2, 4096)),
            68..73 => u64::from(u32::MAX),
            73..76 => u64::from(u32::MAX) - 1,
            76..80 => 1 << 32,
            80..85 => u64::MAX,
            85..89 => u64::MAX - self.span(1, 255),
            _ => self.u64(),
        };
        mask(v, bits)
    }

    /// A transfer length in blocks for a field of `bits` bits, given the
    /// LBA: 0, 1, a small valid count, as many as the largest buffer
    /// holds, to the end of the medium, the field's maximum, or anything.
    pub fn blocks(&mut self, bits: u32, lba: u64) -> u64 {
        let fit = (self.cfg.max_buffer / self.geo.bs()) as u64;
        let to_end = self.geo.capacity().saturating_sub(lba);
        let v = match self.rng.random_range(0..100) {
            0..10 => 0,
            10..22 => 1,
            22..55 => self.span(1, fit.min(64).min(to_end).max(1)),
            55..63 => fit,
            63..68 => fit + 1,
            68..76 => to_end,
            76..84 => mask(u64::MAX, bits),
            _ => self.u64(),
        };
        mask(v, bits)
    }

    /// An LBA and transfer length that lie on the medium and fit the
    /// largest buffer, so that data really moves (most I/O cases), or
    /// boundary values.
    pub fn lba_blocks(&mut self, lba_bits: u32, len_bits: u32) -> (u64, u64) {
        if self.chance(45) {
            let fit = (self.cfg.max_buffer / self.geo.bs()) as u64;
            let most = mask(u64::MAX, len_bits).min(fit).min(self.geo.capacity());
            // Mostly small transfers: under TCG every byte costs.
            let blocks = if self.chance(85) {
                self.span(1, most.min(16))
            } else {
                self.span(1, most)
            };
            let lba_max = mask(u64::MAX, lba_bits).min(self.geo.capacity().saturating_sub(blocks));
            let lba = if self.chance(20) {
                lba_max
            } else {
                self.span(0, lba_max)
            };
            (lba, blocks)
        } else {
            let lba = self.lba(lba_bits);
            (lba, self.blocks(len_bits, lba))
        }
    }

    /// An allocation length for a field of `bits` bits.
    pub fn alloc(&mut self, bits: u32) -> u64 {
        let v = match self.rng.random_range(0..100) {
            0..8 => 0,
            8..12 => 1,
            12..40 => self.pick(&[2, 3, 4, 5, 8, 12, 16, 18, 24, 32, 36, 64, 96]),
            40..70 => self.pick(&[252, 255, 256, 512, 1024, 4096, 8192]),
            70..80 => mask(u64::MAX, bits),
            80..88 => self.span(0, 4096),
            _ => self.u64(),
        };
        mask(v, bits)
    }

    /// A buffer length, weighted to small ones: under TCG the copy of a
    /// large buffer costs far more than the command.
    pub fn buffer_len(&mut self) -> usize {
        let max = self.cfg.max_buffer as u64;
        let n = match self.rng.random_range(0..1000) {
            0..300 => 0,
            300..600 => self.span(1, 512),
            600..800 => self.span(513, 8192),
            800..920 => self.span(8193, 65536),
            920..985 => self.span(65537, 262_144),
            _ => self.span(262_145, max),
        }
        .min(max);
        // Half of them whole sectors: aligned, so direct I/O can happen.
        let n = if n > 512 && self.chance(50) {
            n / 512 * 512
        } else {
            n
        };
        n as usize
    }

    /// Any data direction.
    pub fn direction(&mut self) -> Direction {
        match self.rng.random_range(0..100) {
            0..30 => Direction::None,
            30..60 => Direction::ToDev,
            60..90 => Direction::FromDev,
            90..97 => Direction::ToFromDev,
            _ => Direction::Unknown,
        }
    }

    /// `mx_sb_len`: mostly room for any sense, sometimes less or none.
    fn sense_max(&mut self) -> u8 {
        match self.rng.random_range(0..100) {
            0..70 => 252,
            70..80 => 96,
            80..88 => 18,
            88..93 => 8,
            93..98 => self.rng.random_range(1..=255),
            _ => 0,
        }
    }

    /// SG flags: direct I/O (a quarter), queue at head or tail, and
    /// rarely no copy to or from the user buffer.
    fn flags(&mut self) -> u32 {
        let mut f = 0;
        if self.chance(25) {
            f |= SG_FLAG_DIRECT_IO;
        }
        match self.rng.random_range(0..100) {
            0..10 => f |= SG_FLAG_Q_AT_HEAD,
            10..20 => f |= SG_FLAG_Q_AT_TAIL,
            _ => {}
        }
        if self.chance(2) {
            f |= SG_FLAG_NO_DXFER;
        }
        f
    }

    /// A random CDB: any opcode, its group's length (or sometimes any
    /// length), zero or random bytes.
    fn random_case(&mut self) -> Case {
        let op = self.byte();
        let len = match group_len(op) {
            Some(n) if self.chance(85) => n,
            _ if op == cdb::VARIABLE_LENGTH && self.chance(85) => 32,
            _ => self.span(6, 32) as usize,
        };
        let mut c = if self.chance(50) {
            self.bytes(len)
        } else {
            vec![0; len]
        };
        c[0] = op;
        if cdb::has_service_action(op) && self.chance(50) {
            c[1] = self.span(0, 0x1F) as u8;
        }
        let k = Known {
            name: "random",
            cdb: c,
            ..Known::default()
        };
        let dir = self.direction();
        let len = self.buffer_len();
        self.case(Origin::Random, k, dir, len)
    }

    /// A known command with its natural direction and buffer (mostly) or
    /// any other.
    fn known_case(&mut self) -> Case {
        let mut k = known::build(self);
        let natural_dir = k.dir.unwrap_or(Direction::None);
        let dir = if self.chance(80) {
            natural_dir
        } else {
            self.direction()
        };
        let natural_len = if natural_dir == Direction::None {
            0
        } else {
            k.xfer
        };
        let len = if self.chance(70) {
            natural_len.min(self.cfg.max_buffer)
        } else {
            self.buffer_len()
        };
        if !matches!(dir, Direction::FromDev | Direction::ToFromDev) {
            k.alloc_limit = None;
        }
        self.case(Origin::Known, k, dir, len)
    }

    /// Assembles a case from a command; the payload is made
    /// `min(len, PAYLOAD_MAX)` long (random bytes after the command's).
    fn case(&mut self, origin: Origin, k: Known, dir: Direction, len: usize) -> Case {
        let sense_max = self.sense_max();
        let flags = self.flags();
        let mut c = Case {
            index: 0,
            origin,
            name: k.name,
            cdb: k.cdb,
            dir,
            len,
            payload: k.payload,
            flags,
            sense_max,
            alloc_limit: k.alloc_limit,
            sanitized: None,
            redraws: 0,
        };
        self.fit_payload(&mut c);
        c
    }

    /// Makes the payload exactly `min(len, PAYLOAD_MAX)` bytes.
    pub fn fit_payload(&mut self, c: &mut Case) {
        let want = c.len.min(PAYLOAD_MAX);
        if c.payload.len() > want {
            c.payload.truncate(want);
        } else if c.payload.len() < want {
            let more = self.bytes(want - c.payload.len());
            c.payload.extend_from_slice(&more);
        }
    }

    /// One draw: 20% random, 50% known, 30% mutated known.
    fn draw(&mut self) -> Case {
        match self.rng.random_range(0..100) {
            0..20 => self.random_case(),
            20..70 => self.known_case(),
            _ => {
                let mut c = self.known_case();
                mutate::mutate(self, &mut c);
                self.fit_payload(&mut c);
                c
            }
        }
    }
}

/// `v` cut to a field of `bits` bits.
pub fn mask(v: u64, bits: u32) -> u64 {
    if bits >= 64 {
        v
    } else {
        v & ((1u64 << bits) - 1)
    }
}

/// The direction a case is sent with under `--match-direction`: a command
/// that moves data in or out (by its opcode) is sent with that direction
/// or with none, never the opposite one. For HBAs that move the data in
/// the direction the command implies whatever the request's mapping says
/// (QEMU's megasas): behind an IOMMU a mismatch is a DMA fault, the
/// IOMMU doing its job rather than a driver bug. Commands whose direction
/// implementations disagree on are sent without data.
pub fn matched_direction(cdb: &[u8], dir: Direction) -> Direction {
    match (cdb::standard_direction(cdb), dir) {
        (_, Direction::None) | (None, _) => dir,
        (Some(Direction::None), _) => Direction::None,
        (Some(Direction::ToDev), _) => Direction::ToDev,
        (Some(_), Direction::ToDev) => Direction::FromDev,
        (Some(_), d) => d,
    }
}

/// Case `index` of `seed`.
pub fn case(seed: u64, index: u64, geo: &Geometry, cfg: &Config) -> Case {
    let mut c = screened_case(seed, index, geo, cfg);
    if cfg.match_direction {
        c.dir = matched_direction(&c.cdb, c.dir);
    }
    c
}

/// Case `index` of `seed`, after the screening of dangerous commands.
fn screened_case(seed: u64, index: u64, geo: &Geometry, cfg: &Config) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let mut ctx = Ctx { rng, geo, cfg };
    let mut redraws = 0;
    loop {
        let mut c = ctx.draw();
        c.index = index;
        c.redraws = redraws;
        if cfg.dangerous {
            return c;
        }
        match exclude::screen(&mut c) {
            Screen::Keep => return c,
            Screen::Sanitized(what) => {
                c.sanitized = Some(what);
                return c;
            }
            Screen::Drop(_) if redraws < MAX_REDRAWS => redraws += 1,
            Screen::Drop(_) => {
                return Case {
                    name: "TEST UNIT READY",
                    origin: Origin::Known,
                    cdb: vec![0; 6],
                    dir: Direction::None,
                    len: 0,
                    payload: Vec::new(),
                    alloc_limit: None,
                    ..c
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GEO: Geometry = Geometry {
        last_lba: 131_071,
        block_size: 512,
    };
    const CFG: Config = Config {
        max_buffer: 1 << 20,
        dangerous: false,
        match_direction: false,
    };

    #[test]
    fn a_seed_gives_the_same_cases() {
        for i in 0..200 {
            assert_eq!(case(42, i, &GEO, &CFG), case(42, i, &GEO, &CFG));
        }
        // Generating case 7 alone gives what a run from 0 gives.
        let run: Vec<_> = (0..10).map(|i| case(9, i, &GEO, &CFG)).collect();
        assert_eq!(case(9, 7, &GEO, &CFG), run[7]);
    }

    #[test]
    fn a_seed_gives_the_same_cases_on_every_platform() {
        // ChaCha8 and its seed expansion are portable; these pin the
        // stream and the generator, so that a seed reported anywhere
        // replays here. A change to the generator changes what old seeds
        // mean: update the values and say so in the commit.
        let mut r = ChaCha8Rng::seed_from_u64(1);
        r.set_stream(0);
        assert_eq!(r.random::<u64>(), GOLDEN_WORD);
        assert_eq!(cdb::hex(&case(1, 0, &GEO, &CFG).cdb), GOLDEN_CDB);
    }

    const GOLDEN_WORD: u64 = 7_424_550_030_962_593_201;
    const GOLDEN_CDB: &str = "28 00 00 00 00 00 00 00 01 00";

    #[test]
    fn seeds_and_indexes_differ() {
        let a: Vec<_> = (0..50).map(|i| case(1, i, &GEO, &CFG).cdb).collect();
        let b: Vec<_> = (0..50).map(|i| case(2, i, &GEO, &CFG).cdb).collect();
        assert_ne!(a, b);
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert!(distinct.len() > 40);
    }

    #[test]
    fn cases_stay_within_bounds() {
        let cfg = Config {
            max_buffer: 100_000,
            dangerous: false,
            match_direction: false,
        };
        for i in 0..20_000 {
            let c = case(3, i, &GEO, &cfg);
            assert!((6..=32).contains(&c.cdb.len()), "case {i}: {:?}", c.cdb);
            assert!(c.len <= cfg.max_buffer, "case {i}: {}", c.len);
            assert_eq!(c.payload.len(), c.len.min(PAYLOAD_MAX));
        }
    }

    #[test]
    fn every_kind_direction_and_size_class_occurs() {
        let mut origins = std::collections::HashSet::new();
        let mut dirs = std::collections::HashSet::new();
        let (mut zero, mut small, mut large) = (0, 0, 0);
        for i in 0..5000 {
            let c = case(5, i, &GEO, &CFG);
            origins.insert(c.origin);
            dirs.insert(c.dir);
            match c.len {
                0 => zero += 1,
                1..=4096 => small += 1,
                n if n >= 512 * 1024 => large += 1,
                _ => {}
            }
        }
        assert_eq!(origins.len(), 3);
        assert_eq!(dirs.len(), Direction::ALL.len());
        assert!(
            zero > 500 && small > 1000 && large > 5,
            "{zero} {small} {large}"
        );
    }

    #[test]
    fn matched_directions_never_oppose_the_command() {
        let cfg = Config {
            match_direction: true,
            ..CFG
        };
        let mut mismatches = 0;
        for i in 0..5000 {
            let plain = case(8, i, &GEO, &CFG);
            let c = case(8, i, &GEO, &cfg);
            assert_eq!((&plain.cdb, plain.len), (&c.cdb, c.len));
            match cdb::standard_direction(&c.cdb) {
                Some(Direction::None) => assert_eq!(c.dir, Direction::None),
                Some(Direction::ToDev) => {
                    assert!(matches!(c.dir, Direction::ToDev | Direction::None))
                }
                Some(_) => assert_ne!(c.dir, Direction::ToDev),
                None => assert_eq!(c.dir, plain.dir),
            }
            mismatches += usize::from(c.dir != plain.dir);
        }
        assert!(mismatches > 100);
    }

    #[test]
    fn tiny_buffers_and_geometries_work() {
        let geo = Geometry {
            last_lba: 0,
            block_size: 4096,
        };
        let cfg = Config {
            max_buffer: 0,
            dangerous: false,
            match_direction: false,
        };
        for i in 0..2000 {
            let c = case(11, i, &geo, &cfg);
            assert_eq!(c.len, 0);
        }
    }
}
