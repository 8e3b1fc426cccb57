// SPDX-License-Identifier: GPL-2.0

//! The error handler's recovery steps, as libiscsi's: ABORT TASK for a
//! timed-out command, LOGICAL UNIT RESET for a device reset, TARGET WARM
//! RESET for a target reset (then a session reset if the target does not
//! do it), and the session reset itself (also the host reset).
//!
//! A request is queued for the send work and waited for, sleeping, up to
//! its timeout (iscsid's `abort_timeout`, `lu_reset_timeout`,
//! `tgt_reset_timeout`). Unanswered, the connection is failed: iscsid
//! logs in again and the stop gives back every command. Answered with
//! "function complete", the target sends nothing more for the tasks the
//! function covers (RFC 7143 4.2.3.3): they are taken out of their slots
//! and given back to the error handler (or, not timed out, completed
//! with `DID_RESET` to be retried at once). A task's token that the send
//! work has out for a copy comes back within the copy: the reclaim waits
//! for it. Every command then ends once: its token is in its task, taken
//! by whichever of the response, the reclaim or the stop comes first.

use super::conn::Conn;
use super::pdu::{request::TmfFunction, response::TmfResponseCode, Lun, RESERVED_TAG};
use super::session::{itt_of, tmf_itt, Ffp, Phase, Task, TmfRequest, TmfState};
use super::transport::{IscsiOps, SessionData};
use crate::scsi::{
    iscsi::{ConnError, Param},
    CmdStatus, CommandRef, Device, EhContext, EhResult, HostByte,
};
use kernel::{
    prelude::*,
    sync::atomic::Relaxed,
    time::{delay::fsleep, Delta},
};

/// How often a waiting error handler looks at the session.
const POLL_MS: u32 = 10;

/// How long a session reset waits for iscsid to log in again.
const RECOVERY_WAIT_MS: u32 = 120_000;

/// How long a reclaim waits for the send work to put a token back (a
/// copy of one PDU's data; the wait ends early if the connection stops).
const RECLAIM_WAIT_MS: u32 = 5_000;

/// The timeout of a function: iscsid's setting, or open-iscsi's default
/// when it sent none (15 s for an abort, 30 s for the resets).
fn timeout_ms(host: &SessionData, function: TmfFunction) -> u32 {
    let (param, default_s) = match function {
        TmfFunction::AbortTask => (Param::ABORT_TMO, 15),
        TmfFunction::LogicalUnitReset => (Param::LU_RESET_TMO, 30),
        _ => (Param::TGT_RESET_TMO, 30),
    };
    let secs = host
        .params
        .lock()
        .get(param)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(default_s);
    secs.saturating_mul(1000)
}

/// How a task management request ended.
enum Outcome {
    Answered(TmfResponseCode),
    /// No answer within its timeout: the connection was failed.
    TimedOut,
    /// The connection stopped (or was not running) first.
    ConnLost,
}

/// The error handler's request slot while a request is in progress: its
/// drop frees the slot (new commands may go out again) and kicks the
/// send work.
struct TmfInProgress<'a> {
    host: &'a SessionData,
    itt: u32,
}

impl Drop for TmfInProgress<'_> {
    fn drop(&mut self) {
        {
            let mut st = self.host.core.state.lock();
            // The stop may have cleared it already.
            if st.tmf.request().is_some_and(|(itt, _)| itt == self.itt) {
                st.tmf = TmfState::Idle;
            }
        }
        if let Some(conn) = self.host.conn() {
            conn.kick_tx();
        }
    }
}

/// Sends `req` and waits for its response. `mark` runs under the lock
/// as the request is queued (to flag the tasks it covers). The request
/// holds its slot until the returned guard goes: the tasks it covers are
/// reclaimed before commands go out again.
fn exchange<'a>(
    host: &'a SessionData,
    req: TmfRequest,
    mark: impl FnOnce(&mut Ffp),
) -> (Outcome, Option<TmfInProgress<'a>>) {
    let limit = timeout_ms(host, req.function);
    // The connection the request goes out on: a failed one is being
    // replaced (its stop gives every command back), no use asking.
    let Some(conn) = host.conn().filter(|c| !c.has_failed()) else {
        return (Outcome::ConnLost, None);
    };
    let itt = {
        let mut st = host.core.state.lock();
        if st.phase != Phase::Running || !matches!(st.tmf, TmfState::Idle) {
            return (Outcome::ConnLost, None);
        }
        let itt = tmf_itt(st.tmf_count);
        st.tmf_count = st.tmf_count.wrapping_add(1);
        st.tmf = TmfState::Queued(itt, req);
        mark(&mut st);
        itt
    };
    let slot = TmfInProgress { host, itt };
    conn.kick_tx();
    let mut waited = 0;
    loop {
        {
            let st = host.core.state.lock();
            match st.tmf {
                TmfState::Answered(i, _, code) if i == itt => {
                    return (Outcome::Answered(code), Some(slot));
                }
                TmfState::Queued(i, _) | TmfState::Sent(i, _) if i == itt => {}
                // The stop cleared it.
                _ => return (Outcome::ConnLost, Some(slot)),
            }
        }
        if waited >= limit || conn.has_failed() {
            break;
        }
        fsleep(Delta::from_millis(POLL_MS.into()));
        waited += POLL_MS;
    }
    if waited < limit {
        // The connection failed meanwhile: its stop gives everything back.
        return (Outcome::ConnLost, Some(slot));
    }
    pr_warn!(
        "iSCSI: {:?} (ITT {:#x}) unanswered after {} ms: recovering the session\n",
        req.function,
        itt,
        limit
    );
    // The connection fails before the slot is freed: no held command
    // goes out to a target that still works on the request (and a late
    // answer finds the connection failed).
    fail_conn(host, &conn);
    drop(slot);
    (Outcome::TimedOut, None)
}

/// Fails `conn`: iscsid stops it (every command is given back) and logs
/// in again. Counted once per connection.
fn fail_conn(host: &SessionData, conn: &Conn) {
    if conn.fail(ConnError::SessionReset) {
        host.core.eh.session_resets.fetch_add(1, Relaxed);
    }
}

/// Flags the tasks `pick` selects: no more Data-Out goes out for them
/// (libiscsi's FastAbort behaviour).
fn set_aborting(st: &mut Ffp, pick: impl Fn(usize, &Task) -> bool) {
    for (tag, slot) in st.tasks.iter_mut().enumerate() {
        if let Some(task) = slot.as_mut().filter(|t| pick(tag, t)) {
            task.aborting = true;
        }
    }
}

/// What a reclaim pass found.
enum Reclaim {
    /// No task `pick` selects is left.
    Done,
    /// One's token is out with the send work.
    Busy,
}

/// Takes every task `pick` selects out of its slot and gives its command
/// back (see [`crate::scsi::EhCommand::give_back`]: a timed-out one to
/// the error handler, any other completed with `DID_RESET`). A token the
/// send work has out is waited for. `false` if one stayed out.
fn reclaim(host: &SessionData, eh: &EhContext, pick: impl Fn(usize, &Task) -> bool) -> bool {
    let mut waited = 0;
    loop {
        match reclaim_some(host, eh, &pick) {
            Reclaim::Done => return true,
            Reclaim::Busy if waited >= RECLAIM_WAIT_MS => return false,
            Reclaim::Busy => {}
        }
        if host.core.state.lock().phase != Phase::Running {
            // The stop gives back what is left once the work has stopped.
            return false;
        }
        fsleep(Delta::from_millis(1));
        waited += 1;
    }
}

/// One pass of [`reclaim`]: commands are given back one at a time, out
/// of the lock (a completion may run the block layer's).
fn reclaim_some(
    host: &SessionData,
    eh: &EhContext,
    pick: &impl Fn(usize, &Task) -> bool,
) -> Reclaim {
    let mut busy = false;
    loop {
        let cmd = {
            let mut st = host.core.state.lock();
            let mut found = None;
            for (tag, slot) in st.tasks.iter_mut().enumerate() {
                match slot.as_mut() {
                    Some(task) if pick(tag, task) => {
                        if task.cmd.is_none() {
                            task.aborting = true;
                            busy = true;
                            continue;
                        }
                        found = Some(tag);
                        break;
                    }
                    _ => {}
                }
            }
            found.and_then(|tag| st.take_task(tag)).and_then(|t| t.cmd)
        };
        match cmd {
            Some(cmd) => cmd.into_eh(eh).give_back(CmdStatus::host(HostByte::Reset)),
            None if busy => return Reclaim::Busy,
            None => return Reclaim::Done,
        }
    }
}

/// How long an abort waits for a completion that took the command out of
/// its task to finish (it runs outside the lock, right after).
const RELEASE_WAIT_MS: u32 = 100;

/// Success once `cmd` has left the driver: a response (or the reclaim's
/// completion) that took it out of its task may still be completing it.
fn released(cmd: &CommandRef<IscsiOps>) -> EhResult {
    let mut waited = 0;
    while cmd.is_held() {
        if waited >= RELEASE_WAIT_MS {
            return EhResult::Failed;
        }
        fsleep(Delta::from_millis(1));
        waited += 1;
    }
    EhResult::Success
}

/// `eh_abort`: ABORT TASK for a timed-out command.
pub(crate) fn abort(host: &SessionData, cmd: &CommandRef<IscsiOps>, eh: &EhContext) -> EhResult {
    let _serialised = host.tmf_lock.lock();
    let tag = (cmd.unique_tag() & 0xffff) as usize;
    let (req, serial) = {
        let mut st = host.core.state.lock();
        if !cmd.is_held() {
            // It completed after its timeout.
            return EhResult::Success;
        }
        if st.phase != Phase::Running {
            // The stop gives it back; the midlayer escalates meanwhile.
            return EhResult::Failed;
        }
        let Some(task) = st.task_mut(tag) else {
            // Out of its slot: being completed right now, outside the lock.
            drop(st);
            return released(cmd);
        };
        if !task.sent {
            // The target never saw it: taken back here, in the same
            // critical section (the send work could send it next). An
            // unsent task's token is always in its slot.
            let taken = st.take_task(tag).and_then(|t| t.cmd);
            drop(st);
            return match taken {
                Some(c) => {
                    c.into_eh(eh).give_back(CmdStatus::host(HostByte::Reset));
                    EhResult::Success
                }
                None => EhResult::Failed,
            };
        }
        let req = TmfRequest {
            function: TmfFunction::AbortTask,
            lun: task.lun,
            rtt: itt_of(tag, task.serial),
            ref_cmd_sn: task.cmd_sn,
        };
        (req, task.serial)
    };
    host.core.eh.aborts.fetch_add(1, Relaxed);
    let mine = |t: usize, task: &Task| t == tag && task.serial == serial;
    let (outcome, _slot) = exchange(host, req, |st| set_aborting(st, mine));
    match outcome {
        Outcome::Answered(TmfResponseCode::Complete) => {
            if reclaim(host, eh, mine) {
                released(cmd)
            } else {
                EhResult::Failed
            }
        }
        // The target finished it (its response came first and ended it)
        // or never had it, yet we still hold it: we disagree, so the
        // midlayer escalates (libiscsi does the same).
        Outcome::Answered(TmfResponseCode::TaskDoesNotExist) => {
            let held = host
                .core
                .state
                .lock()
                .task_mut(tag)
                .is_some_and(|t| t.serial == serial);
            if held {
                pr_info!(
                    "iSCSI: ABORT TASK of ITT {:#x}: the target has no such task, we do\n",
                    req.rtt
                );
                EhResult::Failed
            } else {
                released(cmd)
            }
        }
        Outcome::Answered(code) => {
            pr_info!(
                "iSCSI: ABORT TASK of ITT {:#x} answered {:?}\n",
                req.rtt,
                code
            );
            // It stays flagged (its queued Data-Out is dropped): the
            // midlayer escalates to a reset, which covers it.
            EhResult::Failed
        }
        Outcome::TimedOut | Outcome::ConnLost => EhResult::Failed,
    }
}

/// `eh_device_reset`: LOGICAL UNIT RESET; its commands are given back.
pub(crate) fn lu_reset(host: &SessionData, dev: &Device<IscsiOps>, eh: &EhContext) -> EhResult {
    let _serialised = host.tmf_lock.lock();
    let lun = Lun::from_linux(dev.lun());
    host.core.eh.lu_resets.fetch_add(1, Relaxed);
    let req = TmfRequest {
        function: TmfFunction::LogicalUnitReset,
        lun,
        rtt: RESERVED_TAG,
        ref_cmd_sn: 0,
    };
    // The LUN's tasks: those sent get no more data; none goes out until
    // the reset is done (the slot holds commands), so after "function
    // complete" the target has none of them.
    let of_lun = |_: usize, task: &Task| task.lun == lun;
    let (outcome, _slot) = exchange(host, req, |st| set_aborting(st, of_lun));
    match outcome {
        Outcome::Answered(TmfResponseCode::Complete) => {
            if reclaim(host, eh, of_lun) {
                EhResult::Success
            } else {
                EhResult::Failed
            }
        }
        Outcome::Answered(code) => {
            // As for an abort refused, the tasks stay flagged for the
            // next step (target, then session reset).
            dev_info!(dev.as_dev(), "LOGICAL UNIT RESET answered {:?}\n", code);
            EhResult::Failed
        }
        Outcome::TimedOut | Outcome::ConnLost => EhResult::Failed,
    }
}

/// `eh_target_reset`: TARGET WARM RESET; its commands are given back. A
/// target that does not do it (LIO refuses it unless its ACL allows it)
/// gets a session reset instead, as libiscsi's `iscsi_eh_recover_target`.
pub(crate) fn target_reset(host: &SessionData, dev: &Device<IscsiOps>, eh: &EhContext) -> EhResult {
    {
        let _serialised = host.tmf_lock.lock();
        host.core.eh.target_resets.fetch_add(1, Relaxed);
        let req = TmfRequest {
            function: TmfFunction::TargetWarmReset,
            lun: Lun::default(),
            rtt: RESERVED_TAG,
            ref_cmd_sn: 0,
        };
        let all = |_: usize, _: &Task| true;
        let (outcome, _slot) = exchange(host, req, |st| set_aborting(st, all));
        match outcome {
            Outcome::Answered(TmfResponseCode::Complete) => {
                if reclaim(host, eh, all) {
                    return EhResult::Success;
                }
            }
            Outcome::Answered(code) => {
                dev_info!(
                    dev.as_dev(),
                    "TARGET WARM RESET answered {:?}: resetting the session\n",
                    code
                );
            }
            // An unanswered request failed the connection already.
            Outcome::TimedOut | Outcome::ConnLost => {}
        }
    }
    session_reset(host)
}

/// Session reset, the last step of a target reset and the host reset (as
/// libiscsi's): the connection is failed, iscsid stops it (its commands
/// are given back, to be retried) and logs in again. Succeeds once a new
/// connection runs, so that the midlayer's test commands after the reset
/// find it working.
///
/// It waits on the driver's own phase, not on the class's session state:
/// the reset runs with the device's state mutex held, which the class's
/// block and unblock work need, and `start_conn` sets the phase before it
/// unblocks the session.
pub(crate) fn session_reset(host: &SessionData) -> EhResult {
    let (starts, running) = {
        let mut st = host.core.state.lock();
        if st.reset_gave_up == Some(st.starts) {
            // The last reset waited in vain and no login happened since:
            // no use waiting again (the host reset after a target reset).
            return EhResult::Failed;
        }
        st.reset_gave_up = None;
        (st.starts, st.phase == Phase::Running)
    };
    // A connection that runs is failed; one already down is being
    // replaced by iscsid.
    if running {
        if let Some(conn) = host.conn() {
            fail_conn(host, &conn);
        }
    }
    let mut waited = 0;
    loop {
        {
            let mut st = host.core.state.lock();
            match st.phase {
                Phase::Running if st.starts != starts => return EhResult::Success,
                Phase::Terminated => return EhResult::Failed,
                _ => {}
            }
            if waited >= RECOVERY_WAIT_MS {
                st.reset_gave_up = Some(st.starts);
                return EhResult::Failed;
            }
        }
        fsleep(Delta::from_millis(50));
        waited += 50;
    }
}
