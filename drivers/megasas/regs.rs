// SPDX-License-Identifier: GPL-2.0

//! The controller's register window (BAR), 32-bit accesses only
//! ([`Mmio32`]): firmware status and frame posting.

use super::mfi::regs::{self as r, FwStatus, PostWords};
use crate::common::mmio::Mmio32;
use kernel::pci;

/// Size of the register window the driver uses (up to SEQ at 0xfc).
pub(super) const REGS_SIZE: usize = 0x100;

/// Register access for one controller.
pub(super) struct Regs {
    mmio: Mmio32<REGS_SIZE>,
}

impl Regs {
    pub(super) fn new(bar: pci::DevresBar<REGS_SIZE>) -> Self {
        Self {
            mmio: Mmio32::new(bar),
        }
    }

    #[inline]
    pub(super) fn read(&self, off: usize) -> u32 {
        self.mmio.read(off)
    }

    #[inline]
    pub(super) fn write(&self, off: usize, val: u32) {
        self.mmio.write(off, val)
    }

    /// Firmware status (OSP0).
    pub(super) fn fw_status(&self) -> FwStatus {
        FwStatus::decode(self.read(r::OSP0))
    }

    /// Posts a frame with one write to IQP. Every frame lies below 4 GiB
    /// (checked when the frames are allocated), so the high half is zero
    /// and no lock is needed to pair IQPH/IQPL writes.
    #[inline]
    pub(super) fn post(&self, words: PostWords) {
        self.write(r::IQP, words.low);
    }
}
