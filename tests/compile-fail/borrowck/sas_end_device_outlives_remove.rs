// SPDX-License-Identifier: GPL-2.0

//! An end device borrowed from its SAS port cannot be used across
//! `remove_end_device`, which deletes it.

use crate::scsi::sas::*;
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
}

#[vtable]
impl SasOperations for Ops {}

pub(crate) fn address_after_remove(port: &mut SasPort<Ops>) -> Option<u64> {
    let rphy = port.end_device()?;
    port.remove_end_device(); // ~ERROR as mutable because it is also borrowed as immutable
    Some(rphy.sas_address())
}
