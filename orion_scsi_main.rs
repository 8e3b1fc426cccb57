// SPDX-License-Identifier: GPL-2.0

//! orion_scsi: a Linux SCSI driver stack written in Rust.
//!
//! The crate holds the SCSI midlayer abstractions (`rust/`) and the adapter
//! drivers built on them (`drivers/`).

use kernel::prelude::*;

#[path = "rust/bindings/mod.rs"]
mod bindings;
#[path = "rust/scsi/mod.rs"]
pub mod scsi;

module! {
    type: OrionScsi,
    name: "orion_scsi",
    authors: ["orion_scsi developers"],
    description: "Rust SCSI driver stack: virtual, SAS, SPI and iSCSI adapters",
    license: "GPL v2",
}

struct OrionScsi;

impl kernel::Module for OrionScsi {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("loaded\n");
        Ok(OrionScsi)
    }
}

impl Drop for OrionScsi {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
