// SPDX-License-Identifier: GPL-2.0

//! The full feature phase: what the send work puts on the wire next
//! (NOP-Out replies, Data-Out, iscsid's PDUs, then SCSI Commands as the
//! CmdSN window allows), and what the receive work makes of the target's
//! PDUs (Data-In into the command's buffer, SCSI Response with sense and
//! residual, R2T, NOP-In). Copies and completions happen outside the
//! session's lock.

use super::conn::MAX_SEND_SEGMENT;
use super::pdu::{
    request::{DataOut, InitiatorSn, NopOut, ScsiCommand, TaskAttr},
    response::{
        DataIn, NopIn, R2t, Residual, ResponseData, ScsiResponse, ScsiResponseCode, TargetPdu,
    },
    serial, Opcode, PduError, BHS_LEN, RESERVED_TAG,
};
use super::session::{itt_of, mgmt_itt, Completion, DataOutJob, Ffp, NopReply, Phase, SessionCore};
use super::transport::IscsiOps;
use crate::scsi::{CmdStatus, Command, HostByte};
use kernel::prelude::*;

/// A PDU ready to go out: header, data segment and padding in one buffer
/// allocated at bind, sent from `sent` on (sends do not block: what the
/// socket does not take waits for its write-space callback).
pub(crate) struct Staged {
    pub(crate) buf: KVVec<u8>,
    pub(crate) len: usize,
    pub(crate) sent: usize,
    /// For the counters once sent.
    pub(crate) opcode: Option<Opcode>,
    pub(crate) data_len: usize,
}

impl Staged {
    /// Room for the largest PDU staged.
    pub(crate) const CAPACITY: usize = BHS_LEN + MAX_SEND_SEGMENT as usize + 4;

    pub(crate) const fn new() -> Self {
        Self {
            buf: KVVec::new(),
            len: 0,
            sent: 0,
            opcode: None,
            data_len: 0,
        }
    }

    /// A PDU is staged and not all sent.
    pub(crate) fn pending(&self) -> bool {
        self.sent < self.len
    }

    /// The bytes left to send.
    pub(crate) fn rest(&self) -> &[u8] {
        self.buf.get(self.sent..self.len).unwrap_or(&[])
    }

    /// Stages `hdr` with a data segment of `data_len` bytes that `fill`
    /// writes, then the padding.
    fn stage(
        &mut self,
        hdr: &[u8; BHS_LEN],
        data_len: usize,
        fill: impl FnOnce(&mut [u8]) -> bool,
    ) -> Result {
        let padded = data_len
            .checked_add(super::pdu::segment::pad_len(data_len))
            .ok_or(EINVAL)?;
        let len = BHS_LEN.checked_add(padded).ok_or(EINVAL)?;
        let buf = self.buf.get_mut(..len).ok_or(EINVAL)?;
        let (h, rest) = buf.split_at_mut(BHS_LEN);
        h.copy_from_slice(hdr);
        let (data, pad) = rest.split_at_mut(data_len);
        if !fill(data) {
            return Err(EIO);
        }
        pad.fill(0);
        self.len = len;
        self.sent = 0;
        self.opcode = Opcode::from_byte0(hdr[0]).ok();
        self.data_len = data_len;
        Ok(())
    }
}

/// Opcodes of initiator PDUs with CmdSN and ExpStatSN at bytes 24 and 28.
fn carries_cmd_sn(opcode: u8) -> bool {
    matches!(opcode & 0x3f, 0x00 | 0x01 | 0x02 | 0x04 | 0x06)
}

/// What a staging step under the lock decided.
enum Step {
    /// A header without data (or data already in hand) is ready.
    Header([u8; BHS_LEN]),
    /// A header whose data comes from the command's buffer at `offset`.
    WithData {
        hdr: [u8; BHS_LEN],
        tag: usize,
        cmd: Command<IscsiOps>,
        offset: u32,
        len: u32,
    },
    /// A PDU from iscsid.
    Mgmt(KVec<u8>),
    /// Nothing to send (or the window is closed).
    Idle,
}

/// Puts the next PDU into `tx`. Returns `false` when there is none.
pub(crate) fn stage_next(core: &SessionCore, tx: &mut Staged) -> Result<bool> {
    let step = {
        let mut st = core.state.lock();
        choose(&mut st)?
    };
    match step {
        Step::Idle => Ok(false),
        Step::Header(hdr) => {
            tx.stage(&hdr, 0, |_| true)?;
            Ok(true)
        }
        Step::Mgmt(pdu) => {
            let hdr: &[u8; BHS_LEN] = pdu
                .get(..BHS_LEN)
                .and_then(|h| h.try_into().ok())
                .ok_or(EINVAL)?;
            let data = pdu.get(BHS_LEN..).unwrap_or(&[]);
            tx.stage(hdr, data.len(), |d| {
                d.copy_from_slice(data);
                true
            })?;
            Ok(true)
        }
        Step::WithData {
            hdr,
            tag,
            cmd,
            offset,
            len,
        } => {
            let copied = tx.stage(&hdr, len as usize, |d| {
                cmd.copy_from_sg(offset as usize, d) == d.len()
            });
            let late = core.state.lock().put_back(tag, cmd);
            if let Some((cmd, done)) = late {
                done.apply(cmd);
            }
            copied?;
            Ok(true)
        }
    }
}

/// Picks the next PDU under the lock: replies to pings first, then the
/// data the target asked for, then iscsid's PDUs, then new commands.
fn choose(st: &mut Ffp) -> Result<Step> {
    let exp_stat_sn = st.exp_stat_sn;
    let ffp = matches!(st.phase, Phase::Running | Phase::LoggingOut);
    if ffp {
        if let Some(n) = st.nop_replies.pop() {
            let hdr = NopOut {
                immediate: true,
                data_len: 0,
                lun: n.lun,
                itt: RESERVED_TAG,
                ttt: n.ttt,
                sn: InitiatorSn {
                    cmd_sn: st.seq.immediate(),
                    exp_stat_sn,
                },
            }
            .encode()
            .map_err(|_| EINVAL)?;
            return Ok(Step::Header(hdr));
        }
        if let Some(step) = data_out(st)? {
            return Ok(step);
        }
    }
    if let Some(mut pdu) = st.mgmt.pop() {
        if ffp {
            let b0 = pdu.first().copied().unwrap_or(0);
            if carries_cmd_sn(b0) {
                // No command goes out after a Logout (RFC 7143 11.14);
                // iscsid sends it immediate.
                if b0 & 0x3f == 0x06 {
                    st.phase = Phase::LoggingOut;
                }
                let cmd_sn = if b0 & 0x40 != 0 {
                    st.seq.immediate()
                } else {
                    st.seq.assign_unchecked()
                };
                // An ITT no command has (iscsid leaves it 0).
                let itt = mgmt_itt(st.mgmt_itts);
                st.mgmt_itts = st.mgmt_itts.wrapping_add(1);
                if let Some(f) = pdu.get_mut(16..20) {
                    f.copy_from_slice(&itt.to_be_bytes());
                }
                if let Some(f) = pdu.get_mut(24..28) {
                    f.copy_from_slice(&cmd_sn.to_be_bytes());
                }
                if let Some(f) = pdu.get_mut(28..32) {
                    f.copy_from_slice(&exp_stat_sn.to_be_bytes());
                }
            }
        }
        return Ok(Step::Mgmt(pdu));
    }
    if st.phase == Phase::Running {
        return command(st);
    }
    Ok(Step::Idle)
}

/// The next Data-Out piece, if one is queued for a live command.
fn data_out(st: &mut Ffp) -> Result<Option<Step>> {
    let max_xmit = st.neg.max_xmit.min(MAX_SEND_SEGMENT);
    let exp_stat_sn = st.exp_stat_sn;
    while let Some(job) = st.data_out.front_mut().copied() {
        let Some(task) = st
            .tasks
            .get_mut(job.tag)
            .and_then(|t| t.as_mut())
            .filter(|t| t.serial == job.serial && t.cmd.is_some())
        else {
            // The command ended (the target answered early) and its tag
            // may belong to another now.
            st.data_out.pop();
            continue;
        };
        let piece = job.end.saturating_sub(job.offset).min(max_xmit);
        let last = job.offset.saturating_add(piece) >= job.end;
        let hdr = DataOut {
            final_bit: last,
            data_len: piece,
            lun: task.lun,
            itt: itt_of(job.tag, job.serial),
            ttt: job.ttt,
            exp_stat_sn,
            data_sn: job.data_sn,
            buffer_offset: job.offset,
        }
        .encode()
        .map_err(|_| EINVAL)?;
        task.progress = task.progress.wrapping_add(1);
        if last && job.ttt != RESERVED_TAG {
            task.r2ts = task.r2ts.saturating_sub(1);
        }
        let Some(cmd) = task.cmd.take() else {
            st.data_out.pop();
            continue;
        };
        if last {
            st.data_out.pop();
        } else if let Some(j) = st.data_out.front_mut() {
            j.offset = j.offset.saturating_add(piece);
            j.data_sn = j.data_sn.wrapping_add(1);
        }
        return Ok(Some(Step::WithData {
            hdr,
            tag: job.tag,
            cmd,
            offset: job.offset,
            len: piece,
        }));
    }
    Ok(None)
}

/// The next SCSI Command the window lets out.
fn command(st: &mut Ffp) -> Result<Step> {
    let neg = st.neg;
    let exp_stat_sn = st.exp_stat_sn;
    loop {
        let Some(&mut tag) = st.commands.front_mut() else {
            return Ok(Step::Idle);
        };
        if !st.task_mut(tag).is_some_and(|t| !t.sent && t.cmd.is_some()) {
            st.commands.pop();
            continue;
        }
        let Some(cmd_sn) = st.seq.assign() else {
            // Window closed: a response opens it and kicks the send work.
            return Ok(Step::Idle);
        };
        st.commands.pop();
        let Some(task) = st.task_mut(tag) else {
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
        // InitialR2T=No: the rest of the first burst follows unsolicited.
        let unsolicited_end = if task.write && neg.unsolicited_data {
            task.len.min(neg.first_burst)
        } else {
            0
        };
        let more = unsolicited_end > imm;
        let hdr = ScsiCommand {
            immediate: false,
            final_bit: !more,
            read: task.read,
            write: task.write,
            attr: TaskAttr::Simple,
            ahs_words: 0,
            data_len: imm,
            lun: task.lun,
            itt: itt_of(tag, task.serial),
            expected_data_len: task.len,
            sn: InitiatorSn {
                cmd_sn,
                exp_stat_sn,
            },
            cdb: task.cdb,
        }
        .encode()
        .map_err(|_| EINVAL)?;
        task.sent = true;
        // Its timeout counts from here (`eh_timed_out`).
        task.progress = task.progress.wrapping_add(1);
        if !task.held_back {
            task.progress_seen = task.progress;
        }
        let serial = task.serial;
        let cmd = if imm > 0 { task.cmd.take() } else { None };
        if more {
            let job = DataOutJob {
                tag,
                serial,
                ttt: RESERVED_TAG,
                offset: imm,
                end: unsolicited_end,
                data_sn: 0,
            };
            if st.push_data_out(job).is_err() {
                // Cannot happen: the ring holds MAX_R2T + 1 jobs per tag.
                if let Some(cmd) = cmd {
                    let _ = st.put_back(tag, cmd);
                }
                return Err(ENOSPC);
            }
        }
        return Ok(match cmd {
            Some(cmd) => Step::WithData {
                hdr,
                tag,
                cmd,
                offset: 0,
                len: imm,
            },
            None => Step::Header(hdr),
        });
    }
}

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
    /// No command in flight (and sent) has this ITT.
    UnknownItt(u32),
    /// Data or an R2T outside the command's buffer, burst or direction.
    BadData { itt: u32, offset: u32, len: u32 },
    /// More R2Ts than MaxOutstandingR2T allows.
    TooManyR2ts,
    /// The PDU does not decode.
    Codec(PduError),
}

impl kernel::fmt::Display for Violation {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        match self {
            Self::UnknownItt(itt) => write!(f, "no command in flight has ITT {itt:#x}"),
            Self::BadData { itt, offset, len } => write!(
                f,
                "data or R2T for ITT {itt:#x} at {offset}+{len} outside its buffer, burst or direction"
            ),
            Self::TooManyR2ts => write!(f, "more R2Ts than MaxOutstandingR2T"),
            Self::Codec(e) => write!(f, "undecodable PDU ({e:?})"),
        }
    }
}

/// What to do after unlocking.
enum After {
    Nothing,
    /// Copy Data-In into the command, then complete it (status in the
    /// Data-In) or give the token back.
    CopyIn {
        tag: usize,
        cmd: Command<IscsiOps>,
        offset: u32,
        end: Option<Completion>,
    },
    Complete(Command<IscsiOps>, Completion),
}

/// A PDU received in the full feature phase; `data` is its data segment.
/// `Err` fails the connection (protocol error).
pub(crate) fn receive(
    core: &SessionCore,
    pdu: &TargetPdu,
    data: &[u8],
) -> Result<Received, Violation> {
    let (received, after) = {
        let mut st = core.state.lock();
        let (exp, max) = pdu.cmd_window();
        if st.seq.update(exp, max) == serial::WindowUpdate::Advanced {
            st.window_moves = st.window_moves.wrapping_add(1);
        }
        if let Some(sn) = stat_sn(pdu) {
            if serial::ge(sn, st.exp_stat_sn) {
                st.exp_stat_sn = sn.wrapping_add(1);
            }
        }
        match pdu {
            TargetPdu::DataIn(d) => (Received::Done, data_in(&mut st, d, data)?),
            TargetPdu::ScsiResponse(r) => (Received::Done, response(&mut st, r, data)?),
            TargetPdu::R2t(r) => (Received::Done, r2t(&mut st, r)?),
            TargetPdu::NopIn(n) => (Received::Done, nop_in(&mut st, n)),
            _ => (Received::Up, After::Nothing),
        }
    };
    match after {
        After::Nothing => {}
        After::Complete(cmd, done) => done.apply(cmd),
        After::CopyIn {
            tag,
            mut cmd,
            offset,
            end,
        } => {
            let copied = cmd.copy_to_sg(offset as usize, data) == data.len();
            match end {
                Some(done) if copied => done.apply(cmd),
                Some(_) => Completion::new(CmdStatus::host(HostByte::Error)).apply(cmd),
                None => {
                    let late = core.state.lock().put_back(tag, cmd);
                    if let Some((cmd, done)) = late {
                        done.apply(cmd);
                    }
                }
            }
            if !copied {
                return Err(Violation::BadData {
                    itt: tag as u32,
                    offset,
                    len: data.len() as u32,
                });
            }
        }
    }
    Ok(received)
}

/// The StatSN a PDU acknowledges, if it carries one.
fn stat_sn(pdu: &TargetPdu) -> Option<u32> {
    match pdu {
        TargetPdu::ScsiResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::DataIn(d) => d.status.map(|s| s.stat_sn),
        TargetPdu::NopIn(n) if n.itt != RESERVED_TAG => Some(n.sn.stat_sn),
        TargetPdu::LogoutResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::TextResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::TaskMgmtResponse(r) => Some(r.sn.stat_sn),
        TargetPdu::AsyncMessage(r) => Some(r.sn.stat_sn),
        TargetPdu::Reject(r) => Some(r.sn.stat_sn),
        _ => None,
    }
}

/// The tag of a command in flight whose SCSI Command went out.
fn sent_task(st: &mut Ffp, itt: u32) -> Result<usize, Violation> {
    let tag = st.tag_of(itt).ok_or(Violation::UnknownItt(itt))?;
    match st.task_mut(tag) {
        Some(t) if t.sent => {
            t.progress = t.progress.wrapping_add(1);
            Ok(tag)
        }
        _ => Err(Violation::UnknownItt(itt)),
    }
}

/// How a command ends with `status` and `residual`; a residual larger
/// than the transfer is the target's error.
fn completion(status: u8, residual: Residual, len: u32) -> Completion {
    match residual {
        Residual::Underflow(n) if n > len => Completion::new(CmdStatus::host(HostByte::BadTarget)),
        Residual::Underflow(n) => {
            let mut c = Completion::new(CmdStatus {
                host: HostByte::Ok,
                status,
            });
            c.resid = n;
            c
        }
        // As libiscsi: the residual of an overflow is reported too.
        Residual::Overflow(n) => {
            let mut c = Completion::new(CmdStatus {
                host: HostByte::Ok,
                status,
            });
            c.resid = n;
            c
        }
        _ => Completion::new(CmdStatus {
            host: HostByte::Ok,
            status,
        }),
    }
}

fn data_in(st: &mut Ffp, d: &DataIn, data: &[u8]) -> Result<After, Violation> {
    let tag = sent_task(st, d.itt)?;
    let bad = Violation::BadData {
        itt: d.itt,
        offset: d.buffer_offset,
        len: d.data_len,
    };
    let Some(task) = st.task_mut(tag) else {
        return Err(bad);
    };
    let end = d.buffer_offset.checked_add(d.data_len);
    if !task.read || end.is_none_or(|e| e > task.len) || data.len() != d.data_len as usize {
        return Err(bad);
    }
    let len = task.len;
    let end = d.status.map(|s| completion(s.status, s.residual, len));
    if data.is_empty() {
        return Ok(match end {
            Some(done) => st
                .end(tag, done)
                .map_or(After::Nothing, |(cmd, done)| After::Complete(cmd, done)),
            None => After::Nothing,
        });
    }
    // Only the receive work copies into a read's buffer: the token is in.
    let cmd = task.cmd.take().ok_or(bad)?;
    if end.is_some() {
        if let Some(slot) = st.tasks.get_mut(tag) {
            *slot = None;
        }
    }
    Ok(After::CopyIn {
        tag,
        cmd,
        offset: d.buffer_offset,
        end,
    })
}

fn response(st: &mut Ffp, r: &ScsiResponse, data: &[u8]) -> Result<After, Violation> {
    let tag = sent_task(st, r.itt)?;
    let len = st.task_mut(tag).map_or(0, |t| t.len);
    let done = if r.response != ScsiResponseCode::Completed {
        Completion::new(CmdStatus::host(HostByte::Error))
    } else if r.status == CHECK_CONDITION {
        match ResponseData::parse(data) {
            Ok(rd) => {
                let mut done = completion(r.status, r.residual, len);
                let n = rd.sense.len().min(done.sense.len());
                if let (Some(d), Some(s)) = (done.sense.get_mut(..n), rd.sense.get(..n)) {
                    d.copy_from_slice(s);
                    done.sense_len = n;
                }
                done
            }
            Err(_) => Completion::new(CmdStatus::host(HostByte::BadTarget)),
        }
    } else {
        completion(r.status, r.residual, len)
    };
    Ok(st
        .end(tag, done)
        .map_or(After::Nothing, |(cmd, done)| After::Complete(cmd, done)))
}

fn r2t(st: &mut Ffp, r: &R2t) -> Result<After, Violation> {
    let tag = sent_task(st, r.itt)?;
    let max_burst = st.neg.max_burst;
    let max_r2t = st.neg.max_r2t;
    let bad = Violation::BadData {
        itt: r.itt,
        offset: r.buffer_offset,
        len: r.desired_len,
    };
    let Some(task) = st.task_mut(tag) else {
        return Err(bad);
    };
    let end = r.buffer_offset.checked_add(r.desired_len);
    if !task.write
        || r.desired_len == 0
        || r.desired_len > max_burst
        || end.is_none_or(|e| e > task.len)
    {
        return Err(bad);
    }
    if task.r2ts >= max_r2t {
        return Err(Violation::TooManyR2ts);
    }
    task.r2ts += 1;
    let serial = task.serial;
    st.push_data_out(DataOutJob {
        tag,
        serial,
        ttt: r.ttt,
        offset: r.buffer_offset,
        end: r.buffer_offset.saturating_add(r.desired_len),
        data_sn: 0,
    })
    .map_err(|()| Violation::TooManyR2ts)?;
    Ok(After::Nothing)
}

fn nop_in(st: &mut Ffp, n: &NopIn) -> After {
    if n.ttt != RESERVED_TAG {
        // The target pings: answer with its TTT. A reply that does not fit
        // is dropped; the target pings again.
        let _ = st.nop_replies.push(NopReply {
            ttt: n.ttt,
            lun: n.lun,
        });
    }
    After::Nothing
}
