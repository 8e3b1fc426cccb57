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
//!
//! For a volatile write-back cache in front of the store, a page may also
//! hold a *pre-image*: its durable content, saved by the first cached
//! write to it ([`Persist::Cached`]) under the same lock as the write, so
//! that the save and the write are one step for concurrent commands. The
//! store always holds the newest data; the cache's owner drops a
//! pre-image when the page is destaged ([`SparsePages::destage`]) and
//! restores it at a power cut ([`SparsePages::roll_back`]). Each pre-image
//! carries the owner's sequence number, so that a stale request (the page
//! was destaged and cached again since) does nothing.

use crate::{bindings, scsi::SgChunk};
use kernel::{
    alloc::Flags,
    page::{Page, PAGE_SIZE},
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
    xarray::{self, XArray},
};

/// Number of independently locked shards of a store.
pub const SHARDS: usize = 16;

/// A stored page.
struct Slot {
    /// The newest content.
    page: Page,
    /// The durable content while a write-back cache holds changes to it.
    pre: Option<PreImage>,
}

impl Slot {
    /// Whether the page holds the pre-image numbered `seq`.
    fn has_pre_image(&self, seq: u64) -> bool {
        self.pre.as_ref().is_some_and(|p| p.seq == seq)
    }
}

/// The content a power cut brings a page back to.
struct PreImage {
    /// The cache's sequence number for it.
    seq: u64,
    /// The content; `None` when the page was not stored (it reads as
    /// zeros and is removed again by the cut).
    page: Option<Page>,
}

/// How a write treats the content a power cut would bring back.
#[derive(Clone, Copy)]
pub enum Persist<'a> {
    /// Durable at completion (no cache, WCE off, FUA): a page's pre-image,
    /// if it has one, gets the new bytes as well.
    Durable,
    /// Cached: a page that has no pre-image yet is given one if
    /// `admit(page index)` returns a sequence number for it. `admit` is
    /// called with the page's lock held and must not use the store. When
    /// it returns `None`, or the copy cannot be allocated with the write's
    /// flags, the write is durable for that page (a cache may write
    /// through).
    Cached(&'a dyn Fn(usize) -> Option<u64>),
}

/// A sparse byte store of a fixed size.
#[pin_data]
pub struct SparsePages {
    #[pin]
    shards: [XArray<KBox<Slot>>; SHARDS],
    size: u64,
    /// Pages holding a pre-image.
    pre_images: Atomic<u64>,
    /// Cached writes that went through because a pre-image could not be
    /// allocated.
    unsaved: Atomic<u64>,
    /// One past the highest page index ever allocated: where [`Self::clear`]
    /// can stop.
    high_page: Atomic<u64>,
}

/// Copies the content of `from` into `to`.
///
/// # Safety
///
/// Nothing may write `from` or access `to` during the call: for a page of
/// the store, the caller holds its shard's lock.
unsafe fn copy_page(to: &Page, from: &Page) {
    // SAFETY: Both pages are allocated and borrowed, so they stay valid
    // during the call; nothing races on their contents (the caller's
    // guarantee).
    unsafe { bindings::orion_helper_copy_highpage(to.as_ptr(), from.as_ptr()) };
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
            pre_images: Atomic::new(0),
            unsaved: Atomic::new(0),
            high_page: Atomic::new(0),
        })
    }

    /// Pages holding a pre-image (changed in a write-back cache).
    pub fn pre_images(&self) -> u64 {
        self.pre_images.load(Relaxed)
    }

    /// Cached writes to a page that went through for want of memory.
    pub fn unsaved(&self) -> u64 {
        self.unsaved.load(Relaxed)
    }

    /// Size of the store in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The shard holding page `index`, and the page's index within it.
    fn shard(&self, index: usize) -> (&XArray<KBox<Slot>>, usize) {
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
                Some(slot) => unsafe { slot.page.read_raw(out, in_page, n)? },
                // SAFETY: `out` is valid for writing `n` bytes.
                None => unsafe { core::ptr::write_bytes(out, 0, n) },
            }
        }
        Ok(())
    }

    /// Copies `src` into the store at byte `pos`. Pages that do not exist yet
    /// (and pre-images) are allocated with `flags`, under the shard's
    /// spinlock, so `flags` must not allow sleeping (`GFP_NOWAIT` or
    /// `GFP_ATOMIC`); an allocation failure is `ENOMEM`, a range error
    /// `ERANGE`.
    pub fn write(&self, pos: u64, src: &[u8], flags: Flags, persist: Persist<'_>) -> Result {
        // SAFETY: `src` is valid for reading `src.len()` bytes.
        unsafe { self.write_raw(pos, src.as_ptr(), src.len(), flags, persist) }
    }

    /// Copies `len` bytes of a command's data chunk from its byte `skip`
    /// (at most to its end) into the store at byte `pos`, like
    /// [`Self::write`].
    pub fn write_chunk(
        &self,
        pos: u64,
        chunk: &mut SgChunk<'_>,
        skip: usize,
        len: usize,
        flags: Flags,
        persist: Persist<'_>,
    ) -> Result {
        let skip = skip.min(chunk.len());
        let len = len.min(chunk.len() - skip);
        // SAFETY: `skip <= chunk.len()`, so the result stays inside the
        // chunk (or one past its end when `len` is 0).
        let src = unsafe { chunk.as_ptr().add(skip) };
        // SAFETY: The chunk maps `skip + len` bytes or more while it is
        // borrowed.
        unsafe { self.write_raw(pos, src, len, flags, persist) }
    }

    /// # Safety
    ///
    /// `src` must be valid for reading `len` bytes.
    unsafe fn write_raw(
        &self,
        pos: u64,
        src: *const u8,
        len: usize,
        flags: Flags,
        persist: Persist<'_>,
    ) -> Result {
        self.check(pos, len)?;
        for (page_no, in_page, at, n) in pieces(pos, len) {
            // SAFETY: `at + n <= len` (`pieces`), inside `src`.
            let input = unsafe { src.add(at) };
            let (shard, index) = self.shard(page_no);
            let mut guard = shard.lock();
            let new = guard.get(index).is_none();
            if new {
                let page = Page::alloc_page(flags | __GFP_ZERO)?;
                let slot = KBox::new(Slot { page, pre: None }, flags)?;
                guard.store(index, slot, flags).map_err(|_| ENOMEM)?;
                let end = page_no as u64 + 1;
                let mut high = self.high_page.load(Relaxed);
                while high < end {
                    match self.high_page.cmpxchg(high, end, Relaxed) {
                        Ok(_) => break,
                        Err(now) => high = now,
                    }
                }
            }
            let slot = guard.get_mut(index).ok_or(ENOMEM)?;
            match persist {
                Persist::Cached(admit) if slot.pre.is_none() => {
                    // A new page's durable content is zeros: nothing to copy.
                    let saved = if new {
                        Some(None)
                    } else if let Ok(copy) = Page::alloc_page(flags) {
                        // SAFETY: `copy` is new and ours; `slot.page` is only
                        // written under the shard lock, which we hold.
                        unsafe { copy_page(&copy, &slot.page) };
                        Some(Some(copy))
                    } else {
                        self.unsaved.fetch_add(1, Relaxed);
                        None
                    };
                    if let Some(page) = saved {
                        if let Some(seq) = admit(page_no) {
                            slot.pre = Some(PreImage { seq, page });
                            self.pre_images.fetch_add(1, Relaxed);
                        }
                    }
                }
                Persist::Durable => {
                    if let Some(pre) = slot.pre.as_mut() {
                        if pre.page.is_none() {
                            // Durable content of a page that was not stored:
                            // zeros, and now these bytes.
                            pre.page = Some(Page::alloc_page(flags | __GFP_ZERO)?);
                        }
                        if let Some(durable) = pre.page.as_ref() {
                            // SAFETY: `input` is valid for reading `n` bytes;
                            // page contents are only accessed under the lock
                            // we hold, so nothing races.
                            unsafe { durable.write_raw(input, in_page, n)? };
                        }
                    }
                }
                Persist::Cached(_) => {}
            }
            // SAFETY: `input` is valid for reading `n` bytes; page contents
            // are only accessed under the lock we hold, so nothing races.
            unsafe { slot.page.write_raw(input, in_page, n)? };
        }
        Ok(())
    }

    /// Drops page `page_no`'s pre-image numbered `seq`: its newest content
    /// becomes durable. False when it has no pre-image of that number.
    pub fn destage(&self, page_no: usize, seq: u64) -> bool {
        let (shard, index) = self.shard(page_no);
        let mut guard = shard.lock();
        let Some(slot) = guard.get_mut(index) else {
            return false;
        };
        if !slot.has_pre_image(seq) {
            return false;
        }
        let pre = slot.pre.take();
        drop(guard);
        // Freed outside the lock.
        drop(pre);
        self.pre_images.fetch_sub(1, Relaxed);
        true
    }

    /// Restores page `page_no`'s pre-image numbered `seq` as its content
    /// (a power cut): the newest content is lost. False when it has no
    /// pre-image of that number.
    pub fn roll_back(&self, page_no: usize, seq: u64) -> bool {
        let (shard, index) = self.shard(page_no);
        let mut guard = shard.lock();
        let Some(slot) = guard.get_mut(index) else {
            return false;
        };
        if !slot.has_pre_image(seq) {
            return false;
        }
        // What is replaced is freed outside the lock.
        let (mut newest, mut removed) = (None, None);
        match slot.pre.take().and_then(|p| p.page) {
            Some(durable) => newest = Some(core::mem::replace(&mut slot.page, durable)),
            None => removed = guard.remove(index),
        }
        drop(guard);
        drop((newest, removed));
        self.pre_images.fetch_sub(1, Relaxed);
        true
    }

    /// Forgets everything (a removed disk): frees every page, up to the
    /// highest one ever written (the cost is one lookup per page up to
    /// that one: about 65536 for 256 MiB).
    pub fn clear(&self) -> Result {
        let end = self
            .high_page
            .load(Relaxed)
            .saturating_mul(PAGE_SIZE as u64)
            .min(self.size);
        self.discard(0, end)
    }

    /// Forgets `[pos, pos + len)`: whole pages are freed, partial pages are
    /// zeroed, so later reads return zeros. It is durable at once: a
    /// pre-image goes with its page, or is zeroed the same way.
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
                let removed = guard.remove(index);
                drop(guard);
                if removed.is_some_and(|s| s.pre.is_some()) {
                    self.pre_images.fetch_sub(1, Relaxed);
                }
            } else if let Some(slot) = guard.get(index) {
                // SAFETY: Page contents are only accessed under the lock we hold.
                unsafe { slot.page.fill_zero_raw(in_page, n)? };
                if let Some(durable) = slot.pre.as_ref().and_then(|p| p.page.as_ref()) {
                    // SAFETY: As above.
                    unsafe { durable.fill_zero_raw(in_page, n)? };
                }
            }
            at += n as u64;
        }
        Ok(())
    }
}
