// SPDX-License-Identifier: GPL-2.0

//! Big-endian field access and a truncating response writer.
//!
//! SCSI data is big-endian and frequently truncated by a short allocation
//! length, so every write goes through [`Out`], which silently drops bytes
//! beyond the buffer while still counting the full response length.

/// Reads one byte at `off`, `None` when out of bounds.
pub fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

/// Reads a big-endian `u16` at `off`.
pub fn be16(buf: &[u8], off: usize) -> Option<u16> {
    let b = buf.get(off..off.checked_add(2)?)?;
    let mut a = [0u8; 2];
    a.copy_from_slice(b);
    Some(u16::from_be_bytes(a))
}

/// Reads a big-endian 24-bit value at `off`.
pub fn be24(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(3)?)?;
    let mut a = [0u8; 4];
    a[1..].copy_from_slice(b);
    Some(u32::from_be_bytes(a))
}

/// Reads a big-endian `u32` at `off`.
pub fn be32(buf: &[u8], off: usize) -> Option<u32> {
    let b = buf.get(off..off.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Some(u32::from_be_bytes(a))
}

/// Reads a big-endian `u64` at `off`.
pub fn be64(buf: &[u8], off: usize) -> Option<u64> {
    let b = buf.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Some(u64::from_be_bytes(a))
}

/// Sequential writer into a caller buffer that never overruns it.
///
/// `len()` is the length the complete response would have, which callers
/// need for the residual count even when the buffer was too small.
pub struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Out<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Out { buf, pos: 0 }
    }

    /// Full (untruncated) number of bytes emitted so far.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// True when nothing has been emitted yet.
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// Number of bytes that actually landed in the buffer.
    pub fn written(&self) -> usize {
        core::cmp::min(self.pos, self.buf.len())
    }

    /// Emits one byte.
    pub fn u8(&mut self, v: u8) {
        if let Some(b) = self.buf.get_mut(self.pos) {
            *b = v;
        }
        self.pos = self.pos.saturating_add(1);
    }

    /// Emits a byte slice.
    pub fn bytes(&mut self, v: &[u8]) {
        for &b in v {
            self.u8(b);
        }
    }

    /// Emits `n` zero bytes (reserved fields).
    pub fn zeros(&mut self, n: usize) {
        for _ in 0..n {
            self.u8(0);
        }
    }

    /// Emits a big-endian `u16`.
    pub fn be16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    /// Emits the low 24 bits of `v`, big-endian.
    pub fn be24(&mut self, v: u32) {
        let b = v.to_be_bytes();
        self.bytes(&[b[1], b[2], b[3]]);
    }

    /// Emits a big-endian `u32`.
    pub fn be32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// Emits a big-endian `u64`.
    pub fn be64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }
}
