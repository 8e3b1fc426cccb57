// SPDX-License-Identifier: GPL-2.0

//! `config apply`: a checked file becomes a plan (module options for the
//! next load, sysfs writes on the present orion devices and hosts, a udev
//! rule for later ones, and the keys that mean nothing somewhere), which
//! is then carried out or, with --dry-run, only shown.

use super::parse::{Checked, Value};
use super::schema::{Key, Runtime};
use crate::addr::Hctl;
use crate::error::{Error, Result};
use crate::sysfs::{self, read, Sys};
use crate::topology::{self, selected};
use serde::Serialize;
use std::path::PathBuf;

/// An orion host found on the system.
#[derive(Clone, Debug)]
pub struct OrionHostRef {
    /// Host number.
    pub host: u32,
    /// Adapter kind.
    pub kind: &'static str,
    /// Its orion devices.
    pub devices: Vec<Hctl>,
}

/// The orion hosts of the system.
pub fn orion_hosts(sys: &Sys) -> Vec<OrionHostRef> {
    sys.hosts()
        .into_iter()
        .filter_map(|h| {
            let proc_name = sys.host_attr(h, "proc_name").unwrap_or_default();
            let kind = topology::orion_kind(sys, h, &proc_name)?;
            let devices = sys
                .host_devices(h)
                .into_iter()
                .filter(|d| topology::is_orion_device(sys, d))
                .collect();
            Some(OrionHostRef {
                host: h,
                kind,
                devices,
            })
        })
        .collect()
}

/// One sysfs or procfs write.
#[derive(Clone, Debug, Serialize)]
pub struct Write {
    /// The key it comes from.
    pub key: &'static str,
    /// `H:C:T:L`, `hostN` or `global`.
    pub object: String,
    /// The attribute (Documentation's name).
    pub attribute: &'static str,
    /// The file.
    pub path: PathBuf,
    /// Its value before.
    pub old: Option<String>,
    /// What is written.
    pub value: String,
    /// `applied`, `unchanged`, `would write`, `failed`.
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// A key that means nothing for an object, or cannot be applied.
#[derive(Clone, Debug, Serialize)]
pub struct Skip {
    /// The key.
    pub key: &'static str,
    /// `H:C:T:L`, `hostN (kind)`, or `all`.
    pub object: String,
    /// Why.
    pub reason: String,
}

/// A file to write whole.
#[derive(Clone, Debug, Serialize)]
pub struct FilePlan {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub contents: String,
    /// `written`, `would write`, `failed`.
    pub status: String,
}

/// What `config apply` does (and did).
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Module options for the next load of orion_scsi (`None` when the
    /// file has no load-time key).
    pub modprobe: Option<FilePlan>,
    /// Options that take effect only at the next load although the module
    /// is loaded now.
    pub next_load: Vec<String>,
    /// Writes on the present system.
    pub writes: Vec<Write>,
    /// The udev rule for devices that appear later.
    pub udev: Option<FilePlan>,
    /// Keys not applied somewhere, and why.
    pub not_applied: Vec<Skip>,
}

fn bool_of(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        Value::Size(n) => i64::try_from(*n).unwrap_or(i64::MAX),
        _ => 0,
    }
}

/// Milliseconds to whole seconds, rounded up.
fn secs(ms: i64) -> i64 {
    (ms + 999) / 1000
}

/// The module parameter's value as modprobe passes it.
fn param_value(v: &Value) -> String {
    match v {
        Value::Bool(b) => if *b { "Y" } else { "N" }.into(),
        Value::Int(n) => n.to_string(),
        Value::Size(n) => n.to_string(),
        Value::Str(s) => s.clone(),
    }
}

/// The scheduler name the kernel knows.
fn scheduler_name(v: &Value) -> String {
    match v {
        Value::Str(s) if s == "deadline" => "mq-deadline".into(),
        Value::Str(s) => s.clone(),
        _ => String::new(),
    }
}

/// The value a run-time setting gets, in the attribute's own format.
pub fn runtime_value(rt: Runtime, v: &Value) -> String {
    match rt {
        Runtime::DeviceTimeout | Runtime::EhDeadline => secs(int_of(v)).to_string(),
        Runtime::QueueDepth | Runtime::MaxRetries => int_of(v).to_string(),
        Runtime::CacheType => if bool_of(v) {
            "write back"
        } else {
            "write through"
        }
        .into(),
        Runtime::Scheduler => scheduler_name(v),
        Runtime::ReadAheadKb => (int_of(v) / 1024).to_string(),
        Runtime::NoMerges => if bool_of(v) { "0" } else { "2" }.into(),
        Runtime::LoggingLevel => if bool_of(v) { "on" } else { "off" }.into(),
    }
}

/// The error-recovery field (bits 0..=2) of scsi_logging_level set for
/// `on` (at least 2: the level the error handler's summaries print at)
/// or cleared.
pub fn logging_level(old: u32, on: bool) -> u32 {
    let field = old & 7;
    let new_field = if on { field.max(2) } else { 0 };
    (old & !7) | new_field
}

/// Where a run-time setting lives for one device, or why it does not.
fn device_path(sys: &Sys, rt: Runtime, a: &Hctl) -> Result<PathBuf, String> {
    let block = || sys.block_of(a).ok_or_else(|| "no block device".to_string());
    let disk = || {
        let d = sys.disk_dir(a);
        if d.exists() {
            Ok(d)
        } else {
            Err("not a disk (no scsi_disk)".to_string())
        }
    };
    let p = match rt {
        Runtime::DeviceTimeout => sys.device_dir(a).join("timeout"),
        Runtime::QueueDepth => sys.device_dir(a).join("queue_depth"),
        Runtime::CacheType => disk()?.join("cache_type"),
        Runtime::MaxRetries => disk()?.join("max_retries"),
        Runtime::Scheduler => sys.block_dir(&block()?).join("queue/scheduler"),
        Runtime::ReadAheadKb => sys.block_dir(&block()?).join("queue/read_ahead_kb"),
        Runtime::NoMerges => sys.block_dir(&block()?).join("queue/nomerges"),
        Runtime::EhDeadline | Runtime::LoggingLevel => return Err("not a device setting".into()),
    };
    if p.exists() {
        Ok(p)
    } else {
        Err(format!("no {}", rt.attribute()))
    }
}

/// Whether `old` (as the attribute shows it) already is `new`.
fn same(rt: Runtime, old: &str, new: &str) -> bool {
    match rt {
        Runtime::Scheduler => selected(old) == new,
        _ => old.trim() == new,
    }
}

fn new_write(
    key: &'static str,
    object: String,
    rt: Runtime,
    path: PathBuf,
    value: String,
) -> Write {
    let old = read(&path);
    let status = if old.as_deref().is_some_and(|o| same(rt, o, &value)) {
        "unchanged"
    } else {
        "pending"
    };
    Write {
        key,
        object,
        attribute: rt.attribute(),
        path,
        old,
        value,
        status: status.into(),
        error: None,
    }
}

/// Builds the plan of a valid file against the system.
pub fn plan(sys: &Sys, checked: &Checked, source: &str) -> Plan {
    let hosts = orion_hosts(sys);
    let loaded = sys.module_dir().exists();
    let mut options = Vec::new();
    let mut writes = Vec::new();
    let mut not_applied = Vec::new();
    let mut skip = |key: &'static str, object: String, reason: String| {
        not_applied.push(Skip {
            key,
            object,
            reason,
        })
    };
    for e in &checked.entries {
        let key: &Key = e.key;
        if let Some(p) = key.param {
            options.push(format!("{}={}", p.name, param_value(&e.value)));
            if key.runtime.is_empty() {
                for h in hosts.iter().filter(|h| !p.kinds.contains(&h.kind)) {
                    skip(
                        key.name,
                        format!("host{} ({})", h.host, h.kind),
                        format!("{} is not used by {} hosts: {}", p.name, h.kind, key.note),
                    );
                }
            }
        }
        if key.name == "auto_recovery" {
            let reason = if bool_of(&e.value) {
                "true is the midlayer's behaviour already: nothing to write"
            } else {
                "false cannot be applied: Linux's SCSI error handler always runs"
            };
            skip(key.name, "all".into(), reason.into());
        }
        for &rt in key.runtime {
            let value = runtime_value(rt, &e.value);
            match rt {
                Runtime::EhDeadline => {
                    for h in &hosts {
                        let path = sys.host_dir(h.host).join("eh_deadline");
                        if path.exists() {
                            writes.push(new_write(
                                key.name,
                                format!("host{}", h.host),
                                rt,
                                path,
                                value.clone(),
                            ));
                        } else {
                            skip(key.name, format!("host{}", h.host), "no eh_deadline".into());
                        }
                    }
                }
                Runtime::LoggingLevel => {
                    let path = sys.scsi_logging_level();
                    match read(&path).and_then(|s| s.trim().parse::<u32>().ok()) {
                        Some(old) => {
                            let new = logging_level(old, bool_of(&e.value)).to_string();
                            writes.push(new_write(key.name, "global".into(), rt, path, new));
                        }
                        None => skip(
                            key.name,
                            "all".into(),
                            format!(
                                "{} is missing (kernel without CONFIG_SCSI_LOGGING)",
                                path.display()
                            ),
                        ),
                    }
                }
                _ => {
                    for d in hosts.iter().flat_map(|h| h.devices.iter()) {
                        if rt == Runtime::Scheduler {
                            let avail = sys
                                .block_of(d)
                                .and_then(|b| read(&sys.block_dir(&b).join("queue/scheduler")));
                            if let Some(list) = avail {
                                let names: Vec<&str> = list
                                    .split_whitespace()
                                    .map(|w| w.trim_matches(|c| c == '[' || c == ']'))
                                    .collect();
                                if !names.contains(&value.as_str()) {
                                    skip(
                                        key.name,
                                        d.to_string(),
                                        format!(
                                            "the kernel has no {value} scheduler (available: {})",
                                            names.join(", ")
                                        ),
                                    );
                                    continue;
                                }
                            }
                        }
                        match device_path(sys, rt, d) {
                            Ok(path) => writes.push(new_write(
                                key.name,
                                d.to_string(),
                                rt,
                                path,
                                value.clone(),
                            )),
                            Err(why) => skip(key.name, d.to_string(), why),
                        }
                    }
                }
            }
        }
    }
    let next_load = if loaded { options.clone() } else { Vec::new() };
    let modprobe = (!options.is_empty()).then(|| FilePlan {
        path: sys.modprobe_conf(),
        contents: format!(
            "# Written by orionctl config apply from {source}.\n\
             # Module parameters of orion_scsi: modprobe applies them at the next load.\n\
             options orion_scsi {}\n",
            options.join(" ")
        ),
        status: "pending".into(),
    });
    let rules = udev_rules(checked);
    let udev = (!rules.is_empty()).then(|| FilePlan {
        path: sys.udev_rule(),
        contents: format!(
            "# Written by orionctl config apply from {source}.\n\
             # The run-time settings of that file for orion_scsi devices that appear\n\
             # later (hot-plug, rescan, module reload). orion devices carry orion_reads.\n{rules}"
        ),
        status: "pending".into(),
    });
    Plan {
        modprobe,
        next_load,
        writes,
        udev,
        not_applied,
    }
}

/// The udev rule lines for the file's run-time keys.
pub fn udev_rules(checked: &Checked) -> String {
    let mut dev = Vec::new();
    let mut disk = Vec::new();
    let mut block = Vec::new();
    let mut host = Vec::new();
    for e in &checked.entries {
        for &rt in e.key.runtime {
            let v = runtime_value(rt, &e.value);
            match rt {
                Runtime::DeviceTimeout => dev.push(format!("ATTR{{timeout}}=\"{v}\"")),
                Runtime::QueueDepth => dev.push(format!("ATTR{{queue_depth}}=\"{v}\"")),
                Runtime::CacheType => disk.push(format!("ATTR{{cache_type}}=\"{v}\"")),
                Runtime::MaxRetries => disk.push(format!("ATTR{{max_retries}}=\"{v}\"")),
                Runtime::Scheduler => block.push(format!("ATTR{{queue/scheduler}}=\"{v}\"")),
                Runtime::ReadAheadKb => block.push(format!("ATTR{{queue/read_ahead_kb}}=\"{v}\"")),
                Runtime::NoMerges => block.push(format!("ATTR{{queue/nomerges}}=\"{v}\"")),
                Runtime::EhDeadline => host.push(format!("ATTR{{eh_deadline}}=\"{v}\"")),
                Runtime::LoggingLevel => {}
            }
        }
    }
    let mut out = String::new();
    let mut rule = |matcher: &str, sets: &[String]| {
        if !sets.is_empty() {
            out += &format!("{matcher}, {}\n", sets.join(", "));
        }
    };
    rule(
        "ACTION==\"add\", SUBSYSTEM==\"scsi\", ENV{DEVTYPE}==\"scsi_device\", TEST==\"orion_reads\"",
        &dev,
    );
    rule(
        "ACTION==\"add\", SUBSYSTEM==\"scsi_disk\", ATTRS{orion_reads}==\"?*\"",
        &disk,
    );
    rule(
        "ACTION==\"add\", SUBSYSTEM==\"block\", ENV{DEVTYPE}==\"disk\", ATTRS{orion_reads}==\"?*\"",
        &block,
    );
    rule(
        // orion_adapter marks every orion host; proc_name would miss the
        // iSCSI hosts (named iscsi_tcp for iscsid).
        "ACTION==\"add\", SUBSYSTEM==\"scsi_host\", ATTR{orion_adapter}==\"?*\"",
        &host,
    );
    out
}

/// Carries out a plan (or with `dry_run` marks what would be done).
/// Every write is tried; the error reports how many failed.
pub fn execute(sys: &Sys, plan: &mut Plan, dry_run: bool) -> Result<()> {
    let pending = if dry_run { "would write" } else { "written" };
    let mut failed = 0;
    let mut denied = 0;
    let mut count = |e: &Error| match e {
        Error::Permission(_) => denied += 1,
        _ => failed += 1,
    };
    for f in plan.modprobe.iter_mut().chain(plan.udev.iter_mut()) {
        f.status = pending.into();
        if !dry_run {
            if let Err(e) = sysfs::write_file(&f.path, &f.contents) {
                f.status = format!("failed: {e}");
                count(&e);
            }
        }
    }
    for w in plan.writes.iter_mut().filter(|w| w.status == "pending") {
        if dry_run {
            w.status = "would write".into();
            continue;
        }
        match sysfs::write_attr(&w.path, &w.value) {
            Ok(()) => w.status = "applied".into(),
            Err(e) => {
                w.status = "failed".into();
                w.error = Some(e.to_string());
                count(&e);
            }
        }
    }
    if !dry_run && plan.udev.is_some() && sys.is_live() {
        // udevd reads rule files when told (or on its own timer).
        let _ = std::process::Command::new("udevadm")
            .args(["control", "--reload"])
            .status();
    }
    match (denied, failed) {
        (0, 0) => Ok(()),
        (d, 0) => Err(Error::Permission(format!(
            "permission denied: {d} setting(s) not written: run as root"
        ))),
        (d, f) => Err(Error::Failed(format!("{} setting(s) not written", d + f))),
    }
}
