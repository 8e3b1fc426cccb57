// SPDX-License-Identifier: GPL-2.0

//! One LSI 53C8xx chip: its registers, the SCRIPTS program in on-chip RAM,
//! the host control block and the command control blocks in coherent
//! memory, and the start queue the driver feeds.
//!
//! On-chip SCRIPTS RAM (BAR2) rather than host memory: instruction fetches
//! then stay inside the chip (QEMU reads them from its RAM array instead of
//! doing a DMA per instruction), and the SCRIPTS tables the CPU writes stay
//! in host memory where the CPU writes them with plain stores.

use super::scripts::{
    layout::{self as l, SLOTS},
    program::{self, Labels},
    regs as r,
};
use super::window::Window;
use crate::common::counters::HbaCounters;
use crate::dma::{DmaSlots, SlotMut};
use kernel::{
    device::{self, Bound},
    dma::Coherent,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Atomic, Relaxed},
        barrier::{dma_mb, Write},
        SpinLockIrq,
    },
    time::delay::udelay,
    time::Delta,
};

/// Counters shown in sysfs.
pub(super) struct ChipStats {
    /// Interrupts, resets, aborts (shared host attributes).
    pub(super) hba: HbaCounters,
    pub(super) selection_timeouts: Atomic<u64>,
    /// Commands sent with a transfer negotiation (SDTR).
    pub(super) negotiations: Atomic<u64>,
    /// Most commands outstanding on the bus at once.
    pub(super) peak_outstanding: Atomic<u32>,
}

impl ChipStats {
    fn new() -> Self {
        Self {
            hba: HbaCounters::new(),
            selection_timeouts: Atomic::new(0),
            negotiations: Atomic::new(0),
            peak_outstanding: Atomic::new(0),
        }
    }
}

/// The CCB slot of the message job (BUS DEVICE RESET, ABORT): after the
/// command slots, so it has no tag and the completion scan never sees it.
pub(super) const MSG_SLOT: usize = SLOTS;

/// Where the SCRIPTS are in a stop the CPU asked for (`program.rs`: the
/// stop request) or in a message job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Halt {
    /// Running as usual.
    Running,
    /// ISTAT0.SEM is set: the SCRIPTS stop at `start`.
    Requested,
    /// Stopped at `start`: the start queue and the priority job are the
    /// CPU's to edit.
    Stopped,
    /// The message job is posted and the SCRIPTS run.
    MsgRunning,
    /// The message job's target took the message and went bus free; the
    /// SCRIPTS are stopped.
    MsgDone,
    /// The message job ended otherwise (selection timeout, the target did
    /// not take the message); the SCRIPTS are stopped.
    MsgFailed,
}

/// What the CPU tracks of the start queue and the outstanding CCBs.
pub(super) struct Queue {
    /// The start queue entry the next job goes into (holds the idle CCB).
    next: usize,
    /// Bit `i`: CCB `i` is posted (started, disconnected or connected).
    pub(super) outstanding: u64,
    /// The stop / message job protocol.
    pub(super) halt: Halt,
    /// Chip resets so far: a waiter for [`Halt`] whose reset count changed
    /// knows the chip forgot everything.
    pub(super) resets: u64,
}

impl Queue {
    /// ISTAT0 bits every ISTAT0 write must keep: SEM while a stop is
    /// requested or in progress (a write without it takes the request
    /// back).
    fn keep(&self) -> u8 {
        match self.halt {
            Halt::Requested | Halt::Stopped => r::ISTAT0_SEM,
            _ => 0,
        }
    }
}

/// The CCBs that are posted but not taken by the SCRIPTS yet.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Unstarted {
    /// Bit `i`: CCB `i` waits in the start queue.
    pub(super) queued: u64,
    /// The priority job's CCB if the SCRIPTS have not selected it yet.
    pub(super) priority: Option<usize>,
}

impl Unstarted {
    /// Every unstarted CCB, as a bit mask.
    pub(super) fn mask(&self) -> u64 {
        self.queued | self.priority.map_or(0, |i| 1u64 << (i % 64))
    }
}

/// A chip with its program loaded.
pub(super) struct Chip {
    pub(super) dev: ARef<device::Device>,
    pub(super) win: Window,
    hcb: Coherent<[u32]>,
    hcb_bus: u32,
    ccbs: DmaSlots,
    pub(super) labels: Labels,
    program: KVec<u32>,
    /// Serialises the start queue, the interrupt handler and resets.
    pub(super) queue: Pin<KBox<SpinLockIrq<Queue>>>,
    pub(super) stats: ChipStats,
    /// Set once the chip failed to come back from a reset.
    dead: Atomic<i32>,
}

impl Chip {
    /// Allocates the shared memory, builds the program for SCRIPTS RAM at
    /// bus address `ram_bus`, and brings the chip up.
    pub(super) fn new(dev: &device::Device<Bound>, win: Window, ram_bus: u32) -> Result<Self> {
        let hcb = Coherent::<u32>::zeroed_slice(dev, l::HCB_SIZE / 4, GFP_KERNEL)?;
        let hcb_bus = u32::try_from(hcb.dma_address()).map_err(|_| EINVAL)?;
        if hcb_bus % 256 != 0 {
            return Err(EINVAL);
        }
        let ccbs = DmaSlots::new(dev, SLOTS + 1, l::CCB_SIZE, 16 * 1024)?;
        for i in 0..=MSG_SLOT {
            let a = ccbs.dma_address(i).ok_or(EINVAL)?;
            if a.checked_add(l::CCB_SIZE as u64)
                .is_none_or(|end| end > 1 << 32)
            {
                return Err(EINVAL);
            }
        }
        let mut program = KVec::with_capacity(program::LEN, GFP_KERNEL)?;
        program.resize(program::LEN, 0, GFP_KERNEL)?;
        let labels = program::build(ram_bus, hcb_bus, &mut program).map_err(|_| EINVAL)?;
        let chip = Self {
            dev: dev.into(),
            win,
            hcb,
            hcb_bus,
            ccbs,
            labels,
            program,
            queue: KBox::pin_init(
                kernel::new_spinlock_irq!(Queue {
                    next: 0,
                    outstanding: 0,
                    halt: Halt::Running,
                    resets: 0,
                }),
                GFP_KERNEL,
            )?,
            stats: ChipStats::new(),
            dead: Atomic::new(0),
        };
        chip.reset_chip(&mut chip.queue.lock())?;
        Ok(chip)
    }

    pub(super) fn ccbs(&self) -> &DmaSlots {
        &self.ccbs
    }

    pub(super) fn is_dead(&self) -> bool {
        self.dead.load(Relaxed) != 0
    }

    /// Bus address of CCB `idx`.
    pub(super) fn ccb_bus(&self, idx: usize) -> u32 {
        self.ccbs
            .dma_address(idx)
            .and_then(|a| u32::try_from(a).ok())
            .unwrap_or(0)
    }

    /// The CCB index of bus address `dsa`, if it is one.
    pub(super) fn ccb_index(&self, dsa: u32) -> Option<usize> {
        (0..SLOTS).find(|&i| self.ccb_bus(i) == dsa)
    }

    fn hcb_write(&self, off: u32, val: u32) {
        let _ = (|| -> Result {
            kernel::io::io_write!(self.hcb, [try: off as usize / 4], val);
            Ok(())
        })();
    }

    fn hcb_read(&self, off: u32) -> u32 {
        let read =
            || -> Result<u32> { Ok(kernel::io::io_read!(self.hcb, [try: off as usize / 4])) };
        read().unwrap_or(0)
    }

    /// Writes the host control block from scratch: tag table, untagged
    /// table, empty start queue, the idle and bad-nexus CCBs.
    fn init_hcb(&self) {
        for i in 0..SLOTS {
            self.hcb_write(l::HCB_TAG_TABLE + 4 * i as u32, self.ccb_bus(i));
        }
        let bad = self.hcb_bus + l::HCB_BAD_CCB;
        for t in 0..16u32 {
            self.hcb_write(l::HCB_UNTAGGED_TABLE + 4 * t, bad);
        }
        let idle = self.hcb_bus + l::HCB_IDLE_CCB;
        let entry =
            |i: usize| self.hcb_bus + l::HCB_START_QUEUE + 8 * (i % l::START_QUEUE_LEN) as u32;
        for i in 0..l::START_QUEUE_LEN {
            let off = l::HCB_START_QUEUE + 8 * i as u32;
            self.hcb_write(off, idle);
            self.hcb_write(off + 4, entry(i + 1));
        }
        self.hcb_write(l::HCB_START_POS, entry(0));
        self.hcb_write(l::HCB_PRIO_FLAG, 0);
        self.hcb_write(l::HCB_PRIO_DSA, 0);
        self.hcb_write(l::HCB_SELF, self.hcb_bus + l::HCB_TAG_TABLE);
        self.hcb_write(l::HCB_SELF_UNTAGGED, self.hcb_bus + l::HCB_UNTAGGED_TABLE);
        self.hcb_write(l::HCB_IDLE_CCB + l::CCB_GO_START, self.labels.idle);
        self.hcb_write(l::HCB_IDLE_CCB + l::CCB_GO_RESTART, self.labels.bad_nexus);
        self.hcb_write(l::HCB_BAD_CCB + l::CCB_GO_START, self.labels.idle);
        self.hcb_write(l::HCB_BAD_CCB + l::CCB_GO_RESTART, self.labels.bad_nexus);
    }

    /// Soft-resets the chip (QEMU also resets its disks then), programs its
    /// registers, loads the SCRIPTS and starts them idle. Every CCB is
    /// forgotten: the caller, holding the queue lock (`q`), gives their
    /// commands back before it lets go of the lock.
    pub(super) fn reset_chip(&self, q: &mut Queue) -> Result {
        let w = &self.win;
        w.write8(r::ISTAT0, r::ISTAT0_SRST);
        udelay(Delta::from_micros(100));
        w.write8(r::ISTAT0, 0);
        // Interrupt state the reset left behind (nothing should be pending).
        let _ = w.read8(r::SIST0);
        let _ = w.read8(r::SIST1);
        let _ = w.read8(r::DSTAT);
        if w.read8(r::SCID) == u8::MAX {
            self.dead.store(1, Relaxed);
            return Err(ENODEV);
        }
        w.write8(r::SCNTL0, r::SCNTL0_ARB_FULL);
        w.write8(r::SCNTL1, 0);
        w.write8(r::SCNTL3, 0);
        w.write8(r::SXFER, 0);
        // Our id 7, answering reselection.
        w.write8(r::SCID, r::SCID_RRE | 7);
        w.write8(r::RESPID0, 1 << 7);
        w.write8(r::RESPID1, 0);
        w.write8(r::DMODE, 0);
        // COM: the 53C8xx (not 53C700-compatible) behaviour the register
        // and table-indirect instructions need on a real chip.
        w.write8(r::DCNTL, r::DCNTL_COM);
        w.write8(r::STIME0, r::STIME0_SEL_204MS);
        // No general purpose timer: QEMU raises GEN at once when it is set.
        w.write8(r::STIME1, 0);
        // Stop on phase mismatch, bus reset, unexpected disconnect, gross
        // error, parity, selection timeout; no reselection/selection/
        // function-complete interrupts (the SCRIPTS wait for those).
        w.write8(
            r::SIEN0,
            r::SIST0_MA | r::SIST0_SGE | r::SIST0_UDC | r::SIST0_RST | r::SIST0_PAR,
        );
        w.write8(r::SIEN1, r::SIST1_STO);
        w.write8(
            r::DIEN,
            r::DSTAT_MDPE | r::DSTAT_BF | r::DSTAT_ABRT | r::DSTAT_SIR | r::DSTAT_IID,
        );
        w.load_scripts(&self.program)?;
        let loaded = self
            .program
            .iter()
            .enumerate()
            .all(|(i, &word)| w.scripts_word(i) == Some(word));
        if !loaded {
            dev_err!(self.dev, "SCRIPTS RAM does not hold the program\n");
            self.dead.store(1, Relaxed);
            return Err(EIO);
        }
        self.init_hcb();
        self.ccbs.reset_device_owned();
        q.next = 0;
        q.outstanding = 0;
        q.halt = Halt::Running;
        q.resets = q.resets.wrapping_add(1);
        // The shared memory is written before the SCRIPTS start.
        dma_mb(Write);
        self.dead.store(0, Relaxed);
        w.write32(r::DSP, self.labels.start);
        Ok(())
    }

    /// Claims CCB `idx` for a new command.
    pub(super) fn claim(&self, idx: usize) -> Option<SlotMut<'_>> {
        self.ccbs.claim(idx)
    }

    /// Hands a filled CCB to the chip: it goes into the start queue entry
    /// holding the idle CCB, the next entry becomes the idle one, and SIGP
    /// wakes the SCRIPTS if they wait for reselection.
    /// The caller holds the queue lock (`q`) from before it parked the
    /// command: a reset cannot give the command back between the two.
    pub(super) fn post(&self, q: &mut Queue, slot: SlotMut<'_>) {
        let bus = u32::try_from(slot.dma_address()).unwrap_or(0);
        let idx = slot.to_device();
        let this = q.next;
        let next = (this + 1) % l::START_QUEUE_LEN;
        self.hcb_write(
            l::HCB_START_QUEUE + 8 * next as u32,
            self.hcb_bus + l::HCB_IDLE_CCB,
        );
        dma_mb(Write);
        self.hcb_write(l::HCB_START_QUEUE + 8 * this as u32, bus);
        dma_mb(Write);
        q.next = next;
        q.outstanding |= 1u64 << (idx % 64);
        let n = q.outstanding.count_ones();
        if n > self.stats.peak_outstanding.load(Relaxed) {
            self.stats.peak_outstanding.store(n, Relaxed);
        }
        self.win.write8(r::ISTAT0, r::ISTAT0_SIGP | q.keep());
    }

    /// Acknowledges INTF, keeping a pending SIGP (`istat` as read) and the
    /// stop request: an ISTAT0 write replaces bits 7:4.
    pub(super) fn ack_intf(&self, q: &Queue, istat: u8) {
        self.win.write8(
            r::ISTAT0,
            r::ISTAT0_INTF | (istat & r::ISTAT0_SIGP) | q.keep(),
        );
    }

    /// Makes CCB `bus` the job the SCRIPTS take first: the priority job,
    /// or if that is taken (by a job whose selection lost to a
    /// reselection), a start queue entry in front of the others. Only
    /// while the SCRIPTS are stopped; the caller restarts them.
    pub(super) fn post_first(&self, q: &Queue, bus: u32) -> Result {
        if self.hcb_read(l::HCB_PRIO_FLAG) & 0xff == 0 {
            self.hcb_write(l::HCB_PRIO_DSA, bus);
            dma_mb(Write);
            self.hcb_write(l::HCB_PRIO_FLAG, 1);
            dma_mb(Write);
            return Ok(());
        }
        // The entry before the SCRIPTS' position was taken already (its
        // next pointer is that position) unless the ring is full: it is
        // then the idle entry the next post fills.
        let pos = self
            .entry_index(self.hcb_read(l::HCB_START_POS))
            .ok_or(EIO)?;
        let before = (pos + l::START_QUEUE_LEN - 1) % l::START_QUEUE_LEN;
        if before == q.next {
            return Err(EBUSY);
        }
        self.hcb_write(l::HCB_START_QUEUE + 8 * before as u32, bus);
        dma_mb(Write);
        self.hcb_write(l::HCB_START_POS, self.entry_bus(before));
        dma_mb(Write);
        Ok(())
    }

    /// Runs CCB `bus` first (see [`Self::post_first`]) and restarts the
    /// stopped SCRIPTS at the start code.
    pub(super) fn post_first_and_restart(&self, q: &Queue, bus: u32) -> Result {
        let posted = self.post_first(q, bus);
        self.restart_at(self.labels.start);
        posted
    }

    /// Bus address of start queue entry `i`.
    fn entry_bus(&self, i: usize) -> u32 {
        self.hcb_bus + l::HCB_START_QUEUE + 8 * (i % l::START_QUEUE_LEN) as u32
    }

    /// The index of the start queue entry at bus address `bus`.
    fn entry_index(&self, bus: u32) -> Option<usize> {
        let off = bus.checked_sub(self.hcb_bus + l::HCB_START_QUEUE)?;
        let i = (off / 8) as usize;
        (off % 8 == 0 && i < l::START_QUEUE_LEN).then_some(i)
    }

    /// Asks the SCRIPTS to stop at `start` (SEM, and SIGP to wake them
    /// from WAIT RESELECT); the interrupt handler moves `q.halt` on to
    /// [`Halt::Stopped`] when they do.
    pub(super) fn request_stop(&self, q: &mut Queue) {
        q.halt = Halt::Requested;
        self.win.write8(r::ISTAT0, r::ISTAT0_SEM | r::ISTAT0_SIGP);
    }

    /// Ends a stop (or a message job): SEM cleared, the SCRIPTS restarted
    /// at `start`, which reads the start queue afresh.
    pub(super) fn resume(&self, q: &mut Queue) {
        q.halt = Halt::Running;
        self.win.write8(r::ISTAT0, 0);
        self.restart_at(self.labels.start);
    }

    /// The CCBs posted but not taken yet. Only while the SCRIPTS are
    /// stopped.
    pub(super) fn unstarted(&self, q: &Queue) -> Unstarted {
        let mut u = Unstarted::default();
        self.walk_queue(q, |i, _| u.queued |= 1u64 << (i % 64));
        if self.hcb_read(l::HCB_PRIO_FLAG) & 0xff != 0 {
            u.priority = self.ccb_index(self.hcb_read(l::HCB_PRIO_DSA));
        }
        u
    }

    /// Calls `f(ccb, entry)` for each command CCB waiting in the start
    /// queue, from the SCRIPTS' position to the idle entry.
    fn walk_queue(&self, q: &Queue, mut f: impl FnMut(usize, usize)) {
        let Some(mut pos) = self.entry_index(self.hcb_read(l::HCB_START_POS)) else {
            return;
        };
        for _ in 0..l::START_QUEUE_LEN {
            if pos == q.next {
                break;
            }
            let ccb = self.hcb_read(l::HCB_START_QUEUE + 8 * pos as u32);
            if let Some(i) = self.ccb_index(ccb) {
                f(i, pos);
            }
            pos = (pos + 1) % l::START_QUEUE_LEN;
        }
    }

    /// Drops the CCBs of `mask` from the start queue and from the priority
    /// job. The queue is compacted in place (the jobs kept move up to the
    /// SCRIPTS' position, in order, the idle entry follows them), so a
    /// dropped job takes no entry. Only while the SCRIPTS are stopped; the
    /// caller takes the CCBs back.
    pub(super) fn drop_unstarted(&self, q: &mut Queue, mask: u64) {
        if let Some(mut to) = self.entry_index(self.hcb_read(l::HCB_START_POS)) {
            let mut from = to;
            for _ in 0..l::START_QUEUE_LEN {
                if from == q.next {
                    break;
                }
                let ccb = self.hcb_read(l::HCB_START_QUEUE + 8 * from as u32);
                let dropped = self
                    .ccb_index(ccb)
                    .is_some_and(|i| mask & (1u64 << (i % 64)) != 0);
                if !dropped {
                    self.hcb_write(l::HCB_START_QUEUE + 8 * to as u32, ccb);
                    to = (to + 1) % l::START_QUEUE_LEN;
                }
                from = (from + 1) % l::START_QUEUE_LEN;
            }
            self.hcb_write(
                l::HCB_START_QUEUE + 8 * to as u32,
                self.hcb_bus + l::HCB_IDLE_CCB,
            );
            q.next = to;
        }
        let prio = self.hcb_read(l::HCB_PRIO_DSA);
        let prio_set = self.hcb_read(l::HCB_PRIO_FLAG) & 0xff != 0;
        if prio_set
            && self
                .ccb_index(prio)
                .is_some_and(|i| mask & (1u64 << (i % 64)) != 0)
        {
            self.clear_priority();
        }
        dma_mb(Write);
    }

    /// Whether the start queue has an entry for one more job besides the
    /// idle one (it always should: see [`l::START_QUEUE_LEN`]).
    pub(super) fn has_room(&self, q: &Queue) -> bool {
        let Some(pos) = self.entry_index(self.hcb_read(l::HCB_START_POS)) else {
            return false;
        };
        // Entries from the SCRIPTS' position to the idle one are pending.
        let pending = (q.next + l::START_QUEUE_LEN - pos) % l::START_QUEUE_LEN;
        pending + 2 < l::START_QUEUE_LEN
    }

    /// Bus address of the message job's CCB.
    pub(super) fn msg_ccb_bus(&self) -> u32 {
        self.ccb_bus(MSG_SLOT)
    }

    /// Restarts the stopped SCRIPTS processor at `addr`.
    pub(super) fn restart_at(&self, addr: u32) {
        self.win.write32(r::DSP, addr);
    }

    /// Records an untagged command of target `id` for reselection (or
    /// clears it with `None`).
    pub(super) fn set_untagged(&self, id: u32, ccb: Option<u32>) {
        let v = ccb.unwrap_or(self.hcb_bus + l::HCB_BAD_CCB);
        self.hcb_write(l::HCB_UNTAGGED_TABLE + 4 * (id & 15), v);
    }

    /// Whether target `id` has an untagged command outstanding (its
    /// reselection entry names a CCB, not the bad-nexus one).
    pub(super) fn untagged_in_use(&self, id: u32) -> bool {
        let read = || -> Result<u32> {
            let at = (l::HCB_UNTAGGED_TABLE + 4 * (id & 15)) as usize / 4;
            Ok(kernel::io::io_read!(self.hcb, [try: at]))
        };
        read().is_ok_and(|v| v != self.hcb_bus + l::HCB_BAD_CCB)
    }

    /// Clears the priority flag the SCRIPTS would otherwise take again.
    pub(super) fn clear_priority(&self) {
        self.hcb_write(l::HCB_PRIO_FLAG, 0);
    }
}

impl Drop for Chip {
    /// The chip must not touch the shared memory once it is freed (the
    /// fields drop after this): stop it, whatever path dropped it.
    fn drop(&mut self) {
        self.stop();
    }
}

impl Chip {
    /// Stops the chip for good (unbind, drop): interrupts masked, SCRIPTS
    /// and bus state reset. Under the queue lock, and marked dead, so an
    /// interrupt handler running on another CPU cannot restart it.
    pub(super) fn stop(&self) {
        let _q = self.queue.lock();
        let w = &self.win;
        w.write8(r::DIEN, 0);
        w.write8(r::SIEN0, 0);
        w.write8(r::SIEN1, 0);
        w.write8(r::ISTAT0, r::ISTAT0_SRST);
        udelay(Delta::from_micros(100));
        w.write8(r::ISTAT0, 0);
        self.dead.store(1, Relaxed);
    }
}
