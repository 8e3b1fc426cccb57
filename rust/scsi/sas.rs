// SPDX-License-Identifier: GPL-2.0

//! The SAS transport class, `scsi_transport_sas`.
//!
//! A SAS HBA driver keeps one [`SasTransport`] in a `static` next to its
//! [`Template`], attaches it at module init ([`SasTransport::attach`], which
//! makes every host created from the template a SAS host) and keeps the
//! returned [`SasRegistration`] until module exit, dropped after the
//! driver's registration. For each host it then describes the fabric:
//!
//! - a [`SasPhy`] per phy of the HBA ([`SasPhy::new`], `/sys/class/sas_phy`),
//!   shared as an [`Arc`] between the driver and the ports it is part of;
//! - a [`SasPort`] per (narrow or wide) port ([`SasPort::new`],
//!   [`SasPort::add_phy`], `/sys/class/sas_port`);
//! - the end device at the other end of a port
//!   ([`SasPort::add_end_device`], `/sys/class/sas_device` and
//!   `/sys/class/sas_end_device`): adding it scans its SCSI target
//!   synchronously, and the target is the remote phy's child. The class
//!   numbers the targets itself (channel 0, ids in order of addition); the
//!   driver maps a target to its device by SAS address in
//!   [`HostOperations::target_alloc`] through [`SasRphyRef::of_target`].
//!
//! The class calls the driver back through [`SasOperations`] (sysfs reads
//! of link error counters, enclosure and bay identifiers; phy resets,
//! enabling and rate limits written to sysfs).
//!
//! # Lifetimes
//!
//! - Each object is deleted exactly once: by its handle's drop (the last
//!   [`Arc`] of a phy, the port, [`SasPort::remove_end_device`]) or, for
//!   those still registered when the host goes, by [`Host::remove`](super::Host::remove), which
//!   deletes ports (and with them their end devices and targets), then phys,
//!   before `scsi_remove_host` (as `sas_remove_host` does). Handles that
//!   outlive the removal keep their object's memory (a device reference)
//!   and delete nothing.
//! - Children before parents: a port holds an [`Arc`] of each of its phys
//!   and owns its end device, so a phy is never deleted while in a port
//!   (the class would `BUG()`), and a port's end device goes with it.
//! - No callback runs on freed host data: callbacks come from the sysfs
//!   files of registered phys and remote phys, all deleted (which waits for
//!   running callbacks) before [`Host::remove`](super::Host::remove) returns, hence before the
//!   host data is dropped.
//! - The transport template is released when the [`SasRegistration`] drops,
//!   unless a host of it is still registered or a phy handle still exists
//!   (a phy's release reads the template): then it is leaked, with an error
//!   in the log, rather than freed under them.
//!
//! Adding, deleting (dropping a handle) and rescanning sleep: process
//! context only, and not from a SAS or SCSI callback (`target_alloc`,
//! `sdev_destroy` and the others run under the host's `scan_mutex`, which
//! deleting or scanning an end device takes), nor while holding a lock the
//! driver's `target_alloc`, `sdev_init` or I/O path takes. The
//! abstraction's own gate never blocks an add or a delete; only
//! [`Host::remove`](super::Host::remove) waits for those already running.

pub mod ident;

pub use ident::{
    DeviceType, Identify, LinkErrors, LinkRate, PhyRates, Protocols, RateLimits, SasError, ScanLuns,
};

use super::{
    device::{Device, Target},
    host::{HostRef, Template},
    operations::HostOperations,
    transport::{TopologyGate, TransportTeardown},
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Full, Release},
        Arc,
    },
    types::Opaque,
};

// The pure encodings of `ident` are the kernel's, checked at build time.
const _: () = {
    use bindings as b;
    let rates = [
        (LinkRate::Unknown, b::sas_linkrate_SAS_LINK_RATE_UNKNOWN),
        (LinkRate::PhyDisabled, b::sas_linkrate_SAS_PHY_DISABLED),
        (
            LinkRate::ResetProblem,
            b::sas_linkrate_SAS_PHY_RESET_PROBLEM,
        ),
        (LinkRate::SpinupHold, b::sas_linkrate_SAS_SATA_SPINUP_HOLD),
        (
            LinkRate::PortSelector,
            b::sas_linkrate_SAS_SATA_PORT_SELECTOR,
        ),
        (
            LinkRate::ResetInProgress,
            b::sas_linkrate_SAS_PHY_RESET_IN_PROGRESS,
        ),
        (LinkRate::Gbps1_5, b::sas_linkrate_SAS_LINK_RATE_1_5_GBPS),
        (LinkRate::Gbps3, b::sas_linkrate_SAS_LINK_RATE_3_0_GBPS),
        (LinkRate::Gbps6, b::sas_linkrate_SAS_LINK_RATE_6_0_GBPS),
        (LinkRate::Gbps12, b::sas_linkrate_SAS_LINK_RATE_12_0_GBPS),
        (LinkRate::Gbps22_5, b::sas_linkrate_SAS_LINK_RATE_22_5_GBPS),
        (LinkRate::Failed, b::sas_linkrate_SAS_LINK_RATE_FAILED),
        (LinkRate::Virtual, b::sas_linkrate_SAS_PHY_VIRTUAL),
    ];
    let mut i = 0;
    while i < rates.len() {
        assert!(rates[i].0.code() == rates[i].1);
        i += 1;
    }
    assert!(DeviceType::Unused.code() == b::sas_device_type_SAS_PHY_UNUSED);
    assert!(DeviceType::EndDevice.code() == b::sas_device_type_SAS_END_DEVICE);
    assert!(DeviceType::EdgeExpander.code() == b::sas_device_type_SAS_EDGE_EXPANDER_DEVICE);
    assert!(DeviceType::FanoutExpander.code() == b::sas_device_type_SAS_FANOUT_EXPANDER_DEVICE);
    assert!(Protocols::SATA.bits() == b::sas_protocol_SAS_PROTOCOL_SATA);
    assert!(Protocols::SMP.bits() == b::sas_protocol_SAS_PROTOCOL_SMP);
    assert!(Protocols::STP.bits() == b::sas_protocol_SAS_PROTOCOL_STP);
    assert!(Protocols::SSP.bits() == b::sas_protocol_SAS_PROTOCOL_SSP);
};

/// The transport class callbacks of a SAS HBA driver. All are optional: a
/// callback the driver does not implement is left `NULL` in the class's
/// function table, and the class hides the sysfs file that would call it
/// (or shows it read-only).
///
/// They run in process context from sysfs and may sleep. They must not add
/// or delete SAS objects (queue work for that).
#[vtable]
pub trait SasOperations: HostOperations {
    /// Reads a phy's link error counters (`invalid_dword_count` and the
    /// other counters in sysfs). Without it, sysfs shows zeros.
    fn get_linkerrors(_host: &Self::HostData, _phy: &SasPhyRef) -> Result<LinkErrors> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// The enclosure's logical identifier of an end device
    /// (`enclosure_identifier`).
    fn get_enclosure_identifier(_host: &Self::HostData, _rphy: &SasRphyRef) -> Result<u64> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// The bay (slot) of an end device in its enclosure (`bay_identifier`).
    fn get_bay_identifier(_host: &Self::HostData, _rphy: &SasRphyRef) -> Result<u32> {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Resets a phy: a link reset, or a hard reset when `hard`
    /// (`link_reset`, `hard_reset`). On success the class marks the phy
    /// enabled.
    fn phy_reset(_host: &Self::HostData, _phy: &SasPhyRef, _hard: bool) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Enables or disables a phy (`enable`). On success the class records
    /// the new state; a failure is logged by the abstraction (the class
    /// reports the write as done either way).
    fn phy_enable(_host: &Self::HostData, _phy: &SasPhyRef, _enable: bool) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Programs new rate limits (`minimum_linkrate`, `maximum_linkrate`),
    /// already checked against the phy's hardware range
    /// ([`RateLimits::check`]). On success the abstraction records them in
    /// the phy.
    fn set_phy_speed(_host: &Self::HostData, _phy: &SasPhyRef, _limits: RateLimits) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// States of [`SasTransport::state`].
const SAS_NEW: i32 = 0;
const SAS_ATTACHING: i32 = 1;
const SAS_ATTACHED: i32 = 2;
/// Detached; the template released, or leaked because something used it.
const SAS_DETACHED: i32 = 3;

/// The SAS transport of driver `T`, kept in a `static`.
pub struct SasTransport<T: SasOperations> {
    ft: Opaque<bindings::sas_function_template>,
    state: Atomic<i32>,
    /// The registered transport template while attached, else null.
    tt: Atomic<*mut bindings::scsi_transport_template>,
    /// Phy handles that exist ([`SasPhy`]): a phy's release reads the
    /// transport template.
    phys: Atomic<i32>,
    _p: PhantomData<T>,
}

// SAFETY: The function table is written once by `attach` (guarded by
// `state`) before the class reads it; afterwards it is only read.
unsafe impl<T: SasOperations> Send for SasTransport<T> {}
// SAFETY: As above.
unsafe impl<T: SasOperations> Sync for SasTransport<T> {}

impl<T: SasOperations> SasTransport<T> {
    /// An unattached transport, for a `static`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            ft: Opaque::uninit(),
            state: Atomic::new(SAS_NEW),
            tt: Atomic::new(core::ptr::null_mut()),
            phys: Atomic::new(0),
            _p: PhantomData,
        }
    }

    /// Registers the transport with the SAS class and makes every host
    /// created from `template` from now on a SAS host. Keep the returned
    /// registration until module exit, and drop it after the driver's
    /// registration (once the hosts are gone).
    pub fn attach(&'static self, template: &'static Template<T>) -> Result<SasRegistration<T>> {
        if self.state.cmpxchg(SAS_NEW, SAS_ATTACHING, Full).is_err() {
            return Err(EBUSY);
        }
        // Only the callbacks the driver implements: the default methods do
        // not link, and the class hides the files of missing ones.
        let mut ft = bindings::sas_function_template::default();
        if T::HAS_GET_LINKERRORS {
            ft.get_linkerrors = Some(get_linkerrors::<T>);
        }
        if T::HAS_GET_ENCLOSURE_IDENTIFIER {
            ft.get_enclosure_identifier = Some(get_enclosure_identifier::<T>);
        }
        if T::HAS_GET_BAY_IDENTIFIER {
            ft.get_bay_identifier = Some(get_bay_identifier::<T>);
        }
        if T::HAS_PHY_RESET {
            ft.phy_reset = Some(phy_reset::<T>);
        }
        if T::HAS_PHY_ENABLE {
            ft.phy_enable = Some(phy_enable::<T>);
        }
        if T::HAS_SET_PHY_SPEED {
            ft.set_phy_speed = Some(set_phy_speed::<T>);
        }
        // SAFETY: `ATTACHING` gives us exclusive access; nothing reads the
        // table before `sas_attach_transport` below.
        unsafe { self.ft.get().write(ft) };
        // SAFETY: The table is in static storage and filled.
        let tt = unsafe { bindings::sas_attach_transport(self.ft.get()) };
        let Some(tt) = NonNull::new(tt) else {
            self.state.store(SAS_NEW, Release);
            return Err(ENOMEM);
        };
        if let Err(e) = template.set_transport(tt.as_ptr(), TransportTeardown::SasChildren) {
            // SAFETY: Attached above and not used by any host.
            unsafe { bindings::sas_release_transport(tt.as_ptr()) };
            self.state.store(SAS_NEW, Release);
            return Err(e);
        }
        self.tt.store(tt.as_ptr(), Release);
        self.state.store(SAS_ATTACHED, Release);
        Ok(SasRegistration {
            tt,
            template,
            transport: self,
        })
    }

    /// The SAS view of `host`, to add phys and ports to. `None` unless the
    /// host was created from the template this transport is attached to.
    pub fn host<'a>(&'static self, host: &'a HostRef<T>) -> Option<SasHost<'a, T>> {
        let tt = self.tt.load(Acquire);
        // SAFETY: The host is live; `transportt` is set before it is added.
        let host_tt = unsafe { (*host.raw()).transportt };
        // The teardown too: objects may only be added to a host whose
        // removal deletes them (a host created while the registration was
        // dropping may have the transport without it).
        if tt.is_null() || host_tt != tt || host.teardown() != TransportTeardown::SasChildren {
            return None;
        }
        Some(SasHost {
            host,
            transport: self,
        })
    }

    /// Counts a new phy handle; fails once the transport is detached.
    fn phy_get(&self) -> Result {
        // Full: ordered against the registration's state change and its
        // read of the count (whichever comes second sees the other).
        self.phys.fetch_add(1, Full);
        if self.state.load(Acquire) != SAS_ATTACHED {
            self.phys.fetch_sub(1, Release);
            return Err(ENODEV);
        }
        Ok(())
    }

    /// Uncounts a phy handle whose phy reference is gone.
    fn phy_put(&self) {
        self.phys.fetch_sub(1, Release);
    }
}

/// Keeps a [`SasTransport`] registered; drop it at module exit, after the
/// driver's registration.
pub struct SasRegistration<T: SasOperations> {
    tt: NonNull<bindings::scsi_transport_template>,
    template: &'static Template<T>,
    transport: &'static SasTransport<T>,
}

// SAFETY: Only dropped (released) once; the pointer is not used otherwise.
unsafe impl<T: SasOperations> Send for SasRegistration<T> {}
// SAFETY: As above; no method touches the pointer through `&self`.
unsafe impl<T: SasOperations> Sync for SasRegistration<T> {}

impl<T: SasOperations> Drop for SasRegistration<T> {
    fn drop(&mut self) {
        self.template.clear_transport();
        // Full: see `SasTransport::phy_get`.
        self.transport.state.xchg(SAS_DETACHED, Full);
        let phys = self.transport.phys.load(Acquire);
        // SAFETY: The template is attached, hence live.
        let hosts = unsafe { bindings::orion_helper_transport_has_hosts(self.tt.as_ptr()) };
        if phys != 0 || hosts {
            // Its containers and the phys' release read it: leak it.
            pr_err!(
                "SAS transport still in use at release ({phys} phy handles, hosts: {hosts}): leaked\n"
            );
            return;
        }
        self.transport.tt.store(core::ptr::null_mut(), Release);
        // SAFETY: Attached by `SasTransport::attach`; no host is registered
        // with it and no phy exists (none can be added: detached).
        unsafe { bindings::sas_release_transport(self.tt.as_ptr()) };
        self.transport.state.store(SAS_NEW, Release);
    }
}

/// A host of driver `T` with its SAS transport, from [`SasTransport::host`].
pub struct SasHost<'a, T: SasOperations> {
    host: &'a HostRef<T>,
    transport: &'static SasTransport<T>,
}

impl<T: SasOperations> SasHost<'_, T> {
    /// The host.
    pub fn host(&self) -> &HostRef<T> {
        self.host
    }

    /// The host's `shost_gendev`, parent of its phys and ports.
    fn gendev(&self) -> *mut bindings::device {
        // SAFETY: The host is live.
        unsafe { &raw mut (*self.host.raw()).shost_gendev }
    }
}

/// The host a phy or port handle belongs to.
///
/// # Invariants
///
/// `shost` is a host of `T` allocated by [`super::Host::new`] whose memory
/// stays allocated while the anchor's owner exists (the owner holds a
/// reference to an object under the host, which holds the host).
struct HostAnchor<T: SasOperations> {
    shost: NonNull<bindings::Scsi_Host>,
    _p: PhantomData<T>,
}

impl<T: SasOperations> HostAnchor<T> {
    fn new(host: &HostRef<T>) -> Self {
        Self {
            // `HostRef` wraps the C host: its address is the host's.
            shost: NonNull::from(host).cast(),
            _p: PhantomData,
        }
    }

    /// The host's transport object gate.
    fn gate(&self) -> &TopologyGate {
        // SAFETY: By the type invariant the host is a host of `T` whose
        // memory is allocated while `self` is borrowed.
        unsafe { HostRef::<T>::gate_of(self.shost.as_ptr()) }
    }
}

/// Writes `v` to a field sysfs reads concurrently (`WRITE_ONCE`).
///
/// # Safety
///
/// `p` must be valid for writes and aligned.
unsafe fn write_once<V>(p: *mut V, v: V) {
    // SAFETY: As the caller guarantees.
    unsafe { core::ptr::write_volatile(p, v) }
}

/// Reads a field written concurrently (`READ_ONCE`).
///
/// # Safety
///
/// `p` must be valid for reads and aligned.
unsafe fn read_once<V>(p: *const V) -> V {
    // SAFETY: As the caller guarantees.
    unsafe { core::ptr::read_volatile(p) }
}

fn identify_to_c(id: &Identify) -> bindings::sas_identify {
    bindings::sas_identify {
        device_type: id.device_type.code(),
        initiator_port_protocols: id.initiator_protocols.bits(),
        target_port_protocols: id.target_protocols.bits(),
        sas_address: id.sas_address,
        phy_identifier: id.phy_identifier,
    }
}

/// The identify data the class holds. Codes the class sets only for libsas
/// hosts (not ours) read as [`DeviceType::Unused`] and unknown protocol bits
/// are dropped.
fn identify_from_c(id: &bindings::sas_identify) -> Identify {
    Identify {
        device_type: DeviceType::from_code(id.device_type).unwrap_or(DeviceType::Unused),
        initiator_protocols: Protocols::from_bits(id.initiator_port_protocols & 0xf)
            .unwrap_or(Protocols::NONE),
        target_protocols: Protocols::from_bits(id.target_port_protocols & 0xf)
            .unwrap_or(Protocols::NONE),
        sas_address: id.sas_address,
        phy_identifier: id.phy_identifier,
    }
}

fn rate(code: bindings::sas_linkrate) -> LinkRate {
    LinkRate::from_code(code).unwrap_or(LinkRate::Unknown)
}

/// A SAS phy (`struct sas_phy`), borrowed: what callbacks get, and what a
/// [`SasPhy`] dereferences to.
///
/// # Invariants
///
/// The wrapped phy is allocated (it may have been deleted), and its
/// identify data is not written any more.
#[repr(transparent)]
pub struct SasPhyRef(Opaque<bindings::sas_phy>);

impl SasPhyRef {
    /// # Safety
    ///
    /// `phy` must be allocated for `'a`, with its identify data no longer
    /// written (it was added).
    unsafe fn from_raw<'a>(phy: *mut bindings::sas_phy) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; allocated for `'a`.
        unsafe { &*phy.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::sas_phy {
        self.0.get()
    }

    /// The phy's number on the host (`phy-H:N`).
    pub fn number(&self) -> u32 {
        // SAFETY: By the type invariant the phy is allocated; `number` is
        // set at allocation.
        u32::try_from(unsafe { (*self.raw()).number }).unwrap_or(0)
    }

    /// The phy's identify data.
    pub fn identify(&self) -> Identify {
        // SAFETY: By the type invariant the phy is allocated and its
        // identify data not written any more.
        identify_from_c(unsafe { &(*self.raw()).identify })
    }

    /// The phy's link rates.
    pub fn rates(&self) -> PhyRates {
        let p = self.raw();
        // SAFETY: The phy is allocated (type invariant); the fields are
        // written concurrently only with `write_once`.
        unsafe {
            PhyRates {
                negotiated: rate(read_once(&raw const (*p).negotiated_linkrate)),
                minimum_hw: rate(read_once(&raw const (*p).minimum_linkrate_hw)),
                minimum: rate(read_once(&raw const (*p).minimum_linkrate)),
                maximum_hw: rate(read_once(&raw const (*p).maximum_linkrate_hw)),
                maximum: rate(read_once(&raw const (*p).maximum_linkrate)),
            }
        }
    }

    /// Whether the phy is enabled (as last set through sysfs).
    pub fn enabled(&self) -> bool {
        // SAFETY: The phy is allocated (type invariant); the class writes
        // `enabled` from sysfs, an `int`.
        unsafe { read_once(&raw const (*self.raw()).enabled) != 0 }
    }

    /// The phy's device, for `dev_*` logging.
    pub fn as_dev(&self) -> &kernel::device::Device {
        // SAFETY: The phy, and with it its embedded device, is allocated.
        unsafe { kernel::device::Device::from_raw(&raw mut (*self.raw()).dev) }
    }

    fn set_rates(&self, r: &PhyRates) {
        let p = self.raw();
        // SAFETY: The phy is allocated (type invariant); sysfs reads the
        // fields concurrently, hence `write_once`.
        unsafe {
            write_once(&raw mut (*p).negotiated_linkrate, r.negotiated.code());
            write_once(&raw mut (*p).minimum_linkrate_hw, r.minimum_hw.code());
            write_once(&raw mut (*p).minimum_linkrate, r.minimum.code());
            write_once(&raw mut (*p).maximum_linkrate_hw, r.maximum_hw.code());
            write_once(&raw mut (*p).maximum_linkrate, r.maximum.code());
        }
    }
}

/// A SAS phy of the HBA, registered under its host (`phy-H:N`), owned by
/// the driver and the ports it is part of. The last [`Arc`] deletes it.
///
/// # Invariants
///
/// `phy` was added under host `shost` of `T` and we hold a reference to
/// it (so to the host's memory, its parent); the identify data is not
/// written any more; `transport` counts this handle.
pub struct SasPhy<T: SasOperations> {
    phy: NonNull<bindings::sas_phy>,
    host: HostAnchor<T>,
    transport: &'static SasTransport<T>,
    /// Whether a [`SasPort`] lists the phy (and holds an `Arc` of it).
    in_port: Atomic<bool>,
}

// SAFETY: The class's phy functions may be called from any thread; the
// handle's own state is atomic.
unsafe impl<T: SasOperations> Send for SasPhy<T> {}
// SAFETY: As above.
unsafe impl<T: SasOperations> Sync for SasPhy<T> {}

impl<T: SasOperations> SasPhy<T> {
    /// Registers phy `number` of the host with its identify data (the HBA
    /// side: device type, the HBA's SAS address, initiator protocols) and
    /// link rates. `ENODEV` once the host is being removed.
    pub fn new(
        host: &SasHost<'_, T>,
        number: u32,
        identify: &Identify,
        rates: &PhyRates,
    ) -> Result<Arc<Self>> {
        let number = c_int::try_from(number).map_err(|_| EINVAL)?;
        let _token = host.host.gate().enter().ok_or(ENODEV)?;
        host.transport.phy_get()?;
        // SAFETY: The host is live and is a SAS host (checked by
        // `SasTransport::host`); its removal has not started (gate).
        let phy = unsafe { bindings::sas_phy_alloc(host.gendev(), number) };
        let Some(phy) = NonNull::new(phy) else {
            host.transport.phy_put();
            return Err(ENOMEM);
        };
        let p = phy.as_ptr();
        // SAFETY: Allocated above and not added: nobody else reads it.
        unsafe { (*p).identify = identify_to_c(identify) };
        // SAFETY: As above; the phy is allocated and its identify data set.
        unsafe { SasPhyRef::from_raw(p) }.set_rates(rates);
        // SAFETY: Allocated by `sas_phy_alloc`, not added yet.
        let ret = unsafe { bindings::sas_phy_add(p) };
        if ret != 0 {
            // SAFETY: Not added; this drops the only reference.
            unsafe { bindings::sas_phy_free(p) };
            host.transport.phy_put();
            return Err(Error::from_errno(ret));
        }
        // SAFETY: The phy is live; our own reference, put by `drop`.
        unsafe { kernel::bindings::get_device(&raw mut (*p).dev) };
        // INVARIANT: Added under the host, referenced, identify data set
        // before the add, counted by `phy_get`.
        let this = Self {
            phy,
            // INVARIANT: The phy holds the host.
            host: HostAnchor::new(host.host),
            transport: host.transport,
            in_port: Atomic::new(false),
        };
        // On failure `this` drops, which deletes the phy.
        Ok(Arc::new(this, GFP_KERNEL)?)
    }

    /// Records new link rates (after a link change); sysfs shows them.
    pub fn set_rates(&self, rates: &PhyRates) {
        (**self).set_rates(rates);
    }
}

impl<T: SasOperations> core::ops::Deref for SasPhy<T> {
    type Target = SasPhyRef;

    fn deref(&self) -> &SasPhyRef {
        // SAFETY: We hold a reference to the phy, whose identify data is
        // not written any more (type invariant).
        unsafe { SasPhyRef::from_raw(self.phy.as_ptr()) }
    }
}

impl<T: SasOperations> Drop for SasPhy<T> {
    fn drop(&mut self) {
        let p = self.phy.as_ptr();
        if let Some(_token) = self.host.gate().enter() {
            // SAFETY: Added (type invariant) and, with the gate open, not
            // deleted by the host's removal; this is the last handle, so it
            // is deleted once. No port lists it: a port holds an `Arc` of
            // each phy until the phy is unlinked.
            unsafe { bindings::sas_phy_delete(p) };
        }
        // SAFETY: Our reference (type invariant); the transport template
        // its release reads is live (this handle is counted).
        unsafe { kernel::bindings::put_device(&raw mut (*p).dev) };
        self.transport.phy_put();
    }
}

/// A SAS remote phy (`struct sas_rphy`), borrowed: an end device at the
/// other end of a port.
///
/// # Invariants
///
/// The wrapped remote phy is allocated (it may have been deleted), was
/// added, and its identify data is not written any more.
#[repr(transparent)]
pub struct SasRphyRef(Opaque<bindings::sas_rphy>);

impl SasRphyRef {
    /// # Safety
    ///
    /// `rphy` must be allocated for `'a` and added.
    unsafe fn from_raw<'a>(rphy: *mut bindings::sas_rphy) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; allocated for `'a`.
        unsafe { &*rphy.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::sas_rphy {
        self.0.get()
    }

    /// The remote phy a target hangs under: `None` for a target that is
    /// not a SAS end device's (a host scanned with `scsi_scan_host`).
    pub fn of_target(target: &Target) -> Option<&SasRphyRef> {
        // SAFETY: The target is live; its parent does not change.
        let parent = unsafe { (*target.raw()).dev.parent };
        // SAFETY: A live target's parent is a live device (the target
        // holds it).
        if parent.is_null() || unsafe { bindings::scsi_is_sas_rphy(parent) } == 0 {
            return None;
        }
        // SAFETY: The parent is the `dev` of a `struct sas_rphy`.
        let rphy = unsafe { kernel::container_of!(parent, bindings::sas_rphy, dev) };
        // SAFETY: The target holds its parent; a remote phy has targets
        // only once it was added.
        Some(unsafe { SasRphyRef::from_raw(rphy) })
    }

    /// The remote phy of a device's target (see [`Self::of_target`]).
    pub fn of_device<T: HostOperations>(dev: &Device<T>) -> Option<&SasRphyRef> {
        // SAFETY: A live device's target is live as long as the device.
        let starget = unsafe { bindings::orion_helper_scsi_target(dev.raw()) };
        // SAFETY: As above.
        Self::of_target(unsafe { Target::from_raw(starget) })
    }

    /// The remote phy's identify data.
    pub fn identify(&self) -> Identify {
        // SAFETY: By the type invariant the remote phy is allocated and its
        // identify data not written any more.
        identify_from_c(unsafe { &(*self.raw()).identify })
    }

    /// The SAS address of the device.
    pub fn sas_address(&self) -> u64 {
        self.identify().sas_address
    }

    /// The target id the class gave the end device (its targets are
    /// `H:0:id:L`); `None` if it has no SCSI target.
    pub fn scsi_target_id(&self) -> Option<u32> {
        // SAFETY: The remote phy is allocated; the id is set by
        // `sas_rphy_add`, before the remote phy has targets or a handle
        // returns it.
        let id = unsafe { (*self.raw()).scsi_target_id };
        (id != u32::MAX).then_some(id)
    }

    /// The remote phy's device, for `dev_*` logging.
    pub fn as_dev(&self) -> &kernel::device::Device {
        // SAFETY: The remote phy, and with it its embedded device, is
        // allocated.
        unsafe { kernel::device::Device::from_raw(&raw mut (*self.raw()).dev) }
    }
}

/// A SAS port of the host (`port-H:N`), owned by the driver, with its phys
/// and the end device attached to it. Dropping it deletes the end device
/// (its target and SCSI devices first), unlinks the phys, then deletes the
/// port.
///
/// # Invariants
///
/// `port` was added under host `shost` of `T` and we hold a reference to
/// it; `phys` are the phys linked into it, each marked `in_port`; `rphy`,
/// if any, is the end device added on it, referenced by us.
pub struct SasPort<T: SasOperations> {
    port: NonNull<bindings::sas_port>,
    host: HostAnchor<T>,
    phys: KVec<Arc<SasPhy<T>>>,
    rphy: Option<NonNull<bindings::sas_rphy>>,
}

// SAFETY: The class's port functions may be called from any thread;
// mutation of the handle goes through `&mut self`.
unsafe impl<T: SasOperations> Send for SasPort<T> {}
// SAFETY: `&self` methods only read.
unsafe impl<T: SasOperations> Sync for SasPort<T> {}

impl<T: SasOperations> SasPort<T> {
    /// Registers a new, empty port on the host, numbered by the class.
    /// `ENODEV` once the host is being removed.
    pub fn new(host: &SasHost<'_, T>) -> Result<Self> {
        let _token = host.host.gate().enter().ok_or(ENODEV)?;
        // SAFETY: The host is live and is a SAS host; its removal has not
        // started (gate).
        let port = unsafe { bindings::sas_port_alloc_num(host.gendev()) };
        let port = NonNull::new(port).ok_or(ENOMEM)?;
        // SAFETY: Allocated, not added, no phys yet.
        let ret = unsafe { bindings::sas_port_add(port.as_ptr()) };
        if ret != 0 {
            // SAFETY: Not added; this drops the only reference.
            unsafe { bindings::sas_port_free(port.as_ptr()) };
            return Err(Error::from_errno(ret));
        }
        // SAFETY: The port is live; our own reference, put by `drop`.
        unsafe { kernel::bindings::get_device(&raw mut (*port.as_ptr()).dev) };
        // INVARIANT: Added under the host, referenced, no phys, no rphy.
        Ok(Self {
            port,
            // INVARIANT: The port holds the host.
            host: HostAnchor::new(host.host),
            phys: KVec::new(),
            rphy: None,
        })
    }

    /// The port's number on the host (`port-H:N`).
    pub fn number(&self) -> u32 {
        // SAFETY: We hold the port; the identifier is set at allocation.
        u32::try_from(unsafe { (*self.port.as_ptr()).port_identifier }).unwrap_or(0)
    }

    /// Adds a phy of the same host to the port (a second one makes it a
    /// wide port). `EBUSY` if the phy is in a port already, `EINVAL` for
    /// another host's phy, `ENODEV` once the host is being removed.
    pub fn add_phy(&mut self, phy: &Arc<SasPhy<T>>) -> Result {
        if phy.host.shost != self.host.shost {
            pr_err!("SAS port: phy of another host refused\n");
            return Err(EINVAL);
        }
        self.phys.reserve(1, GFP_KERNEL)?;
        let _token = self.host.gate().enter().ok_or(ENODEV)?;
        if phy.in_port.cmpxchg(false, true, Full).is_err() {
            return Err(EBUSY);
        }
        // SAFETY: Both are added under the same host and not deleted (gate
        // open, handles alive); the phy is in no port (`in_port`).
        unsafe { bindings::sas_port_add_phy(self.port.as_ptr(), phy.phy.as_ptr()) };
        // INVARIANT: Linked and marked; the capacity was reserved above.
        if self.phys.push_within_capacity(phy.clone()).is_err() {
            // Not reached: reserved above. Undo rather than lose track.
            // SAFETY: Linked just above.
            unsafe { bindings::sas_port_delete_phy(self.port.as_ptr(), phy.phy.as_ptr()) };
            phy.in_port.store(false, Release);
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// Takes a phy out of the port (a wide port losing a link). `ENOENT`
    /// if it is not in the port, `ENODEV` once the host is being removed.
    pub fn remove_phy(&mut self, phy: &SasPhy<T>) -> Result {
        let i = self
            .phys
            .iter()
            .position(|p| core::ptr::eq(&**p, phy))
            .ok_or(ENOENT)?;
        let token = self.host.gate().enter().ok_or(ENODEV)?;
        // SAFETY: Linked into the port (type invariant), both live (gate).
        unsafe { bindings::sas_port_delete_phy(self.port.as_ptr(), phy.phy.as_ptr()) };
        let removed = self.phys.remove(i).map_err(|_| EINVAL)?;
        removed.in_port.store(false, Release);
        drop(token);
        // May be the last handle: deletes the phy (outside our token).
        drop(removed);
        Ok(())
    }

    /// The number of phys in the port.
    pub fn num_phys(&self) -> usize {
        self.phys.len()
    }

    /// Registers the end device at the other end of the port, with its
    /// identify data (device type [`DeviceType::EndDevice`], its SAS
    /// address, its target protocols). If it is a SCSI target (SSP, STP or
    /// SATA) the class scans it at once, synchronously: every LUN for SSP,
    /// LUN 0 otherwise, through the driver's `target_alloc`, `sdev_init`
    /// and `queuecommand`, so I/O must work, and the caller must not hold
    /// a lock those take. `EBUSY` if the port has an end device already,
    /// `EINVAL` for bad identify data, `ENODEV` once the host is being
    /// removed.
    pub fn add_end_device(&mut self, identify: &Identify) -> Result<&SasRphyRef> {
        if self.rphy.is_some() {
            return Err(EBUSY);
        }
        if let Err(e) = identify.check_end_device() {
            pr_err!("SAS end device refused: {e:?} ({identify:?})\n");
            return Err(EINVAL);
        }
        let _token = self.host.gate().enter().ok_or(ENODEV)?;
        // SAFETY: The port is added and not deleted (gate open, handle
        // alive).
        let rphy = unsafe { bindings::sas_end_device_alloc(self.port.as_ptr()) };
        let rphy = NonNull::new(rphy).ok_or(ENOMEM)?;
        let r = rphy.as_ptr();
        // SAFETY: Allocated, not added: nobody else reads it.
        unsafe { (*r).identify = identify_to_c(identify) };
        // SAFETY: Allocated on this port, which has no remote phy (checked
        // above: the port's only remote phy is ours). Scans; process
        // context.
        let ret = unsafe { bindings::sas_rphy_add(r) };
        if ret != 0 {
            // `sas_rphy_add` may leave the port pointing to the remote phy
            // it failed to add; a later `sas_port_delete` would delete it
            // again.
            // SAFETY: We hold the port.
            if unsafe { (*self.port.as_ptr()).rphy } == r {
                // SAFETY: The remote phy is allocated; its parent is our port.
                unsafe { bindings::sas_rphy_unlink(r) };
            }
            // SAFETY: Not added (or removed): this drops the only reference.
            unsafe { bindings::sas_rphy_free(r) };
            return Err(Error::from_errno(ret));
        }
        // SAFETY: The remote phy is live; our own reference, put when the
        // end device is removed or the port dropped.
        unsafe { kernel::bindings::get_device(&raw mut (*r).dev) };
        // INVARIANT: Added on this port and referenced.
        self.rphy = Some(rphy);
        // SAFETY: Added and referenced for as long as `self` is borrowed.
        Ok(unsafe { SasRphyRef::from_raw(r) })
    }

    /// The end device attached to the port.
    pub fn end_device(&self) -> Option<&SasRphyRef> {
        // SAFETY: Added and referenced by us while `self` holds it (type
        // invariant).
        self.rphy
            .map(|r| unsafe { SasRphyRef::from_raw(r.as_ptr()) })
    }

    /// Deletes the end device (its target and SCSI devices first, which
    /// waits for their commands), keeping the port.
    pub fn remove_end_device(&mut self) {
        let Some(r) = self.rphy.take() else {
            return;
        };
        if let Some(_token) = self.host.gate().enter() {
            // SAFETY: Added on this port and, with the gate open, not
            // deleted by the host's removal; `rphy` was ours alone, taken
            // above, so it is deleted once.
            unsafe { bindings::sas_rphy_delete(r.as_ptr()) };
        }
        // SAFETY: Our reference (type invariant).
        unsafe { kernel::bindings::put_device(&raw mut (*r.as_ptr()).dev) };
    }

    /// Scans the end device's target again (`SCSI_SCAN_RESCAN`: new LUNs
    /// are added, existing ones revalidated). `ENODEV` without an end
    /// device or once the host is being removed, `EINVAL` if it has no
    /// SCSI target.
    pub fn rescan_end_device(&self) -> Result {
        let rphy = self.end_device().ok_or(ENODEV)?;
        let id = rphy.scsi_target_id().ok_or(EINVAL)?;
        let lun = match rphy.identify().scan_luns().ok_or(EINVAL)? {
            // `SCAN_WILD_CARD` (~0) as the midlayer compares the u64 LUN.
            ScanLuns::All => u64::MAX,
            ScanLuns::Lun0 => 0,
        };
        let _token = self.host.gate().enter().ok_or(ENODEV)?;
        // SAFETY: The remote phy is added and, with the gate open, not
        // deleted; targets are created as its children on channel 0 with
        // the id the class gave it, as `sas_rphy_add` does. Process context.
        unsafe {
            bindings::scsi_scan_target(
                &raw mut (*rphy.raw()).dev,
                0,
                id,
                lun,
                bindings::scsi_scan_mode_SCSI_SCAN_RESCAN,
            )
        };
        Ok(())
    }

    /// Deletes the port now (as dropping it does).
    pub fn delete(self) {}
}

impl<T: SasOperations> Drop for SasPort<T> {
    fn drop(&mut self) {
        let port = self.port.as_ptr();
        if let Some(_token) = self.host.gate().enter() {
            // SAFETY: Added (type invariant) and, with the gate open, not
            // deleted by the host's removal; dropped once. Deletes the end
            // device and unlinks the phys.
            unsafe { bindings::sas_port_delete(port) };
        }
        if let Some(r) = self.rphy.take() {
            // SAFETY: Our reference (type invariant).
            unsafe { kernel::bindings::put_device(&raw mut (*r.as_ptr()).dev) };
        }
        for phy in self.phys.iter() {
            phy.in_port.store(false, Release);
        }
        // Unlinked (by us, or by the host's removal if the gate was
        // closed): the phys may go, the last of their handles deleting
        // them.
        self.phys.clear();
        // SAFETY: Our reference (type invariant); after `sas_port_delete`
        // (ours or the removal's) the port lists no phys.
        unsafe { kernel::bindings::put_device(&raw mut (*port).dev) };
    }
}

/// The host of a SAS object of a host of `T`.
///
/// # Safety
///
/// `dev` must be a registered phy or remote phy of a host of `T`, inside a
/// callback of the class (its sysfs files exist, so the host has not been
/// removed and its data is live).
unsafe fn host_of<'a, T: SasOperations>(dev: *mut bindings::device) -> Option<&'a HostRef<T>> {
    // SAFETY: `dev` is live; `dev_to_shost` walks up to the host.
    let shost = unsafe { bindings::orion_helper_dev_to_shost(dev) };
    if shost.is_null() {
        return None;
    }
    // SAFETY: The host is live and belongs to `T`, with initialised data
    // (safety requirements).
    Some(unsafe { HostRef::<T>::from_raw(shost) })
}

/// # Safety
///
/// `phy` must be a registered phy of a host of `T`, in a class callback.
unsafe fn phy_cb<'a, T: SasOperations>(
    phy: *mut bindings::sas_phy,
) -> Option<(&'a T::HostData, &'a SasPhyRef)> {
    // SAFETY: As the caller guarantees.
    let host = unsafe { host_of::<T>(&raw mut (*phy).dev) }?;
    // SAFETY: The phy was added, so its identify data is final.
    Some((host.data(), unsafe { SasPhyRef::from_raw(phy) }))
}

/// # Safety
///
/// `rphy` must be a registered remote phy of a host of `T`, in a class
/// callback.
unsafe fn rphy_cb<'a, T: SasOperations>(
    rphy: *mut bindings::sas_rphy,
) -> Option<(&'a T::HostData, &'a SasRphyRef)> {
    // SAFETY: As the caller guarantees.
    let host = unsafe { host_of::<T>(&raw mut (*rphy).dev) }?;
    // SAFETY: The remote phy was added.
    Some((host.data(), unsafe { SasRphyRef::from_raw(rphy) }))
}

/// `get_linkerrors` of the C function table.
///
/// # Safety
///
/// Called by the SAS class, from the sysfs files of a registered phy of a
/// host of `T`.
unsafe extern "C" fn get_linkerrors<T: SasOperations>(phy: *mut bindings::sas_phy) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_linkerrors(host, p) {
        Ok(e) => {
            // SAFETY: The phy is live; sysfs reads the counters
            // concurrently (another reader's callback), hence `write_once`.
            unsafe {
                write_once(&raw mut (*phy).invalid_dword_count, e.invalid_dword_count);
                write_once(
                    &raw mut (*phy).running_disparity_error_count,
                    e.running_disparity_error_count,
                );
                write_once(
                    &raw mut (*phy).loss_of_dword_sync_count,
                    e.loss_of_dword_sync_count,
                );
                write_once(
                    &raw mut (*phy).phy_reset_problem_count,
                    e.phy_reset_problem_count,
                );
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `get_enclosure_identifier` of the C function table.
///
/// # Safety
///
/// Called by the SAS class, from the sysfs files of a registered remote
/// phy of a host of `T`, with `id` valid for a write.
unsafe extern "C" fn get_enclosure_identifier<T: SasOperations>(
    rphy: *mut bindings::sas_rphy,
    id: *mut u64,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, r)) = (unsafe { rphy_cb::<T>(rphy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_enclosure_identifier(host, r) {
        Ok(v) => {
            // SAFETY: The class passes its local variable.
            unsafe { id.write(v) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `get_bay_identifier` of the C function table.
///
/// # Safety
///
/// As for [`get_enclosure_identifier`].
unsafe extern "C" fn get_bay_identifier<T: SasOperations>(rphy: *mut bindings::sas_rphy) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, r)) = (unsafe { rphy_cb::<T>(rphy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_bay_identifier(host, r).and_then(|v| c_int::try_from(v).map_err(|_| ERANGE)) {
        Ok(v) => v,
        Err(e) => e.to_errno(),
    }
}

/// `phy_reset` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`].
unsafe extern "C" fn phy_reset<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    hard: c_int,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::phy_reset(host, p, hard != 0) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `phy_enable` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`].
unsafe extern "C" fn phy_enable<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    enable: c_int,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::phy_enable(host, p, enable != 0) {
        Ok(()) => 0,
        Err(e) => {
            // The class's `enable` file drops the error: say it here.
            dev_err!(p.as_dev(), "phy enable={enable} failed: {e:?}\n");
            e.to_errno()
        }
    }
}

/// `set_phy_speed` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`], with `rates` valid for reads.
unsafe extern "C" fn set_phy_speed<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    rates: *mut bindings::sas_phy_linkrates,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    // SAFETY: The class passes its local variable.
    let req = unsafe { *rates };
    let limits = match RateLimits::check(req.minimum_linkrate, req.maximum_linkrate, &p.rates()) {
        Ok(l) => l,
        Err(e) => {
            dev_err!(
                p.as_dev(),
                "link rate request (min {}, max {}) refused: {e:?}\n",
                req.minimum_linkrate,
                req.maximum_linkrate
            );
            return EINVAL.to_errno();
        }
    };
    match T::set_phy_speed(host, p, limits) {
        Ok(()) => {
            // SAFETY: The phy is live; sysfs reads these concurrently.
            unsafe {
                if let Some(min) = limits.minimum {
                    write_once(&raw mut (*phy).minimum_linkrate, min.code());
                }
                if let Some(max) = limits.maximum {
                    write_once(&raw mut (*phy).maximum_linkrate, max.code());
                }
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}
