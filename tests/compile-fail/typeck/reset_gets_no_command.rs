// SPDX-License-Identifier: GPL-2.0

//! Finding 2: reset callbacks get a device, not a command: the command
//! behind an `SG_SCSI_RESET` ioctl has no request and no private area.

use crate::scsi::*;
use kernel::prelude::*;

struct Ops;

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

    fn eh_abort(_host: &(), _cmd: &CommandRef<Self>, _eh: &EhContext) -> EhResult {
        EhResult::Failed
    }

    // The marker names the line of the mismatching parameter:
    fn eh_device_reset(
        _host: &(),
        cmd: &CommandRef<Self>, // ~ERROR E0053
        _eh: &EhContext,
    ) -> EhResult {
        let _ = cmd.unique_tag();
        EhResult::Success
    }
}
