// SPDX-License-Identifier: GPL-2.0

//! Sense data validation (SPC-5 4.4): fixed (response codes 70h/71h) and
//! descriptor (72h/73h) format, possibly cut short by a small `mx_sb_len`.

use std::fmt;

/// ILLEGAL REQUEST, the key whose sense-key specific bytes are a field
/// pointer.
pub const ILLEGAL_REQUEST: u8 = 0x5;

/// Names of the sense keys (SPC-5 table 49).
pub const KEY_NAMES: [&str; 16] = [
    "NO SENSE",
    "RECOVERED ERROR",
    "NOT READY",
    "MEDIUM ERROR",
    "HARDWARE ERROR",
    "ILLEGAL REQUEST",
    "UNIT ATTENTION",
    "DATA PROTECT",
    "BLANK CHECK",
    "VENDOR SPECIFIC",
    "COPY ABORTED",
    "ABORTED COMMAND",
    "key 0xC (obsolete)",
    "VOLUME OVERFLOW",
    "MISCOMPARE",
    "COMPLETED",
];

/// The largest sense data: 8 header bytes and an ADDITIONAL SENSE LENGTH
/// of at most 244 (SPC-5 4.4.1).
const MAX_ADDITIONAL: u8 = 244;

/// A field pointer from the sense-key specific bytes (SKSV set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldPointer {
    /// C/D: the field is in the CDB (else in the parameter data).
    pub in_cdb: bool,
    /// Byte number.
    pub byte: u16,
    /// Bit number, when BPV is set.
    pub bit: Option<u8>,
}

/// What the sense data says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenseInfo {
    /// Descriptor format (72h/73h) rather than fixed.
    pub descriptor: bool,
    /// A deferred error (71h/73h).
    pub deferred: bool,
    /// SENSE KEY, when the bytes holding it were written.
    pub key: Option<u8>,
    /// ADDITIONAL SENSE CODE and qualifier, when written.
    pub asc: Option<(u8, u8)>,
    /// Field pointer of an ILLEGAL REQUEST, when given.
    pub field: Option<FieldPointer>,
}

/// Why sense data is not well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenseError {
    /// No byte written.
    Empty,
    /// RESPONSE CODE is not 70h..73h.
    ResponseCode(u8),
    /// ADDITIONAL SENSE LENGTH above 244.
    TooLong(u8),
    /// More bytes written than 8 + ADDITIONAL SENSE LENGTH.
    WrittenPastLength { written: usize, length: usize },
    /// Reserved bits set (byte number, value).
    Reserved { byte: usize, value: u8 },
    /// A descriptor does not fit in the ADDITIONAL SENSE LENGTH.
    DescriptorOverrun { offset: usize, end: usize },
    /// A descriptor of a known type with the wrong ADDITIONAL LENGTH.
    DescriptorLength { kind: u8, len: u8, want: u8 },
}

impl fmt::Display for SenseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SenseError::Empty => write!(f, "no sense byte written"),
            SenseError::ResponseCode(c) => write!(f, "response code {c:#04x} is not 70h..73h"),
            SenseError::TooLong(n) => write!(f, "additional sense length {n} is above 244"),
            SenseError::WrittenPastLength { written, length } => write!(
                f,
                "{written} sense bytes written but the sense data is {length} bytes"
            ),
            SenseError::Reserved { byte, value } => {
                write!(f, "reserved bits set in sense byte {byte} ({value:#04x})")
            }
            SenseError::DescriptorOverrun { offset, end } => write!(
                f,
                "sense descriptor at byte {offset} runs past the sense data's end ({end})"
            ),
            SenseError::DescriptorLength { kind, len, want } => write!(
                f,
                "sense descriptor type {kind:#04x} has additional length {len}, not {want}"
            ),
        }
    }
}

/// ADDITIONAL LENGTH of the descriptor types with a fixed size (SPC-5
/// 4.4.2: information, command-specific information, sense-key specific,
/// field replaceable unit, stream commands, block commands, another
/// progress indication).
fn descriptor_len(kind: u8) -> Option<u8> {
    match kind {
        0x00 | 0x01 => Some(0x0A),
        0x02 | 0x0A => Some(0x06),
        0x03..=0x05 => Some(0x02),
        _ => None,
    }
}

/// The field pointer in three sense-key specific bytes, if SKSV is set.
fn field_pointer(sks: &[u8]) -> Option<FieldPointer> {
    let [b0, b1, b2] = *sks else { return None };
    (b0 & 0x80 != 0).then(|| FieldPointer {
        in_cdb: b0 & 0x40 != 0,
        byte: u16::from_be_bytes([b1, b2]),
        bit: (b0 & 0x08 != 0).then_some(b0 & 0x07),
    })
}

/// Checks sense data as written (`sb_len_wr` bytes) and says what it holds.
pub fn parse(sense: &[u8]) -> Result<SenseInfo, SenseError> {
    let &b0 = sense.first().ok_or(SenseError::Empty)?;
    let code = b0 & 0x7F;
    if !(0x70..=0x73).contains(&code) {
        return Err(SenseError::ResponseCode(code));
    }
    let descriptor = code >= 0x72;
    // The sense data's own length, when its length byte was written.
    let length = match sense.get(7) {
        Some(&n) if n > MAX_ADDITIONAL => return Err(SenseError::TooLong(n)),
        Some(&n) => Some(8 + usize::from(n)),
        None => None,
    };
    if let Some(length) = length {
        if sense.len() > length {
            return Err(SenseError::WrittenPastLength {
                written: sense.len(),
                length,
            });
        }
    }
    // What was written of the sense data.
    let avail = sense;
    let mut info = SenseInfo {
        descriptor,
        deferred: code & 1 != 0,
        key: None,
        asc: None,
        field: None,
    };
    if descriptor {
        if let Some(&b1) = avail.get(1) {
            if b1 & 0xF0 != 0 {
                return Err(SenseError::Reserved { byte: 1, value: b1 });
            }
            info.key = Some(b1 & 0x0F);
        }
        if let (Some(&asc), Some(&ascq)) = (avail.get(2), avail.get(3)) {
            info.asc = Some((asc, ascq));
        }
        for byte in [5, 6] {
            match avail.get(byte) {
                Some(&value) if value != 0 => return Err(SenseError::Reserved { byte, value }),
                _ => {}
            }
        }
        let Some(end) = length else { return Ok(info) };
        let mut off = 8;
        while off < end {
            // A descriptor header cut by the declared length is malformed;
            // one cut by the buffer (mx_sb_len) just is not all there.
            let (Some(&kind), Some(&len)) = (avail.get(off), avail.get(off + 1)) else {
                if off + 2 > end {
                    return Err(SenseError::DescriptorOverrun { offset: off, end });
                }
                break;
            };
            let next = off + 2 + usize::from(len);
            if next > end {
                return Err(SenseError::DescriptorOverrun { offset: off, end });
            }
            if let Some(want) = descriptor_len(kind) {
                if len != want {
                    return Err(SenseError::DescriptorLength { kind, len, want });
                }
            }
            if kind == 0x02 && info.key == Some(ILLEGAL_REQUEST) {
                info.field = avail.get(off + 4..off + 7).and_then(field_pointer);
            }
            off = next;
        }
    } else {
        if let Some(&b2) = avail.get(2) {
            info.key = Some(b2 & 0x0F);
        }
        let within = |i: usize| length.is_some_and(|l| i < l);
        if let (Some(&asc), Some(&ascq)) = (avail.get(12), avail.get(13)) {
            if within(13) {
                info.asc = Some((asc, ascq));
            }
        }
        if info.key == Some(ILLEGAL_REQUEST) && within(17) {
            info.field = avail.get(15..18).and_then(field_pointer);
        }
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed sense: ILLEGAL REQUEST, INVALID FIELD IN CDB, field pointer
    /// byte 2 bit 7 of the CDB.
    fn fixed() -> Vec<u8> {
        vec![
            0x70,
            0,
            0x05,
            0,
            0,
            0,
            0,
            10,
            0,
            0,
            0,
            0,
            0x24,
            0x00,
            0,
            0xC8 | 7,
            0,
            2,
        ]
    }

    /// Descriptor sense: the same, with a sense-key specific descriptor.
    fn descriptor() -> Vec<u8> {
        vec![
            0x72,
            0x05,
            0x24,
            0x00,
            0,
            0,
            0,
            8, // header
            0x02,
            0x06,
            0,
            0,
            0xC8 | 7,
            0,
            2,
            0, // sense-key specific
        ]
    }

    #[test]
    fn accepts_fixed_sense() {
        let i = parse(&fixed()).unwrap();
        assert!(!i.descriptor && !i.deferred);
        assert_eq!(i.key, Some(ILLEGAL_REQUEST));
        assert_eq!(i.asc, Some((0x24, 0)));
        assert_eq!(
            i.field,
            Some(FieldPointer {
                in_cdb: true,
                byte: 2,
                bit: Some(7)
            })
        );
    }

    #[test]
    fn accepts_descriptor_sense() {
        let i = parse(&descriptor()).unwrap();
        assert!(i.descriptor);
        assert_eq!(i.key, Some(ILLEGAL_REQUEST));
        assert_eq!(i.asc, Some((0x24, 0)));
        assert_eq!(i.field.map(|f| (f.in_cdb, f.byte)), Some((true, 2)));
        // With an information descriptor before it, and deferred.
        let mut d = descriptor();
        d[0] = 0x73;
        d[7] += 12;
        d.extend_from_slice(&[0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34]);
        assert!(parse(&d).unwrap().deferred);
    }

    #[test]
    fn accepts_sense_cut_short_by_the_buffer() {
        for n in 1..fixed().len() {
            assert!(parse(&fixed()[..n]).is_ok(), "fixed cut at {n}");
        }
        for n in 1..descriptor().len() {
            assert!(parse(&descriptor()[..n]).is_ok(), "descriptor cut at {n}");
        }
        // The key is known once byte 2 (fixed) or 1 (descriptor) is there.
        assert_eq!(parse(&fixed()[..3]).unwrap().key, Some(ILLEGAL_REQUEST));
        assert_eq!(
            parse(&descriptor()[..2]).unwrap().key,
            Some(ILLEGAL_REQUEST)
        );
    }

    #[test]
    fn refuses_a_bad_response_code() {
        assert_eq!(parse(&[]), Err(SenseError::Empty));
        let mut s = fixed();
        s[0] = 0x00;
        assert_eq!(parse(&s), Err(SenseError::ResponseCode(0)));
        s[0] = 0x7F;
        assert_eq!(parse(&s), Err(SenseError::ResponseCode(0x7F)));
        // The VALID bit is not part of the code.
        s[0] = 0xF0;
        assert!(parse(&s).is_ok());
    }

    #[test]
    fn refuses_inconsistent_lengths() {
        let mut s = fixed();
        s[7] = 4; // 12 bytes of sense data, 18 written
        assert_eq!(
            parse(&s),
            Err(SenseError::WrittenPastLength {
                written: 18,
                length: 12
            })
        );
        s[7] = 245;
        assert_eq!(parse(&s), Err(SenseError::TooLong(245)));
    }

    #[test]
    fn refuses_a_descriptor_past_the_end() {
        let mut d = descriptor();
        d[9] = 0x20; // the descriptor claims 32 bytes
        assert_eq!(
            parse(&d),
            Err(SenseError::DescriptorOverrun { offset: 8, end: 16 })
        );
        // A header byte cut by the declared length.
        let mut d = descriptor();
        d[7] = 9;
        d.truncate(17);
        d[9] = 0x06;
        assert!(matches!(
            parse(&d),
            Err(SenseError::DescriptorOverrun { .. } | SenseError::WrittenPastLength { .. })
        ));
        let mut d = descriptor();
        d.truncate(8);
        d[7] = 1;
        d.push(0x02);
        assert_eq!(
            parse(&d),
            Err(SenseError::DescriptorOverrun { offset: 8, end: 9 })
        );
    }

    #[test]
    fn refuses_wrong_descriptor_lengths_and_reserved_bits() {
        let mut d = descriptor();
        d[9] = 0x04;
        d[7] = 6;
        d.truncate(14);
        assert_eq!(
            parse(&d),
            Err(SenseError::DescriptorLength {
                kind: 2,
                len: 4,
                want: 6
            })
        );
        let mut d = descriptor();
        d[1] |= 0x30;
        assert_eq!(
            parse(&d),
            Err(SenseError::Reserved {
                byte: 1,
                value: 0x35
            })
        );
    }
}
