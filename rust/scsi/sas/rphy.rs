// SPDX-License-Identifier: GPL-2.0

//! SAS remote phys (end devices), borrowed: [`SasRphyRef`], and the
//! mapping from a SCSI target to the end device it hangs under.

use super::{common::identify_from_c, Identify};
use crate::bindings;
use crate::scsi::{
    device::{Device, Target},
    operations::HostOperations,
};
use kernel::types::Opaque;

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
    pub(super) unsafe fn from_raw<'a>(rphy: *mut bindings::sas_rphy) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; allocated for `'a`.
        unsafe { &*rphy.cast::<Self>() }
    }

    pub(super) fn raw(&self) -> *mut bindings::sas_rphy {
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
