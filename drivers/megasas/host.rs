// SPDX-License-Identifier: GPL-2.0

//! The SCSI host of a MegaRAID controller: commands become LD SCSI IO
//! frames (one frame per blk-mq tag), completions come from the reply ring,
//! and the error handler aborts frames or resets the controller.
//!
//! LD SCSI IO rather than PD pass-through or LD READ/WRITE: in its default
//! RAID mode the firmware presents each disk as a logical drive, which is
//! what `megaraid_sas` shows too; LD SCSI IO passes every CDB (not only
//! reads and writes) so sd, sg and the sg3_utils see the drive unchanged.

use super::controller::{Controller, MAX_FRAME, SENSE_LEN, SENSE_OFF};
use super::mfi::{
    frame::{DataDir, Outcome},
    io::{build_scsi_io, ScsiIo},
    regs::post_words,
    reply::encode_context,
};
use crate::common::{
    counters::{CounterAttributes, HasCounters, HbaCounters},
    defaults,
    early::finish_early,
    health::{FaultsAttribute, Recoverable},
    host_stats::{self, AdapterAttribute, HostStats, OrionHost},
    latency::{Clock, SubmitTime},
    stats::{classify, IoStats},
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::hw::IrqMode;
use crate::scsi::{
    command::SENSE_BUFFER_SIZE, Attribute, CmdStatus, CommandRef, DataDirection, Device, EhContext,
    EhEvent, EhResult, HostByte, HostOperations, HostRef, NewCommand, QueueBusy, Requeue, Template,
};
use core::fmt::Write;
use kernel::{
    prelude::*,
    sync::{atomic::Atomic, Arc, SetOnce},
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// The orion_megasas host template operations.
pub(crate) struct MegasasOps;

/// The template of every MegaRAID host (module lifetime: hosts and their
/// devices can outlive the PCI binding).
pub(crate) static TEMPLATE: Template<MegasasOps> = Template::new();

/// How long an abort waits for the firmware to give the frame back.
const ABORT_WAIT_MS: i64 = 2000;

/// Host data: the controller and the settings the host was created with.
pub(crate) struct MegasasHost {
    pub(crate) ctrl: Controller,
    pub(crate) queue_depth: u32,
    pub(crate) max_queue_depth: u32,
    pub(crate) irq_mode: SetOnce<IrqMode>,
    pub(crate) clock: Clock,
    pub(crate) stats: HostStats,
}

impl OrionHost for MegasasHost {
    const ADAPTER: &'static str = "megasas";
    fn host_stats(&self) -> &HostStats {
        &self.stats
    }
}

impl MegasasHost {
    /// Completes the SCSI frame `idx` the firmware reported done. A command
    /// the midlayer timed out stays parked: its frame is free now and the
    /// abort handler gives it back.
    pub(crate) fn complete(&self, shost: &HostRef<MegasasOps>, idx: u32) {
        let mut sense = [0u8; SENSE_BUFFER_SIZE];
        let Some((done, sense_len)) = self.ctrl.complete_frame(idx, &mut sense) else {
            return;
        };
        // Gone if the error handler took it back (then it was aborted).
        let Some(mut cmd) = shost.take_parked(idx) else {
            return;
        };
        let status = match done.outcome {
            Outcome::Ok => CmdStatus::GOOD,
            Outcome::ScsiError { scsi_status } => {
                if let Some(dst) = cmd.sense_buffer_mut().get_mut(..sense_len) {
                    dst.copy_from_slice(sense.get(..sense_len).unwrap_or(&[]));
                }
                CmdStatus {
                    host: HostByte::Ok,
                    status: scsi_status,
                }
            }
            Outcome::Busy => CmdStatus::BUSY,
            Outcome::NoConnect => CmdStatus::host(HostByte::NoConnect),
            // Cancelled by a reset or abort of another path: retry.
            Outcome::IoFailed => CmdStatus::host(HostByte::Reset),
            Outcome::Pending | Outcome::Invalid(_) | Outcome::Failed(_) => {
                dev_err!(
                    cmd.device().as_dev(),
                    "frame {} failed, MFI status {:#x}, opcode {:#x}\n",
                    idx,
                    done.cmd_status,
                    cmd.cdb().first().copied().unwrap_or(0)
                );
                CmdStatus::host(HostByte::Error)
            }
        };
        cmd.complete(status);
    }

    /// Resets the controller. Commands still outstanding once the firmware
    /// stopped are given back: completed with DID_RESET (the midlayer
    /// retries them at once), or, those it timed out, handed to the error
    /// handler. Without `eh` (health check) timed-out commands stay parked
    /// for the error handler, whose abort then finds their frames free.
    pub(crate) fn reset(&self, shost: &HostRef<MegasasOps>, eh: Option<&EhContext>) -> Result {
        self.ctrl
            .reset(|| shost.give_back_parked(eh, CmdStatus::host(HostByte::Reset)))
    }
}

impl Recoverable for MegasasOps {
    fn in_fault(host: &MegasasHost) -> bool {
        host.ctrl.in_fault()
    }

    fn faults(host: &MegasasHost) -> &Atomic<u32> {
        &host.ctrl.stats.faults
    }

    fn recover(shost: &HostRef<Self>) -> Result {
        shost.data().reset(shost, None)
    }
}

impl StatsDevice for MegasasOps {
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>> {
        dev.data()
    }
}

/// The shared statistics files plus `sas_address` (what the SAS transport
/// class calls it), the address the firmware reports for the disk.
const DEVICE_ATTRS: [Attribute<Device<MegasasOps>>; 8] = {
    let s = StatsAttributes::<MegasasOps>::LIST;
    [
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
        s[6],
        Attribute {
            name: c"sas_address",
            show: |d, w| writeln!(w, "{:#018x}", d.host().data().ctrl.sas_address(d.id())),
            store: None,
        },
    ]
};

impl HasCounters for MegasasHost {
    fn counters(&self) -> &HbaCounters {
        &self.ctrl.stats.hba
    }
}

/// The controller's own files plus the shared counters.
const HOST_ATTRS: [Attribute<MegasasHost>; 9] = {
    let c = CounterAttributes::<MegasasHost>::LIST;
    [
        AdapterAttribute::<MegasasHost>::ATTR,
        Attribute {
            name: c"orion_model",
            show: |h, w| writeln!(w, "{}", h.ctrl.model.name()),
            store: None,
        },
        Attribute {
            name: c"orion_irq_mode",
            show: |h, w| writeln!(w, "{}", h.irq_mode.as_ref().map_or("none", |m| m.name())),
            store: None,
        },
        Attribute {
            name: c"orion_fw_state",
            show: |h, w| writeln!(w, "{:?}", h.ctrl.regs().fw_status().state),
            store: None,
        },
        FaultsAttribute::<MegasasOps>::ATTR,
        Attribute {
            name: c"orion_logical_drives",
            show: |h, w| writeln!(w, "{}", h.ctrl.ld_count()),
            store: None,
        },
        c[0],
        c[1],
        c[2],
    ]
};

#[vtable]
impl HostOperations for MegasasOps {
    type HostData = MegasasHost;
    type CmdData = SubmitTime;
    type DeviceData = Arc<IoStats>;

    // A controller reset already waited for READY and re-sent INIT; the
    // logical drives need no bus settle time.
    const SKIP_RESET_SETTLE: bool = true;

    const HOST_ATTRIBUTES: &'static [Attribute<MegasasHost>] = &HOST_ATTRS;

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &DEVICE_ATTRS;

    fn queue_command<'q>(
        host: &MegasasHost,
        mut cmd: NewCommand<'q, Self>,
    ) -> Result<(), Requeue<'q>> {
        let ctrl = &host.ctrl;
        let Some(_posting) = ctrl.begin_submit() else {
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let tag = cmd.unique_tag() & 0xffff;
        let (target, lun) = (cmd.device().id(), cmd.device().lun());
        if tag >= ctrl.can_queue || lun != 0 || !ctrl.has_ld(target) || ctrl.is_dead() {
            return finish_early(cmd, CmdStatus::host(HostByte::NoConnect));
        }
        let dir = match cmd.data_direction() {
            DataDirection::None => DataDir::None,
            DataDirection::ToDevice => DataDir::Write,
            DataDirection::FromDevice => DataDir::Read,
            DataDirection::Bidirectional => {
                return finish_early(cmd, CmdStatus::host(HostByte::Error))
            }
        };
        // The frame of a command whose abort failed may still be with the
        // firmware until a reset.
        let Some(mut slot) = ctrl.frames().claim(tag as usize) else {
            return Err(cmd.requeue(QueueBusy::Device));
        };
        let sense_addr = slot.dma_address().saturating_add(SENSE_OFF as u64);
        let data_len = if dir == DataDir::None {
            0
        } else {
            cmd.transfer_len()
        };
        let mut cdb = [0u8; 16];
        let cdb_len = cmd.cdb().len().min(cdb.len());
        if let (Some(dst), Some(src)) = (cdb.get_mut(..cdb_len), cmd.cdb().get(..cdb_len)) {
            dst.copy_from_slice(src);
        }
        let cdb = cdb.get(..cdb_len).unwrap_or(&[]);
        let kind = classify(cdb);
        let Ok(segs) = cmd.dma_map() else {
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let io = ScsiIo {
            logical: true,
            target: target as u8,
            lun: 0,
            cdb,
            dir,
            data_len,
            sense_addr,
            sense_len: SENSE_LEN as u8,
        };
        // QEMU wants one SG entry even without data: point it at the sense
        // buffer, with a zero data length it is not used.
        let dummy = (segs.size_hint().0 == 0).then_some((sense_addr, SENSE_LEN as u32));
        let posted = write_frame(
            &mut slot,
            tag,
            &io,
            Iterator::chain(segs, dummy),
            ctrl.max_sge.into(),
        );
        let Ok(words) = posted else {
            dev_err!(
                cmd.device().as_dev(),
                "cannot build a frame for opcode {:#x}\n",
                cdb.first().copied().unwrap_or(0)
            );
            drop(slot);
            return finish_early(cmd, CmdStatus::host(HostByte::Error));
        };
        if let Some(stats) = cmd.device().data() {
            stats.start();
            stats.count(kind, u64::from(data_len));
        }
        cmd.data().mark(&host.clock);
        slot.to_device();
        cmd.accept().park();
        ctrl.regs().post(words);
        Ok(())
    }

    fn command_finished(host: &MegasasHost, cmd: &CommandRef<Self>) {
        if let Some(stats) = cmd.device().data() {
            stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn sdev_init(host: &MegasasHost, dev: &Device<Self>) -> Result<Arc<IoStats>> {
        if dev.channel() != 0 || dev.lun() != 0 || !host.ctrl.has_ld(dev.id()) {
            return Err(ENXIO);
        }
        host_stats::sdev_stats(host, dev)
    }

    fn eh_event(_host: &MegasasHost, dev: &Device<Self>, event: EhEvent) {
        host_stats::count_eh(dev, event);
    }

    fn sdev_configure(host: &MegasasHost, dev: &Device<Self>) -> Result {
        host_stats::sdev_publish(host, dev);
        dev.set_queue_depth(host.queue_depth.min(host.ctrl.can_queue));
        dev.set_timeout_ms(defaults::cmd_timeout_ms());
        Ok(())
    }

    fn change_queue_depth(host: &MegasasHost, _dev: &Device<Self>, depth: u32) -> u32 {
        depth.min(host.max_queue_depth).min(host.ctrl.can_queue)
    }

    fn eh_abort(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        let ctrl = &host.ctrl;
        let tag = cmd.unique_tag() & 0xffff;
        let dev = cmd.device().as_dev();
        if ctrl.frames().is_with_device(tag as usize) {
            // MFI ABORT; the firmware then completes the victim frame (status
            // IO_FAILED) and the interrupt handler frees it, leaving the
            // timed-out command parked for us.
            if let Err(e) = ctrl.abort_frame(tag) {
                dev_info!(dev, "MFI ABORT of tag {} not accepted ({:?})\n", tag, e);
            }
            let start = Instant::<Monotonic>::now();
            while ctrl.frames().is_with_device(tag as usize)
                && start.elapsed().as_millis() < ABORT_WAIT_MS
            {
                fsleep(Delta::from_millis(1));
            }
        }
        if ctrl.frames().is_with_device(tag as usize) {
            // The device may still write the buffer: keep the command and
            // its mapping; the reset the midlayer escalates to reclaims it.
            dev_warn!(
                dev,
                "abort of tag {}: the firmware still holds the frame\n",
                tag
            );
            return EhResult::Failed;
        }
        if let Some(owned) = cmd.take_parked_eh(eh) {
            owned.give_back(CmdStatus::host(HostByte::Reset));
            dev_info!(dev, "abort of tag {}: done\n", tag);
        }
        EhResult::Success
    }

    fn eh_device_reset(host: &MegasasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, dev.host(), eh, "device")
    }

    fn eh_target_reset(host: &MegasasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, dev.host(), eh, "target")
    }

    fn eh_bus_reset(
        host: &MegasasHost,
        shost: &HostRef<Self>,
        _channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        eh_reset(host, shost, eh, "bus")
    }

    fn eh_host_reset(host: &MegasasHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, shost, eh, "host")
    }
}

/// Builds an LD SCSI IO frame on the stack and copies it into its slot;
/// returns the words that post it. Not inlined: the frame buffer stays off
/// `queue_command`'s own stack frame.
#[inline(never)]
fn write_frame(
    slot: &mut crate::dma::SlotMut<'_>,
    tag: u32,
    io: &ScsiIo<'_>,
    sges: impl Iterator<Item = (u64, u32)>,
    max_sge: usize,
) -> Result<super::mfi::regs::PostWords> {
    let mut frame = [0u8; MAX_FRAME];
    let size = build_scsi_io(&mut frame, encode_context(tag), io, sges, max_sge)?;
    slot.write(0, frame.get(..size).ok_or(EINVAL)?)?;
    Ok(post_words(slot.dma_address(), size)?)
}

/// MFI has no per-device reset: every reset level resets the controller.
fn eh_reset(
    host: &MegasasHost,
    shost: &HostRef<MegasasOps>,
    eh: &EhContext,
    what: &str,
) -> EhResult {
    dev_info!(shost.as_dev(), "{} reset: resetting the controller\n", what);
    match host.reset(shost, Some(eh)) {
        Ok(()) => {
            dev_info!(shost.as_dev(), "controller reset done, I/O resumes\n");
            EhResult::Success
        }
        Err(e) => {
            dev_err!(shost.as_dev(), "controller reset failed: {:?}\n", e);
            EhResult::Failed
        }
    }
}
