// SPDX-License-Identifier: GPL-2.0

//! READ CAPACITY(10) and READ CAPACITY(16) parameter data.

use super::lun::LunConfig;
use crate::proto::wire::Out;

/// Length of READ CAPACITY(10) data.
pub const READ_CAPACITY_10_LEN: usize = 8;
/// Length of READ CAPACITY(16) data.
pub const READ_CAPACITY_16_LEN: usize = 32;

/// Fills READ CAPACITY(10) data; the last LBA saturates at 0xFFFFFFFF to
/// tell the initiator to use READ CAPACITY(16).
pub fn respond_read_capacity_10(lun: &LunConfig, buf: &mut [u8]) -> usize {
    let mut o = Out::new(buf);
    o.be32(u32::try_from(lun.last_lba()).unwrap_or(u32::MAX));
    o.be32(lun.block_size);
    o.len()
}

/// Fills READ CAPACITY(16) data with LBPME=1 and LBPRZ=1 (thin
/// provisioning, unmapped blocks read as zeros).
pub fn respond_read_capacity_16(lun: &LunConfig, buf: &mut [u8]) -> usize {
    let mut o = Out::new(buf);
    o.be64(lun.last_lba());
    o.be32(lun.block_size);
    o.u8(0); // no protection
    o.u8(0); // one logical block per physical block
    o.u8(0xC0); // LBPME | LBPRZ, LOWEST ALIGNED LBA = 0
    o.u8(0);
    o.zeros(READ_CAPACITY_16_LEN - 16);
    o.len()
}
