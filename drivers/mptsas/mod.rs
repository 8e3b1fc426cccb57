// SPDX-License-Identifier: GPL-2.0

//! LSI SAS1068 (Fusion-MPT) host adapter for QEMU's `mptsas1068`: the MPI
//! wire formats ([`mpi`], pure logic), the register window, the IOC (DMA
//! areas, doorbell handshake, reply FIFO, reset), the SCSI host and the PCI
//! driver, and the SAS fabric registered with the SAS transport class
//! (`Documentation/mptsas.rst`).

mod host;
mod ioc;
pub mod mpi;
mod pci_driver;
mod regs;
mod sas;

pub(crate) use pci_driver::{register, Registration};
