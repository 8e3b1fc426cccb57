// SPDX-License-Identifier: GPL-2.0

//! The controller health check of the hardware adapters: every second, a
//! controller that reports a fault is counted, its host blocked, the
//! controller reset (commands still outstanding given back by the
//! driver's reset), and the host unblocked. Plus the `orion_faults` host
//! attribute that shows the count.

use crate::hw::{Periodic, PeriodicTask};
use crate::scsi::{Attribute, Host, HostOperations, HostRef};
use core::{fmt::Write, marker::PhantomData};
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

/// Health check period.
const PERIOD_MS: u32 = 1000;

/// A driver whose controller can fault and be reset.
pub(crate) trait Recoverable: HostOperations {
    /// Whether the controller reports a fault now.
    fn in_fault(host: &Self::HostData) -> bool;
    /// The host's fault count.
    fn faults(host: &Self::HostData) -> &Atomic<u32>;
    /// Resets the controller outside the error handler (the host is
    /// blocked); commands the midlayer timed out stay for the error handler.
    fn recover(shost: &HostRef<Self>) -> Result;
}

/// The periodic task of one host.
pub(crate) struct HealthCheck<T: Recoverable> {
    host: Arc<Host<T>>,
}

impl<T: Recoverable> PeriodicTask for HealthCheck<T> {
    fn run(&self) {
        let shost = self.host.get();
        if !T::in_fault(shost.data()) {
            return;
        }
        T::faults(shost.data()).fetch_add(1, Relaxed);
        dev_warn!(shost.as_dev(), "controller in FAULT, resetting it\n");
        if shost.block().is_err() {
            return;
        }
        match T::recover(shost) {
            Ok(()) => dev_info!(shost.as_dev(), "recovered from FAULT\n"),
            Err(e) => dev_err!(shost.as_dev(), "FAULT recovery failed: {:?}\n", e),
        }
        let _ = shost.unblock();
    }
}

/// Starts the health check of `host`; it stops when the box is dropped
/// (or with [`Periodic::stop`]).
pub(crate) fn start<T: Recoverable>(
    host: Arc<Host<T>>,
) -> Result<Pin<KBox<Periodic<HealthCheck<T>>>>> {
    Periodic::new(PERIOD_MS, HealthCheck { host })
}

/// The `orion_faults` host attribute of driver `T`.
pub(crate) struct FaultsAttribute<T>(PhantomData<T>);

impl<T: Recoverable> FaultsAttribute<T> {
    /// Faults the health check found.
    pub(crate) const ATTR: Attribute<T::HostData> = Attribute {
        name: c"orion_faults",
        show: |h, w| writeln!(w, "{}", T::faults(h).load(Relaxed)),
        store: None,
    };
}
