// SPDX-License-Identifier: GPL-2.0

//! Submission-to-completion latency for the statistics histogram: a clock
//! per host and a timestamp in every command's private data.

use kernel::{
    sync::atomic::{Atomic, Relaxed},
    time::{Instant, Monotonic},
};

/// A host's monotonic clock, in nanoseconds since the host was created.
pub struct Clock {
    epoch: Instant<Monotonic>,
}

impl Clock {
    /// Starts the clock.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since [`Clock::new`].
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos().max(0) as u64
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// When a command was submitted (the adapters' per-command data).
pub struct SubmitTime {
    ns: Atomic<u64>,
}

impl Default for SubmitTime {
    fn default() -> Self {
        Self { ns: Atomic::new(0) }
    }
}

impl SubmitTime {
    /// Records the submission.
    #[inline]
    pub fn mark(&self, clock: &Clock) {
        self.ns.store(clock.now_ns(), Relaxed);
    }

    /// Nanoseconds since the submission.
    #[inline]
    pub fn latency_ns(&self, clock: &Clock) -> u64 {
        clock.now_ns().saturating_sub(self.ns.load(Relaxed))
    }
}
