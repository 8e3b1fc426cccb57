// SPDX-License-Identifier: GPL-2.0

//! A virtual host's debugfs `remove` file: writing `1` hot-removes the
//! adapter, as a PCI remove does to a real one. Its devices go (commands
//! still outstanding are waited for, files held open then fail I/O); the
//! host's data and debugfs files stay until unload. There is no way back
//! short of a reload: the host is gone from the midlayer.

use super::adapter::VirtAdapter;
use crate::{debugfs, scsi::Host};
use kernel::{prelude::*, sync::Arc, uaccess::UserSliceReader};

/// The debugfs `remove` file of a host.
pub(crate) struct RemoveFile(Arc<Host<VirtAdapter>>);

/// Takes `1` (with or without a newline); anything else is refused. A
/// second write (or one racing the first) waits for the removal and gets
/// `ENODEV`.
fn store(file: &RemoveFile, reader: &mut UserSliceReader) -> Result {
    let host = file.0.get();
    let mut buf = [0u8; 2];
    let len = reader.len();
    let request = buf.get_mut(..len).filter(|_| len > 0);
    let ok = match request {
        Some(slice) => {
            reader.read_slice(slice)?;
            matches!(&*slice, b"1" | b"1\n")
        }
        None => false,
    };
    if !ok {
        pr_warn!(
            "orion_virt host{}: remove: write 1 to remove the host\n",
            host.host_no()
        );
        return Err(EINVAL);
    }
    pr_info!("orion_virt host{}: removing the host\n", host.host_no());
    // A command parked by a `timeout` rule would be retried and parked
    // again while the devices go; see `VirtAdapters`' drop.
    host.data().faults().clear_all();
    if !file.0.remove() {
        pr_warn!(
            "orion_virt host{}: remove: already removed\n",
            host.host_no()
        );
        return Err(ENODEV);
    }
    pr_info!("orion_virt host{}: removed\n", host.host_no());
    Ok(())
}

impl debugfs::Reader for RemoveFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        store(self, reader)
    }
}

/// Creates the `remove` file of `host` in `dir`.
pub(crate) fn create_file<'a>(
    dir: &'a debugfs::Dir,
    host: Arc<Host<VirtAdapter>>,
) -> impl PinInit<debugfs::File<RemoveFile>> + 'a {
    dir.write_only_file(c"remove", RemoveFile(host))
}
