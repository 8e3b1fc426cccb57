// SPDX-License-Identifier: GPL-2.0

//! The header of a CCB (the bytes before its scatter-gather table), as the
//! CPU writes it for a new job: the SCRIPTS entry points, the select
//! dword, the table-indirect entries of the messages, the CDB, the status
//! and message bytes, and the data pointer. Shared by the driver (new
//! commands, its REQUEST SENSE) and the host tests that run the program.

use super::layout::{self as l, CCB_SG};
use super::program::Labels;

/// The data phase of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataMoves {
    /// No data.
    None,
    /// DATA IN through the last `n` entries of the scatter-gather table.
    In(usize),
    /// DATA OUT through the last `n` entries of the scatter-gather table.
    Out(usize),
}

/// What a job's header is made of besides the program's entry points.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    /// Target id.
    pub id: u8,
    /// MESSAGE OUT bytes after selection (IDENTIFY, a tag, a negotiation).
    pub msgout: &'a [u8],
    /// The CDB.
    pub cdb: &'a [u8],
    /// Bytes the command transfers.
    pub xfer: u32,
    /// `layout::FLAG_*` bits.
    pub flags: u32,
    /// Where the data moves are.
    pub data: DataMoves,
}

/// Offset in the CCB of scatter-gather entry `i` of a job with `n`
/// entries: they fill the end of the table, so the data pointer starts at
/// the first of the last `n` moves of the program's array. `None` if `n`
/// or `i` do not fit.
pub fn sg_entry(n: usize, i: usize) -> Option<u32> {
    if i >= n {
        return None;
    }
    let slot = l::SG_ENTRIES.checked_sub(n)?.checked_add(i)?;
    CCB_SG.checked_add(u32::try_from(slot).ok()?.checked_mul(l::SG_ENTRY_LEN)?)
}

/// The header of `job` in the CCB at bus address `bus`; `None` if its
/// messages, CDB or scatter-gather count do not fit.
pub fn header(labels: &Labels, bus: u32, job: &Job<'_>) -> Option<[u8; CCB_SG as usize]> {
    let (nmsg, ncdb) = (job.msgout.len(), job.cdb.len());
    if nmsg > l::MSGOUT_LEN || ncdb > l::CDB_LEN {
        return None;
    }
    let first = match job.data {
        DataMoves::None => labels.overrun,
        DataMoves::In(n) => moves_start(labels.data_in_end, n)?,
        DataMoves::Out(n) => moves_start(labels.data_out_end, n)?,
    };
    let mut hdr = [0u8; CCB_SG as usize];
    let words = [
        (l::CCB_GO_START, labels.select),
        (l::CCB_GO_RESTART, labels.resume),
        (l::CCB_SAVEP, first),
        (l::CCB_LASTP, first),
        (l::CCB_GOALP, labels.overrun),
        (l::CCB_SELECT, l::select_dword(job.id, 0, 0)),
        (l::CCB_MSGOUT_TBL, nmsg as u32),
        (l::CCB_MSGOUT_TBL + 4, bus.checked_add(l::CCB_MSGOUT)?),
        (l::CCB_CMD_TBL, ncdb as u32),
        (l::CCB_CMD_TBL + 4, bus.checked_add(l::CCB_CDB)?),
        (l::CCB_STATUS_TBL, 1),
        (l::CCB_STATUS_TBL + 4, bus.checked_add(l::CCB_STATUS_BYTE)?),
        (l::CCB_MSGIN_TBL, 1),
        (l::CCB_MSGIN_TBL + 4, bus.checked_add(l::CCB_MSGIN)?),
        (l::CCB_EXTIN_TBL, 1),
        (l::CCB_EXTIN_TBL + 4, bus.checked_add(l::CCB_MSGIN + 1)?),
        // No status yet: the SCRIPTS store the target's.
        (l::CCB_STATUS_BYTE, 0xff),
        (l::CCB_FLAGS, job.flags),
        (l::CCB_XFER_LEN, job.xfer),
    ];
    for (off, v) in words {
        if !l::put_u32(&mut hdr, off, v) {
            return None;
        }
    }
    let mo = l::CCB_MSGOUT as usize;
    hdr.get_mut(mo..mo + nmsg)?.copy_from_slice(job.msgout);
    let co = l::CCB_CDB as usize;
    hdr.get_mut(co..co + ncdb)?.copy_from_slice(job.cdb);
    Some(hdr)
}

/// The first of the last `n` moves of an array ending at `end`.
fn moves_start(end: u32, n: usize) -> Option<u32> {
    if n > l::SG_ENTRIES {
        return None;
    }
    end.checked_sub(u32::try_from(n).ok()?.checked_mul(l::SG_ENTRY_LEN)?)
}
