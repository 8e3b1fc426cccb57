// SPDX-License-Identifier: GPL-2.0

//! The SAS fabric the driver registers, derived from the configuration
//! pages ([`super::sas_pages`]): the HBA's phys with their link rates, the
//! end device attached to each phy with its SAS address and its firmware
//! address (Bus and TargetID for SCSI_IO and task management), and what
//! changed since the last reading (after an IOC reset).
//!
//! QEMU has no expanders: every end device sits directly on one phy of
//! the HBA, so the fabric is one table indexed by phy number with at most
//! one end device per phy, and each end device gets a narrow port.

use super::sas_pages::{
    end_device_address, IoUnitPhy, SasDevice0, SasPhy0, DEVICE_INFO_SATA_DEVICE,
    DEVICE_INFO_SSP_TARGET, DEVICE_INFO_STP_TARGET, RATE_1_5, RATE_3_0, RATE_6_0,
};

/// Phys the driver registers at most (the SAS1068 has 8).
pub const MAX_PHYS: u8 = 32;

/// MPI link rate code: unknown.
pub const MPI_RATE_UNKNOWN: u8 = 0x00;
/// MPI link rate code: phy disabled.
pub const MPI_RATE_PHY_DISABLED: u8 = 0x01;
/// MPI link rate code: speed negotiation failed.
pub const MPI_RATE_FAILED_NEGOTIATION: u8 = 0x02;
/// MPI link rate code: SATA OOB complete (no rate yet).
pub const MPI_RATE_SATA_OOB_COMPLETE: u8 = 0x03;

/// `SAS_LINK_RATE_*` / `SAS_PHY_*` codes of the SAS transport class
/// (`include/scsi/scsi_transport_sas.h`).
pub mod class {
    /// Unknown.
    pub const UNKNOWN: u32 = 0;
    /// Phy disabled.
    pub const PHY_DISABLED: u32 = 1;
    /// 1.5 Gbit/s.
    pub const G1_5: u32 = 8;
    /// 3.0 Gbit/s.
    pub const G3: u32 = 9;
    /// 6.0 Gbit/s.
    pub const G6: u32 = 10;
    /// Negotiation failed.
    pub const FAILED: u32 = 0x10;
}

/// The transport class's code for an MPI link rate nibble (as Linux's
/// `mptsas_set_rphy`/`mptsas_sas_phy_pg0` map them).
pub fn class_rate(mpi: u8) -> u32 {
    match mpi & 0x0f {
        MPI_RATE_PHY_DISABLED => class::PHY_DISABLED,
        MPI_RATE_FAILED_NEGOTIATION => class::FAILED,
        RATE_1_5 => class::G1_5,
        RATE_3_0 => class::G3,
        RATE_6_0 => class::G6,
        _ => class::UNKNOWN,
    }
}

/// A phy's rates as class codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateCodes {
    /// Negotiated rate or link state.
    pub negotiated: u32,
    /// Lowest hardware rate.
    pub minimum_hw: u32,
    /// Lowest programmed rate.
    pub minimum: u32,
    /// Highest hardware rate.
    pub maximum_hw: u32,
    /// Highest programmed rate.
    pub maximum: u32,
}

/// The rates of a phy: negotiated from SAS IO unit page 0, the hardware
/// and programmed ranges from SAS phy page 0 (max in the high nibble, min
/// in the low one) when it could be read.
pub fn phy_rates(unit: &IoUnitPhy, page: Option<&SasPhy0>) -> RateCodes {
    let (hw, prog) = page.map_or((0, 0), |p| (p.hw_link_rate, p.programmed_link_rate));
    RateCodes {
        negotiated: class_rate(unit.negotiated_link_rate),
        minimum_hw: class_rate(hw),
        minimum: class_rate(prog),
        maximum_hw: class_rate(hw >> 4),
        maximum: class_rate(prog >> 4),
    }
}

/// An end device attached to a phy of the HBA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndDevice {
    /// The HBA phy it is attached to.
    pub phy: u8,
    /// Its firmware device handle.
    pub handle: u16,
    /// The SAS address registered for it (never 0).
    pub sas_address: u64,
    /// The page gave 0 (QEMU: no `wwn=`) or a duplicate, so the address was
    /// derived ([`end_device_address`]).
    pub derived: bool,
    /// Firmware address for SCSI_IO and task management.
    pub fw: FwAddr,
    /// The device's phy identifier (its own phy attached to ours).
    pub phy_identifier: u8,
    /// Target protocols: SSP, STP, SATA (`DEVICE_INFO_*` bits).
    pub device_info: u32,
}

/// Why a SAS device page does not give an end device to register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The page is another device's (the handle does not match the phy's
    /// attached handle).
    WrongHandle,
    /// Not an end device, or no SCSI target protocol: nothing to scan.
    NotScsiEndDevice,
}

/// The end device on `phy` from its SAS device page 0, read by the handle
/// SAS IO unit page 0 gave for that phy; `hba` is the HBA's own address,
/// from which an address is derived when the page has none.
pub fn end_device(
    phy: u8,
    unit: &IoUnitPhy,
    page: &SasDevice0,
    hba: u64,
) -> Result<EndDevice, Skip> {
    if unit.attached_dev_handle == 0 || page.dev_handle != unit.attached_dev_handle {
        return Err(Skip::WrongHandle);
    }
    let scsi = DEVICE_INFO_SSP_TARGET | DEVICE_INFO_STP_TARGET | DEVICE_INFO_SATA_DEVICE;
    if page.device_info & super::sas_pages::DEVICE_INFO_TYPE_MASK
        != super::sas_pages::DEVICE_INFO_END_DEVICE
        || page.device_info & scsi == 0
    {
        return Err(Skip::NotScsiEndDevice);
    }
    let sas_address = end_device_address(page.sas_address, hba, phy);
    Ok(EndDevice {
        phy,
        handle: page.dev_handle,
        sas_address,
        derived: sas_address != page.sas_address,
        fw: FwAddr {
            bus: page.bus,
            target: page.target_id,
        },
        phy_identifier: page.phy_num,
        device_info: page.device_info,
    })
}

/// What [`make_unique`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uniqueness {
    /// Devices given their phy's derived address.
    pub changed: usize,
    /// Devices whose derived address was taken too: their address is now
    /// 0 and they must not be registered (two devices with one address
    /// would route one's I/O to the other).
    pub dropped: usize,
}

/// Makes the addresses of `devs` unique: a device whose address an
/// earlier one (or the HBA) already has gets the derived address of its
/// phy instead (QEMU disks with the same `wwn=`; Linux would merge them
/// into one wide port to one device). A device whose derived address is
/// taken too (a `wwn=` equal to it) is left with address 0.
pub fn make_unique(devs: &mut [EndDevice], hba: u64) -> Uniqueness {
    let mut done = Uniqueness::default();
    for i in 0..devs.len() {
        let taken = |devs: &[EndDevice], a: u64| {
            a == hba || devs.iter().take(i).any(|b| b.sas_address == a)
        };
        let Some(d) = devs.get(i).copied() else {
            break;
        };
        if !taken(devs, d.sas_address) {
            continue;
        }
        let derived = end_device_address(0, hba, d.phy);
        let clash = taken(devs, derived);
        let Some(d) = devs.get_mut(i) else {
            break;
        };
        if clash {
            d.sas_address = 0;
            done.dropped = done.dropped.saturating_add(1);
        } else {
            d.sas_address = derived;
            d.derived = true;
            done.changed = done.changed.saturating_add(1);
        }
    }
    done
}

/// Where the firmware addresses a device (SCSI_IO and TM TargetID/Bus).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FwAddr {
    /// Bus.
    pub bus: u8,
    /// TargetID.
    pub target: u8,
}

const FW_VALID: u32 = 1 << 16;

impl FwAddr {
    /// One word for an atomic table entry (0: no device).
    pub fn encode(self) -> u32 {
        FW_VALID | u32::from(self.bus) << 8 | u32::from(self.target)
    }

    /// The address in a table word; `None` for an empty entry.
    pub fn decode(word: u32) -> Option<Self> {
        if word & FW_VALID == 0 {
            return None;
        }
        let [target, bus, _, _] = word.to_le_bytes();
        Some(FwAddr { bus, target })
    }
}

/// Table word of an end device whose firmware address is being read
/// again (after an IOC reset whose own read failed): hold its I/O.
const FW_WAIT: u32 = 1 << 17;

/// Where the I/O path sends a registered end device's commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// To this firmware address.
    To(FwAddr),
    /// Nowhere yet: its address is being read again (requeue).
    Wait,
    /// Nowhere: it is gone, or another device took its phy.
    Gone,
}

impl Route {
    /// One word for an atomic table entry (0: [`Route::Gone`]).
    pub fn encode(self) -> u32 {
        match self {
            Route::To(a) => a.encode(),
            Route::Wait => FW_WAIT,
            Route::Gone => 0,
        }
    }

    /// The route in a table word.
    pub fn decode(word: u32) -> Self {
        match FwAddr::decode(word) {
            Some(a) => Route::To(a),
            None if word & FW_WAIT != 0 => Route::Wait,
            None => Route::Gone,
        }
    }
}

/// The route of the end device registered with SAS address `registered`
/// after an IOC reset, given the device its phy reports now: its new
/// firmware address if it is the same device, else none. A firmware may
/// number its targets anew after a reset; an address kept from before
/// could send the device's commands to another disk.
pub fn readdressed(registered: u64, now: Option<&EndDevice>) -> Route {
    match now {
        Some(d) if d.sas_address == registered => Route::To(d.fw),
        _ => Route::Gone,
    }
}

/// What to do with one phy's end device after reading the pages again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing was and nothing is attached.
    None,
    /// The same device (same SAS address): keep its end device and
    /// targets, refresh its firmware address.
    Keep,
    /// A device is attached now: add an end device.
    Add,
    /// The device went away: remove its end device.
    Remove,
    /// Another device took its place: remove, then add.
    Replace,
}

/// Compares the address registered on a phy with the one read now.
pub fn change(registered: Option<u64>, now: Option<u64>) -> Change {
    match (registered, now) {
        (None, None) => Change::None,
        (None, Some(_)) => Change::Add,
        (Some(_), None) => Change::Remove,
        (Some(a), Some(b)) if a == b => Change::Keep,
        (Some(_), Some(_)) => Change::Replace,
    }
}
