// SPDX-License-Identifier: GPL-2.0

//! Vital product data pages.

use super::lun::LunConfig;
use crate::proto::sense::Sense;
use crate::proto::wire::Out;

/// VPD pages we return, ascending (as listed by page 0x00).
pub const SUPPORTED_VPD_PAGES: [u8; 6] = [0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2];

/// PAGE LENGTH of the Block Limits and Block Device Characteristics pages.
const LONG_PAGE_LEN: u16 = 0x3C;

/// Fills VPD page `page`; returns the full page length or INVALID FIELD
/// IN CDB for an unsupported page.
pub fn respond_vpd(lun: &LunConfig, page: u8, buf: &mut [u8]) -> Result<usize, Sense> {
    let mut o = Out::new(buf);
    o.u8(0x00); // peripheral qualifier/device type
    o.u8(page);
    match page {
        0x00 => {
            o.be16(SUPPORTED_VPD_PAGES.len() as u16);
            o.bytes(&SUPPORTED_VPD_PAGES);
        }
        0x80 => {
            let s = lun.serial();
            o.be16(s.len() as u16);
            o.bytes(&s);
        }
        0x83 => device_identification(lun, &mut o),
        0xB0 => block_limits(lun, &mut o),
        0xB1 => {
            o.be16(LONG_PAGE_LEN);
            o.be16(lun.rotation_rate);
            o.u8(0); // PRODUCT TYPE
            o.u8(0); // WABEREQ/WACEREQ/NOMINAL FORM FACTOR
            o.zeros(usize::from(LONG_PAGE_LEN).saturating_sub(4));
        }
        0xB2 => {
            o.be16(4);
            o.u8(0); // THRESHOLD EXPONENT
                     // LBPU, LBPWS, LBPWS10, LBPRZ=001b (unmapped blocks read zeros).
            o.u8(0x80 | 0x40 | 0x20 | 0x04);
            o.u8(0x02); // PROVISIONING TYPE: thin
            o.u8(0);
        }
        _ => return Err(Sense::invalid_cdb_field(2, Some(7))),
    }
    Ok(o.len())
}

/// Page 0x83: NAA designator for the LU, T10 vendor ID, relative port 1.
fn device_identification(lun: &LunConfig, o: &mut Out<'_>) {
    const NAA_LEN: u16 = 4 + 8;
    const T10_LEN: u16 = 4 + 8 + 16;
    const RTP_LEN: u16 = 4 + 4;
    o.be16(NAA_LEN + T10_LEN + RTP_LEN);
    // Binary code set, LU association, designator type 3 (NAA).
    o.bytes(&[0x01, 0x03, 0x00, 0x08]);
    o.be64(lun.naa);
    // ASCII code set, LU association, type 1 (T10 vendor ID).
    o.bytes(&[0x02, 0x01, 0x00, (T10_LEN - 4) as u8]);
    o.bytes(&lun.vendor);
    o.bytes(&lun.serial());
    // Binary, target port association, type 4 (relative target port) = 1.
    o.bytes(&[0x01, 0x14, 0x00, 0x04, 0x00, 0x00]);
    o.be16(1);
}

/// Page 0xB0: Block Limits.
fn block_limits(lun: &LunConfig, o: &mut Out<'_>) {
    let l = &lun.limits;
    o.be16(LONG_PAGE_LEN);
    o.u8(0x01); // WSNZ: WRITE SAME with 0 blocks is rejected
    o.u8(0); // MAXIMUM COMPARE AND WRITE LENGTH: unsupported
    o.be16(l.optimal_granularity_blocks);
    o.be32(l.max_transfer_blocks);
    o.be32(l.optimal_transfer_blocks);
    o.be32(0); // MAXIMUM PREFETCH LENGTH
    o.be32(l.max_unmap_lba_count);
    o.be32(l.max_unmap_descriptors);
    o.be32(l.unmap_granularity);
    o.be32(0); // UGAVALID=0
    o.be64(l.max_write_same_blocks);
    o.zeros(64 - 44); // atomic write limits: unsupported
}
