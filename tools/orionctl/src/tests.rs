// SPDX-License-Identifier: GPL-2.0

//! Tests against a fake system tree (sysfs, debugfs, procfs) in a
//! temporary directory: addressing, host and device information,
//! statistics sources and the configuration's key mapping.

use crate::addr;
use crate::config::{self, apply, parse};
use crate::error::Error;
use crate::output::Format;
use crate::sysfs::Sys;
use crate::topology::{self, Source};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn put(root: &Path, p: &str, contents: &str) {
    let p = root.join(p);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, contents).unwrap();
}

fn link(root: &Path, p: &str, target: &str) {
    let p = root.join(p);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, p).unwrap();
}

/// host0 orion_virt (0:0:0:0 sda, 0:0:1:0 sdb), host1 orion_megasas
/// (1:0:0:0 sdc), host2 ata_piix (2:0:0:0 sdd, not orion's).
fn fake_system() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    for (h, name) in [(0, "orion_virt"), (1, "orion_megasas"), (2, "ata_piix")] {
        let d = format!("sys/class/scsi_host/host{h}");
        put(r, &format!("{d}/proc_name"), &format!("{name}\n"));
        put(r, &format!("{d}/eh_deadline"), "off\n");
        put(r, &format!("{d}/can_queue"), "64\n");
        put(r, &format!("{d}/cmd_per_lun"), "32\n");
        put(r, &format!("{d}/state"), "running\n");
        put(r, &format!("{d}/scan"), "");
    }
    put(
        r,
        "sys/class/scsi_host/host1/orion_model",
        "MegaRAID SAS 1078\n",
    );
    put(r, "sys/class/scsi_host/host1/orion_irq_mode", "MSI-X\n");
    put(r, "sys/class/scsi_host/host1/orion_resets", "0\n");
    put(r, "sys/class/scsi_host/host0/orion_luns", "2\n");
    for (a, sd, sg, orion) in [
        ("0:0:0:0", "sda", "sg0", true),
        ("0:0:1:0", "sdb", "sg1", true),
        ("1:0:0:0", "sdc", "sg2", true),
        ("2:0:0:0", "sdd", "sg3", false),
    ] {
        let d = format!("sys/class/scsi_device/{a}/device");
        for (f, v) in [
            ("queue_depth", "32"),
            ("timeout", "30"),
            ("eh_timeout", "10"),
            ("type", "0"),
            ("vendor", "ORION   "),
            ("model", "VIRTUAL"),
            ("state", "running"),
            ("delete", ""),
            ("iodone_cnt", "0x1f"),
        ] {
            put(r, &format!("{d}/{f}"), &format!("{v}\n"));
        }
        if orion {
            for f in [
                "reads",
                "writes",
                "read_bytes",
                "write_bytes",
                "check_conditions",
                "outstanding",
                "peak_outstanding",
            ] {
                put(r, &format!("{d}/orion_{f}"), "3\n");
            }
        }
        fs::create_dir_all(r.join(format!("{d}/block/{sd}"))).unwrap();
        fs::create_dir_all(r.join(format!("{d}/scsi_generic/{sg}"))).unwrap();
        put(
            r,
            &format!("sys/class/scsi_disk/{a}/cache_type"),
            "write back\n",
        );
        put(r, &format!("sys/class/scsi_disk/{a}/max_retries"), "5\n");
        let b = format!("sys/block/{sd}");
        put(r, &format!("{b}/size"), "524288\n");
        put(r, &format!("{b}/inflight"), "       0        0\n");
        put(
            r,
            &format!("{b}/queue/scheduler"),
            "[mq-deadline] kyber none\n",
        );
        put(r, &format!("{b}/queue/read_ahead_kb"), "128\n");
        put(r, &format!("{b}/queue/nomerges"), "0\n");
        put(r, &format!("{b}/queue/logical_block_size"), "512\n");
        link(
            r,
            &format!("sys/class/block/{sd}/device"),
            &format!("../../../devices/x/{a}"),
        );
        link(
            r,
            &format!("sys/class/scsi_generic/{sg}/device"),
            &format!("../../../devices/x/{a}"),
        );
    }
    let mut text = String::from(
        "reads 10\nwrites 1\nother_commands 2\nread_bytes 1048576\nwrite_bytes 4096\n",
    );
    for k in [
        "no_sense",
        "recovered_error",
        "not_ready",
        "medium_error",
        "hardware_error",
        "illegal_request",
    ] {
        text += &format!(
            "errors_{k} {}\n",
            if k == "illegal_request" { 4 } else { 0 }
        );
    }
    text += "outstanding 0\npeak_outstanding 5\nlatency_us_lt_1 0\nlatency_us_lt_2 0\nlatency_us_lt_4 11\nlatency_us_ge_4 0\n";
    // host0 as the virtual adapter had it before the driver's per-address
    // directories; host1 with them (and the newer counters), and the
    // canonical orion_adapter attribute.
    put(r, "sys/kernel/debug/orion_scsi/host0/lun0:0", &text);
    let text1 = text.replace("reads 10\n", "reads 20\n") + "timeouts 1\naborts 2\nresets 3\n";
    put(
        r,
        "sys/kernel/debug/orion_scsi/host1/lun0:0:0/stats",
        &text1,
    );
    let text2 = text1.replace("reads 20\n", "reads 21\n");
    put(
        r,
        "sys/kernel/debug/orion_scsi/host1/target0:0/stats",
        &text2,
    );
    put(r, "sys/class/scsi_host/host1/orion_adapter", "megasas\n");
    put(r, "proc/sys/dev/scsi/logging_level", "0\n");
    fs::create_dir_all(r.join("sys/module/orion_scsi/parameters")).unwrap();
    put(r, "sys/module/orion_scsi/parameters/queue_depth", "32\n");
    dir
}

/// Every regular file under `root` with its contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut m = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
                m.insert(rel, fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    m
}

/// The files that differ between two snapshots, with their new contents.
fn changed(
    a: &BTreeMap<PathBuf, String>,
    b: &BTreeMap<PathBuf, String>,
) -> BTreeMap<String, String> {
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| (k.display().to_string(), v.trim_end().to_string()))
        .collect()
}

#[test]
fn addresses_resolve_through_sysfs() {
    let t = fake_system();
    let sys = Sys::new(t.path());
    assert_eq!(
        addr::device(&sys, "/dev/sda").unwrap().to_string(),
        "0:0:0:0"
    );
    assert_eq!(addr::device(&sys, "sdb").unwrap().to_string(), "0:0:1:0");
    assert_eq!(
        addr::device(&sys, "/dev/sg2").unwrap().to_string(),
        "1:0:0:0"
    );
    assert_eq!(
        addr::device(&sys, "2:0:0:0").unwrap().to_string(),
        "2:0:0:0"
    );
    let e = addr::device(&sys, "2:0:9:0").unwrap_err();
    assert!(matches!(e, Error::NoDevice(_)));
    assert_eq!(e.to_string(), "no such device 2:0:9:0");
    assert_eq!(e.exit_code(), 3);
    assert!(matches!(
        addr::device(&sys, "/dev/sdz"),
        Err(Error::NoDevice(_))
    ));
    assert!(matches!(addr::device(&sys, "1"), Err(Error::Usage(_))));
    assert_eq!(addr::host(&sys, "host1").unwrap(), 1);
    assert_eq!(addr::host(&sys, "/dev/sdd").unwrap(), 2);
    assert_eq!(
        addr::host(&sys, "7").unwrap_err().to_string(),
        "no such host 7"
    );
    assert_eq!(addr::target(&sys, "0:0:1").unwrap().to_string(), "0:0:1");
    assert_eq!(addr::target(&sys, "sda").unwrap().to_string(), "0:0:0");
    assert!(matches!(
        addr::target(&sys, "0:0:5"),
        Err(Error::NoDevice(_))
    ));
}

#[test]
fn host_and_device_information() {
    let t = fake_system();
    let sys = Sys::new(t.path());
    let h0 = topology::host_info(&sys, 0);
    assert_eq!(h0.orion.as_ref().unwrap().kind, "virtual");
    assert_eq!(h0.devices.len(), 2);
    assert_eq!(h0.devices[0].size_bytes, Some(268_435_456));
    assert_eq!(h0.devices[0].block.as_deref(), Some("sda"));
    assert_eq!(h0.devices[0].vendor.as_deref(), Some("ORION"));
    assert_eq!(h0.devices[0].iodone_cnt, Some(31));
    assert_eq!(h0.devices[0].scheduler.as_deref(), Some("mq-deadline"));
    assert_eq!(h0.interrupt_mode.as_deref(), Some("none"));
    let h1 = topology::host_info(&sys, 1);
    let o = h1.orion.unwrap();
    assert_eq!(
        (o.kind.as_str(), o.model.as_str()),
        ("megasas", "MegaRAID SAS 1078")
    );
    assert_eq!(o.attributes["resets"], "0");
    assert_eq!(h1.interrupt_mode.as_deref(), Some("MSI-X"));
    assert!(topology::host_info(&sys, 2).orion.is_none());
}

#[test]
fn statistics_sources() {
    let t = fake_system();
    let sys = Sys::new(t.path());
    let a = |s: &str| s.parse().unwrap();
    // debugfs: the whole set, with errors by key and the histogram.
    let (s, src) = topology::lun_stats(&sys, &a("0:0:0:0")).unwrap();
    assert_eq!(src, Source::Debugfs);
    assert_eq!(
        (s.reads, s.read_bytes, s.check_conditions),
        (10, 1_048_576, 4)
    );
    assert_eq!(s.completed(), Some(11));
    assert_eq!((s.timeouts, s.resets), (None, None));
    // The per-address directory, with the newer counters.
    let (s, src) = topology::lun_stats(&sys, &a("1:0:0:0")).unwrap();
    assert_eq!(src, Source::Debugfs);
    assert_eq!(
        (s.reads, s.timeouts, s.aborts, s.resets),
        (20, Some(1), Some(2), Some(3))
    );
    let t = "1:0:0".parse().unwrap();
    let (s, src) = topology::target_stats(&sys, &t, &[]).unwrap();
    assert_eq!((s.reads, src), (21, Source::Debugfs));
    // sysfs attributes: counters only.
    let (s, src) = topology::lun_stats(&sys, &a("0:0:1:0")).unwrap();
    assert_eq!(src, Source::Sysfs);
    assert_eq!((s.reads, s.peak_outstanding), (3, 3));
    assert!(s.latency_histogram.is_none() && s.errors_by_sense_key.is_none());
    // Not orion's: nothing.
    assert!(topology::lun_stats(&sys, &a("2:0:0:0")).is_none());
    // A host without a totals file: the sum of its LUNs.
    let luns: Vec<_> = ["0:0:0:0", "0:0:1:0"]
        .iter()
        .map(|d| topology::lun_stats(&sys, &a(d)).unwrap().0)
        .collect();
    let (tot, src) = topology::host_stats(&sys, 0, &luns).unwrap();
    assert_eq!(src, Source::LunSum);
    assert_eq!(tot.reads, 13);
    assert!(
        tot.latency_histogram.is_none(),
        "a sum with a sysfs-only LUN has no histogram"
    );
}

const FILE: &str = "[scsi]\n\
target_queue_depth = 16\n\
read_ahead_size = \"2MB\"\n\
error_timeout = 45500\n\
host_adapter_max_targets = 4\n\
io_scheduler = \"kyber\"\n\
error_logging_enabled = true\n\
command_batching = true\n";

#[test]
fn apply_changes_exactly_the_named_attributes() {
    let t = fake_system();
    let r = t.path();
    let sys = Sys::new(r);
    let c = parse::check(FILE);
    assert!(c.ok(), "{:?}", c.diagnostics);
    let before = snapshot(r);
    let mut plan = apply::plan(&sys, &c, "test.toml");
    apply::execute(&sys, &mut plan, false).unwrap();
    let diff = changed(&before, &snapshot(r));
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for a in ["0:0:0:0", "0:0:1:0", "1:0:0:0"] {
        want.insert(
            format!("sys/class/scsi_device/{a}/device/queue_depth"),
            "16".into(),
        );
    }
    for b in ["sda", "sdb", "sdc"] {
        want.insert(format!("sys/block/{b}/queue/read_ahead_kb"), "2048".into());
        want.insert(format!("sys/block/{b}/queue/scheduler"), "kyber".into());
        // nomerges is 0 already: not rewritten, so not listed.
    }
    for h in [0, 1] {
        // 45500 ms: 46 s, rounded up.
        want.insert(
            format!("sys/class/scsi_host/host{h}/eh_deadline"),
            "46".into(),
        );
    }
    want.insert("proc/sys/dev/scsi/logging_level".into(), "2".into());
    let modprobe = "etc/modprobe.d/orion_scsi.conf";
    let udev = "etc/udev/rules.d/90-orion-scsi.rules";
    let got_modprobe = diff.get(modprobe).cloned().unwrap_or_default();
    let got_udev = diff.get(udev).cloned().unwrap_or_default();
    let rest: BTreeMap<_, _> = diff
        .into_iter()
        .filter(|(k, _)| k != modprobe && k != udev)
        .collect();
    assert_eq!(rest, want);
    assert!(
        got_modprobe.ends_with("options orion_scsi queue_depth=16 virt_targets=4 virt_doorbell=Y"),
        "{got_modprobe}"
    );
    assert!(got_udev.contains(
        "ACTION==\"add\", SUBSYSTEM==\"scsi\", ENV{DEVTYPE}==\"scsi_device\", TEST==\"orion_reads\", ATTR{queue_depth}=\"16\"\n"
    ), "{got_udev}");
    assert!(got_udev.contains(
        "ATTRS{orion_reads}==\"?*\", ATTR{queue/read_ahead_kb}=\"2048\", ATTR{queue/scheduler}=\"kyber\", ATTR{queue/nomerges}=\"0\""
    ), "{got_udev}");
    assert!(got_udev.contains(
        "SUBSYSTEM==\"scsi_host\", ATTR{orion_adapter}==\"?*\", ATTR{eh_deadline}=\"46\""
    ));
    // The load-time-only key means nothing for the MegaRAID host: reported.
    assert!(plan
        .not_applied
        .iter()
        .any(|s| s.key == "host_adapter_max_targets" && s.object == "host1 (megasas)"));
    assert!(!plan
        .not_applied
        .iter()
        .any(|s| s.object.starts_with("host0")));
    // The module is loaded: the options wait for its next load.
    assert_eq!(plan.next_load.len(), 3);
    // Applying again changes nothing more.
    let again = snapshot(r);
    let mut plan = apply::plan(&sys, &c, "test.toml");
    apply::execute(&sys, &mut plan, false).unwrap();
    assert!(
        plan.writes.iter().all(|w| w.status == "unchanged"),
        "{:?}",
        plan.writes
    );
    assert_eq!(changed(&again, &snapshot(r)).len(), 0);
}

#[test]
fn dry_run_and_refused_files_change_nothing() {
    let t = fake_system();
    let r = t.path();
    let sys = Sys::new(r);
    let before = snapshot(r);
    let mut plan = apply::plan(&sys, &parse::check(FILE), "test.toml");
    apply::execute(&sys, &mut plan, true).unwrap();
    assert!(plan.writes.iter().any(|w| w.status == "would write"));
    assert_eq!(changed(&before, &snapshot(r)).len(), 0);
    // A file with one bad key among good ones: refused whole.
    let bad = r.join("bad.toml");
    fs::write(
        &bad,
        "[scsi]\ntarget_queue_depth = 8\nio_scheduler = \"cfq\"\n",
    )
    .unwrap();
    let before = snapshot(r);
    let e = config::apply(&sys, Format::Json, &bad, false).unwrap_err();
    assert_eq!(e.exit_code(), 5);
    assert_eq!(changed(&before, &snapshot(r)).len(), 0);
}

#[test]
fn keys_the_system_cannot_take_are_reported() {
    let t = fake_system();
    let sys = Sys::new(t.path());
    let c = parse::check("[scsi]\nio_scheduler = \"bfq\"\nauto_recovery = false\ntarget_disconnect_enabled = false\n");
    assert!(c.ok());
    let plan = apply::plan(&sys, &c, "f");
    assert!(plan.writes.is_empty(), "{:?}", plan.writes);
    let about = |k: &str| plan.not_applied.iter().filter(|s| s.key == k).count();
    // bfq is missing from every orion disk's list; sdd is not orion's.
    assert_eq!(about("io_scheduler"), 3);
    assert_eq!(about("auto_recovery"), 1);
    // SPI-only: reported for the virtual and the MegaRAID host.
    assert_eq!(about("target_disconnect_enabled"), 2);
    // The rule still names it: the scheduler may be a module loaded later.
    assert!(plan
        .udev
        .unwrap()
        .contents
        .contains("ATTR{queue/scheduler}=\"bfq\""));
    assert!(plan
        .modprobe
        .unwrap()
        .contents
        .contains("target_disconnect_enabled=N"));
}

#[test]
fn logging_level_field() {
    assert_eq!(apply::logging_level(0, true), 2);
    assert_eq!(apply::logging_level(0o7, true), 0o7);
    assert_eq!(apply::logging_level(0o777, false), 0o770);
    assert_eq!(apply::logging_level(0o701, true), 0o702);
}
