// SPDX-License-Identifier: GPL-2.0

//! The full feature phase's send side: what the send work puts on the
//! wire next (NOP-Out replies, Data-Out, iscsid's PDUs, then SCSI
//! Commands as the CmdSN window allows). Data is copied from the
//! command's buffer outside the session's lock; the receive side is
//! [`super::receive`].

use super::conn::MAX_SEND_SEGMENT;
use super::crc::KernelCrc;
use super::pdu::{
    digest::digest,
    request::{DataOut, InitiatorSn, NopOut, ScsiCommand, TaskAttr, TaskMgmtRequest},
    segment::{padded_len, Digests, DIGEST_LEN},
    Lun, Opcode, BHS_LEN, RESERVED_TAG,
};
use super::session::{itt_of, mgmt_itt, DataOutJob, Ffp, Phase, SessionCore, TmfRequest, TmfState};
use super::transport::IscsiOps;
use crate::scsi::Command;
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
    /// The digests of the full feature phase (none during login).
    pub(crate) digests: Digests,
}

impl Staged {
    /// Room for the largest PDU staged: header, header digest, data,
    /// padding, data digest.
    pub(crate) const CAPACITY: usize =
        BHS_LEN + DIGEST_LEN + MAX_SEND_SEGMENT as usize + 3 + DIGEST_LEN;

    pub(crate) const fn new() -> Self {
        Self {
            buf: KVVec::new(),
            len: 0,
            sent: 0,
            opcode: None,
            data_len: 0,
            digests: Digests {
                header: false,
                data: false,
            },
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
    /// writes, then the padding, with the digests negotiated.
    fn stage(
        &mut self,
        hdr: &[u8; BHS_LEN],
        data_len: usize,
        fill: impl FnOnce(&mut [u8]) -> bool,
    ) -> Result {
        let hd = if self.digests.header { DIGEST_LEN } else { 0 };
        let dd = if self.digests.data && data_len > 0 {
            DIGEST_LEN
        } else {
            0
        };
        let padded = padded_len(data_len).ok_or(EINVAL)?;
        let len = (BHS_LEN + hd + dd).checked_add(padded).ok_or(EINVAL)?;
        let buf = self.buf.get_mut(..len).ok_or(EINVAL)?;
        let (h, rest) = buf.split_at_mut(BHS_LEN);
        h.copy_from_slice(hdr);
        let (hdigest, rest) = rest.split_at_mut(hd);
        if hd > 0 {
            hdigest.copy_from_slice(&digest::<KernelCrc>(hdr));
        }
        let (segment, ddigest) = rest.split_at_mut(padded);
        let (data, pad) = segment.split_at_mut(data_len);
        if !fill(data) {
            return Err(EIO);
        }
        pad.fill(0);
        if dd > 0 {
            ddigest.copy_from_slice(&digest::<KernelCrc>(segment));
        }
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

/// An immediate NOP-Out: a reply to the target's ping (its TTT, our ITT
/// reserved) or our ping (our ITT, its TTT reserved).
fn nop_out(st: &Ffp, lun: Lun, itt: u32, ttt: u32) -> Result<Step> {
    let hdr = NopOut {
        immediate: true,
        data_len: 0,
        lun,
        itt,
        ttt,
        sn: InitiatorSn {
            cmd_sn: st.seq.immediate(),
            exp_stat_sn: st.exp_stat_sn,
        },
    }
    .encode()
    .map_err(|_| EINVAL)?;
    Ok(Step::Header(hdr))
}

/// An immediate Task Management Function Request.
fn tmf_request(st: &Ffp, itt: u32, req: TmfRequest) -> Result<Step> {
    let hdr = TaskMgmtRequest {
        immediate: true,
        function: req.function,
        lun: req.lun,
        itt,
        referenced_task_tag: req.rtt,
        sn: InitiatorSn {
            cmd_sn: st.seq.immediate(),
            exp_stat_sn: st.exp_stat_sn,
        },
        ref_cmd_sn: req.ref_cmd_sn,
        exp_data_sn: 0,
    }
    .encode()
    .map_err(|_| EINVAL)?;
    Ok(Step::Header(hdr))
}

/// Picks the next PDU under the lock: replies to the target's pings first,
/// then our ping, the error handler's task management request, the data
/// the target asked for, iscsid's PDUs, and new commands.
fn choose(st: &mut Ffp) -> Result<Step> {
    let exp_stat_sn = st.exp_stat_sn;
    let ffp = matches!(st.phase, Phase::Running | Phase::LoggingOut);
    if ffp {
        if let Some(n) = st.nop_replies.pop() {
            return nop_out(st, n.lun, RESERVED_TAG, n.ttt);
        }
        if let Some(itt) = st.ping.to_send.take() {
            st.ping.waiting = Some(itt);
            return nop_out(st, Lun::default(), itt, RESERVED_TAG);
        }
    }
    // The error handler's request, immediate, only in the full feature
    // phase proper (a Logout may be under way otherwise).
    if st.phase == Phase::Running {
        if let TmfState::Queued(itt, req) = st.tmf {
            st.tmf = TmfState::Sent(itt, req);
            return tmf_request(st, itt, req);
        }
    }
    if ffp {
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
            .filter(|t| t.serial == job.serial && t.cmd.is_some() && !t.aborting)
        else {
            // The command ended (the target answered early) and its tag
            // may belong to another now; or it is being aborted: no more
            // data for it, as libiscsi (FastAbort behaviour, which LIO
            // takes).
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
    if st.tmf.holds_commands() {
        // The error handler kicks the send work when it is done.
        return Ok(Step::Idle);
    }
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
        task.cmd_sn = cmd_sn;
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
