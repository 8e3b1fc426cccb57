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
}
