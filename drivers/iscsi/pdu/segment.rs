// SPDX-License-Identifier: GPL-2.0

//! PDU framing: the 4-byte padding of AHS and data segments, and the
//! layout of a whole PDU with or without header and data digests.
//!
//! Digests are negotiated at login (HeaderDigest, DataDigest); the layout
//! takes the outcome as [`Digests`] so the receive path can size each read
//! before any digest code exists. A data digest is present only when the
//! data segment is not empty (RFC 7143 11.2).

use super::bhs::{CommonHeader, BHS_LEN};
use super::error::PduError;

/// Size of a CRC32C digest on the wire.
pub const DIGEST_LEN: usize = 4;

/// Bytes of zero padding after a segment of `len` bytes (0 to 3).
pub fn pad_len(len: usize) -> usize {
    // (-len) mod 4, without a subtraction that could underflow.
    len.wrapping_neg() & 3
}

/// `len` rounded up to a multiple of 4, or `None` on overflow.
pub fn padded_len(len: usize) -> Option<usize> {
    len.checked_add(pad_len(len))
}

/// Which digests the connection negotiated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Digests {
    /// HeaderDigest=CRC32C: 4 bytes after the BHS and AHS.
    pub header: bool,
    /// DataDigest=CRC32C: 4 bytes after a non-empty, padded data segment.
    pub data: bool,
}

/// Where each part of a PDU lies, counted from the first BHS byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PduLayout {
    /// AHS bytes (TotalAHSLength * 4).
    pub ahs_len: usize,
    /// Header digest bytes (0 or 4).
    pub header_digest_len: usize,
    /// DataSegmentLength.
    pub data_len: usize,
    /// Padding after the data segment (0 to 3).
    pub data_pad_len: usize,
    /// Data digest bytes (0 or 4).
    pub data_digest_len: usize,
}

impl PduLayout {
    /// The layout of the PDU whose common header is `common`.
    pub fn new(common: &CommonHeader, digests: Digests) -> Result<Self, PduError> {
        let data_len =
            usize::try_from(common.data_len).map_err(|_| PduError::DataSegmentTooLong)?;
        let with_data = data_len != 0;
        Ok(PduLayout {
            ahs_len: usize::from(common.ahs_words) * 4,
            header_digest_len: if digests.header { DIGEST_LEN } else { 0 },
            data_len,
            data_pad_len: pad_len(data_len),
            data_digest_len: if digests.data && with_data {
                DIGEST_LEN
            } else {
                0
            },
        })
    }

    /// Offset of the first AHS byte.
    pub fn ahs_offset(&self) -> usize {
        BHS_LEN
    }

    /// Offset of the header digest (the bytes it covers end here).
    pub fn header_digest_offset(&self) -> Option<usize> {
        BHS_LEN.checked_add(self.ahs_len)
    }

    /// Bytes from the BHS to the end of the header digest: the first read.
    pub fn header_len(&self) -> Option<usize> {
        self.header_digest_offset()?
            .checked_add(self.header_digest_len)
    }

    /// Offset of the first data byte.
    pub fn data_offset(&self) -> Option<usize> {
        self.header_len()
    }

    /// Offset of the data digest (after the padding).
    pub fn data_digest_offset(&self) -> Option<usize> {
        self.data_offset()?
            .checked_add(self.data_len)?
            .checked_add(self.data_pad_len)
    }

    /// Length of the whole PDU on the wire.
    pub fn total_len(&self) -> Option<usize> {
        self.data_digest_offset()?.checked_add(self.data_digest_len)
    }
}
