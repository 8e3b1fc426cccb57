// SPDX-License-Identifier: GPL-2.0

//! `orionctl device info|reset|remove` and `orionctl target
//! info|reset|remove`.

use crate::addr::{self, Hctl};
use crate::cli::{DeviceCmd, TargetCmd};
use crate::error::Result;
use crate::ops;
use crate::output::{self, cell, human_bytes, print_table, Format};
use crate::reset::Kind;
use crate::stats::{self, Stats};
use crate::sysfs::Sys;
use crate::topology::{self, device_info};
use serde_json::json;

/// Runs a device command.
pub fn run(sys: &Sys, fmt: Format, cmd: &DeviceCmd) -> Result<()> {
    match cmd {
        DeviceCmd::Info { device } => info(sys, fmt, &addr::device(sys, device)?),
        DeviceCmd::Reset {
            device,
            no_escalate,
        } => {
            let a = addr::device(sys, device)?;
            let r = ops::do_reset(sys, &a, Kind::Device, a.to_string(), *no_escalate)?;
            if fmt == Format::Json {
                output::print_json("device reset", &r, true);
            } else {
                ops::print_reset(&r);
            }
            Ok(())
        }
        DeviceCmd::Remove { device } => {
            let a = addr::device(sys, device)?;
            ops::remove(sys, &a)?;
            if fmt == Format::Json {
                output::print_json("device remove", json!({ "removed": [a.to_string()] }), true);
            } else {
                println!(
                    "{a}: removed (orionctl host scan {} finds it again)",
                    a.host
                );
            }
            Ok(())
        }
    }
}

/// Runs a target command.
pub fn run_target(sys: &Sys, fmt: Format, cmd: &TargetCmd) -> Result<()> {
    match cmd {
        TargetCmd::Info { target } => {
            let t = addr::target(sys, target)?;
            let luns = topology::target_luns(sys, &t);
            let stats: Vec<Stats> = luns
                .iter()
                .filter_map(|d| topology::lun_stats(sys, d).map(|s| s.0))
                .collect();
            let total = Stats::sum(&stats);
            let devices: Vec<_> = luns.iter().map(|d| device_info(sys, d)).collect();
            if fmt == Format::Json {
                let p = total
                    .as_ref()
                    .and_then(|s| s.latency_histogram.as_deref())
                    .map(stats::percentiles);
                output::print_json(
                    "target info",
                    json!({ "target": t.to_string(), "devices": devices, "stats": total, "latency_percentiles": p }),
                    true,
                );
                return Ok(());
            }
            println!("target {t}: {} LUN(s)", luns.len());
            let mut tb = output::table(&[
                "  ADDRESS",
                "TYPE",
                "VENDOR",
                "MODEL",
                "SIZE",
                "BLOCK",
                "QD",
                "STATE",
            ]);
            for d in &devices {
                tb.add_row(vec![
                    format!("  {}", d.address),
                    d.kind.clone(),
                    cell(&d.vendor),
                    cell(&d.model),
                    d.size_bytes.map_or("-".into(), human_bytes),
                    cell(&d.block),
                    cell(&d.queue_depth),
                    cell(&d.state),
                ]);
            }
            print_table(&tb);
            if let Some(s) = total {
                print_stats_line("  io", &s);
            }
            Ok(())
        }
        TargetCmd::Reset {
            target,
            no_escalate,
        } => {
            let t = addr::target(sys, target)?;
            let via = topology::target_luns(sys, &t)
                .into_iter()
                .find(|d| ops::node_of(sys, d).is_ok())
                .ok_or_else(|| {
                    crate::error::Error::Failed(format!(
                        "target {t} has no device node to send the reset through"
                    ))
                })?;
            let r = ops::do_reset(sys, &via, Kind::Target, t.to_string(), *no_escalate)?;
            if fmt == Format::Json {
                output::print_json("target reset", &r, true);
            } else {
                ops::print_reset(&r);
            }
            Ok(())
        }
        TargetCmd::Remove { target } => {
            let t = addr::target(sys, target)?;
            let luns = topology::target_luns(sys, &t);
            for d in &luns {
                ops::remove(sys, d)?;
            }
            let names: Vec<String> = luns.iter().map(Hctl::to_string).collect();
            if fmt == Format::Json {
                output::print_json(
                    "target remove",
                    json!({ "target": t.to_string(), "removed": names }),
                    true,
                );
            } else {
                println!("target {t}: removed {}", names.join(", "));
            }
            Ok(())
        }
    }
}

/// One line of I/O figures.
pub fn print_stats_line(label: &str, s: &Stats) {
    let lat = s
        .latency_histogram
        .as_deref()
        .map(stats::percentiles)
        .map(|p| {
            let f = |p: Option<stats::Percentile>| p.map_or("-".into(), |p| p.human());
            format!(
                "; latency p50 {}, p99 {}, p99.9 {}",
                f(p.p50),
                f(p.p99),
                f(p.p999)
            )
        });
    println!(
        "{label}: {} reads ({}), {} writes ({}), {} check conditions, {} outstanding (peak {}){}",
        s.reads,
        human_bytes(s.read_bytes),
        s.writes,
        human_bytes(s.write_bytes),
        s.check_conditions,
        s.outstanding,
        s.peak_outstanding,
        lat.unwrap_or_default()
    );
}

fn info(sys: &Sys, fmt: Format, a: &Hctl) -> Result<()> {
    let d = device_info(sys, a);
    let st = topology::lun_stats(sys, a);
    if fmt == Format::Json {
        let mut v = serde_json::to_value(&d).unwrap_or_default();
        if let Some((s, src)) = &st {
            let p = s.latency_histogram.as_deref().map(stats::percentiles);
            v["stats"] = json!({ "source": src, "totals": s, "latency_percentiles": p });
        }
        output::print_json("device info", v, true);
        return Ok(());
    }
    println!(
        "{}: {} {} {}",
        d.address,
        d.kind,
        d.vendor.as_deref().unwrap_or(""),
        d.model.as_deref().unwrap_or("")
    );
    let mut kv = output::table(&[]);
    let mut row = |k: &str, v: String| {
        kv.add_row(vec![format!("  {k}"), v]);
    };
    row("revision", cell(&d.rev));
    row("state", cell(&d.state));
    row("block", cell(&d.block));
    row("sg", cell(&d.sg));
    row(
        "size",
        match (d.size_bytes, d.logical_block_size) {
            (Some(s), Some(b)) => format!("{} ({s} bytes, {b}-byte blocks)", human_bytes(s)),
            (Some(s), None) => format!("{} ({s} bytes)", human_bytes(s)),
            _ => "-".into(),
        },
    );
    row("queue_depth", cell(&d.queue_depth));
    row(
        "timeout",
        format!(
            "{} s, error handling {} s",
            cell(&d.timeout_s),
            cell(&d.eh_timeout_s)
        ),
    );
    row("cache_type", cell(&d.cache_type));
    row("scheduler", cell(&d.scheduler));
    row("read_ahead_kb", cell(&d.read_ahead_kb));
    row(
        "midlayer",
        format!(
            "{} requests, {} done, {} errors, {} timeouts",
            cell(&d.iorequest_cnt),
            cell(&d.iodone_cnt),
            cell(&d.ioerr_cnt),
            cell(&d.iotmo_cnt)
        ),
    );
    print_table(&kv);
    if let Some((s, _)) = st {
        print_stats_line("  io", &s);
    }
    Ok(())
}
