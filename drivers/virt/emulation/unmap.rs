// SPDX-License-Identifier: GPL-2.0

//! UNMAP parameter list parsing.

use super::lun::LunConfig;
use crate::proto::sense::{self, Sense};
use crate::proto::wire::{be16, be32, be64};

/// Size of the UNMAP parameter list header.
const HEADER_LEN: usize = 8;
/// Size of one UNMAP block descriptor.
const DESC_LEN: usize = 16;

/// Validates an UNMAP parameter list (`data` is exactly the transferred
/// PARAMETER LIST LENGTH bytes) and then calls `f(lba, blocks)` for every
/// non-empty descriptor, in list order.
///
/// The whole list is checked before the first callback, so an invalid list
/// deallocates nothing. Errors from `f` abort the walk and are returned.
pub fn parse_unmap<F>(lun: &LunConfig, data: &[u8], mut f: F) -> Result<(), Sense>
where
    F: FnMut(u64, u32) -> Result<(), Sense>,
{
    if data.is_empty() {
        return Ok(()); // PARAMETER LIST LENGTH 0: nothing to do
    }
    let (Some(udl), Some(bddl)) = (be16(data, 0), be16(data, 2)) else {
        return Err(Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR));
    };
    if data.len() < HEADER_LEN || usize::from(udl) + 2 > data.len() {
        return Err(Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR));
    }
    // UNMAP DATA LENGTH covers bytes 2.., so it must cover the descriptors.
    if usize::from(bddl) + HEADER_LEN > usize::from(udl) + 2 {
        return Err(Sense::invalid_param_field(2, None));
    }
    // A trailing partial descriptor is ignored (SBC-3).
    let count = usize::from(bddl) / DESC_LEN;
    let max_desc = lun.limits.max_unmap_descriptors;
    if max_desc != 0 && count > max_desc as usize {
        return Err(Sense::invalid_param_field(2, None));
    }
    let descriptor = |i: usize| -> Option<(usize, u64, u32)> {
        let off = HEADER_LEN.checked_add(i.checked_mul(DESC_LEN)?)?;
        Some((off, be64(data, off)?, be32(data, off.checked_add(8)?)?))
    };

    let max_lbas = u64::from(lun.limits.max_unmap_lba_count);
    let mut total: u64 = 0;
    for i in 0..count {
        let (off, lba, blocks) =
            descriptor(i).ok_or(Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR))?;
        total = total.saturating_add(u64::from(blocks));
        if max_lbas != 0 && total > max_lbas {
            return Err(Sense::invalid_param_field(
                off.saturating_add(8) as u16,
                None,
            ));
        }
        let in_range = lba
            .checked_add(u64::from(blocks))
            .is_some_and(|end| end <= lun.capacity_blocks);
        if !in_range {
            return Err(Sense::illegal(sense::LBA_OUT_OF_RANGE).with_field(false, off as u16, None));
        }
    }
    for i in 0..count {
        if let Some((_, lba, blocks)) = descriptor(i) {
            if blocks != 0 {
                f(lba, blocks)?;
            }
        }
    }
    Ok(())
}
