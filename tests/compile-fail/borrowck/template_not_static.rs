// SPDX-License-Identifier: GPL-2.0

//! Finding 1: a host template must outlive every host made from it; one
//! that is not `'static` cannot make a host.

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

#[allow(dead_code)]
fn probe_with_local_template() -> Result<Host<Ops>> {
    let template = Template::<Ops>::new();
    Host::new_with(&template, &HostConfig::DEFAULT, None, ()) // ~ERROR does not live long enough
}
