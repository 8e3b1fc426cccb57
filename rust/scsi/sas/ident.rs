// SPDX-License-Identifier: GPL-2.0

//! SAS identify data and link rates as the SAS transport class encodes
//! them (`include/scsi/scsi_transport_sas.h`, `include/scsi/sas.h`).
//!
//! Pure logic (`core` only, no panics), shared by the kernel abstraction in
//! `rust/scsi/sas.rs` and the host tests.

/// A link rate (`enum sas_linkrate`); the first six are states, not rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkRate {
    /// Not known (nothing negotiated yet, or no hardware limit).
    Unknown,
    /// The phy is disabled.
    PhyDisabled,
    /// The phy reset failed.
    ResetProblem,
    /// A SATA device waits for spin-up.
    SpinupHold,
    /// A SATA port selector is attached.
    PortSelector,
    /// A phy reset is running.
    ResetInProgress,
    /// 1.5 Gbit/s (G1).
    Gbps1_5,
    /// 3.0 Gbit/s (G2).
    Gbps3,
    /// 6.0 Gbit/s (G3).
    Gbps6,
    /// 12.0 Gbit/s (G4).
    Gbps12,
    /// 22.5 Gbit/s (G5).
    Gbps22_5,
    /// Negotiation failed (not a wire value: the class's own).
    Failed,
    /// A virtual phy (not a wire value).
    Virtual,
}

impl LinkRate {
    /// The class's code (`SAS_LINK_RATE_*`, `SAS_PHY_*`).
    pub const fn code(self) -> u32 {
        match self {
            LinkRate::Unknown => 0,
            LinkRate::PhyDisabled => 1,
            LinkRate::ResetProblem => 2,
            LinkRate::SpinupHold => 3,
            LinkRate::PortSelector => 4,
            LinkRate::ResetInProgress => 5,
            LinkRate::Gbps1_5 => 8,
            LinkRate::Gbps3 => 9,
            LinkRate::Gbps6 => 10,
            LinkRate::Gbps12 => 11,
            LinkRate::Gbps22_5 => 12,
            LinkRate::Failed => 0x10,
            LinkRate::Virtual => 0x11,
        }
    }

    /// The rate of a class code; `None` for codes the class does not define.
    pub const fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => LinkRate::Unknown,
            1 => LinkRate::PhyDisabled,
            2 => LinkRate::ResetProblem,
            3 => LinkRate::SpinupHold,
            4 => LinkRate::PortSelector,
            5 => LinkRate::ResetInProgress,
            8 => LinkRate::Gbps1_5,
            9 => LinkRate::Gbps3,
            10 => LinkRate::Gbps6,
            11 => LinkRate::Gbps12,
            12 => LinkRate::Gbps22_5,
            0x10 => LinkRate::Failed,
            0x11 => LinkRate::Virtual,
            _ => return None,
        })
    }

    /// The 4-bit rate field of SAS frames (SMP DISCOVER: `0x8` 1.5 Gbit/s
    /// ... `0xC` 22.5 Gbit/s, below `0x8` the states); the codes the class
    /// does not define (6, 7, 0xD-0xF) map to [`LinkRate::Unknown`].
    pub const fn from_wire(nibble: u8) -> Self {
        match Self::from_code((nibble & 0xf) as u32) {
            Some(r) => r,
            None => LinkRate::Unknown,
        }
    }

    /// Whether this is a transfer rate rather than a state.
    pub const fn is_rate(self) -> bool {
        matches!(
            self,
            LinkRate::Gbps1_5
                | LinkRate::Gbps3
                | LinkRate::Gbps6
                | LinkRate::Gbps12
                | LinkRate::Gbps22_5
        )
    }
}

/// A device type (`enum sas_device_type`), as the transport class shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceType {
    /// Nothing attached (`none` in sysfs).
    Unused,
    /// An end device (a disk, or an HBA's own phy).
    EndDevice,
    /// An edge expander.
    EdgeExpander,
    /// A fanout expander.
    FanoutExpander,
}

impl DeviceType {
    /// The class's code (`SAS_PHY_UNUSED` ... `SAS_FANOUT_EXPANDER_DEVICE`).
    pub const fn code(self) -> u32 {
        match self {
            DeviceType::Unused => 0,
            DeviceType::EndDevice => 1,
            DeviceType::EdgeExpander => 2,
            DeviceType::FanoutExpander => 3,
        }
    }

    /// The type of a class code; `None` for the codes libsas uses
    /// internally and for unknown ones.
    pub const fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => DeviceType::Unused,
            1 => DeviceType::EndDevice,
            2 => DeviceType::EdgeExpander,
            3 => DeviceType::FanoutExpander,
            _ => return None,
        })
    }
}

/// A set of SAS protocols (`enum sas_protocol` bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Protocols(u32);

impl Protocols {
    /// No protocol.
    pub const NONE: Self = Self(0);
    /// SATA (a directly attached SATA device).
    pub const SATA: Self = Self(0x1);
    /// Serial Management Protocol.
    pub const SMP: Self = Self(0x2);
    /// SATA Tunneled Protocol.
    pub const STP: Self = Self(0x4);
    /// Serial SCSI Protocol.
    pub const SSP: Self = Self(0x8);
    const ALL: u32 = 0xf;

    /// The class's bit mask.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The set of a class bit mask; `None` if it has bits the class does
    /// not define.
    pub const fn from_bits(bits: u32) -> Option<Self> {
        if bits & !Self::ALL != 0 {
            None
        } else {
            Some(Self(bits))
        }
    }

    /// Both sets.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every protocol of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any protocol of `other` is in `self`.
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Identify data of a phy or remote phy (`struct sas_identify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identify {
    /// What the phy belongs to.
    pub device_type: DeviceType,
    /// Protocols the device can initiate.
    pub initiator_protocols: Protocols,
    /// Protocols the device answers as a target.
    pub target_protocols: Protocols,
    /// The SAS address (world wide name) of the device's port.
    pub sas_address: u64,
    /// The phy's number within its device.
    pub phy_identifier: u8,
}

/// Why identify data or a rate request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SasError {
    /// An end device must have device type [`DeviceType::EndDevice`].
    NotEndDevice,
    /// SAS address 0 is no address: the class and `lsscsi` would show
    /// every such device under one address.
    NoAddress,
    /// A rate request named a state, not a rate.
    NotARate,
    /// Neither limit was given.
    NoChange,
    /// A limit outside the phy's hardware range.
    OutsideHardware,
    /// The minimum would exceed the maximum.
    MinAboveMax,
}

/// The LUNs `sas_rphy_add` scans on an end device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanLuns {
    /// Every LUN (REPORT LUNS, then sequential): an SSP target.
    All,
    /// LUN 0 only: a SATA or STP device.
    Lun0,
}

impl Identify {
    /// Checks identify data for an end device remote phy.
    pub const fn check_end_device(&self) -> Result<(), SasError> {
        if !matches!(self.device_type, DeviceType::EndDevice) {
            return Err(SasError::NotEndDevice);
        }
        if self.sas_address == 0 {
            return Err(SasError::NoAddress);
        }
        Ok(())
    }

    /// What `sas_rphy_add` scans for an end device with this identify
    /// data: `None` when it gets no SCSI target (no SSP, STP or SATA
    /// target protocol; its `scsi_target_id` is then -1).
    pub const fn scan_luns(&self) -> Option<ScanLuns> {
        let scsi = Protocols::SSP.union(Protocols::STP).union(Protocols::SATA);
        if !matches!(self.device_type, DeviceType::EndDevice)
            || !self.target_protocols.intersects(scsi)
        {
            None
        } else if self.target_protocols.contains(Protocols::SSP) {
            Some(ScanLuns::All)
        } else {
            Some(ScanLuns::Lun0)
        }
    }
}

/// A phy's link rates, as sysfs shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhyRates {
    /// The negotiated rate, or the link's state.
    pub negotiated: LinkRate,
    /// The lowest rate the hardware supports.
    pub minimum_hw: LinkRate,
    /// The lowest rate the phy is programmed to negotiate.
    pub minimum: LinkRate,
    /// The highest rate the hardware supports.
    pub maximum_hw: LinkRate,
    /// The highest rate the phy is programmed to negotiate.
    pub maximum: LinkRate,
}

impl PhyRates {
    /// Nothing known.
    pub const UNKNOWN: Self = Self {
        negotiated: LinkRate::Unknown,
        minimum_hw: LinkRate::Unknown,
        minimum: LinkRate::Unknown,
        maximum_hw: LinkRate::Unknown,
        maximum: LinkRate::Unknown,
    };
}

/// A phy's link error counters (`sas_phy`'s, read by `get_linkerrors`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkErrors {
    /// Invalid dwords received.
    pub invalid_dword_count: u32,
    /// Running disparity errors.
    pub running_disparity_error_count: u32,
    /// Times dword synchronization was lost.
    pub loss_of_dword_sync_count: u32,
    /// Phy reset problems.
    pub phy_reset_problem_count: u32,
}

/// New programmed rate limits for a phy (a write to its
/// `minimum_linkrate` or `maximum_linkrate` sysfs file): `None` leaves a
/// limit as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// The new minimum.
    pub minimum: Option<LinkRate>,
    /// The new maximum.
    pub maximum: Option<LinkRate>,
}

impl RateLimits {
    /// Checks a `set_phy_speed` request, given as the class passes it
    /// (`struct sas_phy_linkrates`: 0 for the limit not written), against
    /// the phy's rates: each limit given must be a rate, inside the
    /// hardware range where the hardware limits are known, and the
    /// resulting minimum must not exceed the resulting maximum.
    pub fn check(min_code: u32, max_code: u32, phy: &PhyRates) -> Result<Self, SasError> {
        let limit = |code: u32| -> Result<Option<LinkRate>, SasError> {
            if code == 0 {
                return Ok(None);
            }
            match LinkRate::from_code(code) {
                Some(r) if r.is_rate() => Ok(Some(r)),
                _ => Err(SasError::NotARate),
            }
        };
        let minimum = limit(min_code)?;
        let maximum = limit(max_code)?;
        if minimum.is_none() && maximum.is_none() {
            return Err(SasError::NoChange);
        }
        for r in [minimum, maximum].into_iter().flatten() {
            if (phy.minimum_hw.is_rate() && r < phy.minimum_hw)
                || (phy.maximum_hw.is_rate() && r > phy.maximum_hw)
            {
                return Err(SasError::OutsideHardware);
            }
        }
        let new_min = minimum.unwrap_or(phy.minimum);
        let new_max = maximum.unwrap_or(phy.maximum);
        if new_min.is_rate() && new_max.is_rate() && new_min > new_max {
            return Err(SasError::MinAboveMax);
        }
        Ok(Self { minimum, maximum })
    }
}
