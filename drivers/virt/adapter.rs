// SPDX-License-Identifier: GPL-2.0

//! The virtual adapter's host template operations and its hosts.

use super::emulation::faults::{Action, CmdView, EhStep, HostCode, Verdict};
use super::emulation::hotplug::MAX_LUNS;
use super::faults::FaultRules;
use super::poll::PollQueues;
use super::power::{self, Power};
use super::wcache::{LunCache, WriteCache};
use super::{
    config::VirtConfig,
    emulation::{wcache, LunConfig},
    io,
    lun::{Presence, VirtLun},
};
use crate::common::{
    defaults,
    host_stats::{self, AdapterAttribute, HostStats, OrionHost},
    latency::{Clock, SubmitTime},
    stats::IoStats,
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::proto::sense::{AscAscq, Sense, SenseKey};
use crate::scsi::{
    Attribute, CmdStatus, Command, CommandRef, Device, EhContext, EhEvent, EhResult, HostByte,
    HostOperations, HostRef, NewCommand, QueueBusy, Requeue, Template,
};
use core::fmt::Write;
use kernel::{
    new_mutex, new_spinlock,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex, SpinLock,
    },
};

/// The virtual adapter driver.
pub(crate) struct VirtAdapter;

/// The template of every virtual host (module lifetime).
pub(super) static TEMPLATE: Template<VirtAdapter> = Template::new();

/// One virtual host's state.
pub(crate) struct VirtHost {
    pub(super) cfg: VirtConfig,
    /// LUN slots, indexed by `target * MAX_LUNS + lun`: every LUN a target
    /// can have, with a disk or not (`add_lun`, `remove_lun`).
    luns: KVec<VirtLun>,
    /// Commands outstanding per target (the per-target cap).
    target_busy: KVec<Atomic<u32>>,
    /// Per hardware queue: tags of commands posted since the last doorbell
    /// (blk-mq batches ring it on their last command or in commit_rqs).
    posted: KVec<Pin<KBox<SpinLock<KVec<u32>>>>>,
    doorbells: Atomic<u64>,
    /// The polled hardware queues (`virt_poll_queues`).
    polled: PollQueues,
    /// Emulated latency; starts at `cfg.delay_us`, changed through sysfs.
    delay_us: Atomic<u32>,
    clock: Clock,
    /// Fault-injection rules (debugfs `faults`).
    faults: Arc<FaultRules>,
    /// The volatile write-back cache (none with `write_back_cache_size=0`).
    cache: Option<Pin<KBox<WriteCache>>>,
    /// Off after a power cut: commands fail with DID_NO_CONNECT.
    power: Power,
    /// The statistics files (`host<N>/stats`, ...), shared with the other
    /// adapters.
    pub(super) stats: HostStats,
    /// Serialises `add_lun` and `remove_lun`.
    pub(super) topology: Pin<KBox<Mutex<()>>>,
}

impl OrionHost for VirtHost {
    const ADAPTER: &'static str = "virt";
    fn host_stats(&self) -> &HostStats {
        &self.stats
    }
}

impl VirtHost {
    /// The host's fault rules, shared (with its `faults` file).
    pub(super) fn faults_arc(&self) -> Arc<FaultRules> {
        self.faults.clone()
    }

    /// The host's fault rules.
    pub(crate) fn faults(&self) -> &FaultRules {
        &self.faults
    }

    /// The host's LUNs, by index.
    pub(crate) fn luns(&self) -> &[VirtLun] {
        &self.luns
    }

    /// The host's write-back cache.
    pub(crate) fn cache(&self) -> Option<&WriteCache> {
        self.cache.as_deref()
    }

    /// The host's power.
    pub(crate) fn power(&self) -> &Power {
        &self.power
    }

    /// What a command of `lun` needs of the cache.
    pub(super) fn lun_cache<'a>(&'a self, lun: &VirtLun) -> LunCache<'a> {
        LunCache::new(self.cache(), &self.luns, lun.index)
    }

    /// The LUN slot `target:lun`.
    pub(super) fn slot(&self, target: u32, lun: u32) -> Option<&VirtLun> {
        self.luns.get(self.lun_index(target, lun.into())?)
    }

    /// The LUN numbers of `target` that have a disk, for REPORT LUNS.
    fn lun_numbers(&self, target: u32, out: &mut [u64; MAX_LUNS as usize]) -> usize {
        let mut n = 0;
        for l in 0..MAX_LUNS {
            if self.slot(target, l).is_some_and(|s| s.presence.present()) {
                if let Some(o) = out.get_mut(n) {
                    *o = l.into();
                    n += 1;
                }
            }
        }
        n
    }

    pub(super) fn new(
        index: u32,
        cfg: &VirtConfig,
        hw_queues: u32,
        can_queue: u32,
    ) -> Result<Self> {
        let capacity_blocks = (cfg.capacity_mib << 20)
            .checked_div(u64::from(cfg.block_size))
            .ok_or(EINVAL)?;
        let mut luns =
            KVec::with_capacity(cfg.targets.saturating_mul(MAX_LUNS) as usize, GFP_KERNEL)?;
        for t in 0..cfg.targets {
            for l in 0..MAX_LUNS {
                let mut base = LunConfig::new(index, t, l.into(), cfg.block_size, capacity_blocks)
                    .ok_or(EINVAL)?;
                base.write_cache = cfg.write_cache;
                let index = u16::try_from(luns.len()).map_err(|_| EINVAL)?;
                luns.push(VirtLun::new(base, index, l < cfg.luns)?, GFP_KERNEL)?;
            }
        }
        let mut target_busy = KVec::with_capacity(cfg.targets as usize, GFP_KERNEL)?;
        for _ in 0..cfg.targets {
            target_busy.push(Atomic::new(0), GFP_KERNEL)?;
        }
        let mut posted = KVec::with_capacity(hw_queues as usize, GFP_KERNEL)?;
        for _ in 0..hw_queues {
            let tags = KVec::with_capacity(can_queue as usize, GFP_KERNEL)?;
            posted.push(KBox::pin_init(new_spinlock!(tags), GFP_KERNEL)?, GFP_KERNEL)?;
        }
        Ok(Self {
            cfg: *cfg,
            luns,
            target_busy,
            posted,
            doorbells: Atomic::new(0),
            polled: PollQueues::new(
                hw_queues.saturating_sub(cfg.poll_queues),
                cfg.poll_queues,
                can_queue,
            )?,
            delay_us: Atomic::new(cfg.delay_us),
            clock: Clock::new(),
            faults: FaultRules::new()?,
            cache: match wcache::cache_pages(cfg.cache_bytes) {
                Ok(0) => None,
                Ok(pages) => Some(WriteCache::new(pages, cfg.cache_delay_ms)?),
                Err(_) => return Err(EINVAL),
            },
            power: Power::new(),
            stats: HostStats::new()?,
            topology: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
        })
    }

    /// In doorbell mode, the last command of a batch that does not go
    /// through `post` (a fault's) still rings for the ones posted.
    fn ring_if_last(&self, cmd: &Command<VirtAdapter>) {
        if self.cfg.doorbell && cmd.is_last_of_batch() {
            self.ring(cmd.device().host(), (cmd.unique_tag() >> 16) as usize);
        }
    }

    /// Whether a fault rule makes error-handler `step` fail for `dev`.
    fn eh_fails(&self, step: EhStep, dev: &Device<VirtAdapter>) -> bool {
        let fails = self.faults.fails_eh(step, dev.id(), dev.lun());
        if fails {
            dev_info!(dev.as_dev(), "{:?} fails (fault rule)\n", step);
        }
        fails
    }

    /// Completes a command whose status is set, after the emulated latency.
    fn finish(&self, cmd: Command<VirtAdapter>) {
        match self.delay_us.load(Relaxed) {
            0 => cmd.finish(),
            us => cmd.finish_after(u64::from(us).saturating_mul(1000)),
        }
    }

    /// Posts a command to its hardware queue until the next doorbell; gives
    /// it back if it cannot be posted.
    fn post(&self, cmd: Command<VirtAdapter>) -> Result<(), Command<VirtAdapter>> {
        let Some(queue) = self.posted.get((cmd.unique_tag() >> 16) as usize) else {
            return Err(cmd);
        };
        let mut tags = queue.lock();
        if tags.len() >= tags.capacity() {
            return Err(cmd);
        }
        // Capacity was checked under the lock, so the push cannot fail.
        let _ = tags.push_within_capacity(cmd.park());
        Ok(())
    }

    /// The doorbell of hardware queue `hwq`: completes what was posted.
    fn ring(&self, shost: &HostRef<VirtAdapter>, hwq: usize) {
        self.doorbells.fetch_add(1, Relaxed);
        let Some(queue) = self.posted.get(hwq) else {
            return;
        };
        // One tag at a time: completing a command must not happen under the lock.
        while let Some(tag) = queue.lock().pop() {
            if let Some(cmd) = shost.take_parked(tag) {
                self.finish(cmd);
            }
        }
    }

    fn lun_index(&self, target: u32, lun: u64) -> Option<usize> {
        if target >= self.cfg.targets || lun >= u64::from(MAX_LUNS) {
            return None;
        }
        Some(target.saturating_mul(MAX_LUNS).saturating_add(lun as u32) as usize)
    }

    fn lun_of(&self, dev: &Device<VirtAdapter>) -> Option<&VirtLun> {
        dev.data().and_then(|d| self.luns.get(d.lun_index))
    }

    /// Gives back every parked command of a LUN matching `matches(target,
    /// lun)` (DID_RESET: the midlayer retries those it did not time out)
    /// and raises a unit attention there.
    fn reset_where(
        &self,
        shost: &HostRef<VirtAdapter>,
        eh: &EhContext,
        matches: impl Fn(u32, u64) -> bool,
    ) {
        shost.for_each_busy(|c| {
            if matches(c.device().id(), c.device().lun()) {
                if let Some(cmd) = c.take_parked_eh(eh) {
                    cmd.give_back(CmdStatus::host(HostByte::Reset));
                }
            }
        });
        for (i, lun) in self.luns.iter().enumerate() {
            let i = i as u32;
            let (Some(t), Some(l)) = (i.checked_div(MAX_LUNS), i.checked_rem(MAX_LUNS)) else {
                continue;
            };
            if matches(t, u64::from(l)) {
                lun.raise_reset_ua();
            }
        }
    }
}

/// Sets the emulated latency of a host at run time (0..=10 s, like the
/// `virt_delay_us` parameter).
fn store_delay(host: &VirtHost, input: &[u8]) -> Result {
    let text = core::str::from_utf8(input.trim_ascii()).map_err(|_| EINVAL)?;
    let us: u32 = text.parse().map_err(|_| EINVAL)?;
    if us > 10_000_000 {
        return Err(EINVAL);
    }
    host.delay_us.store(us, Relaxed);
    Ok(())
}

/// A LUN's device (`sdev`) data.
pub(crate) struct VirtDevice {
    /// Index into [`VirtHost::luns`].
    lun_index: usize,
    /// The host's rules, so that the ones naming this LUN go with its
    /// device: `sdev_destroy` has no host data.
    faults: Arc<FaultRules>,
    /// The slot's presence, counted in by `sdev_init` and out when this
    /// goes (also when the midlayer never got it: `sdev_init` failing
    /// after the count must not leave the slot busy for ever).
    presence: Arc<Presence>,
    /// The device answered INQUIRY and was configured: its removal is the
    /// LUN's (a probe that failed is not).
    configured: Atomic<bool>,
}

impl Drop for VirtDevice {
    fn drop(&mut self) {
        self.presence.detach();
    }
}

impl StatsDevice for VirtAdapter {
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>> {
        dev.host().data().lun_of(dev).map(|lun| &lun.stats)
    }
}

#[vtable]
impl HostOperations for VirtAdapter {
    type HostData = VirtHost;
    type CmdData = SubmitTime;
    type DeviceData = VirtDevice;

    // A RAM disk has nothing to settle.
    const SKIP_RESET_SETTLE: bool = true;

    const HOST_ATTRIBUTES: &'static [Attribute<VirtHost>] = &[
        AdapterAttribute::<VirtHost>::ATTR,
        Attribute {
            name: c"orion_luns",
            show: |h, w| {
                let n = h.luns.iter().filter(|l| l.presence.present()).count();
                writeln!(w, "{}", n)
            },
            store: None,
        },
        Attribute {
            name: c"orion_doorbells",
            show: |h, w| writeln!(w, "{}", h.doorbells.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_poll_completions",
            show: |h, w| {
                let p = &h.polled;
                writeln!(
                    w,
                    "{} {}",
                    p.completions.load(Relaxed),
                    p.polls.load(Relaxed)
                )
            },
            store: None,
        },
        Attribute {
            name: c"orion_delay_us",
            show: |h, w| writeln!(w, "{}", h.delay_us.load(Relaxed)),
            store: Some(store_delay),
        },
    ];

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &StatsAttributes::<Self>::LIST;

    fn map_queues(_host: &VirtHost, shost: &HostRef<Self>) {
        shost.map_queues_default();
    }

    fn queue_command<'q>(
        host: &VirtHost,
        mut cmd: NewCommand<'q, Self>,
    ) -> Result<(), Requeue<'q>> {
        let dev = cmd.device();
        let (Some(lun), Some(busy)) = (host.lun_of(dev), host.target_busy.get(dev.id() as usize))
        else {
            cmd.accept().complete(CmdStatus::host(HostByte::NoConnect));
            return Ok(());
        };
        if busy.fetch_add(1, Relaxed) >= host.cfg.target_max_cmds {
            busy.fetch_sub(1, Relaxed);
            return Err(cmd.requeue(QueueBusy::Target));
        }
        cmd.data().mark(&host.clock);
        let view = CmdView::of(dev.id(), dev.lun(), cmd.cdb());
        let power = host.power.now();
        let (fault, fault_lba) = if !power.is_on() {
            // Nothing answers: not even the rules count the command.
            (Some(Action::Host(HostCode::NoConnect)), None)
        } else {
            match host.faults.check(&view) {
                Verdict::Pass => (None, None),
                Verdict::Fire { action, lba } => (Some(action), lba),
            }
        };
        let wc = host.lun_cache(lun);
        let mut numbers = [0u64; MAX_LUNS as usize];
        let n = host.lun_numbers(dev.id(), &mut numbers);
        let lun_numbers = numbers.get(..n).unwrap_or(&[]);
        let mut extra_delay_us = 0;
        let status = match fault {
            Some(Action::QueueBusy { device }) => {
                busy.fetch_sub(1, Relaxed);
                return Err(cmd.requeue(if device {
                    QueueBusy::Device
                } else {
                    QueueBusy::Host
                }));
            }
            Some(Action::Timeout) => {
                // Never completed: the midlayer's timeout and error
                // handler take it back (`eh_abort`).
                lun.stats.start();
                let cmd = cmd.accept();
                host.ring_if_last(&cmd);
                cmd.park();
                return Ok(());
            }
            Some(Action::Sense {
                key,
                asc,
                ascq,
                info_lba,
            }) => {
                let mut sense = Sense::new(key, AscAscq::new(asc, ascq));
                let bad = fault_lba.filter(|_| info_lba);
                if let Some(lba) = bad {
                    sense = sense.with_info(lba);
                }
                // sd completes the blocks before the failing one as good,
                // and a RECOVERED ERROR as a whole: those must really move.
                let good_blocks = match (bad, view.blocks) {
                    (Some(lba), Some((first, _))) if lba > first => Some(lba - first),
                    _ => None,
                };
                if key == SenseKey::RecoveredError || good_blocks.is_some() {
                    let Ok(status) = io::execute(&mut cmd, lun, lun_numbers, &wc) else {
                        busy.fetch_sub(1, Relaxed);
                        return Err(cmd.requeue(QueueBusy::Host));
                    };
                    if status != CmdStatus::GOOD {
                        status
                    } else {
                        if let Some(n) = good_blocks {
                            let bs = u64::from(lun.config().block_size);
                            let good = u32::try_from(n.saturating_mul(bs)).unwrap_or(u32::MAX);
                            cmd.set_resid(cmd.transfer_len().saturating_sub(good));
                        }
                        io::fail_with_sense(&mut cmd, lun, &sense)
                    }
                } else {
                    // Nothing moved.
                    cmd.set_resid(cmd.transfer_len());
                    io::fail_with_sense(&mut cmd, lun, &sense)
                }
            }
            Some(Action::Status(status)) => CmdStatus {
                host: HostByte::Ok,
                status,
            },
            Some(Action::Host(code)) => CmdStatus::host(match code {
                HostCode::Error => HostByte::Error,
                HostCode::BusBusy => HostByte::BusBusy,
                HostCode::NoConnect => HostByte::NoConnect,
                HostCode::Reset => HostByte::Reset,
            }),
            // Runs, then reports less moved (or later) than it was.
            Some(Action::Delay(_) | Action::Short(_)) | None => {
                // A page allocation that failed in atomic context is retried later.
                let Ok(status) = io::execute(&mut cmd, lun, lun_numbers, &wc) else {
                    busy.fetch_sub(1, Relaxed);
                    return Err(cmd.requeue(QueueBusy::Host));
                };
                match fault {
                    Some(Action::Short(bytes)) => {
                        // At least a block moves: sd rounds a residual up
                        // to whole blocks, and no progress would retry
                        // for ever.
                        let moved = bytes.max(lun.config().block_size);
                        let len = cmd.transfer_len();
                        cmd.set_resid(len.saturating_sub(moved));
                    }
                    Some(Action::Delay(us)) => extra_delay_us = us,
                    _ => {}
                }
                status
            }
            Some(Action::PowerCut) => {
                power::cut(cmd.device().host(), "fault rule");
                CmdStatus::host(HostByte::NoConnect)
            }
            // Not per-command (the rules never fire them here).
            Some(Action::FailEh(_) | Action::Pending) => CmdStatus::GOOD,
        };
        // A cut started while it ran: fail it as the cut would have.
        let status = if host.power.unbroken(power) {
            status
        } else {
            CmdStatus::host(HostByte::NoConnect)
        };
        lun.stats.start();
        let mut cmd = cmd.accept();
        cmd.set_status(status);
        if extra_delay_us > 0 {
            host.ring_if_last(&cmd);
            let us = host.delay_us.load(Relaxed).saturating_add(extra_delay_us);
            cmd.finish_after(u64::from(us).saturating_mul(1000));
            return Ok(());
        }
        if cmd
            .device()
            .host()
            .is_poll_queue((cmd.unique_tag() >> 16) as u16)
        {
            let delay_ns = u64::from(host.delay_us.load(Relaxed)).saturating_mul(1000);
            let due_ns = host.clock.now_ns().saturating_add(delay_ns);
            if let Err(cmd) = host.polled.post(cmd, due_ns) {
                cmd.finish();
            }
        } else if !host.cfg.doorbell {
            host.finish(cmd);
        } else if cmd.is_last_of_batch() {
            host.ring(cmd.device().host(), (cmd.unique_tag() >> 16) as usize);
            host.finish(cmd);
        } else if let Err(cmd) = host.post(cmd) {
            host.finish(cmd);
        }
        Ok(())
    }

    fn mq_poll(host: &VirtHost, shost: &HostRef<Self>, queue: u16) -> u32 {
        host.polled.poll(shost, queue, host.clock.now_ns())
    }

    fn commit_rqs(host: &VirtHost, shost: &HostRef<Self>, hw_queue: u16) {
        if host.cfg.doorbell {
            host.ring(shost, hw_queue.into());
        }
    }

    fn command_finished(host: &VirtHost, cmd: &CommandRef<Self>) {
        let dev = cmd.device();
        if let (Some(lun), Some(busy)) = (host.lun_of(dev), host.target_busy.get(dev.id() as usize))
        {
            busy.fetch_sub(1, Relaxed);
            lun.stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn sdev_init(host: &VirtHost, dev: &Device<Self>) -> Result<VirtDevice> {
        if dev.channel() != 0 {
            return Err(ENXIO);
        }
        let lun_index = host.lun_index(dev.id(), dev.lun()).ok_or(ENXIO)?;
        let presence = host.luns.get(lun_index).ok_or(ENXIO)?.presence.clone();
        // No disk in the slot (never added, or removed): no device.
        if !presence.attach() {
            return Err(ENXIO);
        }
        Ok(VirtDevice {
            lun_index,
            faults: host.faults.clone(),
            presence,
            configured: Atomic::new(false),
        })
    }

    fn eh_event(_host: &VirtHost, dev: &Device<Self>, event: EhEvent) {
        host_stats::count_eh(dev, event);
    }

    fn sdev_destroy(dev: &Device<Self>, data: &VirtDevice) {
        // Not a device the scan gave up on (a rule that failed its INQUIRY
        // must keep counting).
        if data.configured.load(Relaxed) {
            data.faults.remove_lun(dev.id(), dev.lun());
        }
    }

    fn sdev_configure(host: &VirtHost, dev: &Device<Self>) -> Result {
        if let Some(data) = dev.data() {
            data.configured.store(true, Relaxed);
        }
        dev.set_queue_depth(defaults::queue_depth().min(host.cfg.max_queue_depth));
        dev.set_timeout_ms(defaults::cmd_timeout_ms());
        host_stats::sdev_publish(host, dev);
        Ok(())
    }

    fn change_queue_depth(host: &VirtHost, _dev: &Device<Self>, depth: u32) -> u32 {
        depth.min(host.cfg.max_queue_depth)
    }

    fn eh_abort(host: &VirtHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        if host.eh_fails(EhStep::Abort, cmd.device()) {
            return EhResult::Failed;
        }
        // A command still waiting on its completion timer is taken back; one
        // that already completed needs nothing.
        if let Some(taken) = cmd.take_parked_eh(eh) {
            dev_info!(
                taken.device().as_dev(),
                "abort: took back command {:#x}\n",
                taken.unique_tag()
            );
            taken.give_back(CmdStatus::host(HostByte::Reset));
        }
        EhResult::Success
    }

    fn eh_device_reset(host: &VirtHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        if host.eh_fails(EhStep::DeviceReset, dev) {
            return EhResult::Failed;
        }
        let (id, lun) = (dev.id(), dev.lun());
        host.reset_where(dev.host(), eh, |t, l| t == id && l == lun);
        EhResult::Success
    }

    fn eh_target_reset(host: &VirtHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        if host.eh_fails(EhStep::TargetReset, dev) {
            return EhResult::Failed;
        }
        let id = dev.id();
        host.reset_where(dev.host(), eh, |t, _| t == id);
        EhResult::Success
    }

    fn eh_bus_reset(
        host: &VirtHost,
        shost: &HostRef<Self>,
        _channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        // Bus and host resets have no device of their own: any rule with
        // that action makes them fail, whatever its LUN.
        if host.faults.fails_eh_any(EhStep::BusReset) {
            pr_info!("orion_virt: bus reset fails (fault rule)\n");
            return EhResult::Failed;
        }
        host.reset_where(shost, eh, |_, _| true);
        EhResult::Success
    }

    fn eh_host_reset(host: &VirtHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        // The commands are taken back even when the reset is to fail: the
        // midlayer then offlines the devices and finishes them, which it
        // waits for (a command parked by a `timeout` rule would never
        // come back otherwise).
        host.reset_where(shost, eh, |_, _| true);
        if host.faults.fails_eh_any(EhStep::HostReset) {
            pr_info!("orion_virt: host reset fails (fault rule)\n");
            return EhResult::Failed;
        }
        EhResult::Success
    }
}
