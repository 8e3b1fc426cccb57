// SPDX-License-Identifier: GPL-2.0

//! The values the iSCSI class and iscsid exchange with a transport:
//! parameter numbers, how a connection is stopped, why a connection
//! failed, the transport's capabilities and the statistics of a
//! connection.

use crate::bindings;
use kernel::str::CStr;

/// A session or connection parameter (`enum iscsi_param`). iscsid sets
/// them as strings after login and reads them back through sysfs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param(u32);

macro_rules! params {
    ($($name:ident = $c:ident;)*) => {
        impl Param {
            $(
                #[allow(missing_docs)]
                pub const $name: Param = Param(bindings::$c);
            )*
        }
    };
}

params! {
    MAX_RECV_DLENGTH = iscsi_param_ISCSI_PARAM_MAX_RECV_DLENGTH;
    MAX_XMIT_DLENGTH = iscsi_param_ISCSI_PARAM_MAX_XMIT_DLENGTH;
    HDRDGST_EN = iscsi_param_ISCSI_PARAM_HDRDGST_EN;
    DATADGST_EN = iscsi_param_ISCSI_PARAM_DATADGST_EN;
    INITIAL_R2T_EN = iscsi_param_ISCSI_PARAM_INITIAL_R2T_EN;
    MAX_R2T = iscsi_param_ISCSI_PARAM_MAX_R2T;
    IMM_DATA_EN = iscsi_param_ISCSI_PARAM_IMM_DATA_EN;
    FIRST_BURST = iscsi_param_ISCSI_PARAM_FIRST_BURST;
    MAX_BURST = iscsi_param_ISCSI_PARAM_MAX_BURST;
    PDU_INORDER_EN = iscsi_param_ISCSI_PARAM_PDU_INORDER_EN;
    DATASEQ_INORDER_EN = iscsi_param_ISCSI_PARAM_DATASEQ_INORDER_EN;
    ERL = iscsi_param_ISCSI_PARAM_ERL;
    IFMARKER_EN = iscsi_param_ISCSI_PARAM_IFMARKER_EN;
    OFMARKER_EN = iscsi_param_ISCSI_PARAM_OFMARKER_EN;
    EXP_STATSN = iscsi_param_ISCSI_PARAM_EXP_STATSN;
    TARGET_NAME = iscsi_param_ISCSI_PARAM_TARGET_NAME;
    TPGT = iscsi_param_ISCSI_PARAM_TPGT;
    PERSISTENT_ADDRESS = iscsi_param_ISCSI_PARAM_PERSISTENT_ADDRESS;
    PERSISTENT_PORT = iscsi_param_ISCSI_PARAM_PERSISTENT_PORT;
    SESS_RECOVERY_TMO = iscsi_param_ISCSI_PARAM_SESS_RECOVERY_TMO;
    CONN_PORT = iscsi_param_ISCSI_PARAM_CONN_PORT;
    CONN_ADDRESS = iscsi_param_ISCSI_PARAM_CONN_ADDRESS;
    USERNAME = iscsi_param_ISCSI_PARAM_USERNAME;
    USERNAME_IN = iscsi_param_ISCSI_PARAM_USERNAME_IN;
    PASSWORD = iscsi_param_ISCSI_PARAM_PASSWORD;
    PASSWORD_IN = iscsi_param_ISCSI_PARAM_PASSWORD_IN;
    FAST_ABORT = iscsi_param_ISCSI_PARAM_FAST_ABORT;
    ABORT_TMO = iscsi_param_ISCSI_PARAM_ABORT_TMO;
    LU_RESET_TMO = iscsi_param_ISCSI_PARAM_LU_RESET_TMO;
    HOST_RESET_TMO = iscsi_param_ISCSI_PARAM_HOST_RESET_TMO;
    PING_TMO = iscsi_param_ISCSI_PARAM_PING_TMO;
    RECV_TMO = iscsi_param_ISCSI_PARAM_RECV_TMO;
    IFACE_NAME = iscsi_param_ISCSI_PARAM_IFACE_NAME;
    ISID = iscsi_param_ISCSI_PARAM_ISID;
    INITIATOR_NAME = iscsi_param_ISCSI_PARAM_INITIATOR_NAME;
    TGT_RESET_TMO = iscsi_param_ISCSI_PARAM_TGT_RESET_TMO;
    TARGET_ALIAS = iscsi_param_ISCSI_PARAM_TARGET_ALIAS;
    DISCOVERY_SESS = iscsi_param_ISCSI_PARAM_DISCOVERY_SESS;
    LOCAL_PORT = iscsi_param_ISCSI_PARAM_LOCAL_PORT;
    STATSN = iscsi_param_ISCSI_PARAM_STATSN;
    DEF_TIME2WAIT = iscsi_param_ISCSI_PARAM_DEF_TIME2WAIT;
    DEF_TIME2RETAIN = iscsi_param_ISCSI_PARAM_DEF_TIME2RETAIN;
}

impl Param {
    pub(super) fn from_raw(v: u32) -> Self {
        Self(v)
    }

    /// The C value (for log lines).
    pub fn raw(self) -> u32 {
        self.0
    }
}

/// A host parameter (`enum iscsi_host_param`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostParam(u32);

impl HostParam {
    /// Hardware address of the interface the host uses.
    pub const HWADDRESS: Self = Self(bindings::iscsi_host_param_ISCSI_HOST_PARAM_HWADDRESS);
    /// The initiator's iSCSI name.
    pub const INITIATOR_NAME: Self =
        Self(bindings::iscsi_host_param_ISCSI_HOST_PARAM_INITIATOR_NAME);
    /// Network interface name.
    pub const NETDEV_NAME: Self = Self(bindings::iscsi_host_param_ISCSI_HOST_PARAM_NETDEV_NAME);
    /// Local IP address of the session's connection.
    pub const IPADDRESS: Self = Self(bindings::iscsi_host_param_ISCSI_HOST_PARAM_IPADDRESS);

    pub(super) fn from_raw(v: u32) -> Self {
        Self(v)
    }
}

/// How the class stops a connection (`STOP_CONN_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopMode {
    /// The session ends (logout, or iscsid gives up): fail what is queued.
    Terminate,
    /// Stop for now, keeping the commands (not used by iscsid for `tcp`).
    Suspend,
    /// The connection failed: block the session and hold the commands
    /// for the replacement connection (until the recovery timeout).
    Recover,
}

impl StopMode {
    pub(super) fn from_raw(flag: i32) -> Self {
        match flag as u32 {
            bindings::STOP_CONN_TERM => Self::Terminate,
            bindings::STOP_CONN_SUSPEND => Self::Suspend,
            _ => Self::Recover,
        }
    }
}

/// Why a connection failed (`enum iscsi_err`), reported with
/// [`super::ConnHandle::error_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnError {
    /// The socket failed or the peer closed it.
    ConnFailed,
    /// The peer broke the protocol (bad PDU, unknown ITT, ...).
    Protocol,
    /// The peer stopped answering NOP-Outs.
    NopTimeout,
    /// A header digest did not match.
    HeaderDigest,
    /// A data digest did not match.
    DataDigest,
    /// The error handler recovers the session (a task management
    /// request went unanswered, or a reset escalated).
    SessionReset,
}

impl ConnError {
    pub(super) fn to_c(self) -> bindings::iscsi_err {
        match self {
            Self::ConnFailed => bindings::iscsi_err_ISCSI_ERR_CONN_FAILED,
            Self::Protocol => bindings::iscsi_err_ISCSI_ERR_PROTO,
            Self::NopTimeout => bindings::iscsi_err_ISCSI_ERR_NOP_TIMEDOUT,
            Self::HeaderDigest => bindings::iscsi_err_ISCSI_ERR_HDR_DGST,
            Self::DataDigest => bindings::iscsi_err_ISCSI_ERR_DATA_DGST,
            Self::SessionReset => bindings::iscsi_err_ISCSI_ERR_SCSI_EH_SESSION_RST,
        }
    }
}

/// What a transport can do (`CAP_*`), as iscsid reads it from
/// `/sys/class/iscsi_transport/<name>/caps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps(u32);

impl Caps {
    /// Error recovery level 0 (session recovery).
    pub const RECOVERY_L0: Self = Self(bindings::CAP_RECOVERY_L0);
    /// Several R2Ts outstanding per command (MaxOutstandingR2T > 1).
    pub const MULTI_R2T: Self = Self(bindings::CAP_MULTI_R2T);
    /// Header digests (CRC32C).
    pub const HDRDGST: Self = Self(bindings::CAP_HDRDGST);
    /// Data digests (CRC32C).
    pub const DATADGST: Self = Self(bindings::CAP_DATADGST);

    /// Both sets.
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub(super) fn raw(self) -> u32 {
        self.0
    }
}

/// Statistics of a connection (`struct iscsi_stats` without the custom
/// entries), for `iscsiadm -m session -s`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnStats {
    /// Data bytes sent.
    pub tx_data_bytes: u64,
    /// Data bytes received.
    pub rx_data_bytes: u64,
    /// NOP-Outs sent.
    pub nop_out: u32,
    /// SCSI Command PDUs sent.
    pub scsi_cmd: u32,
    /// Task management requests sent.
    pub tmf_cmd: u32,
    /// Login requests sent.
    pub login: u32,
    /// Text requests sent.
    pub text: u32,
    /// Data-Out PDUs sent.
    pub data_out: u32,
    /// Logout requests sent.
    pub logout: u32,
    /// SNACK requests sent.
    pub snack: u32,
    /// NOP-Ins received.
    pub nop_in: u32,
    /// SCSI Responses received.
    pub scsi_rsp: u32,
    /// Task management responses received.
    pub tmf_rsp: u32,
    /// Text responses received.
    pub text_rsp: u32,
    /// Data-In PDUs received.
    pub data_in: u32,
    /// Logout responses received.
    pub logout_rsp: u32,
    /// R2Ts received.
    pub r2t: u32,
    /// Asynchronous messages received.
    pub async_msg: u32,
    /// Rejects received.
    pub reject: u32,
    /// Digest errors.
    pub digest_errors: u32,
    /// Command timeouts.
    pub timeouts: u32,
    /// The driver's own counters, shown by name after the standard ones
    /// (as `iscsi_tcp`'s `eh_abort_cnt`).
    pub custom: [Option<CustomStat>; MAX_CUSTOM_STATS],
}

/// Most driver counters a [`ConnStats`] carries (the class has room for
/// `ISCSI_STATS_CUSTOM_MAX`).
pub const MAX_CUSTOM_STATS: usize = 8;
const _: () = assert!(MAX_CUSTOM_STATS <= bindings::ISCSI_STATS_CUSTOM_MAX as usize);

/// A driver counter of a connection (`struct iscsi_stats_custom`).
#[derive(Clone, Copy, Debug)]
pub struct CustomStat {
    /// Its name; longer than `ISCSI_STATS_CUSTOM_DESC_MAX - 1` bytes is cut.
    pub name: &'static CStr,
    /// Its value.
    pub value: u64,
}

impl ConnStats {
    /// Fills the fixed fields of `s` and returns the custom entries to
    /// write after it (with their count in `custom_length`).
    pub(super) fn fill(
        &self,
        s: &mut bindings::iscsi_stats,
    ) -> impl Iterator<Item = CustomStat> + '_ {
        s.txdata_octets = self.tx_data_bytes;
        s.rxdata_octets = self.rx_data_bytes;
        s.noptx_pdus = self.nop_out;
        s.scsicmd_pdus = self.scsi_cmd;
        s.tmfcmd_pdus = self.tmf_cmd;
        s.login_pdus = self.login;
        s.text_pdus = self.text;
        s.dataout_pdus = self.data_out;
        s.logout_pdus = self.logout;
        s.snack_pdus = self.snack;
        s.noprx_pdus = self.nop_in;
        s.scsirsp_pdus = self.scsi_rsp;
        s.tmfrsp_pdus = self.tmf_rsp;
        s.textrsp_pdus = self.text_rsp;
        s.datain_pdus = self.data_in;
        s.logoutrsp_pdus = self.logout_rsp;
        s.r2t_pdus = self.r2t;
        s.async_pdus = self.async_msg;
        s.rjt_pdus = self.reject;
        s.digest_err = self.digest_errors;
        s.timeout_err = self.timeouts;
        // At most MAX_CUSTOM_STATS, below the class's room (asserted above).
        let customs = self.custom.iter().flatten().copied();
        s.custom_length = customs.clone().count() as u32;
        customs
    }
}
