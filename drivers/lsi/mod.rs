// SPDX-License-Identifier: GPL-2.0

//! LSI 53C895A / 53C810 parallel SCSI driver for QEMU's `lsi53c895a` and
//! `lsi53c810`: the SCRIPTS program and everything it shares with the CPU
//! ([`scripts`], pure logic), the register window, the chip (shared
//! memory, start queue, reset), the SCSI host with the SPI transport
//! class, and the PCI driver.

mod chip;
mod host;
mod interrupt;
mod pci_driver;
mod recovery;
pub mod scripts;
mod sense;
mod submit;
mod window;

pub(crate) use host::LsiSettings;
pub(crate) use pci_driver::{register, LsiConfig, Registration};
