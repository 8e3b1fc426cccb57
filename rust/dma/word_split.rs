// SPDX-License-Identifier: GPL-2.0

//! How a bulk copy to or from device-visible memory splits into an
//! unaligned head of single bytes, aligned machine words and a tail of
//! single bytes. Pure logic, host-tested; the volatile copies of
//! `slots.rs` walk it.

/// Bytes per word of the bulk copies: a machine word, the widest access
/// that is one access on every architecture.
pub const WORD: usize = core::mem::size_of::<usize>();

/// The split of a copy of `len` bytes from address `addr`.
///
/// `head + words * WORD + tail == len`; `addr + head` is word aligned
/// whenever `words > 0`; `head` and `tail` are below [`WORD`] unless the
/// copy ends before the first aligned address, in which case `head` is
/// all of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    /// Bytes before the first aligned address.
    pub head: usize,
    /// Aligned words after the head.
    pub words: usize,
    /// Bytes after the last whole word.
    pub tail: usize,
}

impl Split {
    /// The split of `len` bytes from `addr`.
    pub fn new(addr: usize, len: usize) -> Self {
        // Bytes from `addr` up to the next multiple of `WORD`.
        let head = (addr.wrapping_neg() % WORD).min(len);
        let body = len.saturating_sub(head);
        Self {
            head,
            words: body / WORD,
            tail: body % WORD,
        }
    }
}
