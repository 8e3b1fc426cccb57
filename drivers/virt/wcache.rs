// SPDX-License-Identifier: GPL-2.0

//! A virtual host's volatile write-back cache at run time: its log (the
//! bookkeeping is pure logic in [`super::emulation::wcache`]) under a
//! spinlock, what commands do with it, the background destage and the
//! debugfs `write_cache` file.
//!
//! The cache belongs to the host, like a controller's: one budget
//! (`write_back_cache_size`) for all its LUNs, oldest first across them.
//! Pre-images live in the LUN stores next to their pages and are saved
//! under the page's lock, with the log's lock taken inside it
//! ([`LunCache::admit`]); nothing takes a page's lock with the log held.

use super::adapter::{VirtAdapter, VirtHost};
use super::emulation::{
    wcache::{self, DirtyLog, Entry, LogAccess, Pages},
    LunConfig,
};
use super::lun::VirtLun;
use crate::common::latency::Clock;
use crate::debugfs;
use crate::hw::PeriodicTask;
use crate::scsi::Host;
use crate::storage::Persist;
use core::fmt;
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, SpinLock,
    },
};

/// A host's write-back cache.
#[pin_data]
pub(crate) struct WriteCache {
    #[pin]
    log: SpinLock<DirtyLog<KVVec<Entry>>>,
    /// Whether the log had room for a largest write when last unlocked:
    /// writes skip the lock to make room while it has.
    roomy: Atomic<bool>,
    /// Age at which pages are destaged in the background.
    delay_ms: u32,
    clock: Clock,
    /// Pages taken into the cache.
    admitted: Atomic<u64>,
    /// Cached writes to a page that went through: the cache was full.
    full: Atomic<u64>,
    /// Pages destaged to make room, by SYNCHRONIZE CACHE (and FUA reads,
    /// WCE turned off), by age.
    destaged_room: Atomic<u64>,
    destaged_sync: Atomic<u64>,
    destaged_age: Atomic<u64>,
    /// SYNCHRONIZE CACHE commands.
    flushes: Atomic<u64>,
    /// Power cuts, pages lost at the last one and at all.
    cuts: Atomic<u64>,
    last_cut: Atomic<u64>,
    lost: Atomic<u64>,
}

impl LogAccess for WriteCache {
    type Slots = KVVec<Entry>;

    fn with<R>(&self, f: impl FnOnce(&mut DirtyLog<KVVec<Entry>>) -> R) -> R {
        let mut log = self.log.lock();
        let r = f(&mut log);
        // A cache smaller than a largest write is roomy when empty: such
        // a write then fills it and goes through for the rest.
        let largest = MAX_WRITE_PAGES.min(log.budget());
        self.roomy.store(log.has_room(largest), Relaxed);
        r
    }
}

/// Pages a largest write touches (1 MiB, not page-aligned).
const MAX_WRITE_PAGES: usize = 257;

/// The LUN stores of a host, for the log's algorithms.
struct Stores<'a>(&'a [VirtLun]);

impl Stores<'_> {
    fn page(&self, lun: u16, page: u64) -> Option<(&VirtLun, usize)> {
        Some((self.0.get(usize::from(lun))?, usize::try_from(page).ok()?))
    }
}

impl Pages for Stores<'_> {
    fn destage(&self, lun: u16, page: u64, seq: u64) -> bool {
        self.page(lun, page)
            .is_some_and(|(l, p)| l.store.destage(p, seq))
    }

    fn roll_back(&self, lun: u16, page: u64, seq: u64) -> bool {
        self.page(lun, page)
            .is_some_and(|(l, p)| l.store.roll_back(p, seq))
    }
}

impl WriteCache {
    /// A cache of `pages` pages destaging after `delay_ms`; its log is
    /// allocated here, with the host.
    pub(crate) fn new(pages: usize, delay_ms: u32) -> Result<Pin<KBox<Self>>> {
        let slots = KVVec::from_elem(Entry::default(), wcache::log_slots(pages), GFP_KERNEL)?;
        KBox::pin_init(
            pin_init!(Self {
                log <- new_spinlock!(DirtyLog::new(slots, pages)),
                roomy: Atomic::new(true),
                delay_ms,
                clock: Clock::new(),
                admitted: Atomic::new(0),
                full: Atomic::new(0),
                destaged_room: Atomic::new(0),
                destaged_sync: Atomic::new(0),
                destaged_age: Atomic::new(0),
                flushes: Atomic::new(0),
                cuts: Atomic::new(0),
                last_cut: Atomic::new(0),
                lost: Atomic::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// The cache's clock in ms (wraps; the log compares with wrapping).
    fn now_ms(&self) -> u32 {
        (self.clock.now_ns() / 1_000_000) as u32
    }

    /// How often the background destage runs.
    pub(crate) fn period_ms(&self) -> u32 {
        wcache::drain_period_ms(self.delay_ms)
    }

    /// Destages the pages older than the delay (the background work).
    pub(crate) fn drain(&self, luns: &[VirtLun]) {
        let n = wcache::drain_older(self, &Stores(luns), self.now_ms(), self.delay_ms);
        self.destaged_age.fetch_add(n, Relaxed);
    }

    /// The power cut: every page the cache holds goes back to its durable
    /// content. Returns the pages lost.
    pub(crate) fn cut(&self, luns: &[VirtLun]) -> u64 {
        let lost = wcache::cut(self, &Stores(luns));
        self.cuts.fetch_add(1, Relaxed);
        self.last_cut.store(lost, Relaxed);
        self.lost.fetch_add(lost, Relaxed);
        lost
    }

    /// The debugfs `write_cache` file's text.
    fn show(&self, luns: &[VirtLun], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (budget, live, len) = self.with(|l| (l.budget(), l.live(), l.len()));
        let total = |f: fn(&VirtLun) -> u64| luns.iter().fold(0u64, |t, l| t.saturating_add(f(l)));
        let dirty = total(|l| l.store.pre_images());
        let unsaved = total(|l| l.store.unsaved());
        let page = wcache::PAGE_BYTES;
        writeln!(f, "size_bytes {}", (budget as u64).saturating_mul(page))?;
        writeln!(f, "delay_ms {}", self.delay_ms)?;
        writeln!(f, "dirty_pages {dirty}")?;
        writeln!(f, "dirty_bytes {}", dirty.saturating_mul(page))?;
        writeln!(f, "log_live {live}")?;
        writeln!(f, "log_entries {len}")?;
        let counters = [
            ("cached_pages", &self.admitted),
            ("through_full", &self.full),
            ("destaged_room", &self.destaged_room),
            ("destaged_sync", &self.destaged_sync),
            ("destaged_age", &self.destaged_age),
            ("flushes", &self.flushes),
            ("power_cuts", &self.cuts),
            ("last_cut_lost_pages", &self.last_cut),
            ("lost_pages", &self.lost),
        ];
        for (name, c) in counters {
            writeln!(f, "{name} {}", c.load(Relaxed))?;
        }
        writeln!(
            f,
            "last_cut_lost_bytes {}",
            self.last_cut.load(Relaxed).saturating_mul(page)
        )?;
        writeln!(f, "through_nomem {unsaved}")?;
        for lun in luns {
            let cfg = lun.config();
            writeln!(
                f,
                "lun{}:{} dirty_pages {}",
                cfg.target,
                cfg.lun,
                lun.store.pre_images()
            )?;
        }
        Ok(())
    }
}

/// What a command of one LUN needs of its host's write-back cache.
#[derive(Clone, Copy)]
pub(crate) struct LunCache<'a> {
    cache: Option<&'a WriteCache>,
    luns: &'a [VirtLun],
    lun: u16,
}

impl<'a> LunCache<'a> {
    /// LUN `lun` of a host with these LUNs and cache.
    pub(crate) fn new(cache: Option<&'a WriteCache>, luns: &'a [VirtLun], lun: u16) -> Self {
        Self { cache, luns, lun }
    }

    /// Before a write of `len` bytes at byte `pos`: whether it may stay in
    /// the cache (WCE on, not FUA) and, if so, room for its pages.
    // Not inlined, here and in `sync`: the batch of log entries stays off
    // the frame of the READ/WRITE path.
    #[inline(never)]
    pub(crate) fn prepare_write(&self, cfg: &LunConfig, fua: bool, pos: u64, len: u64) -> bool {
        let Some(cache) = self.cache else {
            return false;
        };
        if !wcache::cached(true, cfg.write_cache, fua) {
            return false;
        }
        // A stale "roomy" only lets a page through when the log is full.
        if !cache.roomy.load(Relaxed) {
            let pages = usize::try_from(wcache::pages_touched(pos, len)).unwrap_or(usize::MAX);
            let n = wcache::make_room(cache, &Stores(self.luns), pages);
            cache.destaged_room.fetch_add(n, Relaxed);
        }
        true
    }

    /// After a write of blocks `lba..lba + blocks` prepared as `cached`,
    /// with WCE now `wce`: a MODE SELECT that turned WCE off while the
    /// write ran may have destaged the LUN before the write logged its
    /// pages, so they are destaged here (with WCE off the write must be
    /// durable at completion). The log's lock orders the two: a page
    /// logged after that destage began is logged after WCE was stored.
    pub(crate) fn write_done(
        &self,
        cfg: &LunConfig,
        wce: bool,
        cached: bool,
        lba: u64,
        blocks: u64,
    ) {
        if cached && !wce && blocks > 0 {
            self.sync(cfg, lba, blocks, false);
        }
    }

    /// Logs page `page`, about to get a pre-image (called with the page's
    /// lock held): its sequence number, or `None` when the cache is full.
    pub(crate) fn admit(&self, page: usize) -> Option<u64> {
        let cache = self.cache?;
        let now = cache.now_ms();
        let seq = cache.with(|l| l.push(self.lun, page as u64, now));
        match seq {
            Some(_) => cache.admitted.fetch_add(1, Relaxed),
            None => cache.full.fetch_add(1, Relaxed),
        };
        seq
    }

    /// How a write prepared by [`Self::prepare_write`] goes to the store.
    pub(crate) fn persist<'b>(
        &self,
        cached: bool,
        admit: &'b dyn Fn(usize) -> Option<u64>,
    ) -> Persist<'b> {
        if cached {
            Persist::Cached(admit)
        } else {
            Persist::Durable
        }
    }

    /// Destages the LUN's blocks `lba..lba + blocks` (0: through the last
    /// block), page-granular: SYNCHRONIZE CACHE (with or without IMMED or
    /// SYNC_NV: there is no non-volatile cache, and the work is done
    /// before the command completes), a FUA read, WCE turned off.
    #[inline(never)]
    pub(crate) fn sync(&self, cfg: &LunConfig, lba: u64, blocks: u64, flush: bool) {
        let Some(cache) = self.cache else {
            return;
        };
        if flush {
            cache.flushes.fetch_add(1, Relaxed);
        }
        let Some((first, last)) =
            wcache::block_pages(lba, blocks, cfg.block_size, cfg.capacity_blocks)
        else {
            return;
        };
        let n = wcache::sync(cache, &Stores(self.luns), self.lun, first, last);
        cache.destaged_sync.fetch_add(n, Relaxed);
    }
}

/// The background destage of a host's cache.
pub(crate) struct CacheDrain(pub(crate) Arc<Host<VirtAdapter>>);

impl PeriodicTask for CacheDrain {
    fn run(&self) {
        let host: &VirtHost = self.0.get().data();
        if let Some(cache) = host.cache() {
            cache.drain(host.luns());
        }
    }
}

/// The debugfs `write_cache` file of a host: sizes and counters.
pub(crate) struct CacheFile(pub(crate) Arc<Host<VirtAdapter>>);

impl debugfs::Writer for CacheFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host: &VirtHost = self.0.get().data();
        match host.cache() {
            Some(cache) => cache.show(host.luns(), f),
            None => writeln!(f, "size_bytes 0"),
        }
    }
}
