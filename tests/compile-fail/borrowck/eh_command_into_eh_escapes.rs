// SPDX-License-Identifier: GPL-2.0

//! A driver that keeps its commands' tokens itself turns one into an
//! error-handler token with `Command::into_eh`: that token cannot be kept
//! past the callback either.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

fn keep_for_later(_cmd: EhCommand<'static, Ops>) {}

fn held_by_driver() -> Option<Command<Ops>> {
    None
}

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

    fn eh_abort(_host: &(), _cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        if let Some(owned) = held_by_driver() {
            keep_for_later(owned.into_eh(eh)); // ~ERROR borrowed data escapes
        }
        EhResult::Success
    }
}
