// SPDX-License-Identifier: GPL-2.0

//! NOP-Out pings (iscsid's `noop_out_interval` and `noop_out_timeout`, the
//! class's RECV_TMO and PING_TMO), as libiscsi does them: when nothing has
//! been received for the interval, a NOP-Out with an ITT asks the target
//! for a NOP-In; when still nothing has been received for the interval
//! and the timeout together while the ping is outstanding, the connection
//! has failed. Anything received counts as life, so a busy connection
//! whose answer waits behind data is not dropped.

use super::conn::Conn;
use crate::hw::{Periodic, PeriodicTask};
use crate::scsi::iscsi::ConnError;
use kernel::{prelude::*, sync::Arc};

/// How often the checker looks: the timeouts are whole seconds.
const CHECK_MS: u32 = 1000;

/// What the checker does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PingAction {
    Nothing,
    /// Queue a ping.
    Ping,
    /// The ping went unanswered: fail the connection.
    TimedOut,
}

/// The decision for a connection that last received `idle_ms` ago.
pub(crate) fn decide(
    idle_ms: u64,
    interval_ms: u64,
    timeout_ms: u64,
    outstanding: bool,
) -> PingAction {
    if interval_ms == 0 {
        PingAction::Nothing
    } else if outstanding {
        if idle_ms >= interval_ms.saturating_add(timeout_ms) {
            PingAction::TimedOut
        } else {
            PingAction::Nothing
        }
    } else if idle_ms >= interval_ms {
        PingAction::Ping
    } else {
        PingAction::Nothing
    }
}

/// The periodic check of one connection while its full feature phase
/// runs; dropped (cancelled) when the connection stops.
pub(crate) struct PingCheck {
    conn: Arc<Conn>,
    interval_ms: u64,
    timeout_ms: u64,
}

impl PingCheck {
    /// Starts checking `conn` with the interval and timeout in seconds
    /// (no checker for an interval of 0: pings off).
    pub(crate) fn start(
        conn: &Arc<Conn>,
        interval_s: u32,
        timeout_s: u32,
    ) -> Result<Option<Pin<KBox<Periodic<Self>>>>> {
        if interval_s == 0 {
            return Ok(None);
        }
        let check = Self {
            conn: conn.clone(),
            interval_ms: u64::from(interval_s) * 1000,
            timeout_ms: u64::from(timeout_s) * 1000,
        };
        Periodic::new(CHECK_MS, check).map(Some)
    }
}

impl PeriodicTask for PingCheck {
    fn run(&self) {
        let conn = &self.conn;
        if conn.has_failed() {
            return;
        }
        let idle_ms = conn.idle_ms();
        let outstanding = conn.core().state.lock().ping.outstanding();
        match decide(idle_ms, self.interval_ms, self.timeout_ms, outstanding) {
            PingAction::Nothing => {}
            PingAction::Ping => {
                if conn.core().state.lock().queue_ping() {
                    conn.kick_tx();
                }
            }
            PingAction::TimedOut => {
                pr_err!(
                    "iSCSI: ping timeout of {} s expired, recv timeout {} s, last rx {} ms ago\n",
                    self.timeout_ms / 1000,
                    self.interval_ms / 1000,
                    idle_ms
                );
                conn.fail(ConnError::NopTimeout);
            }
        }
    }
}
