// SPDX-License-Identifier: GPL-2.0

//! The PCI driver: binds `lsi53c895a` (1000:0012) and `lsi53c810`
//! (1000:0001), brings the chip up with the SCRIPTS in its RAM, creates the
//! SCSI host (an SPI host) and wires the interrupt (INTx, shared).

use super::chip::Chip;
use super::host::{LsiHost, LsiOps, LsiSettings, TEMPLATE, TRANSPORT};
use super::scripts::{
    layout::{self as l, SLOTS},
    regs::{REGS_SIZE, SCRIPTS_RAM_SIZE},
};
use super::window::Window;
use crate::dma::set_dma_masks;
use crate::hw::{IrqMode, PciIrq};
use crate::scsi::{spi::SpiRegistration, Host, HostConfig};
use kernel::{
    device::Core,
    dma::DmaMask,
    io::Io,
    irq::{Handler, IrqReturn},
    pci,
    prelude::*,
    sync::Arc,
    ThisModule,
};

/// Settings from the module parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LsiConfig {
    pub(crate) settings: LsiSettings,
}

static CONFIG: kernel::sync::SetOnce<LsiConfig> = kernel::sync::SetOnce::new();

/// The chip model, from the PCI id.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Model {
    Lsi53c895a,
    Lsi53c810,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::Lsi53c895a => "53C895A",
            Model::Lsi53c810 => "53C810",
        }
    }
}

/// Interrupt handler.
struct LsiIrq {
    host: Arc<Host<LsiOps>>,
}

impl Handler for LsiIrq {
    fn handle(&self) -> IrqReturn {
        let shost = self.host.get();
        if shost.data().interrupt(shost) {
            IrqReturn::Handled
        } else {
            IrqReturn::None
        }
    }
}

/// A bound chip. Fields drop in order: interrupt, then host.
pub(crate) struct LsiDevice<'bound> {
    irq: PciIrq<'bound, LsiIrq>,
    host: Arc<Host<LsiOps>>,
}

pub(crate) struct LsiDriver;

kernel::pci_device_table!(
    PCI_TABLE,
    <LsiDriver as pci::Driver>::IdInfo,
    [
        (
            pci::DeviceId::from_id(pci::Vendor::LSI_LOGIC, 0x0012),
            Model::Lsi53c895a
        ),
        (
            pci::DeviceId::from_id(pci::Vendor::LSI_LOGIC, 0x0001),
            Model::Lsi53c810
        ),
    ]
);

impl pci::Driver for LsiDriver {
    type IdInfo = Model;
    type Data<'bound> = LsiDevice<'bound>;

    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(pdev, info.copied())
    }

    fn unbind<'bound>(_pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        // With the interrupt live, remove the host (waits for outstanding
        // commands), then stop the chip.
        this.host.remove();
        this.host.get().data().chip.stop();
        this.irq.synchronize();
    }
}

/// PCI config space offset of BAR2 (the SCRIPTS RAM).
const PCI_BAR2: usize = 0x18;

fn probe<'bound>(
    pdev: &'bound pci::Device<Core<'_>>,
    model: Option<Model>,
) -> Result<LsiDevice<'bound>> {
    let model = model.ok_or(ENODEV)?;
    let cfg = CONFIG.as_ref().copied().ok_or(ENODEV)?;
    pdev.enable_device_mem()?;
    pdev.set_master();
    // The SCRIPTS processor moves data and reads its tables with 32-bit
    // addresses.
    set_dma_masks(pdev, DmaMask::new::<32>(), DmaMask::new::<32>())?;
    let regs = pdev
        .iomap_region_sized::<REGS_SIZE>(1, c"orion_lsi")?
        .into_devres()?;
    let ram = pdev
        .iomap_region_sized::<SCRIPTS_RAM_SIZE>(2, c"orion_lsi")?
        .into_devres()?;
    // The SCRIPTS fetch from their RAM at its PCI bus address, as the chip
    // decodes it: the BAR register itself.
    let bar2 = pdev.config_space().try_read32(PCI_BAR2)?;
    let ram_bus = bar2 & !0xf;
    let chip = Chip::new(pdev.as_ref(), Window::new(regs, ram), ram_bus)?;
    let host_cfg = HostConfig {
        can_queue: SLOTS as u32,
        cmd_per_lun: cfg.settings.queue_depth.clamp(1, SLOTS as u32) as u16,
        sg_tablesize: l::SG_ENTRIES as u16,
        // 128 entries of at least a page each: 512 KiB.
        max_sectors: 1024,
        max_segment_size: 64 * 1024,
        dma_boundary: u64::from(u32::MAX),
        host_tagset: false,
        nr_hw_queues: 1,
        nr_poll_queues: 0,
        this_id: 7,
        max_id: 16,
        max_lun: 8,
        max_channel: 0,
        max_cmd_len: l::CDB_LEN as u16,
    };
    let data = LsiHost {
        chip,
        settings: cfg.settings,
        targets: super::host::TargetState::all(),
        clock: crate::common::latency::Clock::new(),
        stats: crate::common::host_stats::HostStats::new()?,
    };
    let host = Arc::new(
        Host::new_with(&TEMPLATE, &host_cfg, Some(pdev.as_ref()), data)?,
        GFP_KERNEL,
    )?;
    let irq = PciIrq::new(
        pdev,
        IrqMode::Intx,
        c"orion_lsi",
        LsiIrq { host: host.clone() },
    )?;
    let shost = host.get();
    shost.data().stats.attach(shost.host_no());
    dev_info!(
        pdev.as_ref(),
        "host{}: LSI {}, SCRIPTS in on-chip RAM at {:#x} ({} bytes), {} command slots, INTx\n",
        shost.host_no(),
        model.name(),
        ram_bus,
        super::scripts::program::LEN * 4,
        SLOTS
    );
    shost.scan();
    Ok(LsiDevice { irq, host })
}

/// The registered PCI driver and the SPI transport (module lifetime). The
/// driver drops first: its hosts are gone before the transport is released.
pub(crate) struct Registration {
    _driver: Pin<KBox<kernel::driver::Registration<pci::Adapter<LsiDriver>>>>,
    _transport: SpiRegistration<LsiOps>,
}

/// Template defaults; every host sets its own limits.
const TEMPLATE_DEFAULTS: HostConfig = HostConfig {
    max_id: 16,
    max_lun: 8,
    this_id: 7,
    ..HostConfig::DEFAULT
};

/// Stores the configuration, fills the template, attaches the SPI
/// transport, then registers the driver.
pub(crate) fn register(cfg: LsiConfig, module: &'static ThisModule) -> Result<Registration> {
    let _ = CONFIG.populate(cfg);
    TEMPLATE.init(
        module,
        c"orion_scsi LSI 53C8xx (SPI)",
        c"orion_lsi",
        &TEMPLATE_DEFAULTS,
    )?;
    let transport = TRANSPORT.attach(&TEMPLATE)?;
    let driver = KBox::pin_init(
        kernel::driver::Registration::new(c"orion_lsi", module),
        GFP_KERNEL,
    )?;
    Ok(Registration {
        _driver: driver,
        _transport: transport,
    })
}
