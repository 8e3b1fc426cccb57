// SPDX-License-Identifier: GPL-2.0

//! Core shared by every orion_scsi adapter: statistics and configuration
//! checks, and what the PCI HBA drivers share (register window, interrupt
//! set-up, reset gate, health check).

pub mod counters;
pub mod defaults;
pub mod early;
pub mod frame_build;
pub mod hba_bind;
pub mod hba_eh;
pub mod hba_host;
pub mod health;
pub mod host_stats;
pub mod irq;
pub mod latency;
pub mod mmio;
pub mod reset_gate;
pub mod stats;
pub mod stats_attrs;
