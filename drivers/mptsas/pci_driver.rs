// SPDX-License-Identifier: GPL-2.0

//! The PCI driver: binds the LSI SAS1068 (1000:0054, QEMU `mptsas1068`),
//! brings the IOC up, creates its SCSI host, wires the interrupt and the
//! health check, and tears everything down in order.

use super::host::{MptsasHost, MptsasOps, STATICS};
use super::ioc::Ioc;
use super::mpi::regs as r;
use super::regs::{Regs, BAR};
use super::sas::TRANSPORT;
use crate::common::{
    hba_bind::{HbaBinding, HbaInterrupt},
    hba_host::{HbaConfig, HbaHost},
};
use crate::dma::set_dma_masks;
use crate::hw::pci_shutdown::ShutdownDriver;
use crate::scsi::{sas::SasRegistration, Host, HostConfig, HostRef};
use kernel::{device::Core, dma::DmaMask, pci, prelude::*, sync::Arc, ThisModule};

impl HbaInterrupt for MptsasOps {
    fn claim_intx(host: &MptsasHost) -> bool {
        // With MSI the IOC signals on every reply while one is pending; on
        // a shared line, only claim what this IOC raised (the reply FIFO
        // read that finds it empty clears the bit).
        let his = host.ctrl.regs().read(r::HOST_INTERRUPT_STATUS);
        his != u32::MAX && his & r::HIS_REPLY != 0
    }

    fn drain(shost: &HostRef<Self>) {
        let data = shost.data();
        data.ctrl
            .drain_replies(|idx, reply| data.complete(shost, idx, reply));
    }

    fn enable_interrupts(host: &MptsasHost) {
        host.ctrl.enable_interrupts();
    }

    /// No midlayer scan: the end devices read from the IOC's pages are
    /// registered with the SAS class, which scans each.
    fn discover(shost: &HostRef<Self>) {
        shost.data().ctrl.sas.refresh(shost, true);
    }

    /// What an IOC reset left to register, from the pages again.
    const MAINTAIN: Option<fn(&HostRef<Self>)> =
        Some(|shost| shost.data().ctrl.sas.maintain(shost));
}

pub(crate) struct MptsasDriver;

kernel::pci_device_table!(
    PCI_TABLE,
    <MptsasDriver as pci::Driver>::IdInfo,
    [(pci::DeviceId::from_id(pci::Vendor::LSI_LOGIC, 0x0054), ())]
);

impl pci::Driver for MptsasDriver {
    type IdInfo = ();
    type Data<'bound> = HbaBinding<'bound, MptsasOps>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev)
    }

    fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // Nothing to flush: the IOC is reset when the host data drops.
        this.stop(|_| ());
    }
}

impl ShutdownDriver for MptsasDriver {
    /// Reboot or power-off: the disks' caches were synchronised by sd
    /// first; the IOC is stopped (`Ioc::shutdown`). The host stays
    /// registered.
    fn shutdown<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        this.shutdown(|shost| shost.data().ctrl.shutdown());
    }
}

fn probe<'bound>(pdev: &'bound pci::Device<Core<'_>>) -> Result<HbaBinding<'bound, MptsasOps>> {
    let cfg = STATICS.config()?;
    pdev.enable_device_mem()?;
    pdev.set_master();
    // Data anywhere; frames, replies and sense below 4 GiB, where their
    // shared high dwords (IOC_INIT) are 0.
    set_dma_masks(pdev, DmaMask::new::<64>(), DmaMask::new::<32>())?;
    let bar = pdev
        .iomap_region_sized::<{ r::REGS_SIZE }>(BAR, c"orion_mptsas")?
        .into_devres()?;
    let ioc = Ioc::new(pdev.as_ref(), Regs::new(bar))?;
    let lim = ioc.limits;
    let host_cfg = HostConfig {
        can_queue: lim.can_queue,
        cmd_per_lun: cfg.queue_depth.min(lim.can_queue) as u16,
        sg_tablesize: u16::try_from(lim.sg_tablesize).unwrap_or(u16::MAX),
        max_sectors: lim.max_sectors,
        max_segment_size: super::mpi::sgl::SGE_MAX_LEN,
        dma_boundary: u64::from(u32::MAX),
        host_tagset: false,
        nr_hw_queues: 1,
        nr_poll_queues: 0,
        // The SAS class numbers targets from 0 and never reuses an id;
        // the midlayer skips `this_id` and ids from `max_id` on.
        this_id: -1,
        max_id: u32::MAX,
        max_lun: LUNS,
        max_channel: 0,
        max_cmd_len: 16,
    };
    dev_info!(
        pdev.as_ref(),
        "SAS1068 IOC (MPI {:#06x}, firmware {:#010x}) OPERATIONAL: {} commands, {} SG entries, {} sectors per I/O, {} targets\n",
        ioc.facts.msg_version,
        ioc.facts.fw_version,
        lim.can_queue,
        lim.sg_tablesize,
        lim.max_sectors,
        ioc.max_devices
    );
    let data = MptsasHost {
        hba: HbaHost::new(&cfg, lim.can_queue)?,
        ctrl: ioc,
    };
    let host = Arc::new(
        Host::new_with(&STATICS.template, &host_cfg, Some(pdev.as_ref()), data)?,
        GFP_KERNEL,
    )?;
    HbaBinding::start(pdev, host, cfg.irq, c"orion_mptsas")
}

/// LUNs per target QEMU's IOC addresses (0 and 1).
const LUNS: u64 = 2;

/// The registered PCI driver and SAS transport (module lifetime). Fields
/// drop in order: the driver (its hosts go), then the transport.
pub(crate) struct Registration {
    _driver: Pin<KBox<crate::hw::pci_shutdown::Registration<MptsasDriver>>>,
    _transport: SasRegistration<MptsasOps>,
}

/// Template defaults; every host sets its own limits from the IOC.
const TEMPLATE_DEFAULTS: HostConfig = HostConfig {
    this_id: -1,
    max_id: u32::MAX,
    max_lun: LUNS,
    ..HostConfig::DEFAULT
};

/// Stores the configuration, fills the template, attaches the SAS
/// transport, then registers the driver.
pub(crate) fn register(
    cfg: HbaConfig,
    module: &'static ThisModule,
) -> Result<Pin<KBox<Registration>>> {
    let (driver, transport) = STATICS
        .register::<crate::hw::pci_shutdown::Adapter<MptsasDriver>, _>(
            cfg,
            module,
            c"orion_scsi LSI SAS1068 (Fusion-MPT)",
            c"orion_mptsas",
            &TEMPLATE_DEFAULTS,
            |template| TRANSPORT.attach(template),
        )?;
    Ok(KBox::pin(
        Registration {
            _driver: driver,
            _transport: transport,
        },
        GFP_KERNEL,
    )?)
}
