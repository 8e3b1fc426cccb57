// SPDX-License-Identifier: GPL-2.0

//! LSI SAS1068 (MPI) adapter logic, mirroring the kernel's `mod mptsas`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/mptsas/mpi/mod.rs"]
pub mod mpi;
