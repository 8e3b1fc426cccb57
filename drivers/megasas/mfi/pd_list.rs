// SPDX-License-Identifier: GPL-2.0

//! The PD_GET_LIST reply (`mfi_pd_list`): total size, count, and entries of
//! 24 bytes (`mfi_pd_address`).
//!
//! QEMU encodes the device id as `scsi_id << 8 | lun`, one entry per
//! attached disk, and fills as many entries as the buffer holds.

use super::MfiError;
use crate::proto::le::{le16, le32, le64, u8_at};

/// Offset of the first entry.
pub const OFF_ENTRIES: usize = 8;
/// Entry size.
pub const ENTRY_SIZE: usize = 24;
/// Most entries in a reply (`MFI_MAX_SYS_PDS`).
pub const MAX_PDS: usize = 240;
/// Smallest buffer QEMU accepts (header plus one entry).
pub const PD_LIST_MIN_SIZE: usize = OFF_ENTRIES + ENTRY_SIZE;
/// Buffer size holding [`MAX_PDS`] entries.
pub const PD_LIST_MAX_SIZE: usize = OFF_ENTRIES + ENTRY_SIZE * MAX_PDS;
/// Entry offset: device id (u16).
pub const ENT_DEVICE_ID: usize = 0;
/// Entry offset: enclosure device id (u16, 0xffff: none).
pub const ENT_ENCL_DEVICE_ID: usize = 2;
/// Entry offset: slot number.
pub const ENT_SLOT: usize = 5;
/// Entry offset: SCSI peripheral device type.
pub const ENT_SCSI_DEV_TYPE: usize = 6;
/// Entry offset: first SAS address (u64).
pub const ENT_SAS_ADDR: usize = 8;

/// One physical device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdEntry {
    /// Firmware device id (the `PD_GET_INFO` key).
    pub device_id: u16,
    /// SCSI target id for PD SCSI IO (QEMU: `device_id >> 8`).
    pub scsi_id: u8,
    /// LUN for PD SCSI IO (QEMU: `device_id & 0xff`).
    pub lun: u8,
    /// Enclosure device id.
    pub encl_device_id: u16,
    /// Slot number.
    pub slot: u8,
    /// SCSI peripheral device type (0: disk).
    pub scsi_dev_type: u8,
    /// First SAS address.
    pub sas_addr: u64,
}

/// A validated PD_GET_LIST reply.
#[derive(Clone, Copy, Debug)]
pub struct PdList<'a> {
    buf: &'a [u8],
    size: u32,
    count: usize,
}

impl<'a> PdList<'a> {
    /// Validates the count against [`MAX_PDS`] and the buffer length.
    pub fn parse(buf: &'a [u8]) -> Result<Self, MfiError> {
        let size = le32(buf, 0).ok_or(MfiError::BufferTooSmall)?;
        let count = le32(buf, 4).ok_or(MfiError::BufferTooSmall)?;
        let count = usize::try_from(count).map_err(|_| MfiError::BadCount)?;
        if count > MAX_PDS {
            return Err(MfiError::BadCount);
        }
        let need = count
            .checked_mul(ENTRY_SIZE)
            .and_then(|n| n.checked_add(OFF_ENTRIES))
            .ok_or(MfiError::BadCount)?;
        if buf.len() < need {
            return Err(MfiError::BufferTooSmall);
        }
        Ok(PdList { buf, size, count })
    }

    /// The reply's own size field (QEMU: 8 + 24 * count).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True if there are no devices.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Entry `i`, `None` past the end.
    pub fn get(&self, i: usize) -> Option<PdEntry> {
        if i >= self.count {
            return None;
        }
        let base = i.checked_mul(ENTRY_SIZE)?.checked_add(OFF_ENTRIES)?;
        let device_id = le16(self.buf, base.checked_add(ENT_DEVICE_ID)?)?;
        let [scsi_id, lun] = device_id.to_be_bytes();
        Some(PdEntry {
            device_id,
            scsi_id,
            lun,
            encl_device_id: le16(self.buf, base.checked_add(ENT_ENCL_DEVICE_ID)?)?,
            slot: u8_at(self.buf, base.checked_add(ENT_SLOT)?)?,
            scsi_dev_type: u8_at(self.buf, base.checked_add(ENT_SCSI_DEV_TYPE)?)?,
            sas_addr: le64(self.buf, base.checked_add(ENT_SAS_ADDR)?)?,
        })
    }

    /// All entries in order.
    pub fn iter(&self) -> impl Iterator<Item = PdEntry> + 'a {
        let me = *self;
        (0..me.count).filter_map(move |i| me.get(i))
    }
}
