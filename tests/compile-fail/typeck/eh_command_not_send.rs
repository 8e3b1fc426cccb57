// SPDX-License-Identifier: GPL-2.0

//! Finding 4: a command reclaimed in the error handler cannot be sent to
//! another context (a work item, a thread) to be completed later.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

fn send_elsewhere<C: Send>(_cmd: C) {}

#[vtable]
impl HostOperations for Ops {
    type HostData = ();
    type CmdData = ();
    type DeviceData = ();

    fn queue_command<'q>(_host: &(), cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        cmd.accept().complete(CmdStatus::GOOD);
        Ok(())
    }

    fn sdev_init(_host: &(), _dev: &Device<Self>) -> Result<()> {
        Ok(())
    }

    fn eh_abort(_host: &(), cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        if let Some(taken) = cmd.take_parked_eh(eh) {
            send_elsewhere(taken); // ~ERROR E0277
        }
        EhResult::Success
    }
}
