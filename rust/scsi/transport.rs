// SPDX-License-Identifier: GPL-2.0

//! What a transport class needs from the host's lifetime: objects it adds
//! under a host (SAS phys and ports) must be gone before the host is
//! removed, and none may be added or deleted by a driver handle once the
//! host's removal has taken them over.

use crate::bindings;
use kernel::sync::atomic::{Acquire, Atomic, Full, Relaxed, Release};

/// What [`super::Host::remove`] does for the template's transport class
/// before `scsi_remove_host`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransportTeardown {
    /// Nothing: the class keeps no objects of its own under the host (or
    /// `scsi_remove_host` removes them, as the SPI class's).
    None = 0,
    /// Delete the SAS ports (with their remote phys and targets), then the
    /// phys, that are still registered under the host (`sas_remove_host`
    /// without its `scsi_remove_host`).
    SasChildren = 1,
}

impl TransportTeardown {
    pub(crate) fn from_i32(v: i32) -> Self {
        if v == Self::SasChildren as i32 {
            Self::SasChildren
        } else {
            Self::None
        }
    }

    /// Runs the teardown.
    ///
    /// # Safety
    ///
    /// `shost` must be a live host that was added and not yet removed, in
    /// process context, after its [`TopologyGate`] was closed.
    pub(crate) unsafe fn run(self, shost: *mut bindings::Scsi_Host) {
        match self {
            Self::None => {}
            // SAFETY: The host is live and added (safety requirements);
            // with the gate closed no handle deletes or adds a SAS object
            // concurrently, so each is deleted once, ports (which unlink
            // their phys) before phys.
            Self::SasChildren => unsafe {
                bindings::sas_remove_children(&raw mut (*shost).shost_gendev)
            },
        }
    }
}

/// Set in [`TopologyGate::state`] once the gate is closed.
const GATE_CLOSED: i32 = 1 << 30;

/// Admits the driver's transport object operations (add, delete) on a host
/// until the host's removal closes it, and lets the removal wait for the
/// operations already admitted.
///
/// Operations never block on the gate, so one may run inside another (a
/// SCSI callback dropping a handle while a port is deleted) or inside the
/// removal's own teardown (where it is refused).
pub(crate) struct TopologyGate {
    /// [`GATE_CLOSED`], plus the number of operations admitted and not done.
    state: Atomic<i32>,
}

/// An admitted operation; dropping it ends the operation.
pub(crate) struct GateToken<'a>(&'a TopologyGate);

impl TopologyGate {
    pub(crate) const fn new() -> Self {
        Self {
            state: Atomic::new(0),
        }
    }

    /// Admits an operation; `None` once the gate is closed.
    pub(crate) fn enter(&self) -> Option<GateToken<'_>> {
        let mut s = self.state.load(Relaxed);
        loop {
            if s & GATE_CLOSED != 0 {
                return None;
            }
            let next = s.checked_add(1).filter(|n| n & GATE_CLOSED == 0)?;
            match self.state.cmpxchg(s, next, Full) {
                Ok(_) => return Some(GateToken(self)),
                Err(cur) => s = cur,
            }
        }
    }

    /// Closes the gate and waits until the operations admitted before have
    /// finished. Process context (it sleeps). Called once, by the host's
    /// removal, never under a token.
    pub(crate) fn close_and_wait(&self) {
        let mut s = self.state.load(Relaxed);
        while let Err(cur) = self.state.cmpxchg(s, s | GATE_CLOSED, Full) {
            s = cur;
        }
        // Rare (an add or delete racing the removal): poll rather than keep
        // a wait queue in every host, as `Host::remove` does.
        while self.state.load(Acquire) != GATE_CLOSED {
            kernel::time::delay::fsleep(kernel::time::Delta::from_millis(10));
        }
    }
}

impl Drop for GateToken<'_> {
    fn drop(&mut self) {
        // Release: the removal sees what the operation did.
        self.0.state.fetch_sub(1, Release);
    }
}
