// SPDX-License-Identifier: GPL-2.0

//! Controller resets of the PCI HBA drivers: the reset that gives back the
//! commands still outstanding, and the health check that runs it: every
//! second, a controller that reports a fault is counted, its host blocked,
//! the controller reset and the host unblocked. Plus the `orion_faults`
//! host attribute that shows the count.

use super::hba_bind::HbaInterrupt;
use super::hba_host::{HbaController, HbaOps};
use crate::hw::{Periodic, PeriodicTask};
use crate::scsi::{Attribute, CmdStatus, EhContext, EhResult, Host, HostByte, HostRef};
use core::{fmt::Write, marker::PhantomData};
use kernel::{
    prelude::*,
    sync::{atomic::Relaxed, Arc},
};

/// Health check period.
const PERIOD_MS: u32 = 1000;

/// Resets the controller of `shost`. Commands still outstanding once it
/// stopped are given back: completed with DID_RESET (the midlayer retries
/// them at once), or, those the midlayer timed out, handed to the error
/// handler. Without `eh` (health check) timed-out commands stay parked for
/// the error handler, whose abort then finds their slots free.
/// Not after the controller was shut down (`ENODEV`).
pub(crate) fn reset<T: HbaOps>(shost: &HostRef<T>, eh: Option<&EhContext>) -> Result {
    let data = T::hba_data(shost.data());
    data.hba.resetting(|| {
        data.ctrl
            .reset(|| shost.give_back_parked(eh, CmdStatus::host(HostByte::Reset)))
    })
}

/// An error handler reset callback: resets the controller (the driver
/// has no finer reset for the `what` level).
pub(crate) fn eh_reset<T: HbaOps>(shost: &HostRef<T>, eh: &EhContext, what: &str) -> EhResult {
    dev_info!(shost.as_dev(), "{} reset: resetting the controller\n", what);
    match reset(shost, Some(eh)) {
        Ok(()) => {
            dev_info!(shost.as_dev(), "controller reset done, I/O resumes\n");
            EhResult::Success
        }
        Err(e) => {
            dev_err!(shost.as_dev(), "controller reset failed: {:?}\n", e);
            EhResult::Failed
        }
    }
}

/// The periodic task of one host.
pub(crate) struct HealthCheck<T: HbaInterrupt> {
    host: Arc<Host<T>>,
}

impl<T: HbaInterrupt> PeriodicTask for HealthCheck<T> {
    fn run(&self) {
        self.check(self.host.get());
    }
}

impl<T: HbaInterrupt> HealthCheck<T> {
    /// Recovers a controller that reports a fault.
    fn check(&self, shost: &HostRef<T>) {
        if !T::hba_data(shost.data()).ctrl.in_fault() {
            return;
        }
        T::hba(shost.data()).faults.fetch_add(1, Relaxed);
        dev_warn!(shost.as_dev(), "controller in FAULT, resetting it\n");
        if shost.block().is_err() {
            return;
        }
        match reset(shost, None) {
            Ok(()) => dev_info!(shost.as_dev(), "recovered from FAULT\n"),
            Err(e) => dev_err!(shost.as_dev(), "FAULT recovery failed: {:?}\n", e),
        }
        let _ = shost.unblock();
    }
}

/// Starts the health check of `host`; it stops when the box is dropped
/// (or with [`Periodic::stop`]).
pub(crate) fn start<T: HbaInterrupt>(
    host: Arc<Host<T>>,
) -> Result<Pin<KBox<Periodic<HealthCheck<T>>>>> {
    Periodic::new(PERIOD_MS, HealthCheck { host })
}

/// The `orion_faults` host attribute of driver `T`.
pub(crate) struct FaultsAttribute<T>(PhantomData<T>);

impl<T: HbaOps> FaultsAttribute<T> {
    /// Faults the health check found.
    pub(crate) const ATTR: Attribute<T::HostData> = Attribute {
        name: c"orion_faults",
        show: |h, w| writeln!(w, "{}", T::hba(h).faults.load(Relaxed)),
        store: None,
    };
}
