// SPDX-License-Identifier: GPL-2.0

//! A command's data buffer: copies to and from its scatterlist, a walk of
//! its mapped chunks, and its DMA mapping for the host's device.

use super::{layout, Command, DataDirection, SENSE_BUFFER_SIZE};
use crate::{bindings, net::TcpSocket, scsi::operations::HostOperations};
use core::marker::PhantomData;
use kernel::{ffi::c_uint, prelude::*, sync::atomic::Relaxed};

/// Pieces of the data buffer one [`Command::recv_to_sg`] call receives
/// into (a `bio_vec` each, on the stack).
const RECV_PIECES: usize = 32;

/// Direction of a scatter-gather copy, for [`Command::for_each_sg_chunk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SgChunkDir {
    /// Read the chunks (the command's data-out buffer).
    FromSg,
    /// Fill the chunks (the command's data-in buffer).
    ToSg,
}

impl<T: HostOperations> Command<T> {
    /// Sets the residual: bytes of the buffer that were not transferred.
    pub fn set_resid(&mut self, resid: u32) {
        // SAFETY: By the type invariant the command is live and owned.
        unsafe { bindings::orion_helper_scsi_set_resid(self.raw(), resid) }
    }

    /// The sense buffer, written by the driver before a CHECK CONDITION.
    pub fn sense_buffer_mut(&mut self) -> &mut [u8; SENSE_BUFFER_SIZE] {
        // SAFETY: Every command has a `SCSI_SENSE_BUFFERSIZE` sense buffer,
        // and the owner of the command may write it.
        unsafe { &mut *(*self.raw()).sense_buffer.cast::<[u8; SENSE_BUFFER_SIZE]>() }
    }

    /// Copies `src` into the data buffer at byte `offset`; returns the bytes
    /// copied: none unless the command reads from the device (a write's
    /// buffer may be pinned read-only: the zero page, a page cache page).
    pub fn copy_to_sg(&mut self, offset: usize, src: &[u8]) -> usize {
        if self.data_direction() != DataDirection::FromDevice {
            return 0;
        }
        // An offset `off_t` cannot hold is past the end of any buffer.
        let Ok(skip) = bindings::off_t::try_from(offset) else {
            return 0;
        };
        let (sgl, nents) = self.sg_table();
        // SAFETY: The command's scatterlist is valid while it is owned; the
        // copy is bounded by both the buffer and `src`.
        unsafe { bindings::sg_pcopy_from_buffer(sgl, nents, src.as_ptr().cast(), src.len(), skip) }
    }

    /// Copies the data buffer from byte `offset` into `dst`; returns the bytes copied.
    pub fn copy_from_sg(&self, offset: usize, dst: &mut [u8]) -> usize {
        // As for `copy_to_sg`.
        let Ok(skip) = bindings::off_t::try_from(offset) else {
            return 0;
        };
        let (sgl, nents) = self.sg_table();
        // SAFETY: As for `copy_to_sg`, reading instead.
        unsafe {
            bindings::sg_pcopy_to_buffer(sgl, nents, dst.as_mut_ptr().cast(), dst.len(), skip)
        }
    }

    /// Receives up to `len` bytes from `socket` into the data buffer at
    /// byte `offset`, straight into its pages, without blocking, into at
    /// most `max_pieces` scatterlist entries (1 when each piece must be
    /// read back before the next is written: a buffer may map one page
    /// twice, as an O_DIRECT `readv` with repeated iovecs does). Returns
    /// what [`TcpSocket::recv`] would: the bytes received (fewer than `len`
    /// when fewer are queued, or past `max_pieces` or 32 entries), 0 at the end of the stream, `EAGAIN` when nothing is
    /// queued. `EINVAL` when `len` is 0, the buffer ends before
    /// `offset + len`, or the command does not read from the device (as
    /// for [`Self::copy_to_sg`]).
    pub fn recv_to_sg(
        &mut self,
        socket: &TcpSocket,
        offset: usize,
        len: usize,
        max_pieces: usize,
    ) -> Result<usize> {
        if len == 0
            || self.data_direction() != DataDirection::FromDevice
            || offset
                .checked_add(len)
                .is_none_or(|end| end > self.transfer_len() as usize)
        {
            return Err(EINVAL);
        }
        let mut bvecs = [bindings::bio_vec::default(); RECV_PIECES];
        let (mut sg, nents) = self.sg_table();
        let mut entries = nents;
        let mut skip = offset;
        let mut total = 0usize;
        let mut used = 0usize;
        for bv in bvecs.iter_mut().take(max_pieces) {
            while !sg.is_null() && entries > 0 && total < len {
                // SAFETY: `sg` is one of the `nents` entries of the owned
                // command's table.
                let (sg_offset, sg_len) = unsafe { ((*sg).offset, (*sg).length as usize) };
                // SAFETY: As above.
                let page = unsafe { bindings::orion_helper_sg_page(sg) };
                entries -= 1;
                sg = if entries > 0 {
                    // SAFETY: More entries follow `sg` in its table.
                    unsafe { layout::sg_next(sg) }
                } else {
                    core::ptr::null_mut()
                };
                if skip >= sg_len {
                    skip -= sg_len;
                    continue;
                }
                let take = (sg_len - skip).min(len - total);
                // `skip < sg_len`, which is a `u32`.
                let start = sg_offset.checked_add(skip as u32).ok_or(EINVAL)?;
                *bv = bindings::bio_vec {
                    bv_page: page,
                    bv_offset: start,
                    bv_len: take as u32,
                };
                skip = 0;
                total += take;
                used += 1;
                break;
            }
        }
        let Some(bvecs) = bvecs.get(..used) else {
            return Err(EINVAL);
        };
        if total == 0 {
            return Err(EINVAL);
        }
        // SAFETY: The pieces are inside the data buffer of a command that
        // reads from the device: its pages are kept alive by the owned
        // command and pinned writable, and only the owner of the command
        // writes them; the buffer is never a Rust reference (it may be
        // mapped by user space, see `for_each_sg_chunk`).
        let n = unsafe { socket.recv_bvecs(bvecs) }?;
        // SAFETY: The pieces describe pages of the buffer, alive as above.
        unsafe { bindings::orion_helper_flush_bvecs(bvecs.as_ptr(), bvecs.len(), n) };
        Ok(n)
    }

    fn sg_table(&self) -> (*mut bindings::scatterlist, c_uint) {
        // SAFETY: By the type invariant the command is live and owned; its
        // data buffer table does not change while it is.
        let table = unsafe { (*self.raw()).sdb.table };
        (table.sgl, table.nents)
    }

    /// Walks the data buffer, mapped chunk by chunk, starting at byte `skip`.
    ///
    /// `f` gets each chunk's byte offset in the buffer and the chunk; it
    /// stops the walk by returning an error.
    ///
    /// The chunks are mapped with `SG_MITER_ATOMIC`: `f` runs in atomic
    /// context and must not sleep (no `GFP_KERNEL`, no mutex); the debug
    /// kernel's `DEBUG_ATOMIC_SLEEP` reports a closure that does. The pages
    /// may also be mapped by user space (O_DIRECT), which can change them at
    /// any time, so a chunk is never a Rust slice: [`SgChunk`] only copies.
    pub fn for_each_sg_chunk<E>(
        &mut self,
        dir: SgChunkDir,
        skip: usize,
        mut f: impl FnMut(usize, &mut SgChunk<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let flags = bindings::SG_MITER_ATOMIC
            | match dir {
                SgChunkDir::FromSg => bindings::SG_MITER_FROM_SG,
                SgChunkDir::ToSg => bindings::SG_MITER_TO_SG,
            };
        let (sgl, nents) = self.sg_table();
        let mut miter = bindings::sg_mapping_iter::default();
        let mut ret = Ok(());
        let mut offset = skip;
        // SAFETY: The command's scatterlist is valid while it is owned.
        unsafe { bindings::sg_miter_start(&mut miter, sgl, nents, flags) };
        // An offset `off_t` cannot hold is past the end of any buffer: the
        // walk stops as when `sg_miter_skip` runs out of chunks.
        let skipped = skip == 0
            || bindings::off_t::try_from(skip).is_ok_and(|skip| {
                // SAFETY: The iterator was started above.
                unsafe { bindings::sg_miter_skip(&mut miter, skip) }
            });
        // SAFETY: As above; each call maps the next chunk (unmapping the last).
        while skipped && unsafe { bindings::sg_miter_next(&mut miter) } {
            // INVARIANT: `sg_miter_next` mapped `length` bytes at `addr`,
            // until the next iterator call.
            let mut chunk = SgChunk {
                addr: miter.addr.cast(),
                len: miter.length,
                _p: PhantomData,
            };
            if let Err(e) = f(offset, &mut chunk) {
                ret = Err(e);
                break;
            }
            offset = offset.saturating_add(miter.length);
        }
        // SAFETY: The iterator was started above; this unmaps the last chunk.
        unsafe { bindings::sg_miter_stop(&mut miter) };
        ret
    }

    /// Maps the data buffer for DMA by the host's device (the PCI function
    /// the host was added under) and returns its segments as
    /// `(bus address, length)` pairs; an empty iterator when there is no
    /// data. The mapping is undone automatically when the command is
    /// completed, requeued, given back to the error handler or dropped, so
    /// the device must be done with the buffer by then. Mapping twice is
    /// refused with `EBUSY`.
    pub fn dma_map(&mut self) -> Result<DmaSegments<'_>> {
        if self.priv_().dma_mapped.load(Relaxed) != 0 {
            return Err(EBUSY);
        }
        // SAFETY: The command is live and owned; its host was added with a
        // DMA device.
        let nseg = unsafe { bindings::scsi_dma_map(self.raw()) };
        let left = u32::try_from(nseg).map_err(|_| ENOMEM)?;
        if left > 0 {
            self.priv_().dma_mapped.store(1, Relaxed);
        }
        Ok(DmaSegments {
            sg: self.sg_table().0,
            left,
            _cmd: PhantomData,
        })
    }
}

/// One mapped chunk of a command's data buffer, for
/// [`Command::for_each_sg_chunk`]. Only copies in and out: the memory may be
/// shared with user space.
///
/// # Invariants
///
/// `addr` points to `len` mapped bytes for the lifetime `'a`.
pub struct SgChunk<'a> {
    addr: *mut u8,
    len: usize,
    _p: PhantomData<&'a mut ()>,
}

impl SgChunk<'_> {
    /// Length of the chunk in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the chunk is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Raw start of the chunk, for the storage helpers in `rust/`.
    pub(crate) fn as_ptr(&mut self) -> *mut u8 {
        self.addr
    }

    /// Copies `src` into the chunk at `off`; returns the bytes copied
    /// (fewer when the chunk ends first).
    pub fn write(&mut self, off: usize, src: &[u8]) -> usize {
        let n = self.len.saturating_sub(off).min(src.len());
        if n > 0 {
            // SAFETY: `off + n <= len` (type invariant: mapped); `src` is a
            // distinct kernel buffer.
            unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), self.addr.add(off), n) };
        }
        n
    }

    /// Feeds `len` bytes of the chunk from `off` (fewer when the chunk
    /// ends first) into the CRC32C register `crc`; see
    /// [`crate::checksum::crc32c`].
    pub fn crc32c(&self, crc: u32, off: usize, len: usize) -> u32 {
        let n = self.len.saturating_sub(off).min(len);
        if n == 0 {
            return crc;
        }
        // SAFETY: `off + n <= len` (type invariant: mapped); the C routine
        // only reads.
        unsafe { bindings::orion_helper_crc32c(crc, self.addr.add(off).cast(), n) }
    }

    /// Copies the chunk from `off` into `dst`; returns the bytes copied.
    pub fn read(&self, off: usize, dst: &mut [u8]) -> usize {
        let n = self.len.saturating_sub(off).min(dst.len());
        if n > 0 {
            // SAFETY: As for `write`, in the other direction.
            unsafe { core::ptr::copy_nonoverlapping(self.addr.add(off), dst.as_mut_ptr(), n) };
        }
        n
    }
}

/// The DMA segments of a mapped command buffer, from [`Command::dma_map`]:
/// `(bus address, length)` pairs in order.
pub struct DmaSegments<'a> {
    sg: *mut bindings::scatterlist,
    left: u32,
    _cmd: PhantomData<&'a ()>,
}

impl Iterator for DmaSegments<'_> {
    type Item = (u64, u32);

    fn next(&mut self) -> Option<(u64, u32)> {
        if self.left == 0 || self.sg.is_null() {
            return None;
        }
        let sg = self.sg;
        self.left = self.left.saturating_sub(1);
        // SAFETY: `sg` is one of the `scsi_dma_map` segments of a command the
        // borrowed token owns.
        let (addr, len) = unsafe { layout::sg_dma(sg) };
        self.sg = if self.left > 0 {
            // SAFETY: More mapped segments follow `sg` in its table.
            unsafe { layout::sg_next(sg) }
        } else {
            core::ptr::null_mut()
        };
        Some((addr, len))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}
