// SPDX-License-Identifier: GPL-2.0

//! Little-endian field access for firmware frames (MFI, MPI) in DMA buffers.
//!
//! [`super::wire`] is big-endian (SCSI data); controller message frames are
//! little-endian. Reads return `None` and writes fail with [`ShortBuffer`]
//! when the field does not fit, so hostile or truncated buffers never
//! panic. Each protocol's error type converts from [`ShortBuffer`].

/// A field did not fit the buffer it was to be read from or written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShortBuffer;

fn field<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    let b = buf.get(off..off.checked_add(N)?)?;
    let mut a = [0u8; N];
    a.copy_from_slice(b);
    Some(a)
}

/// Reads one byte at `off`.
pub fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

/// Reads a little-endian `u16` at `off`.
pub fn le16(buf: &[u8], off: usize) -> Option<u16> {
    field(buf, off).map(u16::from_le_bytes)
}

/// Reads a little-endian `u32` at `off`.
pub fn le32(buf: &[u8], off: usize) -> Option<u32> {
    field(buf, off).map(u32::from_le_bytes)
}

/// Reads a little-endian `u64` at `off`.
pub fn le64(buf: &[u8], off: usize) -> Option<u64> {
    field(buf, off).map(u64::from_le_bytes)
}

/// Copies `v` into `buf` at `off`.
pub fn put_bytes(buf: &mut [u8], off: usize, v: &[u8]) -> Result<(), ShortBuffer> {
    let end = off.checked_add(v.len()).ok_or(ShortBuffer)?;
    buf.get_mut(off..end).ok_or(ShortBuffer)?.copy_from_slice(v);
    Ok(())
}

/// Writes one byte at `off`.
pub fn put_u8(buf: &mut [u8], off: usize, v: u8) -> Result<(), ShortBuffer> {
    put_bytes(buf, off, &[v])
}

/// Writes a little-endian `u16` at `off`.
pub fn put_le16(buf: &mut [u8], off: usize, v: u16) -> Result<(), ShortBuffer> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Writes a little-endian `u32` at `off`.
pub fn put_le32(buf: &mut [u8], off: usize, v: u32) -> Result<(), ShortBuffer> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Writes a little-endian `u64` at `off`.
pub fn put_le64(buf: &mut [u8], off: usize, v: u64) -> Result<(), ShortBuffer> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Zeroes `len` bytes starting at `off`.
pub fn zero(buf: &mut [u8], off: usize, len: usize) -> Result<(), ShortBuffer> {
    let end = off.checked_add(len).ok_or(ShortBuffer)?;
    buf.get_mut(off..end).ok_or(ShortBuffer)?.fill(0);
    Ok(())
}

/// Stores at constant offsets of a fixed-size frame, for builders that
/// write a whole frame of known size: the compiler checks each range at
/// build time, so no bounds check or error path runs per field.
pub trait PutAt {
    /// Copies `v` to offset `OFF`.
    fn put_at<const OFF: usize, const N: usize>(&mut self, v: [u8; N]);
}

impl<const SIZE: usize> PutAt for [u8; SIZE] {
    #[inline(always)]
    fn put_at<const OFF: usize, const N: usize>(&mut self, v: [u8; N]) {
        const { assert!(OFF + N <= SIZE) };
        if let Some(dst) = self.get_mut(OFF..OFF + N) {
            dst.copy_from_slice(&v);
        }
    }
}
