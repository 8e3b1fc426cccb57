// SPDX-License-Identifier: GPL-2.0

//! The IOC's SAS fabric on the SAS transport class: read from the
//! configuration pages through the request FIFO (manufacturing page 5,
//! SAS IO unit page 0, SAS phy page 0 per phy, SAS device page 0 per
//! attached device), registered as one `sas_phy` per IOC phy and, per
//! attached end device, a narrow port and an end device remote phy, whose
//! addition scans its target. The class numbers targets itself; the
//! firmware Bus/TargetID of each end device is kept in a table the I/O
//! path reads. An IOC reset reads the pages again before I/O resumes and
//! updates that table (a firmware may number its targets anew); the
//! registration follows what changed later, from the upkeep work. The
//! host's removal deletes what is registered (`Host::remove`), never this
//! driver.

use super::host::MptsasOps;
use super::ioc::DATA_LEN;
use super::mpi::{
    config::{
        sas_device_by_handle, sas_phy_by_number, PageId, MANUFACTURING_5, SAS_DEVICE_0,
        SAS_IO_UNIT_0, SAS_PHY_0, SAS_PHY_1,
    },
    sas_pages::{
        parse_manufacturing_5, IoUnitPhy, SasDevice0, SasIoUnit0, SasPhy0, SasPhy1,
        DEVICE_INFO_SATA_DEVICE, DEVICE_INFO_SSP_TARGET, DEVICE_INFO_STP_TARGET,
    },
    topology::{self, readdressed, Change, EndDevice, RateCodes, Route, MAX_PHYS},
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
    time::{Instant, Monotonic},
};

/// How long an end device's I/O is held after a reset whose page reads
/// failed, before it fails (a SAS HBA's device loss timeout): a held
/// command is requeued, and has no block-layer timer meanwhile.
const HOLD_MS: i64 = 30_000;

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
    /// Where its commands go ([`Route::encode`]).
    route: Atomic<u32>,
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
    /// Serialises the writers of `map` and counts the IOC resets that
    /// rewrote it: a refresh whose pages were read before the last one
    /// must not write what it read (its addresses may be stale).
    epoch: Pin<KBox<Mutex<u64>>>,
    objects: Pin<KBox<Mutex<Objects>>>,
    /// Set by an IOC reset: read the pages again.
    stale: Atomic<bool>,
    /// Refreshes that failed in a row.
    failures: Atomic<u32>,
    /// The clock of `hold_until_ms`: when the fabric was created.
    created: Instant<Monotonic>,
    /// Until when (ms since `created`) [`Route::Wait`] holds I/O.
    hold_until_ms: Atomic<i64>,
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

/// Reads a configuration page: its id, page address and buffer; returns
/// its length.
pub(super) trait PageReader: Fn(PageId, u32, &mut [u8]) -> Result<usize> {}
impl<F: Fn(PageId, u32, &mut [u8]) -> Result<usize>> PageReader for F {}

/// Reads the fabric from the IOC's pages, allocating with `gfp`.
fn read(
    ioc: &impl PageReader,
    dev: &kernel::device::Device,
    gfp: kernel::alloc::Flags,
) -> Result<Snapshot> {
    let mut page = KVec::from_elem(0u8, DATA_LEN, gfp)?;
    let n = ioc(MANUFACTURING_5, 0, &mut page)?;
    let hba = parse_manufacturing_5(page.get(..n).ok_or(EINVAL)?)?;
    let n = ioc(SAS_IO_UNIT_0, 0, &mut page)?;
    let unit_page = page.get(..n).ok_or(EINVAL)?;
    let unit = SasIoUnit0::parse(unit_page)?;
    if unit.num_phys > MAX_PHYS {
        dev_warn!(dev, "{} phys, registering {}\n", unit.num_phys, MAX_PHYS);
    }
    let mut units = KVec::new();
    for i in 0..unit.num_phys.min(MAX_PHYS) {
        units.push(unit.phy(unit_page, i)?, gfp)?;
    }
    let mut phys = KVec::with_capacity(units.len(), gfp)?;
    let mut devs = KVec::new();
    for (i, u) in (0u8..).zip(units.iter()) {
        let p0 = ioc(SAS_PHY_0, sas_phy_by_number(i), &mut page)
            .and_then(|n| Ok(SasPhy0::parse(page.get(..n).ok_or(EINVAL)?)?));
        phys.push((*u, topology::phy_rates(u, p0.as_ref().ok())), gfp)?;
        if u.attached_dev_handle == 0 {
            continue;
        }
        let n = ioc(
            SAS_DEVICE_0,
            sas_device_by_handle(u.attached_dev_handle),
            &mut page,
        )?;
        let d0 = SasDevice0::parse(page.get(..n).ok_or(EINVAL)?)?;
        match topology::end_device(i, u, &d0, hba) {
            Ok(d) => devs.push(d, gfp)?,
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
                    route: Atomic::new(0),
                }
            }; MAX_PHYS as usize],
            epoch: KBox::pin_init(kernel::new_mutex!(0), GFP_KERNEL)?,
            objects: KBox::pin_init(
                kernel::new_mutex!(Objects {
                    phys: KVec::new(),
                    ports: KVec::new(),
                }),
                GFP_KERNEL,
            )?,
            stale: Atomic::new(false),
            failures: Atomic::new(0),
            created: Instant::now(),
            hold_until_ms: Atomic::new(0),
        })
    }

    /// The IOC was reset and re-initialised, and nothing was posted since
    /// (its gate is still closed): read where the firmware addresses each
    /// registered end device now (`pages` reads through the closed gate)
    /// before any command goes out again. A device no longer on its phy
    /// gets no route; if the pages cannot be read, every device waits
    /// until the upkeep has read them, for [`HOLD_MS`] at most. The
    /// registration (and the phys' link rates) follow later, from the
    /// upkeep. Allocates without I/O: the host may be in recovery.
    pub(super) fn readdress(&self, pages: impl PageReader, dev: &kernel::device::Device) {
        let mut epoch = self.epoch.lock();
        *epoch = epoch.wrapping_add(1);
        self.stale.store(true, Release);
        let snap = match read(&pages, dev, GFP_NOWAIT | __GFP_NOWARN) {
            Ok(s) => s,
            Err(e) => {
                // A hold already running keeps its end: resets that keep
                // failing must not hold I/O for ever.
                let waiting = |e: &Entry| Route::decode(e.route.load(Relaxed)) == Route::Wait;
                if self.hold_expired() || !self.map.iter().any(waiting) {
                    let until = self.now_ms().saturating_add(HOLD_MS);
                    self.hold_until_ms.store(until, Relaxed);
                }
                for e in self.map.iter().filter(|e| e.addr.load(Acquire) != 0) {
                    e.route.store(Route::Wait.encode(), Release);
                }
                dev_err!(
                    dev,
                    "SAS pages not read after the reset ({:?}): holding I/O until they are\n",
                    e
                );
                return;
            }
        };
        let (mut kept, mut renumbered, mut gone) = (0u32, 0u32, 0u32);
        for (i, e) in (0u8..).zip(self.map.iter()) {
            let now = snap.devs.iter().find(|d| d.phy == i);
            let addr = e.addr.load(Acquire);
            if addr == 0 {
                // A device new on this phy is the upkeep's to add.
                continue;
            }
            let route = readdressed(addr, now);
            match route {
                Route::To(_) if e.route.load(Relaxed) == route.encode() => {
                    kept = kept.saturating_add(1)
                }
                Route::To(_) => renumbered = renumbered.saturating_add(1),
                _ => gone = gone.saturating_add(1),
            }
            e.route.store(route.encode(), Release);
        }
        dev_info!(
            dev,
            "firmware addresses read again after the reset: {} kept, {} renumbered, {} gone\n",
            kept,
            renumbered,
            gone
        );
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

    /// Where the commands of end device `addr` on `phy` go: gone once
    /// another device took its phy, or its hold ran out.
    pub(crate) fn route_of(&self, phy: u8, addr: u64) -> Route {
        let Some(e) = self.map.get(usize::from(phy)) else {
            return Route::Gone;
        };
        let route = e.route.load(Acquire);
        if e.addr.load(Acquire) != addr {
            return Route::Gone;
        }
        match Route::decode(route) {
            Route::Wait if self.hold_expired() => Route::Gone,
            r => r,
        }
    }

    fn now_ms(&self) -> i64 {
        self.created.elapsed().as_millis()
    }

    fn hold_expired(&self) -> bool {
        self.now_ms() >= self.hold_until_ms.load(Relaxed)
    }

    /// Records `d` (or nothing) on `phy`, unless an IOC reset rewrote the
    /// table since `epoch`, when the pages behind `d` were read
    /// (`EAGAIN`: read them again).
    fn set(&self, epoch: u64, phy: u8, d: Option<&EndDevice>) -> Result {
        let now = self.epoch.lock();
        if *now != epoch {
            return Err(EAGAIN);
        }
        let Some(e) = self.map.get(usize::from(phy)) else {
            return Ok(());
        };
        match d {
            Some(d) => {
                e.route.store(Route::To(d.fw).encode(), Release);
                e.addr.store(d.sas_address, Release);
            }
            None => {
                e.addr.store(0, Release);
                e.route.store(Route::Gone.encode(), Release);
            }
        }
        Ok(())
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
        let epoch = *self.epoch.lock();
        let ioc = &shost.data().ctrl;
        let reader = |id, a, p: &mut [u8]| ioc.read_page(id, a, p);
        let snap = match read(&reader, shost.as_dev(), GFP_KERNEL) {
            Ok(s) => s,
            Err(e) => {
                self.failed(shost, "read from the IOC", e);
                return;
            }
        };
        let again = !objs.phys.is_empty();
        match self.register(&sas, &mut objs, &snap, epoch) {
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

    /// A refresh that failed is tried again at the next upkeep tick (a
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

    /// Once the hold ran out ([`Self::route_of`] already fails the I/O),
    /// records it: held I/O ([`Route::Wait`]) fails until a refresh finds
    /// the devices again.
    fn end_hold(&self, shost: &HostRef<MptsasOps>) {
        // Under the writers' lock, where a reset sets a new hold.
        let _writer = self.epoch.lock();
        if !self.hold_expired() {
            return;
        }
        for (i, e) in (0u8..).zip(self.map.iter()) {
            if e.route
                .cmpxchg(Route::Wait.encode(), Route::Gone.encode(), Relaxed)
                .is_ok()
            {
                dev_err!(
                    shost.as_dev(),
                    "phy {}: no firmware address for {} s, failing its I/O\n",
                    i,
                    HOLD_MS / 1000
                );
            }
        }
    }

    /// The upkeep's tick: read the pages again after a reset.
    pub(crate) fn maintain(&self, shost: &HostRef<MptsasOps>) {
        if self.stale.load(Acquire) {
            self.refresh(shost, false);
            self.end_hold(shost);
        }
    }

    fn register(
        &self,
        sas: &SasHost<'_, MptsasOps>,
        objs: &mut Objects,
        snap: &Snapshot,
        epoch: u64,
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
                Change::Keep => self.set(epoch, i, now)?,
                Change::Remove | Change::Replace => {
                    dev_info!(dev, "phy {}: end device gone, removing it\n", i);
                    self.set(epoch, i, None)?;
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
            self.set(epoch, i, Some(d))?;
            if let Err(e) = add(sas, phy, port, d) {
                dev_err!(
                    dev,
                    "phy {}: end device {:#018x} not added: {:?}\n",
                    i,
                    d.sas_address,
                    e
                );
                // A reset in between leaves the entry to the next refresh.
                let _ = self.set(epoch, i, None);
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
