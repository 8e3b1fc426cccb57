// SPDX-License-Identifier: GPL-2.0

//! The PCI driver: binds `megasas` (1000:0060) and `megasas-gen2`
//! (1000:0079), brings the controller up, creates its SCSI host, wires the
//! interrupt and a health check, and tears everything down in order.

use super::controller::{Controller, Model};
use super::host::{MegasasHost, MegasasOps, TEMPLATE};
use super::regs::{Regs, REGS_SIZE};
use crate::common::{
    health::{self, HealthCheck},
    irq::{request_irq, IrqChoice},
};
use crate::dma::set_dma_masks;
use crate::hw::{PciIrq, Periodic};
use crate::scsi::{Host, HostConfig};
use kernel::{
    device::Core,
    dma::DmaMask,
    irq::{Handler, IrqReturn},
    pci,
    prelude::*,
    sync::{atomic::Relaxed, Arc},
    ThisModule,
};

/// Settings from the module parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MegasasConfig {
    /// Interrupt kinds to try, in order.
    pub(crate) irq: IrqChoice,
    pub(crate) queue_depth: u32,
    pub(crate) max_queue_depth: u32,
}

static CONFIG: kernel::sync::SetOnce<MegasasConfig> = kernel::sync::SetOnce::new();

/// Interrupt handler: consumes the reply ring.
struct MegasasIrq {
    host: Arc<Host<MegasasOps>>,
    intx: bool,
}

impl Handler for MegasasIrq {
    fn handle(&self) -> IrqReturn {
        let shost = self.host.get();
        let data = shost.data();
        let ctrl = &data.ctrl;
        if self.intx {
            // A shared line: only claim interrupts this controller raised.
            let osts = ctrl.regs().read(super::mfi::regs::OSTS);
            if osts == u32::MAX || osts & ctrl.model.osts_reply() == 0 {
                return IrqReturn::None;
            }
            ctrl.regs().write(super::mfi::regs::ODCR0, osts);
        }
        ctrl.stats.hba.interrupts.fetch_add(1, Relaxed);
        ctrl.drain_replies(|idx| data.complete(shost, idx));
        IrqReturn::Handled
    }
}

/// A bound controller. Fields drop in order: health check, interrupt, host.
pub(crate) struct MegasasDevice<'bound> {
    watchdog: Pin<KBox<Periodic<HealthCheck<MegasasOps>>>>,
    irq: PciIrq<'bound, MegasasIrq>,
    host: Arc<Host<MegasasOps>>,
}

pub(crate) struct MegasasDriver;

kernel::pci_device_table!(
    PCI_TABLE,
    <MegasasDriver as pci::Driver>::IdInfo,
    [
        (
            pci::DeviceId::from_id(pci::Vendor::LSI_LOGIC, 0x0060),
            Model::Sas1078
        ),
        (
            pci::DeviceId::from_id(pci::Vendor::LSI_LOGIC, 0x0079),
            Model::Sas2108
        ),
    ]
);

impl pci::Driver for MegasasDriver {
    type IdInfo = Model;
    type Data<'bound> = MegasasDevice<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev, info.copied())
    }

    fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // With the interrupt still live: stop the health check, remove the
        // host (waits for outstanding commands), then flush and shut the
        // firmware down. Drop frees the interrupt and the host data.
        this.watchdog.stop();
        this.host.remove();
        this.host.get().data().ctrl.shutdown();
        this.irq.synchronize();
    }
}

fn probe<'bound>(
    pdev: &'bound pci::Device<Core<'_>>,
    model: Option<Model>,
) -> Result<MegasasDevice<'bound>> {
    let model = model.ok_or(ENODEV)?;
    let cfg = CONFIG.as_ref().copied().ok_or(ENODEV)?;
    pdev.enable_device_mem()?;
    pdev.set_master();
    // Streaming DMA anywhere; frames and rings below 4 GiB so a frame is
    // posted with a single IQP write.
    set_dma_masks(pdev, DmaMask::new::<64>(), DmaMask::new::<32>())?;
    let bar_index = match model {
        Model::Sas1078 => 0,
        Model::Sas2108 => 1,
    };
    let bar = pdev
        .iomap_region_sized::<REGS_SIZE>(bar_index, c"orion_megasas")?
        .into_devres()?;
    let ctrl = Controller::new(pdev.as_ref(), Regs::new(bar), model)?;
    let host_cfg = HostConfig {
        can_queue: ctrl.can_queue,
        cmd_per_lun: cfg.queue_depth.min(ctrl.can_queue) as u16,
        sg_tablesize: ctrl.max_sge,
        max_sectors: ctrl.max_sectors,
        max_segment_size: u32::MAX,
        dma_boundary: u64::from(u32::MAX),
        host_tagset: false,
        nr_hw_queues: 1,
        this_id: -1,
        max_id: 64,
        max_lun: 1,
        max_channel: 0,
        max_cmd_len: 16,
    };
    dev_info!(
        pdev.as_ref(),
        "{} firmware ready: {} commands, {} SG entries, {} sectors per I/O, {} logical drive(s)\n",
        model.name(),
        ctrl.can_queue,
        ctrl.max_sge,
        ctrl.max_sectors,
        ctrl.ld_count()
    );
    let data = MegasasHost {
        ctrl,
        queue_depth: cfg.queue_depth,
        max_queue_depth: cfg.max_queue_depth,
        irq_mode: kernel::sync::SetOnce::new(),
        clock: crate::common::latency::Clock::new(),
        stats: crate::common::host_stats::HostStats::new()?,
    };
    let host = Arc::new(
        Host::new_with(&TEMPLATE, &host_cfg, Some(pdev.as_ref()), data)?,
        GFP_KERNEL,
    )?;
    let irq = request_irq(pdev, cfg.irq, c"orion_megasas", |intx| MegasasIrq {
        host: host.clone(),
        intx,
    })?;
    let shost = host.get();
    shost.data().stats.attach(shost.host_no());
    let _ = shost.data().irq_mode.populate(irq.mode());
    shost.data().ctrl.enable_interrupts();
    dev_info!(
        pdev.as_ref(),
        "host{}: {} interrupt\n",
        shost.host_no(),
        irq.mode().name()
    );
    let watchdog = health::start(host.clone())?;
    shost.scan();
    Ok(MegasasDevice {
        watchdog,
        irq,
        host,
    })
}

/// The registered PCI driver (module lifetime).
pub(crate) type Registration = kernel::driver::Registration<pci::Adapter<MegasasDriver>>;

/// Template defaults; every host sets its own limits from the firmware.
const TEMPLATE_DEFAULTS: HostConfig = HostConfig {
    max_id: 64,
    max_lun: 1,
    ..HostConfig::DEFAULT
};

/// Stores the configuration, fills the template, then registers the driver.
pub(crate) fn register(
    cfg: MegasasConfig,
    module: &'static ThisModule,
) -> Result<Pin<KBox<Registration>>> {
    // A module instance sets it once (statics are new on every load).
    let _ = CONFIG.populate(cfg);
    TEMPLATE.init(
        module,
        c"orion_scsi MegaRAID SAS (MFI)",
        c"orion_megasas",
        &TEMPLATE_DEFAULTS,
    )?;
    KBox::pin_init(Registration::new(c"orion_megasas", module), GFP_KERNEL)
}
