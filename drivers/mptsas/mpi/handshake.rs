// SPDX-License-Identifier: GPL-2.0

//! The doorbell handshake as a state machine: the driver performs each
//! [`Action`] on the registers and calls [`Handshake::step`] again.
//!
//! Sequence (Linux `mpt_handshake_req_reply_wait`, QEMU
//! `mptsas_doorbell_write`/`_read`): clear HIS; write the handshake word;
//! wait for the doorbell interrupt; clear HIS; then each message dword
//! followed by a wait for the IOC to take it; then the reply, one 16-bit
//! word per doorbell read, each after a doorbell interrupt and followed by
//! a HIS write; a last interrupt wait and HIS write leave the doorbell idle.
//! The reply length is known from word 1 (MsgLength, in dwords).
//!
//! Once the reply starts, every word is read even if the reply is bad or
//! longer than the caller's buffer: QEMU keeps its doorbell in the reply
//! state until the last word, and a reset in that state crashes it.

use super::regs::{self, Doorbell, IocState};
use super::MpiError;
use crate::proto::le::{put_le16, u8_at};

/// One register operation for the driver to perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write 0 to HOST_INTERRUPT_STATUS.
    ClearHis,
    /// Write this value to DOORBELL.
    WriteDoorbell(u32),
    /// Poll HOST_INTERRUPT_STATUS until [`regs::HIS_DOORBELL`] is set
    /// (timeout: give up and reset the IOC).
    WaitDoorbellInt,
    /// Poll HOST_INTERRUPT_STATUS until [`regs::HIS_IOP_DOORBELL_STATUS`]
    /// is clear (timeout: give up and reset the IOC).
    WaitDoorbellAck,
    /// Read DOORBELL and pass the value to [`Handshake::reply_word`].
    ReadDoorbell,
    /// Finished: this many reply bytes are in the caller's buffer.
    Done(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Start,
    Announce,
    AnnounceWait,
    AnnounceClear,
    AnnounceAck,
    Dword(usize),
    DwordAck(usize),
    ReplyWait,
    ReplyRead,
    AwaitWord,
    ReplyClear,
    FinalWait,
    FinalClear,
    Finished,
}

/// Reply words QEMU can hold (MsgLength is 8 bits wide).
const MAX_REPLY_WORDS: usize = 2 * 255;

/// A handshake in progress: a request message and a reply buffer.
#[derive(Debug)]
pub struct Handshake<'a> {
    msg: &'a [u8],
    reply: &'a mut [u8],
    phase: Phase,
    words_read: usize,
    words_total: usize,
    deferred: Option<MpiError>,
    skip_final: bool,
}

impl<'a> Handshake<'a> {
    /// Starts a handshake for `msg` (whole dwords, at least the 12-byte
    /// header, at most 255 dwords) given the doorbell value read just
    /// before. A busy doorbell or a faulted IOC refuses to start.
    pub fn new(msg: &'a [u8], reply: &'a mut [u8], doorbell: u32) -> Result<Self, MpiError> {
        let db = Doorbell::decode(doorbell);
        if let Some(code) = db.fault_code() {
            return Err(MpiError::IocFault(code));
        }
        if db.active {
            return Err(MpiError::DoorbellBusy);
        }
        if msg.len() % 4 != 0 || msg.len() < 12 {
            return Err(MpiError::InvalidParam);
        }
        regs::handshake_word(msg.len() / 4)?;
        Ok(Handshake {
            msg,
            reply,
            phase: Phase::Start,
            words_read: 0,
            words_total: MAX_REPLY_WORDS,
            deferred: None,
            skip_final: false,
        })
    }

    fn dword(&self, i: usize) -> Result<u32, MpiError> {
        let at = i.checked_mul(4).ok_or(MpiError::InvalidParam)?;
        let end = at.checked_add(4).ok_or(MpiError::InvalidParam)?;
        let b = self.msg.get(at..end).ok_or(MpiError::InvalidParam)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    fn dwords(&self) -> usize {
        self.msg.len() / 4
    }

    /// The next register operation. Call after performing the previous one
    /// (after [`Action::ReadDoorbell`], call [`Self::reply_word`] first).
    /// A reply that did not answer the request's function is reported
    /// here, at the end, once every word was drained.
    pub fn step(&mut self) -> Result<Action, MpiError> {
        let (action, phase) = match self.phase {
            Phase::Start => (Action::ClearHis, Phase::Announce),
            Phase::Announce => (
                Action::WriteDoorbell(regs::handshake_word(self.dwords())?),
                Phase::AnnounceWait,
            ),
            Phase::AnnounceWait => (Action::WaitDoorbellInt, Phase::AnnounceClear),
            Phase::AnnounceClear => (Action::ClearHis, Phase::AnnounceAck),
            Phase::AnnounceAck => (Action::WaitDoorbellAck, Phase::Dword(0)),
            Phase::Dword(i) => (Action::WriteDoorbell(self.dword(i)?), Phase::DwordAck(i)),
            Phase::DwordAck(i) => {
                let n = i.saturating_add(1);
                let next = if n < self.dwords() {
                    Phase::Dword(n)
                } else {
                    Phase::ReplyWait
                };
                (Action::WaitDoorbellAck, next)
            }
            Phase::ReplyWait => (Action::WaitDoorbellInt, Phase::ReplyRead),
            Phase::ReplyRead => (Action::ReadDoorbell, Phase::AwaitWord),
            Phase::AwaitWord => return Err(MpiError::HandshakeOrder),
            Phase::ReplyClear => {
                let next = if self.words_read < self.words_total {
                    Phase::ReplyWait
                } else if self.skip_final {
                    Phase::Finished
                } else {
                    Phase::FinalWait
                };
                (Action::ClearHis, next)
            }
            Phase::FinalWait => (Action::WaitDoorbellInt, Phase::FinalClear),
            Phase::FinalClear => (Action::ClearHis, Phase::Finished),
            Phase::Finished => {
                if let Some(e) = self.deferred {
                    return Err(e);
                }
                let stored = core::cmp::min(self.words_total.saturating_mul(2), self.reply.len());
                return Ok(Action::Done(stored));
            }
        };
        self.phase = phase;
        Ok(action)
    }

    /// Takes the doorbell value read for [`Action::ReadDoorbell`].
    pub fn reply_word(&mut self, doorbell: u32) -> Result<(), MpiError> {
        if self.phase != Phase::AwaitWord {
            return Err(MpiError::HandshakeOrder);
        }
        self.phase = Phase::ReplyClear;
        let db = Doorbell::decode(doorbell);
        if db.state == IocState::Fault {
            // The IOC died mid-reply; its doorbell no longer hands out
            // words, so stop here (the caller resets).
            self.phase = Phase::Finished;
            return Err(MpiError::IocFault(0));
        }
        let word = db.data;
        let at = self.words_read.saturating_mul(2);
        if at.saturating_add(2) <= self.reply.len() {
            put_le16(self.reply, at, word)?;
        }
        if self.words_read == 1 {
            let [len, function] = word.to_le_bytes();
            if len == 0 {
                // Nothing tells how long the reply is: stop reading. QEMU
                // went idle with the first HIS write (its reply was empty)
                // and raises no final doorbell interrupt to wait for.
                self.words_total = 2;
                self.skip_final = true;
                self.deferred = Some(MpiError::BadReply);
            } else {
                self.words_total = usize::from(len) * 2;
            }
            if u8_at(self.msg, 3) != Some(function) {
                self.deferred = Some(MpiError::BadReply);
            }
        }
        self.words_read = self.words_read.saturating_add(1);
        Ok(())
    }

    /// Reply bytes the IOC sent (known once word 1 is in), which may
    /// exceed what the buffer stored.
    pub fn reply_len(&self) -> usize {
        self.words_total.saturating_mul(2)
    }
}
