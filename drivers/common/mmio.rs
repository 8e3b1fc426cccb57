// SPDX-License-Identifier: GPL-2.0

//! A controller's register window (a device-managed PCI BAR) with 32-bit
//! accesses only, as the emulated HBAs want.
//!
//! After unbind every read returns all-ones and writes are dropped, which
//! callers treat like a dead controller.

use kernel::{io::Io, pci};

/// The first `SIZE` bytes of a BAR.
pub(crate) struct Mmio32<const SIZE: usize> {
    bar: pci::DevresBar<SIZE>,
}

impl<const SIZE: usize> Mmio32<SIZE> {
    pub(crate) fn new(bar: pci::DevresBar<SIZE>) -> Self {
        Self { bar }
    }

    /// Reads the register at `off` (all-ones once the device is gone).
    #[inline]
    pub(crate) fn read(&self, off: usize) -> u32 {
        self.bar
            .try_access_with(|b| b.try_read32(off).ok())
            .flatten()
            .unwrap_or(u32::MAX)
    }

    /// Writes the register at `off` (dropped once the device is gone).
    #[inline]
    pub(crate) fn write(&self, off: usize, val: u32) {
        let _ = self.bar.try_access_with(|b| b.try_write32(val, off));
    }
}
