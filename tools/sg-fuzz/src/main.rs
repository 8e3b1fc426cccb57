// SPDX-License-Identifier: GPL-2.0

//! sg-fuzz: sends random and mutated SCSI commands through SG_IO to one
//! device and checks every reply (Documentation/sg-fuzz.rst).
//!
//! Case `i` of seed `s` depends only on `(s, i)`, the device's geometry and
//! the options that shape cases (`--max-buffer`, `--dangerous`), so
//! `--seed s --only i` sends exactly the command that failed.

mod buffer;
mod cdb;
mod check;
mod exclude;
mod generate;
mod known;
mod mutate;
mod probe;
mod report;
mod sense;
mod sgio;

use buffer::{GuardBuf, SenseBuf};
use clap::Parser;
use generate::{Config, Geometry};
use sgio::{Device, Request};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Sends random and mutated CDBs through SG_IO and checks every reply.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    /// The device: /dev/sgN or a SCSI block device such as /dev/sdb. Its
    /// contents are overwritten.
    device: PathBuf,
    /// Seed of the run (default: from the clock); always printed.
    #[arg(long)]
    seed: Option<u64>,
    /// Number of cases to send.
    #[arg(long, default_value_t = 10_000)]
    count: u64,
    /// Index of the first case.
    #[arg(long, default_value_t = 0)]
    start_index: u64,
    /// Send only case INDEX and print it with its reply.
    #[arg(long, value_name = "INDEX", conflicts_with_all = ["start_index", "count"])]
    only: Option<u64>,
    /// Largest data buffer in bytes (changes the cases: replay with the same value).
    #[arg(long, default_value_t = 1 << 20)]
    max_buffer: usize,
    /// SG_IO timeout of each command, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    timeout_ms: u32,
    /// Also send what is screened out by default (FORMAT UNIT, SANITIZE,
    /// PERSISTENT RESERVE OUT, stops, block-size changes, ...).
    #[arg(long)]
    dangerous: bool,
    /// Send commands that move data (by their opcode) only with their
    /// direction or none: for HBAs that transfer in the command's direction
    /// whatever the request says (QEMU's megasas), behind an IOMMU.
    #[arg(long)]
    match_direction: bool,
    /// Do not compare the bytes a data-in command returned with its
    /// allocation length (for HBAs that report no residual: QEMU's megasas).
    #[arg(long)]
    no_transfer_check: bool,
    /// The device's medium cannot fail (a RAM disk, a disk image): MEDIUM
    /// ERROR and HARDWARE ERROR replies count as malformed.
    #[arg(long)]
    healthy: bool,
    /// The last LBA to draw boundary LBAs from (default: READ CAPACITY).
    #[arg(long)]
    last_lba: Option<u64>,
    /// The block size (default: READ CAPACITY).
    #[arg(long)]
    block_size: Option<u32>,
    /// Print the cases without sending anything (needs no device).
    #[arg(long)]
    dry_run: bool,
    /// Print every case and its reply.
    #[arg(short, long)]
    verbose: bool,
    /// Print details of at most this many malformed replies.
    #[arg(long, default_value_t = 20)]
    max_reports: usize,
    /// A progress line on stderr every N cases (0: none).
    #[arg(long, default_value_t = 10_000)]
    progress: u64,
    /// Also write the start, the progress lines and the end to the kernel
    /// log (/dev/kmsg), so that a log ending in an oops or a hang shows
    /// which cases ran.
    #[arg(long)]
    kmsg: bool,
}

/// Writes `line` to the kernel log, in one write (one record).
fn kmsg(line: &str) {
    if let Ok(mut f) = OpenOptions::new().write(true).open("/dev/kmsg") {
        let _ = f.write_all(format!("sg-fuzz: {line}\n").as_bytes());
    }
}

fn say(line: &str) {
    println!("sg-fuzz: {line}");
}

fn clock_seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ u64::from(std::process::id()).rotate_left(32)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(clock_seed);
    let (start, count) = match args.only {
        Some(i) => (i, 1),
        None => (args.start_index, args.count),
    };
    let end = start.saturating_add(count);
    let cfg = Config {
        max_buffer: args.max_buffer,
        dangerous: args.dangerous,
        match_direction: args.match_direction,
    };
    let dev_name = args.device.display().to_string();

    let dev = if args.dry_run {
        None
    } else {
        match Device::open(&args.device) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("sg-fuzz: {dev_name}: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let probed = match &dev {
        Some(d) if args.last_lba.is_none() || args.block_size.is_none() => {
            match probe::geometry(d, args.timeout_ms) {
                Ok(g) => Some(g),
                Err(e) => {
                    eprintln!("sg-fuzz: {dev_name}: {e} (give --last-lba and --block-size)");
                    return ExitCode::from(2);
                }
            }
        }
        _ => None,
    };
    let geo = Geometry {
        last_lba: args
            .last_lba
            .or(probed.map(|g| g.last_lba))
            .unwrap_or(131_071),
        block_size: args
            .block_size
            .or(probed.map(|g| g.block_size))
            .unwrap_or(512),
    };
    let max_hw = sgio::max_hw_bytes(&args.device);
    let node = dev.as_ref().map_or(sgio::NodeKind::Sg, |d| d.kind);
    let path = check::Path {
        node,
        max_hw_bytes: max_hw,
        transfer_check: !args.no_transfer_check,
        healthy: args.healthy,
    };

    // The options that shape cases, for the replay command line.
    let mut replay = format!(
        "sg-fuzz {dev_name} --seed {seed} --last-lba {} --block-size {}",
        geo.last_lba, geo.block_size
    );
    if args.max_buffer != 1 << 20 {
        replay.push_str(&format!(" --max-buffer {}", args.max_buffer));
    }
    if args.dangerous {
        replay.push_str(" --dangerous");
    }
    if args.match_direction {
        replay.push_str(" --match-direction");
    }
    if args.no_transfer_check {
        replay.push_str(" --no-transfer-check");
    }
    if args.healthy {
        replay.push_str(" --healthy");
    }
    say(&format!(
        "{dev_name}: {:?} node, last LBA {}, block size {}, queue max transfer {}",
        node,
        geo.last_lba,
        geo.block_size,
        max_hw.map_or("unknown".into(), |m| format!("{m} bytes"))
    ));
    say(&format!(
        "seed {seed}, cases {start}..{end}, buffers up to {} bytes{} (replay: {replay} --start-index {start} --count {count})",
        cfg.max_buffer,
        if cfg.dangerous { ", dangerous commands included" } else { "" },
    ));

    if args.kmsg && dev.is_some() {
        kmsg(&format!(
            "{dev_name}: seed {seed}, cases {start}..{end}: starting"
        ));
    }
    let mut data = GuardBuf::new(cfg.max_buffer);
    let mut sense = SenseBuf::default();
    let mut tally = report::Tally::default();
    let t0 = Instant::now();
    for i in start..end {
        let case = generate::case(seed, i, &geo, &cfg);
        let Some(dev) = &dev else {
            say(&report::case_line(&case, seed, false));
            continue;
        };
        data.prepare(case.len, &case.payload, case.sends());
        sense.prepare();
        let req = Request {
            cdb: &case.cdb,
            dir: case.dir,
            len: case.len,
            sense_max: case.sense_max,
            flags: case.flags,
            timeout_ms: args.timeout_ms,
        };
        let reply = dev.issue(&req, &mut data, &mut sense);
        let written = sense.written(reply.sb_len_wr);
        let v = check::check(
            &case,
            &reply,
            written,
            sense.check(reply.sb_len_wr),
            data.check(),
            &path,
        );
        tally.add(&case, &reply, &v);
        let bad = !v.problems.is_empty();
        if args.verbose || args.only.is_some() || (bad && tally.reported < args.max_reports) {
            for l in report::case_report(&case, &reply, written, &v, seed, &replay) {
                say(&l);
            }
            if bad {
                tally.reported += 1;
                if tally.reported == args.max_reports {
                    say("(no more details: --max-reports)");
                }
            }
        }
        let done = i - start + 1;
        if args.progress > 0 && done % args.progress == 0 && done < count {
            let secs = t0.elapsed().as_secs_f64();
            let line = format!(
                "{dev_name}: seed {seed}: {done}/{count} CDBs (up to case {i}), {} malformed, {:.0} CDBs/s",
                tally.malformed,
                done as f64 / secs.max(1e-9)
            );
            let _ = std::io::stderr().write_all(format!("sg-fuzz: {line}\n").as_bytes());
            if args.kmsg {
                kmsg(&line);
            }
        }
    }
    let elapsed = t0.elapsed();
    let Some(dev) = &dev else {
        return ExitCode::SUCCESS;
    };

    // The device must still answer, with the same geometry.
    let mut after_ok = true;
    match probe::ready(dev, args.timeout_ms) {
        Ok(()) => say("after the run: TEST UNIT READY is GOOD"),
        Err(e) => {
            say(&format!("after the run: {e}"));
            after_ok = false;
        }
    }
    if let Some(before) = probed {
        match probe::geometry(dev, args.timeout_ms) {
            Ok(g) if g == before => say("after the run: the capacity and block size are unchanged"),
            Ok(g) => {
                say(&format!(
                    "after the run: READ CAPACITY changed: last LBA {} block size {} (was {} and {})",
                    g.last_lba, g.block_size, before.last_lba, before.block_size
                ));
                after_ok = false;
            }
            Err(e) => {
                say(&format!("after the run: {e}"));
                after_ok = false;
            }
        }
    }
    let summary = tally.summary(seed, elapsed);
    for l in &summary {
        say(l);
    }
    if args.kmsg {
        kmsg(&format!(
            "{dev_name}: {}",
            summary.last().map_or("", |s| s.as_str())
        ));
    }
    if tally.malformed > 0 || !after_ok {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
