// SPDX-License-Identifier: GPL-2.0

//! The PDUs a target sends (RFC 7143 sections 11.4 to 11.17): typed
//! headers, their decoding from a BHS and their encoding (for tests and
//! for a target model).
//!
//! Every target PDU but Data-In without status carries StatSN, ExpCmdSN
//! and MaxCmdSN at bytes 24, 28 and 32; the initiator feeds the latter two
//! to [`super::serial::CmdWindow::update`].

use super::bhs::{
    flag, no_ahs, no_data, start, CommonHeader, Lun, Opcode, BHS_LEN, FINAL_BIT, OFF_ITT, OFF_TTT,
    RESERVED_TAG,
};
use super::error::{Field, FlagConflict, PduError};
use super::field::{
    be16_at, be32_at, bytes_at, code_enum, put_be16, put_be32, put_bytes, put_u8, u8_at, Code,
};
use super::request::{
    login_flags, parse_login_flags, text_flags, Stage, OFF_DATA_BUFFER_OFFSET, OFF_DATA_SN,
    OFF_LOGIN_ISID, OFF_LOGIN_TSIH, OFF_LOGIN_VERSION_MAX, OFF_LOGIN_VERSION_MIN, TEXT_CONTINUE,
};

mod scsi;

pub use scsi::{DataIn, DataInStatus, R2t, Residual, ResponseData, ScsiResponse, ScsiResponseCode};

const OFF_STAT_SN: usize = 24;
const OFF_EXP_CMD_SN: usize = 28;
const OFF_MAX_CMD_SN: usize = 32;
/// Byte 2 (SCSI Response, TMF Response, Logout Response, Reject).
const OFF_RESPONSE: usize = 2;
/// Byte 3 (SCSI status in SCSI Response and Data-In).
const OFF_STATUS: usize = 3;

/// The sequence numbers a target PDU reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TargetSn {
    /// StatSN.
    pub stat_sn: u32,
    /// ExpCmdSN.
    pub exp_cmd_sn: u32,
    /// MaxCmdSN.
    pub max_cmd_sn: u32,
}

impl TargetSn {
    fn read(b: &[u8; BHS_LEN]) -> Self {
        TargetSn {
            stat_sn: be32_at::<OFF_STAT_SN>(b),
            exp_cmd_sn: be32_at::<OFF_EXP_CMD_SN>(b),
            max_cmd_sn: be32_at::<OFF_MAX_CMD_SN>(b),
        }
    }

    fn write(&self, b: &mut [u8; BHS_LEN]) {
        put_be32::<OFF_STAT_SN>(b, self.stat_sn);
        put_be32::<OFF_EXP_CMD_SN>(b, self.exp_cmd_sn);
        put_be32::<OFF_MAX_CMD_SN>(b, self.max_cmd_sn);
    }
}

/// NOP-In: a target ping or the answer to a NOP-Out (RFC 7143 11.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NopIn {
    /// Length of the ping data.
    pub data_len: u32,
    /// LUN.
    pub lun: Lun,
    /// ITT of the NOP-Out answered, or the reserved tag for a target ping.
    pub itt: u32,
    /// TTT: not the reserved tag when the target wants a NOP-Out back.
    pub ttt: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
}

impl NopIn {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::NopIn, false, FINAL_BIT, 0, self.data_len)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        Ok(NopIn {
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            sn: TargetSn::read(b),
        })
    }
}

code_enum! {
    /// Task Management Function Response codes (RFC 7143 11.6.1).
    pub enum TmfResponseCode: TmfResponse {
        /// Function complete.
        Complete = 0,
        /// Task does not exist.
        TaskDoesNotExist = 1,
        /// LUN does not exist.
        LunDoesNotExist = 2,
        /// Task still allegiant.
        TaskStillAllegiant = 3,
        /// Task allegiance reassignment not supported.
        ReassignNotSupported = 4,
        /// Task management function not supported.
        NotSupported = 5,
        /// Function authorization failed.
        AuthorizationFailed = 6,
        /// Function rejected.
        Rejected = 255,
    }
}

/// SCSI Task Management Function Response (RFC 7143 11.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskMgmtResponse {
    /// Response code.
    pub response: TmfResponseCode,
    /// ITT of the TMF request.
    pub itt: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
}

impl TaskMgmtResponse {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::TaskMgmtResponse, false, FINAL_BIT, 0, 0)?;
        put_u8::<OFF_RESPONSE>(&mut b, self.response as u8);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        let response = TmfResponseCode::from_value(u8_at::<OFF_RESPONSE>(b))?;
        Ok(TaskMgmtResponse {
            response,
            itt: be32_at::<OFF_ITT>(b),
            sn: TargetSn::read(b),
        })
    }
}

/// Login Response (RFC 7143 11.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginResponse {
    /// NSG when the T bit is set (the target agrees to move on).
    pub transit_to: Option<Stage>,
    /// C bit: the text continues in the next PDU.
    pub cont: bool,
    /// CSG.
    pub current: Stage,
    /// Version-max.
    pub version_max: u8,
    /// Version-active.
    pub version_active: u8,
    /// Length of the login text.
    pub data_len: u32,
    /// ISID echoed.
    pub isid: [u8; 6],
    /// TSIH the target assigned (in the final response).
    pub tsih: u16,
    /// ITT of the Login Request.
    pub itt: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
    /// Status-Class (0 success, 1 redirection, 2 initiator error, 3
    /// target error).
    pub status_class: u8,
    /// Status-Detail.
    pub status_detail: u8,
}

const OFF_LOGIN_STATUS_CLASS: usize = 36;
const OFF_LOGIN_STATUS_DETAIL: usize = 37;

impl LoginResponse {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = login_flags(self.transit_to, self.cont, self.current)?;
        let mut b = start(Opcode::LoginResponse, false, flags, 0, self.data_len)?;
        put_u8::<OFF_LOGIN_VERSION_MAX>(&mut b, self.version_max);
        put_u8::<OFF_LOGIN_VERSION_MIN>(&mut b, self.version_active);
        put_bytes::<OFF_LOGIN_ISID, 6>(&mut b, self.isid);
        put_be16::<OFF_LOGIN_TSIH>(&mut b, self.tsih);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        self.sn.write(&mut b);
        put_u8::<OFF_LOGIN_STATUS_CLASS>(&mut b, self.status_class);
        put_u8::<OFF_LOGIN_STATUS_DETAIL>(&mut b, self.status_detail);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let (transit_to, cont, current) = parse_login_flags(c.flags)?;
        Ok(LoginResponse {
            transit_to,
            cont,
            current,
            version_max: u8_at::<OFF_LOGIN_VERSION_MAX>(b),
            version_active: u8_at::<OFF_LOGIN_VERSION_MIN>(b),
            data_len: c.data_len,
            isid: bytes_at::<OFF_LOGIN_ISID, 6>(b),
            tsih: be16_at::<OFF_LOGIN_TSIH>(b),
            itt: be32_at::<OFF_ITT>(b),
            sn: TargetSn::read(b),
            status_class: u8_at::<OFF_LOGIN_STATUS_CLASS>(b),
            status_detail: u8_at::<OFF_LOGIN_STATUS_DETAIL>(b),
        })
    }
}

/// Text Response (RFC 7143 11.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextResponse {
    /// F bit: the target has finished the exchange.
    pub final_bit: bool,
    /// C bit: the text continues in the next PDU.
    pub cont: bool,
    /// Length of the text.
    pub data_len: u32,
    /// LUN (reserved, normally zero).
    pub lun: Lun,
    /// ITT of the Text Request.
    pub itt: u32,
    /// TTT: the reserved tag when final, else a tag to continue with.
    pub ttt: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
}

impl TextResponse {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = text_flags(self.final_bit, self.cont)?;
        let mut b = start(Opcode::TextResponse, false, flags, 0, self.data_len)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let final_bit = c.flags & FINAL_BIT != 0;
        let cont = c.flags & TEXT_CONTINUE != 0;
        text_flags(final_bit, cont)?;
        Ok(TextResponse {
            final_bit,
            cont,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            sn: TargetSn::read(b),
        })
    }
}

code_enum! {
    /// Logout Response codes (RFC 7143 11.15.1).
    pub enum LogoutResponseCode: LogoutResponse {
        /// Connection or session closed successfully.
        Closed = 0,
        /// CID not found.
        CidNotFound = 1,
        /// Connection recovery is not supported.
        RecoveryNotSupported = 2,
        /// Cleanup failed for various reasons.
        CleanupFailed = 3,
    }
}

/// Logout Response (RFC 7143 11.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogoutResponse {
    /// Response code.
    pub response: LogoutResponseCode,
    /// ITT of the Logout Request.
    pub itt: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
    /// Time2Wait in seconds.
    pub time2wait: u16,
    /// Time2Retain in seconds.
    pub time2retain: u16,
}

const OFF_LOGOUT_TIME2WAIT: usize = 40;
const OFF_LOGOUT_TIME2RETAIN: usize = 42;

impl LogoutResponse {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::LogoutResponse, false, FINAL_BIT, 0, 0)?;
        put_u8::<OFF_RESPONSE>(&mut b, self.response as u8);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        self.sn.write(&mut b);
        put_be16::<OFF_LOGOUT_TIME2WAIT>(&mut b, self.time2wait);
        put_be16::<OFF_LOGOUT_TIME2RETAIN>(&mut b, self.time2retain);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        let response = LogoutResponseCode::from_value(u8_at::<OFF_RESPONSE>(b))?;
        Ok(LogoutResponse {
            response,
            itt: be32_at::<OFF_ITT>(b),
            sn: TargetSn::read(b),
            time2wait: be16_at::<OFF_LOGOUT_TIME2WAIT>(b),
            time2retain: be16_at::<OFF_LOGOUT_TIME2RETAIN>(b),
        })
    }
}

code_enum! {
    /// AsyncEvent codes (RFC 7143 11.9.1).
    pub enum AsyncEvent: AsyncEvent {
        /// A SCSI asynchronous event; the data segment holds sense data.
        ScsiEvent = 0,
        /// The target asks for a logout within Parameter3 seconds.
        RequestLogout = 1,
        /// The target will drop the connection named by Parameter1.
        DroppingConnection = 2,
        /// The target will drop all connections of the session.
        DroppingAllConnections = 3,
        /// The target asks for a parameter renegotiation (Text Request).
        ParamNegotiation = 4,
        /// Vendor specific (AsyncVCode).
        Vendor = 255,
    }
}

/// Asynchronous Message (RFC 7143 11.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsyncMessage {
    /// Length of the sense or vendor data.
    pub data_len: u32,
    /// LUN (SCSI events), else reserved.
    pub lun: Lun,
    /// Sequence numbers.
    pub sn: TargetSn,
    /// The event.
    pub event: AsyncEvent,
    /// Vendor code (with [`AsyncEvent::Vendor`]).
    pub vcode: u8,
    /// Parameter1.
    pub param1: u16,
    /// Parameter2.
    pub param2: u16,
    /// Parameter3.
    pub param3: u16,
}

const OFF_ASYNC_EVENT: usize = 36;
const OFF_ASYNC_VCODE: usize = 37;
const OFF_ASYNC_PARAM1: usize = 38;
const OFF_ASYNC_PARAM2: usize = 40;
const OFF_ASYNC_PARAM3: usize = 42;

impl AsyncMessage {
    /// Builds the BHS (ITT is the reserved tag).
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::AsyncMessage, false, FINAL_BIT, 0, self.data_len)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, RESERVED_TAG);
        self.sn.write(&mut b);
        put_u8::<OFF_ASYNC_EVENT>(&mut b, self.event as u8);
        put_u8::<OFF_ASYNC_VCODE>(&mut b, self.vcode);
        put_be16::<OFF_ASYNC_PARAM1>(&mut b, self.param1);
        put_be16::<OFF_ASYNC_PARAM2>(&mut b, self.param2);
        put_be16::<OFF_ASYNC_PARAM3>(&mut b, self.param3);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let event = AsyncEvent::from_value(u8_at::<OFF_ASYNC_EVENT>(b))?;
        Ok(AsyncMessage {
            data_len: c.data_len,
            lun: Lun::read(b),
            sn: TargetSn::read(b),
            event,
            vcode: u8_at::<OFF_ASYNC_VCODE>(b),
            param1: be16_at::<OFF_ASYNC_PARAM1>(b),
            param2: be16_at::<OFF_ASYNC_PARAM2>(b),
            param3: be16_at::<OFF_ASYNC_PARAM3>(b),
        })
    }
}

/// Reject (RFC 7143 11.17). The data segment holds the complete header
/// of the rejected PDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject {
    /// Reason code, kept raw: the initiator handles every reason the same
    /// way (fail the rejected task), and new codes must not break that.
    pub reason: u8,
    /// Length of the data segment (at least [`BHS_LEN`] when well formed).
    pub data_len: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
    /// DataSN or R2TSN of the rejected PDU, else 0.
    pub data_sn_or_r2t_sn: u32,
}

const OFF_REJECT_DATA_SN: usize = 36;

impl Reject {
    /// The header of the rejected PDU, from the Reject's data segment;
    /// its ITT tells which task to fail.
    pub fn rejected_header(data: &[u8]) -> Result<&[u8; BHS_LEN], PduError> {
        super::bhs::bhs_of(data)
    }

    /// Builds the BHS (ITT is the reserved tag).
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::Reject, false, FINAL_BIT, 0, self.data_len)?;
        put_u8::<OFF_RESPONSE>(&mut b, self.reason);
        put_be32::<OFF_ITT>(&mut b, RESERVED_TAG);
        self.sn.write(&mut b);
        put_be32::<OFF_REJECT_DATA_SN>(&mut b, self.data_sn_or_r2t_sn);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        Ok(Reject {
            reason: u8_at::<OFF_RESPONSE>(b),
            data_len: c.data_len,
            sn: TargetSn::read(b),
            data_sn_or_r2t_sn: be32_at::<OFF_REJECT_DATA_SN>(b),
        })
    }
}

/// Any PDU a target sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetPdu {
    /// NOP-In.
    NopIn(NopIn),
    /// SCSI Response.
    ScsiResponse(ScsiResponse),
    /// Task Management Function Response.
    TaskMgmtResponse(TaskMgmtResponse),
    /// Login Response.
    LoginResponse(LoginResponse),
    /// Text Response.
    TextResponse(TextResponse),
    /// SCSI Data-In.
    DataIn(DataIn),
    /// Logout Response.
    LogoutResponse(LogoutResponse),
    /// Ready To Transfer.
    R2t(R2t),
    /// Asynchronous Message.
    AsyncMessage(AsyncMessage),
    /// Reject.
    Reject(Reject),
}

impl TargetPdu {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        match self {
            TargetPdu::NopIn(p) => p.encode(),
            TargetPdu::ScsiResponse(p) => p.encode(),
            TargetPdu::TaskMgmtResponse(p) => p.encode(),
            TargetPdu::LoginResponse(p) => p.encode(),
            TargetPdu::TextResponse(p) => p.encode(),
            TargetPdu::DataIn(p) => p.encode(),
            TargetPdu::LogoutResponse(p) => p.encode(),
            TargetPdu::R2t(p) => p.encode(),
            TargetPdu::AsyncMessage(p) => p.encode(),
            TargetPdu::Reject(p) => p.encode(),
        }
    }

    /// Decodes the BHS at the start of `buf` (at least [`BHS_LEN`] bytes).
    pub fn decode(buf: &[u8]) -> Result<Self, PduError> {
        let b = super::bhs::bhs_of(buf)?;
        let c = CommonHeader::parse(b)?;
        Ok(match c.opcode {
            Opcode::NopIn => TargetPdu::NopIn(NopIn::decode(&c, b)?),
            Opcode::ScsiResponse => TargetPdu::ScsiResponse(ScsiResponse::decode(&c, b)?),
            Opcode::TaskMgmtResponse => {
                TargetPdu::TaskMgmtResponse(TaskMgmtResponse::decode(&c, b)?)
            }
            Opcode::LoginResponse => TargetPdu::LoginResponse(LoginResponse::decode(&c, b)?),
            Opcode::TextResponse => TargetPdu::TextResponse(TextResponse::decode(&c, b)?),
            Opcode::DataIn => TargetPdu::DataIn(DataIn::decode(&c, b)?),
            Opcode::LogoutResponse => TargetPdu::LogoutResponse(LogoutResponse::decode(&c, b)?),
            Opcode::R2t => TargetPdu::R2t(R2t::decode(&c, b)?),
            Opcode::AsyncMessage => TargetPdu::AsyncMessage(AsyncMessage::decode(&c, b)?),
            Opcode::Reject => TargetPdu::Reject(Reject::decode(&c, b)?),
            other => return Err(PduError::WrongSender(other.value())),
        })
    }

    /// The ExpCmdSN and MaxCmdSN the PDU reports, for the command window.
    pub fn cmd_window(&self) -> (u32, u32) {
        let sn = match self {
            TargetPdu::NopIn(p) => p.sn,
            TargetPdu::ScsiResponse(p) => p.sn,
            TargetPdu::TaskMgmtResponse(p) => p.sn,
            TargetPdu::LoginResponse(p) => p.sn,
            TargetPdu::TextResponse(p) => p.sn,
            TargetPdu::DataIn(p) => {
                return (p.exp_cmd_sn, p.max_cmd_sn);
            }
            TargetPdu::LogoutResponse(p) => p.sn,
            TargetPdu::R2t(p) => p.sn,
            TargetPdu::AsyncMessage(p) => p.sn,
            TargetPdu::Reject(p) => p.sn,
        };
        (sn.exp_cmd_sn, sn.max_cmd_sn)
    }
}
