// SPDX-License-Identifier: GPL-2.0

//! `orionctl stats [ADDRESS] [--watch N] [--histogram]` and `orionctl
//! stats errors`: per host, target and LUN, from the driver's files.

use crate::addr::{self, Hctl, Spec, TargetAddr};
use crate::cli::{StatsArgs, StatsSub};
use crate::error::{Error, Result};
use crate::output::{self, bar, human_bytes, print_table, Format};
use crate::stats::{self, Percentiles, Stats};
use crate::sysfs::Sys;
use crate::topology::{self, Source};
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// One LUN's statistics.
#[derive(Clone, Debug, Serialize)]
pub struct LunStats {
    /// `H:C:T:L`.
    pub address: String,
    /// Block device.
    pub block: Option<String>,
    /// Where the numbers come from.
    pub source: Source,
    /// The counters.
    pub stats: Stats,
    /// Latency percentiles (`null` without a histogram).
    pub latency_percentiles: Option<Percentiles>,
}

/// A target's roll-up.
#[derive(Clone, Debug, Serialize)]
pub struct TargetStats {
    /// `H:C:T`.
    pub target: String,
    /// Sum of its LUNs.
    pub stats: Stats,
    /// Latency percentiles.
    pub latency_percentiles: Option<Percentiles>,
    /// Its LUNs.
    pub luns: Vec<LunStats>,
}

/// A host's statistics.
#[derive(Clone, Debug, Serialize)]
pub struct HostStats {
    /// Host number.
    pub host: u32,
    /// orion adapter kind.
    pub kind: String,
    /// Where the totals come from.
    pub source: Source,
    /// Totals.
    pub stats: Stats,
    /// Latency percentiles.
    pub latency_percentiles: Option<Percentiles>,
    /// Its targets.
    pub targets: Vec<TargetStats>,
}

fn pct(s: &Stats) -> Option<Percentiles> {
    s.latency_histogram.as_deref().map(stats::percentiles)
}

/// Which devices a scope covers.
#[derive(Clone, Copy)]
enum Scope {
    All,
    Host(u32),
    Target(TargetAddr),
    Device(Hctl),
}

impl Scope {
    fn covers(&self, d: &Hctl) -> bool {
        match self {
            Scope::All => true,
            Scope::Host(h) => d.host == *h,
            Scope::Target(t) => d.target_addr() == *t,
            Scope::Device(a) => d == a,
        }
    }
}

fn scope(sys: &Sys, a: Option<&str>) -> Result<Scope> {
    let Some(a) = a else { return Ok(Scope::All) };
    let s = match addr::parse(a)? {
        Spec::Host(_) => Scope::Host(addr::host(sys, a)?),
        Spec::Target(_) => Scope::Target(addr::target(sys, a)?),
        _ => Scope::Device(addr::device(sys, a)?),
    };
    let h = match s {
        Scope::Host(h) => h,
        Scope::Target(t) => t.host,
        Scope::Device(d) => d.host,
        Scope::All => return Ok(s),
    };
    let proc_name = sys.host_attr(h, "proc_name").unwrap_or_default();
    if topology::orion_kind(sys, h, &proc_name).is_none() {
        return Err(Error::Usage(format!(
            "host{h} ({proc_name}) is not an orion_scsi host: its driver keeps no statistics orionctl reads (the block layer's are in /sys/block/*/stat)"
        )));
    }
    Ok(s)
}

/// Reads the statistics of the orion hosts in `scope`.
fn collect(sys: &Sys, scope: Scope) -> Vec<HostStats> {
    let mut out = Vec::new();
    for h in sys.hosts() {
        let proc_name = sys.host_attr(h, "proc_name").unwrap_or_default();
        let Some(kind) = topology::orion_kind(sys, h, &proc_name) else {
            continue;
        };
        let devs: Vec<Hctl> = sys
            .host_devices(h)
            .into_iter()
            .filter(|d| scope.covers(d))
            .collect();
        if devs.is_empty() && !matches!(scope, Scope::All | Scope::Host(_)) {
            continue;
        }
        let mut targets: Vec<TargetStats> = Vec::new();
        let mut all = Vec::new();
        for d in &devs {
            let Some((s, source)) = topology::lun_stats(sys, d) else {
                continue;
            };
            all.push(s.clone());
            let lun = LunStats {
                address: d.to_string(),
                block: sys.block_of(d),
                source,
                latency_percentiles: pct(&s),
                stats: s,
            };
            let t = d.target_addr().to_string();
            match targets.iter_mut().find(|x| x.target == t) {
                Some(x) => x.luns.push(lun),
                None => targets.push(TargetStats {
                    target: t,
                    stats: Stats::default(),
                    latency_percentiles: None,
                    luns: vec![lun],
                }),
            }
        }
        for t in targets.iter_mut() {
            let luns: Vec<Stats> = t.luns.iter().map(|l| l.stats.clone()).collect();
            let addr: Option<TargetAddr> = t.target.parse().ok();
            // The driver's target file covers every LUN: not for one device.
            let whole = !matches!(scope, Scope::Device(_));
            t.stats = addr
                .filter(|_| whole)
                .and_then(|a| topology::target_stats(sys, &a, &luns))
                .or_else(|| Stats::sum(&luns).map(|s| (s, Source::LunSum)))
                .map(|x| x.0)
                .unwrap_or_default();
            t.latency_percentiles = pct(&t.stats);
        }
        // The driver's host file covers every LUN: only for a whole host.
        let (stats, source) = if matches!(scope, Scope::All | Scope::Host(_)) {
            topology::host_stats(sys, h, &all)
        } else {
            Stats::sum(&all).map(|s| (s, Source::LunSum))
        }
        .unwrap_or((Stats::default(), Source::LunSum));
        out.push(HostStats {
            host: h,
            kind: kind.into(),
            source,
            latency_percentiles: pct(&stats),
            stats,
            targets,
        });
    }
    out
}

/// Runs `stats`.
pub fn run(sys: &Sys, fmt: Format, args: &StatsArgs) -> Result<()> {
    if let Some(StatsSub::Errors { address }) = &args.sub {
        return errors(sys, fmt, scope(sys, address.as_deref())?);
    }
    let sc = scope(sys, args.address.as_deref())?;
    let first = collect(sys, sc);
    if first.is_empty() {
        return Err(Error::NoDevice(
            "no orion_scsi host (is the module loaded?)".into(),
        ));
    }
    let Some(interval) = args.watch else {
        if fmt == Format::Json {
            output::print_json("stats", json!({ "hosts": first }), true);
        } else {
            print_totals(&first);
            if args.histogram {
                print_histograms(&first);
            }
        }
        return Ok(());
    };
    if !(interval > 0.0 && interval.is_finite()) {
        return Err(Error::Usage(
            "--watch needs a positive number of seconds".into(),
        ));
    }
    watch(sys, fmt, sc, first, interval, args.count, args.histogram)
}

fn f_pct(p: &Option<Percentiles>, pick: fn(&Percentiles) -> Option<stats::Percentile>) -> String {
    p.as_ref().and_then(pick).map_or("-".into(), |p| p.human())
}

/// Rows of the statistics table: host, target and LUN levels.
fn rows(hosts: &[HostStats]) -> Vec<(String, &Stats, &Option<Percentiles>)> {
    let mut v = Vec::new();
    for h in hosts {
        v.push((
            format!("host{} ({})", h.host, h.kind),
            &h.stats,
            &h.latency_percentiles,
        ));
        for t in &h.targets {
            v.push((format!("  {}", t.target), &t.stats, &t.latency_percentiles));
            for l in &t.luns {
                let name = match &l.block {
                    Some(b) => format!("    {} {b}", l.address),
                    None => format!("    {}", l.address),
                };
                v.push((name, &l.stats, &l.latency_percentiles));
            }
        }
    }
    v
}

fn print_totals(hosts: &[HostStats]) {
    let mut t = output::table(&[
        "OBJECT", "READS", "WRITES", "OTHER", "READ", "WRITTEN", "ERRORS", "OUTST", "PEAK", "P50",
        "P99", "P99.9",
    ]);
    for (name, s, p) in rows(hosts) {
        t.add_row(vec![
            name,
            s.reads.to_string(),
            s.writes.to_string(),
            s.other_commands.map_or("-".into(), |n| n.to_string()),
            human_bytes(s.read_bytes),
            human_bytes(s.write_bytes),
            s.check_conditions.to_string(),
            s.outstanding.to_string(),
            s.peak_outstanding.to_string(),
            f_pct(p, |p| p.p50),
            f_pct(p, |p| p.p99),
            f_pct(p, |p| p.p999),
        ]);
    }
    print_table(&t);
}

/// Draws the LUNs' latency histograms (buckets from the first to the
/// last non-empty one).
fn print_histograms(hosts: &[HostStats]) {
    for l in hosts
        .iter()
        .flat_map(|h| h.targets.iter().flat_map(|t| t.luns.iter()))
    {
        let Some(hist) = &l.stats.latency_histogram else {
            println!(
                "\n{}: no latency histogram (source {:?})",
                l.address, l.source
            );
            continue;
        };
        let total = l.stats.completed().unwrap_or(0);
        println!(
            "\n{}{}: latency of {total} command(s)",
            l.address,
            l.block
                .as_ref()
                .map_or(String::new(), |b| format!(" ({b})"))
        );
        let (Some(lo), Some(hi)) = (
            hist.iter().position(|b| b.count > 0),
            hist.iter().rposition(|b| b.count > 0),
        ) else {
            continue;
        };
        let max = hist.iter().map(|b| b.count).max().unwrap_or(0);
        for b in &hist[lo..=hi] {
            let range = match b.lt_us {
                Some(lt) => format!(
                    "{:>6} - {:<6}",
                    stats::human_us(b.ge_us),
                    stats::human_us(lt)
                ),
                None => format!(">= {:<12}", stats::human_us(b.ge_us)),
            };
            println!("  {range} |{:<50}| {}", bar(b.count, max, 50), b.count);
        }
    }
}

fn watch(
    sys: &Sys,
    fmt: Format,
    sc: Scope,
    first: Vec<HostStats>,
    interval: f64,
    count: Option<u64>,
    histogram: bool,
) -> Result<()> {
    // The first report is the totals since load, like iostat's.
    let mut prev = first;
    let mut t_prev = Instant::now();
    let mut n = 1;
    if fmt == Format::Json {
        output::print_json("stats", json!({ "interval_s": null, "hosts": prev }), false);
    } else {
        println!("totals since load:");
        print_totals(&prev);
    }
    while count.is_none_or(|c| n < c) {
        std::thread::sleep(Duration::from_secs_f64(interval));
        let now = collect(sys, sc);
        let secs = t_prev.elapsed().as_secs_f64();
        t_prev = Instant::now();
        let delta = diff(&now, &prev);
        if fmt == Format::Json {
            output::print_json(
                "stats",
                json!({ "interval_s": secs, "hosts": delta }),
                false,
            );
        } else {
            println!();
            print_rates(&delta, secs);
            if histogram {
                print_histograms(&delta);
            }
        }
        prev = now;
        n += 1;
    }
    Ok(())
}

/// `now` minus `prev`, object by object (objects new since are whole).
fn diff(now: &[HostStats], prev: &[HostStats]) -> Vec<HostStats> {
    let mut out = now.to_vec();
    for h in out.iter_mut() {
        let Some(ph) = prev.iter().find(|p| p.host == h.host) else {
            continue;
        };
        h.stats = h.stats.since(&ph.stats);
        h.latency_percentiles = pct(&h.stats);
        for t in h.targets.iter_mut() {
            let Some(pt) = ph.targets.iter().find(|p| p.target == t.target) else {
                continue;
            };
            t.stats = t.stats.since(&pt.stats);
            t.latency_percentiles = pct(&t.stats);
            for l in t.luns.iter_mut() {
                if let Some(pl) = pt.luns.iter().find(|p| p.address == l.address) {
                    l.stats = l.stats.since(&pl.stats);
                    l.latency_percentiles = pct(&l.stats);
                }
            }
        }
    }
    out
}

fn print_rates(delta: &[HostStats], secs: f64) {
    let secs = secs.max(1e-3);
    let rate = |n: u64| format!("{:.1}", n as f64 / secs);
    let mib = |n: u64| format!("{:.2}", n as f64 / secs / 1048576.0);
    let mut t = output::table(&[
        "OBJECT", "r/s", "w/s", "rMiB/s", "wMiB/s", "err/s", "OUTST", "PEAK", "P50", "P99", "P99.9",
    ]);
    for (name, s, p) in rows(delta) {
        t.add_row(vec![
            name,
            rate(s.reads),
            rate(s.writes),
            mib(s.read_bytes),
            mib(s.write_bytes),
            rate(s.check_conditions),
            s.outstanding.to_string(),
            s.peak_outstanding.to_string(),
            f_pct(p, |p| p.p50),
            f_pct(p, |p| p.p99),
            f_pct(p, |p| p.p999),
        ]);
    }
    println!("interval {secs:.2} s:");
    print_table(&t);
}

fn errors(sys: &Sys, fmt: Format, sc: Scope) -> Result<()> {
    let hosts = collect(sys, sc);
    if hosts.is_empty() {
        return Err(Error::NoDevice(
            "no orion_scsi host (is the module loaded?)".into(),
        ));
    }
    let mut list = Vec::new();
    for l in hosts
        .iter()
        .flat_map(|h| h.targets.iter().flat_map(|t| t.luns.iter()))
    {
        let a: Option<Hctl> = l.address.parse().ok();
        let d = a.map(|a| topology::device_info(sys, &a));
        list.push(json!({
            "address": l.address,
            "block": l.block,
            "check_conditions": l.stats.check_conditions,
            "errors_by_sense_key": l.stats.errors_by_sense_key,
            "timeouts": l.stats.timeouts,
            "aborts": l.stats.aborts,
            "resets": l.stats.resets,
            "midlayer_errors": d.as_ref().and_then(|d| d.ioerr_cnt),
            "midlayer_timeouts": d.as_ref().and_then(|d| d.iotmo_cnt),
        }));
    }
    if fmt == Format::Json {
        output::print_json("stats errors", json!({ "luns": list }), true);
        return Ok(());
    }
    let mut t = output::table(&[
        "DEVICE",
        "CHECK_CONDITIONS",
        "BY SENSE KEY",
        "TIMEOUTS",
        "ABORTS",
        "RESETS",
        "IOERR",
        "IOTMO",
    ]);
    let opt = |v: &serde_json::Value| {
        if v.is_null() {
            "-".to_string()
        } else {
            v.to_string()
        }
    };
    for v in &list {
        let keys = v["errors_by_sense_key"]
            .as_object()
            .map(|m| {
                let nz: Vec<String> = m
                    .iter()
                    .filter(|(_, n)| n.as_u64().unwrap_or(0) > 0)
                    .map(|(k, n)| format!("{k}={n}"))
                    .collect();
                if nz.is_empty() {
                    "-".into()
                } else {
                    nz.join(" ")
                }
            })
            .unwrap_or_else(|| "(not available)".into());
        let name = match v["block"].as_str() {
            Some(b) => format!("{} {b}", v["address"].as_str().unwrap_or("")),
            None => v["address"].as_str().unwrap_or("").to_string(),
        };
        t.add_row(vec![
            name,
            v["check_conditions"].to_string(),
            keys,
            opt(&v["timeouts"]),
            opt(&v["aborts"]),
            opt(&v["resets"]),
            opt(&v["midlayer_errors"]),
            opt(&v["midlayer_timeouts"]),
        ]);
    }
    print_table(&t);
    Ok(())
}
