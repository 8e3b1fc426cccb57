// SPDX-License-Identifier: GPL-2.0

//! State of one virtual logical unit: identity, mode state, backing store
//! and statistics.

use super::emulation::{self, LunConfig};
use crate::common::stats::IoStats;
use crate::proto::sense::Sense;
use crate::storage::SparsePages;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

/// Whether a LUN slot has a disk and how many devices (`sdev`s) use it, in
/// one word: a removal and a scan racing see one order.
pub(crate) struct Presence(Atomic<u32>);

/// The slot has a disk.
const PRESENT: u32 = 1 << 31;

impl Presence {
    fn new(present: bool) -> Self {
        Self(Atomic::new(if present { PRESENT } else { 0 }))
    }

    fn update(&self, f: impl Fn(u32) -> Option<u32>) -> Result<u32, u32> {
        let mut cur = self.0.load(Relaxed);
        loop {
            let next = f(cur).ok_or(cur)?;
            match self.0.cmpxchg(cur, next, Relaxed) {
                Ok(_) => return Ok(next),
                Err(now) => cur = now,
            }
        }
    }

    /// A device for the slot is being created (`sdev_init`); fails without
    /// a disk.
    pub(crate) fn attach(&self) -> bool {
        self.update(|s| {
            if s & PRESENT == 0 {
                None
            } else {
                s.checked_add(1).filter(|n| n & PRESENT != 0)
            }
        })
        .is_ok()
    }

    /// A device of the slot went (its `VirtDevice` was dropped).
    pub(crate) fn detach(&self) {
        let _ = self.update(|s| {
            if s & !PRESENT == 0 {
                None
            } else {
                s.checked_sub(1)
            }
        });
    }

    /// Whether the slot has a disk.
    pub(crate) fn present(&self) -> bool {
        self.0.load(Relaxed) & PRESENT != 0
    }

    /// Gives the slot a disk; `false` if it has one.
    pub(crate) fn add(&self) -> bool {
        self.update(|s| {
            if s & PRESENT == 0 {
                Some(s | PRESENT)
            } else {
                None
            }
        })
        .is_ok()
    }

    /// Takes the disk away if no device uses it: `Err(devices)` otherwise
    /// (`0` devices: there was no disk).
    pub(crate) fn remove(&self) -> Result<(), u32> {
        match self.update(|s| if s == PRESENT { Some(0) } else { None }) {
            Ok(_) => Ok(()),
            Err(s) => Err(s & !PRESENT),
        }
    }
}

/// One emulated disk.
pub(crate) struct VirtLun {
    base: LunConfig,
    /// Its index in the host (in the write-back cache's log).
    pub(crate) index: u16,
    write_cache: Atomic<bool>,
    d_sense: Atomic<bool>,
    stopped: Atomic<bool>,
    unit_attention: Atomic<bool>,
    power_on: Atomic<bool>,
    pub(crate) store: Pin<KBox<SparsePages>>,
    pub(crate) stats: Arc<IoStats>,
    /// Shared with the slot's devices (`sdev_destroy` has no host data).
    pub(crate) presence: Arc<Presence>,
}

impl VirtLun {
    pub(crate) fn new(base: LunConfig, index: u16, present: bool) -> Result<Self> {
        let size = base.capacity_blocks * u64::from(base.block_size);
        Ok(Self {
            index,
            write_cache: Atomic::new(base.write_cache),
            d_sense: Atomic::new(base.d_sense),
            stopped: Atomic::new(false),
            // A new unit reports POWER ON OR RESET once, like a real disk.
            unit_attention: Atomic::new(true),
            power_on: Atomic::new(false),
            store: KBox::pin_init(SparsePages::new(size), GFP_KERNEL)?,
            stats: Arc::new(IoStats::new(), GFP_KERNEL)?,
            presence: Arc::new(Presence::new(present), GFP_KERNEL)?,
            base,
        })
    }

    /// Back to a new disk's state after its removal: mode pages as at
    /// creation, a unit attention for the next device.
    pub(crate) fn reset_state(&self) {
        self.set_mode(self.base.write_cache, self.base.d_sense);
        self.set_stopped(false);
        self.unit_attention.store(true, Relaxed);
        self.power_on.store(false, Relaxed);
    }

    /// The emulation's view of the unit, with the current mode state.
    pub(crate) fn config(&self) -> LunConfig {
        LunConfig {
            write_cache: self.write_cache.load(Relaxed),
            d_sense: self.d_sense.load(Relaxed),
            ..self.base
        }
    }

    pub(crate) fn set_mode(&self, write_cache: bool, d_sense: bool) {
        self.write_cache.store(write_cache, Relaxed);
        self.d_sense.store(d_sense, Relaxed);
    }

    pub(crate) fn set_stopped(&self, stopped: bool) {
        self.stopped.store(stopped, Relaxed);
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stopped.load(Relaxed)
    }

    /// Raises POWER ON, RESET OR BUS DEVICE RESET OCCURRED (after a reset).
    pub(crate) fn raise_reset_ua(&self) {
        self.unit_attention.store(true, Relaxed);
    }

    /// Raises POWER ON OCCURRED (power back after a cut).
    pub(crate) fn raise_power_on_ua(&self) {
        self.power_on.store(true, Relaxed);
    }

    /// Takes the pending unit attention, if any: POWER ON OCCURRED covers
    /// a reset's as well.
    pub(crate) fn take_unit_attention(&self) -> Option<Sense> {
        if self.power_on.load(Relaxed) && self.power_on.xchg(false, Relaxed) {
            self.unit_attention.store(false, Relaxed);
            Some(emulation::POWER_ON_UA)
        } else if self.unit_attention.load(Relaxed) && self.unit_attention.xchg(false, Relaxed) {
            Some(emulation::power_on_reset_ua())
        } else {
            None
        }
    }
}
