// SPDX-License-Identifier: GPL-2.0

//! A rule at work: which commands it matches, when it fires, its
//! counters and pending blocks, and its line in the `faults` file.

use super::*;
use crate::proto::sense::SenseKey;

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

    /// Whether the rule names exactly this LUN (not `any`): it goes when
    /// the LUN's device does.
    pub fn names_lun(&self, target: u32, lun: u64) -> bool {
        self.rule.lun == Some((target, lun))
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
