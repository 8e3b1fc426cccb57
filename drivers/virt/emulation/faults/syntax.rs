// SPDX-License-Identifier: GPL-2.0

//! The request syntax: parsing a line, and printing an action back as
//! the request gives it.

use super::*;
use crate::proto::sense::SenseKey;

const fn err(field: &'static str, reason: &'static str) -> RuleError {
    RuleError { field, reason }
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
        "power-cut" => Action::PowerCut,
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
            Action::PowerCut => f.write_str("power-cut"),
        }
    }
}
