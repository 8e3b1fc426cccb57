// SPDX-License-Identifier: GPL-2.0

//! SAS phys of the HBA: the [`SasPhy`] handle and the borrowed
//! [`SasPhyRef`].

use super::{
    common::{identify_from_c, identify_to_c, rate, read_once, write_once, HostAnchor},
    Identify, PhyRates, SasHost, SasOperations, SasTransport,
};
use crate::bindings;
use core::ptr::NonNull;
use kernel::{
    prelude::*,
    sync::{atomic::Atomic, Arc},
    types::Opaque,
};

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
    pub(super) unsafe fn from_raw<'a>(phy: *mut bindings::sas_phy) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; allocated for `'a`.
        unsafe { &*phy.cast::<Self>() }
    }

    pub(super) fn raw(&self) -> *mut bindings::sas_phy {
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

    pub(super) fn set_rates(&self, r: &PhyRates) {
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
    pub(super) phy: NonNull<bindings::sas_phy>,
    pub(super) host: HostAnchor<T>,
    transport: &'static SasTransport<T>,
    /// Whether a [`SasPort`] lists the phy (and holds an `Arc` of it).
    pub(super) in_port: Atomic<bool>,
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
