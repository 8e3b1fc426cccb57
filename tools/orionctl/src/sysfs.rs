// SPDX-License-Identifier: GPL-2.0

//! Every file orionctl reads or writes, in one place: sysfs, debugfs,
//! procfs, /dev and /etc, all under a root directory (`--root` or
//! `ORIONCTL_ROOT`, `/` by default) so that tests can run against a fake
//! tree. When the driver's files move, this is the module to change.

use crate::addr::Hctl;
use crate::error::{Error, Result};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The system orionctl works on.
#[derive(Clone, Debug)]
pub struct Sys {
    root: PathBuf,
}

/// The orion_scsi module's name (its /sys/module and debugfs directories).
pub const MODULE: &str = "orion_scsi";

impl Sys {
    /// The system under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Sys {
        Sys { root: root.into() }
    }

    /// True when working on the running system (not a fake tree).
    pub fn is_live(&self) -> bool {
        self.root == Path::new("/")
    }

    /// `p` (absolute, as on a live system) under the root.
    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    // ---- where things are ----

    /// `/sys/class/scsi_host/host<H>`.
    pub fn host_dir(&self, host: u32) -> PathBuf {
        self.path(&format!("/sys/class/scsi_host/host{host}"))
    }

    /// `/sys/class/scsi_device/<H:C:T:L>/device`.
    pub fn device_dir(&self, a: &Hctl) -> PathBuf {
        self.path(&format!("/sys/class/scsi_device/{a}/device"))
    }

    /// `/sys/class/scsi_disk/<H:C:T:L>` (sd's attributes: cache_type, ...).
    pub fn disk_dir(&self, a: &Hctl) -> PathBuf {
        self.path(&format!("/sys/class/scsi_disk/{a}"))
    }

    /// `/sys/block/<name>`.
    pub fn block_dir(&self, name: &str) -> PathBuf {
        self.path(&format!("/sys/block/{name}"))
    }

    /// `/sys/class/block/<name>/device`: the SCSI device of a block device.
    pub fn block_device_link(&self, name: &str) -> PathBuf {
        self.path(&format!("/sys/class/block/{name}/device"))
    }

    /// `/sys/class/scsi_generic/<name>/device`.
    pub fn sg_device_link(&self, name: &str) -> PathBuf {
        self.path(&format!("/sys/class/scsi_generic/{name}/device"))
    }

    /// `/dev/<name>`.
    pub fn dev_node(&self, name: &str) -> PathBuf {
        self.path(&format!("/dev/{name}"))
    }

    /// orion_scsi's debugfs directory of host `host`
    /// (`/sys/kernel/debug/orion_scsi/host<H>`).
    pub fn debugfs_host_dir(&self, host: u32) -> PathBuf {
        self.path(&format!("/sys/kernel/debug/{MODULE}/host{host}"))
    }

    /// A module parameter's file.
    pub fn module_param(&self, name: &str) -> PathBuf {
        self.path(&format!("/sys/module/{MODULE}/parameters/{name}"))
    }

    /// `/sys/module/orion_scsi`: present when the module is loaded.
    pub fn module_dir(&self) -> PathBuf {
        self.path(&format!("/sys/module/{MODULE}"))
    }

    /// The modprobe options file `config apply` writes.
    pub fn modprobe_conf(&self) -> PathBuf {
        self.path(&format!("/etc/modprobe.d/{MODULE}.conf"))
    }

    /// The udev rule `config apply` writes.
    pub fn udev_rule(&self) -> PathBuf {
        self.path("/etc/udev/rules.d/90-orion-scsi.rules")
    }

    /// The SCSI midlayer's logging level (CONFIG_SCSI_LOGGING).
    pub fn scsi_logging_level(&self) -> PathBuf {
        self.path("/proc/sys/dev/scsi/logging_level")
    }

    // ---- what is there ----

    /// Host numbers, sorted.
    pub fn hosts(&self) -> Vec<u32> {
        let mut v: Vec<u32> = list(&self.path("/sys/class/scsi_host"))
            .iter()
            .filter_map(|n| n.strip_prefix("host")?.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// Every SCSI device, sorted by address.
    pub fn devices(&self) -> Vec<Hctl> {
        let mut v: Vec<Hctl> = list(&self.path("/sys/class/scsi_device"))
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        v.sort_unstable();
        v
    }

    /// The devices of host `host`.
    pub fn host_devices(&self, host: u32) -> Vec<Hctl> {
        self.devices()
            .into_iter()
            .filter(|d| d.host == host)
            .collect()
    }

    /// The block device (`sdX`) of a SCSI device, if it has one.
    pub fn block_of(&self, a: &Hctl) -> Option<String> {
        list(&self.device_dir(a).join("block")).into_iter().next()
    }

    /// The sg device (`sgN`) of a SCSI device, if it has one.
    pub fn sg_of(&self, a: &Hctl) -> Option<String> {
        list(&self.device_dir(a).join("scsi_generic"))
            .into_iter()
            .next()
    }

    /// The address a symlink to a SCSI device's directory ends in.
    pub fn link_target_hctl(&self, link: &Path) -> Option<Hctl> {
        let t = fs::read_link(link).ok()?;
        t.file_name()?.to_str()?.parse().ok()
    }

    /// The PCI function a host sits on (`0000:00:04.0`), if any.
    pub fn host_pci(&self, host: u32) -> Option<String> {
        // The class device's `device` link points at the hostN device,
        // whose parent is the PCI function on PCI adapters.
        let t = fs::canonicalize(self.host_dir(host).join("device")).ok()?;
        let parent = t.parent()?;
        let name = parent.file_name()?.to_str()?;
        let pci = name.len() == 12 && name.as_bytes().get(4) == Some(&b':');
        (pci && parent.join("vendor").exists()).then(|| name.to_string())
    }

    /// `/sys/bus/pci/devices/<pci>/<name>`.
    pub fn pci_attr(&self, pci: &str, name: &str) -> Option<String> {
        read(&self.path(&format!("/sys/bus/pci/devices/{pci}/{name}")))
    }

    /// The interrupt kinds a PCI function has enabled (`msi_irqs/<n>`
    /// files hold `msi` or `msix`).
    pub fn pci_msi_kinds(&self, pci: &str) -> Vec<String> {
        let dir = self.path(&format!("/sys/bus/pci/devices/{pci}/msi_irqs"));
        let mut v: Vec<String> = list(&dir)
            .iter()
            .filter_map(|n| read(&dir.join(n)))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Host attribute `name`.
    pub fn host_attr(&self, host: u32, name: &str) -> Option<String> {
        read(&self.host_dir(host).join(name))
    }

    /// Device attribute `name`.
    pub fn device_attr(&self, a: &Hctl, name: &str) -> Option<String> {
        read(&self.device_dir(a).join(name))
    }

    /// The `orion_*` attribute names of a directory, sorted.
    pub fn orion_attrs(&self, dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = list(dir)
            .into_iter()
            .filter(|n| n.starts_with("orion_"))
            .collect();
        v.sort();
        v
    }
}

/// The names in a directory (empty when it cannot be read).
pub fn list(dir: &Path) -> Vec<String> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect()
}

/// A sysfs file's contents without the trailing newline, if readable.
pub fn read(path: &Path) -> Option<String> {
    fs::read_to_string(path)
        .ok()
        .map(|s| s.trim_end_matches('\n').to_string())
}

/// A number in a sysfs file.
pub fn read_num<T: std::str::FromStr>(path: &Path) -> Option<T> {
    read(path)?.trim().parse().ok()
}

/// Writes `value` to an existing attribute (sysfs files are not created).
pub fn write_attr(path: &Path, value: &str) -> Result<()> {
    let r = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .and_then(|mut f| io::Write::write_all(&mut f, value.as_bytes()));
    r.map_err(|e| match e.raw_os_error() {
        Some(libc::EINVAL) => Error::Failed(format!(
            "write {:?} to {}: the kernel refused the value (invalid argument)",
            value,
            path.display()
        )),
        _ => Error::io("write", path, &e),
    })
}

/// Writes a whole regular file (creating its directory).
pub fn write_file(path: &Path, contents: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, &e))?;
    }
    fs::write(path, contents).map_err(|e| Error::io("write", path, &e))
}

/// Where the driver keeps statistics (see stats.rs for the format):
/// `/sys/kernel/debug/orion_scsi/host<N>/{stats, target<C>:<T>/stats,
/// lun<C>:<T>:<L>/stats}` on every orion host; before those, the virtual
/// adapter's `host<N>/lun<T>:<L>` (tried second).
impl Sys {
    /// The debugfs statistics files of one LUN, in the order to try.
    pub fn debugfs_lun_stats(&self, a: &Hctl) -> [PathBuf; 2] {
        let dir = self.debugfs_host_dir(a.host);
        [
            dir.join(format!("lun{}:{}:{}/stats", a.channel, a.target, a.lun)),
            dir.join(format!("lun{}:{}", a.target, a.lun)),
        ]
    }

    /// The debugfs statistics file of one target.
    pub fn debugfs_target_stats(&self, t: &crate::addr::TargetAddr) -> PathBuf {
        self.debugfs_host_dir(t.host)
            .join(format!("target{}:{}/stats", t.channel, t.target))
    }

    /// The debugfs statistics totals of one host.
    pub fn debugfs_host_stats(&self, host: u32) -> PathBuf {
        self.debugfs_host_dir(host).join("stats")
    }
}
