// SPDX-License-Identifier: GPL-2.0

//! The SCSI-host side the PCI HBA drivers (MegaRAID, Fusion-MPT) share.
//! In both, a command owns the DMA slot of its blk-mq tag, is parked while
//! the controller holds the slot and is completed from the interrupt
//! handler. Here: the settings and statistics every such host keeps, and
//! the steps of `queue_command`, completion, device set-up and abort that
//! do not depend on the controller's wire format.

use super::{
    counters::{HasCounters, HbaCounters},
    defaults,
    early::finish_early,
    host_stats::{sdev_publish, HostStats, OrionHost},
    irq::IrqChoice,
    latency::{Clock, SubmitTime},
    stats::{classify, CmdKind},
    stats_attrs::StatsDevice,
};
use crate::dma::{DmaSlots, SlotMut};
use crate::hw::IrqMode;
use crate::proto::cdb::DataDirection as Dir;
use crate::scsi::{
    Attribute, CmdStatus, CommandRef, DataDirection, Device, EhContext, EhResult, HostByte,
    HostOperations, NewCommand, QueueBusy, Requeue,
};
use core::{fmt::Write, marker::PhantomData};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Release},
        Mutex, SetOnce,
    },
};

/// What every HBA host keeps besides its controller.
pub(crate) struct HbaHost {
    /// Queue depth a new device starts with.
    pub(crate) queue_depth: u32,
    /// Largest queue depth a device accepts.
    pub(crate) max_queue_depth: u32,
    /// Commands the controller takes at once (the host's `can_queue`).
    can_queue: u32,
    /// The interrupt kind, once set up.
    pub(crate) irq_mode: SetOnce<IrqMode>,
    pub(crate) clock: Clock,
    pub(crate) stats: HostStats,
    /// FAULTs the health check found.
    pub(crate) faults: Atomic<u32>,
    /// Whether the PCI `shutdown` callback stopped the controller (1):
    /// nothing may start it again, new commands fail at once.
    shut_down: Atomic<u32>,
    /// Held across a controller reset and across the shutdown, so that a
    /// reset either ends before the shutdown stops the controller or sees
    /// `shut_down` and does nothing.
    reset_lock: Pin<KBox<Mutex<()>>>,
}

/// Settings from the module parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HbaConfig {
    /// Interrupt kinds to try, in order (`<driver>_irq`).
    pub(crate) irq: IrqChoice,
    /// Queue depth a new device starts with.
    pub(crate) queue_depth: u32,
    /// Largest queue depth a device accepts.
    pub(crate) max_queue_depth: u32,
}

/// The controller of an HBA host.
pub(crate) trait HbaController: Send + Sync + 'static {
    /// The adapter kind, as `orion_adapter` shows it.
    const ADAPTER: &'static str;
    /// Interrupts, resets, aborts (the shared host attributes).
    fn counters(&self) -> &HbaCounters;
    /// Whether the controller reports a fault now.
    fn in_fault(&self) -> bool;
    /// Resets the controller; `reclaim` runs once it holds no command any
    /// more, to give back those still outstanding.
    fn reset(&self, reclaim: impl FnOnce()) -> Result;
}

/// The host data of an HBA driver: its controller and the shared part.
pub(crate) struct HbaData<C> {
    pub(crate) ctrl: C,
    pub(crate) hba: HbaHost,
}

impl<C: HbaController> OrionHost for HbaData<C> {
    const ADAPTER: &'static str = C::ADAPTER;
    fn host_stats(&self) -> &HostStats {
        &self.hba.stats
    }
}

impl<C: HbaController> HasCounters for HbaData<C> {
    fn counters(&self) -> &HbaCounters {
        self.ctrl.counters()
    }
}

/// An HBA driver: its host data is an [`HbaData`].
pub(crate) trait HbaOps: StatsDevice + HostOperations<CmdData = SubmitTime> {
    /// The host's controller type.
    type Ctrl: HbaController;
    /// The host data as what it is.
    fn hba_data(host: &Self::HostData) -> &HbaData<Self::Ctrl>;
    /// The host's shared part.
    fn hba(host: &Self::HostData) -> &HbaHost {
        &Self::hba_data(host).hba
    }
}

impl<T, C> HbaOps for T
where
    T: StatsDevice + HostOperations<CmdData = SubmitTime, HostData = HbaData<C>>,
    C: HbaController,
{
    type Ctrl = C;
    fn hba_data(host: &HbaData<C>) -> &HbaData<C> {
        host
    }
}

impl HbaHost {
    /// Settings for a controller taking `can_queue` commands.
    pub(crate) fn new(cfg: &HbaConfig, can_queue: u32) -> Result<Self> {
        Ok(Self {
            queue_depth: cfg.queue_depth,
            max_queue_depth: cfg.max_queue_depth,
            can_queue,
            irq_mode: SetOnce::new(),
            clock: Clock::new(),
            stats: HostStats::new()?,
            faults: Atomic::new(0),
            shut_down: Atomic::new(0),
            reset_lock: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
        })
    }

    /// Whether the controller was shut down (reboot, power-off).
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Acquire) != 0
    }

    /// Runs `stop` (the controller's shutdown) once no reset runs, and
    /// marks the host shut down first: a later reset, abort or command
    /// finds it so instead of reaching a stopped controller.
    pub(crate) fn shut_down(&self, stop: impl FnOnce()) {
        let _guard = self.reset_lock.lock();
        self.shut_down.store(1, Release);
        stop();
    }

    /// Runs `reset` unless the controller was shut down (`ENODEV`); never
    /// at the same time as the shutdown.
    pub(crate) fn resetting(&self, reset: impl FnOnce() -> Result) -> Result {
        let _guard = self.reset_lock.lock();
        if self.is_shut_down() {
            return Err(ENODEV);
        }
        reset()
    }

    /// `sdev_configure`: the device's statistics files, queue depth and
    /// command timeout.
    pub(crate) fn configure<T>(&self, host: &T::HostData, dev: &Device<T>)
    where
        T: StatsDevice,
        T::HostData: OrionHost,
    {
        sdev_publish(host, dev);
        dev.set_queue_depth(self.queue_depth.min(self.can_queue));
        dev.set_timeout_ms(defaults::cmd_timeout_ms());
    }

    /// `change_queue_depth`: `depth` within the host's limits.
    pub(crate) fn depth(&self, depth: u32) -> u32 {
        depth.min(self.max_queue_depth).min(self.can_queue)
    }

    /// Hands a command whose frame was written into `slot` to the
    /// controller's side: counted, timed, slot device-owned, command
    /// parked. The caller posts the frame next.
    pub(crate) fn issue<T: HbaOps>(
        &self,
        cmd: NewCommand<'_, T>,
        slot: SlotMut<'_>,
        kind: CmdKind,
        bytes: u32,
    ) {
        if let Some(stats) = T::io_stats(cmd.device()) {
            stats.start();
            stats.count(kind, u64::from(bytes));
        }
        cmd.data().mark(&self.clock);
        slot.to_device();
        cmd.accept().park();
    }

    /// `command_finished`: the LUN's completion count and latency.
    pub(crate) fn finished<T: HbaOps>(&self, cmd: &CommandRef<T>) {
        if let Some(stats) = T::io_stats(cmd.device()) {
            stats.finish(cmd.data().latency_ns(&self.clock));
        }
    }
}

/// A command `queue_command` may build a frame for.
pub(crate) struct Admitted<'a> {
    /// The slot of the command's tag, CPU-owned.
    pub(crate) slot: SlotMut<'a>,
    /// The blk-mq tag (the slot index).
    pub(crate) tag: u32,
    pub(crate) dir: Dir,
    /// Bytes to transfer (0 without data).
    pub(crate) data_len: u32,
    pub(crate) cdb: Cdb,
    /// How the statistics count it.
    pub(crate) kind: CmdKind,
}

/// The start of `queue_command` on a slot-per-tag HBA. A command for a
/// tag outside `can_queue`, or one `reachable` says no device answers
/// (or the controller is dead or `hba` shut down), completes with
/// DID_NO_CONNECT; a
/// bidirectional one with DID_ERROR; one whose slot is still with the
/// controller (the abort of its last command failed; a reset frees it) is
/// requeued. `Err` holds what `queue_command` returns for those.
#[allow(clippy::type_complexity)]
pub(crate) fn admit<'a, 'q, T: StatsDevice>(
    cmd: NewCommand<'q, T>,
    hba: &HbaHost,
    slots: &'a DmaSlots,
    can_queue: u32,
    reachable: bool,
) -> Result<(NewCommand<'q, T>, Admitted<'a>), Result<(), Requeue<'q>>> {
    let tag = cmd.unique_tag() & 0xffff;
    if tag >= can_queue || !reachable || hba.is_shut_down() {
        return Err(finish_early(cmd, CmdStatus::host(HostByte::NoConnect)));
    }
    let dir = match cmd.data_direction() {
        DataDirection::None => Dir::None,
        DataDirection::ToDevice => Dir::ToDevice,
        DataDirection::FromDevice => Dir::FromDevice,
        DataDirection::Bidirectional => {
            return Err(finish_early(cmd, CmdStatus::host(HostByte::Error)))
        }
    };
    let Some(slot) = slots.claim(tag as usize) else {
        return Err(Err(cmd.requeue(QueueBusy::Device)));
    };
    let data_len = if dir == Dir::None {
        0
    } else {
        cmd.transfer_len()
    };
    let cdb = Cdb::of(cmd.cdb());
    let kind = classify(cdb.bytes());
    let admitted = Admitted {
        slot,
        tag,
        dir,
        data_len,
        cdb,
        kind,
    };
    Ok((cmd, admitted))
}

/// A command's CDB, copied out (at most 16 bytes).
pub(crate) struct Cdb {
    buf: [u8; 16],
    len: usize,
}

impl Cdb {
    /// Copies `cdb` (cut at 16 bytes).
    pub(crate) fn of(cdb: &[u8]) -> Self {
        let mut buf = [0u8; 16];
        let len = cdb.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..len), cdb.get(..len)) {
            dst.copy_from_slice(src);
        }
        Self { buf, len }
    }

    /// The bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The operation code (0 for an empty CDB).
    pub(crate) fn opcode(&self) -> u8 {
        self.buf.first().copied().unwrap_or(0)
    }
}

/// `queue_command` could not build the controller's frame for `cmd` (a
/// driver bug): logged, the slot freed, the command failed with DID_ERROR.
pub(crate) fn build_failed<'q, T: StatsDevice>(
    cmd: NewCommand<'q, T>,
    slot: SlotMut<'_>,
    cdb: &Cdb,
) -> Result<(), Requeue<'q>> {
    dev_err!(
        cmd.device().as_dev(),
        "cannot build a frame for opcode {:#x}\n",
        cdb.opcode()
    );
    drop(slot);
    finish_early(cmd, CmdStatus::host(HostByte::Error))
}

/// The end of `eh_abort`: while the controller holds the command's slot
/// the abort failed (the device may still write the buffer; the reset the
/// midlayer escalates to reclaims it); once the slot is free (its
/// completion came, the command stayed parked) the command goes back to
/// the error handler.
pub(crate) fn abort_released<T: HostOperations>(
    slots: &DmaSlots,
    cmd: &CommandRef<T>,
    eh: &EhContext,
) -> EhResult {
    let tag = cmd.unique_tag() & 0xffff;
    if slots.is_with_device(tag as usize) {
        dev_warn!(
            cmd.device().as_dev(),
            "abort of tag {}: the controller still holds the frame\n",
            tag
        );
        return EhResult::Failed;
    }
    if let Some(owned) = cmd.take_parked_eh(eh) {
        owned.give_back(CmdStatus::host(HostByte::Reset));
        dev_info!(cmd.device().as_dev(), "abort of tag {}: done\n", tag);
    }
    EhResult::Success
}

/// The `orion_irq_mode` host attribute of driver `T`.
pub(crate) struct IrqModeAttribute<T>(PhantomData<T>);

impl<T: HbaOps> IrqModeAttribute<T> {
    /// The interrupt kind in use, or `none`.
    pub(crate) const ATTR: Attribute<T::HostData> = Attribute {
        name: c"orion_irq_mode",
        show: |h, w| {
            let mode = T::hba(h).irq_mode.as_ref();
            writeln!(w, "{}", mode.map_or("none", |m| m.name()))
        },
        store: None,
    };
}
