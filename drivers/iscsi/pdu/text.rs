// SPDX-License-Identifier: GPL-2.0

//! The text of Login and Text PDUs (RFC 7143 section 6.1): `key=value`
//! pairs, each followed by one NUL byte.
//!
//! A key is a standard label (a capital letter, then letters, digits,
//! `.`, `-`, `+`, `@`, `_`; at most 63 bytes), or a vendor key `X-...` or
//! `X#...` (same characters after the prefix). A value is UTF-8 without
//! NUL and at most 255 bytes, except for the keys RFC 7143 lets carry
//! large binary values (CHAP_C and CHAP_R, see [`max_value_len`]).
//!
//! Text may span PDUs (the C bit): the caller joins the data segments of
//! a sequence and parses the whole, or parses what [`split_complete`]
//! returns and keeps the tail for the next PDU.

/// Longest key name.
pub const MAX_KEY_LEN: usize = 63;
/// Longest value of an ordinary key.
pub const MAX_VALUE_LEN: usize = 255;
/// Longest value of a key that carries a large binary value (CHAP_C,
/// CHAP_R) in hexadecimal or base64: bounded here so a hostile target
/// cannot make the initiator keep an arbitrarily long challenge.
pub const MAX_LARGE_VALUE_LEN: usize = 8192;

/// Why text could not be parsed or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextError {
    /// The last pair is not followed by a NUL.
    Unterminated,
    /// A NUL with no pair before it (two NULs in a row, or a leading NUL).
    EmptyPair,
    /// A pair without `=`.
    MissingEquals,
    /// An empty key, a key not starting with a capital letter, or a key
    /// with a character outside the allowed set.
    BadKey,
    /// A key longer than [`MAX_KEY_LEN`].
    KeyTooLong,
    /// A value longer than the key allows (see [`max_value_len`]).
    ValueTooLong,
    /// A value that is not UTF-8 or (when building) contains a NUL.
    BadValue,
    /// The output buffer is full.
    NoSpace,
    /// A number that is not a decimal or hexadecimal constant, or that
    /// does not fit 64 bits.
    BadNumber,
    /// A number outside the key's range.
    OutOfRange,
    /// Neither `Yes` nor `No`.
    BadBoolean,
}

/// One `key=value` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair<'a> {
    /// The key name.
    pub key: &'a str,
    /// The value (may be empty).
    pub value: &'a str,
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'@' | b'_')
}

/// Checks a key name and returns it as `&str`.
pub fn check_key(key: &[u8]) -> Result<&str, TextError> {
    if key.len() > MAX_KEY_LEN {
        return Err(TextError::KeyTooLong);
    }
    let label = match key {
        [b'X', b'-' | b'#', rest @ ..] => rest,
        [first, ..] if first.is_ascii_uppercase() => key,
        _ => return Err(TextError::BadKey),
    };
    if label.is_empty() || !label.iter().all(|&c| is_label_char(c)) {
        return Err(TextError::BadKey);
    }
    core::str::from_utf8(key).map_err(|_| TextError::BadKey)
}

/// Largest value length `key` may carry.
pub fn max_value_len(key: &str) -> usize {
    match key {
        "CHAP_C" | "CHAP_R" => MAX_LARGE_VALUE_LEN,
        _ => MAX_VALUE_LEN,
    }
}

fn check_value<'a>(key: &str, value: &'a [u8]) -> Result<&'a str, TextError> {
    if value.len() > max_value_len(key) {
        return Err(TextError::ValueTooLong);
    }
    if value.contains(&0) {
        return Err(TextError::BadValue);
    }
    core::str::from_utf8(value).map_err(|_| TextError::BadValue)
}

/// Parses one pair (without its NUL).
pub fn parse_pair(pair: &[u8]) -> Result<Pair<'_>, TextError> {
    if pair.is_empty() {
        return Err(TextError::EmptyPair);
    }
    let eq = pair
        .iter()
        .position(|&c| c == b'=')
        .ok_or(TextError::MissingEquals)?;
    let (key, rest) = pair.split_at(eq);
    let value = rest.get(1..).ok_or(TextError::MissingEquals)?;
    let key = check_key(key)?;
    let value = check_value(key, value)?;
    Ok(Pair { key, value })
}

/// Iterator over the pairs of a complete text; see [`pairs`].
pub struct Pairs<'a> {
    rest: &'a [u8],
}

/// Iterates over the pairs of `text`, which must end with a NUL. Yields
/// an error for the first malformed pair and then stops.
pub fn pairs(text: &[u8]) -> Pairs<'_> {
    Pairs { rest: text }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Result<Pair<'a>, TextError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = self.rest;
        let Some(nul) = rest.iter().position(|&c| c == 0) else {
            self.rest = &[];
            return Some(Err(TextError::Unterminated));
        };
        let (pair, tail) = rest.split_at(nul);
        self.rest = tail.get(1..).unwrap_or(&[]);
        let item = parse_pair(pair);
        if item.is_err() {
            self.rest = &[];
        }
        Some(item)
    }
}

/// Splits `text` after its last NUL: the complete pairs, and the start of
/// a pair that continues in the next PDU (empty when none).
pub fn split_complete(text: &[u8]) -> (&[u8], &[u8]) {
    match text.iter().rposition(|&c| c == 0) {
        Some(last) => text.split_at(last.saturating_add(1)),
        None => (&[], text),
    }
}

/// Finds the value of `key` in a complete text.
pub fn find<'a>(text: &'a [u8], key: &str) -> Result<Option<&'a str>, TextError> {
    for pair in pairs(text) {
        let pair = pair?;
        if pair.key == key {
            return Ok(Some(pair.value));
        }
    }
    Ok(None)
}

/// Writes `key=value\0` pairs into a caller buffer.
pub struct TextWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> TextWriter<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        TextWriter { buf, len: 0 }
    }

    /// Appends `key=value` and its NUL; on error nothing is written.
    pub fn push(&mut self, key: &str, value: &str) -> Result<(), TextError> {
        check_key(key.as_bytes())?;
        check_value(key, value.as_bytes())?;
        let parts: [&[u8]; 4] = [key.as_bytes(), b"=", value.as_bytes(), &[0]];
        let total = parts
            .iter()
            .try_fold(0usize, |acc, p| acc.checked_add(p.len()))
            .ok_or(TextError::NoSpace)?;
        let end = self.len.checked_add(total).ok_or(TextError::NoSpace)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(TextError::NoSpace)?;
        let mut at = 0usize;
        for part in parts {
            let next = at.checked_add(part.len()).ok_or(TextError::NoSpace)?;
            dst.get_mut(at..next)
                .ok_or(TextError::NoSpace)?
                .copy_from_slice(part);
            at = next;
        }
        self.len = end;
        Ok(())
    }

    /// Appends a number in decimal.
    pub fn push_number(&mut self, key: &str, value: u64) -> Result<(), TextError> {
        let mut digits = [0u8; 20];
        let text = format_decimal(value, &mut digits);
        self.push(key, text)
    }

    /// Appends `Yes` or `No`.
    pub fn push_bool(&mut self, key: &str, value: bool) -> Result<(), TextError> {
        self.push(key, if value { "Yes" } else { "No" })
    }

    /// Bytes written so far (the DataSegmentLength).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text written so far.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

/// Formats `value` in decimal into `buf` and returns the digits.
fn format_decimal(mut value: u64, buf: &mut [u8; 20]) -> &str {
    // u64::MAX has 20 digits, so the buffer always suffices.
    let mut used = 0usize;
    for slot in buf.iter_mut().rev() {
        // The digit is below 10: neither the cast nor the add can wrap.
        *slot = b'0'.wrapping_add((value % 10) as u8);
        used = used.saturating_add(1);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    let start = buf.len().saturating_sub(used);
    buf.get(start..)
        .and_then(|d| core::str::from_utf8(d).ok())
        .unwrap_or("")
}
