// SPDX-License-Identifier: GPL-2.0

//! Pure SBC-3/SPC-4 disk emulation logic for the RAM-backed virtual adapter.
//!
//! The kernel side owns the data (page store, scatter-gather lists) and the
//! per-LUN state; this module decodes CDBs into [`Command`]s, builds
//! response data into caller buffers and parses data-out parameter lists.
//! Everything here is `core`-only and panic-free on hostile input.
//!
//! Typical flow for one command:
//! 1. [`decode`] the CDB (errors are CHECK CONDITION with the returned sense);
//! 2. apply unit attention / not-ready policy ([`Command::skips_unit_attention`],
//!    [`Command::needs_medium`]);
//! 3. move data: data-in via [`respond_data_in`] (or the individual
//!    responders), data-out via [`parse_mode_select`] / [`parse_unmap`], or
//!    media I/O for READ/WRITE/VERIFY/WRITE SAME;
//! 4. copy `min(returned length, allocation length, buffer)` bytes and set
//!    the residual from [`Command::transfer_len`].

pub mod capacity;
pub mod command;
pub mod decode;
pub mod faults;
pub mod hotplug;
pub mod inquiry;
pub mod lun;
pub mod mode_pages;
pub mod mode_select;
pub mod opcodes;
pub mod power;
pub mod report;
pub mod respond;
pub mod status;
pub mod unmap;
pub mod vpd;
pub mod wcache;

pub use capacity::{respond_read_capacity_10, respond_read_capacity_16};
pub use command::Command;
pub use decode::decode;
pub use inquiry::{respond_inquiry, respond_inquiry_no_lun, respond_standard_inquiry};
pub use lun::{BlockLimits, LunConfig};
pub use mode_pages::{respond_mode_sense, ModeSenseArgs};
pub use mode_select::{parse_mode_select, ModeSelectOutcome};
pub use report::{respond_report_luns, respond_report_supported_opcodes};
pub use respond::respond_data_in;
pub use status::{
    power_on_reset_ua, respond_request_sense, LUN_NOT_SUPPORTED_SENSE, MODE_PARAMETERS_CHANGED_UA,
    NOT_READY_SENSE, POWER_ON_RESET_UA, POWER_ON_UA, REPORTED_LUNS_CHANGED_UA,
};
pub use unmap::parse_unmap;
pub use vpd::respond_vpd;
