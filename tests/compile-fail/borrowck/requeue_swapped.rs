// SPDX-License-Identifier: GPL-2.0

//! Finding 3, by the back door: swapping a reclaimed command into this
//! call's `NewCommand` and requeueing it would complete the real one and
//! requeue the other. `NewCommand` gives no `&mut Command`.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

#[vtable]
impl HostOperations for Ops {
    type HostData = ();
    type CmdData = ();
    type DeviceData = ();

    fn queue_command<'q>(_host: &(), mut cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        if let Some(mut other) = cmd.device().host().take_parked(7) {
            core::mem::swap(&mut *cmd, &mut other); // ~ERROR cannot borrow
            other.complete(CmdStatus::GOOD);
        }
        Err(cmd.requeue(QueueBusy::Host))
    }

    fn sdev_init(_host: &(), _dev: &Device<Self>) -> Result<()> {
        Ok(())
    }

    fn eh_abort(_host: &(), _cmd: &CommandRef<Self>, _eh: &EhContext) -> EhResult {
        EhResult::Failed
    }
}
