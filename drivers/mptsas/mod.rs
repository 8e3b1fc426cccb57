// SPDX-License-Identifier: GPL-2.0

//! LSI SAS1068 (Fusion-MPT) host adapter for QEMU's `mptsas1068`, on the
//! SAS transport class. So far the MPI wire formats ([`mpi`], pure logic);
//! the PCI driver, SCSI host and SAS transport registration follow
//! (`Documentation/mptsas.rst`).

pub mod mpi;
