// SPDX-License-Identifier: GPL-2.0

//! orion's `tcp` iSCSI transport: what iscsid drives over netlink (one
//! SCSI host per session, its connection, the parameters) and the SCSI
//! host callbacks.
//!
//! The name is `tcp` and the host `proc_name` `iscsi_tcp` because iscsid
//! knows only a fixed list of transport names: orion then stands in for
//! the kernel's `iscsi_tcp`, one of the two at a time.

use super::{conn::Conn, params::ParamStore};
use crate::common::{stats::IoStats, stats_attrs::StatsDevice};
use crate::scsi::{
    iscsi::{
        Caps, ConnHandle, ConnStats, IscsiOperations, IscsiRegistration, IscsiTransport,
        NewSession, Param, Session, StopMode,
    },
    CmdStatus, CommandRef, Device, EhContext, EhResult, HostByte, HostConfig, HostOperations,
    NewCommand, Requeue, SysfsWriter, Template,
};
use core::fmt::Write;
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
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
    params: Mutex<ParamStore>,
    /// The connection while bound.
    #[pin]
    conn: Mutex<Option<Arc<Conn>>>,
    cmds_max: u16,
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
    type CmdData = ();
    type DeviceData = IoStats;

    fn sdev_init(_host: &SessionData, _dev: &Device<Self>) -> Result<IoStats> {
        Ok(IoStats::default())
    }

    fn eh_abort(_host: &SessionData, _cmd: &CommandRef<Self>, _eh: &EhContext) -> EhResult {
        // No command is ever outstanding yet (see `queue_command`).
        EhResult::Failed
    }

    fn queue_command<'q>(
        _host: &SessionData,
        cmd: NewCommand<'q, Self>,
    ) -> Result<(), Requeue<'q>> {
        // The full feature phase is not there yet: no command reaches the
        // target, so a scan finds nothing.
        crate::common::early::finish_early(cmd, CmdStatus::host(HostByte::NoConnect))
    }
}

impl StatsDevice for IscsiOps {
    fn io_stats(dev: &Device<Self>) -> Option<&IoStats> {
        dev.data()
    }
}

#[vtable]
impl IscsiOperations for IscsiOps {
    type Conn = Conn;
    const NAME: &'static CStr = c"tcp";
    const CAPS: Caps = Caps::RECOVERY_L0;

    fn transport() -> &'static IscsiTransport<Self> {
        &TRANSPORT
    }

    fn create_session(req: &NewSession) -> Result<(HostConfig, impl PinInit<SessionData, Error>)> {
        let cmds_max = req.cmds_max.clamp(16, MAX_CMDS);
        let cfg = host_config(cmds_max, req.queue_depth.clamp(1, cmds_max));
        let params = ParamStore::new()?;
        Ok((
            cfg,
            try_pin_init!(SessionData {
                params <- new_mutex!(params),
                conn <- new_mutex!(None),
                cmds_max,
            }),
        ))
    }

    fn create_conn(_host: &SessionData, handle: ConnHandle, _cid: u32) -> Result<Arc<Conn>> {
        Conn::new(handle)
    }

    fn bind_conn(session: &Session<Self>, conn: &Arc<Conn>, fd: i32, _leading: bool) -> Result {
        conn.bind(fd)?;
        *session.data().conn.lock() = Some(conn.clone());
        Ok(())
    }

    fn start_conn(session: &Session<Self>, _conn: &Arc<Conn>) -> Result {
        session.unblock();
        Ok(())
    }

    fn stop_conn(session: &Session<Self>, conn: &Arc<Conn>, mode: StopMode) {
        if mode == StopMode::Recover {
            session.block();
        }
        conn.unbind();
        forget_conn(session.data(), conn);
    }

    fn destroy_conn(session: &Session<Self>, conn: &Arc<Conn>) {
        conn.unbind();
        forget_conn(session.data(), conn);
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
            // Digests are not offered (no CAP_HDRDGST/CAP_DATADGST yet):
            // iscsid then never sets them.
            Param::HDRDGST_EN | Param::DATADGST_EN => {
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
