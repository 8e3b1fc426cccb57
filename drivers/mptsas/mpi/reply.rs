// SPDX-License-Identifier: GPL-2.0

//! Reply descriptors read from the reply post FIFO, message contexts, and
//! the address arithmetic of the request and reply frame pools
//! (`lsi/mpi.h`: "Message Frame Descriptors").
//!
//! A read of the reply FIFO returns either a context reply (bit 31 clear:
//! the request's MsgContext, meaning success without residual) or an
//! address reply (bit 31 set: a reply frame's address shifted right by
//! one), or 0xFFFFFFFF when empty. Request frames, reply frames and the
//! FIFO words share one upper dword (IOC_INIT HostMfaHighAddr), so both
//! pools must lie in the same 4 GiB window.

use super::MpiError;

/// Reply FIFO value when empty.
pub const REPLY_EMPTY: u32 = 0xffff_ffff;
/// Bit 31: address reply.
pub const ADDRESS_REPLY_BIT: u32 = 0x8000_0000;
/// Context reply type bits 30:29 (0 = SCSI initiator).
pub const CONTEXT_TYPE_MASK: u32 = 0x6000_0000;
/// Context bits a driver may use.
pub const CONTEXT_MASK: u32 = 0x1fff_ffff;
/// Request and reply frames must be 8-byte aligned (the request FIFO
/// ignores bits 1:0, the address reply drops bit 0, Linux aligns to 8).
pub const FRAME_ALIGN: u64 = 8;

/// One value read from the reply post FIFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyDescriptor {
    /// The FIFO is empty (this read also cleared HIS.REPLY).
    Empty,
    /// A context reply: the request with this MsgContext succeeded.
    Context(u32),
    /// An address reply: the low 32 bits of the reply frame's address.
    Address(u32),
}

impl ReplyDescriptor {
    /// Decodes a reply FIFO read.
    pub fn decode(raw: u32) -> Self {
        if raw == REPLY_EMPTY {
            ReplyDescriptor::Empty
        } else if raw & ADDRESS_REPLY_BIT != 0 {
            ReplyDescriptor::Address((raw & !ADDRESS_REPLY_BIT) << 1)
        } else {
            ReplyDescriptor::Context(raw)
        }
    }
}

/// The MsgContext for request slot `slot` (type SCSI initiator).
pub fn encode_context(slot: u32) -> Result<u32, MpiError> {
    if slot > CONTEXT_MASK {
        return Err(MpiError::InvalidParam);
    }
    Ok(slot)
}

/// The request slot a context names, checked against the pool size so a
/// garbage value never indexes the pool.
pub fn decode_context(context: u32, slots: u32) -> Result<u32, MpiError> {
    if context & !CONTEXT_MASK != 0 || context >= slots {
        return Err(MpiError::BadIndex);
    }
    Ok(context)
}

/// A pool of equal frames in one DMA area, all in the 4 GiB window of
/// their upper dword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramePool {
    base: u64,
    frame_size: u32,
    count: u32,
}

impl FramePool {
    /// Describes `count` frames of `frame_size` bytes from bus address
    /// `base`; errors unless aligned and within one 4 GiB window.
    pub fn new(base: u64, frame_size: u32, count: u32) -> Result<Self, MpiError> {
        if count == 0 || frame_size == 0 || u64::from(frame_size) % FRAME_ALIGN != 0 {
            return Err(MpiError::InvalidParam);
        }
        if base == 0 || base % FRAME_ALIGN != 0 {
            return Err(MpiError::BadAddress);
        }
        let bytes = u64::from(frame_size)
            .checked_mul(u64::from(count))
            .ok_or(MpiError::InvalidParam)?;
        let last = base
            .checked_add(bytes.saturating_sub(1))
            .ok_or(MpiError::BadAddress)?;
        if last >> 32 != base >> 32 {
            return Err(MpiError::BadAddress);
        }
        Ok(FramePool {
            base,
            frame_size,
            count,
        })
    }

    /// The shared upper dword (IOC_INIT HostMfaHighAddr).
    pub fn high(&self) -> u32 {
        (self.base >> 32) as u32
    }

    /// Frames in the pool.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Byte offset of frame `i` in the pool's memory.
    pub fn offset(&self, i: u32) -> Result<usize, MpiError> {
        if i >= self.count {
            return Err(MpiError::BadIndex);
        }
        let off = u64::from(i)
            .checked_mul(u64::from(self.frame_size))
            .ok_or(MpiError::BadIndex)?;
        usize::try_from(off).map_err(|_| MpiError::BadIndex)
    }

    /// Bus address of frame `i`.
    pub fn addr(&self, i: u32) -> Result<u64, MpiError> {
        let off = self.offset(i)? as u64;
        self.base.checked_add(off).ok_or(MpiError::BadIndex)
    }

    /// The FIFO word for frame `i`: its low 32 address bits (request post
    /// FIFO for a request, reply free FIFO to hand a reply frame back).
    pub fn fifo_word(&self, i: u32) -> Result<u32, MpiError> {
        Ok(self.addr(i)? as u32)
    }

    /// The frame an address reply names. Anything not at a frame start of
    /// this pool (a confused or hostile device) is an error.
    pub fn index_of(&self, low: u32) -> Result<u32, MpiError> {
        let addr = (self.base & !0xffff_ffff) | u64::from(low);
        let off = addr.checked_sub(self.base).ok_or(MpiError::BadIndex)?;
        let size = u64::from(self.frame_size);
        if off.checked_rem(size) != Some(0) {
            return Err(MpiError::BadIndex);
        }
        let i = off.checked_div(size).ok_or(MpiError::BadIndex)?;
        let i = u32::try_from(i).map_err(|_| MpiError::BadIndex)?;
        if i >= self.count {
            return Err(MpiError::BadIndex);
        }
        Ok(i)
    }
}
