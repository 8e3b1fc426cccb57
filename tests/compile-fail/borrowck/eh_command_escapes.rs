// SPDX-License-Identifier: GPL-2.0

//! Finding 4: a command reclaimed in the error handler cannot be kept past
//! the callback (to complete it after the handler returned success).

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

fn keep_for_later(_cmd: EhCommand<'static, Ops>) {}

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
            keep_for_later(taken); // ~ERROR borrowed data escapes
        }
        EhResult::Success
    }
}
