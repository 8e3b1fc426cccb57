// SPDX-License-Identifier: GPL-2.0

//! SAS ports of the HBA: the [`SasPort`] handle, which holds its phys and
//! owns the end device attached to it.

use super::{
    common::{identify_to_c, HostAnchor},
    Identify, SasHost, SasOperations, SasPhy, SasRphyRef, ScanLuns,
};
use crate::bindings;
use core::ptr::NonNull;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Full, Release},
        Arc,
    },
};

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
