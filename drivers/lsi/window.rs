// SPDX-License-Identifier: GPL-2.0

//! The chip's register window (BAR1, memory mapped) and its SCRIPTS RAM
//! (BAR2).
//!
//! The registers are byte wide; a 32-bit access covers four of them, low
//! byte first (a 32-bit write to DSP starts the SCRIPTS processor when its
//! last byte lands). Both BARs are device-managed: after unbind every read
//! returns all-ones and writes are dropped, which the callers treat like a
//! chip that stopped answering.

use super::scripts::regs::{Reg, REGS_SIZE, SCRIPTS_RAM_SIZE};
use kernel::{io::Io, pci};

/// Register and SCRIPTS RAM access for one chip.
pub(super) struct Window {
    regs: pci::DevresBar<REGS_SIZE>,
    ram: pci::DevresBar<SCRIPTS_RAM_SIZE>,
}

impl Window {
    pub(super) fn new(
        regs: pci::DevresBar<REGS_SIZE>,
        ram: pci::DevresBar<SCRIPTS_RAM_SIZE>,
    ) -> Self {
        Self { regs, ram }
    }

    pub(super) fn read8(&self, reg: Reg) -> u8 {
        self.regs
            .try_access_with(|b| b.try_read8(reg.offset()).ok())
            .flatten()
            .unwrap_or(u8::MAX)
    }

    pub(super) fn write8(&self, reg: Reg, val: u8) {
        let _ = self
            .regs
            .try_access_with(|b| b.try_write8(val, reg.offset()));
    }

    pub(super) fn read32(&self, reg: Reg) -> u32 {
        self.regs
            .try_access_with(|b| b.try_read32(reg.offset()).ok())
            .flatten()
            .unwrap_or(u32::MAX)
    }

    pub(super) fn write32(&self, reg: Reg, val: u32) {
        let _ = self
            .regs
            .try_access_with(|b| b.try_write32(val, reg.offset()));
    }

    /// Copies the SCRIPTS program into the on-chip RAM, from its start.
    pub(super) fn load_scripts(&self, words: &[u32]) -> kernel::error::Result {
        self.ram
            .try_access_with(|b| {
                words
                    .iter()
                    .zip((0..).step_by(4))
                    .try_for_each(|(&w, off)| b.try_write32(w, off))
            })
            .ok_or(kernel::error::code::ENODEV)?
    }

    /// Reads back word `idx` of the SCRIPTS RAM (to check the load).
    pub(super) fn scripts_word(&self, idx: usize) -> Option<u32> {
        let off = idx.checked_mul(4)?;
        self.ram
            .try_access_with(|b| b.try_read32(off).ok())
            .flatten()
    }
}
