// SPDX-License-Identifier: GPL-2.0

//! `orionctl queue info|depth|flush|reset`: a device's command queue.
//!
//! `flush` writes back what is cached and waits for the queue to drain;
//! `reset` restores the queue's settings to their defaults. Neither aborts
//! or discards commands (Documentation/orionctl.rst, "queue").

use crate::addr::{self, Hctl};
use crate::cli::QueueCmd;
use crate::error::{Error, Result};
use crate::output::{self, cell, print_table, Format};
use crate::sysfs::{self, read, read_num, Sys};
use crate::topology;
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// The midlayer's default error-handling command timeout
/// (SCSI_DEFAULT_EH_TIMEOUT), seconds.
const EH_TIMEOUT_DEFAULT: u64 = 10;
/// sd's and the block layer's default command timeout, seconds.
const TIMEOUT_DEFAULT: u64 = 30;

/// Runs a queue command.
pub fn run(sys: &Sys, fmt: Format, cmd: &QueueCmd) -> Result<()> {
    match cmd {
        QueueCmd::Info { device } => info(sys, fmt, &addr::device(sys, device)?),
        QueueCmd::Depth { device, depth } => {
            set_depth(sys, fmt, &addr::device(sys, device)?, *depth)
        }
        QueueCmd::Flush { device, timeout } => {
            flush(sys, fmt, &addr::device(sys, device)?, *timeout)
        }
        QueueCmd::Reset { device } => reset(sys, fmt, &addr::device(sys, device)?),
    }
}

/// A device's queue.
#[derive(Serialize)]
struct QueueInfo {
    address: String,
    queue_depth: Option<u64>,
    queue_type: Option<String>,
    /// Commands the midlayer has sent to the driver (device_busy).
    device_busy: Option<u64>,
    device_blocked: Option<u64>,
    /// The block layer's requests in flight (reads, writes).
    inflight_reads: Option<u64>,
    inflight_writes: Option<u64>,
    nr_requests: Option<u64>,
    scheduler: Option<String>,
    timeout_s: Option<u64>,
    eh_timeout_s: Option<u64>,
    host_can_queue: Option<u64>,
    host_busy: Option<u64>,
    orion_outstanding: Option<u64>,
    orion_peak_outstanding: Option<u64>,
}

/// The block layer's in-flight counts (reads, writes).
fn inflight(sys: &Sys, a: &Hctl) -> Option<(u64, u64)> {
    let b = sys.block_of(a)?;
    let s = read(&sys.block_dir(&b).join("inflight"))?;
    let mut it = s.split_whitespace().filter_map(|w| w.parse().ok());
    Some((it.next()?, it.next()?))
}

fn queue_info(sys: &Sys, a: &Hctl) -> QueueInfo {
    let d = sys.device_dir(a);
    let block = sys.block_of(a).map(|b| sys.block_dir(&b));
    let q = |n: &str| block.as_ref().and_then(|b| read(&b.join("queue").join(n)));
    let fl = inflight(sys, a);
    QueueInfo {
        address: a.to_string(),
        queue_depth: read_num(&d.join("queue_depth")),
        queue_type: read(&d.join("queue_type")),
        device_busy: read_num(&d.join("device_busy")),
        device_blocked: read_num(&d.join("device_blocked")),
        inflight_reads: fl.map(|f| f.0),
        inflight_writes: fl.map(|f| f.1),
        nr_requests: q("nr_requests").and_then(|s| s.parse().ok()),
        scheduler: q("scheduler"),
        timeout_s: read_num(&d.join("timeout")),
        eh_timeout_s: read_num(&d.join("eh_timeout")),
        host_can_queue: read_num(&sys.host_dir(a.host).join("can_queue")),
        host_busy: read_num(&sys.host_dir(a.host).join("host_busy")),
        orion_outstanding: read_num(&d.join("orion_outstanding")),
        orion_peak_outstanding: read_num(&d.join("orion_peak_outstanding")),
    }
}

fn info(sys: &Sys, fmt: Format, a: &Hctl) -> Result<()> {
    let q = queue_info(sys, a);
    if fmt == Format::Json {
        output::print_json("queue info", &q, true);
        return Ok(());
    }
    println!("{}: queue", q.address);
    let mut t = output::table(&[]);
    let mut row = |k: &str, v: String| {
        t.add_row(vec![format!("  {k}"), v]);
    };
    row(
        "queue_depth",
        format!("{} ({})", cell(&q.queue_depth), cell(&q.queue_type)),
    );
    row(
        "in flight",
        format!(
            "{} at the driver (device_busy), block layer {} reads + {} writes",
            cell(&q.device_busy),
            cell(&q.inflight_reads),
            cell(&q.inflight_writes)
        ),
    );
    row("device_blocked", cell(&q.device_blocked));
    row("nr_requests", cell(&q.nr_requests));
    row("scheduler", cell(&q.scheduler));
    row(
        "timeout",
        format!(
            "{} s, error handling {} s",
            cell(&q.timeout_s),
            cell(&q.eh_timeout_s)
        ),
    );
    row(
        "host",
        format!(
            "can_queue {}, busy {}",
            cell(&q.host_can_queue),
            cell(&q.host_busy)
        ),
    );
    if q.orion_outstanding.is_some() {
        row(
            "orion",
            format!(
                "{} outstanding, peak {}",
                cell(&q.orion_outstanding),
                cell(&q.orion_peak_outstanding)
            ),
        );
    }
    print_table(&t);
    Ok(())
}

fn set_depth(sys: &Sys, fmt: Format, a: &Hctl, depth: Option<u32>) -> Result<()> {
    let path = sys.device_dir(a).join("queue_depth");
    let old: Option<u64> = read_num(&path);
    if let Some(n) = depth {
        if n == 0 {
            return Err(Error::Usage("queue depth must be at least 1".into()));
        }
        sysfs::write_attr(&path, &n.to_string()).map_err(|e| match e {
            Error::Failed(_) => Error::Failed(format!(
                "{a}: the driver refused queue depth {n} (the host allows at most {})",
                cell(&read_num::<u64>(&sys.host_dir(a.host).join("can_queue")))
            )),
            e => e,
        })?;
    }
    let now: Option<u64> = read_num(&path);
    if fmt == Format::Json {
        output::print_json(
            "queue depth",
            json!({ "address": a.to_string(), "old": old, "queue_depth": now }),
            true,
        );
    } else if depth.is_some() {
        println!("{a}: queue_depth {} -> {}", cell(&old), cell(&now));
    } else {
        println!("{a}: queue_depth {}", cell(&now));
    }
    if let (Some(want), Some(got)) = (depth, now) {
        if u64::from(want) != got {
            eprintln!("orionctl: note: {a}: the driver set {got}, not {want}");
        }
    }
    Ok(())
}

/// Commands still in flight: the block layer's count, else the midlayer's.
fn busy(sys: &Sys, a: &Hctl) -> u64 {
    match inflight(sys, a) {
        Some((r, w)) => r + w,
        None => read_num(&sys.device_dir(a).join("device_busy")).unwrap_or(0),
    }
}

fn flush(sys: &Sys, fmt: Format, a: &Hctl, timeout: u64) -> Result<()> {
    let start = Instant::now();
    // 1. fsync of the block device writes back its dirty pages and then,
    // when the disk caches writes (cache_type write back), has the block
    // layer send a flush, which sd turns into SYNCHRONIZE CACHE.
    let block = sys.block_of(a);
    let cache = read(&sys.disk_dir(a).join("cache_type"));
    let synced = match &block {
        Some(b) => {
            let node = sys.dev_node(b);
            let f = std::fs::File::open(&node).map_err(|e| Error::io("open", &node, &e))?;
            f.sync_all()
                .map_err(|e| Error::io("flush (fsync)", &node, &e))?;
            true
        }
        None => false,
    };
    // 2. Wait until nothing is in flight.
    let deadline = start + Duration::from_secs(timeout);
    let mut left = busy(sys, a);
    while left > 0 {
        if Instant::now() >= deadline {
            return Err(Error::Timeout(format!(
                "{a}: {left} command(s) still in flight after {timeout} s"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
        left = busy(sys, a);
    }
    let ms = start.elapsed().as_millis();
    let cache_flush = synced && cache.as_deref().is_some_and(|c| c.contains("write back"));
    if fmt == Format::Json {
        output::print_json(
            "queue flush",
            json!({
                "address": a.to_string(),
                "fsync": synced,
                "cache_type": cache,
                "cache_flushed": cache_flush,
                "in_flight": 0,
                "elapsed_ms": ms,
            }),
            true,
        );
    } else {
        println!(
            "{a}: flushed in {ms} ms: {}; 0 commands in flight",
            match (synced, cache_flush) {
                (false, _) => "no block device (nothing cached to write back)".to_string(),
                (true, true) =>
                    "dirty pages written, SYNCHRONIZE CACHE sent (write-back cache)".to_string(),
                (true, false) => format!(
                    "dirty pages written (cache_type {}: no cache flush needed)",
                    cache.as_deref().unwrap_or("unknown")
                ),
            }
        );
    }
    Ok(())
}

/// The defaults `queue reset` restores: (queue depth, timeout s).
fn defaults(sys: &Sys, a: &Hctl) -> (Option<u64>, u64) {
    let proc_name = sys.host_attr(a.host, "proc_name").unwrap_or_default();
    let param = |n: &str| read_num::<u64>(&sys.module_param(n));
    let cmd_per_lun = read_num::<u64>(&sys.host_dir(a.host).join("cmd_per_lun"));
    let orion_timeout = param("cmd_timeout_ms").map_or(TIMEOUT_DEFAULT, |ms| ms.div_ceil(1000));
    match topology::orion_kind(sys, a.host, &proc_name) {
        // orion_virt and orion_lsi start LUNs at queue_depth (32) as it is
        // when the LUN is configured; the MegaRAID and Fusion-MPT hosts at
        // the queue_depth they were probed with, capped by the
        // controller's credits: their cmd_per_lun.
        Some("virtual") | Some("lsi") => (Some(param("queue_depth").unwrap_or(32)), orion_timeout),
        Some("megasas") | Some("mptsas") => (cmd_per_lun, orion_timeout),
        // Others: the host's cmd_per_lun, the midlayer's starting depth.
        _ => (cmd_per_lun, TIMEOUT_DEFAULT),
    }
}

fn reset(sys: &Sys, fmt: Format, a: &Hctl) -> Result<()> {
    let (depth, timeout) = defaults(sys, a);
    let d = sys.device_dir(a);
    let mut changes = Vec::new();
    let mut set = |name: &str, v: String| -> Result<()> {
        let p = d.join(name);
        if !p.exists() {
            return Ok(());
        }
        let old = read(&p);
        sysfs::write_attr(&p, &v)?;
        changes.push(json!({ "attribute": name, "old": old, "new": read(&p) }));
        Ok(())
    };
    if let Some(depth) = depth {
        set("queue_depth", depth.to_string())?;
    }
    set("timeout", timeout.to_string())?;
    set("eh_timeout", EH_TIMEOUT_DEFAULT.to_string())?;
    // orion: peak tracking restarts at the current outstanding count.
    set("orion_peak_outstanding", "0".into())?;
    if fmt == Format::Json {
        output::print_json(
            "queue reset",
            json!({ "address": a.to_string(), "changes": changes }),
            true,
        );
    } else {
        println!("{a}: queue settings restored to their defaults");
        for c in &changes {
            println!(
                "  {}: {} -> {}",
                c["attribute"].as_str().unwrap_or(""),
                c["old"].as_str().unwrap_or("-"),
                c["new"].as_str().unwrap_or("-")
            );
        }
    }
    Ok(())
}
