// SPDX-License-Identifier: GPL-2.0

//! SCSI protocol helpers shared by every orion_scsi adapter.
//!
//! Pure logic only (`core`, no allocation, no panics) so the same files build
//! inside the kernel module and in the host test crate.

pub mod cdb;
pub mod le;
pub mod lun;
pub mod sense;
pub mod wire;
