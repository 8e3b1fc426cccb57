// SPDX-License-Identifier: GPL-2.0

//! Standard INQUIRY data.

use super::lun::LunConfig;
use crate::proto::sense::Sense;
use crate::proto::wire::Out;

/// Length of the standard INQUIRY data we return (through the version
/// descriptors).
pub const STANDARD_INQUIRY_LEN: usize = 74;

/// VERSION field: SPC-4.
const VERSION_SPC4: u8 = 0x06;

/// Version descriptors: SAM-5, SPC-4, SBC-3 (no particular revision).
const VERSION_DESCRIPTORS: [u16; 3] = [0x00A0, 0x0460, 0x04C0];

/// Fills standard INQUIRY data for a direct-access block device; returns
/// the full response length.
pub fn respond_standard_inquiry(lun: &LunConfig, buf: &mut [u8]) -> usize {
    let mut o = Out::new(buf);
    o.u8(0x00); // peripheral qualifier 0, device type 0 (disk)
    o.u8(0x00); // RMB=0
    o.u8(VERSION_SPC4);
    o.u8(0x12); // HISUP=1, RESPONSE DATA FORMAT=2
    o.u8((STANDARD_INQUIRY_LEN - 5) as u8); // ADDITIONAL LENGTH
    o.u8(0x00); // no TPGS/3PC/PROTECT
    o.u8(0x00);
    o.u8(0x02); // CMDQUE: tagged command queueing
    o.bytes(&lun.vendor);
    o.bytes(&lun.product);
    o.bytes(&lun.revision);
    o.zeros(58 - 36); // vendor specific, clocking, reserved
    for d in VERSION_DESCRIPTORS {
        o.be16(d);
    }
    o.zeros(STANDARD_INQUIRY_LEN.saturating_sub(o.len()));
    o.len()
}

/// Standard INQUIRY data for a LUN that does not exist: peripheral
/// qualifier 3, device type 0x1F (SPC-4 "not capable of supporting").
pub fn respond_inquiry_no_lun(buf: &mut [u8]) -> usize {
    let mut o = Out::new(buf);
    o.u8(0x7F);
    o.u8(0x00);
    o.u8(VERSION_SPC4);
    o.u8(0x12);
    o.u8(31); // ADDITIONAL LENGTH: 36-byte minimum data
    o.zeros(3);
    o.zeros(28); // identification fields left blank
    o.len()
}

/// INQUIRY dispatch: standard data or the VPD page `page`.
pub fn respond_inquiry(
    lun: &LunConfig,
    evpd: bool,
    page: u8,
    buf: &mut [u8],
) -> Result<usize, Sense> {
    if evpd {
        super::vpd::respond_vpd(lun, page, buf)
    } else if page != 0 {
        Err(Sense::invalid_cdb_field(2, Some(7)))
    } else {
        Ok(respond_standard_inquiry(lun, buf))
    }
}
