// SPDX-License-Identifier: GPL-2.0

//! What the receive work makes of the target's PDUs in the full feature
//! phase: Data-In into the command's buffer (straight from the socket,
//! see [`start_data_in`]), SCSI Response with sense and residual, R2T
//! (Data-Out queued for the send work), NOP-In (a reply queued), and the
//! CmdSN window and ExpStatSN every PDU moves. Copies and completions
//! happen outside the session's lock.

use super::crc::Digest;
use super::pdu::{
    response::{
        DataIn, NopIn, R2t, Residual, ResponseData, ScsiResponse, ScsiResponseCode, TargetPdu,
    },
    serial, PduError, RESERVED_TAG,
};
use super::session::{
    is_mgmt_itt, Completion, DataOutJob, Ffp, NopReply, Phase, SessionCore, TmfState,
};
use super::transport::IscsiOps;
use crate::net::TcpSocket;
use crate::scsi::{CmdStatus, Command, HostByte, SgChunkDir};
use kernel::prelude::*;

/// What the receive side makes of a PDU in the full feature phase.
pub(crate) enum Received {
    /// Handled here.
    Done,
    /// For iscsid (logout, text, reject, async message).
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
    /// Receive or copy Data-In into the command, then [`DataInTarget::finish`].
    CopyIn(DataInTarget),
    Complete(Command<IscsiOps>, Completion),
}

/// The command a Data-In's data segment goes to, its token taken out of
/// its task (which keeps its slot) while the data is copied in.
pub(crate) struct DataInTarget {
    tag: usize,
    /// The task's serial: the slot still holds this command's task.
    serial: u32,
    itt: u32,
    cmd: Command<IscsiOps>,
    /// Next byte of the buffer to fill, and the bytes still to come.
    offset: u32,
    left: u32,
    /// The status the Data-In carries (phase collapse).
    end: Option<Completion>,
    /// The data digest so far, when DataDigest is on.
    crc: Option<Digest>,
}

impl DataInTarget {
    /// Bytes of the data segment still to come.
    pub(crate) fn left(&self) -> u32 {
        self.left
    }

    /// Receives what `socket` has of the data segment straight into the
    /// buffer (see [`Command::recv_to_sg`]).
    pub(crate) fn recv(&mut self, socket: &TcpSocket) -> Result<usize> {
        // With a digest, a piece at a time: its CRC is taken from the
        // pages before the next piece can land on the same page.
        let pieces = if self.crc.is_some() { 1 } else { usize::MAX };
        let n = self
            .cmd
            .recv_to_sg(socket, self.offset as usize, self.left as usize, pieces)?;
        if let Some(crc) = self.crc.as_mut() {
            digest_sg(&mut self.cmd, crc, self.offset as usize, n);
        }
        // `recv_to_sg` receives at most `left` bytes.
        let n32 = u32::try_from(n).map_err(|_| EINVAL)?;
        self.left = self.left.checked_sub(n32).ok_or(EINVAL)?;
        self.offset = self.offset.saturating_add(n32);
        Ok(n)
    }

    /// With the data in: whether the data digest (over the data and
    /// `pad`) is `wire`; true without DataDigest.
    pub(crate) fn digest_matches(&mut self, pad: &[u8], wire: &[u8]) -> bool {
        match self.crc.as_mut() {
            Some(crc) => {
                crc.update(pad);
                crc.matches(wire)
            }
            None => true,
        }
    }

    /// Copies a data segment received whole.
    fn copy(&mut self, data: &[u8]) -> Result<(), Violation> {
        let bad = Violation::BadData {
            itt: self.itt,
            offset: self.offset,
            len: self.left,
        };
        if data.len() != self.left as usize
            || self.cmd.copy_to_sg(self.offset as usize, data) != data.len()
        {
            return Err(bad);
        }
        self.offset = self.offset.saturating_add(self.left);
        self.left = 0;
        Ok(())
    }

    /// Ends the copy: with all the data in and `good` (its digest
    /// matched), a Data-In with status completes the command (its task
    /// leaves its slot); otherwise, or when the connection failed before
    /// the data was in, the token goes back to the task (to be answered,
    /// or given back with the rest).
    pub(crate) fn finish(self, core: &SessionCore, good: bool) {
        let done = {
            let mut st = core.state.lock();
            let ours = st
                .task_mut(self.tag)
                .is_some_and(|t| t.serial == self.serial && t.cmd.is_none());
            if !ours {
                // Nothing else takes a task whose token is out; dropping
                // the token fails the command, loudly.
                drop(st);
                pr_warn!(
                    "iSCSI: the task of ITT {:#x} went during its Data-In\n",
                    self.itt
                );
                return;
            }
            match self.end {
                Some(end) if self.left == 0 && good => {
                    // PDUs come in order: no response came meanwhile.
                    if let Some(slot) = st.tasks.get_mut(self.tag) {
                        *slot = None;
                    }
                    Some((self.cmd, end))
                }
                _ => st.put_back(self.tag, self.cmd),
            }
        };
        if let Some((cmd, done)) = done {
            done.apply(cmd);
        }
    }
}

/// A Data-In header with a data segment: when the full feature phase
/// runs, acknowledges what the header does (window, StatSN), checks it
/// against its command and returns the command for the receive work to
/// fill from the socket, then [`DataInTarget::finish`]. `None`: receive
/// the PDU whole (it is for iscsid).
pub(crate) fn start_data_in(
    core: &SessionCore,
    pdu: &TargetPdu,
    data_digest: bool,
) -> Result<Option<DataInTarget>, Violation> {
    let TargetPdu::DataIn(d) = pdu else {
        return Ok(None);
    };
    let after = {
        let mut st = core.state.lock();
        if !matches!(st.phase, Phase::Running | Phase::LoggingOut) || d.data_len == 0 {
            return Ok(None);
        }
        acknowledge(&mut st, pdu);
        data_in(&mut st, d)?
    };
    match after {
        After::CopyIn(mut target) => {
            target.crc = data_digest.then(Digest::new);
            Ok(Some(target))
        }
        // `data_in` copies in every non-empty data segment.
        other => {
            settle(core, other);
            Err(Violation::BadData {
                itt: d.itt,
                offset: d.buffer_offset,
                len: d.data_len,
            })
        }
    }
}

/// Feeds `len` bytes of `cmd`'s buffer from `offset` into `crc`.
fn digest_sg(cmd: &mut Command<IscsiOps>, crc: &mut Digest, offset: usize, len: usize) {
    let mut left = len;
    let _ = cmd.for_each_sg_chunk(SgChunkDir::FromSg, offset, |_, chunk| {
        let take = left.min(chunk.len());
        crc.update_with(|r| chunk.crc32c(r, 0, take));
        left -= take;
        if left == 0 {
            Err(())
        } else {
            Ok(())
        }
    });
}

/// Moves the CmdSN window and ExpStatSN as `pdu` says.
fn acknowledge(st: &mut Ffp, pdu: &TargetPdu) {
    let (exp, max) = pdu.cmd_window();
    if st.seq.update(exp, max) == serial::WindowUpdate::Advanced {
        st.window_moves = st.window_moves.wrapping_add(1);
    }
    if let Some(sn) = stat_sn(pdu) {
        if serial::ge(sn, st.exp_stat_sn) {
            st.exp_stat_sn = sn.wrapping_add(1);
        }
    }
}

/// Does what was decided under the lock.
fn settle(core: &SessionCore, after: After) {
    match after {
        After::Nothing => {}
        After::Complete(cmd, done) => done.apply(cmd),
        After::CopyIn(target) => target.finish(core, false),
    }
}

/// A PDU received whole in the full feature phase; `data` is its data
/// segment. `Err` fails the connection (protocol error).
pub(crate) fn receive(
    core: &SessionCore,
    pdu: &TargetPdu,
    data: &[u8],
) -> Result<Received, Violation> {
    let (received, after) = {
        let mut st = core.state.lock();
        acknowledge(&mut st, pdu);
        match pdu {
            TargetPdu::DataIn(d) if data.len() != d.data_len as usize => {
                return Err(Violation::BadData {
                    itt: d.itt,
                    offset: d.buffer_offset,
                    len: d.data_len,
                })
            }
            TargetPdu::DataIn(d) => (Received::Done, data_in(&mut st, d)?),
            TargetPdu::ScsiResponse(r) => (Received::Done, response(&mut st, r, data)?),
            TargetPdu::R2t(r) => (Received::Done, r2t(&mut st, r)?),
            TargetPdu::NopIn(n) => nop_in(&mut st, n)?,
            TargetPdu::TaskMgmtResponse(r) => {
                // Only the error handler sends task management requests,
                // one at a time: anything else is the target's error.
                match st.tmf {
                    TmfState::Sent(itt, req) if itt == r.itt => {
                        st.tmf = TmfState::Answered(itt, req, r.response);
                    }
                    _ => return Err(Violation::UnknownItt(r.itt)),
                }
                (Received::Done, After::Nothing)
            }
            TargetPdu::Reject(_) => {
                // A Reject quoting our ping ends it (it goes up to iscsid
                // too): the next silence pings again.
                let quoted = data.get(16..20).and_then(|b| <[u8; 4]>::try_from(b).ok());
                if quoted.map(u32::from_be_bytes) == st.ping.waiting {
                    st.ping.waiting = None;
                }
                (Received::Up, After::Nothing)
            }
            _ => (Received::Up, After::Nothing),
        }
    };
    if let After::CopyIn(mut target) = after {
        let copied = target.copy(data);
        target.finish(core, copied.is_ok());
        copied?;
    } else {
        settle(core, after);
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

/// Checks a Data-In against its command: a data segment is copied in
/// ([`After::CopyIn`]); an empty one with status completes it.
fn data_in(st: &mut Ffp, d: &DataIn) -> Result<After, Violation> {
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
    if !task.read || end.is_none_or(|e| e > task.len) {
        return Err(bad);
    }
    let len = task.len;
    let end = d.status.map(|s| completion(s.status, s.residual, len));
    if d.data_len == 0 {
        return Ok(match end {
            Some(done) => st
                .end(tag, done)
                .map_or(After::Nothing, |(cmd, done)| After::Complete(cmd, done)),
            None => After::Nothing,
        });
    }
    // Only the receive work copies into a read's buffer: the token is in.
    let cmd = task.cmd.take().ok_or(bad)?;
    let serial = task.serial;
    Ok(After::CopyIn(DataInTarget {
        tag,
        serial,
        itt: d.itt,
        cmd,
        offset: d.buffer_offset,
        left: d.data_len,
        end,
        crc: None,
    }))
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

/// A NOP-In (RFC 7143 11.19): the answer to our ping, to iscsid's
/// NOP-Out (up to iscsid), or the target's ping (answered) or window
/// update (ITT and TTT reserved).
fn nop_in(st: &mut Ffp, n: &NopIn) -> Result<(Received, After), Violation> {
    if n.itt != RESERVED_TAG {
        if st.ping.waiting == Some(n.itt) && n.ttt == RESERVED_TAG {
            st.ping.waiting = None;
            return Ok((Received::Done, After::Nothing));
        }
        if is_mgmt_itt(n.itt) {
            return Ok((Received::Up, After::Nothing));
        }
        return Err(Violation::UnknownItt(n.itt));
    }
    if n.ttt != RESERVED_TAG {
        // The target pings: answer with its TTT. A reply that does not fit
        // is dropped; the target pings again.
        let _ = st.nop_replies.push(NopReply {
            ttt: n.ttt,
            lun: n.lun,
        });
    }
    Ok((Received::Done, After::Nothing))
}
