// SPDX-License-Identifier: GPL-2.0

//! EVENT_NOTIFICATION (`lsi/mpi_ioc.h`: `MSG_EVENT_NOTIFY`,
//! `MSG_EVENT_NOTIFY_REPLY`).
//!
//! QEMU answers the request once with an EVENT_CHANGE event and never
//! sends another event: no discovery, link or hot-plug events, so the
//! topology is learnt by reading configuration pages. EVENT_ACK faults
//! QEMU's IOC; QEMU never sets AckRequired.

use super::msg::REQUEST_HEADER_SIZE;
use super::msg::{self, ReplyHeader, FUNC_EVENT_NOTIFICATION, MSGFLAGS_CONTINUATION_REPLY};
use super::MpiError;
use crate::proto::le::{le16, le32, put_u8, u8_at};

/// EVENT_NOTIFICATION request size (3 dwords).
pub const EVENT_NOTIFY_SIZE: usize = REQUEST_HEADER_SIZE;
/// Reply offset of the first event data dword.
pub const OFF_EVENT_DATA: usize = 0x1c;
/// Event: event notification state changed (data 0: on/off).
pub const EVENT_EVENT_CHANGE: u32 = 0x0a;
/// Event: SAS device status change (real hardware only).
pub const EVENT_SAS_DEVICE_STATUS_CHANGE: u32 = 0x0f;
/// Event: SAS discovery (real hardware only).
pub const EVENT_SAS_DISCOVERY: u32 = 0x16;

/// Builds EVENT_NOTIFICATION, switching events on or off.
pub fn build_event_notification(
    frame: &mut [u8],
    context: u32,
    on: bool,
) -> Result<usize, MpiError> {
    msg::begin(frame, EVENT_NOTIFY_SIZE, FUNC_EVENT_NOTIFICATION, context)?;
    put_u8(frame, 0x00, u8::from(on))?;
    Ok(EVENT_NOTIFY_SIZE)
}

/// An event notification reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventReply {
    /// The request's context (events sent later carry it too).
    pub msg_context: u32,
    /// Event code (`EVENT_*`).
    pub event: u32,
    /// Event context, to echo in an acknowledgement.
    pub event_context: u32,
    /// The IOC wants an EVENT_ACK (never set by QEMU).
    pub ack_required: bool,
    /// More reply frames follow.
    pub continuation: bool,
    /// Event data dwords present in the reply buffer (the count the IOC
    /// claimed, bounded by the reply length and the buffer).
    pub data_dwords: usize,
}

impl EventReply {
    /// Parses an event notification reply.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        let h = ReplyHeader::expect(reply, FUNC_EVENT_NOTIFICATION, OFF_EVENT_DATA)?;
        h.check_success()?;
        let claimed = usize::from(le16(reply, 0x00).ok_or(MpiError::BufferTooSmall)?);
        let room = core::cmp::min(h.len(), reply.len()).saturating_sub(OFF_EVENT_DATA) / 4;
        Ok(EventReply {
            msg_context: h.msg_context,
            event: le32(reply, 0x14).ok_or(MpiError::BufferTooSmall)?,
            event_context: le32(reply, 0x18).ok_or(MpiError::BufferTooSmall)?,
            ack_required: u8_at(reply, 0x06).ok_or(MpiError::BufferTooSmall)? != 0,
            continuation: h.msg_flags & MSGFLAGS_CONTINUATION_REPLY != 0,
            data_dwords: core::cmp::min(claimed, room),
        })
    }

    /// Event data dword `i`, if present.
    pub fn data(&self, reply: &[u8], i: usize) -> Option<u32> {
        if i >= self.data_dwords {
            return None;
        }
        le32(reply, OFF_EVENT_DATA.checked_add(i.checked_mul(4)?)?)
    }
}
