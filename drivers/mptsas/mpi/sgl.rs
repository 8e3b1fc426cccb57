// SPDX-License-Identifier: GPL-2.0

//! 64-bit scatter-gather lists: simple elements in the request frame, and
//! chain elements leading to chain buffers when the frame is full
//! (`lsi/mpi.h`: `SGE_SIMPLE64`, `SGE_CHAIN64`, `MPI_SGE_FLAGS_*`).
//!
//! Layout (as Linux's `mptscsih_AddSGE` builds it and QEMU's
//! `mptsas_build_sgl` walks it): a buffer that is followed by another holds
//! simple elements, the last flagged LAST_ELEMENT, and then one chain
//! element in its last slot. The request's ChainOffset (dwords from the
//! frame start) locates the frame's chain element; a chain element's
//! NextChainOffset (dwords from its target buffer's start) locates the
//! next one, and its Length is the bytes used in its target buffer. The
//! very last simple element carries LAST_ELEMENT | END_OF_BUFFER |
//! END_OF_LIST. A request without data carries one zero-length element
//! with those flags, as QEMU requires.

use super::MpiError;
use crate::proto::le::{le16, le32, le64, put_le16, put_le32, put_le64, put_u8, u8_at};

/// Size of a 64-bit simple or chain element.
pub const SGE64_SIZE: usize = 12;
/// Largest length of one simple element (24-bit field).
pub const SGE_MAX_LEN: u32 = 0x00ff_ffff;
/// Flag: last element of this buffer.
pub const FLAG_LAST_ELEMENT: u8 = 0x80;
/// Flag: end of the data buffer.
pub const FLAG_END_OF_BUFFER: u8 = 0x40;
/// Element type bits.
pub const FLAG_TYPE_MASK: u8 = 0x30;
/// Type: simple element.
pub const FLAG_SIMPLE: u8 = 0x10;
/// Type: chain element.
pub const FLAG_CHAIN: u8 = 0x30;
/// Flag: host to IOC (write data).
pub const FLAG_HOST_TO_IOC: u8 = 0x04;
/// Flag: 64-bit address.
pub const FLAG_64_BIT: u8 = 0x02;
/// Flag: end of the list.
pub const FLAG_END_OF_LIST: u8 = 0x01;
/// Flags of the last simple element of a list.
pub const FLAGS_END: u8 = FLAG_LAST_ELEMENT | FLAG_END_OF_BUFFER | FLAG_END_OF_LIST;

/// Writes a 64-bit simple element at `off`.
pub fn put_simple64(
    buf: &mut [u8],
    off: usize,
    flags: u8,
    len: u32,
    addr: u64,
) -> Result<(), MpiError> {
    if len > SGE_MAX_LEN {
        return Err(MpiError::SegmentTooLong);
    }
    let flags = (flags & !FLAG_TYPE_MASK) | FLAG_SIMPLE | FLAG_64_BIT;
    put_le32(buf, off, (u32::from(flags) << 24) | len)?;
    put_le64(
        buf,
        off.checked_add(4).ok_or(MpiError::BufferTooSmall)?,
        addr,
    )?;
    Ok(())
}

/// Writes a 64-bit chain element at `off`.
pub fn put_chain64(
    buf: &mut [u8],
    off: usize,
    length: u16,
    next: u8,
    addr: u64,
) -> Result<(), MpiError> {
    put_le16(buf, off, length)?;
    put_u8(
        buf,
        off.checked_add(2).ok_or(MpiError::BufferTooSmall)?,
        next,
    )?;
    put_u8(
        buf,
        off.checked_add(3).ok_or(MpiError::BufferTooSmall)?,
        FLAG_CHAIN | FLAG_64_BIT,
    )?;
    put_le64(
        buf,
        off.checked_add(4).ok_or(MpiError::BufferTooSmall)?,
        addr,
    )?;
    Ok(())
}

/// A decoded element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sge {
    /// Simple element.
    Simple {
        /// Flag byte.
        flags: u8,
        /// Length.
        len: u32,
        /// Address (64-bit elements only are decoded).
        addr: u64,
    },
    /// Chain element.
    Chain {
        /// Bytes used in the next buffer.
        length: u16,
        /// Next chain element in that buffer, in dwords.
        next: u8,
        /// The next buffer.
        addr: u64,
    },
}

/// Decodes the 64-bit element at `off`; `None` if out of bounds, 32-bit,
/// or of another type.
pub fn read_sge64(buf: &[u8], off: usize) -> Option<Sge> {
    let flags = u8_at(buf, off.checked_add(3)?)?;
    if flags & FLAG_64_BIT == 0 {
        return None;
    }
    let addr = le64(buf, off.checked_add(4)?)?;
    match flags & FLAG_TYPE_MASK {
        FLAG_SIMPLE => Some(Sge::Simple {
            flags,
            len: le32(buf, off)? & SGE_MAX_LEN,
            addr,
        }),
        FLAG_CHAIN => Some(Sge::Chain {
            length: le16(buf, off)?,
            next: u8_at(buf, off.checked_add(2)?)?,
            addr,
        }),
        _ => None,
    }
}

/// Where elements go: the request frame from `sgl_offset` to `frame_size`,
/// then up to `max_chains` chain buffers of `chain_size` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SglGeometry {
    sgl_offset: usize,
    frame_size: usize,
    chain_size: usize,
    max_chains: usize,
    // Derived once by `new`: every request asks for them, and element
    // counts are divisions by 12.
    main_slots: usize,
    chain_slots: usize,
    max_segments: usize,
}

impl SglGeometry {
    /// Checks the geometry: at least two slots in the frame (and in a chain
    /// buffer, when chaining), dword alignment, and offsets that fit the
    /// 8-bit dword fields (frame and chain buffers up to 1020 bytes).
    pub fn new(
        sgl_offset: usize,
        frame_size: usize,
        chain_size: usize,
        max_chains: usize,
    ) -> Result<Self, MpiError> {
        let main_slots = frame_size.saturating_sub(sgl_offset) / SGE64_SIZE;
        let chain_slots = chain_size / SGE64_SIZE;
        let aligned = sgl_offset % 4 == 0 && frame_size % 4 == 0 && chain_size % 4 == 0;
        if !aligned || frame_size > 1020 || sgl_offset >= frame_size || main_slots < 2 {
            return Err(MpiError::InvalidParam);
        }
        if max_chains > 0 && (chain_slots < 2 || chain_size > 1020) {
            return Err(MpiError::InvalidParam);
        }
        let max_segments = if max_chains == 0 {
            main_slots
        } else {
            // Every buffer but the last gives one slot to its chain element.
            let inner = chain_slots.saturating_sub(1);
            main_slots
                .saturating_sub(1)
                .saturating_add(max_chains.saturating_sub(1).saturating_mul(inner))
                .saturating_add(chain_slots)
        };
        Ok(SglGeometry {
            sgl_offset,
            frame_size,
            chain_size,
            max_chains,
            main_slots,
            chain_slots,
            max_segments,
        })
    }

    /// Element slots in the request frame.
    pub fn main_slots(&self) -> usize {
        self.main_slots
    }

    /// Element slots in one chain buffer.
    pub fn chain_slots(&self) -> usize {
        self.chain_slots
    }

    /// Bytes of one chain buffer.
    pub fn chain_size(&self) -> usize {
        self.chain_size
    }

    /// Most chain buffers per request.
    pub fn max_chains(&self) -> usize {
        self.max_chains
    }

    /// Most segments one request can carry (the host's `sg_tablesize`).
    pub fn max_segments(&self) -> usize {
        self.max_segments
    }

    /// Chain buffers needed for `segments` segments.
    #[inline]
    pub fn chains_for(&self, segments: usize) -> Result<usize, MpiError> {
        // `main_slots <= max_segments`: a request that fits the frame is
        // also within the limit.
        if segments <= self.main_slots {
            return Ok(0);
        }
        self.chains_beyond_frame(segments)
    }

    fn chains_beyond_frame(&self, segments: usize) -> Result<usize, MpiError> {
        if segments > self.max_segments {
            return Err(MpiError::TooManySegments);
        }
        let rest = segments.saturating_sub(self.main_slots().saturating_sub(1));
        let beyond = rest.saturating_sub(self.chain_slots());
        let inner = self.chain_slots().saturating_sub(1);
        // Checked: `inner` is at least 1 for a valid geometry, but a
        // division the compiler cannot prove safe would carry a panic.
        let extra = beyond
            .checked_add(inner.saturating_sub(1))
            .and_then(|v| v.checked_div(inner))
            .ok_or(MpiError::InvalidParam)?;
        Ok(extra.saturating_add(1))
    }

    /// Bytes of the request frame that a request with `segments`
    /// segments uses: the header and its elements, or the whole frame
    /// once it chains (the chain element is in the frame's last slot).
    /// The frame buffer given to [`write_sgl`] needs this many.
    pub fn frame_bytes_for(&self, segments: usize) -> Result<usize, MpiError> {
        if self.chains_for(segments)? > 0 {
            return Ok(self.frame_size);
        }
        Ok(self
            .sgl_offset
            .saturating_add(segments.max(1).saturating_mul(SGE64_SIZE)))
    }

    /// Slots of buffer `b` (0 = the frame) usable by simple elements when
    /// `chains` chain buffers follow the frame.
    fn capacity(&self, b: usize, chains: usize) -> usize {
        let slots = if b == 0 {
            self.main_slots()
        } else {
            self.chain_slots()
        };
        if b < chains {
            slots.saturating_sub(1)
        } else {
            slots
        }
    }
}

/// The chain buffers of one request: `buf` is `dma` in device memory, and
/// chain buffer `k` is at offset `k * chain_size` of both.
#[derive(Debug)]
pub struct ChainArea<'a> {
    /// CPU view of the chain buffers.
    pub buf: &'a mut [u8],
    /// Bus address of `buf`.
    pub dma: u64,
}

/// What [`write_sgl`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SglSummary {
    /// The request's ChainOffset in dwords (0: no chain).
    pub chain_offset: u8,
    /// Chain buffers used.
    pub chains: usize,
    /// Sum of the segment lengths.
    pub total_len: u64,
    /// Bytes of the frame in use (header and elements).
    pub frame_bytes: usize,
}

fn dwords(bytes: usize) -> Result<u8, MpiError> {
    u8::try_from(bytes / 4).map_err(|_| MpiError::InvalidParam)
}

/// Writes `count` segments `(bus address, length)` from `segs` as the
/// request's SGL: into `frame` (at least [`SglGeometry::frame_bytes_for`]
/// bytes) from the geometry's offset, then into `chains` as needed. `write` sets the host-to-IOC direction flag.
pub fn write_sgl<I>(
    geo: &SglGeometry,
    frame: &mut [u8],
    mut chains: Option<&mut ChainArea<'_>>,
    write: bool,
    count: usize,
    segs: I,
) -> Result<SglSummary, MpiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    let dir = if write { FLAG_HOST_TO_IOC } else { 0 };
    let nchains = geo.chains_for(count)?;
    if frame.len() < geo.frame_bytes_for(count)? {
        return Err(MpiError::BufferTooSmall);
    }
    if nchains > 0 {
        let area = chains.as_deref().ok_or(MpiError::BufferTooSmall)?;
        let need = nchains
            .checked_mul(geo.chain_size)
            .ok_or(MpiError::InvalidParam)?;
        if area.buf.len() < need {
            return Err(MpiError::BufferTooSmall);
        }
        if area.dma == 0 || area.dma % 4 != 0 {
            return Err(MpiError::BadAddress);
        }
    }
    let mut sum = SglSummary {
        chain_offset: 0,
        chains: nchains,
        total_len: 0,
        frame_bytes: geo.sgl_offset.saturating_add(SGE64_SIZE),
    };
    if count == 0 {
        put_simple64(frame, geo.sgl_offset, FLAGS_END | dir, 0, 0)?;
        return Ok(sum);
    }
    if nchains == 0 {
        return write_in_frame(geo.sgl_offset, frame, dir, count, segs, sum);
    }
    let (mut b, mut slot, mut done) = (0usize, 0usize, 0usize);
    for (addr, len) in segs {
        if done >= count {
            return Err(MpiError::SegmentCountMismatch);
        }
        if len == 0 {
            return Err(MpiError::EmptySegment);
        }
        let cap = geo.capacity(b, nchains);
        let last = done.saturating_add(1) == count;
        let buf_full = slot.saturating_add(1) == cap;
        let flags = dir
            | if last {
                FLAGS_END
            } else if buf_full {
                FLAG_LAST_ELEMENT
            } else {
                0
            };
        let off = slot.saturating_mul(SGE64_SIZE);
        if b == 0 {
            let at = geo.sgl_offset.saturating_add(off);
            put_simple64(frame, at, flags, len, addr)?;
            sum.frame_bytes = at.saturating_add(SGE64_SIZE);
        } else {
            let area = chains.as_deref_mut().ok_or(MpiError::BufferTooSmall)?;
            let base = b.saturating_sub(1).saturating_mul(geo.chain_size);
            put_simple64(area.buf, base.saturating_add(off), flags, len, addr)?;
        }
        sum.total_len = sum.total_len.saturating_add(u64::from(len));
        done = done.saturating_add(1);
        slot = slot.saturating_add(1);
        if buf_full && !last {
            link(
                geo,
                frame,
                chains.as_deref_mut(),
                b,
                nchains,
                count.saturating_sub(done),
                &mut sum,
            )?;
            b = b.saturating_add(1);
            slot = 0;
        }
    }
    if done != count {
        return Err(MpiError::SegmentCountMismatch);
    }
    Ok(sum)
}

/// [`write_sgl`] for a list that fits the frame (most requests): the
/// elements one after the other from `at`, the last one ending the list.
fn write_in_frame<I>(
    mut at: usize,
    frame: &mut [u8],
    dir: u8,
    count: usize,
    segs: I,
    mut sum: SglSummary,
) -> Result<SglSummary, MpiError>
where
    I: IntoIterator<Item = (u64, u32)>,
{
    let mut left = count;
    for (addr, len) in segs {
        if left == 0 {
            return Err(MpiError::SegmentCountMismatch);
        }
        if len == 0 {
            return Err(MpiError::EmptySegment);
        }
        left = left.saturating_sub(1);
        let flags = if left == 0 { dir | FLAGS_END } else { dir };
        put_simple64(frame, at, flags, len, addr)?;
        at = at.saturating_add(SGE64_SIZE);
        sum.total_len = sum.total_len.saturating_add(u64::from(len));
    }
    if left != 0 {
        return Err(MpiError::SegmentCountMismatch);
    }
    sum.frame_bytes = at;
    Ok(sum)
}

/// Writes the chain element in the last slot of buffer `b`, pointing at
/// buffer `b + 1` which will hold `left` more segments.
fn link(
    geo: &SglGeometry,
    frame: &mut [u8],
    chains: Option<&mut ChainArea<'_>>,
    b: usize,
    nchains: usize,
    left: usize,
    sum: &mut SglSummary,
) -> Result<(), MpiError> {
    let area = chains.ok_or(MpiError::BufferTooSmall)?;
    let target = b.saturating_add(1);
    let (length, next) = if target == nchains {
        (left.saturating_mul(SGE64_SIZE), 0)
    } else {
        let inner = geo
            .chain_slots()
            .saturating_sub(1)
            .saturating_mul(SGE64_SIZE);
        (inner.saturating_add(SGE64_SIZE), dwords(inner)?)
    };
    let length = u16::try_from(length).map_err(|_| MpiError::InvalidParam)?;
    let offset = b.saturating_mul(geo.chain_size);
    let addr = area
        .dma
        .checked_add(offset as u64)
        .ok_or(MpiError::BadAddress)?;
    let slot = geo.capacity(b, nchains).saturating_mul(SGE64_SIZE);
    if b == 0 {
        let at = geo.sgl_offset.saturating_add(slot);
        put_chain64(frame, at, length, next, addr)?;
        sum.chain_offset = dwords(at)?;
        sum.frame_bytes = at.saturating_add(SGE64_SIZE);
    } else {
        let at = b
            .saturating_sub(1)
            .saturating_mul(geo.chain_size)
            .saturating_add(slot);
        put_chain64(area.buf, at, length, next, addr)?;
    }
    Ok(())
}
