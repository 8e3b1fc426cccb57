// SPDX-License-Identifier: GPL-2.0

//! Framing of the PDU being received: where its header ends (read first,
//! its digest checked before anything else in it is believed), where its
//! data, padding and data digest lie, and the digest checks.

use super::crc::KernelCrc;
use super::pdu::{
    bhs::bhs_of,
    digest::digest,
    segment::{Digests, PduLayout, DIGEST_LEN},
    CommonHeader, PduError, BHS_LEN,
};

/// Where the parts of the PDU being received end, from its BHS.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    /// BHS, AHS and header digest.
    pub(crate) header: usize,
    /// The data segment (without padding).
    pub(crate) data_end: usize,
    /// The data digest, after the padding.
    pub(crate) digest_at: usize,
    pub(crate) total: usize,
}

/// Where the header of the PDU being received into `buf` (`have` bytes
/// so far) ends: the BHS until it is in, then with its AHS and header
/// digest.
pub(crate) fn header_end(buf: &[u8], have: usize, digests: Digests) -> usize {
    let Ok(bhs) = bhs_of(buf) else {
        return BHS_LEN;
    };
    if have < BHS_LEN {
        return BHS_LEN;
    }
    // TotalAHSLength is byte 4, in words: at most 1020 bytes, which the
    // buffer always has room for.
    let ahs = bhs.get(4).map_or(0, |&w| usize::from(w) * 4);
    let digest = if digests.header { DIGEST_LEN } else { 0 };
    BHS_LEN + ahs + digest
}

/// The frame of the PDU whose header (ending at `header`) is in `buf`;
/// a data segment longer than `max_recv` (our MaxRecvDataSegmentLength)
/// or a PDU longer than `buf` is the target's error.
pub(crate) fn frame(
    buf: &[u8],
    header: usize,
    digests: Digests,
    max_recv: u32,
) -> Result<Frame, PduError> {
    let bhs = bhs_of(buf)?;
    let common = CommonHeader::parse(bhs)?;
    if common.data_len > max_recv {
        return Err(PduError::DataSegmentTooLong);
    }
    let l = PduLayout::new(&common, digests)?;
    let too_long = PduError::DataSegmentTooLong;
    if l.header_len() != Some(header) {
        return Err(too_long);
    }
    let frame = Frame {
        header,
        data_end: header.checked_add(l.data_len).ok_or(too_long)?,
        digest_at: l.data_digest_offset().ok_or(too_long)?,
        total: l.total_len().ok_or(too_long)?,
    };
    if frame.total > buf.len() {
        return Err(too_long);
    }
    Ok(frame)
}

/// Whether the header digest (when on) matches the header in `buf`, which
/// ends at `header`.
pub(crate) fn header_digest_ok(buf: &[u8], header: usize, digests: Digests) -> bool {
    if !digests.header {
        return true;
    }
    let at = header.saturating_sub(DIGEST_LEN);
    match (buf.get(..at), buf.get(at..header)) {
        (Some(hdr), Some(wire)) => digest::<KernelCrc>(hdr) == wire,
        _ => false,
    }
}

/// Whether the data digest (when present) matches the data segment and
/// padding of the whole PDU in `buf`.
pub(crate) fn data_digest_ok(buf: &[u8], l: &Frame) -> bool {
    if l.total == l.digest_at {
        return true;
    }
    match (
        buf.get(l.header..l.digest_at),
        buf.get(l.digest_at..l.total),
    ) {
        (Some(segment), Some(wire)) => digest::<KernelCrc>(segment) == wire,
        _ => false,
    }
}
