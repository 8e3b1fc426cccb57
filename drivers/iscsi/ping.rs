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
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

/// How often the checker looks: the timeouts are whole seconds.
const CHECK_MS: u32 = 1000;

/// The timeout libiscsi uses for whichever of the two is 0 when the other
/// is not.
const DEFAULT_S: u32 = 5;

/// What the checker does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PingAction {
    Nothing,
    /// Queue a ping.
    Ping,
    /// The ping went unanswered: fail the connection.
    TimedOut,
}

/// The decision for a connection that last received `idle_ms` ago, whose
/// ping (if `sent_ms` is some) went out that long ago.
pub(crate) fn decide(
    idle_ms: u64,
    sent_ms: Option<u64>,
    interval_ms: u64,
    timeout_ms: u64,
) -> PingAction {
    match sent_ms {
        // The target gets the whole timeout to answer, whatever the
        // checker's granularity.
        Some(sent) if idle_ms >= interval_ms.saturating_add(timeout_ms) && sent >= timeout_ms => {
            PingAction::TimedOut
        }
        Some(_) => PingAction::Nothing,
        None if idle_ms >= interval_ms => PingAction::Ping,
        None => PingAction::Nothing,
    }
}

/// The periodic check of one connection while its full feature phase
/// runs; dropped (cancelled) when the connection stops or is bound again.
pub(crate) struct PingCheck {
    conn: Arc<Conn>,
    interval_ms: u64,
    timeout_ms: u64,
    /// When the outstanding ping was queued, on the connection's clock
    /// (only `run` touches it, and runs do not overlap).
    queued_ns: Atomic<u64>,
}

impl PingCheck {
    /// Starts checking `conn` with the interval and timeout in seconds:
    /// none when both are 0 (pings off); libiscsi's 5 s for one of them
    /// that is 0.
    pub(crate) fn start(
        conn: &Arc<Conn>,
        interval_s: u32,
        timeout_s: u32,
    ) -> Result<Option<Pin<KBox<Periodic<Self>>>>> {
        if interval_s == 0 && timeout_s == 0 {
            return Ok(None);
        }
        let or_default = |s: u32| u64::from(if s == 0 { DEFAULT_S } else { s }) * 1000;
        let check = Self {
            conn: conn.clone(),
            interval_ms: or_default(interval_s),
            timeout_ms: or_default(timeout_s),
            queued_ns: Atomic::new(0),
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
        let now = conn.now_ns();
        let (idle_ms, outstanding) = {
            // Under the lock the receive side clears the ping with.
            let st = conn.core().state.lock();
            (conn.idle_ms(), st.ping.outstanding())
        };
        let sent_ms =
            outstanding.then(|| now.saturating_sub(self.queued_ns.load(Relaxed)) / 1_000_000);
        match decide(idle_ms, sent_ms, self.interval_ms, self.timeout_ms) {
            PingAction::Nothing => {}
            PingAction::Ping => {
                if conn.core().state.lock().queue_ping() {
                    self.queued_ns.store(now, Relaxed);
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
