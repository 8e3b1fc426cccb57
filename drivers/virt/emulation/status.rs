// SPDX-License-Identifier: GPL-2.0

//! Unit attention / not-ready conditions and REQUEST SENSE data.

use crate::proto::sense::{self, Sense, SenseKey};

/// UNIT ATTENTION, POWER ON, RESET, OR BUS DEVICE RESET OCCURRED: report
/// once per I_T nexus after the LUN is created or reset.
pub const POWER_ON_RESET_UA: Sense = Sense::new(SenseKey::UnitAttention, sense::POWER_ON_RESET);

/// UNIT ATTENTION, POWER ON OCCURRED: report once after the adapter's
/// power comes back (a power cut lost its write-back cache).
pub const POWER_ON_UA: Sense = Sense::new(SenseKey::UnitAttention, sense::POWER_ON_OCCURRED);

/// UNIT ATTENTION, MODE PARAMETERS CHANGED: for other nexuses after a
/// MODE SELECT that changed something.
pub const MODE_PARAMETERS_CHANGED_UA: Sense =
    Sense::new(SenseKey::UnitAttention, sense::MODE_PARAMETERS_CHANGED);

/// UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED: after LUN add/remove.
pub const REPORTED_LUNS_CHANGED_UA: Sense =
    Sense::new(SenseKey::UnitAttention, sense::REPORTED_LUNS_DATA_CHANGED);

/// NOT READY, LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED: for
/// medium-access commands while stopped (see `Command::needs_medium`).
pub const NOT_READY_SENSE: Sense =
    Sense::new(SenseKey::NotReady, sense::LUN_NOT_READY_INIT_REQUIRED);

/// ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED: any command but INQUIRY and
/// REPORT LUNS addressed to a LUN that does not exist.
pub const LUN_NOT_SUPPORTED_SENSE: Sense = Sense::illegal(sense::LUN_NOT_SUPPORTED);

/// Returns the POWER ON/RESET unit attention sense.
pub const fn power_on_reset_ua() -> Sense {
    POWER_ON_RESET_UA
}

/// Fills REQUEST SENSE data: `pending` (e.g. a unit attention or the
/// not-ready condition of a stopped unit) or NO SENSE, in descriptor format
/// when `desc`. Returns the full length.
pub fn respond_request_sense(pending: Option<&Sense>, desc: bool, buf: &mut [u8]) -> usize {
    let s = pending
        .copied()
        .unwrap_or(Sense::new(SenseKey::NoSense, sense::NO_ADDITIONAL_SENSE));
    if desc {
        // write_descriptor truncates, so report the untruncated length.
        s.write_descriptor(buf);
        s.descriptor_len()
    } else {
        s.write_fixed(buf);
        sense::FIXED_SENSE_LEN
    }
}
