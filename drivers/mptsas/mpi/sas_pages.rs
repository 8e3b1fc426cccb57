// SPDX-License-Identifier: GPL-2.0

//! The configuration pages that describe the SAS topology
//! (`lsi/mpi_cnfg.h`: `CONFIG_PAGE_MANUFACTURING_5`,
//! `CONFIG_PAGE_SAS_IO_UNIT_0`, `CONFIG_PAGE_SAS_DEVICE_0`,
//! `CONFIG_PAGE_SAS_PHY_0`, `CONFIG_PAGE_SAS_PHY_1`; device info bits from
//! `lsi/mpi_sas.h`).
//!
//! QEMU's topology: 8 phys, no expanders, phy i attached to SCSI target i.
//! Device handle 9 + i when target i has a disk, phy handle i + 1. A
//! disk's SAS address is its `wwn` property, 0 when unset; manufacturing
//! page 5 carries the HBA's own address.

use super::config::{
    PageHeader, MANUFACTURING_5, SAS_DEVICE_0, SAS_IO_UNIT_0, SAS_PHY_0, SAS_PHY_1,
};
use super::MpiError;
use crate::proto::le::{le16, le32, le64, u8_at};

/// Device info: device type bits.
pub const DEVICE_INFO_TYPE_MASK: u32 = 0x0000_0007;
/// Device type: nothing attached.
pub const DEVICE_INFO_NO_DEVICE: u32 = 0x0;
/// Device type: end device.
pub const DEVICE_INFO_END_DEVICE: u32 = 0x1;
/// Device type: edge expander.
pub const DEVICE_INFO_EDGE_EXPANDER: u32 = 0x2;
/// Device type: fanout expander.
pub const DEVICE_INFO_FANOUT_EXPANDER: u32 = 0x3;
/// Device info: SSP initiator.
pub const DEVICE_INFO_SSP_INITIATOR: u32 = 0x0000_0040;
/// Device info: SMP target.
pub const DEVICE_INFO_SMP_TARGET: u32 = 0x0000_0100;
/// Device info: STP target.
pub const DEVICE_INFO_STP_TARGET: u32 = 0x0000_0200;
/// Device info: SSP target.
pub const DEVICE_INFO_SSP_TARGET: u32 = 0x0000_0400;
/// Device info: SATA device.
pub const DEVICE_INFO_SATA_DEVICE: u32 = 0x0000_0080;
/// Link rate code: negotiation failed (QEMU: no disk on the phy).
pub const RATE_FAILED_NEGOTIATION: u8 = 0x02;
/// Link rate code: 1.5 Gbit/s.
pub const RATE_1_5: u8 = 0x08;
/// Link rate code: 3.0 Gbit/s.
pub const RATE_3_0: u8 = 0x09;
/// Link rate code: 6.0 Gbit/s.
pub const RATE_6_0: u8 = 0x0a;

/// Manufacturing page 5 size through BaseWWID.
pub const MANUFACTURING_5_MIN: usize = 0x0c;
/// SAS IO unit page 0 size before the phy table.
pub const SAS_IO_UNIT_0_HEADER: usize = 0x10;
/// Size of one SAS IO unit page 0 phy entry.
pub const SAS_IO_UNIT_0_PHY_SIZE: usize = 0x10;
/// SAS device page 0 size.
pub const SAS_DEVICE_0_SIZE: usize = 0x24;
/// SAS phy page 0 size.
pub const SAS_PHY_0_SIZE: usize = 0x24;
/// SAS phy page 1 size.
pub const SAS_PHY_1_SIZE: usize = 0x1c;

/// The HBA's SAS address from manufacturing page 5.
pub fn parse_manufacturing_5(page: &[u8]) -> Result<u64, MpiError> {
    PageHeader::check_page(page, MANUFACTURING_5, MANUFACTURING_5_MIN)?;
    le64(page, 0x04).ok_or(MpiError::BufferTooSmall)
}

/// One phy of SAS IO unit page 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoUnitPhy {
    /// Port the phy belongs to.
    pub port: u8,
    /// Port flags.
    pub port_flags: u8,
    /// Phy flags (0x04: disabled).
    pub phy_flags: u8,
    /// Negotiated link rate (`RATE_*`, low nibble).
    pub negotiated_link_rate: u8,
    /// Device info of the controller side.
    pub controller_phy_device_info: u32,
    /// Handle of the attached device (0: none).
    pub attached_dev_handle: u16,
    /// Handle of the controller (QEMU puts the disk's handle here too).
    pub controller_dev_handle: u16,
    /// Discovery status bits.
    pub discovery_status: u32,
}

/// SAS IO unit page 0, with access to its phy table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SasIoUnit0 {
    /// Phys in the table that are really present in the page data.
    pub num_phys: u8,
}

impl SasIoUnit0 {
    /// Parses the page. `num_phys` is bounded by what the page's length
    /// and the buffer hold, so [`Self::phy`] never reads garbage.
    pub fn parse(page: &[u8]) -> Result<Self, MpiError> {
        let h = PageHeader::check_page(page, SAS_IO_UNIT_0, SAS_IO_UNIT_0_HEADER)?;
        let claimed = u8_at(page, 0x0c).ok_or(MpiError::BufferTooSmall)?;
        let room = core::cmp::min(h.bytes(), page.len()).saturating_sub(SAS_IO_UNIT_0_HEADER)
            / SAS_IO_UNIT_0_PHY_SIZE;
        if usize::from(claimed) > room {
            return Err(MpiError::BadReply);
        }
        Ok(SasIoUnit0 { num_phys: claimed })
    }

    /// Phy `i` of the table.
    pub fn phy(&self, page: &[u8], i: u8) -> Result<IoUnitPhy, MpiError> {
        if i >= self.num_phys {
            return Err(MpiError::BadIndex);
        }
        let at = SAS_IO_UNIT_0_HEADER
            .checked_add(usize::from(i).saturating_mul(SAS_IO_UNIT_0_PHY_SIZE))
            .ok_or(MpiError::BadIndex)?;
        let b = |o: usize| u8_at(page, at.saturating_add(o)).ok_or(MpiError::BufferTooSmall);
        let w = |o: usize| le16(page, at.saturating_add(o)).ok_or(MpiError::BufferTooSmall);
        let d = |o: usize| le32(page, at.saturating_add(o)).ok_or(MpiError::BufferTooSmall);
        Ok(IoUnitPhy {
            port: b(0x00)?,
            port_flags: b(0x01)?,
            phy_flags: b(0x02)?,
            negotiated_link_rate: b(0x03)? & 0x0f,
            controller_phy_device_info: d(0x04)?,
            attached_dev_handle: w(0x08)?,
            controller_dev_handle: w(0x0a)?,
            discovery_status: d(0x0c)?,
        })
    }
}

/// SAS device page 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SasDevice0 {
    /// Enclosure slot.
    pub slot: u16,
    /// Enclosure handle (0: none).
    pub enclosure_handle: u16,
    /// The device's SAS address (QEMU: the disk's `wwn`, 0 when unset).
    pub sas_address: u64,
    /// Handle of the parent (QEMU: the phy, i + 1).
    pub parent_dev_handle: u16,
    /// Phy of the parent the device is attached to.
    pub phy_num: u8,
    /// Access status (0: no errors).
    pub access_status: u8,
    /// The device's handle.
    pub dev_handle: u16,
    /// Firmware target id to put in SCSI_IO and task management.
    pub target_id: u8,
    /// Firmware bus.
    pub bus: u8,
    /// `DEVICE_INFO_*` bits.
    pub device_info: u32,
    /// Flags (0x1: present).
    pub flags: u16,
    /// Physical port.
    pub physical_port: u8,
}

impl SasDevice0 {
    /// Parses the page.
    pub fn parse(page: &[u8]) -> Result<Self, MpiError> {
        PageHeader::check_page(page, SAS_DEVICE_0, SAS_DEVICE_0_SIZE)?;
        let b = |o| u8_at(page, o).ok_or(MpiError::BufferTooSmall);
        let w = |o| le16(page, o).ok_or(MpiError::BufferTooSmall);
        Ok(SasDevice0 {
            slot: w(0x08)?,
            enclosure_handle: w(0x0a)?,
            sas_address: le64(page, 0x0c).ok_or(MpiError::BufferTooSmall)?,
            parent_dev_handle: w(0x14)?,
            phy_num: b(0x16)?,
            access_status: b(0x17)?,
            dev_handle: w(0x18)?,
            target_id: b(0x1a)?,
            bus: b(0x1b)?,
            device_info: le32(page, 0x1c).ok_or(MpiError::BufferTooSmall)?,
            flags: w(0x20)?,
            physical_port: b(0x22)?,
        })
    }

    /// An end device that speaks SSP: what the midlayer can scan.
    pub fn is_ssp_end_device(&self) -> bool {
        self.device_info & DEVICE_INFO_TYPE_MASK == DEVICE_INFO_END_DEVICE
            && self.device_info & DEVICE_INFO_SSP_TARGET != 0
    }
}

/// SAS phy page 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SasPhy0 {
    /// Handle of the phy's owner.
    pub owner_dev_handle: u16,
    /// The phy's SAS address (QEMU: the HBA's).
    pub sas_address: u64,
    /// Handle of the attached device (0: none).
    pub attached_dev_handle: u16,
    /// Phy identifier on the attached device.
    pub attached_phy_identifier: u8,
    /// Device info of the attached device.
    pub attached_device_info: u32,
    /// Programmed link rates: max in the high nibble, min in the low.
    pub programmed_link_rate: u8,
    /// Hardware link rates, same layout.
    pub hw_link_rate: u8,
    /// Change count.
    pub change_count: u8,
    /// Flags.
    pub flags: u8,
    /// Phy info (negotiated rate in bits 3:0).
    pub phy_info: u32,
}

impl SasPhy0 {
    /// Parses the page.
    pub fn parse(page: &[u8]) -> Result<Self, MpiError> {
        PageHeader::check_page(page, SAS_PHY_0, SAS_PHY_0_SIZE)?;
        let b = |o| u8_at(page, o).ok_or(MpiError::BufferTooSmall);
        let w = |o| le16(page, o).ok_or(MpiError::BufferTooSmall);
        let d = |o| le32(page, o).ok_or(MpiError::BufferTooSmall);
        Ok(SasPhy0 {
            owner_dev_handle: w(0x08)?,
            sas_address: le64(page, 0x0c).ok_or(MpiError::BufferTooSmall)?,
            attached_dev_handle: w(0x14)?,
            attached_phy_identifier: b(0x16)?,
            attached_device_info: d(0x18)?,
            programmed_link_rate: b(0x1c)?,
            hw_link_rate: b(0x1d)?,
            change_count: b(0x1e)?,
            flags: b(0x1f)?,
            phy_info: d(0x20)?,
        })
    }
}

/// SAS phy page 1: the error counters behind `sas_phy` link errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SasPhy1 {
    /// Invalid dwords.
    pub invalid_dword_count: u32,
    /// Running disparity errors.
    pub running_disparity_error_count: u32,
    /// Loss of dword synchronisation.
    pub loss_dword_synch_count: u32,
    /// Phy reset problems.
    pub phy_reset_problem_count: u32,
}

impl SasPhy1 {
    /// Parses the page.
    pub fn parse(page: &[u8]) -> Result<Self, MpiError> {
        PageHeader::check_page(page, SAS_PHY_1, SAS_PHY_1_SIZE)?;
        let d = |o| le32(page, o).ok_or(MpiError::BufferTooSmall);
        Ok(SasPhy1 {
            invalid_dword_count: d(0x0c)?,
            running_disparity_error_count: d(0x10)?,
            loss_dword_synch_count: d(0x14)?,
            phy_reset_problem_count: d(0x18)?,
        })
    }
}

/// The SAS address to register for the end device on `phy` when its page
/// says 0 (a QEMU disk without `wwn=`): the HBA address with `phy + 1` in
/// byte 4. It differs from the HBA's and between phys and stays the same
/// across reloads; a real `wwn` always wins.
pub fn end_device_address(page_address: u64, hba: u64, phy: u8) -> u64 {
    if page_address != 0 {
        return page_address;
    }
    hba ^ (u64::from(phy).saturating_add(1) << 32)
}
