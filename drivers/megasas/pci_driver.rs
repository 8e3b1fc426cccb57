// SPDX-License-Identifier: GPL-2.0

//! The PCI driver: binds `megasas` (1000:0060) and `megasas-gen2`
//! (1000:0079), brings the controller up, creates its SCSI host, wires the
//! interrupt and a health check, and tears everything down in order.

use super::controller::{Controller, Model};
use super::host::{MegasasHost, MegasasOps, STATICS};
use super::regs::{Regs, REGS_SIZE};
use crate::common::{
    hba_bind::{HbaBinding, HbaInterrupt},
    hba_host::{HbaConfig, HbaHost},
};
use crate::dma::set_dma_masks;
use crate::hw::pci_shutdown::ShutdownDriver;
use crate::scsi::{Host, HostConfig, HostRef};
use kernel::{device::Core, dma::DmaMask, pci, prelude::*, sync::Arc, ThisModule};

impl HbaInterrupt for MegasasOps {
    fn claim_intx(host: &MegasasHost) -> bool {
        // A shared line: only claim interrupts this controller raised.
        let ctrl = &host.ctrl;
        let osts = ctrl.regs().read(super::mfi::regs::OSTS);
        if osts == u32::MAX || osts & ctrl.model.osts_reply() == 0 {
            return false;
        }
        ctrl.regs().write(super::mfi::regs::ODCR0, osts);
        true
    }

    fn drain(shost: &HostRef<Self>) {
        let data = shost.data();
        data.ctrl.drain_replies(|idx| data.complete(shost, idx));
    }

    fn enable_interrupts(host: &MegasasHost) {
        host.ctrl.enable_interrupts();
    }
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
    type Data<'bound> = HbaBinding<'bound, MegasasOps>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev, info.copied())
    }

    fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Flush and shut the firmware down once the host is gone.
        this.stop(|shost| shost.data().ctrl.shutdown());
    }
}

impl ShutdownDriver for MegasasDriver {
    /// Reboot or power-off: the disks' caches were synchronised by sd
    /// first; the controller's own cache is flushed and its firmware shut
    /// down, as `megaraid_sas` does. The host stays registered.
    fn shutdown<'bound>(pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        this.shutdown(|shost| shost.data().ctrl.shutdown());
        dev_info!(pdev.as_ref(), "shutdown: cache flushed, firmware stopped\n");
    }
}

fn probe<'bound>(
    pdev: &'bound pci::Device<Core<'_>>,
    model: Option<Model>,
) -> Result<HbaBinding<'bound, MegasasOps>> {
    let model = model.ok_or(ENODEV)?;
    let cfg = STATICS.config()?;
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
        nr_poll_queues: 0,
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
        hba: HbaHost::new(&cfg, ctrl.can_queue)?,
        ctrl,
    };
    let host = Arc::new(
        Host::new_with(&STATICS.template, &host_cfg, Some(pdev.as_ref()), data)?,
        GFP_KERNEL,
    )?;
    HbaBinding::start(pdev, host, cfg.irq, c"orion_megasas")
}

/// The registered PCI driver (module lifetime).
pub(crate) type Registration = crate::hw::pci_shutdown::Registration<MegasasDriver>;

/// Template defaults; every host sets its own limits from the firmware.
const TEMPLATE_DEFAULTS: HostConfig = HostConfig {
    max_id: 64,
    max_lun: 1,
    ..HostConfig::DEFAULT
};

/// Stores the configuration, fills the template, then registers the driver.
pub(crate) fn register(
    cfg: HbaConfig,
    module: &'static ThisModule,
) -> Result<Pin<KBox<Registration>>> {
    let (driver, ()) = STATICS.register::<crate::hw::pci_shutdown::Adapter<MegasasDriver>, _>(
        cfg,
        module,
        c"orion_scsi MegaRAID SAS (MFI)",
        c"orion_megasas",
        &TEMPLATE_DEFAULTS,
        |_| Ok(()),
    )?;
    Ok(driver)
}
