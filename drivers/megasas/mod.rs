// SPDX-License-Identifier: GPL-2.0

//! LSI MegaRAID SAS (MFI) adapter driver for QEMU's `megasas` and
//! `megasas-gen2`: the wire formats ([`mfi`], pure logic), the register
//! window, the controller (DMA areas, firmware handshake, reply ring,
//! reset), the SCSI host, and the PCI driver.

mod controller;
mod host;
pub mod mfi;
mod pci_driver;
mod regs;

pub(crate) use pci_driver::{register, Registration};
