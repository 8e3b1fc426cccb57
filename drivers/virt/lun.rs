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
}

impl VirtLun {
    pub(crate) fn new(base: LunConfig, index: u16) -> Result<Self> {
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
            base,
        })
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
