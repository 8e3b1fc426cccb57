// SPDX-License-Identifier: GPL-2.0

//! CDB validation and decoding into [`Command`].

use super::command::Command;
use super::lun::LunConfig;
use super::opcodes::{has_service_actions, lookup, Lookup};
use crate::proto::cdb::{self, *};
use crate::proto::sense::{self, Sense};
use crate::proto::wire::{be16, be32, be64};

/// Bit number of the most significant set bit of a non-zero byte.
fn top_bit(v: u8) -> u8 {
    7u8.saturating_sub(v.leading_zeros() as u8)
}

/// Checks that `lba .. lba + blocks` lies within the medium.
fn check_range(lun: &LunConfig, lba: u64, blocks: u64, lba_off: u16) -> Result<(), Sense> {
    match lba.checked_add(blocks) {
        Some(end) if end <= lun.capacity_blocks => Ok(()),
        _ => Err(Sense::illegal(sense::LBA_OUT_OF_RANGE).with_field(true, lba_off, None)),
    }
}

/// Checks a data transfer against MAXIMUM TRANSFER LENGTH.
fn check_xfer(lun: &LunConfig, blocks: u32, len_off: u16) -> Result<(), Sense> {
    let max = lun.limits.max_transfer_blocks;
    if max != 0 && blocks > max {
        return Err(Sense::invalid_cdb_field(len_off, None));
    }
    Ok(())
}

/// Rejects RDPROTECT/WRPROTECT/VRPROTECT: no protection information.
fn check_protect(c: &[u8]) -> Result<(), Sense> {
    if c.get(1).is_some_and(|b| b & 0xE0 != 0) {
        return Err(Sense::invalid_cdb_field(1, Some(7)));
    }
    Ok(())
}

/// Decodes and fully validates `cdb` for `lun`.
///
/// `cdb` may be longer than the command (e.g. a fixed 16/32-byte buffer);
/// only the opcode's CDB length is examined. Errors are the sense data for
/// a CHECK CONDITION (always ILLEGAL REQUEST).
pub fn decode(cdb: &[u8], lun: &LunConfig) -> Result<Command, Sense> {
    let opcode = *cdb
        .first()
        .ok_or(Sense::illegal(sense::INVALID_COMMAND_OPCODE))?;
    let sa_byte = cdb.get(1).copied().unwrap_or(0) & 0x1F;
    let info = match lookup(opcode, sa_byte) {
        Lookup::Found(i) => i,
        Lookup::UnknownOpcode => return Err(Sense::illegal(sense::INVALID_COMMAND_OPCODE)),
        Lookup::UnknownServiceAction => return Err(Sense::invalid_cdb_field(1, Some(4))),
    };
    let c = cdb
        .get(..info.usage.len())
        .ok_or(Sense::illegal(sense::INVALID_FIELD_IN_CDB))?;
    let ctl_off = c.len().saturating_sub(1);

    // Reserved bits anywhere but the control byte.
    for (i, (&b, &m)) in c.iter().zip(info.usage.iter()).enumerate().take(ctl_off) {
        let bad = b & !m;
        if bad != 0 {
            return Err(Sense::invalid_cdb_field(i as u16, Some(top_bit(bad))));
        }
    }
    // NACA and linked commands are unsupported (SAM-5).
    let ctl = c.get(ctl_off).copied().unwrap_or(0) & 0x07;
    if ctl != 0 {
        return Err(Sense::invalid_cdb_field(ctl_off as u16, Some(top_bit(ctl))));
    }

    let b = |i: usize| c.get(i).copied().unwrap_or(0);
    let bad = || Sense::illegal(sense::INVALID_FIELD_IN_CDB);

    match opcode {
        TEST_UNIT_READY => Ok(Command::TestUnitReady),
        REQUEST_SENSE => Ok(Command::RequestSense {
            desc: b(1) & 0x01 != 0,
            alloc_len: b(4),
        }),
        INQUIRY => {
            let evpd = b(1) & 0x01 != 0;
            let page = b(2);
            let ok = if evpd {
                super::vpd::SUPPORTED_VPD_PAGES.contains(&page)
            } else {
                page == 0
            };
            if !ok {
                return Err(Sense::invalid_cdb_field(2, Some(7)));
            }
            Ok(Command::Inquiry {
                evpd,
                page,
                alloc_len: be16(c, 3).ok_or_else(bad)?,
            })
        }
        REPORT_LUNS => {
            let select_report = b(2);
            if select_report > 2 {
                return Err(Sense::invalid_cdb_field(2, Some(7)));
            }
            let alloc_len = be32(c, 6).ok_or_else(bad)?;
            // Too small for the header (scsi_debug's threshold).
            if alloc_len < 4 {
                return Err(Sense::invalid_cdb_field(6, None));
            }
            Ok(Command::ReportLuns {
                select_report,
                alloc_len,
            })
        }
        READ_CAPACITY_10 => {
            // Non-zero LBA is only meaningful with the obsolete PMI bit.
            if b(8) & 0x01 == 0 && be32(c, 2) != Some(0) {
                return Err(Sense::invalid_cdb_field(2, None));
            }
            Ok(Command::ReadCapacity10)
        }
        SERVICE_ACTION_IN_16 => {
            if b(14) & 0x01 == 0 && be64(c, 2) != Some(0) {
                return Err(Sense::invalid_cdb_field(2, None));
            }
            Ok(Command::ReadCapacity16 {
                alloc_len: be32(c, 10).ok_or_else(bad)?,
            })
        }
        READ_6 | WRITE_6 | READ_10 | WRITE_10 | READ_12 | WRITE_12 | READ_16 | WRITE_16 => {
            let offs = cdb::lba_len_offsets(opcode).ok_or_else(bad)?;
            let ll = cdb::lba_len(c).ok_or_else(bad)?;
            // READ(6)/WRITE(6) byte 1 holds LBA bits, not protection flags.
            let six = opcode == READ_6 || opcode == WRITE_6;
            if !six {
                check_protect(c)?;
            }
            check_range(lun, ll.lba, u64::from(ll.blocks), offs.lba)?;
            check_xfer(lun, ll.blocks, offs.len)?;
            let fua = !six && b(1) & 0x08 != 0;
            let (lba, blocks) = (ll.lba, ll.blocks);
            if matches!(opcode, READ_6 | READ_10 | READ_12 | READ_16) {
                Ok(Command::Read { lba, blocks, fua })
            } else {
                Ok(Command::Write { lba, blocks, fua })
            }
        }
        VERIFY_10 | VERIFY_12 | VERIFY_16 => {
            let offs = cdb::lba_len_offsets(opcode).ok_or_else(bad)?;
            let ll = cdb::lba_len(c).ok_or_else(bad)?;
            check_protect(c)?;
            let bytchk = (b(1) >> 1) & 0x03;
            if bytchk == 2 {
                return Err(Sense::invalid_cdb_field(1, Some(2)));
            }
            check_range(lun, ll.lba, u64::from(ll.blocks), offs.lba)?;
            // BYTCHK 3 sends one block but compares every block of the
            // range: bound the work like a transfer. BYTCHK 0 does nothing.
            if bytchk != 0 {
                check_xfer(lun, ll.blocks, offs.len)?;
            }
            Ok(Command::Verify {
                lba: ll.lba,
                blocks: ll.blocks,
                bytchk,
            })
        }
        SYNCHRONIZE_CACHE_10 | SYNCHRONIZE_CACHE_16 => {
            let offs = cdb::lba_len_offsets(opcode).ok_or_else(bad)?;
            let ll = cdb::lba_len(c).ok_or_else(bad)?;
            // 0 blocks = "to the end", which still needs a valid start LBA.
            check_range(lun, ll.lba, u64::from(ll.blocks).max(1), offs.lba)?;
            Ok(Command::SyncCache {
                lba: ll.lba,
                blocks: ll.blocks,
                immed: b(1) & 0x02 != 0,
            })
        }
        WRITE_SAME_10 | WRITE_SAME_16 => {
            let offs = cdb::lba_len_offsets(opcode).ok_or_else(bad)?;
            let ll = cdb::lba_len(c).ok_or_else(bad)?;
            check_protect(c)?;
            if b(1) & 0x10 != 0 {
                return Err(Sense::invalid_cdb_field(1, Some(4))); // ANCHOR: ANC_SUP=0
            }
            let unmap = b(1) & 0x08 != 0;
            let ndob = opcode == WRITE_SAME_16 && b(1) & 0x01 != 0;
            let max = lun.limits.max_write_same_blocks;
            // WSNZ=1 in the Block Limits page: 0 blocks would mean "to the
            // end of the medium", unbounded work, so it is refused. Above
            // MAXIMUM WRITE SAME LENGTH, with or without UNMAP: SBC-4 says
            // INVALID FIELD IN CDB.
            if ll.blocks == 0 || (max != 0 && u64::from(ll.blocks) > max) {
                return Err(Sense::invalid_cdb_field(offs.len, None));
            }
            check_range(lun, ll.lba, u64::from(ll.blocks), offs.lba)?;
            Ok(Command::WriteSame {
                lba: ll.lba,
                blocks: ll.blocks,
                unmap,
                ndob,
            })
        }
        UNMAP => {
            if b(1) & 0x01 != 0 {
                return Err(Sense::invalid_cdb_field(1, Some(0))); // ANCHOR: ANC_SUP=0
            }
            Ok(Command::Unmap {
                param_len: be16(c, 7).ok_or_else(bad)?,
                anchor: false,
            })
        }
        MODE_SENSE_6 | MODE_SENSE_10 => {
            let ten = opcode == MODE_SENSE_10;
            let pc = b(2) >> 6;
            let page = b(2) & 0x3F;
            let subpage = b(3);
            if pc == 3 {
                return Err(
                    Sense::illegal(sense::SAVING_PARAMETERS_NOT_SUPPORTED).with_field(
                        true,
                        2,
                        Some(7),
                    ),
                );
            }
            if !super::mode_pages::is_supported_page(page) {
                return Err(Sense::invalid_cdb_field(2, Some(5)));
            }
            // Only subpage 0 pages exist; 0xFF ("all subpages") is equivalent.
            if subpage != 0 && subpage != 0xFF {
                return Err(Sense::invalid_cdb_field(3, Some(7)));
            }
            let alloc_len = if ten {
                be16(c, 7).ok_or_else(bad)?
            } else {
                u16::from(b(4))
            };
            Ok(Command::ModeSense {
                ten,
                dbd: b(1) & 0x08 != 0,
                llbaa: ten && b(1) & 0x10 != 0,
                pc,
                page,
                subpage,
                alloc_len,
            })
        }
        MODE_SELECT_6 | MODE_SELECT_10 => {
            let ten = opcode == MODE_SELECT_10;
            // Only SPC page format is understood, and nothing is savable.
            if b(1) & 0x10 == 0 {
                return Err(Sense::invalid_cdb_field(1, Some(4)));
            }
            if b(1) & 0x01 != 0 {
                return Err(Sense::invalid_cdb_field(1, Some(0)));
            }
            let param_len = if ten {
                be16(c, 7).ok_or_else(bad)?
            } else {
                u16::from(b(4))
            };
            Ok(Command::ModeSelect {
                ten,
                pf: true,
                sp: false,
                param_len,
            })
        }
        START_STOP_UNIT => {
            let power_condition = b(4) >> 4;
            if power_condition != 0 {
                return Err(Sense::invalid_cdb_field(4, Some(7)));
            }
            Ok(Command::StartStopUnit {
                start: b(4) & 0x01 != 0,
                loej: b(4) & 0x02 != 0,
                immed: b(1) & 0x01 != 0,
                power_condition,
            })
        }
        MAINTENANCE_IN => {
            let reporting_options = b(2) & 0x07;
            let rctd = b(2) & 0x80 != 0;
            let req_op = b(3);
            if reporting_options > 3 {
                return Err(Sense::invalid_cdb_field(2, Some(2)));
            }
            // SPC-4: format 1 is for opcodes without service actions,
            // format 2 for opcodes with them.
            let has_sa = has_service_actions(req_op);
            let known_plain = matches!(lookup(req_op, 0), Lookup::Found(_)) && !has_sa;
            if (reporting_options == 1 && has_sa) || (reporting_options == 2 && known_plain) {
                return Err(Sense::invalid_cdb_field(3, None));
            }
            Ok(Command::ReportSupportedOpcodes {
                reporting_options,
                opcode: req_op,
                service_action: be16(c, 4).ok_or_else(bad)?,
                rctd,
                alloc_len: be32(c, 6).ok_or_else(bad)?,
            })
        }
        _ => Err(Sense::illegal(sense::INVALID_COMMAND_OPCODE)),
    }
}
