// SPDX-License-Identifier: GPL-2.0

//! Mode pages (Caching 0x08, Control 0x0A) and MODE SENSE(6/10) data.

use super::lun::LunConfig;
use crate::proto::sense::{self, Sense};
use crate::proto::wire::Out;

/// Caching mode page code.
pub const PAGE_CACHING: u8 = 0x08;
/// Control mode page code.
pub const PAGE_CONTROL: u8 = 0x0A;
/// "Return all pages" page code.
pub const PAGE_ALL: u8 = 0x3F;

/// Page control: current values.
pub const PC_CURRENT: u8 = 0;
/// Page control: changeable-bits mask.
pub const PC_CHANGEABLE: u8 = 1;
/// Page control: default values.
pub const PC_DEFAULT: u8 = 2;

/// Full length of the Caching page (header included).
pub const CACHING_PAGE_LEN: usize = 20;
/// Full length of the Control page (header included).
pub const CONTROL_PAGE_LEN: usize = 12;

/// WCE bit of Caching page byte 2.
const WCE: u8 = 0x04;
/// D_SENSE bit of Control page byte 2.
const D_SENSE: u8 = 0x04;

/// True for page codes MODE SENSE accepts.
pub fn is_supported_page(page: u8) -> bool {
    matches!(page, PAGE_CACHING | PAGE_CONTROL | PAGE_ALL)
}

/// Caching page as seen with page control `pc` (0, 1 or 2).
pub fn caching_page(lun: &LunConfig, pc: u8) -> [u8; CACHING_PAGE_LEN] {
    let mut p = [0u8; CACHING_PAGE_LEN];
    p[0] = PAGE_CACHING; // PS=0: nothing is savable
    p[1] = (CACHING_PAGE_LEN - 2) as u8;
    let wce = match pc {
        PC_CHANGEABLE => true,
        PC_DEFAULT => LunConfig::DEFAULT_WRITE_CACHE,
        _ => lun.write_cache,
    };
    if wce {
        p[2] = WCE;
    }
    p
}

/// Control page as seen with page control `pc` (0, 1 or 2).
pub fn control_page(lun: &LunConfig, pc: u8) -> [u8; CONTROL_PAGE_LEN] {
    let mut p = [0u8; CONTROL_PAGE_LEN];
    p[0] = PAGE_CONTROL;
    p[1] = (CONTROL_PAGE_LEN - 2) as u8;
    match pc {
        PC_CHANGEABLE => p[2] = D_SENSE,
        _ => {
            let d_sense = pc != PC_DEFAULT && lun.d_sense;
            // GLTSD: no log parameters are saved.
            p[2] = 0x02 | if d_sense { D_SENSE } else { 0 };
            p[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1: unrestricted reordering
        }
    }
    p
}

/// MODE SENSE request fields, as decoded into [`super::Command::ModeSense`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeSenseArgs {
    /// MODE SENSE(10) layout.
    pub ten: bool,
    /// DBD: omit the block descriptor.
    pub dbd: bool,
    /// LLBAA: a 16-byte block descriptor may be returned (10-byte form).
    pub llbaa: bool,
    /// Page control.
    pub pc: u8,
    /// Page code.
    pub page: u8,
    /// Subpage code (0 or 0xFF).
    pub subpage: u8,
}

/// Fills MODE SENSE data (header, optional block descriptor, pages);
/// returns the full length.
pub fn respond_mode_sense(
    lun: &LunConfig,
    a: &ModeSenseArgs,
    buf: &mut [u8],
) -> Result<usize, Sense> {
    if a.pc == 3 {
        return Err(
            Sense::illegal(sense::SAVING_PARAMETERS_NOT_SUPPORTED).with_field(true, 2, Some(7)),
        );
    }
    if a.pc > 3 {
        return Err(Sense::invalid_cdb_field(2, Some(7)));
    }
    let (caching, control) = match a.page {
        PAGE_CACHING => (true, false),
        PAGE_CONTROL => (false, true),
        PAGE_ALL => (true, true),
        _ => return Err(Sense::invalid_cdb_field(2, Some(5))),
    };
    if a.subpage != 0 && a.subpage != 0xFF {
        return Err(Sense::invalid_cdb_field(3, Some(7)));
    }
    // The long descriptor is only needed when the capacity overflows 32 bits,
    // but LLBAA tells us the initiator copes with it, so honour it.
    let long = a.ten && a.llbaa;
    let bd_len: usize = match (a.dbd, long) {
        (true, _) => 0,
        (false, true) => 16,
        (false, false) => 8,
    };
    let hdr_len: usize = if a.ten { 8 } else { 4 };
    let caching_len = if caching { CACHING_PAGE_LEN } else { 0 };
    let control_len = if control { CONTROL_PAGE_LEN } else { 0 };
    let total = hdr_len
        .saturating_add(bd_len)
        .saturating_add(caching_len)
        .saturating_add(control_len);

    let mut o = Out::new(buf);
    let dsp = 0x10; // WP=0, DPOFUA=1
    if a.ten {
        o.be16(total.saturating_sub(2) as u16);
        o.u8(0); // MEDIUM TYPE
        o.u8(dsp);
        o.u8(if long { 0x01 } else { 0 }); // LONGLBA
        o.u8(0);
        o.be16(bd_len as u16);
    } else {
        o.u8(total.saturating_sub(1) as u8);
        o.u8(0);
        o.u8(dsp);
        o.u8(bd_len as u8);
    }
    if bd_len == 16 {
        o.be64(lun.capacity_blocks);
        o.be32(0);
        o.be32(lun.block_size);
    } else if bd_len == 8 {
        o.be32(u32::try_from(lun.capacity_blocks).unwrap_or(u32::MAX));
        o.u8(0);
        o.be24(lun.block_size);
    }
    if caching {
        o.bytes(&caching_page(lun, a.pc));
    }
    if control {
        o.bytes(&control_page(lun, a.pc));
    }
    Ok(o.len())
}
