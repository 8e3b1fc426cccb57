// SPDX-License-Identifier: GPL-2.0

//! Per-LUN I/O statistics (the performance monitor).
//!
//! Counters are per logical unit and lock-free (relaxed atomics), so the I/O
//! path never takes a shared lock; host totals are summed when read.

use crate::scsi::EhEvent;
use core::fmt;
use kernel::sync::atomic::{Atomic, Relaxed};

/// Kinds of command counted separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdKind {
    /// READ(6/10/12/16).
    Read,
    /// WRITE(6/10/12/16), WRITE SAME.
    Write,
    /// VERIFY, SYNCHRONIZE CACHE, UNMAP and other commands.
    Other,
}

/// The statistics kind of a CDB, by operation code.
#[inline]
pub fn classify(cdb: &[u8]) -> CmdKind {
    match cdb.first() {
        Some(0x08 | 0x28 | 0xa8 | 0x88) => CmdKind::Read,
        Some(0x0a | 0x2a | 0xaa | 0x8a | 0x41 | 0x93) => CmdKind::Write,
        _ => CmdKind::Other,
    }
}

/// Latency histogram buckets: bucket `i` counts latencies below 2^i us, the
/// last one everything longer.
pub const LATENCY_BUCKETS: usize = 24;

/// Counters of one logical unit.
pub struct IoStats {
    reads: Atomic<u64>,
    writes: Atomic<u64>,
    others: Atomic<u64>,
    read_bytes: Atomic<u64>,
    write_bytes: Atomic<u64>,
    errors_by_key: [Atomic<u64>; 16],
    outstanding: Atomic<u32>,
    peak_outstanding: Atomic<u32>,
    latency_us: [Atomic<u64>; LATENCY_BUCKETS],
    timeouts: Atomic<u64>,
    aborts: Atomic<u64>,
    resets: Atomic<u64>,
}

impl Default for IoStats {
    fn default() -> Self {
        Self::new()
    }
}

impl IoStats {
    /// All counters at zero.
    pub const fn new() -> Self {
        Self {
            reads: Atomic::new(0),
            writes: Atomic::new(0),
            others: Atomic::new(0),
            read_bytes: Atomic::new(0),
            write_bytes: Atomic::new(0),
            errors_by_key: [const { Atomic::new(0) }; 16],
            outstanding: Atomic::new(0),
            peak_outstanding: Atomic::new(0),
            latency_us: [const { Atomic::new(0) }; LATENCY_BUCKETS],
            timeouts: Atomic::new(0),
            aborts: Atomic::new(0),
            resets: Atomic::new(0),
        }
    }

    /// A command was accepted; returns the new number outstanding.
    /// Wrapping by design: counters never panic on the I/O path.
    #[inline]
    pub fn start(&self) -> u32 {
        let now = self.outstanding.fetch_add(1, Relaxed).wrapping_add(1);
        let mut peak = self.peak_outstanding.load(Relaxed);
        while now > peak {
            match self.peak_outstanding.cmpxchg(peak, now, Relaxed) {
                Ok(_) => break,
                Err(p) => peak = p,
            }
        }
        now
    }

    /// A command finished after `latency_ns`. A finish without a start
    /// (a driver bug) leaves the count at zero instead of wrapping.
    #[inline]
    pub fn finish(&self, latency_ns: u64) {
        let mut cur = self.outstanding.load(Relaxed);
        while let Some(next) = cur.checked_sub(1) {
            match self.outstanding.cmpxchg(cur, next, Relaxed) {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        let us = latency_ns / 1000;
        let bucket = (u64::BITS - us.leading_zeros()) as usize;
        if let Some(b) = self.latency_us.get(bucket.min(LATENCY_BUCKETS - 1)) {
            b.fetch_add(1, Relaxed);
        }
    }

    /// Counts a processed command of `kind` that moved `bytes`.
    #[inline]
    pub fn count(&self, kind: CmdKind, bytes: u64) {
        match kind {
            CmdKind::Read => {
                self.reads.fetch_add(1, Relaxed);
                self.read_bytes.fetch_add(bytes, Relaxed);
            }
            CmdKind::Write => {
                self.writes.fetch_add(1, Relaxed);
                self.write_bytes.fetch_add(bytes, Relaxed);
            }
            CmdKind::Other => {
                self.others.fetch_add(1, Relaxed);
            }
        }
    }

    /// Counts a command that ended with CHECK CONDITION and `sense_key`.
    pub fn error(&self, sense_key: u8) {
        if let Some(c) = self.errors_by_key.get(usize::from(sense_key & 0xf)) {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Counts an error-handling event of the LUN.
    pub fn eh_event(&self, event: EhEvent) {
        let counter = match event {
            EhEvent::Timeout => &self.timeouts,
            EhEvent::Abort => &self.aborts,
            EhEvent::Reset => &self.resets,
        };
        counter.fetch_add(1, Relaxed);
    }

    /// Resets the peak to the current number outstanding.
    pub fn reset_peak(&self) {
        self.peak_outstanding
            .store(self.outstanding.load(Relaxed), Relaxed);
    }

    /// A consistent-enough copy for reporting.
    pub fn snapshot(&self) -> StatsSnapshot {
        let mut s = StatsSnapshot {
            reads: self.reads.load(Relaxed),
            writes: self.writes.load(Relaxed),
            others: self.others.load(Relaxed),
            read_bytes: self.read_bytes.load(Relaxed),
            write_bytes: self.write_bytes.load(Relaxed),
            errors_by_key: [0; 16],
            outstanding: self.outstanding.load(Relaxed),
            peak_outstanding: self.peak_outstanding.load(Relaxed),
            latency_us: [0; LATENCY_BUCKETS],
            timeouts: self.timeouts.load(Relaxed),
            aborts: self.aborts.load(Relaxed),
            resets: self.resets.load(Relaxed),
        };
        for (d, c) in s.errors_by_key.iter_mut().zip(&self.errors_by_key) {
            *d = c.load(Relaxed);
        }
        for (d, c) in s.latency_us.iter_mut().zip(&self.latency_us) {
            *d = c.load(Relaxed);
        }
        s
    }
}

/// A copy of [`IoStats`], addable for host totals.
#[derive(Clone, Copy, Default)]
pub struct StatsSnapshot {
    /// READ commands.
    pub reads: u64,
    /// WRITE commands.
    pub writes: u64,
    /// Other commands.
    pub others: u64,
    /// Bytes read.
    pub read_bytes: u64,
    /// Bytes written.
    pub write_bytes: u64,
    /// CHECK CONDITIONs by sense key.
    pub errors_by_key: [u64; 16],
    /// Commands outstanding now.
    pub outstanding: u32,
    /// Most commands outstanding at once.
    pub peak_outstanding: u32,
    /// Latency histogram (see [`LATENCY_BUCKETS`]).
    pub latency_us: [u64; LATENCY_BUCKETS],
    /// Commands timed out and handed to the error handler.
    pub timeouts: u64,
    /// Aborts the error handler asked for.
    pub aborts: u64,
    /// Resets asked through the LUN (any scope).
    pub resets: u64,
}

const SENSE_KEY_NAMES: [&str; 16] = [
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

impl StatsSnapshot {
    /// Adds `other` into `self` (host totals; the peak is the largest LUN peak).
    pub fn add(&mut self, other: &StatsSnapshot) {
        self.reads += other.reads;
        self.writes += other.writes;
        self.others += other.others;
        self.read_bytes += other.read_bytes;
        self.write_bytes += other.write_bytes;
        for (a, b) in self.errors_by_key.iter_mut().zip(&other.errors_by_key) {
            *a += b;
        }
        self.outstanding += other.outstanding;
        self.peak_outstanding = self.peak_outstanding.max(other.peak_outstanding);
        for (a, b) in self.latency_us.iter_mut().zip(&other.latency_us) {
            *a += b;
        }
        self.timeouts = self.timeouts.saturating_add(other.timeouts);
        self.aborts = self.aborts.saturating_add(other.aborts);
        self.resets = self.resets.saturating_add(other.resets);
    }
}

impl fmt::Display for StatsSnapshot {
    /// `key value` lines, one metric per line, stable names for tools.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "reads {}", self.reads)?;
        writeln!(f, "writes {}", self.writes)?;
        writeln!(f, "other_commands {}", self.others)?;
        writeln!(f, "read_bytes {}", self.read_bytes)?;
        writeln!(f, "write_bytes {}", self.write_bytes)?;
        for (name, n) in SENSE_KEY_NAMES.iter().zip(&self.errors_by_key) {
            writeln!(f, "errors_{} {}", name, n)?;
        }
        writeln!(f, "outstanding {}", self.outstanding)?;
        writeln!(f, "peak_outstanding {}", self.peak_outstanding)?;
        for (i, n) in self.latency_us.iter().enumerate() {
            if i + 1 < LATENCY_BUCKETS {
                writeln!(f, "latency_us_lt_{} {}", 1u64 << i, n)?;
            } else {
                writeln!(f, "latency_us_ge_{} {}", 1u64 << (i - 1), n)?;
            }
        }
        writeln!(f, "timeouts {}", self.timeouts)?;
        writeln!(f, "aborts {}", self.aborts)?;
        writeln!(f, "resets {}", self.resets)?;
        Ok(())
    }
}
