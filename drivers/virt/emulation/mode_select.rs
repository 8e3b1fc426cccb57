// SPDX-License-Identifier: GPL-2.0

//! MODE SELECT(6/10) parameter list parsing.

use super::lun::LunConfig;
use super::mode_pages::{
    caching_page, control_page, PAGE_CACHING, PAGE_CONTROL, PC_CHANGEABLE, PC_CURRENT,
};
use crate::proto::sense::{self, Sense};
use crate::proto::wire::{be16, be24, be32, be64, u8_at};

/// New mode state after a successful MODE SELECT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeSelectOutcome {
    /// New WCE value (unchanged if the Caching page was absent).
    pub write_cache: bool,
    /// New D_SENSE value (unchanged if the Control page was absent).
    pub d_sense: bool,
    /// True when either value differs from `lun`; the caller should then
    /// raise MODE PARAMETERS CHANGED for the other I_T nexuses.
    pub changed: bool,
}

fn length_error() -> Sense {
    Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR)
}

fn top_bit(v: u8) -> u8 {
    7u8.saturating_sub(v.leading_zeros() as u8)
}

/// Compares a received page with the current one: only bits set in
/// `changeable` may differ. `base` is the page offset, for the field pointer.
fn check_page(
    received: &[u8],
    current: &[u8],
    changeable: &[u8],
    base: usize,
) -> Result<(), Sense> {
    if received.len() != current.len() {
        return Err(Sense::invalid_param_field(
            base.saturating_add(1) as u16,
            None,
        ));
    }
    // Byte 0 holds PS (reserved in MODE SELECT) and the page code; skip
    // the 2-byte header.
    let body = received
        .iter()
        .zip(current)
        .zip(changeable)
        .enumerate()
        .skip(2);
    for (i, ((&r, &c), &m)) in body {
        let bad = (r ^ c) & !m;
        if bad != 0 {
            return Err(Sense::invalid_param_field(
                base.saturating_add(i) as u16,
                Some(top_bit(bad)),
            ));
        }
    }
    Ok(())
}

/// Validates a MODE SELECT parameter list (`data` is exactly the
/// transferred PARAMETER LIST LENGTH bytes) and returns the new mode state.
///
/// Nothing is applied on error. Only WCE (Caching) and D_SENSE (Control)
/// may change; a block descriptor must restate the current geometry.
pub fn parse_mode_select(
    lun: &LunConfig,
    ten: bool,
    data: &[u8],
) -> Result<ModeSelectOutcome, Sense> {
    let mut out = ModeSelectOutcome {
        write_cache: lun.write_cache,
        d_sense: lun.d_sense,
        changed: false,
    };
    if data.is_empty() {
        return Ok(out);
    }
    let (hdr_len, medium_off, dsp_off, bdl_off) = if ten {
        (8usize, 2usize, 3usize, 6usize)
    } else {
        (4, 1, 2, 3)
    };
    if data.len() < hdr_len {
        return Err(length_error());
    }
    if u8_at(data, medium_off) != Some(0) {
        return Err(Sense::invalid_param_field(medium_off as u16, None));
    }
    // WP cannot be set; DPOFUA is reserved for MODE SELECT and ignored.
    if u8_at(data, dsp_off).is_some_and(|d| d & 0x80 != 0) {
        return Err(Sense::invalid_param_field(dsp_off as u16, Some(7)));
    }
    let long = ten && u8_at(data, 4).is_some_and(|b| b & 0x01 != 0);
    let bdl = if ten {
        usize::from(be16(data, bdl_off).unwrap_or(0))
    } else {
        usize::from(u8_at(data, bdl_off).unwrap_or(0))
    };
    let want_bdl = if long { 16 } else { 8 };
    if bdl != 0 && bdl != want_bdl {
        return Err(Sense::invalid_param_field(bdl_off as u16, None));
    }
    let pages_off = hdr_len.saturating_add(bdl);
    if data.len() < pages_off {
        return Err(length_error());
    }
    if bdl == 16 {
        let n = be64(data, hdr_len).unwrap_or(0);
        if n != 0 && n != lun.capacity_blocks {
            return Err(Sense::invalid_param_field(hdr_len as u16, None));
        }
        if be32(data, hdr_len.saturating_add(12)) != Some(lun.block_size) {
            return Err(Sense::invalid_param_field(
                (hdr_len.saturating_add(12)) as u16,
                None,
            ));
        }
    } else if bdl == 8 {
        let n = be32(data, hdr_len).unwrap_or(0);
        let cur = u32::try_from(lun.capacity_blocks).unwrap_or(u32::MAX);
        if n != 0 && n != cur {
            return Err(Sense::invalid_param_field(hdr_len as u16, None));
        }
        if be24(data, hdr_len.saturating_add(5)) != Some(lun.block_size) {
            return Err(Sense::invalid_param_field(
                (hdr_len.saturating_add(5)) as u16,
                None,
            ));
        }
    }

    let mut off = pages_off;
    while off < data.len() {
        let (Some(code), Some(plen)) = (u8_at(data, off), u8_at(data, off.saturating_add(1)))
        else {
            return Err(length_error());
        };
        if code & 0x40 != 0 {
            return Err(Sense::invalid_param_field(off as u16, Some(6))); // SPF: no subpages
        }
        let end = off.saturating_add(2).saturating_add(usize::from(plen));
        let page = data.get(off..end).ok_or_else(length_error)?;
        match code & 0x3F {
            PAGE_CACHING => {
                check_page(
                    page,
                    &caching_page(lun, PC_CURRENT),
                    &caching_page(lun, PC_CHANGEABLE),
                    off,
                )?;
                out.write_cache = page.get(2).is_some_and(|b| b & 0x04 != 0);
            }
            PAGE_CONTROL => {
                check_page(
                    page,
                    &control_page(lun, PC_CURRENT),
                    &control_page(lun, PC_CHANGEABLE),
                    off,
                )?;
                out.d_sense = page.get(2).is_some_and(|b| b & 0x04 != 0);
            }
            _ => return Err(Sense::invalid_param_field(off as u16, Some(5))),
        }
        off = end;
    }
    out.changed = out.write_cache != lun.write_cache || out.d_sense != lun.d_sense;
    Ok(out)
}
