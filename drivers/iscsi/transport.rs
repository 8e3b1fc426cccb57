// SPDX-License-Identifier: GPL-2.0

//! orion's `tcp` iSCSI transport: what iscsid drives over netlink (one
//! SCSI host per session, its connection, the parameters) and the SCSI
//! host callbacks.
//!
//! The name is `tcp` and the host `proc_name` `iscsi_tcp` because iscsid
//! knows only a fixed list of transport names: orion then stands in for
//! the kernel's `iscsi_tcp`, one of the two at a time.

use super::conn::MAX_RECV_SEGMENT;
use super::pdu::{segment::Digests, Lun};
use super::session::{Negotiated, Phase, SessionCore, Task, MAX_R2T};
use super::{conn::Conn, params::ParamStore};
use crate::common::{
    host_stats::{self, AdapterAttribute, HostStats, OrionHost},
    latency::{Clock, SubmitTime},
    stats::{classify, IoStats},
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::hw::{workqueue::Flags, OwnedQueue};
use crate::scsi::{
    iscsi::{
        Caps, ConnHandle, ConnStats, IscsiOperations, IscsiRegistration, IscsiTransport,
        NewSession, Param, Session, StopMode,
    },
    Attribute, CmdStatus, CommandRef, Device, EhContext, EhEvent, EhResult, HostByte, HostConfig,
    HostOperations, HostRef, NewCommand, Requeue, SysfsWriter, Template, TimeoutAction,
};
use crate::scsi::{DataDirection, QueueBusy};
use core::fmt::Write;
use kernel::{
    new_mutex, new_spinlock_irq,
    prelude::*,
    sync::{Arc, Mutex, SpinLockIrq},
};

/// The iSCSI initiator's host template operations.
pub(crate) struct IscsiOps;

/// The template of every session's host (module lifetime).
static TEMPLATE: Template<IscsiOps> = Template::new();

/// The transport (module lifetime).
static TRANSPORT: IscsiTransport<IscsiOps> = IscsiTransport::new();

/// What a session's host holds.
#[pin_data]
pub(crate) struct SessionData {
    #[pin]
    pub(super) params: Mutex<ParamStore>,
    /// The connection while bound (`queuecommand` kicks its send work).
    #[pin]
    conn: SpinLockIrq<Option<Arc<Conn>>>,
    pub(super) core: Arc<SessionCore>,
    /// One task management request at a time: the error handler's
    /// thread, its abort work and `SG_SCSI_RESET` may each send one.
    #[pin]
    pub(super) tmf_lock: Mutex<()>,
    /// The send and receive work of the session's connection run here: a
    /// queue with a rescuer, as writeback to free memory may go through
    /// this session. Dropped with the host, after the connection's work is
    /// cancelled.
    queue: Arc<OwnedQueue>,
    /// Times commands for the per-device latency statistics.
    clock: Clock,
    stats: HostStats,
}

impl OrionHost for SessionData {
    const ADAPTER: &'static str = "iscsi";
    fn host_stats(&self) -> &HostStats {
        &self.stats
    }
}

impl SessionData {
    /// The connection, while bound.
    pub(super) fn conn(&self) -> Option<Arc<Conn>> {
        self.conn.lock().clone()
    }
}

/// Drops the session's reference to `conn` (not to another connection
/// bound since).
fn forget_conn(host: &SessionData, conn: &Arc<Conn>) {
    let mut slot = host.conn.lock();
    if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
        let old = slot.take();
        drop(slot);
        drop(old);
    }
}

/// The limits login negotiated, from iscsid's parameters.
fn negotiated(params: &ParamStore) -> Negotiated {
    let d = Negotiated::DEFAULT;
    let num = |p: Param, dflt: u32| {
        params
            .get(p)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(dflt)
    };
    let yes = |p: Param, dflt: bool| params.get(p).map_or(dflt, |v| v.trim() == "1");
    Negotiated {
        max_xmit: num(Param::MAX_XMIT_DLENGTH, d.max_xmit).clamp(512, 1 << 24),
        first_burst: num(Param::FIRST_BURST, d.first_burst).max(512),
        max_burst: num(Param::MAX_BURST, d.max_burst).max(512),
        immediate_data: yes(Param::IMM_DATA_EN, d.immediate_data),
        unsolicited_data: !yes(Param::INITIAL_R2T_EN, !d.unsolicited_data),
        max_r2t: num(Param::MAX_R2T, d.max_r2t),
    }
}

/// Keeps the transport registered.
pub(crate) struct Registration {
    _reg: IscsiRegistration<IscsiOps>,
}

/// Most commands a session takes at once (iscsid's `cmds_max` is clamped
/// to it).
const MAX_CMDS: u16 = 128;

/// The limits of a session's host: one target (the session's), LUNs up to
/// 512.
fn host_config(can_queue: u16, cmd_per_lun: u16) -> HostConfig {
    HostConfig {
        can_queue: u32::from(can_queue),
        cmd_per_lun,
        sg_tablesize: 128,
        max_sectors: 2048,
        max_segment_size: 65536,
        max_id: 1,
        max_lun: 512,
        max_cmd_len: 16,
        ..HostConfig::DEFAULT
    }
}

/// Registers the `tcp` transport (module parameter `iscsi`).
pub(crate) fn register(module: &'static ThisModule) -> Result<Registration> {
    TEMPLATE.init(
        module,
        c"orion iSCSI initiator over TCP/IP",
        c"iscsi_tcp",
        &host_config(MAX_CMDS, 32),
    )?;
    let reg = TRANSPORT.register(module, &TEMPLATE)?;
    Ok(Registration { _reg: reg })
}

#[vtable]
impl HostOperations for IscsiOps {
    type HostData = SessionData;
    type CmdData = SubmitTime;
    type DeviceData = Arc<IoStats>;

    const HOST_ATTRIBUTES: &'static [Attribute<SessionData>] =
        &[AdapterAttribute::<SessionData>::ATTR];

    const DEVICE_ATTRIBUTES: &'static [crate::scsi::Attribute<Device<Self>>] =
        &StatsAttributes::<Self>::LIST;
    /// A host reset is a session reset that waited for the new login: no
    /// bus to let settle.
    const SKIP_RESET_SETTLE: bool = true;

    fn sdev_init(host: &SessionData, dev: &Device<Self>) -> Result<Arc<IoStats>> {
        host_stats::sdev_stats(host, dev)
    }

    fn sdev_configure(host: &SessionData, dev: &Device<Self>) -> Result {
        host_stats::sdev_publish(host, dev);
        Ok(())
    }

    fn eh_event(_host: &SessionData, dev: &Device<Self>, event: EhEvent) {
        host_stats::count_eh(dev, event);
    }

    fn command_finished(host: &SessionData, cmd: &CommandRef<Self>) {
        if let Some(stats) = cmd.device().data() {
            stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn eh_timed_out(host: &SessionData, cmd: &CommandRef<Self>) -> TimeoutAction {
        let tag = (cmd.unique_tag() & 0xffff) as usize;
        let mut st = host.core.state.lock();
        let phase = st.phase;
        let window_moves = st.window_moves;
        let Some(task) = st.task_mut(tag) else {
            return TimeoutAction::NotHandled;
        };
        match phase {
            // The session is being recovered or logged out: the command is
            // given back when the connection stops (the transport class's
            // recovery timeout bounds that).
            Phase::Login | Phase::LoggingOut => TimeoutAction::ResetTimer,
            Phase::Terminated => TimeoutAction::NotHandled,
            Phase::Running => {
                // A command that moved since it was sent or last timed out
                // (a PDU for it went out or came in), or one the window
                // holds back while the window moves, gets more time; a
                // stuck one goes to the error handler.
                let moved = if task.sent {
                    task.progress != task.progress_seen
                } else {
                    let moved = window_moves != task.window_seen;
                    task.held_back |= moved;
                    moved
                };
                task.progress_seen = task.progress;
                task.window_seen = window_moves;
                if moved {
                    return TimeoutAction::ResetTimer;
                }
                drop(st);
                if let Some(conn) = host.conn.lock().as_ref() {
                    conn.count_timeout();
                }
                TimeoutAction::NotHandled
            }
        }
    }

    fn eh_abort(host: &SessionData, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        super::eh::abort(host, cmd, eh)
    }

    fn eh_device_reset(host: &SessionData, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        super::eh::lu_reset(host, dev, eh)
    }

    fn eh_target_reset(host: &SessionData, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        super::eh::target_reset(host, dev, eh)
    }

    fn eh_host_reset(host: &SessionData, _shost: &HostRef<Self>, _eh: &EhContext) -> EhResult {
        super::eh::session_reset(host)
    }

    fn queue_command<'q>(host: &SessionData, cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        let tag = (cmd.unique_tag() & 0xffff) as usize;
        let (read, write) = match cmd.data_direction() {
            DataDirection::FromDevice => (true, false),
            DataDirection::ToDevice => (false, true),
            DataDirection::None => (false, false),
            DataDirection::Bidirectional => {
                return crate::common::early::finish_early(cmd, CmdStatus::host(HostByte::Error));
            }
        };
        let cdb_in = cmd.cdb();
        if cdb_in.len() > 16 {
            return crate::common::early::finish_early(cmd, CmdStatus::host(HostByte::Error));
        }
        let mut cdb = [0u8; 16];
        if let Some(d) = cdb.get_mut(..cdb_in.len()) {
            d.copy_from_slice(cdb_in);
        }
        let len = if read || write { cmd.transfer_len() } else { 0 };
        let lun = Lun::from_linux(cmd.device().lun());
        let mut st = host.core.state.lock();
        match st.phase {
            Phase::Running => {}
            // Retried once logged in again (the session is blocked meanwhile)
            // or failed when the session ends.
            Phase::Login | Phase::LoggingOut => {
                drop(st);
                return Err(cmd.requeue(QueueBusy::Host));
            }
            Phase::Terminated => {
                drop(st);
                return crate::common::early::finish_early(
                    cmd,
                    CmdStatus::host(HostByte::NoConnect),
                );
            }
        }
        // No more commands than the target's window takes: the rest waits
        // in the block layer, not here.
        let room = st.seq.credits() as usize > st.commands.len();
        let free = st.tasks.get(tag).is_some_and(|t| t.is_none());
        if !room || !free {
            drop(st);
            return Err(cmd.requeue(if room {
                QueueBusy::Host
            } else {
                QueueBusy::Target
            }));
        }
        // Room: one entry per tag, and the error handler takes the tags
        // of the unsent tasks it reclaims out (`Ffp::take_task`).
        if st.commands.push(tag).is_err() {
            drop(st);
            return Err(cmd.requeue(QueueBusy::Host));
        }
        let serial = st.next_serial;
        st.next_serial = serial.wrapping_add(1);
        cmd.data().mark(&host.clock);
        if let Some(stats) = cmd.device().data() {
            stats.start();
            stats.count(classify(cmd.cdb()), u64::from(len));
        }
        let task = Task {
            cmd: Some(cmd.accept()),
            lun,
            cdb,
            len,
            read,
            write,
            serial,
            sent: false,
            progress: 0,
            progress_seen: 0,
            window_seen: st.window_moves,
            held_back: false,
            r2ts: 0,
            done: None,
            cmd_sn: 0,
            aborting: false,
        };
        if let Some(slot) = st.tasks.get_mut(tag) {
            *slot = Some(task);
        }
        drop(st);
        // Under the lock: once `forget_conn` has run, no kick comes from
        // here (the connection's work is cancelled after it).
        if let Some(conn) = host.conn.lock().as_ref() {
            conn.kick_tx();
        }
        Ok(())
    }
}

impl StatsDevice for IscsiOps {
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>> {
        dev.data()
    }
}

#[vtable]
impl IscsiOperations for IscsiOps {
    type Conn = Conn;
    const NAME: &'static CStr = c"tcp";
    const CAPS: Caps = Caps::RECOVERY_L0.with(Caps::HDRDGST).with(Caps::DATADGST);

    fn transport() -> &'static IscsiTransport<Self> {
        &TRANSPORT
    }

    fn create_session(req: &NewSession) -> Result<(HostConfig, impl PinInit<SessionData, Error>)> {
        let cmds_max = req.cmds_max.clamp(16, MAX_CMDS);
        let cfg = host_config(cmds_max, req.queue_depth.clamp(1, cmds_max));
        let params = ParamStore::new()?;
        let stats = HostStats::new()?;
        let core = Arc::pin_init(SessionCore::new(usize::from(cmds_max))?, GFP_KERNEL)?;
        let queue = Arc::new(
            OwnedQueue::new(
                fmt!("orion_iscsi"),
                Flags::MEM_RECLAIM | Flags::HIGHPRI | Flags::UNBOUND,
                2,
            )?,
            GFP_KERNEL,
        )?;
        Ok((
            cfg,
            try_pin_init!(SessionData {
                params <- new_mutex!(params),
                conn <- new_spinlock_irq!(None),
                core,
                tmf_lock <- new_mutex!(()),
                queue,
                clock: Clock::new(),
                stats,
            }),
        ))
    }

    fn create_conn(host: &SessionData, handle: ConnHandle, _cid: u32) -> Result<Arc<Conn>> {
        Conn::new(handle, host.core.clone(), host.queue.clone())
    }

    fn bind_conn(session: &Session<Self>, conn: &Arc<Conn>, fd: i32, _leading: bool) -> Result {
        conn.bind(fd)?;
        *session.data().conn.lock() = Some(conn.clone());
        Ok(())
    }

    fn start_conn(session: &Session<Self>, conn: &Arc<Conn>) -> Result {
        let data = session.data();
        let (neg, max_recv, max_r2t, digests, noop) = {
            let params = data.params.lock();
            let num = |p: Param| params.get(p).and_then(|v| v.trim().parse::<u32>().ok());
            // iscsid sends 1 for CRC32C, 0 for None (as libiscsi, any
            // other number is on).
            let on = |p: Param| num(p).is_some_and(|v| v != 0);
            (
                negotiated(&params),
                num(Param::MAX_RECV_DLENGTH).unwrap_or(8192),
                num(Param::MAX_R2T).unwrap_or(1),
                Digests {
                    header: on(Param::HDRDGST_EN),
                    data: on(Param::DATADGST_EN),
                },
                // noop_out_interval and noop_out_timeout, in seconds.
                (
                    num(Param::RECV_TMO).unwrap_or(0),
                    num(Param::PING_TMO).unwrap_or(0),
                ),
            )
        };
        // The Data-Out queue is sized at creation (iscsid offers
        // MaxOutstandingR2T=1 without CAP_MULTI_R2T); the receive buffer
        // grows here, in iscsid's context, to what the target may send.
        if max_r2t == 0 || max_r2t > MAX_R2T || max_recv > MAX_RECV_SEGMENT {
            pr_err!(
                "iSCSI: MaxOutstandingR2T {} (1 to {}) or MaxRecvDataSegmentLength {} not supported\n",
                max_r2t,
                MAX_R2T,
                max_recv
            );
            return Err(EINVAL);
        }
        conn.set_max_recv(max_recv)?;
        conn.set_digests(digests);
        conn.start_pings(noop.0, noop.1)?;
        {
            let mut st = data.core.state.lock();
            st.neg = neg;
            // Before the unblock below: a session reset waiting for this
            // holds a device's state mutex, which the unblock needs.
            st.phase = Phase::Running;
            st.starts = st.starts.wrapping_add(1);
        }
        session.unblock();
        conn.kick_tx();
        Ok(())
    }

    fn stop_conn(session: &Session<Self>, conn: &Arc<Conn>, mode: StopMode) {
        let data = session.data();
        let (phase, host) = match mode {
            StopMode::Terminate => (Phase::Terminated, HostByte::NoConnect),
            // Retried once the session is back (or failed by the class's
            // recovery timeout).
            StopMode::Recover | StopMode::Suspend => (Phase::Login, HostByte::TransportDisrupted),
        };
        // Nothing more is received, sent or reported; no new command and
        // no kick from `queue_command`; the session is blocked (retries
        // wait); the work stops; then what was in flight is given back.
        conn.quiesce();
        forget_conn(data, conn);
        let was = core::mem::replace(&mut data.core.state.lock().phase, phase);
        // Blocked once, as the full feature phase ends (libiscsi's
        // `old_stop_stage` check): a failed login attempt after that
        // stops its connection too, and blocking again would find the
        // devices transport-offline once the recovery timeout has expired
        // (`scsi_device_block` warns).
        if mode == StopMode::Recover && matches!(was, Phase::Running | Phase::LoggingOut) {
            session.block();
        }
        conn.unbind();
        data.core.give_back_all(phase, host);
    }

    fn destroy_conn(session: &Session<Self>, conn: &Arc<Conn>) {
        forget_conn(session.data(), conn);
        conn.unbind();
    }

    fn set_param(session: &Session<Self>, _conn: &Arc<Conn>, param: Param, value: &[u8]) -> Result {
        session.data().params.lock().set(param, value)
    }

    fn get_conn_param(
        session: &Session<Self>,
        conn: &Conn,
        param: Param,
        w: &mut SysfsWriter<'_>,
    ) -> Result {
        let show = |w: &mut SysfsWriter<'_>, v: &dyn core::fmt::Display| {
            writeln!(w, "{}", v).map_err(|_| EINVAL)
        };
        match param {
            Param::CONN_ADDRESS => show(w, &conn.address(true).ok_or(ENOTCONN)?.ip()),
            Param::CONN_PORT => show(w, &conn.address(true).ok_or(ENOTCONN)?.port()),
            Param::LOCAL_PORT => show(w, &conn.address(false).ok_or(ENOTCONN)?.port()),
            // Numbers iscsid reads before it sets them (the ping timeout
            // tells it we ping): 0 until set, as libiscsi shows them.
            Param::HDRDGST_EN | Param::DATADGST_EN | Param::PING_TMO | Param::RECV_TMO => {
                let params = session.data().params.lock();
                show(w, &params.get(param).unwrap_or("0"))
            }
            // The other parameters are kept with the session's: one
            // connection per session.
            _ => Self::get_session_param(session.data(), param, w),
        }
    }

    fn get_session_param(host: &SessionData, param: Param, w: &mut SysfsWriter<'_>) -> Result {
        let params = host.params.lock();
        // A parameter iscsid has not set (yet) reads empty.
        writeln!(w, "{}", params.get(param).unwrap_or("")).map_err(|_| EINVAL)
    }

    fn param_visible(param: Param) -> bool {
        matches!(
            param,
            Param::MAX_RECV_DLENGTH
                | Param::MAX_XMIT_DLENGTH
                | Param::HDRDGST_EN
                | Param::DATADGST_EN
                | Param::PING_TMO
                | Param::RECV_TMO
                | Param::ABORT_TMO
                | Param::LU_RESET_TMO
                | Param::TGT_RESET_TMO
                | Param::INITIAL_R2T_EN
                | Param::MAX_R2T
                | Param::IMM_DATA_EN
                | Param::FIRST_BURST
                | Param::MAX_BURST
                | Param::PDU_INORDER_EN
                | Param::DATASEQ_INORDER_EN
                | Param::ERL
                | Param::TARGET_NAME
                | Param::TPGT
                | Param::PERSISTENT_ADDRESS
                | Param::PERSISTENT_PORT
                | Param::CONN_ADDRESS
                | Param::CONN_PORT
                | Param::LOCAL_PORT
                | Param::INITIATOR_NAME
                | Param::IFACE_NAME
                | Param::ISID
                | Param::TARGET_ALIAS
        )
    }

    fn send_pdu(conn: &Arc<Conn>, hdr: &[u8], data: &[u8]) -> Result {
        conn.send_pdu(hdr, data)
    }

    fn get_stats(conn: &Conn) -> ConnStats {
        conn.stats()
    }
}
