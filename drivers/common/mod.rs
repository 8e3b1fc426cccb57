// SPDX-License-Identifier: GPL-2.0

//! Core shared by every orion_scsi adapter: statistics and configuration checks.

pub mod counters;
pub mod defaults;
pub mod early;
pub mod health;
pub mod host_stats;
pub mod irq;
pub mod latency;
pub mod reset_gate;
pub mod stats;
pub mod stats_attrs;
