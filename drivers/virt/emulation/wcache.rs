// SPDX-License-Identifier: GPL-2.0

//! Bookkeeping of the virtual adapter's volatile write-back cache.
//!
//! The LUN stores always hold the newest data, so reads need nothing from
//! the cache. The cache is an undo log: the first cached write to a store
//! page saves the page's durable content (its *pre-image*) next to it, and
//! the log records which pages of which LUN have one, oldest first.
//! Destaging a page drops its pre-image (the newest data is now durable);
//! a power cut rolls every logged page back to its pre-image.
//!
//! This module owns the log ([`DirtyLog`], a ring of [`Entry`]s over
//! caller-provided slots) and the algorithms over it: making room oldest
//! first ([`make_room`]), SYNCHRONIZE CACHE of a LUN's page range
//! ([`sync`]), background destage by age ([`drain_older`]) and the cut
//! ([`cut`]). The pages themselves are the caller's ([`Pages`]), as is the
//! lock around the log ([`LogAccess`]): the algorithms hold the log only
//! to take entries out and never while they call [`Pages`], so a caller
//! may take the log's lock under a page's lock (saving a pre-image and
//! logging it at once) without a lock-order inversion.
//!
//! Every log entry has a sequence number, saved with the pre-image. An
//! entry whose page no longer has a pre-image of that number (destaged by
//! someone else, discarded) is stale: [`Pages`] ignores it. Entries are
//! only counted against the budget while *live*; a destaged entry that is
//! not at the front is marked dead and skipped.
//!
//! Everything here is `core`-only and panic-free.

use core::ops::DerefMut;

/// Bytes per page of the stores (the cache's granularity).
pub const PAGE_BYTES: u64 = 4096;

/// Smallest `write_back_cache_size` other than 0: one largest write
/// (1 MiB) must fit.
pub const MIN_CACHE_BYTES: u64 = 1 << 20;

/// Largest `write_back_cache_size`: the log takes 32 bytes of memory per
/// page (two 16-byte slots), 8 MiB at this size, allocated with the host.
pub const MAX_CACHE_BYTES: u64 = 1 << 30;

/// Shortest and longest `write_back_delay_ms`.
pub const MIN_DELAY_MS: u32 = 10;
/// See [`MIN_DELAY_MS`].
pub const MAX_DELAY_MS: u32 = 3_600_000;

/// Pages of a cache of `bytes` (`write_back_cache_size`); 0 means no
/// cache (every write is durable at completion). The error says what a
/// valid value is.
pub fn cache_pages(bytes: u64) -> Result<usize, &'static str> {
    const RULE: &str = "0 or a multiple of 4096 in 1048576..=1073741824";
    if bytes == 0 {
        return Ok(0);
    }
    if !(MIN_CACHE_BYTES..=MAX_CACHE_BYTES).contains(&bytes) || bytes & (PAGE_BYTES - 1) != 0 {
        return Err(RULE);
    }
    usize::try_from(bytes / PAGE_BYTES).map_err(|_| RULE)
}

/// Log slots for a cache of `pages`: twice the budget, so that dead
/// entries waiting to reach the front do not force early destages.
pub fn log_slots(pages: usize) -> usize {
    pages.saturating_mul(2)
}

/// How often the background destage looks for pages older than
/// `delay_ms`: a quarter of it, between 10 ms and 1 s.
pub fn drain_period_ms(delay_ms: u32) -> u32 {
    (delay_ms / 4).clamp(10, 1000)
}

/// Whether a write may stay in the cache: there is one, WCE is on and
/// the write is not FUA. Anything else is durable at completion.
pub fn cached(have_cache: bool, wce: bool, fua: bool) -> bool {
    have_cache && wce && !fua
}

/// Pages that a byte range `[pos, pos + len)` touches.
pub fn pages_touched(pos: u64, len: u64) -> u64 {
    if len == 0 {
        return 0;
    }
    let last = pos.saturating_add(len.saturating_sub(1)) / PAGE_BYTES;
    last.saturating_sub(pos / PAGE_BYTES).saturating_add(1)
}

/// The pages (first, last, inclusive) holding blocks `lba..lba + blocks`
/// of a LUN with `capacity_blocks` blocks of `block_size`; `blocks == 0`
/// means through the last block (SYNCHRONIZE CACHE). `None` when the
/// range is empty or outside the LUN.
pub fn block_pages(
    lba: u64,
    blocks: u64,
    block_size: u32,
    capacity_blocks: u64,
) -> Option<(u64, u64)> {
    let end = if blocks == 0 {
        capacity_blocks
    } else {
        lba.checked_add(blocks)?.min(capacity_blocks)
    };
    if lba >= end {
        return None;
    }
    let bs = u64::from(block_size);
    let first = lba.checked_mul(bs)? / PAGE_BYTES;
    let last = end.checked_mul(bs)?.checked_sub(1)? / PAGE_BYTES;
    Some((first, last))
}

/// One logged page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    /// Page index in the LUN's store.
    pub page: u64,
    /// When it was logged, in ms of the cache's clock (wraps).
    pub stamp_ms: u32,
    /// The LUN's index in its host.
    pub lun: u16,
    /// Not destaged yet; dead entries wait to leave the front.
    pub live: bool,
}

impl Entry {
    /// Whether it was logged `age_ms` or more before `now_ms` (the clock
    /// wraps; ages stay far below 2^31 ms).
    pub fn older_than(&self, now_ms: u32, age_ms: u32) -> bool {
        now_ms.wrapping_sub(self.stamp_ms) >= age_ms
    }
}

/// An entry taken out of the log, with its sequence number.
pub type Taken = (u64, Entry);

/// Entries the algorithms take out per hold of the log's lock (their
/// buffer is on the stack of the I/O path).
pub const BATCH: usize = 16;

/// Most entries, live or dead, that one call looks at or drops per hold
/// of the log's lock: a SYNCHRONIZE CACHE of a LUN with few pages in a
/// big cache walks the whole ring, a cut may drop many dead entries, and
/// writers spin on the lock in queuecommand meanwhile.
pub const SCAN_LIMIT: usize = 512;

/// The log: a ring of entries in the order their pages were first
/// written, numbered by sequence (the n-th entry ever logged has number n,
/// in slot n modulo the capacity).
#[derive(Debug)]
pub struct DirtyLog<S> {
    slots: S,
    /// Sequence number of the entry at the front.
    head: u64,
    /// Entries in the ring, live or dead.
    len: usize,
    /// Live entries: the pages the cache holds.
    live: usize,
    /// Most live entries.
    budget: usize,
}

impl<S: DerefMut<Target = [Entry]>> DirtyLog<S> {
    /// A log in `slots` holding at most `budget` live entries (at most one
    /// per slot).
    pub fn new(slots: S, budget: usize) -> Self {
        let budget = budget.min(slots.len());
        Self {
            slots,
            head: 0,
            len: 0,
            live: 0,
            budget,
        }
    }

    /// Most live entries (the cache's size in pages).
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Live entries.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Entries, live or dead.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No entry at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sequence number of the front entry.
    pub fn head_seq(&self) -> u64 {
        self.head
    }

    /// Sequence number the next entry gets.
    pub fn end_seq(&self) -> u64 {
        self.head.saturating_add(self.len as u64)
    }

    fn slot(&self, seq: u64) -> Option<usize> {
        if seq < self.head || seq >= self.end_seq() {
            return None;
        }
        let i = seq.checked_rem(self.slots.len() as u64)?;
        usize::try_from(i).ok()
    }

    /// The entry numbered `seq`, while it is in the ring.
    pub fn get(&self, seq: u64) -> Option<Entry> {
        self.slot(seq).and_then(|i| self.slots.get(i)).copied()
    }

    /// Whether `n` more pages fit without destaging any.
    pub fn has_room(&self, n: usize) -> bool {
        self.live.saturating_add(n) <= self.budget && self.len.saturating_add(n) <= self.slots.len()
    }

    /// Logs page `page` of LUN `lun`; its sequence number, or `None` when
    /// the cache is full (the write then goes through).
    pub fn push(&mut self, lun: u16, page: u64, stamp_ms: u32) -> Option<u64> {
        if !self.has_room(1) {
            return None;
        }
        let seq = self.end_seq();
        let i = usize::try_from(seq.checked_rem(self.slots.len() as u64)?).ok()?;
        *self.slots.get_mut(i)? = Entry {
            page,
            stamp_ms,
            lun,
            live: true,
        };
        self.len = self.len.saturating_add(1);
        self.live = self.live.saturating_add(1);
        Some(seq)
    }

    /// The front entry.
    pub fn front(&self) -> Option<Entry> {
        self.get(self.head)
    }

    /// Takes the front entry out.
    pub fn pop_front(&mut self) -> Option<Taken> {
        let e = self.front()?;
        let seq = self.head;
        self.head = self.head.saturating_add(1);
        self.len = self.len.saturating_sub(1);
        if e.live {
            self.live = self.live.saturating_sub(1);
        }
        Some((seq, e))
    }

    /// Marks entry `seq` dead (its page was destaged); whether it was live.
    pub fn kill(&mut self, seq: u64) -> bool {
        let Some(slot) = self.slot(seq).and_then(|i| self.slots.get_mut(i)) else {
            return false;
        };
        let was = slot.live;
        slot.live = false;
        if was {
            self.live = self.live.saturating_sub(1);
        }
        self.trim();
        was
    }

    /// Drops dead entries from the front ([`SCAN_LIMIT`] at most: the
    /// rest go with a later call, or with [`Self::pop_while`]).
    pub fn trim(&mut self) {
        for _ in 0..SCAN_LIMIT {
            if self.front().is_none_or(|e| e.live) {
                return;
            }
            self.pop_front();
        }
    }

    /// Pops front entries while `more(log, front)` holds, putting the live
    /// ones into `out` (dead ones are just dropped). Returns how many were
    /// put there and whether it stopped before `more` said no (`out` full,
    /// or [`SCAN_LIMIT`] entries popped): then the caller calls again.
    pub fn pop_while(
        &mut self,
        out: &mut [Taken],
        mut more: impl FnMut(&Self, u64, &Entry) -> bool,
    ) -> (usize, bool) {
        let mut n = 0;
        let mut popped = 0usize;
        while let Some(e) = self.front() {
            if !more(self, self.head, &e) {
                return (n, false);
            }
            if (e.live && n >= out.len()) || popped >= SCAN_LIMIT {
                return (n, true);
            }
            popped = popped.saturating_add(1);
            let Some(taken) = self.pop_front() else {
                break;
            };
            if e.live {
                if let Some(o) = out.get_mut(n) {
                    *o = taken;
                    n = n.saturating_add(1);
                }
            }
        }
        (n, false)
    }

    /// Copies into `out` the live entries numbered from `from` (or the
    /// front, if later) up to `stop` that `want` selects, leaving them in
    /// the ring, looking at [`SCAN_LIMIT`] entries at most; returns how
    /// many and the number to go on from (`stop` or later when done).
    pub fn scan(
        &self,
        from: u64,
        stop: u64,
        out: &mut [Taken],
        want: impl Fn(&Entry) -> bool,
    ) -> (usize, u64) {
        let stop = stop.min(self.end_seq());
        let mut seq = from.max(self.head);
        let mut n = 0;
        let mut looked = 0usize;
        while seq < stop {
            if n >= out.len() || looked >= SCAN_LIMIT {
                return (n, seq);
            }
            looked = looked.saturating_add(1);
            if let Some(e) = self.get(seq).filter(|e| e.live && want(e)) {
                if let Some(o) = out.get_mut(n) {
                    *o = (seq, e);
                    n = n.saturating_add(1);
                }
            }
            seq = seq.saturating_add(1);
        }
        (n, stop)
    }
}

/// The lock around a log.
pub trait LogAccess {
    /// The log's slots.
    type Slots: DerefMut<Target = [Entry]>;

    /// Runs `f` with the log locked. The algorithms never call [`Pages`]
    /// from `f`.
    fn with<R>(&self, f: impl FnOnce(&mut DirtyLog<Self::Slots>) -> R) -> R;
}

/// The pages behind a log (the LUN stores).
pub trait Pages {
    /// Drops the pre-image numbered `seq` of page `page` of LUN `lun` (its
    /// newest content becomes durable); false when the page has no
    /// pre-image of that number (a stale entry).
    fn destage(&self, lun: u16, page: u64, seq: u64) -> bool;

    /// Restores that pre-image as the page's content (the power cut);
    /// false for a stale entry.
    fn roll_back(&self, lun: u16, page: u64, seq: u64) -> bool;
}

fn destage_all<P: Pages>(pages: &P, taken: &[Taken]) -> u64 {
    taken
        .iter()
        .filter(|(seq, e)| pages.destage(e.lun, e.page, *seq))
        .count() as u64
}

/// Makes room for `n` more pages, destaging the oldest first; returns the
/// pages destaged.
pub fn make_room<L: LogAccess, P: Pages>(log: &L, pages: &P, n: usize) -> u64 {
    let mut done = 0u64;
    let mut batch = [Taken::default(); BATCH];
    loop {
        let (got, full) = log.with(|l| l.pop_while(&mut batch, |l, _, _| !l.has_room(n)));
        done = done.saturating_add(destage_all(pages, batch.get(..got).unwrap_or(&[])));
        if !full {
            return done;
        }
    }
}

/// Destages every page logged for LUN `lun` in pages `first..=last`
/// before the call (SYNCHRONIZE CACHE, a FUA read, WCE turned off);
/// returns the pages destaged.
pub fn sync<L: LogAccess, P: Pages>(log: &L, pages: &P, lun: u16, first: u64, last: u64) -> u64 {
    let mut done = 0u64;
    let mut batch = [Taken::default(); BATCH];
    let (mut from, stop) = log.with(|l| (l.head_seq(), l.end_seq()));
    while from < stop {
        let want = |e: &Entry| e.lun == lun && (first..=last).contains(&e.page);
        let (got, next) = log.with(|l| l.scan(from, stop, &mut batch, want));
        let taken = batch.get(..got).unwrap_or(&[]);
        done = done.saturating_add(destage_all(pages, taken));
        // Destaged or stale, they are done with.
        log.with(|l| {
            for (seq, _) in taken {
                l.kill(*seq);
            }
        });
        from = next;
    }
    done
}

/// Destages the pages logged `age_ms` or more before `now_ms` (the
/// background destage); returns the pages destaged.
pub fn drain_older<L: LogAccess, P: Pages>(log: &L, pages: &P, now_ms: u32, age_ms: u32) -> u64 {
    let mut done = 0u64;
    let mut batch = [Taken::default(); BATCH];
    loop {
        let (got, full) =
            log.with(|l| l.pop_while(&mut batch, |_, _, e| e.older_than(now_ms, age_ms)));
        done = done.saturating_add(destage_all(pages, batch.get(..got).unwrap_or(&[])));
        if !full {
            return done;
        }
    }
}

/// The power cut: rolls back every page logged before the call and
/// empties the log of them; returns the pages rolled back (lost).
pub fn cut<L: LogAccess, P: Pages>(log: &L, pages: &P) -> u64 {
    let mut lost = 0u64;
    let mut batch = [Taken::default(); BATCH];
    let stop = log.with(|l| l.end_seq());
    loop {
        let (got, full) = log.with(|l| l.pop_while(&mut batch, |_, seq, _| seq < stop));
        let rolled = batch
            .get(..got)
            .unwrap_or(&[])
            .iter()
            .filter(|(seq, e)| pages.roll_back(e.lun, e.page, *seq))
            .count();
        lost = lost.saturating_add(rolled as u64);
        if !full {
            return lost;
        }
    }
}
