// SPDX-License-Identifier: GPL-2.0

//! `orionctl host list|scan|info|reset`.

use crate::addr;
use crate::cli::HostCmd;
use crate::error::{Error, Result};
use crate::ops;
use crate::output::{self, cell, human_bytes, print_table, Format};
use crate::reset::Kind;
use crate::stats;
use crate::sysfs::{self, Sys};
use crate::topology::{self, HostInfo};
use serde_json::json;

/// Runs a host command.
pub fn run(sys: &Sys, fmt: Format, cmd: &HostCmd) -> Result<()> {
    match cmd {
        HostCmd::List => list(sys, fmt),
        HostCmd::Scan {
            host,
            channel,
            target,
            lun,
        } => scan(sys, fmt, host, *channel, *target, *lun),
        HostCmd::Info { host } => info(sys, fmt, host.as_deref()),
        HostCmd::Reset {
            host,
            bus,
            no_escalate,
        } => reset(sys, fmt, host, *bus, *no_escalate),
    }
}

fn list(sys: &Sys, fmt: Format) -> Result<()> {
    let rows: Vec<_> = sys
        .hosts()
        .into_iter()
        .map(|h| {
            let proc_name = sys.host_attr(h, "proc_name").unwrap_or_default();
            json!({
                "host": h,
                "proc_name": proc_name,
                "orion_kind": topology::orion_kind(sys, h, &proc_name),
                "state": sys.host_attr(h, "state"),
                "devices": sys.host_devices(h).len(),
            })
        })
        .collect();
    if fmt == Format::Json {
        output::print_json("host list", rows, true);
        return Ok(());
    }
    let mut t = output::table(&["HOST", "DRIVER", "ORION", "STATE", "DEVICES"]);
    for r in &rows {
        t.add_row(vec![
            format!("host{}", r["host"]),
            r["proc_name"].as_str().unwrap_or("").to_string(),
            r["orion_kind"].as_str().unwrap_or("-").to_string(),
            r["state"].as_str().unwrap_or("-").to_string(),
            r["devices"].to_string(),
        ]);
    }
    print_table(&t);
    Ok(())
}

fn scan(
    sys: &Sys,
    fmt: Format,
    host: &str,
    channel: Option<u32>,
    target: Option<u32>,
    lun: Option<u64>,
) -> Result<()> {
    let h = addr::host(sys, host)?;
    let before = sys.host_devices(h);
    let w = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let spec = format!(
        "{} {} {}",
        w(channel.map(|v| v.to_string())),
        w(target.map(|v| v.to_string())),
        w(lun.map(|v| v.to_string()))
    );
    sysfs::write_attr(&sys.host_dir(h).join("scan"), &spec)?;
    let after = sys.host_devices(h);
    let new: Vec<String> = after
        .iter()
        .filter(|d| !before.contains(d))
        .map(|d| d.to_string())
        .collect();
    if fmt == Format::Json {
        output::print_json(
            "host scan",
            json!({ "host": h, "scanned": spec, "new_devices": new, "devices": after.len() }),
            true,
        );
    } else {
        println!(
            "host{h}: scanned ({spec}): {} new device(s){}{}; {} device(s) in all",
            new.len(),
            if new.is_empty() { "" } else { ": " },
            new.join(", "),
            after.len()
        );
    }
    Ok(())
}

/// The JSON of a host for `host info`: its attributes, devices and stats.
fn host_json(sys: &Sys, hi: &HostInfo) -> serde_json::Value {
    let mut v = serde_json::to_value(hi).unwrap_or_default();
    let luns: Vec<stats::Stats> = sys
        .host_devices(hi.host)
        .iter()
        .filter_map(|d| topology::lun_stats(sys, d).map(|s| s.0))
        .collect();
    if hi.orion.is_some() {
        if let Some((s, src)) = topology::host_stats(sys, hi.host, &luns) {
            let p = s.latency_histogram.as_deref().map(stats::percentiles);
            v["stats"] = json!({ "source": src, "totals": s, "latency_percentiles": p });
        }
    }
    v
}

fn info(sys: &Sys, fmt: Format, host: Option<&str>) -> Result<()> {
    let hosts = match host {
        Some(h) => vec![addr::host(sys, h)?],
        None => sys.hosts(),
    };
    let infos: Vec<HostInfo> = hosts.iter().map(|&h| topology::host_info(sys, h)).collect();
    if fmt == Format::Json {
        let v: Vec<_> = infos.iter().map(|hi| host_json(sys, hi)).collect();
        output::print_json("host info", v, true);
        return Ok(());
    }
    for (i, hi) in infos.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print_host(sys, hi);
    }
    Ok(())
}

fn print_host(sys: &Sys, hi: &HostInfo) {
    println!("host{}: {}", hi.host, hi.proc_name);
    let mut kv = output::table(&["", ""]);
    kv.set_header(Vec::<String>::new());
    let mut row = |k: &str, v: String| {
        kv.add_row(vec![format!("  {k}"), v]);
    };
    if let Some(o) = &hi.orion {
        row("adapter", format!("orion_scsi {} ({})", o.kind, o.model));
    }
    row("state", cell(&hi.state));
    if let Some(p) = &hi.pci {
        row(
            "pci",
            format!("{p} [{}]", hi.pci_id.as_deref().unwrap_or("?")),
        );
    }
    row("interrupts", cell(&hi.interrupt_mode));
    row(
        "queue",
        format!(
            "can_queue {}, cmd_per_lun {}, busy {}, sg_tablesize {}",
            cell(&hi.can_queue),
            cell(&hi.cmd_per_lun),
            cell(&hi.host_busy),
            cell(&hi.sg_tablesize)
        ),
    );
    row("eh_deadline", cell(&hi.eh_deadline));
    if let Some(o) = &hi.orion {
        for (k, v) in &o.attributes {
            // Shown above: the model and interrupt mode in their own
            // rows, the adapter kind in the "adapter" row.
            if k != "model" && k != "irq_mode" && k != "adapter" {
                row(k, v.clone());
            }
        }
        let luns: Vec<stats::Stats> = hi
            .devices
            .iter()
            .filter_map(|d| d.address.parse().ok())
            .filter_map(|d| topology::lun_stats(sys, &d).map(|s| s.0))
            .collect();
        if let Some((s, _)) = topology::host_stats(sys, hi.host, &luns) {
            row(
                "io",
                format!(
                    "{} reads ({}), {} writes ({}), {} check conditions, {} outstanding (peak {})",
                    s.reads,
                    human_bytes(s.read_bytes),
                    s.writes,
                    human_bytes(s.write_bytes),
                    s.check_conditions,
                    s.outstanding,
                    s.peak_outstanding
                ),
            );
            if let Some(h) = &s.latency_histogram {
                let p = stats::percentiles(h);
                let f = |p: Option<stats::Percentile>| p.map_or("-".into(), |p| p.human());
                row(
                    "latency",
                    format!("p50 {}, p99 {}, p99.9 {}", f(p.p50), f(p.p99), f(p.p999)),
                );
            }
        }
    }
    print_table(&kv);
    let n = hi.devices.len();
    let total: u64 = hi.devices.iter().filter_map(|d| d.size_bytes).sum();
    println!("  devices: {n} ({} in all)", human_bytes(total));
    if n > 0 {
        let mut t = output::table(&[
            "  ADDRESS",
            "TYPE",
            "VENDOR",
            "MODEL",
            "SIZE",
            "BLOCK",
            "SG",
            "QD",
            "STATE",
        ]);
        for d in &hi.devices {
            t.add_row(vec![
                format!("  {}", d.address),
                d.kind.clone(),
                cell(&d.vendor),
                cell(&d.model),
                d.size_bytes.map_or("-".into(), human_bytes),
                cell(&d.block),
                cell(&d.sg),
                cell(&d.queue_depth),
                cell(&d.state),
            ]);
        }
        print_table(&t);
    }
}

fn reset(sys: &Sys, fmt: Format, host: &str, bus: bool, no_escalate: bool) -> Result<()> {
    let h = addr::host(sys, host)?;
    // A host or bus reset goes through a device node: the device named,
    // else the first device of the host that has a node.
    let via = match addr::parse(host)? {
        addr::Spec::Host(_) | addr::Spec::Target(_) => sys
            .host_devices(h)
            .into_iter()
            .find(|d| ops::node_of(sys, d).is_ok())
            .ok_or_else(|| {
                Error::Failed(format!(
                    "host{h} has no device node to send the reset through (SG_SCSI_RESET needs one); scan it first"
                ))
            })?,
        _ => addr::device(sys, host)?,
    };
    let (kind, object) = if bus {
        (Kind::Bus, format!("host{h} channel {}", via.channel))
    } else {
        (Kind::Host, format!("host{h}"))
    };
    let r = ops::do_reset(sys, &via, kind, object, no_escalate)?;
    if fmt == Format::Json {
        output::print_json("host reset", &r, true);
    } else {
        ops::print_reset(&r);
    }
    Ok(())
}
