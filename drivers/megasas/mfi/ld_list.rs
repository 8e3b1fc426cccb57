// SPDX-License-Identifier: GPL-2.0

//! The LD_GET_LIST reply (`mfi_ld_list`): a count and up to 64 entries of
//! 16 bytes, 1032 bytes in all.

use super::MfiError;
use crate::proto::le::{le32, le64, u8_at};

/// Reply size; QEMU rejects a larger buffer, so allocate exactly this.
pub const LD_LIST_SIZE: usize = 1032;
/// Entries the reply can hold (`MFI_MAX_LD`).
pub const MAX_LDS: usize = 64;
/// Offset of the first entry.
pub const OFF_ENTRIES: usize = 8;
/// Entry size.
pub const ENTRY_SIZE: usize = 16;
/// Entry offset: target id.
pub const ENT_TARGET_ID: usize = 0;
/// Entry offset: state.
pub const ENT_STATE: usize = 4;
/// Entry offset: size in 512-byte blocks (u64).
pub const ENT_SIZE: usize = 8;

/// Logical drive state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LdState {
    /// 0: offline.
    Offline,
    /// 1: partially degraded.
    PartiallyDegraded,
    /// 2: degraded.
    Degraded,
    /// 3: optimal (QEMU reports every drive so).
    Optimal,
    /// Anything else.
    Other(u8),
}

impl LdState {
    /// Decodes the state byte.
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => LdState::Offline,
            1 => LdState::PartiallyDegraded,
            2 => LdState::Degraded,
            3 => LdState::Optimal,
            v => LdState::Other(v),
        }
    }

    /// True if the drive can do I/O (everything but offline).
    pub fn is_usable(self) -> bool {
        !matches!(self, LdState::Offline)
    }
}

/// One logical drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LdEntry {
    /// SCSI target id (QEMU: the disk's scsi-id; LUN is always 0).
    pub target_id: u8,
    /// State.
    pub state: LdState,
    /// Size in 512-byte blocks.
    pub size_blocks: u64,
}

/// A validated LD_GET_LIST reply.
#[derive(Clone, Copy, Debug)]
pub struct LdList<'a> {
    buf: &'a [u8],
    count: usize,
}

impl<'a> LdList<'a> {
    /// Validates the count against [`MAX_LDS`] and the buffer length.
    pub fn parse(buf: &'a [u8]) -> Result<Self, MfiError> {
        let count = le32(buf, 0).ok_or(MfiError::BufferTooSmall)?;
        let count = usize::try_from(count).map_err(|_| MfiError::BadCount)?;
        if count > MAX_LDS {
            return Err(MfiError::BadCount);
        }
        let need = count
            .checked_mul(ENTRY_SIZE)
            .and_then(|n| n.checked_add(OFF_ENTRIES))
            .ok_or(MfiError::BadCount)?;
        if buf.len() < need {
            return Err(MfiError::BufferTooSmall);
        }
        Ok(LdList { buf, count })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True if there are no logical drives.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Entry `i`, `None` past the end.
    pub fn get(&self, i: usize) -> Option<LdEntry> {
        if i >= self.count {
            return None;
        }
        let base = i.checked_mul(ENTRY_SIZE)?.checked_add(OFF_ENTRIES)?;
        Some(LdEntry {
            target_id: u8_at(self.buf, base.checked_add(ENT_TARGET_ID)?)?,
            state: LdState::from_u8(u8_at(self.buf, base.checked_add(ENT_STATE)?)?),
            size_blocks: le64(self.buf, base.checked_add(ENT_SIZE)?)?,
        })
    }

    /// All entries in order.
    pub fn iter(&self) -> impl Iterator<Item = LdEntry> + 'a {
        let me = *self;
        (0..me.count).filter_map(move |i| me.get(i))
    }
}
