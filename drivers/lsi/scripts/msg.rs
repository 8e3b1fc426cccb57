// SPDX-License-Identifier: GPL-2.0

//! SCSI messages (SPI message system) the initiator sends and parses:
//! builders for IDENTIFY, queue tags and the transfer agreement requests
//! (SDTR, WDTR, PPR), and a parser for message-in bytes.
//!
//! QEMU's `lsi53c895a` accepts IDENTIFY (LUN in bits 2:0), the three queue
//! tags, ABORT, ABORT TASK, CLEAR QUEUE, BUS DEVICE RESET, DISCONNECT and
//! NOP, and answers SDTR/WDTR/PPR by ignoring them (no MESSAGE REJECT, no
//! reply: transfers stay asynchronous and narrow). On reselection it sends
//! IDENTIFY 0x80 whatever the LUN, then SIMPLE QUEUE TAG for a tagged
//! command. Anything else it answers with MESSAGE REJECT.

/// COMMAND COMPLETE: the target is about to disconnect, status was sent.
pub const COMMAND_COMPLETE: u8 = 0x00;
/// First byte of an extended message.
pub const EXTENDED: u8 = 0x01;
/// SAVE DATA POINTER.
pub const SAVE_DATA_POINTER: u8 = 0x02;
/// RESTORE POINTERS.
pub const RESTORE_POINTERS: u8 = 0x03;
/// DISCONNECT: the target will disconnect and reselect later.
pub const DISCONNECT: u8 = 0x04;
/// INITIATOR DETECTED ERROR.
pub const INITIATOR_DETECTED_ERROR: u8 = 0x05;
/// ABORT (ABORT TASK SET): abort every task of this initiator on the
/// logical unit.
pub const ABORT: u8 = 0x06;
/// MESSAGE REJECT: the last message was not understood or not supported.
pub const MESSAGE_REJECT: u8 = 0x07;
/// NO OPERATION.
pub const NOP: u8 = 0x08;
/// MESSAGE PARITY ERROR.
pub const MESSAGE_PARITY_ERROR: u8 = 0x09;
/// LINKED COMMAND COMPLETE.
pub const LINKED_COMMAND_COMPLETE: u8 = 0x0a;
/// LINKED COMMAND COMPLETE (WITH FLAG).
pub const LINKED_COMMAND_COMPLETE_FLAG: u8 = 0x0b;
/// BUS DEVICE RESET (TARGET RESET): reset the whole target.
pub const BUS_DEVICE_RESET: u8 = 0x0c;
/// ABORT TAG (ABORT TASK): abort the task the queue tag names.
pub const ABORT_TAG: u8 = 0x0d;
/// CLEAR QUEUE (CLEAR TASK SET).
pub const CLEAR_QUEUE: u8 = 0x0e;
/// SIMPLE QUEUE TAG (two bytes: code, tag).
pub const SIMPLE_QUEUE_TAG: u8 = 0x20;
/// HEAD OF QUEUE TAG (two bytes).
pub const HEAD_OF_QUEUE_TAG: u8 = 0x21;
/// ORDERED QUEUE TAG (two bytes).
pub const ORDERED_QUEUE_TAG: u8 = 0x22;
/// IGNORE WIDE RESIDUE (two bytes: code, number of bytes to ignore).
pub const IGNORE_WIDE_RESIDUE: u8 = 0x23;
/// IDENTIFY: bit 7 of the byte.
pub const IDENTIFY: u8 = 0x80;
/// IDENTIFY: the initiator grants disconnect privilege.
pub const IDENTIFY_DISCONNECT: u8 = 0x40;
/// IDENTIFY: the LUN field as QEMU and Linux use it (SCSI-2, 3 bits).
pub const IDENTIFY_LUN_MASK: u8 = 0x07;

/// Extended message code: MODIFY DATA POINTER.
pub const EXT_MODIFY_DATA_POINTER: u8 = 0x00;
/// Extended message code: SYNCHRONOUS DATA TRANSFER REQUEST.
pub const EXT_SDTR: u8 = 0x01;
/// Extended message code: WIDE DATA TRANSFER REQUEST.
pub const EXT_WDTR: u8 = 0x03;
/// Extended message code: PARALLEL PROTOCOL REQUEST.
pub const EXT_PPR: u8 = 0x04;

/// PPR protocol option: information units.
pub const PPR_OPT_IU: u8 = 0x01;
/// PPR protocol option: double transition clocking.
pub const PPR_OPT_DT: u8 = 0x02;
/// PPR protocol option: quick arbitration and selection.
pub const PPR_OPT_QAS: u8 = 0x04;

/// WDTR/PPR transfer width exponent: 8 bits.
pub const WIDTH_8: u8 = 0;
/// WDTR/PPR transfer width exponent: 16 bits.
pub const WIDTH_16: u8 = 1;

/// IDENTIFY for `lun` (0..=7), granting disconnect privilege if
/// `disconnect`; `None` for a LUN IDENTIFY cannot carry (QEMU decodes
/// only bits 2:0, so LUN 8 would address LUN 0).
pub const fn identify(lun: u8, disconnect: bool) -> Option<u8> {
    if lun > IDENTIFY_LUN_MASK {
        return None;
    }
    let dp = if disconnect { IDENTIFY_DISCONNECT } else { 0 };
    Some(IDENTIFY | dp | lun)
}

/// The queue tag message types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagType {
    /// SIMPLE QUEUE TAG: the target may reorder.
    Simple,
    /// HEAD OF QUEUE TAG.
    HeadOfQueue,
    /// ORDERED QUEUE TAG.
    Ordered,
}

impl TagType {
    /// The message code.
    pub const fn code(self) -> u8 {
        match self {
            TagType::Simple => SIMPLE_QUEUE_TAG,
            TagType::HeadOfQueue => HEAD_OF_QUEUE_TAG,
            TagType::Ordered => ORDERED_QUEUE_TAG,
        }
    }
}

/// A queue tag message.
pub const fn queue_tag(kind: TagType, tag: u8) -> [u8; 2] {
    [kind.code(), tag]
}

/// SDTR: transfer period factor `period` and REQ/ACK offset `offset`
/// (offset 0 asks for asynchronous transfers).
pub const fn sdtr(period: u8, offset: u8) -> [u8; 5] {
    [EXTENDED, 3, EXT_SDTR, period, offset]
}

/// WDTR: transfer width exponent `width` ([`WIDTH_8`], [`WIDTH_16`]).
pub const fn wdtr(width: u8) -> [u8; 4] {
    [EXTENDED, 2, EXT_WDTR, width]
}

/// PPR: period factor, offset, width exponent and `PPR_OPT_*` options.
pub const fn ppr(period: u8, offset: u8, width: u8, options: u8) -> [u8; 8] {
    [EXTENDED, 6, EXT_PPR, period, 0, offset, width, options]
}

/// A parsed extended message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extended {
    /// MODIFY DATA POINTER by a signed byte count.
    ModifyDataPointer(i32),
    /// SDTR.
    Sdtr {
        /// Transfer period factor.
        period: u8,
        /// REQ/ACK offset (0: asynchronous).
        offset: u8,
    },
    /// WDTR.
    Wdtr {
        /// Transfer width exponent.
        width: u8,
    },
    /// PPR.
    Ppr {
        /// Transfer period factor.
        period: u8,
        /// REQ/ACK offset.
        offset: u8,
        /// Transfer width exponent.
        width: u8,
        /// `PPR_OPT_*` bits.
        options: u8,
    },
    /// Another extended message (answer MESSAGE REJECT).
    Other {
        /// Extended message code.
        code: u8,
    },
}

/// A parsed message-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// COMMAND COMPLETE.
    CommandComplete,
    /// An extended message.
    Extended(Extended),
    /// SAVE DATA POINTER.
    SaveDataPointer,
    /// RESTORE POINTERS.
    RestorePointers,
    /// DISCONNECT.
    Disconnect,
    /// MESSAGE REJECT.
    MessageReject,
    /// NO OPERATION.
    Nop,
    /// LINKED COMMAND COMPLETE, with or without flag.
    LinkedCommandComplete {
        /// The WITH FLAG variant.
        flag: bool,
    },
    /// A queue tag (reselection of a tagged command).
    QueueTag {
        /// Tag message type.
        kind: TagType,
        /// The tag.
        tag: u8,
    },
    /// IGNORE WIDE RESIDUE of `count` bytes.
    IgnoreWideResidue {
        /// Bytes of the last wide transfer to ignore (1 in practice).
        count: u8,
    },
    /// IDENTIFY (reselection).
    Identify {
        /// LUN (bits 2:0).
        lun: u8,
        /// Disconnect privilege bit.
        disconnect: bool,
    },
    /// Another one-byte message.
    Other(u8),
    /// Another two-byte message (codes 0x24..=0x2f).
    OtherTwoByte(u8, u8),
}

/// Why message bytes could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgError {
    /// More bytes are needed: the message is `needed` bytes long.
    Truncated {
        /// Total length of the message.
        needed: usize,
    },
    /// [`parse_extended`] was given another kind of message.
    NotExtended,
    /// An extended message whose length byte does not fit its code.
    BadLength {
        /// Extended message code.
        code: u8,
        /// Length byte (bytes after it).
        len: usize,
    },
}

/// Total length of the message starting at `buf[0]`, knowing only its
/// first byte or, for an extended message, its first two: what SCRIPTS
/// still have to read. `Truncated` asks for more bytes.
pub fn length(buf: &[u8]) -> Result<usize, MsgError> {
    let Some(&code) = buf.first() else {
        return Err(MsgError::Truncated { needed: 1 });
    };
    match code {
        EXTENDED => match buf.get(1) {
            // A length byte of 0 means 256 bytes follow.
            Some(0) => Ok(2 + 256),
            Some(&n) => Ok(2 + usize::from(n)),
            None => Err(MsgError::Truncated { needed: 2 }),
        },
        0x20..=0x2f => Ok(2),
        _ => Ok(1),
    }
}

/// Parses the extended message at the start of `buf` (`EXTENDED`, length,
/// code, arguments); returns it and its length. Known codes must have
/// their exact length.
pub fn parse_extended(buf: &[u8]) -> Result<(Extended, usize), MsgError> {
    match buf.first() {
        Some(&EXTENDED) => {}
        Some(_) => return Err(MsgError::NotExtended),
        None => return Err(MsgError::Truncated { needed: 1 }),
    }
    let total = length(buf)?;
    let body = buf
        .get(2..total)
        .ok_or(MsgError::Truncated { needed: total })?;
    // The length byte is at least 1 (0 means 256), so a code is there.
    let Some((&code, args)) = body.split_first() else {
        return Err(MsgError::Truncated { needed: 3 });
    };
    let bad = Err(MsgError::BadLength {
        code,
        len: body.len(),
    });
    let msg = match (code, args) {
        (EXT_MODIFY_DATA_POINTER, &[a, b, c, d]) => {
            Extended::ModifyDataPointer(i32::from_be_bytes([a, b, c, d]))
        }
        (EXT_SDTR, &[period, offset]) => Extended::Sdtr { period, offset },
        (EXT_WDTR, &[width]) => Extended::Wdtr { width },
        (EXT_PPR, &[period, _, offset, width, options]) => Extended::Ppr {
            period,
            offset,
            width,
            options,
        },
        (EXT_MODIFY_DATA_POINTER | EXT_SDTR | EXT_WDTR | EXT_PPR, _) => return bad,
        _ => Extended::Other { code },
    };
    Ok((msg, total))
}

/// Parses the message at the start of `buf`; returns it and its length,
/// so a buffer of several messages can be walked.
pub fn parse(buf: &[u8]) -> Result<(Message, usize), MsgError> {
    let len = length(buf)?;
    let Some(&code) = buf.first() else {
        return Err(MsgError::Truncated { needed: 1 });
    };
    if code == EXTENDED {
        let (ext, len) = parse_extended(buf)?;
        return Ok((Message::Extended(ext), len));
    }
    if len == 2 {
        let Some(&arg) = buf.get(1) else {
            return Err(MsgError::Truncated { needed: 2 });
        };
        let msg = match code {
            SIMPLE_QUEUE_TAG => Message::QueueTag {
                kind: TagType::Simple,
                tag: arg,
            },
            HEAD_OF_QUEUE_TAG => Message::QueueTag {
                kind: TagType::HeadOfQueue,
                tag: arg,
            },
            ORDERED_QUEUE_TAG => Message::QueueTag {
                kind: TagType::Ordered,
                tag: arg,
            },
            IGNORE_WIDE_RESIDUE => Message::IgnoreWideResidue { count: arg },
            _ => Message::OtherTwoByte(code, arg),
        };
        return Ok((msg, 2));
    }
    let msg = match code {
        COMMAND_COMPLETE => Message::CommandComplete,
        SAVE_DATA_POINTER => Message::SaveDataPointer,
        RESTORE_POINTERS => Message::RestorePointers,
        DISCONNECT => Message::Disconnect,
        MESSAGE_REJECT => Message::MessageReject,
        NOP => Message::Nop,
        LINKED_COMMAND_COMPLETE => Message::LinkedCommandComplete { flag: false },
        LINKED_COMMAND_COMPLETE_FLAG => Message::LinkedCommandComplete { flag: true },
        c if c & IDENTIFY != 0 => Message::Identify {
            lun: c & IDENTIFY_LUN_MASK,
            disconnect: c & IDENTIFY_DISCONNECT != 0,
        },
        c => Message::Other(c),
    };
    Ok((msg, 1))
}
