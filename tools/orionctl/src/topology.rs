// SPDX-License-Identifier: GPL-2.0

//! What the system has: hosts and devices with their generic attributes,
//! and on orion_scsi hosts the driver's own (adapter kind, model,
//! interrupt mode, counters, statistics).

use crate::addr::{Hctl, TargetAddr};
use crate::stats::{self, Stats};
use crate::sysfs::{read, read_num, Sys};
use serde::Serialize;
use std::collections::BTreeMap;

/// A SCSI host.
#[derive(Clone, Debug, Serialize)]
pub struct HostInfo {
    /// Host number.
    pub host: u32,
    /// The driver's `proc_name`.
    pub proc_name: String,
    /// Host state (`running`, `recovery`, ...).
    pub state: Option<String>,
    /// Commands the host accepts at once.
    pub can_queue: Option<u64>,
    /// Default queue depth of its devices.
    pub cmd_per_lun: Option<u64>,
    /// Scatter-gather entries per command.
    pub sg_tablesize: Option<u64>,
    /// Commands in flight on the host now.
    pub host_busy: Option<u64>,
    /// Error recovery deadline in seconds, or `off`.
    pub eh_deadline: Option<String>,
    /// PCI function, on PCI adapters.
    pub pci: Option<String>,
    /// PCI vendor:device.
    pub pci_id: Option<String>,
    /// Interrupts: MSI-X, MSI, INTx (PCI) or none.
    pub interrupt_mode: Option<String>,
    /// orion_scsi's data; `null` for other drivers.
    pub orion: Option<OrionHost>,
    /// The devices, by address.
    pub devices: Vec<DeviceInfo>,
}

/// orion_scsi's view of a host.
#[derive(Clone, Debug, Serialize)]
pub struct OrionHost {
    /// `virtual`, `megasas`, `lsi` or `iscsi`.
    pub kind: String,
    /// Adapter model.
    pub model: String,
    /// Every `orion_*` host attribute, name without the prefix.
    pub attributes: BTreeMap<String, String>,
}

/// A SCSI device (LUN).
#[derive(Clone, Debug, Serialize)]
pub struct DeviceInfo {
    /// `H:C:T:L`.
    pub address: String,
    /// Peripheral device type name (`disk`, `cd/dvd`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// INQUIRY vendor.
    pub vendor: Option<String>,
    /// INQUIRY product.
    pub model: Option<String>,
    /// INQUIRY revision.
    pub rev: Option<String>,
    /// Device state (`running`, `offline`, ...).
    pub state: Option<String>,
    /// Block device (`sdX`).
    pub block: Option<String>,
    /// sg device (`sgN`).
    pub sg: Option<String>,
    /// Capacity in bytes.
    pub size_bytes: Option<u64>,
    /// Logical block size in bytes.
    pub logical_block_size: Option<u64>,
    /// Queue depth.
    pub queue_depth: Option<u64>,
    /// Command timeout in seconds.
    pub timeout_s: Option<u64>,
    /// Error-handling command timeout in seconds.
    pub eh_timeout_s: Option<u64>,
    /// sd's `cache_type` (`write back`, ...).
    pub cache_type: Option<String>,
    /// The block queue's scheduler (the selected one).
    pub scheduler: Option<String>,
    /// Read-ahead in KiB.
    pub read_ahead_kb: Option<u64>,
    /// The midlayer's counters of the device.
    pub iorequest_cnt: Option<u64>,
    /// Commands completed.
    pub iodone_cnt: Option<u64>,
    /// Commands that ended in error.
    pub ioerr_cnt: Option<u64>,
    /// Commands that timed out.
    pub iotmo_cnt: Option<u64>,
    /// The device belongs to orion_scsi (it has `orion_*` attributes).
    pub orion: bool,
}

/// SCSI peripheral device type names (SPC), as lsscsi shows them.
fn type_name(t: Option<u32>) -> String {
    let names = [
        "disk",
        "tape",
        "printer",
        "processor",
        "worm",
        "cd/dvd",
        "scanner",
        "optical",
        "changer",
        "comms",
        "type_a",
        "type_b",
        "storage",
        "enclosure",
        "rbc",
        "osd",
    ];
    match t {
        Some(t) => names
            .get(t as usize)
            .map_or_else(|| format!("type_{t}"), |n| n.to_string()),
        None => "unknown".into(),
    }
}

/// A hex or decimal counter (`iodone_cnt` is `0x1f`).
fn read_cnt(sys: &Sys, a: &Hctl, name: &str) -> Option<u64> {
    let s = sys.device_attr(a, name)?;
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The selected entry of a `[mq-deadline] none` list.
pub fn selected(list: &str) -> String {
    list.split_whitespace()
        .find_map(|w| w.strip_prefix('[')?.strip_suffix(']'))
        .unwrap_or(list.trim())
        .to_string()
}

/// Whether a device is orion_scsi's.
pub fn is_orion_device(sys: &Sys, a: &Hctl) -> bool {
    sys.device_dir(a).join("orion_reads").exists()
}

/// A device's attributes.
pub fn device_info(sys: &Sys, a: &Hctl) -> DeviceInfo {
    let block = sys.block_of(a);
    let bdir = block.as_deref().map(|b| sys.block_dir(b));
    let battr = |n: &str| bdir.as_ref().and_then(|d| read(&d.join(n)));
    let bnum = |n: &str| battr(n).and_then(|s| s.trim().parse::<u64>().ok());
    let ddir = sys.disk_dir(a);
    DeviceInfo {
        address: a.to_string(),
        kind: type_name(
            sys.device_attr(a, "type")
                .and_then(|t| t.trim().parse().ok()),
        ),
        vendor: sys.device_attr(a, "vendor").map(|s| s.trim().to_string()),
        model: sys.device_attr(a, "model").map(|s| s.trim().to_string()),
        rev: sys.device_attr(a, "rev").map(|s| s.trim().to_string()),
        state: sys.device_attr(a, "state"),
        sg: sys.sg_of(a),
        size_bytes: bnum("size").map(|s| s.saturating_mul(512)),
        logical_block_size: bnum("queue/logical_block_size"),
        queue_depth: read_num(&sys.device_dir(a).join("queue_depth")),
        timeout_s: read_num(&sys.device_dir(a).join("timeout")),
        eh_timeout_s: read_num(&sys.device_dir(a).join("eh_timeout")),
        cache_type: read(&ddir.join("cache_type")),
        scheduler: battr("queue/scheduler").map(|s| selected(&s)),
        read_ahead_kb: bnum("queue/read_ahead_kb"),
        iorequest_cnt: read_cnt(sys, a, "iorequest_cnt"),
        iodone_cnt: read_cnt(sys, a, "iodone_cnt"),
        ioerr_cnt: read_cnt(sys, a, "ioerr_cnt"),
        iotmo_cnt: read_cnt(sys, a, "iotmo_cnt"),
        orion: is_orion_device(sys, a),
        block,
    }
}

/// orion_scsi's adapter kind of a host, if it is one of orion's.
pub fn orion_kind(sys: &Sys, host: u32, proc_name: &str) -> Option<&'static str> {
    // The driver names its adapter kind in `orion_adapter` (absent on
    // other drivers' hosts); older drivers only by proc_name.
    match sys
        .host_attr(host, "orion_adapter")
        .as_deref()
        .map(str::trim)
    {
        Some("virt") => return Some("virtual"),
        Some("megasas") => return Some("megasas"),
        Some("lsi") => return Some("lsi"),
        Some("mptsas") => return Some("mptsas"),
        Some("iscsi") => return Some("iscsi"),
        Some(_) => return Some("orion"),
        None => {}
    }
    match proc_name {
        "orion_virt" => Some("virtual"),
        "orion_megasas" => Some("megasas"),
        "orion_lsi" => Some("lsi"),
        "orion_mptsas" => Some("mptsas"),
        // orion's iSCSI initiator stands in for iscsi_tcp (same name):
        // its devices carry orion's statistics files.
        _ if sys
            .host_devices(host)
            .iter()
            .any(|d| is_orion_device(sys, d)) =>
        {
            Some(if proc_name == "iscsi_tcp" {
                "iscsi"
            } else {
                "orion"
            })
        }
        _ => None,
    }
}

fn model_of(kind: &str, pci_id: Option<&str>, attr: Option<String>) -> String {
    if let Some(m) = attr {
        return m;
    }
    match (kind, pci_id) {
        ("virtual", _) => "RAM-backed virtual adapter".into(),
        ("iscsi", _) => "iSCSI initiator over TCP".into(),
        (_, Some("1000:0012")) => "LSI 53C895A".into(),
        (_, Some("1000:0001")) => "LSI 53C810".into(),
        (_, Some("1000:0060")) => "MegaRAID SAS 1078".into(),
        (_, Some("1000:0079")) => "MegaRAID SAS 2108".into(),
        (_, Some("1000:0054")) => "LSI SAS1068 (Fusion-MPT)".into(),
        (_, Some(id)) => format!("PCI {id}"),
        _ => "unknown".into(),
    }
}

/// A host's attributes and devices.
pub fn host_info(sys: &Sys, host: u32) -> HostInfo {
    let attr = |n: &str| sys.host_attr(host, n);
    let num = |n: &str| attr(n).and_then(|s| s.trim().parse::<u64>().ok());
    let proc_name = attr("proc_name").unwrap_or_default();
    let pci = sys.host_pci(host);
    let pci_id = pci.as_deref().and_then(|p| {
        let v = sys.pci_attr(p, "vendor")?;
        let d = sys.pci_attr(p, "device")?;
        Some(format!(
            "{}:{}",
            v.trim_start_matches("0x"),
            d.trim_start_matches("0x")
        ))
    });
    let interrupt_mode = attr("orion_irq_mode").or_else(|| match &pci {
        Some(p) => {
            let kinds = sys.pci_msi_kinds(p);
            Some(if kinds.iter().any(|k| k == "msix") {
                "MSI-X".into()
            } else if kinds.iter().any(|k| k == "msi") {
                "MSI".into()
            } else {
                "INTx".into()
            })
        }
        None => Some("none".into()),
    });
    let orion = orion_kind(sys, host, &proc_name).map(|kind| {
        let dir = sys.host_dir(host);
        let attributes = sys
            .orion_attrs(&dir)
            .into_iter()
            .filter_map(|n| {
                let v = read(&dir.join(&n))?;
                Some((n.trim_start_matches("orion_").to_string(), v))
            })
            .collect();
        OrionHost {
            kind: kind.into(),
            model: model_of(kind, pci_id.as_deref(), attr("orion_model")),
            attributes,
        }
    });
    HostInfo {
        host,
        state: attr("state"),
        can_queue: num("can_queue"),
        cmd_per_lun: num("cmd_per_lun"),
        sg_tablesize: num("sg_tablesize"),
        host_busy: num("host_busy"),
        eh_deadline: attr("eh_deadline"),
        interrupt_mode,
        orion,
        devices: sys
            .host_devices(host)
            .iter()
            .map(|d| device_info(sys, d))
            .collect(),
        proc_name,
        pci,
        pci_id,
    }
}

/// Where a statistics reading came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The driver's debugfs file: every counter and the histogram.
    Debugfs,
    /// The per-device sysfs `orion_*` attributes: no histogram, no
    /// errors by sense key, no count of other commands.
    Sysfs,
    /// The sum of the LUNs'.
    LunSum,
}

/// The statistics of one orion device: the debugfs file when readable,
/// else the sysfs attributes. `None` for other drivers' devices.
pub fn lun_stats(sys: &Sys, a: &Hctl) -> Option<(Stats, Source)> {
    for path in sys.debugfs_lun_stats(a) {
        if let Some(s) = read(&path).and_then(|t| stats::parse(&t)) {
            return Some((s, Source::Debugfs));
        }
    }
    if !is_orion_device(sys, a) {
        return None;
    }
    let n = |name: &str| -> u64 {
        read_num(&sys.device_dir(a).join(format!("orion_{name}"))).unwrap_or(0)
    };
    let s = Stats {
        reads: n("reads"),
        writes: n("writes"),
        read_bytes: n("read_bytes"),
        write_bytes: n("write_bytes"),
        check_conditions: n("check_conditions"),
        outstanding: n("outstanding"),
        peak_outstanding: n("peak_outstanding"),
        ..Stats::default()
    };
    Some((s, Source::Sysfs))
}

/// A target's LUNs with statistics.
pub fn target_luns(sys: &Sys, t: &TargetAddr) -> Vec<Hctl> {
    sys.devices()
        .into_iter()
        .filter(|d| d.target_addr() == *t)
        .collect()
}

/// A target's totals: the driver's file when there is one, else the sum
/// of its LUNs'.
pub fn target_stats(sys: &Sys, t: &TargetAddr, luns: &[Stats]) -> Option<(Stats, Source)> {
    if let Some(s) = read(&sys.debugfs_target_stats(t)).and_then(|x| stats::parse(&x)) {
        return Some((s, Source::Debugfs));
    }
    Stats::sum(luns).map(|s| (s, Source::LunSum))
}

/// A host's totals: the driver's file when there is one, else the sum
/// of its LUNs'.
pub fn host_stats(sys: &Sys, host: u32, luns: &[Stats]) -> Option<(Stats, Source)> {
    if let Some(s) = read(&sys.debugfs_host_stats(host)).and_then(|t| stats::parse(&t)) {
        return Some((s, Source::Debugfs));
    }
    Stats::sum(luns).map(|s| (s, Source::LunSum))
}
