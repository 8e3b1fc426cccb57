// SPDX-License-Identifier: GPL-2.0

//! The virtual hosts of the module: those made at load (`virt_adapters`)
//! and those added at run time through debugfs `add_host`, with their
//! debugfs files. All go at unload.
//!
//! `add_host` takes `1` (a host sized by the current `virt_targets`,
//! `virt_luns`, `virt_capacity_mb` and `virt_delay_us`) or `key=value` words
//! overriding them (`targets=`, `luns=`, `capacity_mb=`); the new host's
//! scan is started (asynchronous with `CONFIG_SCSI_SCAN_ASYNC`), and the log
//! names it.

use super::adapter::{VirtAdapter, VirtHost, TEMPLATE};
use super::config::VirtConfig;
use super::emulation::hotplug::{parse_add_host, HostRequest, MAX_LUNS};
use super::faults::{self as fault_file, FaultsFile};
use super::power::{self, PowerFile};
use super::remove::{self as remove_file, RemoveFile};
use super::topology::{self, LunFiles};
use super::wcache::{CacheDrain, CacheFile};
use crate::common::host_stats::LunAddr;
use crate::debugfs::{self, root as debugfs_root};
use crate::hw::Periodic;
use crate::scsi::{Host, HostConfig};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    uaccess::UserSliceReader,
};

/// Most virtual hosts at once (load and run time together).
const MAX_HOSTS: usize = 64;

/// One virtual host and what refers to it. Fields drop in order: the
/// background destage, then the files (which hold the host), then the
/// host (removing its devices).
struct Entry {
    _drain: Option<Pin<KBox<Periodic<CacheDrain>>>>,
    _faults: Pin<KBox<debugfs::File<FaultsFile>>>,
    _remove: Pin<KBox<debugfs::File<RemoveFile>>>,
    _cache: Pin<KBox<debugfs::File<CacheFile>>>,
    _power: Pin<KBox<debugfs::File<PowerFile>>>,
    _luns: LunFiles,
    host: Arc<Host<VirtAdapter>>,
}

/// The hosts, and whether more may come.
struct List {
    hosts: KVec<Entry>,
    /// Unloading: `add_host` is refused.
    closed: bool,
    /// Index of the next host (its LUNs' identifiers).
    next_index: u32,
}

/// What every host is made from, and the list.
struct Shared {
    /// The configuration of a new host: the parameters' values now.
    config: fn() -> Result<VirtConfig>,
    list: Pin<KBox<Mutex<List>>>,
}

/// The limits of a host of `cfg`.
fn host_config(cfg: &VirtConfig) -> HostConfig {
    HostConfig {
        can_queue: cfg.targets.saturating_mul(cfg.target_max_cmds),
        cmd_per_lun: cfg.queue_depth as u16,
        sg_tablesize: 256,
        max_sectors: 2048,
        max_segment_size: 1 << 20,
        dma_boundary: u64::MAX,
        host_tagset: true,
        nr_hw_queues: match cfg.hw_queues {
            0 => kernel::cpu::nr_cpu_ids().max(1),
            n => n,
        }
        .saturating_add(cfg.poll_queues),
        nr_poll_queues: cfg.poll_queues,
        this_id: -1,
        max_id: cfg.targets,
        // Every LUN a target can get with `add_lun`.
        max_lun: MAX_LUNS.into(),
        max_channel: 0,
        max_cmd_len: 32,
    }
}

impl Shared {
    /// Creates a host of `cfg` with its files, adds it to the list and
    /// scans it; returns its number.
    fn add(&self, cfg: &VirtConfig) -> Result<u32> {
        let mut list = self.list.lock();
        if list.closed {
            return Err(ENODEV);
        }
        if list.hosts.len() >= MAX_HOSTS {
            return Err(ENOSPC);
        }
        list.hosts.reserve(1, GFP_KERNEL)?;
        let host_cfg = host_config(cfg);
        let data = VirtHost::new(
            list.next_index,
            cfg,
            host_cfg.nr_hw_queues,
            host_cfg.can_queue,
        )?;
        let faults = data.faults_arc();
        let host = Arc::new(
            Host::new_with(&TEMPLATE, &host_cfg, None, data)?,
            GFP_KERNEL,
        )?;
        list.next_index = list.next_index.wrapping_add(1);
        let shost = host.get();
        let host_no = shost.host_no();
        faults.set_host_no(host_no);
        let vhost = shost.data();
        // The shared statistics make `host<N>/`; the virtual adapter's
        // own files go next to them.
        let dir = vhost.stats.attach(host_no).ok_or(ENOMEM)?;
        for t in 0..cfg.targets {
            for l in 0..cfg.luns {
                if let Some(lun) = vhost.slot(t, l) {
                    let addr = LunAddr {
                        channel: 0,
                        target: t,
                        lun: l.into(),
                    };
                    vhost.stats.publish(host_no, addr, &lun.stats)?;
                }
            }
        }
        let entry = Entry {
            _drain: match vhost.cache() {
                Some(cache) => Some(Periodic::new(cache.period_ms(), CacheDrain(host.clone()))?),
                None => None,
            },
            _faults: KBox::pin_init(fault_file::create_file(&dir, faults), GFP_KERNEL)?,
            _remove: KBox::pin_init(remove_file::create_file(&dir, host.clone()), GFP_KERNEL)?,
            _cache: KBox::pin_init(
                dir.read_only_file(c"write_cache", CacheFile(host.clone())),
                GFP_KERNEL,
            )?,
            _power: KBox::pin_init(power::create_file(&dir, host.clone()), GFP_KERNEL)?,
            _luns: topology::create_files(&dir, &host)?,
            host,
        };
        // Reserved above.
        list.hosts.push(entry, GFP_KERNEL)?;
        // Scanned under the lock: an unload waits for it.
        if let Some(e) = list.hosts.last() {
            e.host.get().scan();
        }
        Ok(host_no)
    }
}

/// The `add_host` file.
struct AddHostFile(Arc<Shared>);

impl debugfs::Reader for AddHostFile {
    fn read_from_slice(&self, reader: &mut UserSliceReader) -> Result {
        add_host(self, reader)
    }
}

fn add_host(file: &AddHostFile, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 64];
    let len = reader.len();
    let Some(slice) = buf.get_mut(..len) else {
        pr_warn!("orion_virt: add_host: write 1, or targets=T luns=L capacity_mb=M\n");
        return Err(EINVAL);
    };
    reader.read_slice(slice)?;
    let req: HostRequest = parse_add_host(slice).map_err(|(why, word)| {
        pr_warn!(
            "orion_virt: add_host: {:?} in '{}': write 1, or targets=1..=16 luns=1..=8 capacity_mb=1..=16777216\n",
            why,
            word
        );
        EINVAL
    })?;
    let mut cfg = (file.0.config)()?;
    cfg.targets = req.targets.unwrap_or(cfg.targets);
    cfg.luns = req.luns.unwrap_or(cfg.luns);
    cfg.capacity_mib = req.capacity_mib.unwrap_or(cfg.capacity_mib);
    let host_no = file.0.add(&cfg).inspect_err(|e| {
        pr_warn!("orion_virt: add_host: no host: {:?}\n", e);
    })?;
    pr_info!(
        "orion_virt host{}: added ({} targets, {} LUNs each, {} MiB per LUN)\n",
        host_no,
        cfg.targets,
        cfg.luns,
        cfg.capacity_mib
    );
    Ok(())
}

/// All virtual hosts of the module.
pub(crate) struct VirtAdapters {
    /// Dropped first (in `drop`), so no host is added while the others go
    /// (an open file holds the module: no write runs at unload, but one
    /// can on a failed module init).
    add_file: Option<Pin<KBox<debugfs::File<AddHostFile>>>>,
    shared: Arc<Shared>,
}

impl Drop for VirtAdapters {
    fn drop(&mut self) {
        drop(self.add_file.take());
        let hosts = {
            let mut list = self.shared.list.lock();
            list.closed = true;
            core::mem::take(&mut list.hosts)
        };
        // Before the hosts go: a command parked by a `timeout` rule would
        // be retried (and parked again) while the devices are removed, and
        // a `fail-*` rule could leave it with nobody to take it back.
        for e in hosts.iter() {
            e.host.get().data().faults().clear_all();
        }
        drop(hosts);
    }
}

impl VirtAdapters {
    /// Creates and scans `cfg.adapters` virtual hosts and the `add_host`
    /// file; `config` gives the configuration of hosts added later.
    pub(crate) fn new(
        module: &'static ThisModule,
        cfg: &VirtConfig,
        config: fn() -> Result<VirtConfig>,
    ) -> Result<Self> {
        TEMPLATE.init(
            module,
            c"orion_scsi virtual adapter",
            c"orion_virt",
            &host_config(cfg),
        )?;
        let shared = Arc::new(
            Shared {
                config,
                list: KBox::pin_init(
                    new_mutex!(List {
                        hosts: KVec::new(),
                        closed: false,
                        next_index: 0,
                    }),
                    GFP_KERNEL,
                )?,
            },
            GFP_KERNEL,
        )?;
        let mut this = Self {
            add_file: None,
            shared,
        };
        for _ in 0..cfg.adapters {
            this.shared.add(cfg)?;
        }
        if let Some(root) = debugfs_root::root() {
            let file = root.write_only_file(c"add_host", AddHostFile(this.shared.clone()));
            this.add_file = Some(KBox::pin_init(file, GFP_KERNEL)?);
        }
        Ok(this)
    }

    /// Number of virtual hosts.
    pub(crate) fn count(&self) -> usize {
        self.shared.list.lock().hosts.len()
    }
}
