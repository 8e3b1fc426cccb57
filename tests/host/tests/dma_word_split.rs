// SPDX-License-Identifier: GPL-2.0

//! The head/words/tail split of the DMA slots' volatile copies: every
//! byte copied once, in place, and every word access aligned.

use orion_scsi_host_tests::dma::word_split::{Split, WORD};

/// Copies `src` into `mem` at `at` the way `slots.rs` walks a split:
/// bytes, then whole words (checked aligned), then bytes.
fn copy_split(mem: &mut [u8], base: usize, at: usize, src: &[u8]) {
    let s = Split::new(base + at, src.len());
    assert_eq!(s.head + s.words * WORD + s.tail, src.len());
    let mut i = 0;
    for _ in 0..s.head {
        mem[at + i] = src[i];
        i += 1;
    }
    for _ in 0..s.words {
        assert_eq!(
            (base + at + i) % WORD,
            0,
            "word access at an unaligned address"
        );
        mem[at + i..at + i + WORD].copy_from_slice(&src[i..i + WORD]);
        i += WORD;
    }
    for _ in 0..s.tail {
        mem[at + i] = src[i];
        i += 1;
    }
    assert_eq!(i, src.len());
}

#[test]
fn every_offset_and_length_copies_each_byte_once_in_place() {
    let src: Vec<u8> = (1..=64).collect();
    // `base` stands for the chunk's address: aligned, and not.
    for base in [0x1000, 0x1003] {
        for at in 0..2 * WORD {
            for len in 0..=40 {
                let mut mem = [0u8; 96];
                copy_split(&mut mem, base, at, &src[..len]);
                let mut want = [0u8; 96];
                want[at..at + len].copy_from_slice(&src[..len]);
                assert_eq!(mem, want, "base {base:#x} at {at} len {len}");
            }
        }
    }
}

#[test]
fn head_and_tail_stay_below_a_word() {
    for addr in 0..3 * WORD {
        for len in 0..=64 {
            let s = Split::new(addr, len);
            if s.words > 0 || s.tail > 0 {
                assert!(s.head < WORD, "{s:?}");
                assert_eq!((addr + s.head) % WORD, 0, "{s:?}");
            }
            assert!(s.tail < WORD, "{s:?}");
        }
    }
}

#[test]
fn a_copy_ending_before_the_first_aligned_address_is_all_head() {
    assert_eq!(
        Split::new(1, 3),
        Split {
            head: 3,
            words: 0,
            tail: 0
        }
    );
    assert_eq!(
        Split::new(8, 0),
        Split {
            head: 0,
            words: 0,
            tail: 0
        }
    );
    assert_eq!(
        Split::new(usize::MAX, 1),
        Split {
            head: 1,
            words: 0,
            tail: 0
        }
    );
    assert_eq!(
        Split::new(0, 2 * WORD + 3),
        Split {
            head: 0,
            words: 2,
            tail: 3
        }
    );
}
