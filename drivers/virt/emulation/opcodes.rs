// SPDX-License-Identifier: GPL-2.0

//! Table of supported commands with their CDB usage bitmaps.
//!
//! The usage bitmap (SPC-4 REPORT SUPPORTED OPERATION CODES "CDB USAGE
//! DATA") doubles as the reserved-bit mask [`super::decode`] enforces, so
//! what we advertise and what we accept cannot drift apart.

use crate::proto::cdb::*;

/// Control byte usage: vendor bits, NACA, obsolete FLAG/LINK.
const CTL: u8 = 0xC7;

/// One supported operation code (or opcode + service action).
///
/// As SPC-4 requires, the usage bitmap of a service-action command carries
/// the service action value in the SERVICE ACTION field position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// OPERATION CODE.
    pub opcode: u8,
    /// SERVICE ACTION (byte 1 bits 4:0) for service-action opcodes.
    pub service_action: Option<u8>,
    /// CDB usage bitmap; its length is the CDB length.
    pub usage: &'static [u8],
}

const fn op(opcode: u8, usage: &'static [u8]) -> OpInfo {
    OpInfo {
        opcode,
        service_action: None,
        usage,
    }
}

const fn sa(opcode: u8, sa: u8, usage: &'static [u8]) -> OpInfo {
    OpInfo {
        opcode,
        service_action: Some(sa),
        usage,
    }
}

/// Every command the emulated disk implements, in opcode order.
// One row per command reads better than rustfmt's vertical layout.
#[rustfmt::skip]
pub static SUPPORTED: [OpInfo; 28] = [
    op(TEST_UNIT_READY, &[TEST_UNIT_READY, 0, 0, 0, 0, CTL]),
    op(REQUEST_SENSE, &[REQUEST_SENSE, 0x01, 0, 0, 0xFF, CTL]),
    op(READ_6, &[READ_6, 0x1F, 0xFF, 0xFF, 0xFF, CTL]),
    op(WRITE_6, &[WRITE_6, 0x1F, 0xFF, 0xFF, 0xFF, CTL]),
    op(INQUIRY, &[INQUIRY, 0x01, 0xFF, 0xFF, 0xFF, CTL]),
    op(MODE_SELECT_6, &[MODE_SELECT_6, 0x11, 0, 0, 0xFF, CTL]),
    op(MODE_SENSE_6, &[MODE_SENSE_6, 0x08, 0xFF, 0xFF, 0xFF, CTL]),
    op(START_STOP_UNIT, &[START_STOP_UNIT, 0x01, 0, 0, 0xF7, CTL]),
    op(READ_CAPACITY_10, &[READ_CAPACITY_10, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x01, CTL]),
    op(READ_10, &[READ_10, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, CTL]),
    op(WRITE_10, &[WRITE_10, 0xFA, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, CTL]),
    op(VERIFY_10, &[VERIFY_10, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, CTL]),
    op(SYNCHRONIZE_CACHE_10, &[SYNCHRONIZE_CACHE_10, 0x06, 0xFF, 0xFF, 0xFF, 0xFF,
        0x1F, 0xFF, 0xFF, CTL]),
    op(WRITE_SAME_10, &[WRITE_SAME_10, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0xFF, 0xFF, CTL]),
    op(UNMAP, &[UNMAP, 0x01, 0, 0, 0, 0, 0x1F, 0xFF, 0xFF, CTL]),
    op(MODE_SELECT_10, &[MODE_SELECT_10, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, CTL]),
    op(MODE_SENSE_10, &[MODE_SENSE_10, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, CTL]),
    op(READ_16, &[READ_16, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(WRITE_16, &[WRITE_16, 0xFA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(VERIFY_16, &[VERIFY_16, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(SYNCHRONIZE_CACHE_16, &[SYNCHRONIZE_CACHE_16, 0x06, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(WRITE_SAME_16, &[WRITE_SAME_16, 0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    sa(SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16, &[SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, CTL]),
    op(REPORT_LUNS, &[REPORT_LUNS, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, CTL]),
    sa(MAINTENANCE_IN, MI_REPORT_SUPPORTED_OPCODES, &[MAINTENANCE_IN, MI_REPORT_SUPPORTED_OPCODES,
        0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, CTL]),
    op(READ_12, &[READ_12, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(WRITE_12, &[WRITE_12, 0xFA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
    op(VERIFY_12, &[VERIFY_12, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F, CTL]),
];

/// Outcome of looking up a CDB's opcode (and service action).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Opcode and service action are supported.
    Found(&'static OpInfo),
    /// The opcode is not implemented.
    UnknownOpcode,
    /// The opcode has service actions but not this one.
    UnknownServiceAction,
}

/// True when `opcode` is a supported service-action opcode.
pub fn has_service_actions(opcode: u8) -> bool {
    SUPPORTED
        .iter()
        .any(|o| o.opcode == opcode && o.service_action.is_some())
}

/// Finds `opcode`; `service_action` is only consulted for opcodes that
/// have service actions.
pub fn lookup(opcode: u8, service_action: u8) -> Lookup {
    let mut seen = false;
    for o in SUPPORTED.iter().filter(|o| o.opcode == opcode) {
        match o.service_action {
            None => return Lookup::Found(o),
            Some(s) if s == service_action => return Lookup::Found(o),
            Some(_) => seen = true,
        }
    }
    if seen {
        Lookup::UnknownServiceAction
    } else {
        Lookup::UnknownOpcode
    }
}
