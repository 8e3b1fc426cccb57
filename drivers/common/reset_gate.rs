// SPDX-License-Identifier: GPL-2.0

//! The gate between `queue_command` and a controller reset: a reset closes
//! it and waits for the commands already in their posting section, so no
//! frame reaches the controller while it is reset and re-initialised;
//! commands that find the gate closed are requeued by the caller.
//!
//! Dekker-style: each side publishes its own flag (fully ordered) before it
//! reads the other's, so either the poster sees the reset or the reset
//! waits for the poster.

use kernel::{
    sync::atomic::{Atomic, Full, Relaxed, Release},
    time::{delay::fsleep, Delta},
};

/// The gate of one controller.
pub(crate) struct ResetGate {
    resetting: Atomic<i32>,
    /// `queue_command`s between their [`Self::begin_submit`] and the end
    /// of their post.
    submitting: Atomic<i32>,
}

/// A `queue_command` that may post: a reset waits until it is dropped.
pub(crate) struct SubmitGuard<'a>(&'a ResetGate);

impl Drop for SubmitGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.submitting.fetch_sub(1, Full);
    }
}

/// A closed gate: the reset runs while it lives; dropping it reopens.
pub(crate) struct Closed<'a>(&'a ResetGate);

impl Closed<'_> {
    /// Whether this closes `gate`.
    pub(crate) fn is_of(&self, gate: &ResetGate) -> bool {
        core::ptr::eq(self.0, gate)
    }
}

impl Drop for Closed<'_> {
    fn drop(&mut self) {
        self.0.resetting.store(0, Release);
    }
}

impl ResetGate {
    /// An open gate.
    pub(crate) const fn new() -> Self {
        Self {
            resetting: Atomic::new(0),
            submitting: Atomic::new(0),
        }
    }

    /// Enters the posting section; `None` while a reset runs.
    #[inline]
    pub(crate) fn begin_submit(&self) -> Option<SubmitGuard<'_>> {
        // Fully ordered: the load below cannot pass it.
        self.submitting.fetch_add(1, Full);
        let guard = SubmitGuard(self);
        if self.resetting.load(Relaxed) != 0 {
            return None;
        }
        Some(guard)
    }

    /// Whether a reset runs.
    pub(crate) fn is_resetting(&self) -> bool {
        self.resetting.load(Relaxed) != 0
    }

    /// Closes the gate and waits for the posters inside. The caller
    /// serialises resets (this does not nest). Posting sections never
    /// sleep, so the wait is short.
    pub(crate) fn close(&self) -> Closed<'_> {
        // Fully ordered: the loads below cannot pass it.
        self.resetting.xchg(1, Full);
        while self.submitting.load(Relaxed) != 0 {
            fsleep(Delta::from_micros(50));
        }
        Closed(self)
    }
}
