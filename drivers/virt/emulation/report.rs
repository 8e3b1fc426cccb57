// SPDX-License-Identifier: GPL-2.0

//! REPORT LUNS and REPORT SUPPORTED OPERATION CODES data.

use super::opcodes::{lookup, Lookup, OpInfo, SUPPORTED};
use crate::proto::sense::Sense;
use crate::proto::wire::Out;

/// Recommended timeout (seconds) advertised in command timeouts descriptors.
const RECOMMENDED_TIMEOUT_SECS: u32 = 30;

/// Encodes a Linux LUN number the way the kernel's `int_to_scsilun` does,
/// so `scsilun_to_int` on the initiator yields the same number back.
pub use crate::proto::lun::to_scsilun as encode_lun;

/// Fills REPORT LUNS data for `luns` (Linux LUN numbers). SELECT REPORT 1
/// (well-known LUNs only) yields an empty list: we have none.
pub fn respond_report_luns(select_report: u8, luns: &[u64], buf: &mut [u8]) -> usize {
    let listed: &[u64] = if select_report == 1 { &[] } else { luns };
    let list_len = listed.len().saturating_mul(8);
    let mut o = Out::new(buf);
    o.be32(u32::try_from(list_len).unwrap_or(u32::MAX));
    o.be32(0);
    for &l in listed {
        o.bytes(&encode_lun(l));
    }
    o.len()
}

/// Emits a 12-byte command timeouts descriptor.
fn timeouts_descriptor(o: &mut Out<'_>) {
    o.be16(0x0A); // DESCRIPTOR LENGTH
    o.u8(0);
    o.u8(0); // COMMAND SPECIFIC
    o.be32(0); // NOMINAL COMMAND PROCESSING TIMEOUT: unspecified
    o.be32(RECOMMENDED_TIMEOUT_SECS);
}

/// Emits the one-command format for `info` (SUPPORT = 011b).
fn one_command(info: &OpInfo, rctd: bool, o: &mut Out<'_>) {
    o.u8(0);
    o.u8(0x03 | if rctd { 0x80 } else { 0 }); // CTDP, SUPPORT
    o.be16(info.usage.len() as u16);
    o.bytes(info.usage);
    if rctd {
        timeouts_descriptor(o);
    }
}

/// Fills REPORT SUPPORTED OPERATION CODES data.
///
/// Options: 0 = all commands, 1 = one opcode (no service action),
/// 2 = opcode + service action, 3 = opcode + service action if it has any.
/// An unsupported command yields SUPPORT = 001b rather than an error.
pub fn respond_report_supported_opcodes(
    reporting_options: u8,
    opcode: u8,
    service_action: u16,
    rctd: bool,
    buf: &mut [u8],
) -> Result<usize, Sense> {
    let mut o = Out::new(buf);
    if reporting_options == 0 {
        let desc_len: usize = if rctd { 20 } else { 8 };
        o.be32(SUPPORTED.len().saturating_mul(desc_len) as u32);
        for info in SUPPORTED.iter() {
            o.u8(info.opcode);
            o.u8(0);
            o.be16(u16::from(info.service_action.unwrap_or(0)));
            o.u8(0);
            let servactv = if info.service_action.is_some() {
                0x01
            } else {
                0
            };
            o.u8(servactv | if rctd { 0x02 } else { 0 });
            o.be16(info.usage.len() as u16);
            if rctd {
                timeouts_descriptor(&mut o);
            }
        }
        return Ok(o.len());
    }
    if reporting_options > 3 {
        return Err(Sense::invalid_cdb_field(2, Some(2)));
    }
    // Service actions are 5 bits for the opcodes we support.
    let sa = u8::try_from(service_action).ok().filter(|s| *s <= 0x1F);
    let found = match (lookup(opcode, sa.unwrap_or(0)), reporting_options) {
        (Lookup::Found(i), 1) if i.service_action.is_none() => Some(i),
        (Lookup::Found(i), 2) if i.service_action.is_some() && sa.is_some() => Some(i),
        (Lookup::Found(i), 3)
            if sa.is_some() && (i.service_action.is_some() || service_action == 0) =>
        {
            Some(i)
        }
        _ => None,
    };
    match found {
        Some(info) => one_command(info, rctd, &mut o),
        None => {
            o.u8(0);
            o.u8(0x01); // SUPPORT: not supported
            o.be16(0);
        }
    }
    Ok(o.len())
}
