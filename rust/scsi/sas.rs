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
//!   shared as an [`Arc`](kernel::sync::Arc) between the driver and the ports it is part of;
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
//!   [`Arc`](kernel::sync::Arc) of a phy, the port, [`SasPort::remove_end_device`]) or, for
//!   those still registered when the host goes, by [`Host::remove`](super::Host::remove), which
//!   deletes ports (and with them their end devices and targets), then phys,
//!   before `scsi_remove_host` (as `sas_remove_host` does). Handles that
//!   outlive the removal keep their object's memory (a device reference)
//!   and delete nothing.
//! - Children before parents: a port holds an [`Arc`](kernel::sync::Arc) of each of its phys
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

mod callbacks;
mod common;
pub mod ident;
mod phy;
mod port;
mod rphy;

pub use ident::{
    DeviceType, Identify, LinkErrors, LinkRate, PhyRates, Protocols, RateLimits, SasError, ScanLuns,
};
pub use phy::{SasPhy, SasPhyRef};
pub use port::SasPort;
pub use rphy::SasRphyRef;

use super::{
    host::{HostRef, Template},
    operations::HostOperations,
    transport::TransportTeardown,
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::atomic::{Acquire, Atomic, Full, Release},
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
            ft.get_linkerrors = Some(callbacks::get_linkerrors::<T>);
        }
        if T::HAS_GET_ENCLOSURE_IDENTIFIER {
            ft.get_enclosure_identifier = Some(callbacks::get_enclosure_identifier::<T>);
        }
        if T::HAS_GET_BAY_IDENTIFIER {
            ft.get_bay_identifier = Some(callbacks::get_bay_identifier::<T>);
        }
        if T::HAS_PHY_RESET {
            ft.phy_reset = Some(callbacks::phy_reset::<T>);
        }
        if T::HAS_PHY_ENABLE {
            ft.phy_enable = Some(callbacks::phy_enable::<T>);
        }
        if T::HAS_SET_PHY_SPEED {
            ft.set_phy_speed = Some(callbacks::set_phy_speed::<T>);
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
