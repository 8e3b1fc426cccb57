// SPDX-License-Identifier: GPL-2.0

//! Reading a `[scsi]` TOML file (the `toml` crate's spanned parser):
//! every problem is reported with its line and column, and a file with
//! any error yields no configuration.

use super::schema::{self, Key, Ty};
use serde::Serialize;
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// A checked value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// An integer key.
    Int(i64),
    /// A boolean key.
    Bool(bool),
    /// A size in bytes.
    Size(u64),
    /// A choice.
    Str(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Size(v) => write!(f, "{v}"),
            Value::Str(v) => write!(f, "{v:?}"),
        }
    }
}

/// One key of the file.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// The key.
    #[serde(skip)]
    pub key: &'static Key,
    /// Its name (for JSON).
    pub name: &'static str,
    /// Its value.
    pub value: Value,
    /// Line (1-based).
    pub line: usize,
    /// Column (1-based, in characters).
    pub column: usize,
}

/// A problem found in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diag {
    /// Line (1-based).
    pub line: usize,
    /// Column (1-based, in characters).
    pub column: usize,
    /// `error` (the file is refused) or `warning`.
    pub severity: &'static str,
    /// The key concerned, if any.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The result of checking a file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Checked {
    /// The keys, in file order (empty when there is an error).
    pub entries: Vec<Entry>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diag>,
}

impl Checked {
    /// True when no diagnostic is an error.
    pub fn ok(&self) -> bool {
        !self.diagnostics.iter().any(|d| d.severity == "error")
    }

    /// The entry of key `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.value)
    }
}

/// Line and column (1-based, column in characters) of byte `offset`.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Parses a size: an integer of bytes, or a string "<n><unit>" with unit
/// B, K/KB/KiB, M/MB/MiB, G/GB/GiB (powers of 1024: the specification's
/// "128MB" is the driver's 134217728-byte default) and optional spaces.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!(
            "{s:?} is not a size (expected e.g. \"1MB\", \"512KB\", \"4096\")"
        ));
    }
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: number too large"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        u => {
            return Err(format!(
                "{s:?}: unknown unit {u:?} (use B, KB, MB, GB; powers of 1024)"
            ))
        }
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?}: too large"))
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn int_of(v: &DeValue<'_>) -> Option<Result<i64, String>> {
    match v {
        DeValue::Integer(i) => Some(
            i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| format!("{} is too large", i.as_str())),
        ),
        _ => None,
    }
}

/// Checks one value against its key.
fn check_value(key: &Key, v: &DeValue<'_>) -> Result<Value, String> {
    let wrong = |want: &str| {
        format!(
            "wrong type: {} must be {want}, not {}",
            key.name,
            type_name(v)
        )
    };
    match key.ty {
        Ty::Int { min, max, unit } => {
            let n = int_of(v).ok_or_else(|| wrong("an integer"))??;
            if n < min || n > max {
                return Err(format!(
                    "out of range: {} = {n}{unit}; allowed {min}..={max}{unit}",
                    key.name
                ));
            }
            Ok(Value::Int(n))
        }
        Ty::Bool => match v {
            DeValue::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(wrong("true or false")),
        },
        Ty::Size {
            min,
            max,
            multiple,
            zero_ok,
        } => {
            let n = match v {
                DeValue::String(s) => parse_size(s).map_err(|e| format!("{}: {e}", key.name))?,
                _ => match int_of(v) {
                    Some(n) => u64::try_from(n?)
                        .map_err(|_| format!("out of range: {} is negative", key.name))?,
                    None => return Err(wrong("a size such as \"1MB\" or an integer of bytes")),
                },
            };
            let human = |b: u64| crate::output::human_bytes(b);
            if !(zero_ok && n == 0) && (n < min || n > max) {
                return Err(format!(
                    "out of range: {} = {n} bytes; allowed {}{}..={}",
                    key.name,
                    if zero_ok { "0 or " } else { "" },
                    human(min),
                    human(max)
                ));
            }
            if n % multiple != 0 {
                return Err(format!(
                    "out of range: {} = {n} bytes is not a multiple of {multiple}",
                    key.name
                ));
            }
            Ok(Value::Size(n))
        }
        Ty::Choice(choices) => match v {
            DeValue::String(s) if choices.contains(&s.as_ref()) => Ok(Value::Str(s.to_string())),
            DeValue::String(s) => Err(format!(
                "out of range: {} = {s:?}; allowed {}",
                key.name,
                choices.join(", ")
            )),
            _ => Err(wrong("a string")),
        },
    }
}

/// Warnings for values that are valid but cannot take effect as written.
fn warning(key: &Key, v: &Value) -> Option<String> {
    match (key.name, v) {
        ("auto_recovery", Value::Bool(false)) => Some(
            "auto_recovery = false cannot be applied: Linux's SCSI error handler always runs (reported by apply, nothing written)".into(),
        ),
        _ => None,
    }
}

/// Checks a whole file's text.
pub fn check(text: &str) -> Checked {
    let mut out = Checked::default();
    let diag = |span: Range<usize>, severity, key: Option<&str>, message: String| {
        let (line, column) = position(text, span.start);
        Diag {
            line,
            column,
            severity,
            key: key.map(str::to_string),
            message,
        }
    };
    let doc = match DeTable::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            out.diagnostics
                .push(diag(span, "error", None, format!("not valid TOML: {msg}")));
            return out;
        }
    };
    let mut scsi = None;
    for (k, v) in doc.get_ref().iter() {
        let name: &str = k.get_ref();
        match (name, v.get_ref()) {
            ("scsi", DeValue::Table(t)) => scsi = Some(t),
            ("scsi", _) => out.diagnostics.push(diag(
                k.span(),
                "error",
                Some("scsi"),
                "scsi must be a table ([scsi])".into(),
            )),
            (_, DeValue::Table(_)) => out.diagnostics.push(diag(
                k.span(),
                "error",
                Some(name),
                format!("unknown table [{name}]: only [scsi] is defined"),
            )),
            _ => out.diagnostics.push(diag(
                k.span(),
                "error",
                Some(name),
                format!("unknown key {name} outside [scsi]"),
            )),
        }
    }
    let Some(scsi) = scsi else {
        if out.diagnostics.is_empty() {
            out.diagnostics
                .push(diag(0..0, "error", None, "no [scsi] table".into()));
        }
        return out;
    };
    for (k, v) in scsi.iter() {
        let name: &str = k.get_ref();
        let Some(key) = schema::key(name) else {
            let hint = schema::KEYS
                .iter()
                .find(|c| similar(c.name, name))
                .map_or(String::new(), |c| format!(" (did you mean {}?)", c.name));
            out.diagnostics.push(diag(
                k.span(),
                "error",
                Some(name),
                format!("unknown key {name}{hint}"),
            ));
            continue;
        };
        match check_value(key, v.get_ref()) {
            Ok(value) => {
                let (line, column) = position(text, k.span().start);
                if let Some(w) = warning(key, &value) {
                    out.diagnostics
                        .push(diag(k.span(), "warning", Some(name), w));
                }
                out.entries.push(Entry {
                    key,
                    name: key.name,
                    value,
                    line,
                    column,
                });
            }
            Err(m) => out.diagnostics.push(diag(v.span(), "error", Some(name), m)),
        }
    }
    out.diagnostics.sort_by_key(|d| (d.line, d.column));
    out.entries.sort_by_key(|e| (e.line, e.column));
    if !out.ok() {
        out.entries.clear();
    }
    out
}

/// Whether `a` and `b` differ by one edit or only in `-`/`_` (typo hints).
fn similar(a: &str, b: &str) -> bool {
    if a.replace('-', "_") == b.replace('-', "_") {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's example, verbatim.
    pub const SPEC: &str = r#"[scsi]
# Host adapter configuration settings
host_adapter_max_count = 8
host_adapter_max_targets = 16
host_adapter_max_luns = 8
host_adapter_timeout = 30000

# Target configuration settings
target_max_commands = 256
target_queue_depth = 32
target_disconnect_enabled = true
target_sync_transfer_enabled = true

# Performance settings
read_ahead_size = "1MB"
write_back_cache = true
write_back_cache_size = "128MB"
io_scheduler = "deadline"
command_batching = true

# Error handling settings
error_retry_count = 3
error_timeout = 60000
auto_recovery = true
error_logging_enabled = true
"#;

    #[test]
    fn the_specification_example_is_valid_and_complete() {
        let c = check(SPEC);
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        assert_eq!(c.entries.len(), schema::KEYS.len());
        // Every key of the schema is in the example, in its order.
        for (e, k) in c.entries.iter().zip(schema::KEYS) {
            assert_eq!(e.name, k.name);
        }
        assert_eq!(c.get("read_ahead_size"), Some(&Value::Size(1 << 20)));
        assert_eq!(
            c.get("write_back_cache_size"),
            Some(&Value::Size(134_217_728))
        );
        assert_eq!(c.get("io_scheduler"), Some(&Value::Str("deadline".into())));
        assert_eq!(c.entries[0].line, 3);
        assert_eq!(c.entries[0].column, 1);
    }

    fn one_error(text: &str) -> Diag {
        let c = check(text);
        let errs: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .collect();
        assert_eq!(errs.len(), 1, "{:?}", c.diagnostics);
        assert!(c.entries.is_empty(), "entries kept despite an error");
        errs[0].clone()
    }

    #[test]
    fn unknown_key_with_position_and_hint() {
        let d = one_error("[scsi]\ntarget_queue_depth = 8\n  target_queue_dept = 4\n");
        assert_eq!((d.line, d.column), (3, 3));
        assert_eq!(d.key.as_deref(), Some("target_queue_dept"));
        assert!(d.message.contains("unknown key"), "{}", d.message);
        assert!(
            d.message.contains("did you mean target_queue_depth"),
            "{}",
            d.message
        );
        let d = one_error("[scsi]\n[other]\nx = 1\n");
        assert_eq!((d.line, d.column), (2, 2));
        assert!(d.message.contains("unknown table [other]"));
        let d = one_error("x = 1\n[scsi]\n");
        assert_eq!((d.line, d.column), (1, 1));
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let d = one_error("[scsi]\ntarget_queue_depth = \"32\"\n");
        assert_eq!((d.line, d.column), (2, 22));
        assert!(d.message.starts_with("wrong type"), "{}", d.message);
        assert!(one_error("[scsi]\nauto_recovery = 1\n")
            .message
            .contains("true or false"));
        assert!(one_error("[scsi]\nread_ahead_size = 1.5\n")
            .message
            .starts_with("wrong type"));
        assert!(one_error("[scsi]\nio_scheduler = 3\n")
            .message
            .starts_with("wrong type"));
        assert!(one_error("[scsi]\nerror_timeout = [1]\n")
            .message
            .starts_with("wrong type"));
    }

    #[test]
    fn ranges() {
        let d = one_error("[scsi]\n\ntarget_queue_depth = 0\n");
        assert_eq!((d.line, d.column), (3, 22));
        assert!(d.message.starts_with("out of range"), "{}", d.message);
        assert!(one_error("[scsi]\ntarget_queue_depth = 257\n")
            .message
            .contains("1..=256"));
        assert!(one_error("[scsi]\nhost_adapter_max_count = 9\n")
            .message
            .starts_with("out of range"));
        assert!(one_error("[scsi]\nhost_adapter_timeout = 999\n")
            .message
            .starts_with("out of range"));
        assert!(one_error("[scsi]\nerror_retry_count = -1\n")
            .message
            .starts_with("out of range"));
        assert!(one_error("[scsi]\nwrite_back_cache_size = \"2GB\"\n")
            .message
            .starts_with("out of range"));
        assert!(one_error("[scsi]\nwrite_back_cache_size = \"1000KB\"\n")
            .message
            .starts_with("out of range"));
        assert!(check("[scsi]\nwrite_back_cache_size = 1052672\n").ok());
        assert!(one_error("[scsi]\nread_ahead_size = \"1500B\"\n")
            .message
            .contains("multiple of 1024"));
        assert!(one_error("[scsi]\nio_scheduler = \"cfq\"\n")
            .message
            .contains("mq-deadline"));
        assert!(
            one_error("[scsi]\ntarget_queue_depth = 99999999999999999999\n")
                .message
                .len()
                > 5
        );
        // 0 is allowed for the cache size (no cache) and read-ahead.
        assert!(check("[scsi]\nwrite_back_cache_size = 0\nread_ahead_size = \"0\"\n").ok());
    }

    #[test]
    fn not_toml() {
        let d = one_error("[scsi]\ntarget_queue_depth = = 3\n");
        assert_eq!(d.line, 2);
        assert!(d.message.starts_with("not valid TOML"), "{}", d.message);
        let d = one_error("[scsi\n");
        assert_eq!(d.line, 1);
        // Duplicate keys are a TOML error too.
        let d = one_error("[scsi]\nerror_timeout = 1000\nerror_timeout = 2000\n");
        assert_eq!(d.line, 3);
        assert!(one_error("").message.contains("no [scsi] table"));
        assert!(one_error("scsi = 3\n").message.contains("must be a table"));
    }

    #[test]
    fn warnings_do_not_refuse() {
        let c = check("[scsi]\nauto_recovery = false\n");
        assert!(c.ok());
        assert_eq!(c.entries.len(), 1);
        assert_eq!(c.diagnostics.len(), 1);
        assert_eq!(c.diagnostics[0].severity, "warning");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MB"), Ok(1 << 20));
        assert_eq!(parse_size("128MB"), Ok(134_217_728));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size("7B"), Ok(7));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("1XB").is_err());
        assert!(parse_size("-1MB").is_err());
        assert!(parse_size("1.5MB").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("99999999999TB").is_err());
        assert_eq!(position("ab\ncdé\nx", 8), (3, 1));
        assert_eq!(position("ab\ncdé\nx", 5), (2, 3));
        assert_eq!(position("ab\ncdé\nx", 7), (2, 4));
    }
}
