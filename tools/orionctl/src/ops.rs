// SPDX-License-Identifier: GPL-2.0

//! Operations shared by the host, target and device commands: the node a
//! reset goes through, orion's host counters around an operation, and
//! removing devices.

use crate::addr::Hctl;
use crate::error::{Error, Result};
use crate::reset::{self, Kind};
use crate::sysfs::{self, read, Sys};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The node to send an ioctl to: the sg node, else the block node.
pub fn node_of(sys: &Sys, a: &Hctl) -> Result<PathBuf> {
    sys.sg_of(a)
        .or_else(|| sys.block_of(a))
        .map(|n| sys.dev_node(&n))
        .ok_or_else(|| {
            Error::Failed(format!(
                "{a} has neither an sg nor a block device node to send the reset through"
            ))
        })
}

/// orion's numeric host counters (`orion_resets`, ...), by name.
pub fn host_counters(sys: &Sys, host: u32) -> BTreeMap<String, u64> {
    let dir = sys.host_dir(host);
    sys.orion_attrs(&dir)
        .into_iter()
        .filter_map(|n| {
            let v = read(&dir.join(&n))?.trim().parse().ok()?;
            Some((n, v))
        })
        .collect()
}

/// A counter that changed across an operation.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// Attribute name.
    pub counter: String,
    /// Before.
    pub before: u64,
    /// After.
    pub after: u64,
}

/// The counters that differ.
pub fn changes(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Vec<Change> {
    after
        .iter()
        .filter_map(|(k, &a)| {
            let b = before.get(k).copied().unwrap_or(0);
            (a != b).then(|| Change {
                counter: k.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// The result of a reset.
#[derive(Clone, Debug, Serialize)]
pub struct ResetResult {
    /// `device`, `target`, `bus` or `host`.
    pub kind: &'static str,
    /// What was reset (`H:C:T:L`, `H:C:T`, `hostN`).
    pub object: String,
    /// The node the ioctl went through.
    pub node: PathBuf,
    /// orion host counters that moved (resets, aborts, ...).
    pub counters: Vec<Change>,
}

/// Resets through device `via`'s node and reports orion's counters.
pub fn do_reset(
    sys: &Sys,
    via: &Hctl,
    kind: Kind,
    object: String,
    no_escalate: bool,
) -> Result<ResetResult> {
    let node = node_of(sys, via)?;
    // The host's counters, and the LUN's reset count where the driver
    // keeps one (debugfs `resets`).
    let counters = || {
        let mut m = host_counters(sys, via.host);
        if let Some(n) = crate::topology::lun_stats(sys, via).and_then(|s| s.0.resets) {
            m.insert(format!("lun {via} resets"), n);
        }
        m
    };
    let before = counters();
    reset::reset(&node, kind, no_escalate)?;
    let after = counters();
    Ok(ResetResult {
        kind: kind.name(),
        object,
        node,
        counters: changes(&before, &after),
    })
}

/// Prints a reset result as a line.
pub fn print_reset(r: &ResetResult) {
    let moved: Vec<String> = r
        .counters
        .iter()
        .map(|c| format!("{} {} -> {}", c.counter, c.before, c.after))
        .collect();
    println!(
        "{}: {} reset done through {}{}",
        r.object,
        r.kind,
        r.node.display(),
        if moved.is_empty() {
            String::new()
        } else {
            format!(" ({})", moved.join(", "))
        }
    );
}

/// Removes a device (its `delete` attribute) and checks it went.
pub fn remove(sys: &Sys, a: &Hctl) -> Result<()> {
    sysfs::write_attr(&sys.device_dir(a).join("delete"), "1")?;
    if sys.is_live() && sys.device_dir(a).exists() {
        return Err(Error::Failed(format!("{a} is still present after delete")));
    }
    Ok(())
}
