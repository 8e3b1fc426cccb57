// SPDX-License-Identifier: GPL-2.0

//! The fields of the CTRL_GET_INFO reply (`mfi_ctrl_info`, 2048 bytes)
//! that a driver needs. Offsets agree between QEMU's `mfi.h` and Linux's
//! `struct megasas_ctrl_info`.

use super::MfiError;
use crate::proto::le::{le16, le32, le64, u8_at};

/// Size of the reply; QEMU refuses a smaller buffer.
pub const CTRL_INFO_SIZE: usize = 2048;

/// Offset: PCI vendor id (then device, subvendor, subdevice, u16 each).
pub const OFF_PCI_VENDOR: usize = 0x00;
/// Offset: host interface port count.
pub const OFF_HOST_PORT_COUNT: usize = 0x27;
/// Offset: host interface port SAS addresses (8 x u64).
pub const OFF_HOST_PORT_ADDR: usize = 0x28;
/// Offset: device interface port count.
pub const OFF_DEVICE_PORT_COUNT: usize = 0x6f;
/// Offset: device interface port SAS addresses (8 x u64).
pub const OFF_DEVICE_PORT_ADDR: usize = 0x70;
/// Offset: maximum logical drives.
pub const OFF_MAX_LDS: usize = 0x53f;
/// Offset: product name (80 bytes, NUL padded).
pub const OFF_PRODUCT_NAME: usize = 0x540;
/// Offset: serial number (32 bytes, NUL padded).
pub const OFF_SERIAL: usize = 0x590;
/// Offset: maximum concurrent commands (u16).
pub const OFF_MAX_CMDS: usize = 0x5b8;
/// Offset: maximum SG entries (u16).
pub const OFF_MAX_SGE: usize = 0x5ba;
/// Offset: maximum request size in 512-byte sectors (u32).
pub const OFF_MAX_REQUEST_SIZE: usize = 0x5bc;
/// Offset: logical drives present (u16).
pub const OFF_LDS_PRESENT: usize = 0x5c0;
/// Offset: physical devices present (u16).
pub const OFF_PD_PRESENT: usize = 0x5c6;

/// Product name field length.
pub const PRODUCT_NAME_LEN: usize = 80;
/// Serial number field length.
pub const SERIAL_LEN: usize = 32;
/// Ports per interface.
pub const MAX_PORTS: usize = 8;

/// The parsed controller information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtrlInfo {
    /// PCI vendor id.
    pub pci_vendor: u16,
    /// PCI device id.
    pub pci_device: u16,
    /// PCI subsystem vendor id.
    pub pci_subvendor: u16,
    /// PCI subsystem id.
    pub pci_subdevice: u16,
    /// Maximum concurrent commands.
    pub max_cmds: u16,
    /// Maximum SG entries per command.
    pub max_sge: u16,
    /// Maximum request size, 512-byte sectors (QEMU: 0xffff).
    pub max_request_sectors: u32,
    /// Maximum logical drives.
    pub max_lds: u8,
    /// Logical drives present.
    pub lds_present: u16,
    /// Physical devices present.
    pub pd_present: u16,
    /// Host-side SAS address: host port 0, if it reports ports and a
    /// non-zero address (QEMU reports none).
    pub sas_address: Option<u64>,
    /// Device interface port count as reported.
    pub device_port_count: u8,
    /// Device interface port addresses (QEMU: one per attached disk).
    pub device_ports: [u64; MAX_PORTS],
    product_name: [u8; PRODUCT_NAME_LEN],
    serial: [u8; SERIAL_LEN],
}

fn text<const N: usize>(buf: &[u8], off: usize) -> Result<[u8; N], MfiError> {
    let end = off.checked_add(N).ok_or(MfiError::BufferTooSmall)?;
    let src = buf.get(off..end).ok_or(MfiError::BufferTooSmall)?;
    let mut a = [0u8; N];
    a.copy_from_slice(src);
    Ok(a)
}

/// The text before the first NUL, without trailing spaces.
fn trim(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let s = field.get(..end).unwrap_or(&[]);
    let keep = s
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(0, |p| p.saturating_add(1));
    s.get(..keep).unwrap_or(&[])
}

impl CtrlInfo {
    /// Parses a CTRL_GET_INFO reply (at least [`CTRL_INFO_SIZE`] bytes).
    pub fn parse(buf: &[u8]) -> Result<Self, MfiError> {
        if buf.len() < CTRL_INFO_SIZE {
            return Err(MfiError::BufferTooSmall);
        }
        let e = MfiError::BufferTooSmall;
        let w16 = |off| le16(buf, off).ok_or(e);
        let port = |base: usize, i: usize| -> Result<u64, MfiError> {
            le64(buf, base.saturating_add(i.saturating_mul(8))).ok_or(e)
        };
        let host_ports = u8_at(buf, OFF_HOST_PORT_COUNT).ok_or(e)?;
        let host0 = port(OFF_HOST_PORT_ADDR, 0)?;
        let mut device_ports = [0u64; MAX_PORTS];
        for (i, p) in device_ports.iter_mut().enumerate() {
            *p = port(OFF_DEVICE_PORT_ADDR, i)?;
        }
        Ok(CtrlInfo {
            pci_vendor: w16(OFF_PCI_VENDOR)?,
            pci_device: w16(OFF_PCI_VENDOR + 2)?,
            pci_subvendor: w16(OFF_PCI_VENDOR + 4)?,
            pci_subdevice: w16(OFF_PCI_VENDOR + 6)?,
            max_cmds: w16(OFF_MAX_CMDS)?,
            max_sge: w16(OFF_MAX_SGE)?,
            max_request_sectors: le32(buf, OFF_MAX_REQUEST_SIZE).ok_or(e)?,
            max_lds: u8_at(buf, OFF_MAX_LDS).ok_or(e)?,
            lds_present: w16(OFF_LDS_PRESENT)?,
            pd_present: w16(OFF_PD_PRESENT)?,
            sas_address: (host_ports != 0 && host0 != 0).then_some(host0),
            device_port_count: u8_at(buf, OFF_DEVICE_PORT_COUNT).ok_or(e)?,
            device_ports,
            product_name: text(buf, OFF_PRODUCT_NAME)?,
            serial: text(buf, OFF_SERIAL)?,
        })
    }

    /// Product name up to the first NUL, trailing spaces removed
    /// (QEMU: "LSI MegaRAID SAS 8708EM2" / "LSI MegaRAID SAS 9260-8i").
    pub fn product_name(&self) -> &[u8] {
        trim(&self.product_name)
    }

    /// Serial number up to the first NUL, trailing spaces removed
    /// (QEMU default "QEMU123456").
    pub fn serial(&self) -> &[u8] {
        trim(&self.serial)
    }
}
