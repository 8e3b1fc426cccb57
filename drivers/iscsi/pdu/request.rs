// SPDX-License-Identifier: GPL-2.0

//! The PDUs an initiator sends (RFC 7143 sections 11.3 to 11.16): typed
//! headers, their encoding into a BHS and their decoding (for tests and
//! for a target model).
//!
//! Encoders set the F bit where the opcode fixes it to 1 and write every
//! reserved field as zero. Decoders ignore reserved bits and fields, as
//! RFC 7143 asks of reserved fields, but reject reserved values of defined
//! fields and flag combinations the RFC forbids.

use super::bhs::{
    flag, no_ahs, no_data, start, CommonHeader, Lun, Opcode, BHS_LEN, FINAL_BIT, OFF_ITT, OFF_TTT,
};
use super::error::{FlagConflict, PduError};
use super::field::{
    be16_at, be32_at, bytes_at, code_enum, put_be16, put_be32, put_bytes, put_u8, u8_at, Code,
};

const OFF_CMD_SN: usize = 24;
const OFF_EXP_STAT_SN: usize = 28;

/// The sequence numbers an initiator PDU reports (all but Data-Out and
/// SNACK, which carry ExpStatSN alone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitiatorSn {
    /// CmdSN.
    pub cmd_sn: u32,
    /// ExpStatSN.
    pub exp_stat_sn: u32,
}

impl InitiatorSn {
    fn read(b: &[u8; BHS_LEN]) -> Self {
        InitiatorSn {
            cmd_sn: be32_at::<OFF_CMD_SN>(b),
            exp_stat_sn: be32_at::<OFF_EXP_STAT_SN>(b),
        }
    }

    fn write(&self, b: &mut [u8; BHS_LEN]) {
        put_be32::<OFF_CMD_SN>(b, self.cmd_sn);
        put_be32::<OFF_EXP_STAT_SN>(b, self.exp_stat_sn);
    }
}

/// NOP-Out: a ping, or the answer to a target's NOP-In (RFC 7143 11.18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NopOut {
    /// I bit; a ping that expects no answer is usually immediate.
    pub immediate: bool,
    /// Length of the ping data.
    pub data_len: u32,
    /// LUN (echoed from a NOP-In being answered).
    pub lun: Lun,
    /// Initiator Task Tag; [`super::RESERVED_TAG`] when no NOP-In is wanted.
    pub itt: u32,
    /// Target Transfer Tag of the NOP-In answered, else the reserved tag.
    pub ttt: u32,
    /// Sequence numbers.
    pub sn: InitiatorSn,
}

impl NopOut {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::NopOut, self.immediate, FINAL_BIT, 0, self.data_len)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        Ok(NopOut {
            immediate: c.immediate,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            sn: InitiatorSn::read(b),
        })
    }
}

code_enum! {
    /// SCSI task attribute (SCSI Command ATTR field).
    pub enum TaskAttr: TaskAttribute {
        /// Untagged.
        Untagged = 0,
        /// Simple.
        Simple = 1,
        /// Ordered.
        Ordered = 2,
        /// Head of queue.
        HeadOfQueue = 3,
        /// ACA.
        Aca = 4,
    }
}

/// SCSI Command (RFC 7143 11.3). CDBs longer than 16 bytes carry the
/// rest in an extended CDB AHS (see [`super::ahs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScsiCommand {
    /// I bit.
    pub immediate: bool,
    /// F bit: no unsolicited Data-Out PDUs follow.
    pub final_bit: bool,
    /// R bit: data flows to the initiator.
    pub read: bool,
    /// W bit: data flows to the target.
    pub write: bool,
    /// Task attribute.
    pub attr: TaskAttr,
    /// TotalAHSLength in 4-byte words.
    pub ahs_words: u8,
    /// Length of the immediate data.
    pub data_len: u32,
    /// LUN.
    pub lun: Lun,
    /// Initiator Task Tag.
    pub itt: u32,
    /// Expected Data Transfer Length (the write length for a
    /// bidirectional command; the read length goes in an AHS).
    pub expected_data_len: u32,
    /// Sequence numbers.
    pub sn: InitiatorSn,
    /// The first 16 CDB bytes, zero-padded.
    pub cdb: [u8; 16],
}

const CMD_READ: u8 = 0x40;
const CMD_WRITE: u8 = 0x20;
const CMD_ATTR_MASK: u8 = 0x07;
const OFF_CMD_EDTL: usize = 20;
const OFF_CMD_CDB: usize = 32;

impl ScsiCommand {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = flag(self.final_bit, FINAL_BIT)
            | flag(self.read, CMD_READ)
            | flag(self.write, CMD_WRITE)
            | self.attr as u8;
        let mut b = start(
            Opcode::ScsiCommand,
            self.immediate,
            flags,
            self.ahs_words,
            self.data_len,
        )?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_CMD_EDTL>(&mut b, self.expected_data_len);
        self.sn.write(&mut b);
        put_bytes::<OFF_CMD_CDB, 16>(&mut b, self.cdb);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        Ok(ScsiCommand {
            immediate: c.immediate,
            final_bit: c.flags & FINAL_BIT != 0,
            read: c.flags & CMD_READ != 0,
            write: c.flags & CMD_WRITE != 0,
            attr: TaskAttr::from_value(c.flags & CMD_ATTR_MASK)?,
            ahs_words: c.ahs_words,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            expected_data_len: be32_at::<OFF_CMD_EDTL>(b),
            sn: InitiatorSn::read(b),
            cdb: bytes_at::<OFF_CMD_CDB, 16>(b),
        })
    }
}

code_enum! {
    /// Task management function codes (RFC 7143 11.5.1).
    pub enum TmfFunction: TmfFunction {
        /// ABORT TASK.
        AbortTask = 1,
        /// ABORT TASK SET.
        AbortTaskSet = 2,
        /// CLEAR ACA.
        ClearAca = 3,
        /// CLEAR TASK SET.
        ClearTaskSet = 4,
        /// LOGICAL UNIT RESET.
        LogicalUnitReset = 5,
        /// TARGET WARM RESET.
        TargetWarmReset = 6,
        /// TARGET COLD RESET.
        TargetColdReset = 7,
        /// TASK REASSIGN.
        TaskReassign = 8,
    }
}

/// SCSI Task Management Function Request (RFC 7143 11.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskMgmtRequest {
    /// I bit (libiscsi sends every TMF immediate).
    pub immediate: bool,
    /// The function.
    pub function: TmfFunction,
    /// LUN.
    pub lun: Lun,
    /// Initiator Task Tag of this request.
    pub itt: u32,
    /// ITT of the task to abort, or [`super::RESERVED_TAG`].
    pub referenced_task_tag: u32,
    /// Sequence numbers.
    pub sn: InitiatorSn,
    /// CmdSN of the task to abort (ABORT TASK), else 0.
    pub ref_cmd_sn: u32,
    /// ExpDataSN (TASK REASSIGN), else 0.
    pub exp_data_sn: u32,
}

const TMF_FUNCTION_MASK: u8 = 0x7f;
const OFF_TMF_REF_TASK_TAG: usize = 20;
const OFF_TMF_REF_CMD_SN: usize = 32;
const OFF_TMF_EXP_DATA_SN: usize = 36;

impl TaskMgmtRequest {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = FINAL_BIT | self.function as u8;
        let mut b = start(Opcode::TaskMgmtRequest, self.immediate, flags, 0, 0)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TMF_REF_TASK_TAG>(&mut b, self.referenced_task_tag);
        self.sn.write(&mut b);
        put_be32::<OFF_TMF_REF_CMD_SN>(&mut b, self.ref_cmd_sn);
        put_be32::<OFF_TMF_EXP_DATA_SN>(&mut b, self.exp_data_sn);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        Ok(TaskMgmtRequest {
            immediate: c.immediate,
            function: TmfFunction::from_value(c.flags & TMF_FUNCTION_MASK)?,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            referenced_task_tag: be32_at::<OFF_TMF_REF_TASK_TAG>(b),
            sn: InitiatorSn::read(b),
            ref_cmd_sn: be32_at::<OFF_TMF_REF_CMD_SN>(b),
            exp_data_sn: be32_at::<OFF_TMF_EXP_DATA_SN>(b),
        })
    }
}

code_enum! {
    /// A login stage (CSG/NSG, RFC 7143 11.12.3).
    pub enum Stage: LoginStage {
        /// SecurityNegotiation.
        Security = 0,
        /// LoginOperationalNegotiation.
        Operational = 1,
        /// FullFeaturePhase.
        FullFeature = 3,
    }
}

pub(super) const LOGIN_TRANSIT: u8 = 0x80;
pub(super) const LOGIN_CONTINUE: u8 = 0x40;
const LOGIN_CSG_SHIFT: u8 = 2;
const LOGIN_STAGE_MASK: u8 = 0x03;
pub(super) const OFF_LOGIN_VERSION_MAX: usize = 2;
pub(super) const OFF_LOGIN_VERSION_MIN: usize = 3;
pub(super) const OFF_LOGIN_ISID: usize = 8;
pub(super) const OFF_LOGIN_TSIH: usize = 14;

/// The Login flags byte: T, C, CSG and NSG. The NSG is `Some` exactly when
/// T is set (RFC 7143: NSG is reserved without T).
pub(super) fn login_flags(
    transit_to: Option<Stage>,
    cont: bool,
    current: Stage,
) -> Result<u8, PduError> {
    if transit_to.is_some() && cont {
        return Err(PduError::Conflict(FlagConflict::TransitWithContinue));
    }
    let next = match transit_to {
        Some(stage) => LOGIN_TRANSIT | stage as u8,
        None => 0,
    };
    Ok(next | flag(cont, LOGIN_CONTINUE) | (current as u8) << LOGIN_CSG_SHIFT)
}

/// Decodes the Login flags byte into (next stage, C bit, current stage).
pub(super) fn parse_login_flags(flags: u8) -> Result<(Option<Stage>, bool, Stage), PduError> {
    let transit = flags & LOGIN_TRANSIT != 0;
    let cont = flags & LOGIN_CONTINUE != 0;
    if transit && cont {
        return Err(PduError::Conflict(FlagConflict::TransitWithContinue));
    }
    let current = Stage::from_value((flags >> LOGIN_CSG_SHIFT) & LOGIN_STAGE_MASK)?;
    let next = if transit {
        Some(Stage::from_value(flags & LOGIN_STAGE_MASK)?)
    } else {
        None
    };
    Ok((next, cont, current))
}

/// Login Request (RFC 7143 11.12); always sent with the I bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginRequest {
    /// NSG when the T bit is set (the initiator asks to move on).
    pub transit_to: Option<Stage>,
    /// C bit: the text continues in the next PDU.
    pub cont: bool,
    /// CSG.
    pub current: Stage,
    /// Version-max (0 for RFC 7143).
    pub version_max: u8,
    /// Version-min (0 for RFC 7143).
    pub version_min: u8,
    /// Length of the login text.
    pub data_len: u32,
    /// ISID (6 bytes: type, naming authority, qualifier).
    pub isid: [u8; 6],
    /// TSIH (0 for a new session).
    pub tsih: u16,
    /// Initiator Task Tag.
    pub itt: u32,
    /// Connection ID.
    pub cid: u16,
    /// Sequence numbers.
    pub sn: InitiatorSn,
}

const OFF_LOGIN_CID: usize = 20;

impl LoginRequest {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = login_flags(self.transit_to, self.cont, self.current)?;
        let mut b = start(Opcode::LoginRequest, true, flags, 0, self.data_len)?;
        put_u8::<OFF_LOGIN_VERSION_MAX>(&mut b, self.version_max);
        put_u8::<OFF_LOGIN_VERSION_MIN>(&mut b, self.version_min);
        put_bytes::<OFF_LOGIN_ISID, 6>(&mut b, self.isid);
        put_be16::<OFF_LOGIN_TSIH>(&mut b, self.tsih);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be16::<OFF_LOGIN_CID>(&mut b, self.cid);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let (transit_to, cont, current) = parse_login_flags(c.flags)?;
        Ok(LoginRequest {
            transit_to,
            cont,
            current,
            version_max: u8_at::<OFF_LOGIN_VERSION_MAX>(b),
            version_min: u8_at::<OFF_LOGIN_VERSION_MIN>(b),
            data_len: c.data_len,
            isid: bytes_at::<OFF_LOGIN_ISID, 6>(b),
            tsih: be16_at::<OFF_LOGIN_TSIH>(b),
            itt: be32_at::<OFF_ITT>(b),
            cid: be16_at::<OFF_LOGIN_CID>(b),
            sn: InitiatorSn::read(b),
        })
    }
}

pub(super) const TEXT_CONTINUE: u8 = 0x40;

/// The Text F and C bits; RFC 7143 forbids both at once.
pub(super) fn text_flags(final_bit: bool, cont: bool) -> Result<u8, PduError> {
    if final_bit && cont {
        return Err(PduError::Conflict(FlagConflict::FinalWithContinue));
    }
    Ok(flag(final_bit, FINAL_BIT) | flag(cont, TEXT_CONTINUE))
}

/// Text Request (RFC 7143 11.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRequest {
    /// I bit.
    pub immediate: bool,
    /// F bit: the last request of the exchange.
    pub final_bit: bool,
    /// C bit: the text continues in the next PDU.
    pub cont: bool,
    /// Length of the text.
    pub data_len: u32,
    /// LUN (reserved, normally zero).
    pub lun: Lun,
    /// Initiator Task Tag.
    pub itt: u32,
    /// TTT of the Text Response continued, else the reserved tag.
    pub ttt: u32,
    /// Sequence numbers.
    pub sn: InitiatorSn,
}

impl TextRequest {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = text_flags(self.final_bit, self.cont)?;
        let mut b = start(Opcode::TextRequest, self.immediate, flags, 0, self.data_len)?;
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
        Ok(TextRequest {
            immediate: c.immediate,
            final_bit,
            cont,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            sn: InitiatorSn::read(b),
        })
    }
}

/// SCSI Data-Out (RFC 7143 11.7); never immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataOut {
    /// F bit: the last PDU of the sequence (burst).
    pub final_bit: bool,
    /// Length of the data.
    pub data_len: u32,
    /// LUN (of the command, when the TTT is not the reserved tag).
    pub lun: Lun,
    /// ITT of the command.
    pub itt: u32,
    /// TTT of the R2T answered, or the reserved tag for unsolicited data.
    pub ttt: u32,
    /// ExpStatSN.
    pub exp_stat_sn: u32,
    /// DataSN within the sequence.
    pub data_sn: u32,
    /// Offset of this data in the command's buffer.
    pub buffer_offset: u32,
}

/// DataSN, in Data-Out and Data-In alike.
pub(super) const OFF_DATA_SN: usize = 36;
/// Buffer Offset, in Data-Out and Data-In alike.
pub(super) const OFF_DATA_BUFFER_OFFSET: usize = 40;

impl DataOut {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = flag(self.final_bit, FINAL_BIT);
        let mut b = start(Opcode::DataOut, false, flags, 0, self.data_len)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        put_be32::<OFF_EXP_STAT_SN>(&mut b, self.exp_stat_sn);
        put_be32::<OFF_DATA_SN>(&mut b, self.data_sn);
        put_be32::<OFF_DATA_BUFFER_OFFSET>(&mut b, self.buffer_offset);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        Ok(DataOut {
            final_bit: c.flags & FINAL_BIT != 0,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            exp_stat_sn: be32_at::<OFF_EXP_STAT_SN>(b),
            data_sn: be32_at::<OFF_DATA_SN>(b),
            buffer_offset: be32_at::<OFF_DATA_BUFFER_OFFSET>(b),
        })
    }
}

code_enum! {
    /// Logout Request reason codes (RFC 7143 11.14.1).
    pub enum LogoutReason: LogoutReason {
        /// Close the session.
        CloseSession = 0,
        /// Close the connection.
        CloseConnection = 1,
        /// Remove the connection for recovery.
        RemoveForRecovery = 2,
    }
}

/// Logout Request (RFC 7143 11.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogoutRequest {
    /// I bit.
    pub immediate: bool,
    /// Reason code.
    pub reason: LogoutReason,
    /// Initiator Task Tag.
    pub itt: u32,
    /// CID of the connection to close (reserved for CloseSession).
    pub cid: u16,
    /// Sequence numbers.
    pub sn: InitiatorSn,
}

const LOGOUT_REASON_MASK: u8 = 0x7f;
const OFF_LOGOUT_CID: usize = 20;

impl LogoutRequest {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = FINAL_BIT | self.reason as u8;
        let mut b = start(Opcode::LogoutRequest, self.immediate, flags, 0, 0)?;
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be16::<OFF_LOGOUT_CID>(&mut b, self.cid);
        self.sn.write(&mut b);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        let reason = LogoutReason::from_value(c.flags & LOGOUT_REASON_MASK)?;
        Ok(LogoutRequest {
            immediate: c.immediate,
            reason,
            itt: be32_at::<OFF_ITT>(b),
            cid: be16_at::<OFF_LOGOUT_CID>(b),
            sn: InitiatorSn::read(b),
        })
    }
}

code_enum! {
    /// SNACK types (RFC 7143 11.16.1). SNACK needs ErrorRecoveryLevel > 0,
    /// which this initiator does not negotiate; it is here so the codec
    /// covers every initiator opcode.
    pub enum SnackType: SnackType {
        /// Data or R2T retransmission.
        DataR2t = 0,
        /// Status retransmission.
        Status = 1,
        /// Data acknowledgement.
        DataAck = 2,
        /// Resegmented data (R-Data).
        RData = 3,
    }
}

/// SNACK Request (RFC 7143 11.16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snack {
    /// SNACK type.
    pub kind: SnackType,
    /// LUN (DataACK), else reserved.
    pub lun: Lun,
    /// ITT of the command, or the reserved tag.
    pub itt: u32,
    /// TTT (DataACK) or SNACK Tag (R-Data).
    pub ttt_or_snack_tag: u32,
    /// ExpStatSN.
    pub exp_stat_sn: u32,
    /// First DataSN, R2TSN or StatSN requested.
    pub beg_run: u32,
    /// Number of PDUs requested (0: all from BegRun).
    pub run_length: u32,
}

const SNACK_TYPE_MASK: u8 = 0x0f;
const OFF_SNACK_TAG: usize = 20;
const OFF_SNACK_BEG_RUN: usize = 40;
const OFF_SNACK_RUN_LENGTH: usize = 44;

impl Snack {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let flags = FINAL_BIT | self.kind as u8;
        let mut b = start(Opcode::Snack, false, flags, 0, 0)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_SNACK_TAG>(&mut b, self.ttt_or_snack_tag);
        put_be32::<OFF_EXP_STAT_SN>(&mut b, self.exp_stat_sn);
        put_be32::<OFF_SNACK_BEG_RUN>(&mut b, self.beg_run);
        put_be32::<OFF_SNACK_RUN_LENGTH>(&mut b, self.run_length);
        Ok(b)
    }

    fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        let kind = SnackType::from_value(c.flags & SNACK_TYPE_MASK)?;
        Ok(Snack {
            kind,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt_or_snack_tag: be32_at::<OFF_SNACK_TAG>(b),
            exp_stat_sn: be32_at::<OFF_EXP_STAT_SN>(b),
            beg_run: be32_at::<OFF_SNACK_BEG_RUN>(b),
            run_length: be32_at::<OFF_SNACK_RUN_LENGTH>(b),
        })
    }
}

/// Any PDU an initiator sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitiatorPdu {
    /// NOP-Out.
    NopOut(NopOut),
    /// SCSI Command.
    ScsiCommand(ScsiCommand),
    /// Task Management Function Request.
    TaskMgmtRequest(TaskMgmtRequest),
    /// Login Request.
    LoginRequest(LoginRequest),
    /// Text Request.
    TextRequest(TextRequest),
    /// SCSI Data-Out.
    DataOut(DataOut),
    /// Logout Request.
    LogoutRequest(LogoutRequest),
    /// SNACK Request.
    Snack(Snack),
}

impl InitiatorPdu {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        match self {
            InitiatorPdu::NopOut(p) => p.encode(),
            InitiatorPdu::ScsiCommand(p) => p.encode(),
            InitiatorPdu::TaskMgmtRequest(p) => p.encode(),
            InitiatorPdu::LoginRequest(p) => p.encode(),
            InitiatorPdu::TextRequest(p) => p.encode(),
            InitiatorPdu::DataOut(p) => p.encode(),
            InitiatorPdu::LogoutRequest(p) => p.encode(),
            InitiatorPdu::Snack(p) => p.encode(),
        }
    }

    /// Decodes the BHS at the start of `buf` (at least [`BHS_LEN`] bytes).
    pub fn decode(buf: &[u8]) -> Result<Self, PduError> {
        let b = super::bhs::bhs_of(buf)?;
        let c = CommonHeader::parse(b)?;
        Ok(match c.opcode {
            Opcode::NopOut => InitiatorPdu::NopOut(NopOut::decode(&c, b)?),
            Opcode::ScsiCommand => InitiatorPdu::ScsiCommand(ScsiCommand::decode(&c, b)?),
            Opcode::TaskMgmtRequest => {
                InitiatorPdu::TaskMgmtRequest(TaskMgmtRequest::decode(&c, b)?)
            }
            Opcode::LoginRequest => InitiatorPdu::LoginRequest(LoginRequest::decode(&c, b)?),
            Opcode::TextRequest => InitiatorPdu::TextRequest(TextRequest::decode(&c, b)?),
            Opcode::DataOut => InitiatorPdu::DataOut(DataOut::decode(&c, b)?),
            Opcode::LogoutRequest => InitiatorPdu::LogoutRequest(LogoutRequest::decode(&c, b)?),
            Opcode::Snack => InitiatorPdu::Snack(Snack::decode(&c, b)?),
            other => return Err(PduError::WrongSender(other.value())),
        })
    }
}
