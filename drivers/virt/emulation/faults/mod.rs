// SPDX-License-Identifier: GPL-2.0

//! Fault-injection rules of the virtual adapter: their text form (one
//! request per line, written to the adapter's debugfs `faults` file),
//! which commands a rule matches and what it then does to them.
//!
//! Requests:
//!
//! ```text
//! add [id=N] [lun=T:L|any] [op=any|read|write|0xNN] [lba=A[-B]]
//!     [nth=N | every=N] [count=N] [prob=P] [seed=S] action=ACTION
//! del N
//! clear
//! ```
//!
//! A command matches when it is for the LUN, has the operation (`read`
//! and `write` are the READ/WRITE families, `0xNN` one opcode) and, with
//! `lba`, moves a block in the inclusive range `A..=B`. A matching command
//! is counted (`matched`); the rule fires on the `nth` match only, on every
//! `every`-th one, or on each; with probability `prob` percent (a
//! generator seeded with `seed`, reproducible); at most `count` times.
//! Actions:
//!
//! * `timeout`: never completed (the midlayer's timeout and EH take over);
//! * `delay:US`: completed US microseconds late;
//! * `sense:K/ASC/ASCQ` (hex) or `medium-error` (with the first failing
//!   LBA in INFORMATION), `unit-attention`, `not-ready`,
//!   `aborted-command`, `hardware-error`: CHECK CONDITION;
//! * `busy`, `task-set-full`, `reservation-conflict`: that status;
//! * `did-error`, `did-bus-busy`, `did-no-connect`, `did-reset`: that host
//!   byte; `host-busy`, `device-busy`: `queuecommand` turns it away;
//! * `short:BYTES`: only BYTES move, the rest is reported as residual;
//! * `fail-abort`, `fail-device-reset`, `fail-target-reset`,
//!   `fail-bus-reset`, `fail-host-reset`: that error-handler step fails
//!   for the LUN (bus and host reset: whatever the LUN; op and lba do not
//!   apply, the counters do);
//! * `pending`: reads of a block of the range fail with MEDIUM ERROR until
//!   the block is written (a pending sector); at most
//!   [`MAX_PENDING_BLOCKS`] blocks;
//! * `power-cut`: the adapter loses power before the command runs: what
//!   its write-back cache held is lost and every command fails with
//!   DID_NO_CONNECT until it is powered on again (its debugfs `power`).
//!
//! Everything here is `core`-only and panic-free on any input.

use crate::proto::sense::SenseKey;

mod active;
mod syntax;

pub use active::{ActiveRule, Verdict};
pub use syntax::parse;

/// Most blocks a `pending` rule covers (its bitmap).
pub const MAX_PENDING_BLOCKS: u64 = 4096;
const PENDING_WORDS: usize = (MAX_PENDING_BLOCKS / 64) as usize;

/// What a command is, for matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdView {
    /// The LUN's target and LUN numbers.
    pub target: u32,
    /// LUN.
    pub lun: u64,
    /// OPERATION CODE.
    pub opcode: u8,
    /// Blocks moved, when it is a media access: first LBA and count.
    pub blocks: Option<(u64, u32)>,
}

/// READ(6/10/12/16).
fn is_read(op: u8) -> bool {
    matches!(op, 0x08 | 0x28 | 0xa8 | 0x88)
}

/// WRITE(6/10/12/16), WRITE AND VERIFY(10/16), WRITE SAME(10/16).
fn is_write(op: u8) -> bool {
    matches!(op, 0x0a | 0x2a | 0xaa | 0x8a | 0x2e | 0x8e | 0x41 | 0x93)
}

/// Which operations a rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMatch {
    /// Every command.
    Any,
    /// The READ family.
    Read,
    /// The WRITE family (and WRITE SAME, WRITE AND VERIFY).
    Write,
    /// One operation code.
    Opcode(u8),
}

impl OpMatch {
    fn matches(self, op: u8) -> bool {
        match self {
            OpMatch::Any => true,
            OpMatch::Read => is_read(op),
            OpMatch::Write => is_write(op),
            OpMatch::Opcode(o) => o == op,
        }
    }
}

/// An error-handler step a rule makes fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EhStep {
    /// `eh_abort`.
    Abort,
    /// `eh_device_reset`.
    DeviceReset,
    /// `eh_target_reset`.
    TargetReset,
    /// `eh_bus_reset`.
    BusReset,
    /// `eh_host_reset`.
    HostReset,
}

/// A host byte a rule completes commands with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCode {
    /// DID_ERROR.
    Error,
    /// DID_BUS_BUSY.
    BusBusy,
    /// DID_NO_CONNECT.
    NoConnect,
    /// DID_RESET.
    Reset,
}

/// What a rule does to a command it fires on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Never completed.
    Timeout,
    /// Completed this many microseconds late.
    Delay(u32),
    /// CHECK CONDITION; `info_lba` puts the first failing LBA in INFORMATION.
    Sense {
        /// SENSE KEY.
        key: SenseKey,
        /// ADDITIONAL SENSE CODE.
        asc: u8,
        /// ADDITIONAL SENSE CODE QUALIFIER.
        ascq: u8,
        /// Report the first LBA of the command (MEDIUM ERROR).
        info_lba: bool,
    },
    /// This SCSI status (BUSY, TASK SET FULL, RESERVATION CONFLICT).
    Status(u8),
    /// This host byte.
    Host(HostCode),
    /// `queuecommand` returns host busy (`false`) or device busy (`true`).
    QueueBusy {
        /// Device busy rather than host busy.
        device: bool,
    },
    /// Only this many bytes move; the rest is residual.
    Short(u32),
    /// An error-handler step fails.
    FailEh(EhStep),
    /// Reads of a block not written since fail with MEDIUM ERROR.
    Pending,
    /// The adapter loses power (and its write-back cache).
    PowerCut,
}

/// SCSI status BUSY.
pub const STATUS_BUSY: u8 = 0x08;
/// SCSI status RESERVATION CONFLICT.
pub const STATUS_RESERVATION_CONFLICT: u8 = 0x18;
/// SCSI status TASK SET FULL.
pub const STATUS_TASK_SET_FULL: u8 = 0x28;

/// A rule as requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Its number (`del N`); 0 until the rule set assigns one.
    pub id: u32,
    /// The LUN (target, LUN), or every LUN.
    pub lun: Option<(u32, u64)>,
    /// Operations matched.
    pub op: OpMatch,
    /// Inclusive LBA range a media access must touch.
    pub lba: Option<(u64, u64)>,
    /// Fire on this match only (1-based).
    pub nth: Option<u64>,
    /// Fire on every this-many-th match.
    pub every: Option<u64>,
    /// Fire at most this many times.
    pub count: Option<u64>,
    /// Fire with this probability, in percent (1..=100).
    pub prob: Option<u8>,
    /// Seed of the probability's generator.
    pub seed: u64,
    /// What it does.
    pub action: Action,
}

/// Why a request was refused: the field and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// The field (`lun`, `action`, ...), or `request`.
    pub field: &'static str,
    /// What is wrong.
    pub reason: &'static str,
}

/// A request written to the `faults` file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Add a rule.
    Add(Rule),
    /// Remove rule N.
    Del(u32),
    /// Remove every rule.
    Clear,
}

/// A sense action (the syntax's shortcuts and pending sectors use it).
const fn sense(key: SenseKey, asc: u8, ascq: u8, info_lba: bool) -> Action {
    Action::Sense {
        key,
        asc,
        ascq,
        info_lba,
    }
}
