// SPDX-License-Identifier: GPL-2.0

//! Support for hardware adapters that `kernel::` does not offer in a form a
//! SCSI host can own: an interrupt line with its PCI vector allocation in one
//! object, and a periodic work item that is cancelled on drop.

pub mod irq;
pub mod periodic;

pub use irq::{IrqMode, PciIrq};
pub use periodic::{Periodic, PeriodicTask};
