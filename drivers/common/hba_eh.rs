// SPDX-License-Identifier: GPL-2.0

//! Error handling the PCI HBA drivers share once their controller has
//! aborted or reset something: wait for the controller to give the
//! command's slot back, then hand the timed-out commands it released to
//! the error handler. Every command still goes back exactly once: the
//! reply path completes the ones not timed out, and a timed-out one is
//! taken from its parking place by one side only (`take_parked_eh`).

use super::hba_host::{abort_released, HbaHost};
use crate::dma::DmaSlots;
use crate::scsi::{CmdStatus, CommandRef, EhContext, EhResult, HostByte, HostOperations, HostRef};
use kernel::{
    prelude::*,
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// `eh_abort` with a controller-level abort: while the controller holds
/// the command's slot, `abort` asks it to let go (its reply then frees
/// the slot and leaves the timed-out command parked); after at most
/// `wait_ms` for the slot, [`abort_released`] decides. A shut-down
/// controller is not asked.
pub(crate) fn abort_with<T: HostOperations>(
    hba: &HbaHost,
    slots: &DmaSlots,
    cmd: &CommandRef<T>,
    eh: &EhContext,
    wait_ms: i64,
    abort: impl FnOnce(u32) -> Result,
) -> EhResult {
    let tag = cmd.unique_tag() & 0xffff;
    if slots.is_with_device(tag as usize) && !hba.is_shut_down() {
        match abort(tag) {
            Ok(()) => {
                let start = Instant::<Monotonic>::now();
                while slots.is_with_device(tag as usize) && start.elapsed().as_millis() < wait_ms {
                    fsleep(Delta::from_millis(1));
                }
            }
            // Nothing to wait for: the controller was not asked, or said no.
            Err(e) => dev_info!(
                cmd.device().as_dev(),
                "abort of tag {} not accepted ({:?})\n",
                tag,
                e
            ),
        }
    }
    abort_released(slots, cmd, eh)
}

/// After a device, target or bus reset the controller completed: gives
/// the timed-out commands `in_scope` whose slots it released back to the
/// error handler (those it still holds stay parked; the midlayer then
/// fails the reset and escalates).
pub(crate) fn give_back_released<T: HostOperations>(
    shost: &HostRef<T>,
    slots: &DmaSlots,
    eh: &EhContext,
    mut in_scope: impl FnMut(&CommandRef<T>) -> bool,
) {
    shost.for_each_busy(|c| {
        let tag = c.unique_tag() & 0xffff;
        if !in_scope(c) || slots.is_with_device(tag as usize) {
            return;
        }
        if let Some(cmd) = c.take_parked_eh(eh) {
            cmd.give_back(CmdStatus::host(HostByte::Reset));
        }
    });
}
