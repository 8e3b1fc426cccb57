// SPDX-License-Identifier: GPL-2.0

//! One-call dispatch of data-in responses.

use super::command::Command;
use super::lun::LunConfig;
use super::mode_pages::ModeSenseArgs;
use crate::proto::sense::Sense;

/// Builds the data-in response of `cmd` into `buf` and returns its full
/// length (0 for commands without data-in response data).
///
/// `luns` is the LUN list for REPORT LUNS; `pending` is the sense REQUEST
/// SENSE should report (the caller clears it afterwards).
pub fn respond_data_in(
    cmd: &Command,
    lun: &LunConfig,
    luns: &[u64],
    pending: Option<&Sense>,
    buf: &mut [u8],
) -> Result<usize, Sense> {
    match *cmd {
        Command::Inquiry { evpd, page, .. } => {
            super::inquiry::respond_inquiry(lun, evpd, page, buf)
        }
        Command::ReportLuns { select_report, .. } => {
            Ok(super::report::respond_report_luns(select_report, luns, buf))
        }
        Command::RequestSense { desc, .. } => {
            Ok(super::status::respond_request_sense(pending, desc, buf))
        }
        Command::ReadCapacity10 => Ok(super::capacity::respond_read_capacity_10(lun, buf)),
        Command::ReadCapacity16 { .. } => Ok(super::capacity::respond_read_capacity_16(lun, buf)),
        Command::ModeSense {
            ten,
            dbd,
            llbaa,
            pc,
            page,
            subpage,
            ..
        } => {
            let args = ModeSenseArgs {
                ten,
                dbd,
                llbaa,
                pc,
                page,
                subpage,
            };
            super::mode_pages::respond_mode_sense(lun, &args, buf)
        }
        Command::ReportSupportedOpcodes {
            reporting_options,
            opcode,
            service_action,
            rctd,
            ..
        } => super::report::respond_report_supported_opcodes(
            reporting_options,
            opcode,
            service_action,
            rctd,
            buf,
        ),
        _ => Ok(0),
    }
}
