// SPDX-License-Identifier: GPL-2.0

//! The target PDUs of the data path: SCSI Response (with its data
//! segment's sense and response data), SCSI Data-In (with phase-collapsed
//! status), R2T, and the residual they report.

use super::*;

/// A residual count with its direction (the O/U or o/u flag pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Residual {
    /// The transfer had the expected length (the count is ignored).
    None,
    /// The target had this many more bytes than expected.
    Overflow(u32),
    /// The target transferred this many fewer bytes than expected.
    Underflow(u32),
}

impl Residual {
    /// Decodes a flag pair and its count; both flags set is an error.
    fn from_flags(overflow: bool, underflow: bool, count: u32) -> Result<Self, PduError> {
        match (overflow, underflow) {
            (true, true) => Err(PduError::Conflict(FlagConflict::OverflowAndUnderflow)),
            (true, false) => Ok(Residual::Overflow(count)),
            (false, true) => Ok(Residual::Underflow(count)),
            (false, false) => Ok(Residual::None),
        }
    }

    /// The flags to set (`overflow_bit` or `underflow_bit`) and the count.
    fn to_flags(self, overflow_bit: u8, underflow_bit: u8) -> (u8, u32) {
        match self {
            Residual::None => (0, 0),
            Residual::Overflow(n) => (overflow_bit, n),
            Residual::Underflow(n) => (underflow_bit, n),
        }
    }
}

/// SCSI Response code (RFC 7143 11.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScsiResponseCode {
    /// Command completed at target (the SCSI status is meaningful).
    Completed,
    /// Target failure.
    TargetFailure,
    /// Vendor specific (0x80 to 0xff).
    Vendor(u8),
}

impl ScsiResponseCode {
    fn from_byte(v: u8) -> Result<Self, PduError> {
        match v {
            0x00 => Ok(ScsiResponseCode::Completed),
            0x01 => Ok(ScsiResponseCode::TargetFailure),
            0x80..=0xff => Ok(ScsiResponseCode::Vendor(v)),
            _ => Err(PduError::ReservedValue(Field::ScsiResponse)),
        }
    }

    fn to_byte(self) -> Result<u8, PduError> {
        match self {
            ScsiResponseCode::Completed => Ok(0),
            ScsiResponseCode::TargetFailure => Ok(1),
            ScsiResponseCode::Vendor(v @ 0x80..=0xff) => Ok(v),
            ScsiResponseCode::Vendor(_) => Err(PduError::ReservedValue(Field::ScsiResponse)),
        }
    }
}

/// SCSI Response (RFC 7143 11.4). The data segment holds sense data
/// (2-byte SenseLength first) or response data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScsiResponse {
    /// Response code.
    pub response: ScsiResponseCode,
    /// SCSI status (valid for [`ScsiResponseCode::Completed`]).
    pub status: u8,
    /// Bidirectional read residual (o/u bits, byte 40).
    pub bidi_read_residual: Residual,
    /// Residual (O/U bits, byte 44).
    pub residual: Residual,
    /// Length of the sense or response data.
    pub data_len: u32,
    /// ITT of the command.
    pub itt: u32,
    /// SNACK Tag (ErrorRecoveryLevel > 0), else 0.
    pub snack_tag: u32,
    /// Sequence numbers.
    pub sn: TargetSn,
    /// ExpDataSN: the number of Data-In PDUs the target sent.
    pub exp_data_sn: u32,
}

const RSP_BIDI_OVERFLOW: u8 = 0x10;
const RSP_BIDI_UNDERFLOW: u8 = 0x08;
const RSP_OVERFLOW: u8 = 0x04;
const RSP_UNDERFLOW: u8 = 0x02;
const OFF_RSP_SNACK_TAG: usize = 20;
const OFF_RSP_EXP_DATA_SN: usize = 36;
const OFF_RSP_BIDI_RESIDUAL: usize = 40;
const OFF_RSP_RESIDUAL: usize = 44;

impl ScsiResponse {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let (bidi_flag, bidi_count) = self
            .bidi_read_residual
            .to_flags(RSP_BIDI_OVERFLOW, RSP_BIDI_UNDERFLOW);
        let (res_flag, res_count) = self.residual.to_flags(RSP_OVERFLOW, RSP_UNDERFLOW);
        let flags = FINAL_BIT | bidi_flag | res_flag;
        let mut b = start(Opcode::ScsiResponse, false, flags, 0, self.data_len)?;
        put_u8::<OFF_RESPONSE>(&mut b, self.response.to_byte()?);
        put_u8::<OFF_STATUS>(&mut b, self.status);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_RSP_SNACK_TAG>(&mut b, self.snack_tag);
        self.sn.write(&mut b);
        put_be32::<OFF_RSP_EXP_DATA_SN>(&mut b, self.exp_data_sn);
        put_be32::<OFF_RSP_BIDI_RESIDUAL>(&mut b, bidi_count);
        put_be32::<OFF_RSP_RESIDUAL>(&mut b, res_count);
        Ok(b)
    }

    pub(super) fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let f = c.flags;
        Ok(ScsiResponse {
            response: ScsiResponseCode::from_byte(u8_at::<OFF_RESPONSE>(b))?,
            status: u8_at::<OFF_STATUS>(b),
            bidi_read_residual: Residual::from_flags(
                f & RSP_BIDI_OVERFLOW != 0,
                f & RSP_BIDI_UNDERFLOW != 0,
                be32_at::<OFF_RSP_BIDI_RESIDUAL>(b),
            )?,
            residual: Residual::from_flags(
                f & RSP_OVERFLOW != 0,
                f & RSP_UNDERFLOW != 0,
                be32_at::<OFF_RSP_RESIDUAL>(b),
            )?,
            data_len: c.data_len,
            itt: be32_at::<OFF_ITT>(b),
            snack_tag: be32_at::<OFF_RSP_SNACK_TAG>(b),
            sn: TargetSn::read(b),
            exp_data_sn: be32_at::<OFF_RSP_EXP_DATA_SN>(b),
        })
    }
}

/// The parts of a SCSI Response data segment (RFC 7143 11.4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseData<'a> {
    /// Sense data (SenseLength bytes; empty when none).
    pub sense: &'a [u8],
    /// Response data after the sense (vendor specific, usually empty).
    pub response: &'a [u8],
}

impl<'a> ResponseData<'a> {
    /// Splits a SCSI Response data segment (padding excluded): a 2-byte
    /// SenseLength, the sense data, then response data. An empty segment
    /// has neither.
    pub fn parse(data: &'a [u8]) -> Result<Self, PduError> {
        let Some((len, rest)) = data.split_first_chunk::<2>() else {
            return if data.is_empty() {
                Ok(ResponseData {
                    sense: &[],
                    response: &[],
                })
            } else {
                Err(PduError::Truncated)
            };
        };
        let sense_len = usize::from(u16::from_be_bytes(*len));
        if sense_len > rest.len() {
            return Err(PduError::Truncated);
        }
        let (sense, response) = rest.split_at(sense_len);
        Ok(ResponseData { sense, response })
    }
}

/// The status a Data-In carries when its S bit is set (phase collapse:
/// no SCSI Response follows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataInStatus {
    /// SCSI status (byte 3).
    pub status: u8,
    /// StatSN (only valid with S).
    pub stat_sn: u32,
    /// Residual (O/U bits and byte 44; only valid with S).
    pub residual: Residual,
}

/// SCSI Data-In (RFC 7143 11.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataIn {
    /// F bit: the last PDU of the sequence.
    pub final_bit: bool,
    /// A bit: the target asks for a DataACK SNACK (ErrorRecoveryLevel > 0).
    pub ack: bool,
    /// Present when the S bit is set.
    pub status: Option<DataInStatus>,
    /// Length of the data.
    pub data_len: u32,
    /// LUN (with the A bit), else reserved.
    pub lun: Lun,
    /// ITT of the command.
    pub itt: u32,
    /// TTT (with the A bit), else the reserved tag.
    pub ttt: u32,
    /// ExpCmdSN.
    pub exp_cmd_sn: u32,
    /// MaxCmdSN.
    pub max_cmd_sn: u32,
    /// DataSN.
    pub data_sn: u32,
    /// Offset of this data in the command's buffer.
    pub buffer_offset: u32,
}

const DATA_IN_ACK: u8 = 0x40;
const DATA_IN_OVERFLOW: u8 = 0x04;
const DATA_IN_UNDERFLOW: u8 = 0x02;
const DATA_IN_STATUS: u8 = 0x01;
const OFF_DATA_IN_RESIDUAL: usize = 44;

impl DataIn {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let (status_flags, residual) = match self.status {
            Some(s) => {
                if !self.final_bit {
                    return Err(PduError::Conflict(FlagConflict::StatusWithoutFinal));
                }
                let (bit, count) = s.residual.to_flags(DATA_IN_OVERFLOW, DATA_IN_UNDERFLOW);
                (DATA_IN_STATUS | bit, count)
            }
            None => (0, 0),
        };
        let flags = flag(self.final_bit, FINAL_BIT) | flag(self.ack, DATA_IN_ACK) | status_flags;
        let mut b = start(Opcode::DataIn, false, flags, 0, self.data_len)?;
        if let Some(s) = self.status {
            put_u8::<OFF_STATUS>(&mut b, s.status);
            put_be32::<OFF_STAT_SN>(&mut b, s.stat_sn);
        }
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        put_be32::<OFF_EXP_CMD_SN>(&mut b, self.exp_cmd_sn);
        put_be32::<OFF_MAX_CMD_SN>(&mut b, self.max_cmd_sn);
        put_be32::<OFF_DATA_SN>(&mut b, self.data_sn);
        put_be32::<OFF_DATA_BUFFER_OFFSET>(&mut b, self.buffer_offset);
        put_be32::<OFF_DATA_IN_RESIDUAL>(&mut b, residual);
        Ok(b)
    }

    pub(super) fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        let f = c.flags;
        let final_bit = f & FINAL_BIT != 0;
        // Status fields and the residual are reserved without S (RFC 7143
        // 11.7.3, 11.7.5), so they are read only with it.
        let status = if f & DATA_IN_STATUS != 0 {
            if !final_bit {
                return Err(PduError::Conflict(FlagConflict::StatusWithoutFinal));
            }
            Some(DataInStatus {
                status: u8_at::<OFF_STATUS>(b),
                stat_sn: be32_at::<OFF_STAT_SN>(b),
                residual: Residual::from_flags(
                    f & DATA_IN_OVERFLOW != 0,
                    f & DATA_IN_UNDERFLOW != 0,
                    be32_at::<OFF_DATA_IN_RESIDUAL>(b),
                )?,
            })
        } else {
            None
        };
        Ok(DataIn {
            final_bit,
            ack: f & DATA_IN_ACK != 0,
            status,
            data_len: c.data_len,
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            exp_cmd_sn: be32_at::<OFF_EXP_CMD_SN>(b),
            max_cmd_sn: be32_at::<OFF_MAX_CMD_SN>(b),
            data_sn: be32_at::<OFF_DATA_SN>(b),
            buffer_offset: be32_at::<OFF_DATA_BUFFER_OFFSET>(b),
        })
    }
}

/// Ready To Transfer (RFC 7143 11.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct R2t {
    /// LUN.
    pub lun: Lun,
    /// ITT of the command.
    pub itt: u32,
    /// TTT to put in the Data-Out PDUs answering it.
    pub ttt: u32,
    /// Sequence numbers (StatSN is the next one, not advanced).
    pub sn: TargetSn,
    /// R2TSN.
    pub r2t_sn: u32,
    /// Offset of the requested data in the command's buffer.
    pub buffer_offset: u32,
    /// Desired Data Transfer Length.
    pub desired_len: u32,
}

const OFF_R2T_SN: usize = 36;
const OFF_R2T_BUFFER_OFFSET: usize = 40;
const OFF_R2T_DESIRED_LEN: usize = 44;

impl R2t {
    /// Builds the BHS.
    pub fn encode(&self) -> Result<[u8; BHS_LEN], PduError> {
        let mut b = start(Opcode::R2t, false, FINAL_BIT, 0, 0)?;
        self.lun.write(&mut b);
        put_be32::<OFF_ITT>(&mut b, self.itt);
        put_be32::<OFF_TTT>(&mut b, self.ttt);
        self.sn.write(&mut b);
        put_be32::<OFF_R2T_SN>(&mut b, self.r2t_sn);
        put_be32::<OFF_R2T_BUFFER_OFFSET>(&mut b, self.buffer_offset);
        put_be32::<OFF_R2T_DESIRED_LEN>(&mut b, self.desired_len);
        Ok(b)
    }

    pub(super) fn decode(c: &CommonHeader, b: &[u8; BHS_LEN]) -> Result<Self, PduError> {
        no_ahs(c)?;
        no_data(c)?;
        Ok(R2t {
            lun: Lun::read(b),
            itt: be32_at::<OFF_ITT>(b),
            ttt: be32_at::<OFF_TTT>(b),
            sn: TargetSn::read(b),
            r2t_sn: be32_at::<OFF_R2T_SN>(b),
            buffer_offset: be32_at::<OFF_R2T_BUFFER_OFFSET>(b),
            desired_len: be32_at::<OFF_R2T_DESIRED_LEN>(b),
        })
    }
}
