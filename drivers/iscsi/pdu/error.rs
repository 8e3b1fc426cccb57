// SPDX-License-Identifier: GPL-2.0

//! The error types of the PDU codec.

/// A field holding a value RFC 7143 reserves (receiving one is a protocol
/// error) or one the codec cannot represent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// SCSI Command ATTR (5 to 7 are reserved).
    TaskAttribute,
    /// Task Management Request function (0 and 9 to 127 are reserved).
    TmfFunction,
    /// Task Management Response code.
    TmfResponse,
    /// Login CSG or NSG (2 is reserved).
    LoginStage,
    /// Logout Request reason code.
    LogoutReason,
    /// Logout Response code.
    LogoutResponse,
    /// SCSI Response code (2 to 0x7f are reserved).
    ScsiResponse,
    /// Asynchronous Message AsyncEvent.
    AsyncEvent,
    /// SNACK type.
    SnackType,
    /// AHS type (0 and 3 to 63 are reserved).
    AhsType,
}

/// Two flags (or a flag and a field) that RFC 7143 forbids together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagConflict {
    /// Login: T (transit) and C (continue) both set.
    TransitWithContinue,
    /// Text: F (final) and C (continue) both set.
    FinalWithContinue,
    /// Data-In: S (status) set without F (final).
    StatusWithoutFinal,
    /// SCSI Response or Data-In: overflow and underflow both set.
    OverflowAndUnderflow,
}

/// Why a PDU header could not be built or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PduError {
    /// Fewer bytes than the structure needs (BHS, AHS, or segment).
    Truncated,
    /// An opcode RFC 7143 does not define (vendor-specific included: the
    /// initiator supports none).
    UnknownOpcode(u8),
    /// A defined opcode that the other side sends (a target opcode handed
    /// to the initiator-PDU decoder, or the reverse).
    WrongSender(u8),
    /// TotalAHSLength is not zero on a PDU that defines no AHS.
    UnexpectedAhs,
    /// DataSegmentLength is not zero on a PDU that carries no data.
    UnexpectedData,
    /// A reserved value in a defined field.
    ReservedValue(Field),
    /// Flags that must not be set together.
    Conflict(FlagConflict),
    /// A data segment length that does not fit the 24-bit field.
    DataSegmentTooLong,
    /// AHS that do not fit TotalAHSLength (at most 255 words), or a
    /// malformed AHS chain.
    BadAhs,
    /// A CDB that is empty or longer than an extended CDB AHS can carry.
    BadCdbLength,
}
