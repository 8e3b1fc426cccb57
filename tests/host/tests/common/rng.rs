// SPDX-License-Identifier: GPL-2.0

//! The xorshift64 generator the fuzz tests draw their input from (no
//! external crates), with a few shapes of value fuzzing wants. A test
//! that includes it does not use every helper.

#![allow(dead_code)]

/// xorshift64 (Marsaglia); the state must not start at zero.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (slightly biased, which fuzzing does not mind).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// The low byte of the next value.
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    /// Mostly small, sometimes extreme.
    pub fn num(&mut self) -> u64 {
        match self.below(6) {
            0 => 0,
            1 => u64::MAX - self.below(4),
            2 => self.below(4096),
            3 => 1u64 << self.below(64),
            _ => self.next(),
        }
    }

    /// Fills `b` with all zeros, all 0xff, or (half the time) random bytes.
    pub fn fill(&mut self, b: &mut [u8]) {
        let mode = self.below(4);
        for x in b.iter_mut() {
            *x = match mode {
                0 => 0,
                1 => 0xff,
                _ => self.byte(),
            };
        }
    }

    /// Fills `cdb` and returns a CDB length for it: one of the common
    /// lengths, or one time in eight any length up to 17 (0 and 17 are
    /// invalid).
    pub fn cdb(&mut self, cdb: &mut [u8; 17]) -> usize {
        self.fill(cdb);
        match self.below(8) {
            0 => self.below(18) as usize,
            _ => [6, 10, 12, 16][self.below(4) as usize],
        }
    }
}

/// Counts a fuzz loop's outcomes, to show that both were exercised.
#[derive(Default)]
pub struct Outcomes {
    built: u32,
    refused: u32,
}

impl Outcomes {
    /// Counts one outcome.
    pub fn count<T, E>(&mut self, r: &Result<T, E>) {
        match r {
            Ok(_) => self.built += 1,
            Err(_) => self.refused += 1,
        }
    }

    /// Asserts that more than `built` were built and `refused` refused.
    pub fn assert_both(&self, built: u32, refused: u32) {
        assert!(
            self.built > built && self.refused > refused,
            "{} built, {} refused",
            self.built,
            self.refused
        );
    }
}
