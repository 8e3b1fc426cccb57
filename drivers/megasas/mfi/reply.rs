// SPDX-License-Identifier: GPL-2.0

//! Reply-ring index arithmetic and frame contexts.
//!
//! The ring holds one little-endian `u32` context per completion. The
//! firmware writes `ring[producer]`, advances the producer modulo
//! `fw_cmds` and stores it at the producer address; the driver consumes
//! slots from its consumer index up to the producer and then stores the
//! new consumer index. Zero both index words before INIT (QEMU starts from
//! whatever they hold). Producer == consumer means empty, so a full ring
//! is indistinguishable from an empty one: keep at most
//! [`ReplyRing::max_outstanding`] frames in flight.

use super::MfiError;
use crate::proto::le::le32;

/// Bytes per ring entry (32-bit contexts).
pub const ENTRY_SIZE: usize = 4;

/// Geometry of a reply ring of `fw_cmds` entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyRing {
    entries: u32,
}

impl ReplyRing {
    /// A ring wrapping at `fw_cmds` (from `regs::FwStatus::max_cmds`),
    /// which is where QEMU wraps; at least 2 so one frame fits.
    pub fn new(fw_cmds: u16) -> Result<Self, MfiError> {
        if fw_cmds < 2 {
            return Err(MfiError::InvalidParam);
        }
        Ok(ReplyRing {
            entries: u32::from(fw_cmds),
        })
    }

    /// Number of ring entries (the INIT `rq_entries`).
    pub fn entries(&self) -> u32 {
        self.entries
    }

    /// Ring size in bytes.
    pub fn ring_bytes(&self) -> usize {
        (self.entries as usize).saturating_mul(ENTRY_SIZE)
    }

    /// Most frames that may be outstanding at once (one slot stays free
    /// to tell full from empty; QEMU also answers BUSY beyond `fw_cmds`).
    pub fn max_outstanding(&self) -> u32 {
        self.entries.saturating_sub(1)
    }

    fn check(&self, idx: u32) -> Result<(), MfiError> {
        if idx >= self.entries {
            return Err(MfiError::BadIndex);
        }
        Ok(())
    }

    /// The index after `idx`, wrapping at `entries`.
    pub fn next(&self, idx: u32) -> Result<u32, MfiError> {
        self.check(idx)?;
        let n = idx.saturating_add(1);
        Ok(if n == self.entries { 0 } else { n })
    }

    /// Completions waiting between `consumer` and `producer`. Indices
    /// outside the ring (a confused or hostile device) are errors.
    pub fn pending(&self, producer: u32, consumer: u32) -> Result<u32, MfiError> {
        self.check(producer)?;
        self.check(consumer)?;
        Ok(if producer >= consumer {
            producer.saturating_sub(consumer)
        } else {
            self.entries
                .saturating_sub(consumer)
                .saturating_add(producer)
        })
    }

    /// Byte offset of slot `idx` in the ring.
    pub fn slot_offset(&self, idx: u32) -> Result<usize, MfiError> {
        self.check(idx)?;
        (idx as usize)
            .checked_mul(ENTRY_SIZE)
            .ok_or(MfiError::BadIndex)
    }

    /// The slots to consume, in order, from `consumer` up to (excluding)
    /// `producer`; afterwards store `producer` as the consumer index.
    pub fn drain(&self, producer: u32, consumer: u32) -> Result<Drain, MfiError> {
        let left = self.pending(producer, consumer)?;
        Ok(Drain {
            ring: *self,
            at: consumer,
            left,
        })
    }
}

/// Iterator over ring slots to consume, from [`ReplyRing::drain`].
#[derive(Clone, Debug)]
pub struct Drain {
    ring: ReplyRing,
    at: u32,
    left: u32,
}

impl Iterator for Drain {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        let slot = self.at;
        self.at = self.ring.next(slot).ok()?;
        self.left = self.left.saturating_sub(1);
        Some(slot)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.left as usize;
        (n, Some(n))
    }
}

/// Reads the context stored in ring slot `slot` of a ring buffer copy.
pub fn read_entry(ring: &[u8], slot: u32) -> Option<u32> {
    le32(ring, (slot as usize).checked_mul(ENTRY_SIZE)?)
}

/// The context to put in a frame: the driver's frame index. With 32-bit
/// ring entries only 32 bits survive the round trip.
pub fn encode_context(frame_index: u32) -> u32 {
    frame_index
}

/// The frame index a ring entry names; errors unless it is below
/// `nr_frames`, so a garbage entry never indexes the frame pool.
pub fn decode_context(context: u32, nr_frames: u32) -> Result<u32, MfiError> {
    if context >= nr_frames {
        return Err(MfiError::BadIndex);
    }
    Ok(context)
}
