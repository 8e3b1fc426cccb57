// SPDX-License-Identifier: GPL-2.0

//! What binds a PCI HBA's SCSI host to its device, shared by the MegaRAID
//! and Fusion-MPT drivers: the interrupt handler (on a shared INTx line it
//! first asks the controller whether it raised the interrupt), the
//! interrupt set-up with fallback, the health check, the driver's upkeep
//! work, the scan, the teardown order of unbind, and the driver's
//! registration.

use super::{
    hba_host::{HbaConfig, HbaController, HbaOps},
    health::{self, HealthCheck},
    irq::{request_irq, IrqChoice},
};
use crate::hw::{PciIrq, Periodic, PeriodicTask};
use crate::scsi::{Host, HostConfig, HostOperations, HostRef, Template};
use kernel::{
    device::Bound,
    driver::{Registration, RegistrationOps},
    irq::{Handler, IrqReturn},
    pci,
    prelude::*,
    sync::{atomic::Relaxed, Arc, SetOnce},
    ThisModule,
};

/// A driver whose controller interrupts on completions.
pub(crate) trait HbaInterrupt: HbaOps {
    /// On a shared INTx line: whether this controller raised the
    /// interrupt (acknowledging it if the controller wants that).
    fn claim_intx(host: &Self::HostData) -> bool;
    /// Consumes the completions the controller reported.
    fn drain(shost: &HostRef<Self>);
    /// Lets the controller interrupt (after the handler is registered).
    fn enable_interrupts(host: &Self::HostData);
    /// Finds the host's devices at the end of probe (interrupts live):
    /// the midlayer's scan unless the driver registers them itself (a SAS
    /// HBA adds its end devices, which scans them).
    fn discover(shost: &HostRef<Self>) {
        shost.scan();
    }
    /// The driver's own upkeep (e.g. what a reset left to do), if it has
    /// any: run every [`UPKEEP_PERIOD_MS`] in process context, on a work
    /// item of its own, so it may take long (a scan) without delaying the
    /// health check's fault detection.
    const MAINTAIN: Option<fn(&HostRef<Self>)> = None;
}

/// Period of [`HbaInterrupt::MAINTAIN`].
pub(crate) const UPKEEP_PERIOD_MS: u32 = 1000;

/// The upkeep work of one host.
pub(crate) struct Upkeep<T: HbaInterrupt> {
    host: Arc<Host<T>>,
}

impl<T: HbaInterrupt> PeriodicTask for Upkeep<T> {
    fn run(&self) {
        if let Some(maintain) = T::MAINTAIN {
            maintain(self.host.get());
        }
    }
}

/// The interrupt handler of one host.
pub(crate) struct HbaIrq<T: HbaInterrupt> {
    host: Arc<Host<T>>,
    intx: bool,
}

impl<T: HbaInterrupt> Handler for HbaIrq<T> {
    fn handle(&self) -> IrqReturn {
        let shost = self.host.get();
        if self.intx && !T::claim_intx(shost.data()) {
            return IrqReturn::None;
        }
        let counters = T::hba_data(shost.data()).ctrl.counters();
        counters.interrupts.fetch_add(1, Relaxed);
        T::drain(shost);
        IrqReturn::Handled
    }
}

/// A bound controller. Fields drop in order: upkeep, health check,
/// interrupt, host.
pub(crate) struct HbaBinding<'bound, T: HbaInterrupt> {
    upkeep: Option<Pin<KBox<Periodic<Upkeep<T>>>>>,
    health: Pin<KBox<Periodic<HealthCheck<T>>>>,
    irq: PciIrq<'bound, HbaIrq<T>>,
    host: Arc<Host<T>>,
}

impl<'bound, T: HbaInterrupt> HbaBinding<'bound, T> {
    /// The end of probe for `host` (added, controller ready, interrupts
    /// masked): the interrupt (first kind of `choice` that works), the
    /// statistics directory, interrupts on, the health check, the scan
    /// ([`HbaInterrupt::discover`]), with the upkeep started before it.
    pub(crate) fn start(
        pdev: &'bound pci::Device<Bound>,
        host: Arc<Host<T>>,
        choice: IrqChoice,
        name: &'static CStr,
    ) -> Result<Self> {
        let irq = request_irq(pdev, choice, name, |intx| HbaIrq {
            host: host.clone(),
            intx,
        })?;
        let shost = host.get();
        let hba = T::hba(shost.data());
        hba.stats.attach(shost.host_no());
        let _ = hba.irq_mode.populate(irq.mode());
        T::enable_interrupts(shost.data());
        dev_info!(
            pdev.as_ref(),
            "host{}: {} interrupt\n",
            shost.host_no(),
            irq.mode().name()
        );
        let health = health::start(host.clone())?;
        // Before the scan: a failure after it would tear the interrupt
        // down under the found devices.
        let upkeep = match T::MAINTAIN {
            Some(_) => Some(Periodic::new(
                UPKEEP_PERIOD_MS,
                Upkeep { host: host.clone() },
            )?),
            None => None,
        };
        T::discover(shost);
        Ok(Self {
            upkeep,
            health,
            irq,
            host,
        })
    }

    /// Unbind, with the interrupt still live: stop the upkeep and the
    /// health check, remove the host (waits for outstanding commands), let
    /// `quiesce` stop the controller, wait for a running handler. Drop
    /// then frees the interrupt and the host data.
    pub(crate) fn stop(&self, quiesce: impl FnOnce(&HostRef<T>)) {
        self.stop_work();
        self.host.remove();
        quiesce(self.host.get());
        self.irq.synchronize();
    }

    /// The PCI `shutdown` callback (reboot, power-off): the host stays
    /// registered and no unbind follows. Stop the upkeep and the health
    /// check, mark the host shut down and let `quiesce` stop the
    /// controller (after any reset in progress; none starts after), wait
    /// for a running handler.
    pub(crate) fn shutdown(&self, quiesce: impl FnOnce(&HostRef<T>)) {
        self.stop_work();
        let shost = self.host.get();
        T::hba(shost.data()).shut_down(|| quiesce(shost));
        self.irq.synchronize();
    }

    /// Stops the upkeep and the health check (waits for a running one).
    fn stop_work(&self) {
        if let Some(u) = &self.upkeep {
            u.stop();
        }
        self.health.stop();
    }
}

/// The module-lifetime parts of an HBA driver: its host template (hosts
/// and their devices can outlive the PCI binding) and the settings its
/// probe reads.
pub(crate) struct HbaStatics<T: HostOperations> {
    pub(crate) template: Template<T>,
    config: SetOnce<HbaConfig>,
}

impl<T: HostOperations> HbaStatics<T> {
    pub(crate) const fn new() -> Self {
        Self {
            template: Template::new(),
            config: SetOnce::new(),
        }
    }

    /// The settings stored by [`Self::register`].
    pub(crate) fn config(&self) -> Result<HbaConfig> {
        self.config.as_ref().copied().ok_or(ENODEV)
    }

    /// Stores `cfg`, fills the template (`name`, `proc_name`, `defaults`),
    /// lets `attach` attach a transport to it (its result is returned
    /// with the registration) and registers the driver with registration
    /// adapter `A` (a PCI driver's, with or without the `shutdown`
    /// callback) as `proc_name`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn register<A: RegistrationOps + 'static, X>(
        &'static self,
        cfg: HbaConfig,
        module: &'static ThisModule,
        name: &'static CStr,
        proc_name: &'static CStr,
        defaults: &HostConfig,
        attach: impl FnOnce(&'static Template<T>) -> Result<X>,
    ) -> Result<(Pin<KBox<Registration<A>>>, X)> {
        // A module instance sets it once (statics are new on every load).
        let _ = self.config.populate(cfg);
        self.template.init(module, name, proc_name, defaults)?;
        let attached = attach(&self.template)?;
        let driver = KBox::pin_init(Registration::new(proc_name, module), GFP_KERNEL)?;
        Ok((driver, attached))
    }
}
