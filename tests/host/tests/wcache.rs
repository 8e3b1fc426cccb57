// SPDX-License-Identifier: GPL-2.0

//! The virtual adapter's write-back cache bookkeeping: the size and range
//! arithmetic, the log's capacity and order, and the algorithms (room
//! oldest first, SYNCHRONIZE CACHE of a range, destage by age, the power
//! cut) against a model of the stores that keeps pre-images the way
//! `rust/storage/sparse_pages.rs` does; then random operations checked
//! against what must survive a cut.

use orion_scsi_host_tests::virt::emulation::power::PowerState;
use orion_scsi_host_tests::virt::emulation::wcache::*;
use std::cell::RefCell;
use std::collections::HashMap;

struct Log(RefCell<DirtyLog<Vec<Entry>>>);

impl Log {
    fn new(budget: usize) -> Self {
        Log(RefCell::new(DirtyLog::new(
            vec![Entry::default(); log_slots(budget)],
            budget,
        )))
    }
}

impl LogAccess for Log {
    type Slots = Vec<Entry>;

    fn with<R>(&self, f: impl FnOnce(&mut DirtyLog<Vec<Entry>>) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

/// A page of the model: its newest value and its pre-image (sequence
/// number, durable value). Values stand for whole page contents; 0 is a
/// page never written.
#[derive(Clone, Copy, Debug, Default)]
struct Page {
    cur: u32,
    pre: Option<(u64, u32)>,
}

#[derive(Default)]
struct Store {
    pages: RefCell<HashMap<(u16, u64), Page>>,
    /// Pages destaged, in order.
    destaged: RefCell<Vec<(u16, u64)>>,
}

impl Pages for Store {
    fn destage(&self, lun: u16, page: u64, seq: u64) -> bool {
        let mut pages = self.pages.borrow_mut();
        match pages.get_mut(&(lun, page)) {
            Some(p) if p.pre.is_some_and(|(s, _)| s == seq) => {
                p.pre = None;
                self.destaged.borrow_mut().push((lun, page));
                true
            }
            _ => false,
        }
    }

    fn roll_back(&self, lun: u16, page: u64, seq: u64) -> bool {
        let mut pages = self.pages.borrow_mut();
        match pages.get_mut(&(lun, page)) {
            Some(p) if p.pre.is_some_and(|(s, _)| s == seq) => {
                p.cur = p.pre.map_or(0, |(_, v)| v);
                p.pre = None;
                true
            }
            _ => false,
        }
    }
}

impl Store {
    /// A write as the kernel's store does it: a cached one makes room
    /// first, then saves the durable value of a page without pre-image
    /// if the log takes it (else it goes through); a durable one also
    /// updates a pre-image.
    fn write(&self, log: &Log, lun: u16, page: u64, value: u32, cached: bool, now: u32) {
        if cached {
            make_room(log, self, 1);
        }
        let mut pages = self.pages.borrow_mut();
        let p = pages.entry((lun, page)).or_default();
        if cached {
            if p.pre.is_none() {
                if let Some(seq) = log.with(|l| l.push(lun, page, now)) {
                    p.pre = Some((seq, p.cur));
                }
            }
        } else if let Some((_, durable)) = p.pre.as_mut() {
            *durable = value;
        }
        p.cur = value;
    }

    fn cur(&self, lun: u16, page: u64) -> u32 {
        self.pages.borrow().get(&(lun, page)).map_or(0, |p| p.cur)
    }

    fn dirty(&self) -> usize {
        self.pages
            .borrow()
            .values()
            .filter(|p| p.pre.is_some())
            .count()
    }
}

#[test]
fn cache_size_is_checked() {
    assert_eq!(cache_pages(0), Ok(0));
    assert_eq!(cache_pages(1 << 20), Ok(256));
    assert_eq!(cache_pages(128 << 20), Ok(32768));
    assert_eq!(cache_pages(1 << 30), Ok(262144));
    for bad in [
        1,
        4096,
        (1 << 20) - 4096,
        (1 << 20) + 512,
        (1 << 30) + 4096,
        u64::MAX,
    ] {
        assert!(cache_pages(bad).is_err(), "{bad} accepted");
    }
    assert_eq!(log_slots(256), 512);
    assert_eq!(drain_period_ms(1000), 250);
    assert_eq!(drain_period_ms(MIN_DELAY_MS), 10);
    assert_eq!(drain_period_ms(MAX_DELAY_MS), 1000);
}

#[test]
fn only_cached_writes_stay() {
    assert!(cached(true, true, false));
    assert!(!cached(true, true, true), "FUA is durable");
    assert!(!cached(true, false, false), "WCE off is durable");
    assert!(!cached(false, true, false), "no cache");
}

#[test]
fn ranges_in_pages() {
    assert_eq!(pages_touched(0, 0), 0);
    assert_eq!(pages_touched(0, 4096), 1);
    assert_eq!(pages_touched(512, 4096), 2);
    assert_eq!(pages_touched(4095, 2), 2);
    assert_eq!(pages_touched(0, 1 << 20), 256);
    assert_eq!(pages_touched(512, 1 << 20), 257);
    // 512-byte blocks: 8 per page.
    assert_eq!(block_pages(0, 1, 512, 1000), Some((0, 0)));
    assert_eq!(block_pages(7, 2, 512, 1000), Some((0, 1)));
    assert_eq!(block_pages(16, 8, 512, 1000), Some((2, 2)));
    // 0 blocks: through the last block.
    assert_eq!(block_pages(8, 0, 512, 1000), Some((1, 124)));
    assert_eq!(block_pages(3, 0, 4096, 10), Some((3, 9)));
    // Clipped at the capacity; nothing outside it.
    assert_eq!(block_pages(990, 100, 512, 1000), Some((123, 124)));
    assert_eq!(block_pages(1000, 0, 512, 1000), None);
    assert_eq!(block_pages(1000, 1, 512, 1000), None);
    assert_eq!(block_pages(u64::MAX, 2, 512, u64::MAX), None);
}

#[test]
fn the_log_holds_its_budget_oldest_first() {
    let log = Log::new(4);
    let store = Store::default();
    for page in 0..4 {
        store.write(&log, 0, page, 10 + page as u32, true, 0);
    }
    assert_eq!(log.with(|l| l.live()), 4);
    assert!(
        log.with(|l| l.push(0, 99, 0)).is_none(),
        "a fifth page fits"
    );
    // Two more pages: the two oldest are destaged, in order.
    store.write(&log, 0, 4, 14, true, 0);
    store.write(&log, 1, 0, 20, true, 0);
    assert_eq!(*store.destaged.borrow(), vec![(0, 0), (0, 1)]);
    assert_eq!(store.dirty(), 4);
    assert_eq!(log.with(|l| l.live()), 4);
    // A cached write makes room before it knows whether its page is
    // cached already: rewriting page 2 destages the oldest, page 2
    // itself, which is then logged again.
    store.write(&log, 0, 2, 12, true, 0);
    assert_eq!(store.destaged.borrow().last(), Some(&(0, 2)));
    assert_eq!(store.dirty(), 4);
    // Room for 8 pages with a budget of 4: everything goes.
    assert_eq!(make_room(&log, &store, 8), 4);
    assert_eq!(store.dirty(), 0);
    assert!(log.with(|l| l.is_empty()));
}

#[test]
fn a_cut_loses_exactly_the_unflushed_pages() {
    let log = Log::new(16);
    let store = Store::default();
    for page in 0..6 {
        store.write(&log, 0, page, 1, false, 0);
    }
    for page in 0..6 {
        store.write(&log, 0, page, 2, true, 0);
    }
    // FUA rewrite of page 1 while it is cached: durable with its data.
    store.write(&log, 0, 1, 3, false, 0);
    // A page never written before, cached: the cut unmaps it again.
    store.write(&log, 0, 9, 4, true, 0);
    assert_eq!(store.dirty(), 7);
    assert_eq!(cut(&log, &store), 7);
    assert_eq!(store.dirty(), 0);
    assert!(log.with(|l| l.is_empty()));
    assert_eq!(store.cur(0, 0), 1);
    assert_eq!(store.cur(0, 1), 3);
    assert_eq!(store.cur(0, 5), 1);
    assert_eq!(store.cur(0, 9), 0);
    // Nothing left to lose.
    assert_eq!(cut(&log, &store), 0);
}

#[test]
fn sync_destages_only_its_lun_and_range() {
    let log = Log::new(64);
    let store = Store::default();
    for page in 0..10 {
        store.write(&log, 0, page, 1, true, 0);
        store.write(&log, 1, page, 1, true, 0);
    }
    assert_eq!(sync(&log, &store, 0, 3, 5), 3);
    assert_eq!(*store.destaged.borrow(), vec![(0, 3), (0, 4), (0, 5)]);
    // Their entries are dead: they no longer count against the budget.
    assert_eq!(log.with(|l| l.live()), 17);
    // Again: nothing.
    assert_eq!(sync(&log, &store, 0, 3, 5), 0);
    assert_eq!(cut(&log, &store), 17);
    for page in 0..10 {
        let want = u32::from((3..=5).contains(&page));
        assert_eq!(store.cur(0, page), want, "page {page}");
        assert_eq!(store.cur(1, page), 0, "LUN 1 page {page}");
    }
}

#[test]
fn a_sync_of_more_than_a_batch() {
    let log = Log::new(256);
    let store = Store::default();
    for page in 0..200 {
        store.write(&log, 2, page, 1, true, 0);
    }
    assert_eq!(sync(&log, &store, 2, 0, u64::MAX), 200);
    assert!(log.with(|l| l.is_empty()), "dead entries left at the front");
    assert_eq!(cut(&log, &store), 0);
}

#[test]
fn stale_entries_are_not_counted() {
    let log = Log::new(8);
    let store = Store::default();
    store.write(&log, 0, 1, 1, true, 0);
    store.write(&log, 0, 2, 1, true, 0);
    // Page 1's pre-image goes without the log knowing (a discard).
    store.pages.borrow_mut().remove(&(0, 1));
    assert_eq!(cut(&log, &store), 1);
    // An entry popped by someone else is not destaged twice.
    store.write(&log, 0, 3, 1, true, 0);
    let (seq, e) = log.with(|l| l.pop_front()).unwrap();
    assert!(store.destage(e.lun, e.page, seq));
    assert!(!store.destage(e.lun, e.page, seq));
    assert_eq!(sync(&log, &store, 0, 0, 10), 0);
}

#[test]
fn the_background_destage_takes_pages_by_age() {
    let log = Log::new(8);
    let store = Store::default();
    // The clock wraps: stamps just below it are older than 0.
    store.write(&log, 0, 0, 1, true, u32::MAX - 50);
    store.write(&log, 0, 1, 1, true, 100);
    store.write(&log, 0, 2, 1, true, 200);
    assert_eq!(drain_older(&log, &store, 150, 1000), 0);
    assert_eq!(drain_older(&log, &store, 1000, 1000), 1);
    assert_eq!(drain_older(&log, &store, 1150, 1000), 1);
    assert_eq!(*store.destaged.borrow(), vec![(0, 0), (0, 1)]);
    assert_eq!(log.with(|l| l.live()), 1);
    assert_eq!(cut(&log, &store), 1);
}

#[test]
fn a_cut_leaves_pages_logged_after_it() {
    // Pages logged while a cut runs (their commands came after it) stay.
    struct Racing<'a> {
        store: &'a Store,
        log: &'a Log,
        once: RefCell<bool>,
    }
    impl Pages for Racing<'_> {
        fn destage(&self, lun: u16, page: u64, seq: u64) -> bool {
            self.store.destage(lun, page, seq)
        }
        fn roll_back(&self, lun: u16, page: u64, seq: u64) -> bool {
            if !self.once.replace(true) {
                self.store.write(self.log, 3, 7, 9, true, 0);
            }
            self.store.roll_back(lun, page, seq)
        }
    }
    let log = Log::new(8);
    let store = Store::default();
    store.write(&log, 0, 0, 1, true, 0);
    let racing = Racing {
        store: &store,
        log: &log,
        once: RefCell::new(false),
    };
    assert_eq!(cut(&log, &racing), 1);
    assert_eq!(log.with(|l| l.live()), 1);
    assert_eq!(store.cur(3, 7), 9);
}

/// xorshift64*, for reproducible random operations.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Random cached and FUA writes, syncs of ranges, destage by age and
/// cuts on two LUNs of 12 pages with a cache of 6: the cache never holds
/// more than its budget, and after each cut every page holds the value of
/// its last write made durable (FUA, or covered by a sync) or of a later
/// write. Some cuts must lose something.
#[test]
fn random_operations_keep_what_was_flushed() {
    const PAGES: u64 = 12;
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let log = Log::new(6);
        let store = Store::default();
        // Per page: the values written since the last cut, and the index
        // of the last one that must survive.
        let mut history: HashMap<(u16, u64), (Vec<u32>, usize)> = HashMap::new();
        let (mut value, mut now, mut lost) = (0u32, 0u32, 0u64);
        for _ in 0..2000 {
            let lun = rng.below(2) as u16;
            let page = rng.below(PAGES);
            now = now.wrapping_add(rng.below(30) as u32);
            match rng.below(100) {
                0..=64 => {
                    value += 1;
                    store.write(&log, lun, page, value, true, now);
                    history
                        .entry((lun, page))
                        .or_insert((vec![0], 0))
                        .0
                        .push(value);
                }
                65..=79 => {
                    value += 1;
                    store.write(&log, lun, page, value, false, now);
                    let h = history.entry((lun, page)).or_insert((vec![0], 0));
                    h.0.push(value);
                    h.1 = h.0.len() - 1;
                }
                80..=89 => {
                    let last = (page + rng.below(4)).min(PAGES - 1);
                    sync(&log, &store, lun, page, last);
                    for p in page..=last {
                        if let Some(h) = history.get_mut(&(lun, p)) {
                            h.1 = h.0.len() - 1;
                        }
                    }
                }
                90..=95 => {
                    drain_older(&log, &store, now, 200);
                }
                _ => {
                    lost += cut(&log, &store);
                    for ((l, p), (values, floor)) in history.iter_mut() {
                        let cur = store.cur(*l, *p);
                        let k = values.iter().rposition(|&v| v == cur);
                        assert!(
                            k.is_some_and(|k| k >= *floor),
                            "seed {seed}: LUN {l} page {p} holds {cur}, written {values:?}, {floor} durable"
                        );
                        *values = vec![cur];
                        *floor = 0;
                    }
                    assert_eq!(store.dirty(), 0);
                }
            }
            assert!(store.dirty() <= 6, "seed {seed}: over budget");
            assert_eq!(log.with(|l| l.live()), store.dirty(), "seed {seed}");
        }
        assert!(lost > 0, "seed {seed}: no cut lost anything");
    }
}

/// The power state word: cuts and power-on, the generation a command
/// checks when it is done.
#[test]
fn power_state_generations() {
    let on = PowerState::ON;
    assert!(on.is_on() && on.cutting() == 0);
    let cutting = on.cut_started();
    assert!(!cutting.is_on());
    assert_eq!(cutting.cutting(), 1);
    assert!(!on.unbroken(cutting), "a command across a cut completes");
    // A second cut at once: still off, two in progress, same generation.
    let two = cutting.cut_started();
    assert_eq!(two.cutting(), 2);
    assert!(!two.is_on());
    assert_eq!(two.cut_done().cut_done(), cutting.cut_done());
    // Power-on waits for every cut in progress.
    assert_eq!(cutting.powered_on(), None);
    assert_eq!(two.cut_done().powered_on(), None);
    let off = cutting.cut_done();
    let back = off.powered_on().unwrap();
    assert!(back.is_on() && back.cutting() == 0);
    // Already on: nothing changes.
    assert_eq!(back.powered_on(), Some(back));
    // Off and on again (a cycle) is another power-on: a command from
    // before it must not complete.
    assert!(!on.unbroken(back));
    assert!(back.unbroken(back));
    // A command that saw the host off never completes as run.
    assert!(!off.unbroken(off));
    // A cut of a host already off keeps its generation.
    assert_eq!(off.cut_started().cut_done(), off);
    // The generation wraps.
    let mut s = PowerState(u64::from(u32::MAX) - 1);
    assert!(s.is_on());
    s = s.cut_started().cut_done().powered_on().unwrap();
    assert!(s.is_on() && s.cutting() == 0);
    assert!(!PowerState(u64::from(u32::MAX) - 1).unbroken(s));
}

/// A host as the driver runs it: the power word changes before the cut
/// takes pages out of the log.
struct Host {
    log: Log,
    store: Store,
    power: RefCell<PowerState>,
}

impl Host {
    fn new(budget: usize) -> Self {
        Host {
            log: Log::new(budget),
            store: Store::default(),
            power: RefCell::new(PowerState::ON),
        }
    }

    fn cut(&self) -> u64 {
        let s = *self.power.borrow();
        *self.power.borrow_mut() = s.cut_started();
        let lost = cut(&self.log, &self.store);
        let s = *self.power.borrow();
        *self.power.borrow_mut() = s.cut_done();
        lost
    }
}

/// Pages whose first destage runs a whole cut first (another CPU's), the
/// way a SYNCHRONIZE CACHE racing a cut can lose its pages after it
/// scanned them.
struct CutFirst<'a> {
    host: &'a Host,
    lost: RefCell<Option<u64>>,
}

impl Pages for CutFirst<'_> {
    fn destage(&self, lun: u16, page: u64, seq: u64) -> bool {
        if self.lost.borrow().is_none() {
            let lost = self.host.cut();
            *self.lost.borrow_mut() = Some(lost);
        }
        self.host.store.destage(lun, page, seq)
    }

    fn roll_back(&self, lun: u16, page: u64, seq: u64) -> bool {
        self.host.store.roll_back(lun, page, seq)
    }
}

/// A SYNCHRONIZE CACHE that a cut overtakes finds nothing left to
/// destage and would report success; the power word tells the command it
/// must fail instead (M1 of the soundness review).
#[test]
fn a_sync_overtaken_by_a_cut_sees_the_new_generation() {
    let host = Host::new(64);
    for page in 0..40 {
        host.store.write(&host.log, 0, page, 1, true, 0);
    }
    let then = *host.power.borrow();
    let racing = CutFirst {
        host: &host,
        lost: RefCell::new(None),
    };
    assert_eq!(sync(&host.log, &racing, 0, 0, u64::MAX), 0);
    assert_eq!(*racing.lost.borrow(), Some(40), "the cut lost the pages");
    assert!(
        !then.unbroken(*host.power.borrow()),
        "the sync would complete GOOD"
    );
    // Without a cut the same sync completes.
    let host = Host::new(64);
    for page in 0..40 {
        host.store.write(&host.log, 0, page, 1, true, 0);
    }
    let then = *host.power.borrow();
    assert_eq!(sync(&host.log, &host.store, 0, 0, u64::MAX), 40);
    assert!(then.unbroken(*host.power.borrow()));
}

/// One hold of the log's lock looks at [`SCAN_LIMIT`] entries at most
/// (review S6): a SYNCHRONIZE CACHE walking past other LUNs' entries, a
/// cut or a room-making dropping dead entries, a kill trimming them.
#[test]
fn work_per_lock_hold_is_bounded() {
    let mut log = DirtyLog::new(vec![Entry::default(); 4096], 2048);
    for page in 0..2000 {
        log.push(1, page, 0).unwrap();
    }
    for page in 0..5 {
        log.push(0, page, 0).unwrap();
    }
    let mut out = [(0u64, Entry::default()); BATCH];
    // Past 2000 entries of LUN 1 to LUN 0's five: 512 looked at a time.
    let (n, next) = log.scan(0, log.end_seq(), &mut out, |e| e.lun == 0);
    assert_eq!((n, next), (0, SCAN_LIMIT as u64));
    let (mut from, mut calls, mut found) = (0, 0, 0);
    while from < log.end_seq() {
        let (n, next) = log.scan(from, log.end_seq(), &mut out, |e| e.lun == 0);
        found += n;
        from = next;
        calls += 1;
    }
    assert_eq!((found, calls), (5, 4));
    // Dead entries behind a live front: a pop drops 512 at most.
    for seq in 1..2005 {
        log.kill(seq);
    }
    assert_eq!(log.len(), 2005, "the live front keeps them");
    let (n, more) = log.pop_while(&mut out, |_, _, _| true);
    assert_eq!((n, more), (1, true));
    assert_eq!(log.len(), 2005 - SCAN_LIMIT);
    while log.pop_while(&mut out, |_, _, _| true).1 {}
    assert!(log.is_empty());
    // Killing the front trims 512 dead entries behind it at most.
    let first = log.end_seq();
    for page in 0..1000 {
        log.push(0, page, 0).unwrap();
    }
    for seq in (first + 1)..(first + 1000) {
        log.kill(seq);
    }
    log.kill(first);
    assert_eq!(log.len(), 1000 - SCAN_LIMIT);
    assert_eq!(log.live(), 0);
    // The algorithms still get through all of it.
    let log = Log::new(4096);
    let store = Store::default();
    for page in 0..3000 {
        store.write(&log, 1, page, 1, true, 0);
    }
    for page in 0..3 {
        store.write(&log, 0, page, 1, true, 0);
    }
    assert_eq!(sync(&log, &store, 0, 0, u64::MAX), 3);
    assert_eq!(sync(&log, &store, 1, 0, 1499), 1500);
    assert_eq!(cut(&log, &store), 1500);
    assert!(log.with(|l| l.is_empty()));
}
