// SPDX-License-Identifier: GPL-2.0

//! The error type shared by every MPI builder, decoder and state machine.

use crate::proto::le::ShortBuffer;

/// Why an MPI message could not be built, a reply could not be decoded, or
/// a doorbell handshake could not go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpiError {
    /// The frame (builders) or reply buffer (decoders) is too short.
    BufferTooSmall,
    /// A parameter is outside what the format can carry.
    InvalidParam,
    /// A DMA address is zero, misaligned, or has the wrong high half
    /// (request, reply and sense buffers share one upper dword each).
    BadAddress,
    /// The CDB is empty or longer than 16 bytes.
    InvalidCdb,
    /// A data transfer without any scatter-gather segment.
    NoSegments,
    /// More segments than fit the frame and its chain buffers.
    TooManySegments,
    /// A segment of zero length (QEMU rejects those without EOL/EOB).
    EmptySegment,
    /// A segment longer than an SGE's 24-bit length field.
    SegmentTooLong,
    /// The segments cover less than the data length; QEMU fails the
    /// request with INVALID_SGL.
    SglTooShort,
    /// The segment iterator yielded a different count than announced.
    SegmentCountMismatch,
    /// A reply is malformed: wrong function, impossible length or count.
    BadReply,
    /// A context, reply address or index is outside the driver's pools.
    BadIndex,
    /// The doorbell is already in use (ACTIVE): no handshake can start.
    DoorbellBusy,
    /// The IOC is in the FAULT state, with this fault code.
    IocFault(u16),
    /// A handshake step was requested out of order (driver bug).
    HandshakeOrder,
    /// The IOC answered with this (masked) IOCStatus instead of success.
    IocStatus(u16),
}

impl From<ShortBuffer> for MpiError {
    fn from(_: ShortBuffer) -> Self {
        MpiError::BufferTooSmall
    }
}
