// SPDX-License-Identifier: GPL-2.0

//! The controller's register window (BAR), 32-bit accesses only.
//!
//! The BAR is device-managed: after unbind every read returns all-ones and
//! writes are dropped, which the callers treat like a dead controller.

use super::mfi::regs::{self as r, FwStatus, PostWords};
use kernel::{io::Io, pci};

/// Size of the register window the driver uses (up to SEQ at 0xfc).
pub(super) const REGS_SIZE: usize = 0x100;

/// Register access for one controller.
pub(super) struct Regs {
    bar: pci::DevresBar<REGS_SIZE>,
}

impl Regs {
    pub(super) fn new(bar: pci::DevresBar<REGS_SIZE>) -> Self {
        Self { bar }
    }

    pub(super) fn read(&self, off: usize) -> u32 {
        self.bar
            .try_access_with(|b| b.try_read32(off).ok())
            .flatten()
            .unwrap_or(u32::MAX)
    }

    pub(super) fn write(&self, off: usize, val: u32) {
        let _ = self.bar.try_access_with(|b| b.try_write32(val, off));
    }

    /// Firmware status (OSP0).
    pub(super) fn fw_status(&self) -> FwStatus {
        FwStatus::decode(self.read(r::OSP0))
    }

    /// Posts a frame with one write to IQP. Every frame lies below 4 GiB
    /// (checked when the frames are allocated), so the high half is zero
    /// and no lock is needed to pair IQPH/IQPL writes.
    pub(super) fn post(&self, words: PostWords) {
        self.write(r::IQP, words.low);
    }
}
