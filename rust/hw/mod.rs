// SPDX-License-Identifier: GPL-2.0

//! Support for hardware adapters that `kernel::` does not offer in a form a
//! SCSI host can own: an interrupt line with its PCI vector allocation in one
//! object, a periodic work item that is cancelled on drop, the cancel
//! `kernel::workqueue` lacks for work items in an `Arc`, a workqueue of
//! the driver's own (`kernel::workqueue` only has the system ones), and PCI
//! drivers with a `shutdown` callback.

pub mod irq;
pub mod pci_shutdown;
pub mod periodic;
pub mod work;
pub mod workqueue;

pub use irq::{IrqMode, PciIrq};
pub use periodic::{Periodic, PeriodicTask};
pub use workqueue::OwnedQueue;
