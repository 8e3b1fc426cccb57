// SPDX-License-Identifier: GPL-2.0

//! 64-bit scatter-gather lists (`{u64 addr, u32 len}`, 12 bytes each)
//! inside a frame.

use super::frame::FRAME_MAP_SIZE;
use super::MfiError;
use crate::proto::le::{le32, le64, put_le32, put_le64};

/// Size of one 64-bit SG entry.
pub const SGE64_SIZE: usize = 12;
/// Most entries QEMU accepts in one frame (`MEGASAS_MAX_SGE`).
pub const MAX_SGE: usize = 128;

/// What [`encode_sge64`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SglSummary {
    /// Number of entries (fits the header's `sge_count`).
    pub count: u8,
    /// Sum of the entry lengths.
    pub total_len: u64,
    /// Frame offset just past the last entry.
    pub end: usize,
}

/// Writes `entries` as 64-bit SG entries starting at frame offset `off`.
///
/// At most `min(max_sge, MAX_SGE)` entries are accepted, and every entry
/// must end inside both `frame` and the first [`FRAME_MAP_SIZE`] bytes
/// (QEMU does not look further). Entries with a zero address or length are
/// rejected, as QEMU fails the whole frame for them. An empty iterator is
/// not an error here (frame builders decide whether they need an entry),
/// but `off` itself must lie within that room.
pub fn encode_sge64<I>(
    frame: &mut [u8],
    off: usize,
    entries: I,
    max_sge: usize,
) -> Result<SglSummary, MfiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    let limit = core::cmp::min(max_sge, MAX_SGE);
    let room = core::cmp::min(frame.len(), FRAME_MAP_SIZE);
    if off > room {
        return Err(MfiError::BufferTooSmall);
    }
    let mut count = 0usize;
    let mut total: u64 = 0;
    let mut pos = off;
    for (addr, len) in entries {
        if addr == 0 || len == 0 {
            return Err(MfiError::EmptySge);
        }
        if count >= limit {
            return Err(MfiError::TooManySge);
        }
        let end = pos.checked_add(SGE64_SIZE).ok_or(MfiError::TooManySge)?;
        if end > room {
            return Err(MfiError::TooManySge);
        }
        put_le64(frame, pos, addr)?;
        put_le32(frame, pos.saturating_add(8), len)?;
        count = count.saturating_add(1);
        total = total.saturating_add(u64::from(len));
        pos = end;
    }
    Ok(SglSummary {
        count: u8::try_from(count).map_err(|_| MfiError::TooManySge)?,
        total_len: total,
        end: pos,
    })
}

/// Reads entry `index` of a 64-bit SGL that starts at frame offset `off`.
pub fn read_sge64(frame: &[u8], off: usize, index: usize) -> Option<(u64, u32)> {
    let at = off.checked_add(index.checked_mul(SGE64_SIZE)?)?;
    Some((le64(frame, at)?, le32(frame, at.checked_add(8)?)?))
}
