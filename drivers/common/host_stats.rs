// SPDX-License-Identifier: GPL-2.0

//! Every orion host's statistics in debugfs, whatever the adapter:
//!
//! ```text
//! /sys/kernel/debug/orion_scsi/host<N>/stats                 host totals
//! /sys/kernel/debug/orion_scsi/host<N>/target<C>:<T>/stats   a target's LUNs summed
//! /sys/kernel/debug/orion_scsi/host<N>/lun<C>:<T>:<L>/stats  one LUN
//! ```
//!
//! A LUN's counters are kept by address for the host's lifetime: published
//! when its device is first configured, they survive the device's deletion
//! and are taken up again by a device that appears at the same address
//! (a rescan). The files go with the host data (host removal, PCI remove,
//! iSCSI logout, unload): removing a debugfs file waits for its readers,
//! and the files own what they read (`Arc`s), never the host.

use super::stats::{IoStats, StatsSnapshot};
use super::stats_attrs::StatsDevice;
use crate::debugfs::{self, root as debugfs_root, Dir};
use crate::scsi::{Attribute, Device, EhEvent, HostOperations, SysfsWriter};
use core::{
    fmt::{self, Write},
    marker::PhantomData,
};
use kernel::{
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
};

/// A LUN's address on its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LunAddr {
    /// Channel (bus).
    pub channel: u32,
    /// Target id.
    pub target: u32,
    /// LUN.
    pub lun: u64,
}

impl LunAddr {
    /// The address of `dev`.
    pub fn of<T: HostOperations>(dev: &Device<T>) -> Self {
        Self {
            channel: dev.channel(),
            target: dev.id(),
            lun: dev.lun(),
        }
    }
}

/// A published LUN's counters.
struct Published {
    addr: LunAddr,
    stats: Arc<IoStats>,
}

/// The counters of every published LUN of a host, read by the files.
struct Registry {
    luns: Pin<KBox<Mutex<KVec<Published>>>>,
}

impl Registry {
    /// The published counters matching `pick`, summed (peak: the largest).
    fn sum(&self, pick: impl Fn(&LunAddr) -> bool) -> StatsSnapshot {
        let mut total = StatsSnapshot::default();
        for p in self.luns.lock().iter().filter(|p| pick(&p.addr)) {
            total.add(&p.stats.snapshot());
        }
        total
    }
}

/// `host<N>/stats`.
struct HostFile(Arc<Registry>);

impl debugfs::Writer for HostFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.sum(|_| true))
    }
}

/// `host<N>/target<C>:<T>/stats`.
struct TargetFile {
    registry: Arc<Registry>,
    channel: u32,
    target: u32,
}

impl debugfs::Writer for TargetFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sum = self
            .registry
            .sum(|a| a.channel == self.channel && a.target == self.target);
        write!(f, "{}", sum)
    }
}

/// `host<N>/lun<C>:<T>:<L>/stats`.
struct LunFile(Arc<IoStats>);

impl debugfs::Writer for LunFile {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.snapshot())
    }
}

/// The debugfs entries of a host. Directory handles keep their files'
/// parents; dropping everything removes the tree.
#[derive(Default)]
struct Files {
    dir: Option<Dir>,
    host: Option<Pin<KBox<debugfs::File<HostFile>>>>,
    /// Target directories by (channel, target).
    targets: KVec<(u32, u32, Dir)>,
    target_files: KVec<Pin<KBox<debugfs::File<TargetFile>>>>,
    lun_dirs: KVec<Dir>,
    lun_files: KVec<Pin<KBox<debugfs::File<LunFile>>>>,
}

/// The statistics of one host and their debugfs files; part of the host
/// data of every adapter.
pub struct HostStats {
    // Dropped first: the files go (waiting for readers) before what they
    // read could.
    files: Pin<KBox<Mutex<Files>>>,
    registry: Arc<Registry>,
}

fn dir_name(args: fmt::Arguments<'_>) -> Result<CString> {
    CString::try_from_fmt(args)
}

impl HostStats {
    /// No LUNs yet, no files until [`Self::attach`] or the first
    /// [`Self::publish`].
    pub fn new() -> Result<Self> {
        Ok(Self {
            files: KBox::pin_init(new_mutex!(Files::default()), GFP_KERNEL)?,
            registry: Arc::new(
                Registry {
                    luns: KBox::pin_init(new_mutex!(KVec::new()), GFP_KERNEL)?,
                },
                GFP_KERNEL,
            )?,
        })
    }

    /// Creates `host<host_no>/` with its `stats` file, once; returns the
    /// directory for the adapter's own files (`None` without debugfs).
    /// Process context.
    pub fn attach(&self, host_no: u32) -> Option<Dir> {
        let mut files = self.files.lock();
        self.attach_locked(&mut files, host_no)
    }

    fn attach_locked(&self, files: &mut Files, host_no: u32) -> Option<Dir> {
        if files.dir.is_none() {
            let name = dir_name(fmt!("host{}", host_no)).ok()?;
            let dir = debugfs_root::subdir(&name)?;
            let file = KBox::pin_init(
                dir.read_only_file(c"stats", HostFile(self.registry.clone())),
                GFP_KERNEL,
            )
            .ok()?;
            files.host = Some(file);
            files.dir = Some(dir);
        }
        files.dir.clone()
    }

    /// The counters a device at `addr` starts with: those published for the
    /// address before (a rescan), or new ones.
    pub fn lun_stats(&self, addr: LunAddr) -> Result<Arc<IoStats>> {
        if let Some(p) = self.registry.luns.lock().iter().find(|p| p.addr == addr) {
            return Ok(p.stats.clone());
        }
        Ok(Arc::new(IoStats::new(), GFP_KERNEL)?)
    }

    /// Publishes the counters of the LUN at `addr` (a configured device, or
    /// a virtual LUN's store) with their files, unless published already.
    /// Process context. Without memory for the files the counters still
    /// count in the host's totals.
    pub fn publish(&self, host_no: u32, addr: LunAddr, stats: &Arc<IoStats>) -> Result {
        {
            let mut luns = self.registry.luns.lock();
            if luns.iter().any(|p| p.addr == addr) {
                return Ok(());
            }
            luns.push(
                Published {
                    addr,
                    stats: stats.clone(),
                },
                GFP_KERNEL,
            )?;
        }
        let mut files = self.files.lock();
        let Some(dir) = self.attach_locked(&mut files, host_no) else {
            return Ok(());
        };
        let (c, t) = (addr.channel, addr.target);
        if !files.targets.iter().any(|e| e.0 == c && e.1 == t) {
            let tdir = dir.subdir(&dir_name(fmt!("target{}:{}", c, t))?);
            let file = KBox::pin_init(
                tdir.read_only_file(
                    c"stats",
                    TargetFile {
                        registry: self.registry.clone(),
                        channel: c,
                        target: t,
                    },
                ),
                GFP_KERNEL,
            )?;
            files.target_files.push(file, GFP_KERNEL)?;
            files.targets.push((c, t, tdir), GFP_KERNEL)?;
        }
        let ldir = dir.subdir(&dir_name(fmt!("lun{}:{}:{}", c, t, addr.lun))?);
        let file = KBox::pin_init(
            ldir.read_only_file(c"stats", LunFile(stats.clone())),
            GFP_KERNEL,
        )?;
        files.lun_files.push(file, GFP_KERNEL)?;
        files.lun_dirs.push(ldir, GFP_KERNEL)?;
        Ok(())
    }
}

/// Host data of an orion adapter.
pub trait OrionHost: Send + Sync + 'static {
    /// The adapter kind, as `orion_adapter` shows it.
    const ADAPTER: &'static str;
    /// The host's statistics.
    fn host_stats(&self) -> &HostStats;
}

fn adapter<H: OrionHost>(_h: &H, w: &mut SysfsWriter<'_>) -> fmt::Result {
    writeln!(w, "{}", H::ADAPTER)
}

/// The `orion_adapter` host attribute, for `HostOperations::HOST_ATTRIBUTES`.
pub struct AdapterAttribute<H>(PhantomData<H>);

impl<H: OrionHost> AdapterAttribute<H> {
    /// `orion_adapter`: `virt`, `megasas`, `lsi` or `iscsi`.
    pub const ATTR: Attribute<H> = Attribute {
        name: c"orion_adapter",
        show: adapter::<H>,
        store: None,
    };
}

/// `sdev_init` of an adapter whose device data is the LUN's counters.
pub fn sdev_stats<T>(host: &T::HostData, dev: &Device<T>) -> Result<Arc<IoStats>>
where
    T: HostOperations,
    T::HostData: OrionHost,
{
    host.host_stats().lun_stats(LunAddr::of(dev))
}

/// `sdev_configure`: the device exists, its counters get their files. A
/// failure is logged, not fatal: the device works without them.
pub fn sdev_publish<T>(host: &T::HostData, dev: &Device<T>)
where
    T: StatsDevice,
    T::HostData: OrionHost,
{
    let Some(stats) = T::io_stats(dev) else {
        return;
    };
    let host_no = dev.host().host_no();
    if let Err(e) = host.host_stats().publish(host_no, LunAddr::of(dev), stats) {
        dev_warn!(dev.as_dev(), "no statistics files: {:?}\n", e);
    }
}

/// `HostOperations::eh_event`: counts the event on the device's LUN.
pub fn count_eh<T: StatsDevice>(dev: &Device<T>, event: EhEvent) {
    if let Some(stats) = T::io_stats(dev) {
        stats.eh_event(event);
    }
}
