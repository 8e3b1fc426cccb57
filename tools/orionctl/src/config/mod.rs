// SPDX-License-Identifier: GPL-2.0

//! `orionctl config check|apply|show`: the specification's `[scsi]` TOML
//! configuration.

pub mod apply;
pub mod parse;
pub mod schema;

use crate::error::{Error, Result};
use crate::output::{self, cell, print_table, Format};
use crate::sysfs::{read, Sys};
use parse::Checked;
use schema::{Runtime, KEYS};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads and checks a file.
fn load(file: &Path) -> Result<(String, Checked)> {
    let text = std::fs::read_to_string(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Usage(format!("{}: no such file", file.display())),
        _ => Error::io("read", file, &e),
    })?;
    let checked = parse::check(&text);
    Ok((text, checked))
}

fn print_diags(file: &Path, c: &Checked) {
    for d in &c.diagnostics {
        eprintln!(
            "{}:{}:{}: {}: {}",
            file.display(),
            d.line,
            d.column,
            d.severity,
            d.message
        );
    }
}

fn refused(file: &Path, c: &Checked) -> Error {
    let n = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == "error")
        .count();
    Error::Config(format!(
        "{}: refused ({n} error(s)); nothing was applied",
        file.display()
    ))
}

/// `config check FILE`.
pub fn check(fmt: Format, file: &Path) -> Result<()> {
    let (_, c) = load(file)?;
    if fmt == Format::Json {
        output::print_json(
            "config check",
            json!({ "file": file, "valid": c.ok(), "keys": c.entries, "diagnostics": c.diagnostics }),
            true,
        );
    } else {
        print_diags(file, &c);
    }
    if !c.ok() {
        return Err(refused(file, &c));
    }
    if fmt == Format::Table {
        println!("{}: valid, {} key(s)", file.display(), c.entries.len());
    }
    Ok(())
}

/// `config apply FILE`.
pub fn apply(sys: &Sys, fmt: Format, file: &Path, dry_run: bool) -> Result<()> {
    let (_, c) = load(file)?;
    if fmt == Format::Table {
        print_diags(file, &c);
    }
    if !c.ok() {
        if fmt == Format::Json {
            output::print_json(
                "config apply",
                json!({ "file": file, "valid": false, "diagnostics": c.diagnostics }),
                true,
            );
        }
        return Err(refused(file, &c));
    }
    let mut plan = apply::plan(sys, &c, &file.display().to_string());
    let r = apply::execute(sys, &mut plan, dry_run);
    if fmt == Format::Json {
        output::print_json(
            "config apply",
            json!({ "file": file, "valid": true, "dry_run": dry_run, "plan": plan, "diagnostics": c.diagnostics }),
            true,
        );
        return r;
    }
    if let Some(m) = &plan.modprobe {
        println!("{}: {}", m.path.display(), m.status);
        for l in m.contents.lines().filter(|l| !l.starts_with('#')) {
            println!("  {l}");
        }
        if plan.next_load.is_empty() {
            println!("  (orion_scsi is not loaded: the options apply when it is)");
        } else {
            println!("  orion_scsi is loaded: these take effect at its next load");
        }
    }
    if !plan.writes.is_empty() {
        let mut t = output::table(&["KEY", "OBJECT", "ATTRIBUTE", "OLD", "NEW", "STATUS"]);
        for w in &plan.writes {
            let status = match &w.error {
                Some(e) => format!("{}: {e}", w.status),
                None => w.status.clone(),
            };
            t.add_row(vec![
                w.key.to_string(),
                w.object.clone(),
                w.attribute.to_string(),
                cell(&w.old),
                w.value.clone(),
                status,
            ]);
        }
        print_table(&t);
    }
    if let Some(u) = &plan.udev {
        println!(
            "{}: {} (devices added later get the run-time settings)",
            u.path.display(),
            u.status
        );
    }
    if !plan.not_applied.is_empty() {
        println!("not applied:");
        let mut t = output::table(&["KEY", "OBJECT", "REASON"]);
        for s in &plan.not_applied {
            t.add_row(vec![s.key.to_string(), s.object.clone(), s.reason.clone()]);
        }
        print_table(&t);
    }
    r
}

/// One key in `config show`.
#[derive(Serialize)]
struct ShowKey {
    key: &'static str,
    default: &'static str,
    file: Option<String>,
    parameter: Option<&'static str>,
    parameter_value: Option<String>,
    attributes: Vec<&'static str>,
    /// Distinct run-time values of the first attribute and how many
    /// objects have each.
    runtime: BTreeMap<String, usize>,
}

/// Run-time values of a setting across the orion objects.
fn runtime_values(sys: &Sys, rt: Runtime) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let hosts = apply::orion_hosts(sys);
    let mut add = |v: Option<String>| {
        if let Some(v) = v {
            *m.entry(v).or_insert(0) += 1;
        }
    };
    match rt {
        Runtime::EhDeadline => {
            for h in &hosts {
                add(sys.host_attr(h.host, "eh_deadline"));
            }
        }
        Runtime::LoggingLevel => add(read(&sys.scsi_logging_level())),
        _ => {
            for d in hosts.iter().flat_map(|h| h.devices.iter()) {
                let p = match rt {
                    Runtime::DeviceTimeout => Some(sys.device_dir(d).join("timeout")),
                    Runtime::QueueDepth => Some(sys.device_dir(d).join("queue_depth")),
                    Runtime::CacheType => Some(sys.disk_dir(d).join("cache_type")),
                    Runtime::MaxRetries => Some(sys.disk_dir(d).join("max_retries")),
                    Runtime::Scheduler => sys
                        .block_of(d)
                        .map(|b| sys.block_dir(&b).join("queue/scheduler")),
                    Runtime::ReadAheadKb => sys
                        .block_of(d)
                        .map(|b| sys.block_dir(&b).join("queue/read_ahead_kb")),
                    Runtime::NoMerges => sys
                        .block_of(d)
                        .map(|b| sys.block_dir(&b).join("queue/nomerges")),
                    _ => None,
                };
                let v = p.and_then(|p| read(&p));
                add(if rt == Runtime::Scheduler {
                    v.map(|s| crate::topology::selected(&s))
                } else {
                    v
                });
            }
        }
    }
    m
}

/// `config show [FILE]`.
pub fn show(sys: &Sys, fmt: Format, file: Option<&Path>) -> Result<()> {
    let checked = match file {
        Some(f) => {
            let (_, c) = load(f)?;
            print_diags(f, &c);
            if !c.ok() {
                return Err(refused(f, &c));
            }
            Some(c)
        }
        None => None,
    };
    let keys: Vec<ShowKey> = KEYS
        .iter()
        .map(|k| ShowKey {
            key: k.name,
            default: k.default,
            file: checked
                .as_ref()
                .and_then(|c| c.get(k.name))
                .map(|v| v.to_string()),
            parameter: k.param.map(|p| p.name),
            parameter_value: k.param.and_then(|p| read(&sys.module_param(p.name))),
            attributes: k.runtime.iter().map(|r| r.attribute()).collect(),
            runtime: k
                .runtime
                .first()
                .map(|&r| runtime_values(sys, r))
                .unwrap_or_default(),
        })
        .collect();
    if fmt == Format::Json {
        output::print_json("config show", json!({ "file": file, "keys": keys }), true);
        return Ok(());
    }
    let mut t = output::table(&["KEY", "DEFAULT", "FILE", "PARAMETER", "LOADED", "RUNTIME"]);
    for k in &keys {
        let rt = if k.attributes.is_empty() {
            "-".to_string()
        } else if k.runtime.is_empty() {
            "(no orion device)".to_string()
        } else {
            k.runtime
                .iter()
                .map(|(v, n)| format!("{v} x{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        t.add_row(vec![
            k.key.to_string(),
            k.default.to_string(),
            cell(&k.file),
            cell(&k.parameter),
            cell(&k.parameter_value),
            rt,
        ]);
    }
    print_table(&t);
    Ok(())
}
