// SPDX-License-Identifier: GPL-2.0

//! iSCSI PDU codec (RFC 7143): the 48-byte Basic Header Segment of every
//! PDU an initiator sends ([`request`]) or receives ([`response`]), the
//! Additional Header Segments ([`ahs`]), PDU framing with padding and
//! optional digests ([`segment`]) computed with [`digest`], the key=value text of Login and Text
//! PDUs ([`text`]) with the operational keys the initiator negotiates
//! ([`keys`]), and serial number arithmetic for the sequence numbers
//! ([`serial`]).
//!
//! Pure logic only (`core`, no allocation, no panics on hostile input), so
//! the kernel initiator and the host tests share it. Everything on the
//! wire is big-endian.
//!
//! Typical receive flow:
//! 1. read [`BHS_LEN`] bytes, get the [`CommonHeader`] and its
//!    [`segment::PduLayout`] for the negotiated [`segment::Digests`], then
//!    read the rest of the header and the data segment;
//! 2. decode the BHS with [`TargetPdu::decode`], feed its ExpCmdSN and
//!    MaxCmdSN to [`serial::CmdWindow::update`];
//! 3. for Login and Text responses, parse the data with [`text::pairs`]
//!    and [`keys::Operational::parse`].
//!
//! Sending: fill a request struct, [`InitiatorPdu::encode`] it (AHS for a
//! long CDB from [`ahs::AhsWriter`]), and pad the data segment to
//! [`segment::padded_len`].

pub mod ahs;
pub mod bhs;
pub mod digest;
pub mod error;
mod field;
pub mod keys;
pub mod request;
pub mod response;
pub mod segment;
pub mod serial;
pub mod text;

pub use bhs::{CommonHeader, Lun, Opcode, BHS_LEN, RESERVED_TAG};
pub use error::{Field, FlagConflict, PduError};
pub use request::InitiatorPdu;
pub use response::TargetPdu;
