// SPDX-License-Identifier: GPL-2.0

//! Finding 3: a `Requeue` is branded with its `queuecommand` call: it cannot
//! be relabelled to serve another call.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

fn relabel<'a, 'b>(requeue: Requeue<'a>) -> Requeue<'b> {
    requeue // ~ERROR lifetime may not live long enough
}

#[vtable]
impl HostOperations for Ops {
    type HostData = ();
    type CmdData = ();
    type DeviceData = ();

    fn queue_command<'q>(_host: &(), cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        Err(relabel(cmd.requeue(QueueBusy::Host)))
    }

    fn sdev_init(_host: &(), _dev: &Device<Self>) -> Result<()> {
        Ok(())
    }

    fn eh_abort(_host: &(), _cmd: &CommandRef<Self>, _eh: &EhContext) -> EhResult {
        EhResult::Failed
    }
}
