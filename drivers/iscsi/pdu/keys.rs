// SPDX-License-Identifier: GPL-2.0

//! Typed values of the operational keys the initiator negotiates
//! (RFC 7143 section 13), their number and boolean syntax, and the
//! special answers a negotiation can get instead of a value.

use super::text::{Pair, TextError, TextWriter};

/// Largest data segment and burst length (2^24 - 1).
pub const MAX_LENGTH: u32 = 0x00ff_ffff;
/// Smallest MaxRecvDataSegmentLength, FirstBurstLength and
/// MaxBurstLength.
pub const MIN_LENGTH: u32 = 512;
/// Largest DefaultTime2Wait and DefaultTime2Retain (seconds).
pub const MAX_TIME2: u16 = 3600;

/// A value that answers a negotiation without offering one (RFC 7143
/// section 6, text negotiation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialValue {
    /// The offered value was not acceptable.
    Reject,
    /// The key does not apply in this negotiation.
    Irrelevant,
    /// The key is not known to the other side.
    NotUnderstood,
}

impl SpecialValue {
    /// Recognizes a special value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "Reject" => Some(SpecialValue::Reject),
            "Irrelevant" => Some(SpecialValue::Irrelevant),
            "NotUnderstood" => Some(SpecialValue::NotUnderstood),
            _ => None,
        }
    }
}

/// Parses a boolean-value (`Yes` or `No`).
pub fn parse_bool(value: &str) -> Result<bool, TextError> {
    match value {
        "Yes" => Ok(true),
        "No" => Ok(false),
        _ => Err(TextError::BadBoolean),
    }
}

fn accumulate(digits: &[u8], radix: u32) -> Result<u64, TextError> {
    if digits.is_empty() {
        return Err(TextError::BadNumber);
    }
    digits.iter().try_fold(0u64, |acc, &c| {
        let digit = char::from(c).to_digit(radix).ok_or(TextError::BadNumber)?;
        acc.checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(digit)))
            .ok_or(TextError::BadNumber)
    })
}

/// Parses a regular numerical value: a decimal constant (no leading
/// zero) or a hexadecimal constant (`0x`/`0X`). Base64 constants (`0b`)
/// are refused: no key the initiator negotiates uses them in practice.
pub fn parse_number(value: &str) -> Result<u64, TextError> {
    match value.as_bytes() {
        [b'0', b'x' | b'X', hex @ ..] => accumulate(hex, 16),
        [b'0'] => Ok(0),
        [b'0', ..] => Err(TextError::BadNumber),
        decimal => accumulate(decimal, 10),
    }
}

fn number_in(value: &str, min: u64, max: u64) -> Result<u64, TextError> {
    let n = parse_number(value)?;
    if n < min || n > max {
        return Err(TextError::OutOfRange);
    }
    Ok(n)
}

fn u32_in(value: &str, min: u32, max: u32) -> Result<u32, TextError> {
    let n = number_in(value, u64::from(min), u64::from(max))?;
    u32::try_from(n).map_err(|_| TextError::OutOfRange)
}

fn u16_in(value: &str, min: u16, max: u16) -> Result<u16, TextError> {
    let n = number_in(value, u64::from(min), u64::from(max))?;
    u16::try_from(n).map_err(|_| TextError::OutOfRange)
}

/// An operational key with its typed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operational {
    /// MaxRecvDataSegmentLength (declarative, per direction; 512 to
    /// 2^24 - 1).
    MaxRecvDataSegmentLength(u32),
    /// FirstBurstLength (512 to 2^24 - 1).
    FirstBurstLength(u32),
    /// MaxBurstLength (512 to 2^24 - 1).
    MaxBurstLength(u32),
    /// ImmediateData.
    ImmediateData(bool),
    /// InitialR2T.
    InitialR2T(bool),
    /// MaxOutstandingR2T (1 to 65535).
    MaxOutstandingR2T(u16),
    /// DataPDUInOrder.
    DataPduInOrder(bool),
    /// DataSequenceInOrder.
    DataSequenceInOrder(bool),
    /// ErrorRecoveryLevel (0 to 2).
    ErrorRecoveryLevel(u8),
    /// DefaultTime2Wait in seconds (0 to 3600).
    DefaultTime2Wait(u16),
    /// DefaultTime2Retain in seconds (0 to 3600).
    DefaultTime2Retain(u16),
}

/// What a negotiated pair says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negotiated<'a> {
    /// An operational key with a valid value.
    Value(Operational),
    /// An answer without a value, to any key.
    Special {
        /// The key answered.
        key: &'a str,
        /// The answer.
        answer: SpecialValue,
    },
    /// A key this module does not type (AuthMethod, TargetName, ...).
    Other(Pair<'a>),
}

impl Operational {
    /// The key name.
    pub fn key(&self) -> &'static str {
        match self {
            Operational::MaxRecvDataSegmentLength(_) => "MaxRecvDataSegmentLength",
            Operational::FirstBurstLength(_) => "FirstBurstLength",
            Operational::MaxBurstLength(_) => "MaxBurstLength",
            Operational::ImmediateData(_) => "ImmediateData",
            Operational::InitialR2T(_) => "InitialR2T",
            Operational::MaxOutstandingR2T(_) => "MaxOutstandingR2T",
            Operational::DataPduInOrder(_) => "DataPDUInOrder",
            Operational::DataSequenceInOrder(_) => "DataSequenceInOrder",
            Operational::ErrorRecoveryLevel(_) => "ErrorRecoveryLevel",
            Operational::DefaultTime2Wait(_) => "DefaultTime2Wait",
            Operational::DefaultTime2Retain(_) => "DefaultTime2Retain",
        }
    }

    /// Types a pair: `Ok(None)` for a key this enum does not cover, an
    /// error for a covered key with a malformed or out-of-range value.
    pub fn parse(key: &str, value: &str) -> Result<Option<Self>, TextError> {
        use Operational as O;
        let parsed = match key {
            "MaxRecvDataSegmentLength" => {
                O::MaxRecvDataSegmentLength(u32_in(value, MIN_LENGTH, MAX_LENGTH)?)
            }
            "FirstBurstLength" => O::FirstBurstLength(u32_in(value, MIN_LENGTH, MAX_LENGTH)?),
            "MaxBurstLength" => O::MaxBurstLength(u32_in(value, MIN_LENGTH, MAX_LENGTH)?),
            "ImmediateData" => O::ImmediateData(parse_bool(value)?),
            "InitialR2T" => O::InitialR2T(parse_bool(value)?),
            "MaxOutstandingR2T" => O::MaxOutstandingR2T(u16_in(value, 1, u16::MAX)?),
            "DataPDUInOrder" => O::DataPduInOrder(parse_bool(value)?),
            "DataSequenceInOrder" => O::DataSequenceInOrder(parse_bool(value)?),
            "ErrorRecoveryLevel" => {
                let level = number_in(value, 0, 2)?;
                O::ErrorRecoveryLevel(u8::try_from(level).map_err(|_| TextError::OutOfRange)?)
            }
            "DefaultTime2Wait" => O::DefaultTime2Wait(u16_in(value, 0, MAX_TIME2)?),
            "DefaultTime2Retain" => O::DefaultTime2Retain(u16_in(value, 0, MAX_TIME2)?),
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }

    /// Appends `key=value` to `out`; values outside the key's range are
    /// refused so the initiator never offers what the target must reject.
    pub fn write(&self, out: &mut TextWriter<'_>) -> Result<(), TextError> {
        let key = self.key();
        let check = |n: u64, min: u64, max: u64| {
            if (min..=max).contains(&n) {
                Ok(n)
            } else {
                Err(TextError::OutOfRange)
            }
        };
        let (min_len, max_len) = (u64::from(MIN_LENGTH), u64::from(MAX_LENGTH));
        match *self {
            Operational::MaxRecvDataSegmentLength(n)
            | Operational::FirstBurstLength(n)
            | Operational::MaxBurstLength(n) => {
                out.push_number(key, check(u64::from(n), min_len, max_len)?)
            }
            Operational::MaxOutstandingR2T(n) => {
                out.push_number(key, check(u64::from(n), 1, u64::from(u16::MAX))?)
            }
            Operational::ErrorRecoveryLevel(n) => out.push_number(key, check(u64::from(n), 0, 2)?),
            Operational::DefaultTime2Wait(n) | Operational::DefaultTime2Retain(n) => {
                out.push_number(key, check(u64::from(n), 0, u64::from(MAX_TIME2))?)
            }
            Operational::ImmediateData(b)
            | Operational::InitialR2T(b)
            | Operational::DataPduInOrder(b)
            | Operational::DataSequenceInOrder(b) => out.push_bool(key, b),
        }
    }
}

/// Classifies a parsed pair: a special answer, a typed operational value,
/// or a key left to the caller.
pub fn negotiated(pair: Pair<'_>) -> Result<Negotiated<'_>, TextError> {
    if let Some(answer) = SpecialValue::parse(pair.value) {
        return Ok(Negotiated::Special {
            key: pair.key,
            answer,
        });
    }
    Ok(match Operational::parse(pair.key, pair.value)? {
        Some(op) => Negotiated::Value(op),
        None => Negotiated::Other(pair),
    })
}
