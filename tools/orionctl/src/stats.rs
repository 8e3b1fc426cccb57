// SPDX-License-Identifier: GPL-2.0

//! orion_scsi's I/O statistics: parsing the driver's `key value` files,
//! adding them up (target and host roll-ups), differences between two
//! readings (rates), and latency percentiles from the power-of-two
//! histogram.

use serde::Serialize;
use std::collections::BTreeMap;

/// One histogram bucket: commands that took less than `lt_us` (or, for
/// the open-ended last bucket, `lt_us` is `None`: `ge_us` or longer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Lower bound in microseconds (inclusive).
    pub ge_us: u64,
    /// Upper bound in microseconds (exclusive); `None` for the last.
    pub lt_us: Option<u64>,
    /// Commands in this bucket.
    pub count: u64,
}

/// The statistics of a LUN, a target or a host. Fields the source does
/// not provide are `None` (`null` in JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// READ commands.
    pub reads: u64,
    /// WRITE commands.
    pub writes: u64,
    /// Other commands (`None` from sources without it).
    pub other_commands: Option<u64>,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
    /// CHECK CONDITION replies, all sense keys.
    pub check_conditions: u64,
    /// CHECK CONDITIONs by sense key name (`None` when only the total is known).
    pub errors_by_sense_key: Option<BTreeMap<String, u64>>,
    /// Commands outstanding now.
    pub outstanding: u64,
    /// Most commands outstanding at once (for a sum: the largest member's).
    pub peak_outstanding: u64,
    /// Commands the midlayer timed out (`None` when the driver does not say).
    pub timeouts: Option<u64>,
    /// Aborts the error handler sent.
    pub aborts: Option<u64>,
    /// Resets (device, target, bus, host) issued through this LUN.
    pub resets: Option<u64>,
    /// Latency histogram, ascending (`None` when the source has none).
    pub latency_histogram: Option<Vec<Bucket>>,
}

/// Parses the driver's `key value` format (drivers/common/stats.rs,
/// `StatsSnapshot`'s Display). Unknown keys are ignored (newer drivers);
/// `None` when the text has none of the counters.
pub fn parse(text: &str) -> Option<Stats> {
    let mut s = Stats::default();
    let mut errors = BTreeMap::new();
    let mut buckets: Vec<Bucket> = Vec::new();
    let mut seen = false;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(k), Some(v), None) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let Ok(v) = v.parse::<u64>() else { continue };
        seen = true;
        match k {
            "reads" => s.reads = v,
            "writes" => s.writes = v,
            "other_commands" => s.other_commands = Some(v),
            "read_bytes" => s.read_bytes = v,
            "write_bytes" => s.write_bytes = v,
            "outstanding" => s.outstanding = v,
            "peak_outstanding" => s.peak_outstanding = v,
            "check_conditions" => s.check_conditions = v,
            "timeouts" => s.timeouts = Some(v),
            "aborts" => s.aborts = Some(v),
            "resets" => s.resets = Some(v),
            _ => {
                if let Some(name) = k.strip_prefix("errors_") {
                    errors.insert(name.to_string(), v);
                } else if let Some(lt) = k.strip_prefix("latency_us_lt_") {
                    if let Ok(lt) = lt.parse::<u64>() {
                        buckets.push(Bucket {
                            ge_us: 0,
                            lt_us: Some(lt),
                            count: v,
                        });
                    }
                } else if let Some(ge) = k.strip_prefix("latency_us_ge_") {
                    if let Ok(ge) = ge.parse::<u64>() {
                        buckets.push(Bucket {
                            ge_us: ge,
                            lt_us: None,
                            count: v,
                        });
                    }
                }
            }
        }
    }
    if !seen {
        return None;
    }
    if !errors.is_empty() {
        s.check_conditions = errors.values().sum();
        s.errors_by_sense_key = Some(errors);
    }
    if !buckets.is_empty() {
        // Ascending; each bounded bucket starts where the one before ended.
        buckets.sort_by_key(|b| (b.lt_us.is_none(), b.lt_us.unwrap_or(b.ge_us)));
        let mut lo = 0;
        for b in buckets.iter_mut() {
            if let Some(lt) = b.lt_us {
                b.ge_us = lo;
                lo = lt;
            }
        }
        s.latency_histogram = Some(buckets);
    }
    Some(s)
}

/// Adds optional counters: known only when both are.
fn add_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.saturating_add(b?))
}

impl Stats {
    /// Adds `o` into `self` (roll-ups; the peak is the largest member's,
    /// a lower bound of the sum's real peak).
    pub fn add(&mut self, o: &Stats) {
        self.reads = self.reads.saturating_add(o.reads);
        self.writes = self.writes.saturating_add(o.writes);
        self.other_commands = add_opt(self.other_commands, o.other_commands);
        self.read_bytes = self.read_bytes.saturating_add(o.read_bytes);
        self.write_bytes = self.write_bytes.saturating_add(o.write_bytes);
        self.check_conditions = self.check_conditions.saturating_add(o.check_conditions);
        self.errors_by_sense_key = match (self.errors_by_sense_key.take(), &o.errors_by_sense_key) {
            (Some(mut a), Some(b)) => {
                for (k, v) in b {
                    let e = a.entry(k.clone()).or_insert(0);
                    *e = e.saturating_add(*v);
                }
                Some(a)
            }
            _ => None,
        };
        self.timeouts = add_opt(self.timeouts, o.timeouts);
        self.aborts = add_opt(self.aborts, o.aborts);
        self.resets = add_opt(self.resets, o.resets);
        self.outstanding = self.outstanding.saturating_add(o.outstanding);
        self.peak_outstanding = self.peak_outstanding.max(o.peak_outstanding);
        self.latency_histogram = match (self.latency_histogram.take(), &o.latency_histogram) {
            (Some(mut a), Some(b)) if a.len() == b.len() => {
                for (x, y) in a.iter_mut().zip(b) {
                    x.count = x.count.saturating_add(y.count);
                }
                Some(a)
            }
            _ => None,
        };
    }

    /// The sum of `items`; the first item's shape (which fields are
    /// known) is the start.
    pub fn sum<'a>(items: impl IntoIterator<Item = &'a Stats>) -> Option<Stats> {
        let mut it = items.into_iter();
        let mut total = it.next()?.clone();
        for s in it {
            total.add(s);
        }
        Some(total)
    }

    /// What happened between `earlier` and `self` (counters subtracted,
    /// histogram per bucket; levels such as outstanding stay `self`'s).
    pub fn since(&self, earlier: &Stats) -> Stats {
        let mut d = self.clone();
        d.reads = self.reads.saturating_sub(earlier.reads);
        d.writes = self.writes.saturating_sub(earlier.writes);
        d.other_commands = self
            .other_commands
            .zip(earlier.other_commands)
            .map(|(a, b)| a.saturating_sub(b));
        d.read_bytes = self.read_bytes.saturating_sub(earlier.read_bytes);
        d.write_bytes = self.write_bytes.saturating_sub(earlier.write_bytes);
        d.check_conditions = self
            .check_conditions
            .saturating_sub(earlier.check_conditions);
        let sub = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
        d.timeouts = sub(self.timeouts, earlier.timeouts);
        d.aborts = sub(self.aborts, earlier.aborts);
        d.resets = sub(self.resets, earlier.resets);
        if let (Some(a), Some(b)) = (&mut d.errors_by_sense_key, &earlier.errors_by_sense_key) {
            for (k, v) in a.iter_mut() {
                *v = v.saturating_sub(b.get(k).copied().unwrap_or(0));
            }
        }
        if let (Some(a), Some(b)) = (&mut d.latency_histogram, &earlier.latency_histogram) {
            for (x, y) in a.iter_mut().zip(b) {
                x.count = x.count.saturating_sub(y.count);
            }
        }
        d
    }

    /// Commands counted in the histogram.
    pub fn completed(&self) -> Option<u64> {
        Some(
            self.latency_histogram
                .as_ref()?
                .iter()
                .map(|b| b.count)
                .sum(),
        )
    }
}

/// A latency percentile estimated from the histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Percentile {
    /// At least the fraction asked for completed in under this many
    /// microseconds (the upper bound of the bucket the percentile falls in).
    LtUs(u64),
    /// The percentile falls in the open-ended last bucket: this long or more.
    GeUs(u64),
}

impl Percentile {
    /// For tables: `<128us`, `>=4.2s`.
    pub fn human(&self) -> String {
        match self {
            Percentile::LtUs(us) => format!("<{}", human_us(*us)),
            Percentile::GeUs(us) => format!(">={}", human_us(*us)),
        }
    }
}

/// Microseconds as a short human figure.
pub fn human_us(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.1}s", us as f64 / 1e6)
    } else if us >= 1000 {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

/// The `q` quantile (0 < q <= 1; p99 is 0.99) of a histogram: the bucket
/// holding the command of rank ceil(q * total) in latency order, reported
/// by its upper bound. The true percentile lies in that bucket, so it is
/// below the bound and at least half of it (power-of-two buckets). `None`
/// when no command was counted.
pub fn percentile(hist: &[Bucket], q: f64) -> Option<Percentile> {
    let total: u64 = hist.iter().map(|b| b.count).sum();
    if total == 0 {
        return None;
    }
    // Rank of the command at the quantile, 1-based, in 1..=total; integer
    // arithmetic in millionths keeps p99.9 exact.
    let q_ppm = (q * 1e6).round().clamp(1.0, 1e6) as u128;
    let rank = (u128::from(total) * q_ppm).div_ceil(1_000_000).max(1);
    let mut seen: u128 = 0;
    for b in hist {
        seen += u128::from(b.count);
        if seen >= rank {
            return Some(match b.lt_us {
                Some(lt) => Percentile::LtUs(lt),
                None => Percentile::GeUs(b.ge_us),
            });
        }
    }
    None
}

/// p50, p99 and p99.9 of a histogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: Option<Percentile>,
    /// 99th percentile.
    pub p99: Option<Percentile>,
    /// 99.9th percentile.
    pub p999: Option<Percentile>,
}

/// The percentiles `stats` reports.
pub fn percentiles(hist: &[Bucket]) -> Percentiles {
    Percentiles {
        p50: percentile(hist, 0.5),
        p99: percentile(hist, 0.99),
        p999: percentile(hist, 0.999),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sense key names, in sense key order (the driver's `errors_<name>` keys).
    const SENSE_KEYS: [&str; 16] = [
        "no_sense",
        "recovered_error",
        "not_ready",
        "medium_error",
        "hardware_error",
        "illegal_request",
        "unit_attention",
        "data_protect",
        "blank_check",
        "vendor_specific",
        "copy_aborted",
        "aborted_command",
        "reserved_c",
        "volume_overflow",
        "miscompare",
        "reserved_f",
    ];

    /// The driver's format for a snapshot with `lat[i]` in bucket i.
    fn driver_text(reads: u64, lat: &[u64; 24]) -> String {
        let mut t = format!(
            "reads {reads}\nwrites 2\nother_commands 3\nread_bytes {}\nwrite_bytes 8192\n",
            reads * 4096
        );
        for (i, k) in SENSE_KEYS.iter().enumerate() {
            t += &format!("errors_{k} {}\n", if i == 5 { 7 } else { 0 });
        }
        t += "outstanding 1\npeak_outstanding 9\n";
        for (i, n) in lat.iter().enumerate() {
            if i + 1 < 24 {
                t += &format!("latency_us_lt_{} {n}\n", 1u64 << i);
            } else {
                t += &format!("latency_us_ge_{} {n}\n", 1u64 << (i - 1));
            }
        }
        t
    }

    #[test]
    fn parses_the_driver_format() {
        let mut lat = [0u64; 24];
        lat[3] = 5;
        lat[23] = 1;
        let s = parse(&driver_text(10, &lat)).unwrap();
        assert_eq!(s.reads, 10);
        assert_eq!(s.read_bytes, 40960);
        assert_eq!(s.other_commands, Some(3));
        assert_eq!(s.check_conditions, 7);
        assert_eq!(
            s.errors_by_sense_key.as_ref().unwrap()["illegal_request"],
            7
        );
        assert_eq!(s.peak_outstanding, 9);
        let h = s.latency_histogram.as_ref().unwrap();
        assert_eq!(h.len(), 24);
        assert_eq!(
            h[0],
            Bucket {
                ge_us: 0,
                lt_us: Some(1),
                count: 0
            }
        );
        assert_eq!(
            h[3],
            Bucket {
                ge_us: 4,
                lt_us: Some(8),
                count: 5
            }
        );
        assert_eq!(
            h[23],
            Bucket {
                ge_us: 1 << 22,
                lt_us: None,
                count: 1
            }
        );
        assert_eq!(s.completed(), Some(6));
        assert!(parse("nothing here\n").is_none());
    }

    #[test]
    fn percentiles_from_power_of_two_buckets() {
        let mut lat = [0u64; 24];
        // 1000 commands: 900 in [64, 128) us, 95 in [512, 1024), 4 in
        // [8192, 16384), 1 in the open-ended last bucket.
        lat[7] = 900;
        lat[10] = 95;
        lat[14] = 4;
        lat[23] = 1;
        let s = parse(&driver_text(1, &lat)).unwrap();
        let p = percentiles(s.latency_histogram.as_ref().unwrap());
        assert_eq!(p.p50, Some(Percentile::LtUs(128)));
        // Rank 990 is past the first 900: the [512, 1024) bucket.
        assert_eq!(p.p99, Some(Percentile::LtUs(1024)));
        // Rank 999 is in the [8192, 16384) bucket (995 < 999 <= 999).
        assert_eq!(p.p999, Some(Percentile::LtUs(16384)));
        let h = s.latency_histogram.unwrap();
        assert_eq!(percentile(&h, 1.0), Some(Percentile::GeUs(1 << 22)));
        // Exactly at a boundary: rank 900 is the last of the first bucket.
        assert_eq!(percentile(&h, 0.9), Some(Percentile::LtUs(128)));
        assert_eq!(percentile(&h, 0.901), Some(Percentile::LtUs(1024)));
        assert_eq!(percentile(&[], 0.5), None);
        let empty = parse(&driver_text(0, &[0; 24])).unwrap();
        assert_eq!(
            percentile(empty.latency_histogram.as_ref().unwrap(), 0.5),
            None
        );
    }

    #[test]
    fn sums_and_differences() {
        let mut lat = [0u64; 24];
        lat[2] = 3;
        let a = parse(&driver_text(10, &lat)).unwrap();
        let b = parse(&driver_text(4, &lat)).unwrap();
        let t = Stats::sum([&a, &b]).unwrap();
        assert_eq!(t.reads, 14);
        assert_eq!(t.read_bytes, 14 * 4096);
        assert_eq!(t.check_conditions, 14);
        assert_eq!(
            t.errors_by_sense_key.as_ref().unwrap()["illegal_request"],
            14
        );
        assert_eq!(t.peak_outstanding, 9);
        assert_eq!(t.outstanding, 2);
        assert_eq!(t.completed(), Some(6));
        let d = t.since(&a);
        assert_eq!(d.reads, 4);
        assert_eq!(d.completed(), Some(3));
        // A sysfs-only member (no histogram, no per-key errors) makes the
        // sum's unknowns unknown rather than wrong.
        let partial = Stats {
            reads: 1,
            ..Stats::default()
        };
        let t = Stats::sum([&a, &partial]).unwrap();
        assert_eq!(t.reads, 11);
        assert!(t.latency_histogram.is_none());
        assert!(t.errors_by_sense_key.is_none());
        assert_eq!(t.other_commands, None);
    }
}
