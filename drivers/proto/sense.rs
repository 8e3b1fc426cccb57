// SPDX-License-Identifier: GPL-2.0

//! Sense data: keys, additional sense codes, builders and a parser.
//!
//! Builders emit current-error sense (0x70 fixed, 0x72 descriptor); the
//! parser accepts current and deferred errors in both formats, like the
//! kernel's `scsi_normalize_sense`.

use super::wire::{be16, be32, be64, Out};

/// SPC-4 sense key (4 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SenseKey {
    /// No specific sense key information.
    NoSense = 0x0,
    /// Command succeeded after recovery action.
    RecoveredError = 0x1,
    /// Logical unit not accessible.
    NotReady = 0x2,
    /// Unrecovered medium error.
    MediumError = 0x3,
    /// Non-recoverable hardware failure.
    HardwareError = 0x4,
    /// Illegal CDB or parameter data.
    IllegalRequest = 0x5,
    /// Unit attention condition (reset, parameter change...).
    UnitAttention = 0x6,
    /// Access to the data is blocked (write protect...).
    DataProtect = 0x7,
    /// Blank medium or format-defined end of data.
    BlankCheck = 0x8,
    /// Vendor specific.
    VendorSpecific = 0x9,
    /// EXTENDED COPY aborted.
    CopyAborted = 0xA,
    /// Device server aborted the command.
    AbortedCommand = 0xB,
    /// Obsolete (formerly EQUAL).
    Obsolete = 0xC,
    /// Buffered device reached end of partition.
    VolumeOverflow = 0xD,
    /// Source data did not match the medium.
    Miscompare = 0xE,
    /// Completed (SPC-5), reserved in SPC-4.
    Completed = 0xF,
}

impl SenseKey {
    /// Maps the low 4 bits of `v` to a key (total: every value maps).
    pub const fn from_u8(v: u8) -> SenseKey {
        match v & 0x0F {
            0x0 => SenseKey::NoSense,
            0x1 => SenseKey::RecoveredError,
            0x2 => SenseKey::NotReady,
            0x3 => SenseKey::MediumError,
            0x4 => SenseKey::HardwareError,
            0x5 => SenseKey::IllegalRequest,
            0x6 => SenseKey::UnitAttention,
            0x7 => SenseKey::DataProtect,
            0x8 => SenseKey::BlankCheck,
            0x9 => SenseKey::VendorSpecific,
            0xA => SenseKey::CopyAborted,
            0xB => SenseKey::AbortedCommand,
            0xC => SenseKey::Obsolete,
            0xD => SenseKey::VolumeOverflow,
            0xE => SenseKey::Miscompare,
            _ => SenseKey::Completed,
        }
    }
}

/// An ADDITIONAL SENSE CODE / QUALIFIER pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AscAscq {
    /// ADDITIONAL SENSE CODE.
    pub asc: u8,
    /// ADDITIONAL SENSE CODE QUALIFIER.
    pub ascq: u8,
}

impl AscAscq {
    /// Builds a pair.
    pub const fn new(asc: u8, ascq: u8) -> Self {
        AscAscq { asc, ascq }
    }
}

/// 00/00 NO ADDITIONAL SENSE INFORMATION.
pub const NO_ADDITIONAL_SENSE: AscAscq = AscAscq::new(0x00, 0x00);
/// 04/02 LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED.
pub const LUN_NOT_READY_INIT_REQUIRED: AscAscq = AscAscq::new(0x04, 0x02);
/// 0C/00 WRITE ERROR.
pub const WRITE_ERROR: AscAscq = AscAscq::new(0x0C, 0x00);
/// 11/00 UNRECOVERED READ ERROR.
pub const UNRECOVERED_READ_ERROR: AscAscq = AscAscq::new(0x11, 0x00);
/// 1A/00 PARAMETER LIST LENGTH ERROR.
pub const PARAMETER_LIST_LENGTH_ERROR: AscAscq = AscAscq::new(0x1A, 0x00);
/// 1D/00 MISCOMPARE DURING VERIFY OPERATION.
pub const MISCOMPARE_DURING_VERIFY: AscAscq = AscAscq::new(0x1D, 0x00);
/// 20/00 INVALID COMMAND OPERATION CODE.
pub const INVALID_COMMAND_OPCODE: AscAscq = AscAscq::new(0x20, 0x00);
/// 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE.
pub const LBA_OUT_OF_RANGE: AscAscq = AscAscq::new(0x21, 0x00);
/// 24/00 INVALID FIELD IN CDB.
pub const INVALID_FIELD_IN_CDB: AscAscq = AscAscq::new(0x24, 0x00);
/// 25/00 LOGICAL UNIT NOT SUPPORTED.
pub const LUN_NOT_SUPPORTED: AscAscq = AscAscq::new(0x25, 0x00);
/// 26/00 INVALID FIELD IN PARAMETER LIST.
pub const INVALID_FIELD_IN_PARAM_LIST: AscAscq = AscAscq::new(0x26, 0x00);
/// 27/07 SPACE ALLOCATION FAILED WRITE PROTECT (thin pool exhausted on write).
pub const SPACE_ALLOCATION_FAILED: AscAscq = AscAscq::new(0x27, 0x07);
/// 29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
pub const POWER_ON_RESET: AscAscq = AscAscq::new(0x29, 0x00);
/// 29/01 POWER ON OCCURRED.
pub const POWER_ON_OCCURRED: AscAscq = AscAscq::new(0x29, 0x01);
/// 2A/01 MODE PARAMETERS CHANGED.
pub const MODE_PARAMETERS_CHANGED: AscAscq = AscAscq::new(0x2A, 0x01);
/// 2F/00 COMMANDS CLEARED BY ANOTHER INITIATOR.
pub const COMMANDS_CLEARED_BY_ANOTHER_INITIATOR: AscAscq = AscAscq::new(0x2F, 0x00);
/// 2F/02 COMMANDS CLEARED BY DEVICE SERVER.
pub const COMMANDS_CLEARED_BY_DEVICE_SERVER: AscAscq = AscAscq::new(0x2F, 0x02);
/// 39/00 SAVING PARAMETERS NOT SUPPORTED.
pub const SAVING_PARAMETERS_NOT_SUPPORTED: AscAscq = AscAscq::new(0x39, 0x00);
/// 3F/0E REPORTED LUNS DATA HAS CHANGED.
pub const REPORTED_LUNS_DATA_CHANGED: AscAscq = AscAscq::new(0x3F, 0x0E);
/// 44/00 INTERNAL TARGET FAILURE.
pub const INTERNAL_TARGET_FAILURE: AscAscq = AscAscq::new(0x44, 0x00);
/// 55/03 INSUFFICIENT RESOURCES.
pub const INSUFFICIENT_RESOURCES: AscAscq = AscAscq::new(0x55, 0x03);

/// Length of fixed-format sense data produced by [`Sense::write_fixed`].
pub const FIXED_SENSE_LEN: usize = 18;
/// Largest descriptor-format sense produced by [`Sense::write_descriptor`].
pub const MAX_DESCRIPTOR_SENSE_LEN: usize = 8 + 12 + 8;

/// Sense-key-specific field pointer (ILLEGAL REQUEST only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldPointer {
    /// True: the bad field is in the CDB (C/D=1); false: in the parameter list.
    pub in_cdb: bool,
    /// Byte offset of the bad field.
    pub byte: u16,
    /// Bit of the most significant bit of the field, when known (0..=7).
    pub bit: Option<u8>,
}

/// A sense condition, independent of its on-wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sense {
    /// SENSE KEY.
    pub key: SenseKey,
    /// ADDITIONAL SENSE CODE.
    pub asc: u8,
    /// ADDITIONAL SENSE CODE QUALIFIER.
    pub ascq: u8,
    /// INFORMATION field (e.g. first failing LBA).
    pub info: Option<u64>,
    /// Sense-key-specific field pointer.
    pub field: Option<FieldPointer>,
}

impl Sense {
    /// Sense with `key` and `code`, no information or field pointer.
    pub const fn new(key: SenseKey, code: AscAscq) -> Self {
        Sense {
            key,
            asc: code.asc,
            ascq: code.ascq,
            info: None,
            field: None,
        }
    }

    /// ILLEGAL REQUEST with `code` and no field pointer.
    pub const fn illegal(code: AscAscq) -> Self {
        Sense::new(SenseKey::IllegalRequest, code)
    }

    /// ILLEGAL REQUEST / INVALID FIELD IN CDB pointing at `byte` (and `bit`).
    pub const fn invalid_cdb_field(byte: u16, bit: Option<u8>) -> Self {
        Sense::illegal(INVALID_FIELD_IN_CDB).with_field(true, byte, bit)
    }

    /// ILLEGAL REQUEST / INVALID FIELD IN PARAMETER LIST at `byte` (and `bit`).
    pub const fn invalid_param_field(byte: u16, bit: Option<u8>) -> Self {
        Sense::illegal(INVALID_FIELD_IN_PARAM_LIST).with_field(false, byte, bit)
    }

    /// Returns `self` with a field pointer attached.
    pub const fn with_field(mut self, in_cdb: bool, byte: u16, bit: Option<u8>) -> Self {
        self.field = Some(FieldPointer { in_cdb, byte, bit });
        self
    }

    /// Returns `self` with an INFORMATION field.
    pub const fn with_info(mut self, info: u64) -> Self {
        self.info = Some(info);
        self
    }

    /// The ASC/ASCQ pair.
    pub const fn code(&self) -> AscAscq {
        AscAscq::new(self.asc, self.ascq)
    }

    /// The 3 sense-key-specific bytes, when a field pointer is present.
    fn sks_bytes(&self) -> Option<[u8; 3]> {
        let f = self.field?;
        let mut b0 = 0x80u8; // SKSV
        if f.in_cdb {
            b0 |= 0x40;
        }
        if let Some(bit) = f.bit {
            b0 |= 0x08 | (bit & 0x07); // BPV + bit pointer
        }
        let p = f.byte.to_be_bytes();
        Some([b0, p[0], p[1]])
    }

    /// Writes fixed-format (0x70) sense into `buf`; returns bytes written
    /// (at most [`FIXED_SENSE_LEN`], less if `buf` is shorter).
    pub fn write_fixed(&self, buf: &mut [u8]) -> usize {
        let mut o = Out::new(buf);
        // Fixed format holds only 32 bits of INFORMATION; VALID stays 0 when
        // the value does not fit rather than reporting a truncated LBA.
        let info32 = self.info.and_then(|i| u32::try_from(i).ok());
        o.u8(if info32.is_some() { 0xF0 } else { 0x70 });
        o.u8(0); // obsolete
        o.u8(self.key as u8);
        o.be32(info32.unwrap_or(0));
        o.u8((FIXED_SENSE_LEN - 8) as u8); // additional sense length
        o.be32(0); // command-specific information
        o.u8(self.asc);
        o.u8(self.ascq);
        o.u8(0); // FRU code
        o.bytes(&self.sks_bytes().unwrap_or([0; 3]));
        o.written()
    }

    /// Full length of the descriptor-format encoding.
    pub fn descriptor_len(&self) -> usize {
        let info = if self.info.is_some() { 12 } else { 0 };
        let sks = if self.field.is_some() { 8 } else { 0 };
        8usize.saturating_add(info).saturating_add(sks)
    }

    /// Writes descriptor-format (0x72) sense with an information descriptor
    /// and a sense-key-specific descriptor when present; returns bytes written.
    pub fn write_descriptor(&self, buf: &mut [u8]) -> usize {
        let mut o = Out::new(buf);
        o.u8(0x72);
        o.u8(self.key as u8);
        o.u8(self.asc);
        o.u8(self.ascq);
        o.zeros(3);
        o.u8(self.descriptor_len().saturating_sub(8) as u8);
        if let Some(info) = self.info {
            o.bytes(&[0x00, 0x0A, 0x80, 0x00]); // type 0, VALID
            o.be64(info);
        }
        if let Some(sks) = self.sks_bytes() {
            o.bytes(&[0x02, 0x06, 0x00, 0x00]);
            o.bytes(&sks);
            o.u8(0);
        }
        o.written()
    }

    /// Writes descriptor format when `desc`, fixed format otherwise.
    pub fn write(&self, desc: bool, buf: &mut [u8]) -> usize {
        if desc {
            self.write_descriptor(buf)
        } else {
            self.write_fixed(buf)
        }
    }
}

/// Result of [`parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedSense {
    /// RESPONSE CODE (0x70..=0x73).
    pub response_code: u8,
    /// Decoded key/codes/info/field pointer.
    pub sense: Sense,
}

impl ParsedSense {
    /// True for descriptor format (0x72/0x73).
    pub fn is_descriptor(&self) -> bool {
        self.response_code >= 0x72
    }

    /// True for deferred errors (0x71/0x73).
    pub fn is_deferred(&self) -> bool {
        self.response_code & 1 == 1
    }
}

/// Decodes sense-key-specific bytes into a field pointer when SKSV is set.
fn field_from_sks(key: SenseKey, sks: [u8; 3]) -> Option<FieldPointer> {
    // Only ILLEGAL REQUEST carries a field pointer; other keys reuse the
    // bytes for progress indication etc.
    if key != SenseKey::IllegalRequest || sks[0] & 0x80 == 0 {
        return None;
    }
    Some(FieldPointer {
        in_cdb: sks[0] & 0x40 != 0,
        byte: u16::from_be_bytes([sks[1], sks[2]]),
        bit: if sks[0] & 0x08 != 0 {
            Some(sks[0] & 0x07)
        } else {
            None
        },
    })
}

/// Parses fixed or descriptor sense data; `None` when `buf` does not hold
/// a recognised response code. Fields beyond the (additional-length bounded)
/// buffer read as zero/absent, as with `scsi_normalize_sense`.
pub fn parse(buf: &[u8]) -> Option<ParsedSense> {
    let rc = buf.first()? & 0x7F;
    match rc {
        0x70 | 0x71 => {
            let mut len = buf.len();
            if let Some(&add) = buf.get(7) {
                len = core::cmp::min(len, usize::from(add) + 8);
            }
            let b = buf.get(..len)?;
            let at = |i: usize| b.get(i).copied().unwrap_or(0);
            let key = SenseKey::from_u8(at(2));
            let info = if at(0) & 0x80 != 0 {
                be32(b, 3).map(u64::from)
            } else {
                None
            };
            let sks = if b.len() >= 18 {
                field_from_sks(key, [at(15), at(16), at(17)])
            } else {
                None
            };
            Some(ParsedSense {
                response_code: rc,
                sense: Sense {
                    key,
                    asc: at(12),
                    ascq: at(13),
                    info,
                    field: sks,
                },
            })
        }
        0x72 | 0x73 => {
            let mut len = buf.len();
            if let Some(&add) = buf.get(7) {
                len = core::cmp::min(len, usize::from(add) + 8);
            }
            let b = buf.get(..len)?;
            let at = |i: usize| b.get(i).copied().unwrap_or(0);
            let key = SenseKey::from_u8(at(1));
            let mut sense = Sense {
                key,
                asc: at(2),
                ascq: at(3),
                info: None,
                field: None,
            };
            let mut off = 8usize;
            // Walk descriptors; each is 2 header bytes + ADDITIONAL LENGTH.
            while let (Some(&ty), Some(&dl)) = (b.get(off), b.get(off.saturating_add(1))) {
                let end = off.saturating_add(2).saturating_add(usize::from(dl));
                let Some(d) = b.get(off..end) else { break };
                match ty {
                    0x00 if d.len() >= 12 && d.get(2).is_some_and(|v| v & 0x80 != 0) => {
                        sense.info = be64(d, 4);
                    }
                    0x02 if d.len() >= 7 => {
                        if let (Some(&a), Some(p)) = (d.get(4), be16(d, 5)) {
                            let pb = p.to_be_bytes();
                            sense.field = field_from_sks(key, [a, pb[0], pb[1]]);
                        }
                    }
                    _ => {}
                }
                off = end;
            }
            Some(ParsedSense {
                response_code: rc,
                sense,
            })
        }
        _ => None,
    }
}
