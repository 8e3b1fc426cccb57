// SPDX-License-Identifier: GPL-2.0

//! The IOC's SAS fabric on the SAS transport class: read from the
//! configuration pages through the request FIFO (manufacturing page 5,
//! SAS IO unit page 0, SAS phy page 0 per phy, SAS device page 0 per
//! attached device), registered as one `sas_phy` per IOC phy and, per
//! attached end device, a narrow port and an end device remote phy, whose
//! addition scans its target. The class numbers targets itself; the
//! firmware Bus/TargetID of each end device is kept in a table the I/O
//! path reads. After an IOC reset the pages are read again and the
//! registration follows what changed; the host's removal deletes what is
//! registered (`Host::remove`), never this driver.

use super::host::MptsasOps;
use super::ioc::{Ioc, DATA_LEN};
use super::mpi::{
    config::{
        sas_device_by_handle, sas_phy_by_number, MANUFACTURING_5, SAS_DEVICE_0, SAS_IO_UNIT_0,
        SAS_PHY_0, SAS_PHY_1,
    },
    sas_pages::{
        parse_manufacturing_5, IoUnitPhy, SasDevice0, SasIoUnit0, SasPhy0, SasPhy1,
        DEVICE_INFO_SATA_DEVICE, DEVICE_INFO_SSP_TARGET, DEVICE_INFO_STP_TARGET,
    },
    topology::{self, Change, EndDevice, FwAddr, RateCodes, MAX_PHYS},
};
use crate::scsi::sas::{
    DeviceType, Identify, LinkErrors, LinkRate, PhyRates, Protocols, SasHost, SasOperations,
    SasPhy, SasPhyRef, SasPort, SasTransport,
};
use crate::scsi::HostRef;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Relaxed, Release},
        Arc, Mutex,
    },
};

/// The driver's SAS transport (attached at module init).
pub(crate) static TRANSPORT: SasTransport<MptsasOps> = SasTransport::new();

#[vtable]
impl SasOperations for MptsasOps {
    /// SAS phy page 1 (QEMU: all zero).
    fn get_linkerrors(host: &super::host::MptsasHost, phy: &SasPhyRef) -> Result<LinkErrors> {
        let number = u8::try_from(phy.number()).map_err(|_| EINVAL)?;
        let mut page = [0u8; 64];
        let n = host
            .ctrl
            .read_page(SAS_PHY_1, sas_phy_by_number(number), &mut page)?;
        let p = SasPhy1::parse(page.get(..n).ok_or(EINVAL)?)?;
        Ok(LinkErrors {
            invalid_dword_count: p.invalid_dword_count,
            running_disparity_error_count: p.running_disparity_error_count,
            loss_of_dword_sync_count: p.loss_dword_synch_count,
            phy_reset_problem_count: p.phy_reset_problem_count,
        })
    }
}

/// One phy's end device as the I/O path sees it.
struct Entry {
    /// Its SAS address; 0: no end device registered on the phy.
    addr: Atomic<u64>,
    /// Its firmware address ([`FwAddr::encode`]).
    fw: Atomic<u32>,
}

/// The registered SAS objects of a host.
struct Objects {
    phys: KVec<Arc<SasPhy<MptsasOps>>>,
    /// The port of each phy with an end device, by phy number.
    ports: KVec<Option<SasPort<MptsasOps>>>,
}

/// The fabric of one IOC.
pub(crate) struct Fabric {
    map: [Entry; MAX_PHYS as usize],
    objects: Pin<KBox<Mutex<Objects>>>,
    /// Set by an IOC reset: read the pages again.
    stale: Atomic<bool>,
    /// Refreshes that failed in a row.
    failures: Atomic<u32>,
}

/// The pages as read now.
struct Snapshot {
    hba: u64,
    phys: KVec<(IoUnitPhy, RateCodes)>,
    devs: KVec<EndDevice>,
}

fn rates(r: &RateCodes) -> PhyRates {
    let c = |code| LinkRate::from_code(code).unwrap_or(LinkRate::Unknown);
    PhyRates {
        negotiated: c(r.negotiated),
        minimum_hw: c(r.minimum_hw),
        minimum: c(r.minimum),
        maximum_hw: c(r.maximum_hw),
        maximum: c(r.maximum),
    }
}

fn target_protocols(device_info: u32) -> Protocols {
    let mut p = Protocols::NONE;
    for (bit, proto) in [
        (DEVICE_INFO_SSP_TARGET, Protocols::SSP),
        (DEVICE_INFO_STP_TARGET, Protocols::STP),
        (DEVICE_INFO_SATA_DEVICE, Protocols::SATA),
    ] {
        if device_info & bit != 0 {
            p = p.union(proto);
        }
    }
    p
}

/// Reads the fabric from the IOC's pages.
fn read(ioc: &Ioc, dev: &kernel::device::Device) -> Result<Snapshot> {
    let mut page = KVec::from_elem(0u8, DATA_LEN, GFP_KERNEL)?;
    let n = ioc.read_page(MANUFACTURING_5, 0, &mut page)?;
    let hba = parse_manufacturing_5(page.get(..n).ok_or(EINVAL)?)?;
    let n = ioc.read_page(SAS_IO_UNIT_0, 0, &mut page)?;
    let unit_page = page.get(..n).ok_or(EINVAL)?;
    let unit = SasIoUnit0::parse(unit_page)?;
    if unit.num_phys > MAX_PHYS {
        dev_warn!(dev, "{} phys, registering {}\n", unit.num_phys, MAX_PHYS);
    }
    let mut units = KVec::new();
    for i in 0..unit.num_phys.min(MAX_PHYS) {
        units.push(unit.phy(unit_page, i)?, GFP_KERNEL)?;
    }
    let mut phys = KVec::with_capacity(units.len(), GFP_KERNEL)?;
    let mut devs = KVec::new();
    for (i, u) in (0u8..).zip(units.iter()) {
        let p0 = ioc
            .read_page(SAS_PHY_0, sas_phy_by_number(i), &mut page)
            .and_then(|n| Ok(SasPhy0::parse(page.get(..n).ok_or(EINVAL)?)?));
        phys.push((*u, topology::phy_rates(u, p0.as_ref().ok())), GFP_KERNEL)?;
        if u.attached_dev_handle == 0 {
            continue;
        }
        let n = ioc.read_page(
            SAS_DEVICE_0,
            sas_device_by_handle(u.attached_dev_handle),
            &mut page,
        )?;
        let d0 = SasDevice0::parse(page.get(..n).ok_or(EINVAL)?)?;
        match topology::end_device(i, u, &d0, hba) {
            Ok(d) => devs.push(d, GFP_KERNEL)?,
            Err(why) => dev_info!(
                dev,
                "phy {}: device {:#x} not registered ({:?})\n",
                i,
                u.attached_dev_handle,
                why
            ),
        }
    }
    let unique = topology::make_unique(&mut devs, hba);
    if unique.dropped > 0 {
        for d in devs.iter().filter(|d| d.sas_address == 0) {
            dev_warn!(
                dev,
                "phy {}: its SAS address and the one derived for it are both taken: not registered\n",
                d.phy
            );
        }
        devs.retain(|d| d.sas_address != 0);
    }
    Ok(Snapshot { hba, phys, devs })
}

impl Fabric {
    pub(super) fn new() -> Result<Self> {
        Ok(Self {
            map: [const {
                Entry {
                    addr: Atomic::new(0),
                    fw: Atomic::new(0),
                }
            }; MAX_PHYS as usize],
            objects: KBox::pin_init(
                kernel::new_mutex!(Objects {
                    phys: KVec::new(),
                    ports: KVec::new(),
                }),
                GFP_KERNEL,
            )?,
            stale: Atomic::new(false),
            failures: Atomic::new(0),
        })
    }

    /// After an IOC reset: the next [`Self::maintain`] reads the pages again.
    pub(super) fn request_refresh(&self) {
        self.stale.store(true, Release);
    }

    /// The phy of the end device with SAS address `addr`; `None` if no
    /// phy or more than one has it (never guess which disk is meant).
    pub(crate) fn phy_of(&self, addr: u64) -> Option<u8> {
        if addr == 0 {
            return None;
        }
        let mut with = (0u8..)
            .zip(self.map.iter())
            .filter(|(_, e)| e.addr.load(Acquire) == addr)
            .map(|(i, _)| i);
        let phy = with.next()?;
        with.next().is_none().then_some(phy)
    }

    /// Where the firmware addresses the end device `addr` on `phy`; `None`
    /// once it is gone (or another device took its phy).
    pub(crate) fn fw_of(&self, phy: u8, addr: u64) -> Option<FwAddr> {
        let e = self.map.get(usize::from(phy))?;
        let fw = e.fw.load(Acquire);
        if e.addr.load(Acquire) != addr {
            return None;
        }
        FwAddr::decode(fw)
    }

    fn set(&self, phy: u8, d: Option<&EndDevice>) {
        let Some(e) = self.map.get(usize::from(phy)) else {
            return;
        };
        match d {
            Some(d) => {
                e.fw.store(d.fw.encode(), Release);
                e.addr.store(d.sas_address, Release);
            }
            None => {
                e.addr.store(0, Release);
                e.fw.store(0, Release);
            }
        }
    }

    fn registered(&self, phy: u8) -> Option<u64> {
        let a = self.map.get(usize::from(phy))?.addr.load(Acquire);
        (a != 0).then_some(a)
    }

    /// Reads the fabric and registers it, or brings the registration up
    /// to date (process context, not under a lock the I/O path or the
    /// scan takes: end devices are scanned here). `wait`: wait for a
    /// refresh already running instead of leaving it to the next call.
    pub(crate) fn refresh(&self, shost: &HostRef<MptsasOps>, wait: bool) {
        let mut objs = if wait {
            self.objects.lock()
        } else {
            match self.objects.try_lock() {
                Some(g) => g,
                None => return,
            }
        };
        self.stale.store(false, Release);
        let Some(sas) = TRANSPORT.host(shost) else {
            dev_err!(shost.as_dev(), "not a SAS host\n");
            return;
        };
        let snap = match read(&shost.data().ctrl, shost.as_dev()) {
            Ok(s) => s,
            Err(e) => {
                self.failed(shost, "read from the IOC", e);
                return;
            }
        };
        let again = !objs.phys.is_empty();
        match self.register(&sas, &mut objs, &snap) {
            Ok(changed) => {
                self.failures.store(0, Relaxed);
                if again {
                    dev_info!(
                        shost.as_dev(),
                        "SAS fabric read again: {} end devices, {} changed\n",
                        snap.devs.len(),
                        changed
                    );
                }
            }
            Err(e) => self.failed(shost, "registered", e),
        }
    }

    /// A refresh that failed is tried again at the next health tick (a
    /// host would otherwise stay without its disks); logged at the 1st,
    /// 2nd, 4th, 8th... failure in a row.
    fn failed(&self, shost: &HostRef<MptsasOps>, what: &str, e: Error) {
        self.stale.store(true, Release);
        let n = self.failures.fetch_add(1, Relaxed).saturating_add(1);
        if n.is_power_of_two() {
            dev_err!(
                shost.as_dev(),
                "SAS topology not {} ({:?}; {} time(s)), trying again\n",
                what,
                e,
                n
            );
        }
    }

    /// The health check's tick: read the pages again after a reset.
    pub(crate) fn maintain(&self, shost: &HostRef<MptsasOps>) {
        if self.stale.load(Acquire) {
            self.refresh(shost, false);
        }
    }

    fn register(
        &self,
        sas: &SasHost<'_, MptsasOps>,
        objs: &mut Objects,
        snap: &Snapshot,
    ) -> Result<u32> {
        let mut changed = 0u32;
        let dev = sas.host().as_dev();
        if objs.phys.is_empty() {
            for (i, (_, r)) in (0u8..).zip(snap.phys.iter()) {
                let id = Identify {
                    device_type: DeviceType::EndDevice,
                    initiator_protocols: Protocols::SSP,
                    target_protocols: Protocols::NONE,
                    sas_address: snap.hba,
                    phy_identifier: i,
                };
                let phy = SasPhy::new(sas, u32::from(i), &id, &rates(r))?;
                objs.phys.push(phy, GFP_KERNEL)?;
                objs.ports.push(None, GFP_KERNEL)?;
            }
        } else if objs.phys.len() != snap.phys.len() {
            dev_warn!(
                dev,
                "the IOC reports {} phys now, {} registered\n",
                snap.phys.len(),
                objs.phys.len()
            );
        }
        for (i, phy) in (0u8..).zip(objs.phys.iter()) {
            if let Some((_, r)) = snap.phys.get(usize::from(i)) {
                phy.set_rates(&rates(r));
            }
            let now = snap.devs.iter().find(|d| d.phy == i);
            let Some(port) = objs.ports.get_mut(usize::from(i)) else {
                continue;
            };
            let what = topology::change(self.registered(i), now.map(|d| d.sas_address));
            if !matches!(what, Change::None | Change::Keep) {
                changed = changed.saturating_add(1);
            }
            match what {
                Change::None => {}
                Change::Keep => self.set(i, now),
                Change::Remove | Change::Replace => {
                    dev_info!(dev, "phy {}: end device gone, removing it\n", i);
                    self.set(i, None);
                    *port = None;
                }
                Change::Add => {}
            }
            let Some(d) = now else {
                continue;
            };
            if port.is_some() {
                continue;
            }
            if d.derived {
                dev_info!(
                    dev,
                    "phy {}: the device page gives no usable SAS address, using {:#018x}\n",
                    i,
                    d.sas_address
                );
            }
            self.set(i, Some(d));
            if let Err(e) = add(sas, phy, port, d) {
                dev_err!(
                    dev,
                    "phy {}: end device {:#018x} not added: {:?}\n",
                    i,
                    d.sas_address,
                    e
                );
                self.set(i, None);
                *port = None;
            }
        }
        Ok(changed)
    }
}

/// A narrow port on `phy` with end device `d` (scanned on the way).
fn add(
    sas: &SasHost<'_, MptsasOps>,
    phy: &Arc<SasPhy<MptsasOps>>,
    slot: &mut Option<SasPort<MptsasOps>>,
    d: &EndDevice,
) -> Result {
    let mut port = SasPort::new(sas)?;
    port.add_phy(phy)?;
    let port = slot.insert(port);
    port.add_end_device(&Identify {
        device_type: DeviceType::EndDevice,
        initiator_protocols: Protocols::NONE,
        target_protocols: target_protocols(d.device_info),
        sas_address: d.sas_address,
        phy_identifier: d.phy_identifier,
    })?;
    Ok(())
}
