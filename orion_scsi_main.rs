// SPDX-License-Identifier: GPL-2.0

//! orion_scsi: a Linux SCSI driver stack written in Rust.
//!
//! The crate holds the SCSI midlayer abstractions (`rust/`, the only place
//! with `unsafe`) and the adapter drivers built on them (`drivers/`).

use kernel::prelude::*;

#[path = "rust/bindings/mod.rs"]
mod bindings;
#[path = "rust/checksum/mod.rs"]
pub mod checksum;
#[path = "rust/debugfs/mod.rs"]
pub mod debugfs;
#[path = "rust/dma/mod.rs"]
pub mod dma;
#[path = "rust/hw/mod.rs"]
pub mod hw;
#[path = "rust/net/mod.rs"]
pub mod net;
#[path = "rust/params/mod.rs"]
#[macro_use]
pub mod params;
#[path = "rust/scsi/mod.rs"]
pub mod scsi;
#[path = "rust/storage/mod.rs"]
pub mod storage;

#[forbid(unsafe_code)]
#[path = "drivers/common/mod.rs"]
pub mod common;
#[forbid(unsafe_code)]
#[path = "drivers/iscsi/mod.rs"]
pub mod iscsi;
#[forbid(unsafe_code)]
#[path = "drivers/lsi/mod.rs"]
pub mod lsi;
#[forbid(unsafe_code)]
#[path = "drivers/megasas/mod.rs"]
pub mod megasas;
#[forbid(unsafe_code)]
#[path = "drivers/mptsas/mod.rs"]
pub mod mptsas;
#[forbid(unsafe_code)]
#[path = "drivers/proto/mod.rs"]
pub mod proto;
#[forbid(unsafe_code)]
#[path = "drivers/virt/mod.rs"]
pub mod virt;

module! {
    type: OrionScsi,
    name: "orion_scsi",
    authors: ["orion_scsi developers"],
    description: "Rust SCSI driver stack: RAM-backed virtual adapter, MegaRAID SAS (MFI), Fusion-MPT SAS, LSI SPI, iSCSI",
    license: "GPL v2",
}

orion_params! {
    mod module_params;
    virt_adapters: u32 {
        default: 1,
        range: [0, 8],
        perm: 0o444,
        description: "Virtual adapters to create, 0..=8 (0: none, hardware only)",
    },
    virt_targets: u32 {
        default: 2,
        range: [1, 16],
        perm: 0o644,
        description: "Targets per virtual adapter, 1..=16",
    },
    virt_luns: u32 {
        default: 1,
        range: [1, 8],
        perm: 0o644,
        description: "LUNs per target, 1..=8",
    },
    virt_capacity_mb: u64 {
        default: 256,
        range: [1, 16 << 20],
        perm: 0o644,
        description: "Capacity of each virtual LUN in MiB (sparse: RAM is used on write)",
    },
    virt_block_size: u32 {
        default: 512,
        range: [0, u32::MAX],
        perm: 0o444,
        description: "Logical block size of virtual LUNs: 512 or 4096",
    },
    virt_delay_us: u32 {
        default: 0,
        range: [0, 10_000_000],
        perm: 0o644,
        description: "Emulated latency per command in microseconds, 0..=10000000 (0: inline)",
    },
    virt_hw_queues: u32 {
        default: 0,
        range: [0, 64],
        perm: 0o444,
        description: "Hardware queues per virtual adapter (0: one per CPU)",
    },
    virt_poll_queues: u32 {
        default: 0,
        range: [0, 16],
        perm: 0o444,
        description: "Polled hardware queues per virtual adapter, besides virt_hw_queues, for io_uring IOPOLL (0: none)",
    },
    virt_doorbell: bool {
        default: false,
        range: [0, 1],
        perm: 0o444,
        description: "Batch completions per blk-mq batch like a hardware doorbell (commit_rqs)",
    },
    queue_depth: u32 {
        default: 32,
        range: [1, 256],
        upper: max_queue_depth,
        perm: 0o644,
        description: "Default queue depth of a LUN (sysfs queue_depth changes it)",
    },
    max_queue_depth: u32 {
        default: 256,
        range: [1, 256],
        perm: 0o444,
        description: "Largest queue depth a LUN accepts, 1..=256",
    },
    target_max_cmds: u32 {
        default: 256,
        range: [1, 256],
        perm: 0o444,
        description: "Commands outstanding per target before it reports busy, 1..=256 (orion_lsi: tags per target, at most 64)",
    },
    cmd_timeout_ms: u32 {
        default: 30000,
        range: [1000, 3_600_000],
        perm: 0o644,
        description: "Command timeout in milliseconds (sysfs timeout changes it per device)",
    },
    write_cache: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "Write-back cache enabled at start (sysfs cache_type changes it)",
    },
    write_back_cache_size: u64 {
        default: 134217728,
        range: [0, u64::MAX],
        perm: 0o444,
        description: "Bytes of acknowledged writes a virtual adapter's volatile cache holds: 0 (none) or a multiple of 4096 in 1 MiB..=1 GiB",
    },
    write_back_delay_ms: u32 {
        default: 1000,
        range: [crate::virt::emulation::wcache::MIN_DELAY_MS, crate::virt::emulation::wcache::MAX_DELAY_MS],
        perm: 0o444,
        description: "Age in ms at which cached writes are destaged in the background, 10..=3600000",
    },
    megasas: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "Drive LSI MegaRAID SAS (MFI) controllers, 1000:0060 and 1000:0079",
    },
    lsi: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "Drive LSI 53C895A/53C810 parallel SCSI chips, 1000:0012 and 1000:0001",
    },
    target_disconnect_enabled: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "SPI (orion_lsi): targets may disconnect (IDENTIFY grants the privilege)",
    },
    target_sync_transfer_enabled: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "SPI (orion_lsi): negotiate synchronous transfers (SDTR) and run domain validation",
    },
    iscsi: bool {
        default: false,
        range: [0, 1],
        perm: 0o444,
        description: "Register the iSCSI transport `tcp` for iscsid (instead of the kernel's iscsi_tcp)",
    },
    megasas_irq: u32 {
        default: 0,
        range: [0, u32::MAX],
        perm: 0o444,
        description: "MegaRAID interrupt kind: 0 auto (MSI-X, MSI, INTx), 1 MSI-X, 2 MSI, 3 INTx",
    },
    mptsas: bool {
        default: true,
        range: [0, 1],
        perm: 0o444,
        description: "Drive LSI SAS1068 (Fusion-MPT) SAS HBAs, 1000:0054",
    },
    mptsas_irq: u32 {
        default: 0,
        range: [0, u32::MAX],
        perm: 0o444,
        description: "Fusion-MPT interrupt kind: 0 auto (MSI-X, MSI, INTx), 1 MSI-X, 2 MSI, 3 INTx",
    },
}

struct OrionScsi {
    // Dropped in order: drivers and adapters (hosts) before their debugfs
    // directory.
    _megasas: Option<Pin<KBox<megasas::Registration>>>,
    _mptsas: Option<Pin<KBox<mptsas::Registration>>>,
    _lsi: Option<lsi::Registration>,
    _iscsi: Option<iscsi::Registration>,
    _virt: virt::VirtAdapters,
    _debugfs: debugfs::root::RootDir,
}

/// The virtual adapters' configuration from the parameters' values now
/// (hosts added at run time take the run-time writable ones as they are).
fn virt_config() -> Result<virt::VirtConfig> {
    virt::VirtConfig {
        adapters: module_params::virt_adapters.value(),
        targets: module_params::virt_targets.value(),
        luns: module_params::virt_luns.value(),
        capacity_mib: module_params::virt_capacity_mb.value(),
        block_size: module_params::virt_block_size.value(),
        queue_depth: module_params::queue_depth.value(),
        max_queue_depth: module_params::max_queue_depth.value(),
        target_max_cmds: module_params::target_max_cmds.value(),
        timeout_ms: module_params::cmd_timeout_ms.value(),
        write_cache: module_params::write_cache.value(),
        cache_bytes: module_params::write_back_cache_size.value(),
        cache_delay_ms: module_params::write_back_delay_ms.value(),
        delay_us: module_params::virt_delay_us.value(),
        hw_queues: module_params::virt_hw_queues.value(),
        poll_queues: module_params::virt_poll_queues.value(),
        doorbell: module_params::virt_doorbell.value(),
    }
    .validate()
}

impl kernel::Module for OrionScsi {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let cfg = virt_config()?;
        let irq =
            common::irq::IrqChoice::from_param("megasas_irq", module_params::megasas_irq.value())?;
        let mpt_irq =
            common::irq::IrqChoice::from_param("mptsas_irq", module_params::mptsas_irq.value())?;
        let debugfs = debugfs::root::RootDir::new(c"orion_scsi")?;
        let virt = virt::VirtAdapters::new(module, &cfg, virt_config)?;
        let megasas = if module_params::megasas.value() {
            let mcfg = common::hba_host::HbaConfig {
                irq,
                // Like megaraid_sas: a RAID drive starts at the deepest
                // queue allowed (256 by default); sysfs queue_depth lowers it.
                queue_depth: cfg.max_queue_depth,
                max_queue_depth: cfg.max_queue_depth,
            };
            Some(megasas::register(mcfg, module)?)
        } else {
            None
        };
        let mptsas = if module_params::mptsas.value() {
            let mcfg = common::hba_host::HbaConfig {
                irq: mpt_irq,
                // A plain HBA's disks start at the default depth (32).
                queue_depth: cfg.queue_depth,
                max_queue_depth: cfg.max_queue_depth,
            };
            Some(mptsas::register(mcfg, module)?)
        } else {
            None
        };
        let lsi = if module_params::lsi.value() {
            let lcfg = lsi::LsiConfig {
                settings: lsi::LsiSettings {
                    disconnect: module_params::target_disconnect_enabled.value(),
                    sync: module_params::target_sync_transfer_enabled.value(),
                    queue_depth: cfg.queue_depth,
                    target_tags: cfg.target_max_cmds,
                },
            };
            Some(lsi::register(lcfg, module)?)
        } else {
            None
        };
        let iscsi = if module_params::iscsi.value() {
            Some(iscsi::register(module)?)
        } else {
            None
        };
        let on = |r: bool| if r { "registered" } else { "off" };
        pr_info!(
            "loaded: {} virtual adapter(s), MegaRAID driver {}, Fusion-MPT SAS driver {}, LSI SPI driver {}, iSCSI transport {}\n",
            virt.count(),
            on(megasas.is_some()),
            on(mptsas.is_some()),
            on(lsi.is_some()),
            on(iscsi.is_some())
        );
        Ok(OrionScsi {
            _megasas: megasas,
            _mptsas: mptsas,
            _lsi: lsi,
            _iscsi: iscsi,
            _virt: virt,
            _debugfs: debugfs,
        })
    }
}

impl Drop for OrionScsi {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
