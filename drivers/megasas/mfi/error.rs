// SPDX-License-Identifier: GPL-2.0

//! The error type shared by every MFI builder and decoder.

/// Why an MFI frame could not be built or a reply could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MfiError {
    /// The frame buffer (builders) or reply buffer (decoders) is shorter
    /// than the format needs.
    BufferTooSmall,
    /// CDB length is 0 or above 16 bytes.
    InvalidCdb,
    /// A data-carrying frame was given no scatter-gather entry.
    NoSge,
    /// More scatter-gather entries than the limit (firmware maximum,
    /// caller limit, or what fits in the frame).
    TooManySge,
    /// A scatter-gather entry has a zero address or zero length; QEMU
    /// rejects the whole frame for it.
    EmptySge,
    /// The scatter-gather entries add up to less than the frame's data
    /// length; QEMU fails such a frame.
    SglTooShort,
    /// A DMA address is zero or not aligned as the format requires.
    BadAddress,
    /// A count in a reply does not fit the format or the buffer.
    BadCount,
    /// A reply-ring index or context is out of range.
    BadIndex,
    /// Some other parameter is out of the range the format can carry.
    InvalidParam,
}

impl From<crate::proto::le::ShortBuffer> for MfiError {
    fn from(_: crate::proto::le::ShortBuffer) -> Self {
        MfiError::BufferTooSmall
    }
}
