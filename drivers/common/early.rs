// SPDX-License-Identifier: GPL-2.0

//! Completing a command that never reached the hardware (bad address, no
//! device, a frame or CCB that cannot be built), counted in the device's
//! statistics like any other: started and finished.

use super::stats_attrs::StatsDevice;
use crate::scsi::{CmdStatus, NewCommand, Requeue};

/// Completes `cmd` at once with `status`; `queue_command` returns this.
pub(crate) fn finish_early<'q, T: StatsDevice>(
    cmd: NewCommand<'q, T>,
    status: CmdStatus,
) -> Result<(), Requeue<'q>> {
    if let Some(stats) = T::io_stats(cmd.device()) {
        stats.start();
    }
    cmd.accept().complete(status);
    Ok(())
}
