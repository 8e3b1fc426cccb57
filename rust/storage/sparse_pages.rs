// SPDX-License-Identifier: GPL-2.0

//! A sparse, page-granular byte store in RAM.
//!
//! Pages are allocated on first write and released on discard; reading a
//! page that was never written (or was discarded) yields zeros. All copies
//! into and out of a page happen under the lock of the page's shard (an
//! XArray's spinlock), so concurrent commands never race on page contents
//! and a discard cannot free a page while it is being copied. Pages are
//! spread over [`SHARDS`] XArrays by index so that commands on different
//! pages of one logical unit rarely wait for each other (a single lock per
//! unit was the top entry of a guest profile under 4k random reads).

use crate::scsi::SgChunk;
use kernel::{
    alloc::Flags,
    page::{Page, PAGE_SIZE},
    prelude::*,
    xarray::{self, XArray},
};

/// Number of independently locked shards of a store.
pub const SHARDS: usize = 16;

/// A sparse byte store of a fixed size.
#[pin_data]
pub struct SparsePages {
    #[pin]
    shards: [XArray<KBox<Page>>; SHARDS],
    size: u64,
}

/// Splits `[pos, pos + len)` into pieces that do not cross a page boundary:
/// yields (page index, offset in page, offset in the caller's buffer, length).
fn pieces(pos: u64, len: usize) -> impl Iterator<Item = (usize, usize, usize, usize)> {
    let mut done = 0usize;
    core::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let at = pos + done as u64;
        let index = (at / PAGE_SIZE as u64) as usize;
        let in_page = (at % PAGE_SIZE as u64) as usize;
        let n = (PAGE_SIZE - in_page).min(len - done);
        let piece = (index, in_page, done, n);
        done += n;
        Some(piece)
    })
}

impl SparsePages {
    /// Creates an empty store of `size` bytes.
    pub fn new(size: u64) -> impl PinInit<Self> {
        pin_init!(Self {
            shards <- pin_init::pin_init_array_from_fn(|_| XArray::new(xarray::AllocKind::Alloc)),
            size,
        })
    }

    /// Size of the store in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The shard holding page `index`, and the page's index within it.
    fn shard(&self, index: usize) -> (&XArray<KBox<Page>>, usize) {
        (&self.shards[index % SHARDS], index / SHARDS)
    }

    fn check(&self, pos: u64, len: usize) -> Result {
        match pos.checked_add(len as u64) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(ERANGE),
        }
    }

    /// Copies `dst.len()` bytes starting at byte `pos` into `dst`.
    pub fn read(&self, pos: u64, dst: &mut [u8]) -> Result {
        // SAFETY: `dst` is valid for writing `dst.len()` bytes.
        unsafe { self.read_raw(pos, dst.as_mut_ptr(), dst.len()) }
    }

    /// Copies `len` bytes starting at byte `pos` into the start of a
    /// command's data chunk (at most the chunk's length).
    pub fn read_chunk(&self, pos: u64, chunk: &mut SgChunk<'_>, len: usize) -> Result {
        let len = len.min(chunk.len());
        // SAFETY: The chunk maps at least `len` bytes while it is borrowed.
        unsafe { self.read_raw(pos, chunk.as_ptr(), len) }
    }

    /// # Safety
    ///
    /// `dst` must be valid for writing `len` bytes.
    unsafe fn read_raw(&self, pos: u64, dst: *mut u8, len: usize) -> Result {
        self.check(pos, len)?;
        for (index, in_page, at, n) in pieces(pos, len) {
            // SAFETY: `at + n <= len` (`pieces`), inside `dst`.
            let out = unsafe { dst.add(at) };
            let (shard, index) = self.shard(index);
            let guard = shard.lock();
            match guard.get(index) {
                // SAFETY: `out` is valid for writing `n` bytes; page contents
                // are only accessed under the lock we hold, so nothing races.
                Some(page) => unsafe { page.read_raw(out, in_page, n)? },
                // SAFETY: `out` is valid for writing `n` bytes.
                None => unsafe { core::ptr::write_bytes(out, 0, n) },
            }
        }
        Ok(())
    }

    /// Copies `src` into the store at byte `pos`. Pages that do not exist yet
    /// are allocated with `flags` (atomic flags when the caller cannot sleep);
    /// an allocation failure is `ENOMEM`, a range error `ERANGE`.
    pub fn write(&self, pos: u64, src: &[u8], flags: Flags) -> Result {
        // SAFETY: `src` is valid for reading `src.len()` bytes.
        unsafe { self.write_raw(pos, src.as_ptr(), src.len(), flags) }
    }

    /// Copies the first `len` bytes of a command's data chunk (at most its
    /// length) into the store at byte `pos`, like [`Self::write`].
    pub fn write_chunk(
        &self,
        pos: u64,
        chunk: &mut SgChunk<'_>,
        len: usize,
        flags: Flags,
    ) -> Result {
        let len = len.min(chunk.len());
        // SAFETY: The chunk maps at least `len` bytes while it is borrowed.
        unsafe { self.write_raw(pos, chunk.as_ptr(), len, flags) }
    }

    /// # Safety
    ///
    /// `src` must be valid for reading `len` bytes.
    unsafe fn write_raw(&self, pos: u64, src: *const u8, len: usize, flags: Flags) -> Result {
        self.check(pos, len)?;
        for (index, in_page, at, n) in pieces(pos, len) {
            // SAFETY: `at + n <= len` (`pieces`), inside `src`.
            let input = unsafe { src.add(at) };
            let (shard, index) = self.shard(index);
            let mut guard = shard.lock();
            if guard.get(index).is_none() {
                let page = KBox::new(Page::alloc_page(flags | __GFP_ZERO)?, flags)?;
                guard.store(index, page, flags).map_err(|_| ENOMEM)?;
            }
            let page = guard.get(index).ok_or(ENOMEM)?;
            // SAFETY: `input` is valid for reading `n` bytes; page contents
            // are only accessed under the lock we hold, so nothing races.
            unsafe { page.write_raw(input, in_page, n)? };
        }
        Ok(())
    }

    /// Forgets `[pos, pos + len)`: whole pages are freed, partial pages are
    /// zeroed, so later reads return zeros.
    pub fn discard(&self, pos: u64, len: u64) -> Result {
        let end = pos
            .checked_add(len)
            .filter(|&e| e <= self.size)
            .ok_or(ERANGE)?;
        let mut at = pos;
        while at < end {
            let index = (at / PAGE_SIZE as u64) as usize;
            let in_page = (at % PAGE_SIZE as u64) as usize;
            let n = ((PAGE_SIZE - in_page) as u64).min(end - at) as usize;
            let (shard, index) = self.shard(index);
            let mut guard = shard.lock();
            if n == PAGE_SIZE {
                drop(guard.remove(index));
            } else if let Some(page) = guard.get(index) {
                // SAFETY: Page contents are only accessed under the lock we hold.
                unsafe { page.fill_zero_raw(in_page, n)? };
            }
            at += n as u64;
        }
        Ok(())
    }
}
