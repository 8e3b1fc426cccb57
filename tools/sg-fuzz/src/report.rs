// SPDX-License-Identifier: GPL-2.0

//! Counting replies and printing: failing cases in detail (with the command
//! line that replays them), progress, and the summary whose last line a
//! test parses:
//!
//! `sg-fuzz: seed S: N CDBs, G good, C check condition, O other status,
//! H host status, R refused, M malformed`

use crate::cdb::hex;
use crate::check::{describe, host_name, status_name, Class, Verdict};
use crate::generate::{Case, Origin};
use crate::sense::KEY_NAMES;
use crate::sgio::{Direction, Reply, SG_INFO_DIRECT_IO};
use std::collections::BTreeMap;
use std::time::Duration;

/// Names of common additional sense codes, for the summary.
const ASC_NAMES: &[((u8, u8), &str)] = &[
    ((0x1A, 0x00), "PARAMETER LIST LENGTH ERROR"),
    ((0x20, 0x00), "INVALID COMMAND OPERATION CODE"),
    ((0x21, 0x00), "LBA OUT OF RANGE"),
    ((0x24, 0x00), "INVALID FIELD IN CDB"),
    ((0x25, 0x00), "LOGICAL UNIT NOT SUPPORTED"),
    ((0x26, 0x00), "INVALID FIELD IN PARAMETER LIST"),
    (
        (0x29, 0x00),
        "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED",
    ),
    ((0x2A, 0x01), "MODE PARAMETERS CHANGED"),
    ((0x39, 0x00), "SAVING PARAMETERS NOT SUPPORTED"),
    ((0x1D, 0x00), "MISCOMPARE DURING VERIFY OPERATION"),
    ((0x0C, 0x00), "WRITE ERROR"),
    ((0x11, 0x00), "UNRECOVERED READ ERROR"),
    ((0x2C, 0x00), "COMMAND SEQUENCE ERROR"),
    ((0x3A, 0x00), "MEDIUM NOT PRESENT"),
    ((0x04, 0x00), "LOGICAL UNIT NOT READY"),
];

/// Everything counted over a run.
#[derive(Default)]
pub struct Tally {
    /// Cases sent.
    pub cases: u64,
    /// Replies with at least one problem.
    pub malformed: u64,
    /// Detailed reports printed.
    pub reported: usize,
    classes: BTreeMap<Class, u64>,
    statuses: BTreeMap<u8, u64>,
    keys: BTreeMap<u8, u64>,
    ascs: BTreeMap<(u8, u8), u64>,
    dirs: BTreeMap<Direction, u64>,
    origins: BTreeMap<Origin, u64>,
    problems: BTreeMap<&'static str, u64>,
    direct_io: u64,
    sanitized: u64,
    redraws: u64,
    bytes: u64,
}

impl Tally {
    /// Counts one case and its verdict.
    pub fn add(&mut self, case: &Case, reply: &Reply, v: &Verdict) {
        self.cases += 1;
        *self.classes.entry(v.class).or_default() += 1;
        if reply.errno.is_none() {
            *self.statuses.entry(reply.status).or_default() += 1;
        }
        if let Some(s) = v.sense {
            if let Some(k) = s.key {
                *self.keys.entry(k).or_default() += 1;
            }
            if let Some(a) = s.asc {
                *self.ascs.entry(a).or_default() += 1;
            }
        }
        *self.dirs.entry(case.dir).or_default() += 1;
        *self.origins.entry(case.origin).or_default() += 1;
        if reply.info & SG_INFO_DIRECT_IO != 0 {
            self.direct_io += 1;
        }
        self.sanitized += u64::from(case.sanitized.is_some());
        self.redraws += u64::from(case.redraws);
        if reply.errno.is_none() && case.dir != Direction::None {
            let moved = case.len.saturating_sub(reply.resid.max(0) as usize);
            self.bytes += moved as u64;
        }
        if !v.problems.is_empty() {
            self.malformed += 1;
            for p in &v.problems {
                *self.problems.entry(p.kind()).or_default() += 1;
            }
        }
    }

    fn count(&self, f: impl Fn(&Class) -> bool) -> u64 {
        self.classes
            .iter()
            .filter(|(c, _)| f(c))
            .map(|(_, n)| n)
            .sum()
    }

    /// The summary: breakdowns, then the one line a test parses.
    pub fn summary(&self, seed: u64, elapsed: Duration) -> Vec<String> {
        let mut out = Vec::new();
        let list = |items: Vec<String>| {
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        };
        out.push(format!(
            "status: {}",
            list(
                self.statuses
                    .iter()
                    .map(|(s, n)| format!("{} {n}", status_name(*s).unwrap_or("undefined")))
                    .collect()
            )
        ));
        out.push(format!(
            "sense keys: {}",
            list(
                self.keys
                    .iter()
                    .map(|(k, n)| format!("{} {n}", KEY_NAMES[usize::from(*k & 0x0F)]))
                    .collect()
            )
        ));
        let mut ascs: Vec<_> = self.ascs.iter().collect();
        ascs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        out.push(format!(
            "top ASC/ASCQ: {}",
            list(
                ascs.iter()
                    .take(8)
                    .map(|((a, q), n)| {
                        let name = ASC_NAMES.iter().find(|(k, _)| *k == (*a, *q));
                        match name {
                            Some((_, s)) => format!("{a:02x}/{q:02x} {s} {n}"),
                            None => format!("{a:02x}/{q:02x} {n}"),
                        }
                    })
                    .collect()
            )
        ));
        out.push(format!(
            "host status: {}",
            list(
                self.classes
                    .iter()
                    .filter_map(|(c, n)| match c {
                        Class::Host(h) => {
                            Some(format!("{} {n}", host_name(*h).unwrap_or("unknown")))
                        }
                        _ => None,
                    })
                    .collect()
            )
        ));
        out.push(format!(
            "refused by the kernel: {}",
            list(
                self.classes
                    .iter()
                    .filter_map(|(c, n)| match c {
                        Class::Refused(e) => Some(format!("{} {n}", errno_name(*e))),
                        _ => None,
                    })
                    .collect()
            )
        ));
        out.push(format!(
            "directions: {}; direct I/O {}; {:.1} MiB moved",
            list(
                Direction::ALL
                    .iter()
                    .map(|d| format!("{} {}", d.name(), self.dirs.get(d).unwrap_or(&0)))
                    .collect()
            ),
            self.direct_io,
            self.bytes as f64 / 1048576.0
        ));
        out.push(format!(
            "kinds: {}; {} sanitized, {} dangerous draws replaced",
            list(
                Origin::ALL
                    .iter()
                    .map(|o| format!("{} {}", o.name(), self.origins.get(o).unwrap_or(&0)))
                    .collect()
            ),
            self.sanitized,
            self.redraws
        ));
        out.push(format!(
            "problems: {}",
            list(
                self.problems
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect()
            )
        ));
        let secs = elapsed.as_secs_f64();
        out.push(format!(
            "{} CDBs in {:.1} s ({:.0} CDBs/s)",
            self.cases,
            secs,
            self.cases as f64 / secs.max(1e-9)
        ));
        let other = self.count(|c| matches!(c, Class::Status(_)));
        let host = self.count(|c| matches!(c, Class::Host(_)));
        let refused = self.count(|c| matches!(c, Class::Refused(_)));
        out.push(format!(
            "seed {seed}: {} CDBs, {} good, {} check condition, {other} other status, \
             {host} host status, {refused} refused, {} malformed",
            self.cases,
            self.count(|c| *c == Class::Good),
            self.count(|c| matches!(c, Class::Check(_))),
            self.malformed
        ));
        out
    }
}

/// A short errno name.
fn errno_name(e: i32) -> String {
    match e {
        libc::EINVAL => "EINVAL".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::EMSGSIZE => "EMSGSIZE".into(),
        libc::EIO => "EIO".into(),
        _ => format!("errno {e}"),
    }
}

/// A case in one line: what was sent.
pub fn case_line(case: &Case, seed: u64, malformed: bool) -> String {
    format!(
        "{}case {} (seed {seed}): {} {}, cdb [{}] ({} bytes), {}, buffer {}, flags {:#x}, mx_sb_len {}{}",
        if malformed { "MALFORMED " } else { "" },
        case.index,
        case.origin.name(),
        case.name,
        hex(&case.cdb),
        case.cdb.len(),
        case.dir.name(),
        case.len,
        case.flags,
        case.sense_max,
        case.sanitized.map(|s| format!(" ({s})")).unwrap_or_default(),
    )
}

/// A case in full, with its reply and what is wrong; and how to replay it
/// (`replay`: the command line up to `--only`).
pub fn case_report(
    case: &Case,
    reply: &Reply,
    sense: &[u8],
    v: &Verdict,
    seed: u64,
    replay: &str,
) -> Vec<String> {
    let mut out = vec![case_line(case, seed, !v.problems.is_empty())];
    out.push(format!("  reply: {}", describe(reply, sense)));
    for p in &v.problems {
        out.push(format!("  problem: {p}"));
    }
    if !v.problems.is_empty() {
        out.push(format!(
            "  replay: {replay} --only {} (--start-index N --count M replays the cases before it too)",
            case.index
        ));
    }
    out
}
