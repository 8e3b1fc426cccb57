// SPDX-License-Identifier: GPL-2.0

//! A virtual host's fault-injection rules at run time: its debugfs
//! `faults` file (requests in, rules with their counters out; the syntax
//! is in [`super::emulation::faults`]) and the checks `queue_command` and
//! the error-handler callbacks make. Rules are checked in the order they
//! were added; the first that fires decides. A rule naming a LUN goes with
//! that LUN's device (`delete`, a rescan that drops it); all go with the
//! host (at unload).

use super::emulation::faults::{parse, ActiveRule, CmdView, EhStep, Request, Verdict};
use crate::debugfs;
use core::fmt;
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, SpinLock,
    },
    uaccess::UserSliceReader,
};

/// Most rules a host holds.
pub(crate) const MAX_RULES: usize = 64;

/// Longest request written at once.
const MAX_REQUEST: usize = 4096;

/// A host's rules.
#[pin_data]
pub(crate) struct FaultRules {
    /// Reserved for [`MAX_RULES`] at creation: adding allocates nothing
    /// under the lock.
    #[pin]
    rules: SpinLock<KVec<ActiveRule>>,
    next_id: Atomic<u32>,
    /// Some rule exists: the I/O path takes the lock only then.
    armed: Atomic<bool>,
    /// For log lines (known once the host exists).
    host_no: Atomic<u32>,
}

impl FaultRules {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let rules = KVec::with_capacity(MAX_RULES, GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Self {
                rules <- new_spinlock!(rules),
                next_id: Atomic::new(1),
                armed: Atomic::new(false),
                host_no: Atomic::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Names the host in log lines.
    pub(crate) fn set_host_no(&self, host_no: u32) {
        self.host_no.store(host_no, Relaxed);
    }

    /// What the rules decide for a command on its way in.
    pub(crate) fn check(&self, view: &CmdView) -> Verdict {
        if !self.armed.load(Relaxed) {
            return Verdict::Pass;
        }
        let mut rules = self.rules.lock();
        for rule in rules.iter_mut() {
            if let fire @ Verdict::Fire { .. } = rule.check(view) {
                return fire;
            }
        }
        Verdict::Pass
    }

    /// Whether a rule makes error-handler `step` fail for the LUN.
    pub(crate) fn fails_eh(&self, step: EhStep, target: u32, lun: u64) -> bool {
        if !self.armed.load(Relaxed) {
            return false;
        }
        let mut rules = self.rules.lock();
        rules.iter_mut().any(|r| r.fails_eh(step, target, lun))
    }

    /// Whether a rule of any LUN makes `step` fail (bus and host resets
    /// have no LUN).
    pub(crate) fn fails_eh_any(&self, step: EhStep) -> bool {
        if !self.armed.load(Relaxed) {
            return false;
        }
        let mut rules = self.rules.lock();
        rules.iter_mut().any(|r| r.fails_eh_any(step))
    }

    /// Removes the rules that name this LUN (its device goes); rules for
    /// `any` LUN stay.
    pub(crate) fn remove_lun(&self, target: u32, lun: u64) {
        let mut rules = self.rules.lock();
        let before = rules.len();
        rules.retain(|r| !r.names_lun(target, lun));
        let removed = before.saturating_sub(rules.len());
        self.armed.store(!rules.is_empty(), Relaxed);
        drop(rules);
        if removed > 0 {
            pr_info!(
                "orion_virt host{}: faults: {} rule(s) of LUN {}:{} removed with its device\n",
                self.host_no.load(Relaxed),
                removed,
                target,
                lun
            );
        }
    }

    /// Removes every rule (the host goes).
    pub(crate) fn clear_all(&self) {
        let mut rules = self.rules.lock();
        rules.clear();
        self.armed.store(false, Relaxed);
    }

    /// Carries out one request line; a bad one is refused with a log line
    /// naming the field.
    fn request(&self, line: &str) -> Result {
        let req = parse(line).map_err(|e| {
            pr_warn!(
                "orion_virt host{}: faults: '{}': {}: {}\n",
                self.host_no.load(Relaxed),
                line,
                e.field,
                e.reason
            );
            EINVAL
        })?;
        let mut rules = self.rules.lock();
        match req {
            Request::Clear => rules.clear(),
            Request::Del(id) => {
                let before = rules.len();
                rules.retain(|r| r.rule.id != id);
                if rules.len() == before {
                    drop(rules);
                    pr_warn!(
                        "orion_virt host{}: faults: '{}': del: no rule {}\n",
                        self.host_no.load(Relaxed),
                        line,
                        id
                    );
                    return Err(ENOENT);
                }
            }
            Request::Add(mut rule) => {
                if rule.id == 0 {
                    // The next number no rule has (explicit ids may take some).
                    loop {
                        let id = self.next_id.fetch_add(1, Relaxed);
                        if id != 0 && !rules.iter().any(|r| r.rule.id == id) {
                            rule.id = id;
                            break;
                        }
                    }
                } else if rules.iter().any(|r| r.rule.id == rule.id) {
                    drop(rules);
                    pr_warn!(
                        "orion_virt host{}: faults: '{}': id: rule {} exists\n",
                        self.host_no.load(Relaxed),
                        line,
                        rule.id
                    );
                    return Err(EEXIST);
                }
                if rules.push_within_capacity(ActiveRule::new(rule)).is_err() {
                    drop(rules);
                    pr_warn!(
                        "orion_virt host{}: faults: '{}': request: at most {} rules\n",
                        self.host_no.load(Relaxed),
                        line,
                        MAX_RULES
                    );
                    return Err(ENOSPC);
                }
            }
        }
        self.armed.store(!rules.is_empty(), Relaxed);
        Ok(())
    }

    /// Lists the rules, one per line, with their counters.
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = self.rules.lock();
        for rule in rules.iter() {
            writeln!(f, "{rule}")?;
        }
        Ok(())
    }
}

/// The debugfs `faults` file of a host.
pub(crate) struct FaultsFile(pub(crate) Arc<FaultRules>);

fn show(file: &FaultsFile, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    file.0.show(f)
}

/// Takes a write: one request per line, carried out in order; the first
/// refused stops the rest.
fn store(file: &FaultsFile, reader: &mut UserSliceReader) -> Result {
    let len = reader.len();
    if len > MAX_REQUEST {
        return Err(EINVAL);
    }
    let mut buf = KVec::with_capacity(len, GFP_KERNEL)?;
    buf.resize(len, 0, GFP_KERNEL)?;
    reader.read_slice(&mut buf)?;
    let text = core::str::from_utf8(&buf).map_err(|_| EINVAL)?;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        file.0.request(line.trim())?;
    }
    Ok(())
}

impl debugfs::Writer for FaultsFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show(self, f)
    }
}

impl debugfs::Reader for FaultsFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        store(self, reader)
    }
}

/// Creates the `faults` file of a host in `dir`.
pub(crate) fn create_file<'a>(
    dir: &'a debugfs::Dir,
    rules: Arc<FaultRules>,
) -> impl PinInit<debugfs::File<FaultsFile>> + 'a {
    dir.read_write_file(c"faults", FaultsFile(rules))
}
