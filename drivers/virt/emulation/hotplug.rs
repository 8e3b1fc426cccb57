// SPDX-License-Identifier: GPL-2.0

//! What the virtual adapter's run-time topology files accept: `add_host`
//! (`1`, or `key=value` words choosing the new host's size) and `add_lun` /
//! `remove_lun` (`<target>:<lun>`). Pure parsing; the limits are those of
//! the module parameters.

/// Targets a virtual host may have (`virt_targets`).
pub const MAX_TARGETS: u32 = 16;
/// LUNs a virtual target may have (`virt_luns`): LUN numbers 0..8.
pub const MAX_LUNS: u32 = 8;
/// Largest LUN capacity in MiB (`virt_capacity_mb`): 16 TiB.
pub const MAX_CAPACITY_MIB: u64 = 16 << 20;

/// A host to add; `None`: the parameter's current value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostRequest {
    /// Targets of the host, 1..=[`MAX_TARGETS`].
    pub targets: Option<u32>,
    /// LUNs per target at creation, 1..=[`MAX_LUNS`].
    pub luns: Option<u32>,
    /// Capacity of each LUN in MiB, 1..=[`MAX_CAPACITY_MIB`].
    pub capacity_mib: Option<u64>,
}

/// Why a write was refused, for the log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not UTF-8, empty, or a word that is not `key=value`.
    Syntax,
    /// A key that is not one of the file's.
    UnknownKey,
    /// A value that is not a decimal number.
    NotANumber,
    /// A value outside the key's range `(min, max)`.
    OutOfRange(u64, u64),
}

fn number(text: &str) -> Result<u64, Refusal> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::NotANumber);
    }
    text.parse().map_err(|_| Refusal::NotANumber)
}

fn in_range(v: u64, min: u64, max: u64) -> Result<u64, Refusal> {
    if v < min || v > max {
        return Err(Refusal::OutOfRange(min, max));
    }
    Ok(v)
}

/// Parses an `add_host` write: `1` (the parameters' defaults) or words
/// `targets=T`, `luns=L`, `capacity_mb=M` in any order. On error, the word
/// that was refused comes with the reason.
pub fn parse_add_host(input: &[u8]) -> Result<HostRequest, (Refusal, &str)> {
    let text = core::str::from_utf8(input)
        .map_err(|_| (Refusal::Syntax, ""))?
        .trim();
    let mut req = HostRequest::default();
    if text == "1" {
        return Ok(req);
    }
    if text.is_empty() {
        return Err((Refusal::Syntax, text));
    }
    for word in text.split_ascii_whitespace() {
        let Some((key, value)) = word.split_once('=') else {
            return Err((Refusal::Syntax, word));
        };
        let v = number(value).map_err(|r| (r, word))?;
        match key {
            "targets" => {
                let v = in_range(v, 1, MAX_TARGETS.into()).map_err(|r| (r, word))?;
                req.targets = Some(v as u32);
            }
            "luns" => {
                let v = in_range(v, 1, MAX_LUNS.into()).map_err(|r| (r, word))?;
                req.luns = Some(v as u32);
            }
            "capacity_mb" => {
                req.capacity_mib = Some(in_range(v, 1, MAX_CAPACITY_MIB).map_err(|r| (r, word))?);
            }
            _ => return Err((Refusal::UnknownKey, word)),
        }
    }
    Ok(req)
}

/// Parses an `add_lun` / `remove_lun` write `<target>:<lun>` for a host
/// with `targets` targets.
pub fn parse_lun_addr(input: &[u8], targets: u32) -> Result<(u32, u32), Refusal> {
    let text = core::str::from_utf8(input)
        .map_err(|_| Refusal::Syntax)?
        .trim();
    let (t, l) = text.split_once(':').ok_or(Refusal::Syntax)?;
    let t = in_range(number(t)?, 0, u64::from(targets).saturating_sub(1))?;
    let l = in_range(number(l)?, 0, u64::from(MAX_LUNS) - 1)?;
    Ok((t as u32, l as u32))
}
