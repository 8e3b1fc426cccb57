// SPDX-License-Identifier: GPL-2.0

//! Little-endian field access for MFI frames and replies.
//!
//! `proto::wire` is big-endian (SCSI); MFI structures are little-endian.
//! Reads return `None` and writes fail with
//! [`MfiError::BufferTooSmall`] when the field does not fit.

use super::MfiError;

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
pub fn put_bytes(buf: &mut [u8], off: usize, v: &[u8]) -> Result<(), MfiError> {
    let end = off.checked_add(v.len()).ok_or(MfiError::BufferTooSmall)?;
    buf.get_mut(off..end)
        .ok_or(MfiError::BufferTooSmall)?
        .copy_from_slice(v);
    Ok(())
}

/// Writes one byte at `off`.
pub fn put_u8(buf: &mut [u8], off: usize, v: u8) -> Result<(), MfiError> {
    put_bytes(buf, off, &[v])
}

/// Writes a little-endian `u16` at `off`.
pub fn put_le16(buf: &mut [u8], off: usize, v: u16) -> Result<(), MfiError> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Writes a little-endian `u32` at `off`.
pub fn put_le32(buf: &mut [u8], off: usize, v: u32) -> Result<(), MfiError> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Writes a little-endian `u64` at `off`.
pub fn put_le64(buf: &mut [u8], off: usize, v: u64) -> Result<(), MfiError> {
    put_bytes(buf, off, &v.to_le_bytes())
}

/// Zeroes `len` bytes starting at `off`.
pub fn zero(buf: &mut [u8], off: usize, len: usize) -> Result<(), MfiError> {
    let end = off.checked_add(len).ok_or(MfiError::BufferTooSmall)?;
    buf.get_mut(off..end)
        .ok_or(MfiError::BufferTooSmall)?
        .fill(0);
    Ok(())
}
