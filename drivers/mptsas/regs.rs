// SPDX-License-Identifier: GPL-2.0

//! The IOC's system interface registers (BAR1, memory space; BAR0 is the
//! same registers in I/O space), 32-bit accesses only: the doorbell, the
//! interrupt status and mask, and the FIFOs.

use super::mpi::regs::{self as r, Doorbell};
use crate::common::mmio::Mmio32;

/// The memory BAR.
pub(super) const BAR: u32 = 1;

/// Register access for one IOC.
pub(super) type Regs = Mmio32<{ r::REGS_SIZE }>;

/// The IOC's register operations beyond plain reads and writes.
pub(super) trait IocRegs {
    /// The decoded doorbell.
    fn doorbell(&self) -> Doorbell;
    /// Posts a request frame by its low address.
    fn post_request(&self, low: u32);
    /// Hands a reply frame (its low address) to the IOC.
    fn free_reply(&self, low: u32);
    /// Pops one reply descriptor (0xFFFFFFFF when empty; that read also
    /// clears the reply interrupt).
    fn pop_reply(&self) -> u32;
}

impl IocRegs for Regs {
    fn doorbell(&self) -> Doorbell {
        Doorbell::decode(self.read(r::DOORBELL))
    }

    fn post_request(&self, low: u32) {
        self.write(r::REQUEST_FIFO, low);
    }

    fn free_reply(&self, low: u32) {
        self.write(r::REPLY_FIFO, low);
    }

    fn pop_reply(&self) -> u32 {
        self.read(r::REPLY_FIFO)
    }
}
