// SPDX-License-Identifier: GPL-2.0

//! Output: human tables (comfy-table) or JSON (serde_json) in one
//! envelope, `{"schema_version": 1, "command": "...", "result": ...}`,
//! documented in Documentation/orionctl.rst.

use crate::error::Error;
use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;
use serde_json::{json, Value};

/// The JSON schema version: bumped when a field changes meaning or goes
/// away (new fields do not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables and lines for people.
    Table,
    /// One JSON document (one per line with `stats --watch`).
    Json,
}

/// The JSON envelope of a result.
pub fn envelope(command: &str, result: impl Serialize) -> Value {
    json!({
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "result": result,
    })
}

/// Prints a result as one JSON document.
pub fn print_json(command: &str, result: impl Serialize, pretty: bool) {
    let v = envelope(command, result);
    let s = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    };
    println!("{}", s.unwrap_or_else(|_| "{}".into()));
}

/// Prints an error as JSON (stdout) for scripts.
pub fn print_json_error(command: &str, e: &Error) {
    let v = json!({
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "error": { "kind": e.kind(), "exit_code": e.exit_code(), "message": e.to_string() },
    });
    println!("{v}");
}

/// A table with a header row, no borders (like lsscsi, iostat).
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_string()));
    t
}

/// Prints a table: columns two spaces apart, no trailing spaces.
pub fn print_table(t: &Table) {
    let mut t = t.clone();
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    for line in t.lines() {
        println!("{}", line.trim_end());
    }
}

/// An optional value for a table cell.
pub fn cell<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "-".into(), |v| v.to_string())
}

/// Bytes as a short human figure (powers of 1024).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b}B")
    } else if v.fract() == 0.0 {
        format!("{v:.0}{}", UNITS[u])
    } else {
        format!("{v:.1}{}", UNITS[u])
    }
}

/// A bar of `n` out of `max` in `width` columns; a non-zero count gets at
/// least one column.
pub fn bar(n: u64, max: u64, width: usize) -> String {
    if n == 0 || max == 0 {
        return String::new();
    }
    let cols = ((n as f64 / max as f64) * width as f64).round() as usize;
    "#".repeat(cols.clamp(1, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_figures() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(1 << 20), "1MiB");
        assert_eq!(human_bytes(268_435_456), "256MiB");
        assert_eq!(human_bytes(1536), "1.5KiB");
        assert_eq!(bar(0, 10, 40), "");
        assert_eq!(bar(1, 1000, 40), "#");
        assert_eq!(bar(10, 10, 40).len(), 40);
        assert_eq!(bar(5, 10, 40).len(), 20);
    }

    #[test]
    fn envelope_has_the_schema_version() {
        let v = envelope("host list", vec![1, 2]);
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["command"], "host list");
        assert_eq!(v["result"][1], 2);
    }
}
