// SPDX-License-Identifier: GPL-2.0

//! Fixed-size descriptor slots in coherent DMA memory.
//!
//! A hardware adapter keeps one slot per command (its frame, its sense
//! buffer). Each slot is in one of three states: free, owned by the CPU
//! (a [`SlotMut`] exists: the only way to write its bytes), or owned by the
//! device (posted; the CPU may only peek at single bytes, such as a status
//! byte the device writes last). The driver's protocol decides when the
//! device is done with a slot; [`DmaSlots::reclaim`] then hands it back.
//!
//! The memory is coherent and the device can reach it at any time, whatever
//! the driver believes (a firmware bug, a reset in progress). So no Rust
//! reference to slot bytes is ever made: every access is a volatile copy,
//! as with `kernel::dma`'s `dma_read!`/`dma_write!`. The states are the
//! driver's protocol bookkeeping (who may write a slot now); a wrong belief
//! can garble a frame but never breaks memory safety. The memory itself
//! lives as long as the `DmaSlots`; a driver must stop the device before
//! dropping it.

use super::word_split::{Split, WORD};
use core::marker::PhantomData;
use kernel::{
    device::{self, Bound},
    dma::Coherent,
    prelude::*,
    sync::atomic::{Atomic, Full, Relaxed, Release},
};

const FREE: i32 = 0;
const CPU: i32 = 1;
const DEVICE: i32 = 2;

/// `count` slots of `slot_size` bytes, in coherent chunks of `chunk_size`
/// bytes (page aligned, so a slot never crosses a page when `slot_size`
/// divides the page size).
///
/// # Invariants
///
/// Every chunk holds `per_chunk * slot_size` bytes or more; `state` has one
/// entry per slot; bytes of a slot are only referenced through a [`SlotMut`]
/// while its state is `CPU`.
pub struct DmaSlots {
    chunks: KVec<Coherent<[u8]>>,
    slot_size: usize,
    per_chunk: usize,
    /// `log2(per_chunk)` when `per_chunk` is a power of two: finding a
    /// slot then takes a shift and a mask instead of a division, which
    /// emulated CPUs run as a slow helper call (every command looks its
    /// slot up a few times).
    per_chunk_shift: Option<u32>,
    state: KVec<Atomic<i32>>,
}

impl Default for DmaSlots {
    /// No slots (what is left after [`core::mem::take`]).
    fn default() -> Self {
        Self {
            chunks: KVec::new(),
            slot_size: 0,
            per_chunk: 1,
            per_chunk_shift: Some(0),
            state: KVec::new(),
        }
    }
}

impl DmaSlots {
    /// Allocates zeroed slots for `dev`.
    pub fn new(
        dev: &device::Device<Bound>,
        count: usize,
        slot_size: usize,
        chunk_size: usize,
    ) -> Result<Self> {
        if count == 0 || slot_size == 0 || chunk_size < slot_size {
            return Err(EINVAL);
        }
        let per_chunk = chunk_size / slot_size;
        let nr_chunks = count.div_ceil(per_chunk);
        let mut chunks = KVec::with_capacity(nr_chunks, GFP_KERNEL)?;
        for _ in 0..nr_chunks {
            chunks.push(
                Coherent::<u8>::zeroed_slice(dev, per_chunk * slot_size, GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let mut state = KVec::with_capacity(count, GFP_KERNEL)?;
        for _ in 0..count {
            state.push(Atomic::new(FREE), GFP_KERNEL)?;
        }
        // INVARIANT: Chunks sized above, one state per slot, all free.
        Ok(Self {
            chunks,
            slot_size,
            per_chunk,
            per_chunk_shift: per_chunk
                .is_power_of_two()
                .then(|| per_chunk.trailing_zeros()),
            state,
        })
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Whether there are no slots (never true for a constructed value).
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// Size of one slot in bytes.
    pub fn slot_size(&self) -> usize {
        self.slot_size
    }

    #[inline]
    fn locate(&self, idx: usize) -> Option<(&Coherent<[u8]>, usize)> {
        if idx >= self.state.len() {
            return None;
        }
        let (chunk, within) = match self.per_chunk_shift {
            Some(shift) => (
                idx.checked_shr(shift)?,
                idx & self.per_chunk.wrapping_sub(1),
            ),
            None => (
                idx.checked_div(self.per_chunk)?,
                idx.checked_rem(self.per_chunk)?,
            ),
        };
        Some((self.chunks.get(chunk)?, within.checked_mul(self.slot_size)?))
    }

    /// Bus address of slot `idx`.
    pub fn dma_address(&self, idx: usize) -> Option<u64> {
        let (chunk, off) = self.locate(idx)?;
        // `dma_addr_t` is `u32` on 32-bit configurations without 64-bit DMA
        // addressing: the conversion is only useless on this one.
        #[allow(clippy::useless_conversion)]
        let base = u64::from(chunk.dma_address());
        base.checked_add(off as u64)
    }

    #[inline]
    fn take(&self, idx: usize, from: i32) -> Option<SlotMut<'_>> {
        let (chunk, base) = self.locate(idx)?;
        self.state.get(idx)?.cmpxchg(from, CPU, Full).ok()?;
        // INVARIANT: The exchange made the slot the CPU's, for this value
        // only; `locate` found it in range, at `base` of `chunk`.
        Some(SlotMut {
            slots: self,
            idx,
            chunk,
            base,
            _p: PhantomData,
        })
    }

    /// Takes a free slot for the CPU.
    #[inline]
    pub fn claim(&self, idx: usize) -> Option<SlotMut<'_>> {
        self.take(idx, FREE)
    }

    /// Takes back a slot the device is done with.
    #[inline]
    pub fn reclaim(&self, idx: usize) -> Option<SlotMut<'_>> {
        self.take(idx, DEVICE)
    }

    /// Whether slot `idx` is posted to the device.
    pub fn is_with_device(&self, idx: usize) -> bool {
        self.state
            .get(idx)
            .is_some_and(|s| s.load(Relaxed) == DEVICE)
    }

    /// Reads byte `off` of slot `idx` with a single volatile access, in any
    /// state (polling a status byte the device writes).
    pub fn peek_u8(&self, idx: usize, off: usize) -> Option<u8> {
        if off >= self.slot_size {
            return None;
        }
        let (chunk, base) = self.locate(idx)?;
        read_byte(chunk, base.checked_add(off)?).ok()
    }

    /// Reads `dst.len()` bytes from byte `off` of slot `idx` (volatile, in
    /// any state: what the device wrote last).
    pub fn read(&self, idx: usize, off: usize, dst: &mut [u8]) -> Result {
        let (chunk, base) = self.locate(idx).ok_or(EINVAL)?;
        off.checked_add(dst.len())
            .filter(|&e| e <= self.slot_size)
            .ok_or(EINVAL)?;
        copy_from(chunk, base.checked_add(off).ok_or(EINVAL)?, dst)
    }

    /// Forces every device-owned slot back to free, after a controller reset
    /// after which the device no longer touches any of them.
    pub fn reset_device_owned(&self) {
        for s in self.state.iter() {
            let _ = s.cmpxchg(DEVICE, FREE, Full);
        }
    }
}

fn read_byte(chunk: &Coherent<[u8]>, at: usize) -> Result<u8> {
    Ok(kernel::io::io_read!(chunk, [try: at]))
}

/// Where `len` bytes from byte `at` of `chunk` start, after checking that
/// they lie inside it, and how a copy of them splits into bytes and words.
///
/// The copies below rest on this: every access they make is at `start`
/// plus less than `len` (the split's parts add up to `len`), so inside
/// `chunk`'s allocation, which lives while `chunk` is borrowed; a word
/// access is at an address the split made word aligned; and all of them
/// are volatile accesses through a raw pointer derived from the
/// allocation's, so no Rust reference to the memory exists. The device (or
/// another CPU, against the driver's protocol) touching the same bytes at
/// the same time garbles data, as with `io_write!`; it is not undefined
/// behaviour.
fn span(chunk: &Coherent<[u8]>, at: usize, len: usize) -> Result<(*mut u8, Split)> {
    at.checked_add(len)
        .filter(|&end| end <= chunk.len())
        .ok_or(EINVAL)?;
    let start = chunk.as_mut_ptr().cast::<u8>().wrapping_add(at);
    Ok((start, Split::new(start.addr(), len)))
}

/// Copies `src` to byte `at` of `chunk` with volatile stores, a word at a
/// time where the address is aligned: a frame is written per command, and
/// under emulation each store goes through the translated code's memory
/// path, so a store per byte shows in a profile. No order among the
/// stores is promised.
fn copy_to(chunk: &Coherent<[u8]>, at: usize, src: &[u8]) -> Result {
    let (mut p, split) = span(chunk, at, src.len())?;
    let (head, body) = src.split_at_checked(split.head).ok_or(EINVAL)?;
    let words = body.chunks_exact(WORD);
    let tail = words.remainder();
    for &b in head {
        // SAFETY: A byte of the range `span` checked; see `span`.
        unsafe { p.write_volatile(b) };
        p = p.wrapping_add(1);
    }
    for w in words {
        let v = usize::from_ne_bytes(w.try_into().map_err(|_| EINVAL)?);
        // SAFETY: An aligned word of the range `span` checked; see `span`.
        unsafe { p.cast::<usize>().write_volatile(v) };
        p = p.wrapping_add(WORD);
    }
    for &b in tail {
        // SAFETY: A byte of the range `span` checked; see `span`.
        unsafe { p.write_volatile(b) };
        p = p.wrapping_add(1);
    }
    Ok(())
}

/// Sets `len` bytes from byte `at` of `chunk` to `val`, as [`copy_to`].
fn fill_with(chunk: &Coherent<[u8]>, at: usize, len: usize, val: u8) -> Result {
    let (mut p, split) = span(chunk, at, len)?;
    for _ in 0..split.head {
        // SAFETY: A byte of the range `span` checked; see `span`.
        unsafe { p.write_volatile(val) };
        p = p.wrapping_add(1);
    }
    let v = usize::from_ne_bytes([val; WORD]);
    for _ in 0..split.words {
        // SAFETY: An aligned word of the range `span` checked; see `span`.
        unsafe { p.cast::<usize>().write_volatile(v) };
        p = p.wrapping_add(WORD);
    }
    for _ in 0..split.tail {
        // SAFETY: A byte of the range `span` checked; see `span`.
        unsafe { p.write_volatile(val) };
        p = p.wrapping_add(1);
    }
    Ok(())
}

/// Copies bytes from byte `at` of `chunk` into `dst` with volatile loads,
/// as [`copy_to`] stores them (what a load the device races with reads,
/// the driver's protocol judges).
fn copy_from(chunk: &Coherent<[u8]>, at: usize, dst: &mut [u8]) -> Result {
    let (mut p, split) = span(chunk, at, dst.len())?;
    let (head, body) = dst.split_at_mut_checked(split.head).ok_or(EINVAL)?;
    let mut words = body.chunks_exact_mut(WORD);
    for d in head.iter_mut() {
        // SAFETY: A byte of the range `span` checked; see `span`.
        *d = unsafe { p.read_volatile() };
        p = p.wrapping_add(1);
    }
    for w in words.by_ref() {
        // SAFETY: An aligned word of the range `span` checked; see `span`.
        let v = unsafe { p.cast::<usize>().read_volatile() };
        for (d, b) in w.iter_mut().zip(v.to_ne_bytes()) {
            *d = b;
        }
        p = p.wrapping_add(WORD);
    }
    for d in words.into_remainder() {
        // SAFETY: A byte of the range `span` checked; see `span`.
        *d = unsafe { p.read_volatile() };
        p = p.wrapping_add(1);
    }
    Ok(())
}

/// A slot owned by the CPU.
///
/// # Invariants
///
/// The state of slot `idx` is `CPU` for as long as this value lives, and
/// this is the only `SlotMut` for it; `idx` is in range; the slot starts at
/// byte `base` of `chunk`.
pub struct SlotMut<'a> {
    slots: &'a DmaSlots,
    idx: usize,
    /// Where the slot is ([`DmaSlots::locate`], found once when taken:
    /// a command builds, posts and completes its frame through this).
    chunk: &'a Coherent<[u8]>,
    base: usize,
    _p: PhantomData<&'a mut [u8]>,
}

impl SlotMut<'_> {
    /// Byte `at` of the chunk for `len` bytes from byte `off` of the slot,
    /// when they lie inside the slot.
    #[inline]
    fn at(&self, off: usize, len: usize) -> Result<usize> {
        off.checked_add(len)
            .filter(|&e| e <= self.slots.slot_size)
            .ok_or(EINVAL)?;
        self.base.checked_add(off).ok_or(EINVAL)
    }

    /// Bus address of the slot.
    pub fn dma_address(&self) -> u64 {
        // `dma_addr_t` is `u32` on 32-bit configurations without 64-bit
        // DMA addressing: the conversion is only useless on this one.
        #[allow(clippy::useless_conversion)]
        let chunk = u64::from(self.chunk.dma_address());
        chunk.checked_add(self.base as u64).unwrap_or(0)
    }

    /// Writes `src` at byte `off` of the slot (volatile; in no particular
    /// order within the copy).
    pub fn write(&mut self, off: usize, src: &[u8]) -> Result {
        copy_to(self.chunk, self.at(off, src.len())?, src)
    }

    /// Sets `len` bytes from `off` to `val`.
    pub fn fill(&mut self, off: usize, len: usize, val: u8) -> Result {
        fill_with(self.chunk, self.at(off, len)?, len, val)
    }

    /// Reads `dst.len()` bytes from byte `off` of the slot.
    pub fn read(&self, off: usize, dst: &mut [u8]) -> Result {
        copy_from(self.chunk, self.at(off, dst.len())?, dst)
    }

    /// Reads the 4 bytes from byte `off` of the slot, with a single
    /// volatile load when they are aligned: a completion's status word,
    /// read for every command.
    #[inline]
    pub fn read_word32(&self, off: usize) -> Result<[u8; 4]> {
        let at = self.at(off, 4)?;
        let (p, _) = span(self.chunk, at, 4)?;
        if p.addr() % 4 == 0 {
            // SAFETY: An aligned word of the range `span` checked; see `span`.
            let v = unsafe { p.cast::<u32>().read_volatile() };
            return Ok(v.to_ne_bytes());
        }
        let mut b = [0u8; 4];
        copy_from(self.chunk, at, &mut b)?;
        Ok(b)
    }

    /// Hands the slot to the device (call just before posting it); returns
    /// its index.
    #[inline]
    pub fn to_device(self) -> usize {
        let idx = self.idx;
        if let Some(s) = self.slots.state.get(idx) {
            s.store(DEVICE, Release);
        }
        core::mem::forget(self);
        idx
    }
}

impl Drop for SlotMut<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(s) = self.slots.state.get(self.idx) {
            s.store(FREE, Release);
        }
    }
}
