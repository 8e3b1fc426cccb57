// SPDX-License-Identifier: GPL-2.0

//! What the SAS phy, port and remote phy handles share: the host they
//! belong to, and the access to the C structures' fields.

use super::{DeviceType, Identify, LinkRate, Protocols, SasOperations};
use crate::bindings;
use crate::scsi::{host::HostRef, transport::TopologyGate};
use core::{marker::PhantomData, ptr::NonNull};

/// The host a phy or port handle belongs to.
///
/// # Invariants
///
/// `shost` is a host of `T` allocated by [`super::Host::new`] whose memory
/// stays allocated while the anchor's owner exists (the owner holds a
/// reference to an object under the host, which holds the host).
pub(super) struct HostAnchor<T: SasOperations> {
    pub(super) shost: NonNull<bindings::Scsi_Host>,
    _p: PhantomData<T>,
}

impl<T: SasOperations> HostAnchor<T> {
    pub(super) fn new(host: &HostRef<T>) -> Self {
        Self {
            // `HostRef` wraps the C host: its address is the host's.
            shost: NonNull::from(host).cast(),
            _p: PhantomData,
        }
    }

    /// The host's transport object gate.
    pub(super) fn gate(&self) -> &TopologyGate {
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
pub(super) unsafe fn write_once<V>(p: *mut V, v: V) {
    // SAFETY: As the caller guarantees.
    unsafe { core::ptr::write_volatile(p, v) }
}

/// Reads a field written concurrently (`READ_ONCE`).
///
/// # Safety
///
/// `p` must be valid for reads and aligned.
pub(super) unsafe fn read_once<V>(p: *const V) -> V {
    // SAFETY: As the caller guarantees.
    unsafe { core::ptr::read_volatile(p) }
}

pub(super) fn identify_to_c(id: &Identify) -> bindings::sas_identify {
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
pub(super) fn identify_from_c(id: &bindings::sas_identify) -> Identify {
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

pub(super) fn rate(code: bindings::sas_linkrate) -> LinkRate {
    LinkRate::from_code(code).unwrap_or(LinkRate::Unknown)
}
