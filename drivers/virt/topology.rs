// SPDX-License-Identifier: GPL-2.0

//! A virtual host's LUNs at run time: its debugfs `add_lun` and
//! `remove_lun` files take `<target>:<lun>`.
//!
//! Every host has a slot for each LUN its targets can have (8 per
//! target); `add_lun` gives a slot a disk (empty, the host's capacity and
//! block size), which a scan then finds (`echo "- - -" >
//! /sys/class/scsi_host/host<N>/scan`; REPORT LUNS lists the LUNs with a
//! disk). `remove_lun` takes the disk away and frees its pages, once no
//! device uses it: the device is deleted first
//! (`/sys/class/scsi_device/<N>:0:<T>:<L>/device/delete`), so no command
//! can reach a LUN being freed. A slot's presence and its devices are one
//! atomic word ([`super::lun::Presence`]): a scan racing a removal either
//! gets the device (the removal is refused, `EBUSY`) or finds no disk.

use super::adapter::VirtAdapter;
use super::emulation::hotplug::{parse_lun_addr, Refusal};
use crate::common::host_stats::LunAddr;
use crate::{debugfs, scsi::Host};
use kernel::{prelude::*, sync::Arc, uaccess::UserSliceReader};

/// The `add_lun` or `remove_lun` file of a host.
pub(crate) struct LunFile(Arc<Host<VirtAdapter>>);

/// Reads a `<target>:<lun>` write; logs and refuses anything else.
fn read_addr(file: &LunFile, reader: &mut UserSliceReader, what: &str) -> Result<(u32, u32)> {
    let shost = file.0.get();
    let targets = shost.data().cfg.targets;
    let mut buf = [0u8; 16];
    let len = reader.len();
    let parsed = match buf.get_mut(..len) {
        Some(slice) => {
            reader.read_slice(slice)?;
            parse_lun_addr(slice, targets)
        }
        None => Err(Refusal::Syntax),
    };
    parsed.map_err(|r| {
        pr_warn!(
            "orion_virt host{}: {}: write <target>:<lun>, target 0..={}, lun 0..=7 ({:?})\n",
            shost.host_no(),
            what,
            targets.saturating_sub(1),
            r
        );
        EINVAL
    })
}

fn add(file: &LunFile, reader: &mut UserSliceReader) -> Result {
    let (t, l) = read_addr(file, reader, "add_lun")?;
    let shost = file.0.get();
    let host = shost.data();
    let lun = host.slot(t, l).ok_or(EINVAL)?;
    let _topology = host.topology.lock();
    if !lun.presence.add() {
        pr_warn!(
            "orion_virt host{}: add_lun: LUN {}:{} exists\n",
            shost.host_no(),
            t,
            l
        );
        return Err(EEXIST);
    }
    lun.reset_state();
    let addr = LunAddr {
        channel: 0,
        target: t,
        lun: l.into(),
    };
    if let Err(e) = host.stats.publish(shost.host_no(), addr, &lun.stats) {
        pr_warn!(
            "orion_virt host{}: no statistics files: {:?}\n",
            shost.host_no(),
            e
        );
    }
    pr_info!(
        "orion_virt host{}: added LUN {}:{} ({} MiB); a scan finds it\n",
        shost.host_no(),
        t,
        l,
        host.cfg.capacity_mib
    );
    Ok(())
}

fn remove(file: &LunFile, reader: &mut UserSliceReader) -> Result {
    let (t, l) = read_addr(file, reader, "remove_lun")?;
    let shost = file.0.get();
    let host = shost.data();
    let lun = host.slot(t, l).ok_or(EINVAL)?;
    // One add or remove at a time: a disk added while the pages of the
    // one removed are being freed would lose its first writes.
    let _topology = host.topology.lock();
    match lun.presence.remove() {
        Ok(()) => {}
        Err(0) => {
            pr_warn!(
                "orion_virt host{}: remove_lun: no LUN {}:{}\n",
                shost.host_no(),
                t,
                l
            );
            return Err(ENOENT);
        }
        Err(devices) => {
            pr_warn!(
                "orion_virt host{}: remove_lun: LUN {}:{} has {} device(s): delete it first (/sys/class/scsi_device/{}:0:{}:{}/device/delete)\n",
                shost.host_no(),
                t,
                l,
                devices,
                shost.host_no(),
                t,
                l
            );
            return Err(EBUSY);
        }
    }
    // No device uses the LUN and none can come: its cached writes go to
    // the store (nothing else would destage them), then the store is freed.
    host.lun_cache(lun).sync(&lun.config(), 0, 0, false);
    lun.store.clear()?;
    pr_info!(
        "orion_virt host{}: removed LUN {}:{}\n",
        shost.host_no(),
        t,
        l
    );
    Ok(())
}

/// The debugfs `add_lun` file of a host.
pub(crate) struct AddLunFile(LunFile);

impl debugfs::Reader for AddLunFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        add(&self.0, reader)
    }
}

/// The debugfs `remove_lun` file of a host.
pub(crate) struct RemoveLunFile(LunFile);

impl debugfs::Reader for RemoveLunFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        remove(&self.0, reader)
    }
}

/// A host's `add_lun` and `remove_lun` files.
pub(crate) struct LunFiles {
    _add: Pin<KBox<debugfs::File<AddLunFile>>>,
    _remove: Pin<KBox<debugfs::File<RemoveLunFile>>>,
}

/// Creates the `add_lun` and `remove_lun` files of `host` in `dir`.
pub(crate) fn create_files(dir: &debugfs::Dir, host: &Arc<Host<VirtAdapter>>) -> Result<LunFiles> {
    Ok(LunFiles {
        _add: KBox::pin_init(
            dir.write_only_file(c"add_lun", AddLunFile(LunFile(host.clone()))),
            GFP_KERNEL,
        )?,
        _remove: KBox::pin_init(
            dir.write_only_file(c"remove_lun", RemoveLunFile(LunFile(host.clone()))),
            GFP_KERNEL,
        )?,
    })
}
