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
//!   [`MAX_PENDING_BLOCKS`] blocks.
//!
//! Everything here is `core`-only and panic-free on any input.

use crate::proto::sense::SenseKey;

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

impl CmdView {
    /// The view of a command from its CDB: the blocks of READ, WRITE,
    /// WRITE AND VERIFY, VERIFY and WRITE SAME (6, 10, 12, 16), decoded
    /// here only as far as matching needs (a CDB too short has none).
    pub fn of(target: u32, lun: u64, cdb: &[u8]) -> Self {
        let be = |range: core::ops::Range<usize>| -> Option<u64> {
            let b = cdb.get(range)?;
            Some(b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
        };
        let opcode = cdb.first().copied().unwrap_or(0);
        let blocks = match opcode {
            // 6-byte: 21-bit LBA, 0 blocks means 256.
            0x08 | 0x0a => {
                let lba = be(1..4).map(|v| v & 0x1f_ffff);
                let n = cdb.get(4).map(|&n| if n == 0 { 256 } else { u32::from(n) });
                lba.zip(n)
            }
            0x28 | 0x2a | 0x2e | 0x2f | 0x41 => be(2..6).zip(be(7..9).map(|n| n as u32)),
            0xa8 | 0xaa | 0xae | 0xaf => be(2..6).zip(be(6..10).map(|n| n as u32)),
            0x88 | 0x8a | 0x8e | 0x8f | 0x93 => be(2..10).zip(be(10..14).map(|n| n as u32)),
            _ => None,
        };
        CmdView {
            target,
            lun,
            opcode,
            blocks,
        }
    }
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

const fn err(field: &'static str, reason: &'static str) -> RuleError {
    RuleError { field, reason }
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

/// A number: decimal, or hexadecimal with `0x`.
fn number(field: &'static str, s: &str) -> Result<u64, RuleError> {
    let parsed = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse::<u64>(),
    };
    parsed.map_err(|_| err(field, "not a number"))
}

fn hex_u8(field: &'static str, s: &str) -> Result<u8, RuleError> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16).map_err(|_| err(field, "not a hex byte"))
}

const fn sense(key: SenseKey, asc: u8, ascq: u8, info_lba: bool) -> Action {
    Action::Sense {
        key,
        asc,
        ascq,
        info_lba,
    }
}

fn action(s: &str) -> Result<Action, RuleError> {
    const F: &str = "action";
    let (name, arg) = match s.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (s, None),
    };
    let needs_arg = matches!(name, "delay" | "sense" | "short");
    if needs_arg != arg.is_some() {
        return Err(err(
            F,
            if needs_arg {
                "needs :VALUE"
            } else {
                "takes no :VALUE"
            },
        ));
    }
    let arg = arg.unwrap_or("");
    Ok(match name {
        "timeout" => Action::Timeout,
        "delay" => {
            Action::Delay(u32::try_from(number(F, arg)?).map_err(|_| err(F, "delay too long"))?)
        }
        "sense" => {
            let mut parts = arg.split('/');
            let (Some(k), Some(asc), Some(ascq), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(err(F, "sense:KEY/ASC/ASCQ (hex)"));
            };
            let k = hex_u8(F, k)?;
            if k > 0xe {
                return Err(err(F, "sense key above 0xe"));
            }
            let key = SenseKey::from_u8(k);
            let info_lba = key == SenseKey::MediumError;
            sense(key, hex_u8(F, asc)?, hex_u8(F, ascq)?, info_lba)
        }
        // UNRECOVERED READ ERROR.
        "medium-error" => sense(SenseKey::MediumError, 0x11, 0x00, true),
        // POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
        "unit-attention" => sense(SenseKey::UnitAttention, 0x29, 0x00, false),
        // LOGICAL UNIT NOT READY, CAUSE NOT REPORTABLE.
        "not-ready" => sense(SenseKey::NotReady, 0x04, 0x00, false),
        "aborted-command" => sense(SenseKey::AbortedCommand, 0x00, 0x00, false),
        // INTERNAL TARGET FAILURE.
        "hardware-error" => sense(SenseKey::HardwareError, 0x44, 0x00, false),
        "busy" => Action::Status(STATUS_BUSY),
        "task-set-full" => Action::Status(STATUS_TASK_SET_FULL),
        "reservation-conflict" => Action::Status(STATUS_RESERVATION_CONFLICT),
        "did-error" => Action::Host(HostCode::Error),
        "did-bus-busy" => Action::Host(HostCode::BusBusy),
        "did-no-connect" => Action::Host(HostCode::NoConnect),
        "did-reset" => Action::Host(HostCode::Reset),
        "host-busy" => Action::QueueBusy { device: false },
        "device-busy" => Action::QueueBusy { device: true },
        "short" => Action::Short(
            u32::try_from(number(F, arg)?)
                .ok()
                .filter(|&n| n > 0)
                .ok_or(err(F, "short:BYTES, 1 to 4294967295"))?,
        ),
        "fail-abort" => Action::FailEh(EhStep::Abort),
        "fail-device-reset" => Action::FailEh(EhStep::DeviceReset),
        "fail-target-reset" => Action::FailEh(EhStep::TargetReset),
        "fail-bus-reset" => Action::FailEh(EhStep::BusReset),
        "fail-host-reset" => Action::FailEh(EhStep::HostReset),
        "pending" => Action::Pending,
        _ => return Err(err(F, "unknown action")),
    })
}

fn lun(s: &str) -> Result<Option<(u32, u64)>, RuleError> {
    if s == "any" {
        return Ok(None);
    }
    let (t, l) = s.split_once(':').ok_or(err("lun", "TARGET:LUN or any"))?;
    let t = u32::try_from(number("lun", t)?).map_err(|_| err("lun", "target too large"))?;
    Ok(Some((t, number("lun", l)?)))
}

fn op(s: &str) -> Result<OpMatch, RuleError> {
    Ok(match s {
        "any" => OpMatch::Any,
        "read" => OpMatch::Read,
        "write" => OpMatch::Write,
        _ => OpMatch::Opcode(
            u8::try_from(number("op", s)?).map_err(|_| err("op", "opcode above 0xff"))?,
        ),
    })
}

fn lba(s: &str) -> Result<(u64, u64), RuleError> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (number("lba", a)?, number("lba", b)?),
        None => {
            let a = number("lba", s)?;
            (a, a)
        }
    };
    if b < a {
        return Err(err("lba", "range ends before it starts"));
    }
    Ok((a, b))
}

fn nonzero(field: &'static str, s: &str) -> Result<u64, RuleError> {
    match number(field, s)? {
        0 => Err(err(field, "must be at least 1")),
        n => Ok(n),
    }
}

/// Parses the rule of an `add` request (the words after `add`).
fn parse_rule(words: core::str::SplitAsciiWhitespace<'_>) -> Result<Rule, RuleError> {
    let mut rule = Rule {
        id: 0,
        lun: None,
        op: OpMatch::Any,
        lba: None,
        nth: None,
        every: None,
        count: None,
        prob: None,
        seed: 0x9e37_79b9_7f4a_7c15,
        action: Action::Timeout,
    };
    let mut have_action = false;
    for word in words {
        let (key, value) = word
            .split_once('=')
            .ok_or(err("request", "KEY=VALUE expected"))?;
        match key {
            "id" => {
                rule.id =
                    u32::try_from(nonzero("id", value)?).map_err(|_| err("id", "too large"))?
            }
            "lun" => rule.lun = lun(value)?,
            "op" => rule.op = op(value)?,
            "lba" => rule.lba = Some(lba(value)?),
            "nth" => rule.nth = Some(nonzero("nth", value)?),
            "every" => rule.every = Some(nonzero("every", value)?),
            "count" => rule.count = Some(nonzero("count", value)?),
            "prob" => {
                let p = nonzero("prob", value.trim_end_matches('%'))?;
                rule.prob = Some(
                    u8::try_from(p)
                        .ok()
                        .filter(|&p| p <= 100)
                        .ok_or(err("prob", "1..=100"))?,
                );
            }
            "seed" => rule.seed = number("seed", value)?,
            "action" => {
                rule.action = action(value)?;
                have_action = true;
            }
            _ => return Err(err("request", "unknown field")),
        }
    }
    if !have_action {
        return Err(err("action", "missing"));
    }
    if rule.nth.is_some() && rule.every.is_some() {
        return Err(err("nth", "nth and every exclude each other"));
    }
    if rule.action == Action::Pending {
        let (a, b) = rule.lba.ok_or(err("lba", "pending needs an LBA range"))?;
        if b - a >= MAX_PENDING_BLOCKS {
            return Err(err("lba", "pending covers at most 4096 blocks"));
        }
    }
    Ok(rule)
}

/// Parses one request line.
pub fn parse(line: &str) -> Result<Request, RuleError> {
    let mut words = line.split_ascii_whitespace();
    match words.next() {
        Some("add") => parse_rule(words).map(Request::Add),
        Some("del") => {
            let id = words.next().ok_or(err("del", "rule number missing"))?;
            let id = u32::try_from(number("del", id)?).map_err(|_| err("del", "too large"))?;
            match words.next() {
                None => Ok(Request::Del(id)),
                Some(_) => Err(err("del", "one rule number")),
            }
        }
        Some("clear") if words.next().is_none() => Ok(Request::Clear),
        _ => Err(err("request", "add, del N or clear")),
    }
}

/// xorshift64*: small, seedable, reproducible.
#[derive(Clone, Copy, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x2545_f491_4f6c_dd1d
        } else {
            seed
        })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// True with probability `pct` percent.
    fn percent(&mut self, pct: u8) -> bool {
        self.next() % 100 < u64::from(pct)
    }
}

/// A rule with its counters and state.
#[derive(Clone, Debug)]
pub struct ActiveRule {
    /// The rule.
    pub rule: Rule,
    /// Commands (or error-handler steps) it matched.
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
    rng: Rng,
    /// `pending`: blocks of the range not written since (bit set).
    pending: [u64; PENDING_WORDS],
}

/// What a rule decided for a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not for this rule.
    Pass,
    /// Fire `action`; `lba` is the first failing block, for INFORMATION.
    Fire {
        /// The action.
        action: Action,
        /// The block to report (the first of the command, or the first
        /// pending one it reads).
        lba: Option<u64>,
    },
}

impl ActiveRule {
    /// A rule as added (a `pending` one starts with its whole range).
    pub fn new(rule: Rule) -> Self {
        let mut pending = [0u64; PENDING_WORDS];
        if let (Action::Pending, Some((a, b))) = (rule.action, rule.lba) {
            for i in 0..=b.saturating_sub(a).min(MAX_PENDING_BLOCKS - 1) {
                if let Some(w) = pending.get_mut((i / 64) as usize) {
                    *w |= 1 << (i % 64);
                }
            }
        }
        ActiveRule {
            rule,
            matched: 0,
            fired: 0,
            rng: Rng::new(rule.seed),
            pending,
        }
    }

    fn for_lun(&self, target: u32, lun: u64) -> bool {
        self.rule.lun.is_none_or(|l| l == (target, lun))
    }

    /// The blocks of `blocks` inside the rule's range, as offsets into it.
    fn overlap(&self, blocks: (u64, u32)) -> Option<(u64, u64)> {
        let (a, b) = self.rule.lba?;
        let (first, n) = blocks;
        let last = first.checked_add(u64::from(n))?.checked_sub(1)?;
        let lo = first.max(a);
        let hi = last.min(b);
        (lo <= hi).then(|| (lo - a, hi - a))
    }

    fn pending_bit(&self, i: u64) -> bool {
        self.pending
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Blocks still pending.
    pub fn pending_blocks(&self) -> u64 {
        self.pending.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Whether the match/count/probability rules let this match fire (the
    /// match is counted).
    fn fires(&mut self) -> bool {
        self.matched = self.matched.saturating_add(1);
        if self.rule.count.is_some_and(|c| self.fired >= c) {
            return false;
        }
        if self.rule.nth.is_some_and(|n| self.matched != n) {
            return false;
        }
        if self
            .rule
            .every
            .is_some_and(|n| self.matched.checked_rem(n) != Some(0))
        {
            return false;
        }
        if let Some(p) = self.rule.prob {
            if !self.rng.percent(p) {
                return false;
            }
        }
        self.fired = self.fired.saturating_add(1);
        true
    }

    /// Decides for a command on its way in.
    pub fn check(&mut self, cmd: &CmdView) -> Verdict {
        if !self.for_lun(cmd.target, cmd.lun) {
            return Verdict::Pass;
        }
        match self.rule.action {
            Action::FailEh(_) => Verdict::Pass,
            Action::Pending => self.check_pending(cmd),
            action => {
                if !self.rule.op.matches(cmd.opcode) {
                    return Verdict::Pass;
                }
                let lba = match (self.rule.lba, cmd.blocks) {
                    (None, blocks) => blocks.map(|(first, _)| first),
                    (Some((a, _)), Some(blocks)) => match self.overlap(blocks) {
                        Some((lo, _)) => Some(a + lo),
                        None => return Verdict::Pass,
                    },
                    (Some(_), None) => return Verdict::Pass,
                };
                if self.fires() {
                    Verdict::Fire { action, lba }
                } else {
                    Verdict::Pass
                }
            }
        }
    }

    /// `pending`: a read of a pending block fails; a write heals what it
    /// covers (and passes).
    fn check_pending(&mut self, cmd: &CmdView) -> Verdict {
        let (Some(blocks), Some((a, _))) = (cmd.blocks, self.rule.lba) else {
            return Verdict::Pass;
        };
        let Some((lo, hi)) = self.overlap(blocks) else {
            return Verdict::Pass;
        };
        // The bitmap's blocks only (a parsed rule has no more).
        let hi = hi.min(MAX_PENDING_BLOCKS - 1);
        if is_write(cmd.opcode) {
            for i in lo..=hi {
                if let Some(w) = self.pending.get_mut((i / 64) as usize) {
                    *w &= !(1 << (i % 64));
                }
            }
            return Verdict::Pass;
        }
        if !is_read(cmd.opcode) {
            return Verdict::Pass;
        }
        let Some(first) = (lo..=hi).find(|&i| self.pending_bit(i)) else {
            return Verdict::Pass;
        };
        if self.fires() {
            Verdict::Fire {
                action: sense(SenseKey::MediumError, 0x11, 0x00, true),
                lba: Some(a + first),
            }
        } else {
            Verdict::Pass
        }
    }

    /// Whether `step` fails whatever the LUN (bus and host resets; counted).
    pub fn fails_eh_any(&mut self, step: EhStep) -> bool {
        if self.rule.action != Action::FailEh(step) {
            return false;
        }
        self.fires()
    }

    /// Whether `step` fails for the LUN (counted).
    pub fn fails_eh(&mut self, step: EhStep, target: u32, lun: u64) -> bool {
        if self.rule.action != Action::FailEh(step) || !self.for_lun(target, lun) {
            return false;
        }
        self.fires()
    }
}

impl core::fmt::Display for Action {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Action::Timeout => f.write_str("timeout"),
            Action::Delay(us) => write!(f, "delay:{us}"),
            Action::Sense { key, asc, ascq, .. } => {
                write!(f, "sense:{:x}/{asc:02x}/{ascq:02x}", key as u8)
            }
            Action::Status(STATUS_BUSY) => f.write_str("busy"),
            Action::Status(STATUS_TASK_SET_FULL) => f.write_str("task-set-full"),
            Action::Status(STATUS_RESERVATION_CONFLICT) => f.write_str("reservation-conflict"),
            Action::Status(s) => write!(f, "status:{s:#04x}"),
            Action::Host(HostCode::Error) => f.write_str("did-error"),
            Action::Host(HostCode::BusBusy) => f.write_str("did-bus-busy"),
            Action::Host(HostCode::NoConnect) => f.write_str("did-no-connect"),
            Action::Host(HostCode::Reset) => f.write_str("did-reset"),
            Action::QueueBusy { device: false } => f.write_str("host-busy"),
            Action::QueueBusy { device: true } => f.write_str("device-busy"),
            Action::Short(n) => write!(f, "short:{n}"),
            Action::FailEh(EhStep::Abort) => f.write_str("fail-abort"),
            Action::FailEh(EhStep::DeviceReset) => f.write_str("fail-device-reset"),
            Action::FailEh(EhStep::TargetReset) => f.write_str("fail-target-reset"),
            Action::FailEh(EhStep::BusReset) => f.write_str("fail-bus-reset"),
            Action::FailEh(EhStep::HostReset) => f.write_str("fail-host-reset"),
            Action::Pending => f.write_str("pending"),
        }
    }
}

/// One line of the `faults` file: the rule as an `add` request would
/// give it, then its counters.
impl core::fmt::Display for ActiveRule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = &self.rule;
        write!(f, "id={}", r.id)?;
        match r.lun {
            Some((t, l)) => write!(f, " lun={t}:{l}")?,
            None => f.write_str(" lun=any")?,
        }
        match r.op {
            OpMatch::Any => f.write_str(" op=any")?,
            OpMatch::Read => f.write_str(" op=read")?,
            OpMatch::Write => f.write_str(" op=write")?,
            OpMatch::Opcode(o) => write!(f, " op={o:#04x}")?,
        }
        if let Some((a, b)) = r.lba {
            write!(f, " lba={a}-{b}")?;
        }
        if let Some(n) = r.nth {
            write!(f, " nth={n}")?;
        }
        if let Some(n) = r.every {
            write!(f, " every={n}")?;
        }
        if let Some(n) = r.count {
            write!(f, " count={n}")?;
        }
        if let Some(p) = r.prob {
            write!(f, " prob={p} seed={}", r.seed)?;
        }
        write!(
            f,
            " action={} matched={} fired={}",
            r.action, self.matched, self.fired
        )?;
        if r.action == Action::Pending {
            write!(f, " pending={}", self.pending_blocks())?;
        }
        Ok(())
    }
}
