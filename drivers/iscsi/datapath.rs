// SPDX-License-Identifier: GPL-2.0

//! The full feature phase: SCSI Command PDUs with immediate data, Data-Out
//! answering R2Ts, Data-In into the command's buffer, SCSI Response
//! (status, sense, residual), the CmdSN window and NOP-In pings. Runs in
//! the connection's send and receive work (process context).

use super::conn::{Conn, MAX_SEND_SEGMENT};
use super::pdu::{
    request::{DataOut, InitiatorSn, NopOut, ScsiCommand, TaskAttr},
    response::{
        DataIn, NopIn, R2t, Residual, ResponseData, ScsiResponse, ScsiResponseCode, TargetPdu,
    },
    PduError, RESERVED_TAG,
};
use super::session::{Job, SessionCore, Task};
use crate::scsi::{CmdStatus, HostByte};
use kernel::prelude::*;

/// What the receive side makes of a PDU in the full feature phase.
pub(crate) enum Received {
    /// Handled here.
    Done,
    /// For iscsid (logout, text, reject, async message, TMF response).
    Up,
}

/// CHECK CONDITION: the data segment holds sense data.
const CHECK_CONDITION: u8 = 0x02;

/// A target PDU that breaks the protocol: the connection fails.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Violation {
    /// No command in flight has this ITT.
    UnknownItt(u32),
    /// Data outside the command's buffer, or for the wrong direction.
    BadData { itt: u32, offset: u32, len: u32 },
    /// More R2Ts than the send queue holds.
    TooManyR2ts,
    /// The PDU does not decode.
    Codec(PduError),
}

impl kernel::fmt::Display for Violation {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        match self {
            Self::UnknownItt(itt) => write!(f, "no command has ITT {itt:#x}"),
            Self::BadData { itt, offset, len } => write!(
                f,
                "data for ITT {itt:#x} at {offset}+{len} outside its buffer or direction"
            ),
            Self::TooManyR2ts => write!(f, "more R2Ts than can be queued"),
            Self::Codec(e) => write!(f, "undecodable PDU ({e:?})"),
        }
    }
}

/// Sends the queued jobs until none is left or the CmdSN window closes.
/// `tx` is a buffer for data segments, reused.
pub(crate) fn send_jobs(conn: &Conn, core: &SessionCore, tx: &mut KVVec<u8>) -> Result {
    loop {
        let mut st = core.state.lock();
        if !st.running {
            return Ok(());
        }
        let Some(job) = st.front() else {
            return Ok(());
        };
        let exp_stat_sn = st.exp_stat_sn;
        let neg = st.neg;
        match job {
            Job::Command(tag) => {
                let Some(cmd_sn) = st.seq.assign() else {
                    // Window closed: a response opens it and kicks us.
                    return Ok(());
                };
                st.pop();
                let Some(task) = st.tasks.get(tag).and_then(|t| t.as_ref()) else {
                    continue;
                };
                let imm = if task.write && neg.immediate_data {
                    task.len
                        .min(neg.first_burst)
                        .min(neg.max_xmit)
                        .min(MAX_SEND_SEGMENT)
                } else {
                    0
                };
                let hdr = ScsiCommand {
                    immediate: false,
                    // No unsolicited Data-Out after the immediate data:
                    // the rest goes by R2T.
                    final_bit: true,
                    read: task.read,
                    write: task.write,
                    attr: TaskAttr::Simple,
                    ahs_words: 0,
                    data_len: imm,
                    lun: task.lun,
                    itt: tag as u32,
                    expected_data_len: task.len,
                    sn: InitiatorSn {
                        cmd_sn,
                        exp_stat_sn,
                    },
                    cdb: task.cdb,
                }
                .encode()
                .map_err(|_| EINVAL)?;
                fill(tx, task, 0, imm)?;
                drop(st);
                conn.send_raw(&hdr, tx.get(..imm as usize).unwrap_or(&[]))?;
            }
            Job::DataOut {
                tag,
                serial,
                ttt,
                offset,
                len,
            } => {
                st.pop();
                // Sent in pieces of at most the target's segment length.
                let mut done = 0u32;
                let mut data_sn = 0u32;
                drop(st);
                while done < len {
                    let st = core.state.lock();
                    // The command may have ended (the target answered
                    // early) and its tag gone to another.
                    let Some(task) = st
                        .tasks
                        .get(tag)
                        .and_then(|t| t.as_ref())
                        .filter(|t| t.serial == serial)
                    else {
                        break;
                    };
                    let piece = (len - done).min(neg.max_xmit).min(MAX_SEND_SEGMENT);
                    let at = offset.saturating_add(done);
                    let hdr = DataOut {
                        final_bit: done + piece == len,
                        data_len: piece,
                        lun: task.lun,
                        itt: tag as u32,
                        ttt,
                        exp_stat_sn: st.exp_stat_sn,
                        data_sn,
                        buffer_offset: at,
                    }
                    .encode()
                    .map_err(|_| EINVAL)?;
                    fill(tx, task, at, piece)?;
                    drop(st);
                    conn.send_raw(&hdr, tx.get(..piece as usize).unwrap_or(&[]))?;
                    done += piece;
                    data_sn = data_sn.wrapping_add(1);
                }
            }
            Job::NopOut { ttt, lun } => {
                st.pop();
                let hdr = NopOut {
                    immediate: true,
                    data_len: 0,
                    lun,
                    itt: RESERVED_TAG,
                    ttt,
                    sn: InitiatorSn {
                        cmd_sn: st.seq.immediate(),
                        exp_stat_sn,
                    },
                }
                .encode()
                .map_err(|_| EINVAL)?;
                drop(st);
                conn.send_raw(&hdr, &[])?;
            }
        }
    }
}

/// Copies `len` bytes of `task`'s data from `offset` into `tx`.
fn fill(tx: &mut KVVec<u8>, task: &Task, offset: u32, len: u32) -> Result {
    // The buffer holds MAX_SEND_SEGMENT bytes (`Conn::bind`); pieces are
    // cut to that.
    let dst = tx.get_mut(..len as usize).ok_or(EINVAL)?;
    let len = dst.len();
    if task.cmd.copy_from_sg(offset as usize, dst) != len {
        return Err(EINVAL);
    }
    Ok(())
}

/// A PDU received in the full feature phase; `data` is its data segment.
/// `Err` fails the connection (protocol error).
pub(crate) fn receive(
    core: &SessionCore,
    pdu: &TargetPdu,
    data: &[u8],
) -> Result<Received, Violation> {
    let mut st = core.state.lock();
    let (exp, max) = pdu.cmd_window();
    st.seq.update(exp, max);
    let stat_sn = match pdu {
        TargetPdu::ScsiResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::DataIn(d) => d.status.map(|s| s.stat_sn),
        TargetPdu::NopIn(n) if n.itt != RESERVED_TAG => Some(n.sn.stat_sn),
        TargetPdu::LogoutResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::TextResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::TaskMgmtResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::AsyncMessage(r) => Some(r.sn.stat_sn),
        TargetPdu::Reject(r) => Some(r.sn.stat_sn),
        _ => None,
    };
    if let Some(sn) = stat_sn {
        if super::pdu::serial::ge(sn, st.exp_stat_sn) {
            st.exp_stat_sn = sn.wrapping_add(1);
        }
    }
    match pdu {
        TargetPdu::DataIn(d) => data_in(&mut st, d, data),
        TargetPdu::ScsiResponse(r) => response(&mut st, r, data),
        TargetPdu::R2t(r) => r2t(&mut st, r),
        TargetPdu::NopIn(n) => nop_in(&mut st, n),
        _ => Ok(Received::Up),
    }
}

/// The task an ITT names.
fn task_of<'a>(
    tasks: &'a mut KVec<Option<Task>>,
    itt: u32,
) -> Result<(usize, &'a mut Task), Violation> {
    let tag = itt as usize;
    let task = tasks
        .get_mut(tag)
        .and_then(|t| t.as_mut())
        .ok_or(Violation::UnknownItt(itt))?;
    Ok((tag, task))
}

fn data_in(st: &mut super::session::Ffp, d: &DataIn, data: &[u8]) -> Result<Received, Violation> {
    let (tag, task) = task_of(&mut st.tasks, d.itt)?;
    let end = d.buffer_offset.checked_add(d.data_len);
    let bad = Violation::BadData {
        itt: d.itt,
        offset: d.buffer_offset,
        len: d.data_len,
    };
    if !task.read || end.is_none_or(|e| e > task.len) {
        return Err(bad);
    }
    if task.cmd.copy_to_sg(d.buffer_offset as usize, data) != data.len() {
        return Err(bad);
    }
    if let Some(s) = d.status {
        if let Some(Some(mut task)) = st.tasks.get_mut(tag).map(|t| t.take()) {
            task.cmd.set_resid(underflow(s.residual));
            task.cmd.complete(CmdStatus {
                host: HostByte::Ok,
                status: s.status,
            });
        }
    }
    Ok(Received::Done)
}

fn response(
    st: &mut super::session::Ffp,
    r: &ScsiResponse,
    data: &[u8],
) -> Result<Received, Violation> {
    let (tag, _) = task_of(&mut st.tasks, r.itt)?;
    let Some(Some(mut task)) = st.tasks.get_mut(tag).map(|t| t.take()) else {
        return Err(Violation::UnknownItt(r.itt));
    };
    if r.response != ScsiResponseCode::Completed {
        task.cmd.complete(CmdStatus::host(HostByte::Error));
        return Ok(Received::Done);
    }
    if r.status == CHECK_CONDITION {
        if let Ok(rd) = ResponseData::parse(data) {
            let sense = task.cmd.sense_buffer_mut();
            let n = rd.sense.len().min(sense.len());
            if let (Some(d), Some(s)) = (sense.get_mut(..n), rd.sense.get(..n)) {
                d.copy_from_slice(s);
            }
        }
    }
    task.cmd.set_resid(underflow(r.residual));
    task.cmd.complete(CmdStatus {
        host: HostByte::Ok,
        status: r.status,
    });
    Ok(Received::Done)
}

fn r2t(st: &mut super::session::Ffp, r: &R2t) -> Result<Received, Violation> {
    let (tag, task) = task_of(&mut st.tasks, r.itt)?;
    let end = r.buffer_offset.checked_add(r.desired_len);
    if !task.write || end.is_none_or(|e| e > task.len) {
        return Err(Violation::BadData {
            itt: r.itt,
            offset: r.buffer_offset,
            len: r.desired_len,
        });
    }
    let serial = task.serial;
    st.push(Job::DataOut {
        tag,
        serial,
        ttt: r.ttt,
        offset: r.buffer_offset,
        len: r.desired_len,
    })
    .map_err(|_| Violation::TooManyR2ts)?;
    Ok(Received::Done)
}

fn nop_in(st: &mut super::session::Ffp, n: &NopIn) -> Result<Received, Violation> {
    if n.ttt != RESERVED_TAG {
        // The target pings: answer with its TTT.
        let _ = st.push(Job::NopOut {
            ttt: n.ttt,
            lun: n.lun,
        });
    }
    Ok(Received::Done)
}

/// The residual the midlayer takes: bytes not transferred.
fn underflow(r: Residual) -> u32 {
    match r {
        Residual::Underflow(n) => n,
        _ => 0,
    }
}
