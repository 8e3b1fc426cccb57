// SPDX-License-Identifier: GPL-2.0

//! Additional Header Segments (RFC 7143 11.2.2): walking and validating
//! the AHS area, and the two AHS an initiator sends with a SCSI Command,
//! the extended CDB (CDBs over 16 bytes) and the expected bidirectional
//! read data length.
//!
//! Each AHS is AHSLength (2 bytes, big-endian), AHSType (1 byte) and
//! AHSLength bytes of AHS-specific data, padded to 4 bytes. AHSLength
//! counts neither the first three bytes nor the padding.

use super::error::{Field, PduError};
use super::segment::padded_len;

/// AHSType of the extended CDB AHS.
pub const AHS_TYPE_EXTENDED_CDB: u8 = 1;
/// AHSType of the expected bidirectional read data length AHS.
pub const AHS_TYPE_BIDI_READ_LENGTH: u8 = 2;
/// CDB bytes that fit the BHS.
pub const BHS_CDB_LEN: usize = 16;
/// Longest CDB the codec builds an AHS for (SCSI's variable-length CDB
/// maximum, as Linux's `SCSI_MAX_VARLEN_CDB_SIZE`).
pub const MAX_CDB_LEN: usize = 260;
/// Largest AHS area: TotalAHSLength is a count of 4-byte words in a byte.
pub const MAX_AHS_LEN: usize = 255 * 4;

/// AHSLength, AHSType and the reserved byte before the AHS-specific data
/// of both initiator AHS.
const AHS_HEADER_LEN: usize = 3;

/// One AHS of an AHS area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ahs<'a> {
    /// AHSType.
    pub kind: u8,
    /// The AHS-specific bytes (AHSLength of them, padding excluded).
    pub specific: &'a [u8],
}

/// Iterates over the AHS in an AHS area (TotalAHSLength * 4 bytes).
///
/// Yields an error, then stops, when an AHS runs past the area.
pub struct AhsIter<'a> {
    rest: &'a [u8],
}

impl<'a> AhsIter<'a> {
    /// Walks `area`.
    pub fn new(area: &'a [u8]) -> Self {
        AhsIter { rest: area }
    }

    fn take(&mut self) -> Result<Ahs<'a>, PduError> {
        let head = self.rest.get(..AHS_HEADER_LEN).ok_or(PduError::BadAhs)?;
        let (len_bytes, kind) = match head {
            [hi, lo, kind] => ([*hi, *lo], *kind),
            _ => return Err(PduError::BadAhs),
        };
        let specific_len = usize::from(u16::from_be_bytes(len_bytes));
        let end = AHS_HEADER_LEN
            .checked_add(specific_len)
            .ok_or(PduError::BadAhs)?;
        let specific = self.rest.get(AHS_HEADER_LEN..end).ok_or(PduError::BadAhs)?;
        let padded_end = padded_len(end).ok_or(PduError::BadAhs)?;
        // The last AHS's padding must lie inside the area too.
        self.rest = self.rest.get(padded_end..).ok_or(PduError::BadAhs)?;
        Ok(Ahs { kind, specific })
    }
}

impl<'a> Iterator for AhsIter<'a> {
    type Item = Result<Ahs<'a>, PduError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let item = self.take();
        if item.is_err() {
            self.rest = &[];
        }
        Some(item)
    }
}

/// What the AHS of a SCSI Command say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandAhs<'a> {
    /// CDB bytes beyond the first 16 (the extended CDB AHS, its reserved
    /// byte removed, padding excluded).
    pub extended_cdb: Option<&'a [u8]>,
    /// Expected bidirectional read data length.
    pub bidi_read_length: Option<u32>,
}

impl<'a> CommandAhs<'a> {
    /// Parses the AHS area of a SCSI Command. Each AHS may appear once;
    /// reserved types are a protocol error, vendor types (64 and up) are
    /// skipped.
    pub fn parse(area: &'a [u8]) -> Result<Self, PduError> {
        let mut out = CommandAhs::default();
        for ahs in AhsIter::new(area) {
            let ahs = ahs?;
            match ahs.kind {
                AHS_TYPE_EXTENDED_CDB => {
                    // A reserved byte, then at least one CDB byte.
                    let cdb = match ahs.specific {
                        [_reserved, cdb @ ..] if !cdb.is_empty() => cdb,
                        _ => return Err(PduError::BadAhs),
                    };
                    if out.extended_cdb.replace(cdb).is_some() {
                        return Err(PduError::BadAhs);
                    }
                }
                AHS_TYPE_BIDI_READ_LENGTH => {
                    let len = match ahs.specific {
                        [_reserved, a, b, c, d] => u32::from_be_bytes([*a, *b, *c, *d]),
                        _ => return Err(PduError::BadAhs),
                    };
                    if out.bidi_read_length.replace(len).is_some() {
                        return Err(PduError::BadAhs);
                    }
                }
                0 | 3..=63 => return Err(PduError::ReservedValue(Field::AhsType)),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Splits a CDB into the 16 BHS bytes (zero-padded) and the rest, which
/// goes into an extended CDB AHS when not empty.
pub fn split_cdb(cdb: &[u8]) -> Result<([u8; BHS_CDB_LEN], &[u8]), PduError> {
    if cdb.is_empty() || cdb.len() > MAX_CDB_LEN {
        return Err(PduError::BadCdbLength);
    }
    let (head, rest) = cdb.split_at(cdb.len().min(BHS_CDB_LEN));
    let mut bhs_cdb = [0u8; BHS_CDB_LEN];
    if let Some(dst) = bhs_cdb.get_mut(..head.len()) {
        dst.copy_from_slice(head);
    }
    Ok((bhs_cdb, rest))
}

/// Sequential AHS writer into a caller buffer, checking space and the
/// 255-word limit.
pub struct AhsWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> AhsWriter<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        AhsWriter { buf, len: 0 }
    }

    fn push(&mut self, kind: u8, specific: &[&[u8]]) -> Result<(), PduError> {
        let specific_len = specific
            .iter()
            .try_fold(0usize, |acc, part| acc.checked_add(part.len()))
            .ok_or(PduError::BadAhs)?;
        let ahs_length = u16::try_from(specific_len).map_err(|_| PduError::BadAhs)?;
        let unpadded = AHS_HEADER_LEN
            .checked_add(specific_len)
            .ok_or(PduError::BadAhs)?;
        let padded = padded_len(unpadded).ok_or(PduError::BadAhs)?;
        let end = self.len.checked_add(padded).ok_or(PduError::BadAhs)?;
        if end > MAX_AHS_LEN {
            return Err(PduError::BadAhs);
        }
        let dst = self.buf.get_mut(self.len..end).ok_or(PduError::Truncated)?;
        dst.fill(0);
        let mut at = 0usize;
        for part in core::iter::once(&ahs_length.to_be_bytes()[..])
            .chain(core::iter::once(&[kind][..]))
            .chain(specific.iter().copied())
        {
            let next = at.checked_add(part.len()).ok_or(PduError::BadAhs)?;
            dst.get_mut(at..next)
                .ok_or(PduError::BadAhs)?
                .copy_from_slice(part);
            at = next;
        }
        self.len = end;
        Ok(())
    }

    /// Adds the extended CDB AHS for `rest`, the CDB bytes beyond the 16
    /// in the BHS (see [`split_cdb`]); does nothing when `rest` is empty.
    pub fn extended_cdb(&mut self, rest: &[u8]) -> Result<(), PduError> {
        if rest.is_empty() {
            return Ok(());
        }
        if rest.len() > MAX_CDB_LEN - BHS_CDB_LEN {
            return Err(PduError::BadCdbLength);
        }
        self.push(AHS_TYPE_EXTENDED_CDB, &[&[0], rest])
    }

    /// Adds the expected bidirectional read data length AHS.
    pub fn bidi_read_length(&mut self, len: u32) -> Result<(), PduError> {
        // AHSLength 5: the reserved byte and the length.
        self.push(AHS_TYPE_BIDI_READ_LENGTH, &[&[0], &len.to_be_bytes()])
    }

    /// Bytes written (a multiple of 4).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no AHS was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// TotalAHSLength for the BHS (the written length in 4-byte words).
    pub fn total_ahs_words(&self) -> u8 {
        // `push` keeps len a multiple of 4 and at most 1020.
        u8::try_from(self.len / 4).unwrap_or(u8::MAX)
    }
}
