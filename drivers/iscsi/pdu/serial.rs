// SPDX-License-Identifier: GPL-2.0

//! Serial number arithmetic (RFC 1982 with SERIAL_BITS = 32), which RFC
//! 7143 uses for CmdSN, ExpCmdSN, MaxCmdSN, StatSN, DataSN and R2TSN, and
//! the initiator's command window built on it.
//!
//! Two numbers exactly 2^31 apart compare neither less nor greater
//! (RFC 1982 leaves the order undefined); [`compare`] returns `None` then.

use core::cmp::Ordering;

/// Half the 32-bit number space: the largest defined distance is one less.
const HALF: u32 = 1 << 31;

/// Largest increment RFC 1982 defines (2^31 - 1).
pub const MAX_ADD: u32 = HALF - 1;

/// `a + n` in serial arithmetic; `None` for an increment beyond
/// [`MAX_ADD`], which RFC 1982 leaves undefined.
pub fn add(a: u32, n: u32) -> Option<u32> {
    (n <= MAX_ADD).then(|| a.wrapping_add(n))
}

/// The serial order of `a` and `b`, `None` when it is undefined (the two
/// are exactly 2^31 apart).
pub fn compare(a: u32, b: u32) -> Option<Ordering> {
    match b.wrapping_sub(a) {
        0 => Some(Ordering::Equal),
        d if d < HALF => Some(Ordering::Less),
        HALF => None,
        _ => Some(Ordering::Greater),
    }
}

/// `a < b` in serial arithmetic.
pub fn lt(a: u32, b: u32) -> bool {
    compare(a, b) == Some(Ordering::Less)
}

/// `a > b` in serial arithmetic.
pub fn gt(a: u32, b: u32) -> bool {
    compare(a, b) == Some(Ordering::Greater)
}

/// `a <= b` in serial arithmetic.
pub fn le(a: u32, b: u32) -> bool {
    matches!(compare(a, b), Some(Ordering::Less | Ordering::Equal))
}

/// `a >= b` in serial arithmetic.
pub fn ge(a: u32, b: u32) -> bool {
    matches!(compare(a, b), Some(Ordering::Greater | Ordering::Equal))
}

/// What [`CmdWindow::update`] did with a target's ExpCmdSN and MaxCmdSN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowUpdate {
    /// MaxCmdSN < ExpCmdSN - 1: RFC 7143 4.2.2.1 says to ignore both.
    Invalid,
    /// Neither number moved forward (stale or repeated values).
    Unchanged,
    /// ExpCmdSN, MaxCmdSN or both advanced.
    Advanced,
}

/// The command window the target grants: non-immediate commands may be
/// sent with CmdSN in [ExpCmdSN, MaxCmdSN]. MaxCmdSN = ExpCmdSN - 1 is a
/// closed window (the target takes nothing until it reopens it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdWindow {
    exp_cmd_sn: u32,
    max_cmd_sn: u32,
}

/// Whether (ExpCmdSN, MaxCmdSN) form a window: MaxCmdSN >= ExpCmdSN - 1,
/// with the undefined comparison (2^31 apart) counted as invalid so that
/// every valid window has a well-defined serial order inside it.
pub fn is_valid_window(exp_cmd_sn: u32, max_cmd_sn: u32) -> bool {
    max_cmd_sn.wrapping_sub(exp_cmd_sn.wrapping_sub(1)) < HALF
}

impl CmdWindow {
    /// The window of a login's final response; `None` when invalid.
    pub fn new(exp_cmd_sn: u32, max_cmd_sn: u32) -> Option<Self> {
        is_valid_window(exp_cmd_sn, max_cmd_sn).then_some(CmdWindow {
            exp_cmd_sn,
            max_cmd_sn,
        })
    }

    /// ExpCmdSN.
    pub fn exp_cmd_sn(&self) -> u32 {
        self.exp_cmd_sn
    }

    /// MaxCmdSN.
    pub fn max_cmd_sn(&self) -> u32 {
        self.max_cmd_sn
    }

    /// Number of CmdSNs in the window (0 when closed, at most 2^31 - 1).
    pub fn size(&self) -> u32 {
        // A valid window keeps this below 2^31, so it cannot wrap to 0.
        self.max_cmd_sn
            .wrapping_sub(self.exp_cmd_sn)
            .wrapping_add(1)
    }

    /// Whether a non-immediate command with `cmd_sn` may be sent now.
    pub fn can_send(&self, cmd_sn: u32) -> bool {
        // ExpCmdSN <= cmd_sn <= MaxCmdSN, as an offset into the window.
        cmd_sn.wrapping_sub(self.exp_cmd_sn) < self.size()
    }

    /// Applies a target's ExpCmdSN and MaxCmdSN: ignored when they do not
    /// form a valid window, otherwise each moves only forward, as
    /// libiscsi's `iscsi_update_cmdsn` does (responses can arrive out of
    /// order on several connections, so older values must not shrink the
    /// window).
    pub fn update(&mut self, exp_cmd_sn: u32, max_cmd_sn: u32) -> WindowUpdate {
        if !is_valid_window(exp_cmd_sn, max_cmd_sn) {
            return WindowUpdate::Invalid;
        }
        let mut next = *self;
        if gt(exp_cmd_sn, next.exp_cmd_sn) {
            next.exp_cmd_sn = exp_cmd_sn;
        }
        if gt(max_cmd_sn, next.max_cmd_sn) {
            next.max_cmd_sn = max_cmd_sn;
        }
        // With both comparisons defined, taking the newer of each number
        // keeps a valid window; checked anyway so the invariant that
        // `size` and `can_send` rely on never rests on that argument.
        if !is_valid_window(next.exp_cmd_sn, next.max_cmd_sn) {
            return WindowUpdate::Invalid;
        }
        if next == *self {
            WindowUpdate::Unchanged
        } else {
            *self = next;
            WindowUpdate::Advanced
        }
    }
}

/// CmdSN assignment on a session: the next CmdSN and the target's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdSequence {
    next_cmd_sn: u32,
    window: CmdWindow,
}

impl CmdSequence {
    /// Starts numbering at the ExpCmdSN of the final login response.
    pub fn new(window: CmdWindow) -> Self {
        CmdSequence {
            next_cmd_sn: window.exp_cmd_sn(),
            window,
        }
    }

    /// The current window.
    pub fn window(&self) -> &CmdWindow {
        &self.window
    }

    /// Applies a target's ExpCmdSN and MaxCmdSN (see [`CmdWindow::update`]).
    pub fn update(&mut self, exp_cmd_sn: u32, max_cmd_sn: u32) -> WindowUpdate {
        self.window.update(exp_cmd_sn, max_cmd_sn)
    }

    /// The CmdSN the next non-immediate command will carry.
    pub fn next_cmd_sn(&self) -> u32 {
        self.next_cmd_sn
    }

    /// Assigns a CmdSN to a non-immediate command, or `None` when the
    /// window is closed to it (queue the command until the target opens
    /// the window).
    pub fn assign(&mut self) -> Option<u32> {
        let cmd_sn = self.next_cmd_sn;
        if !self.window.can_send(cmd_sn) {
            return None;
        }
        self.next_cmd_sn = cmd_sn.wrapping_add(1);
        Some(cmd_sn)
    }

    /// Assigns a CmdSN to a non-immediate task management, text or logout
    /// request whatever the window: the target decides what to do with it
    /// (an initiator has no other way to log out of a closed window).
    pub fn assign_unchecked(&mut self) -> u32 {
        let cmd_sn = self.next_cmd_sn;
        self.next_cmd_sn = cmd_sn.wrapping_add(1);
        cmd_sn
    }

    /// The CmdSN of an immediate command: the next non-immediate one's,
    /// without advancing (RFC 7143 4.2.2.1); immediate commands are not
    /// held back by the window.
    pub fn immediate(&self) -> u32 {
        self.next_cmd_sn
    }

    /// Commands that may still be assigned before the window closes.
    pub fn credits(&self) -> u32 {
        let offset = self.next_cmd_sn.wrapping_sub(self.window.exp_cmd_sn());
        self.window.size().saturating_sub(offset)
    }
}
