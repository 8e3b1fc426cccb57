// SPDX-License-Identifier: GPL-2.0

//! The SCSI host of an LSI 53C8xx chip: its data (the chip, the settings,
//! what is known of each target), its attributes, and the midlayer's and
//! the SPI class's callbacks. A command becomes a CCB in the start queue
//! ([`super::submit`]; its tag is its CCB index), the SCRIPTS run the bus
//! protocol, the interrupt handler ([`super::interrupt`]) completes CCBs
//! and handles what the SCRIPTS stop for, [`super::sense`] fetches the
//! sense data, [`super::recovery`] aborts and resets.

use super::chip::Chip;
use super::scripts::layout::SLOTS;
use crate::common::{
    counters::{CounterAttributes, HasCounters, HbaCounters},
    defaults,
    host_stats::{self, AdapterAttribute, HostStats, OrionHost},
    latency::{Clock, SubmitTime},
    stats::IoStats,
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::scsi::{
    spi::{Agreement, SpiOperations, SpiShow, SpiTarget, SpiTransport},
    Attribute, CommandRef, Device, EhContext, EhEvent, EhResult, HostOperations, HostRef,
    NewCommand, NewTarget, Requeue, Template,
};
use core::fmt::Write;
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc,
    },
};

/// The orion_lsi host template operations.
pub(crate) struct LsiOps;

/// The template of every LSI host (module lifetime).
pub(crate) static TEMPLATE: Template<LsiOps> = Template::new();

/// The SPI transport of every LSI host (module lifetime).
pub(crate) static TRANSPORT: SpiTransport<LsiOps> = SpiTransport::new();

/// SCSI status bytes the driver looks at.
pub(super) const STATUS_GOOD: u8 = 0x00;
pub(super) const STATUS_CHECK_CONDITION: u8 = 0x02;

/// Negotiation state of a target ([`TargetState::nego`]).
pub(super) const NEGO_NEEDED: i32 = 0;
pub(super) const NEGO_SENT: i32 = 1;
pub(super) const NEGO_DONE: i32 = 2;

/// What the driver knows of one target id.
pub(crate) struct TargetState {
    pub(super) nego: Atomic<i32>,
    /// Goal offset (0: asynchronous), from sysfs or domain validation.
    pub(super) goal_offset: Atomic<i32>,
    /// Goal period factor.
    pub(super) goal_period: Atomic<i32>,
}

impl TargetState {
    const fn new() -> Self {
        Self {
            nego: Atomic::new(NEGO_NEEDED),
            goal_offset: Atomic::new(MAX_OFFSET),
            goal_period: Atomic::new(MIN_PERIOD),
        }
    }

    /// The state of every target id.
    pub(crate) fn all() -> [Self; 16] {
        [const { Self::new() }; 16]
    }
}

/// Settings from the module parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LsiSettings {
    /// IDENTIFY grants the disconnect privilege.
    pub(crate) disconnect: bool,
    /// Negotiate synchronous (and wide) transfers with each target.
    pub(crate) sync: bool,
    pub(crate) queue_depth: u32,
    /// Commands outstanding per target, all LUNs together (the tags a
    /// target gets out of the host's [`SLOTS`]).
    pub(crate) target_tags: u32,
}

/// Host data.
pub(crate) struct LsiHost {
    pub(crate) chip: Chip,
    pub(crate) settings: LsiSettings,
    pub(crate) targets: [TargetState; 16],
    pub(crate) clock: Clock,
    pub(crate) stats: HostStats,
}

impl OrionHost for LsiHost {
    const ADAPTER: &'static str = "lsi";
    fn host_stats(&self) -> &HostStats {
        &self.stats
    }
}

/// Fastest period factor the 53C895A does (Ultra2, 25 ns) and its largest
/// offset.
pub(super) const MIN_PERIOD: i32 = 10;
pub(super) const MAX_OFFSET: i32 = 31;

impl LsiHost {
    pub(super) fn target(&self, id: u32) -> Option<&TargetState> {
        self.targets.get(id as usize)
    }

    /// The next command to target `id` negotiates again (after a reset, or
    /// when the one that carried the negotiation was taken back).
    pub(super) fn renegotiate(&self, id: u32) {
        if let Some(t) = self.target(id) {
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }
}

impl StatsDevice for LsiOps {
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>> {
        dev.data()
    }
}

impl HasCounters for LsiHost {
    fn counters(&self) -> &HbaCounters {
        &self.chip.stats.hba
    }
}

/// The shared counters plus the chip's own.
const HOST_ATTRS: [Attribute<LsiHost>; 7] = {
    let c = CounterAttributes::<LsiHost>::LIST;
    [
        AdapterAttribute::<LsiHost>::ATTR,
        c[0],
        c[1],
        c[2],
        Attribute {
            name: c"orion_selection_timeouts",
            show: |h, w| writeln!(w, "{}", h.chip.stats.selection_timeouts.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_negotiations",
            show: |h, w| writeln!(w, "{}", h.chip.stats.negotiations.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_peak_outstanding",
            show: |h, w| writeln!(w, "{}", h.chip.stats.peak_outstanding.load(Relaxed)),
            store: None,
        },
    ]
};

#[vtable]
impl HostOperations for LsiOps {
    type HostData = LsiHost;
    type CmdData = SubmitTime;
    type DeviceData = Arc<IoStats>;

    const HOST_ATTRIBUTES: &'static [Attribute<LsiHost>] = &HOST_ATTRS;

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &StatsAttributes::<Self>::LIST;

    fn queue_command<'q>(host: &LsiHost, cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        super::submit::queue(host, cmd)
    }

    fn command_finished(host: &LsiHost, cmd: &CommandRef<Self>) {
        if let Some(stats) = cmd.device().data() {
            stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn target_alloc(host: &LsiHost, target: &NewTarget) -> Result {
        // Per-target tag limit: the midlayer holds back commands past it
        // (target busy), so one target cannot take every slot.
        target.set_can_queue(host.settings.target_tags.clamp(1, SLOTS as u32));
        Ok(())
    }

    fn sdev_init(host: &LsiHost, dev: &Device<Self>) -> Result<Arc<IoStats>> {
        if dev.channel() != 0 || dev.id() == 7 || dev.lun() > 7 {
            return Err(ENXIO);
        }
        host_stats::sdev_stats(host, dev)
    }

    fn eh_event(_host: &LsiHost, dev: &Device<Self>, event: EhEvent) {
        host_stats::count_eh(dev, event);
    }

    fn sdev_configure(host: &LsiHost, dev: &Device<Self>) -> Result {
        host_stats::sdev_publish(host, dev);
        let depth = if dev.tagged() {
            defaults::queue_depth().clamp(1, SLOTS as u32)
        } else {
            1
        };
        dev.set_queue_depth(depth);
        dev.set_timeout_ms(defaults::cmd_timeout_ms());
        if let Some(t) = TRANSPORT.target_of(dev) {
            // Recorded here, in process context like the SPI class's own
            // writes to these fields: the only terms the driver programs.
            t.set_limits(MIN_PERIOD, MAX_OFFSET, false);
            t.set_agreement(Agreement::ASYNC_NARROW);
            if !t.initial_dv_done() && host.settings.sync {
                dev.spi_domain_validation(&TRANSPORT);
            }
            t.display_agreement();
        }
        Ok(())
    }

    fn change_queue_depth(_host: &LsiHost, dev: &Device<Self>, depth: u32) -> u32 {
        if dev.tagged() {
            depth.clamp(1, SLOTS as u32)
        } else {
            1
        }
    }

    fn eh_abort(host: &LsiHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        host.abort(cmd.device().host(), cmd, eh)
    }

    fn eh_device_reset(host: &LsiHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        host.reset_target(dev.host(), eh, dev.id())
    }

    fn eh_target_reset(host: &LsiHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        host.reset_target(dev.host(), eh, dev.id())
    }

    fn eh_bus_reset(
        host: &LsiHost,
        shost: &HostRef<Self>,
        _channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        host.recover(shost, Some(eh), "bus reset");
        EhResult::Success
    }

    fn eh_host_reset(host: &LsiHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        host.recover(shost, Some(eh), "host reset");
        EhResult::Success
    }
}

#[vtable]
impl SpiOperations for LsiOps {
    const SHOW: SpiShow = SpiShow {
        period: true,
        offset: true,
        width: true,
        dt: false,
    };

    fn signalling(_host: &LsiHost) -> crate::scsi::spi::Signalling {
        crate::scsi::spi::Signalling::Lvd
    }

    fn set_period(host: &LsiHost, target: &SpiTarget, period: i32) {
        if let Some(t) = host.target(target.target().id()) {
            t.goal_period.store(period, Relaxed);
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }

    fn set_offset(host: &LsiHost, target: &SpiTarget, offset: i32) {
        if let Some(t) = host.target(target.target().id()) {
            t.goal_offset.store(offset, Relaxed);
            t.nego.store(NEGO_NEEDED, Relaxed);
        }
    }

    fn set_width(_host: &LsiHost, target: &SpiTarget, _wide: bool) {
        // Narrow only: the agreement stays as it is.
        let a = target.agreement();
        target.set_agreement(Agreement { wide: false, ..a });
    }
}
