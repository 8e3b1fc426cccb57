// SPDX-License-Identifier: GPL-2.0

//! Finding 3: a driver must not complete the command of this call and hand
//! back another one as "busy" (that one would be completed twice). Only
//! this call's `NewCommand` can make the `Requeue`; a reclaimed `Command`
//! has no way to.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

#[vtable]
impl HostOperations for Ops {
    type HostData = ();
    type CmdData = ();
    type DeviceData = ();

    fn queue_command<'q>(_host: &(), cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        let Some(other) = cmd.device().host().take_parked(7) else {
            return Err(cmd.requeue(QueueBusy::Host));
        };
        cmd.accept().complete(CmdStatus::GOOD);
        Err(other.requeue(QueueBusy::Host)) // ~ERROR E0599
    }

    fn sdev_init(_host: &(), _dev: &Device<Self>) -> Result<()> {
        Ok(())
    }

    fn eh_abort(_host: &(), _cmd: &CommandRef<Self>, _eh: &EhContext) -> EhResult {
        EhResult::Failed
    }
}
