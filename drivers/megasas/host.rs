// SPDX-License-Identifier: GPL-2.0

//! The SCSI host of a MegaRAID controller: commands become LD SCSI IO
//! frames (one frame per blk-mq tag), completions come from the reply ring,
//! and the error handler aborts frames or resets the controller.
//!
//! LD SCSI IO rather than PD pass-through or LD READ/WRITE: in its default
//! RAID mode the firmware presents each disk as a logical drive, which is
//! what `megaraid_sas` shows too; LD SCSI IO passes every CDB (not only
//! reads and writes) so sd, sg and the sg3_utils see the drive unchanged.

use super::controller::{Controller, SENSE_LEN, SENSE_OFF};
use super::mfi::{
    frame::{DataDir, Outcome},
    io::{build_scsi_io, ScsiIo},
    regs::post_words,
    reply::encode_context,
};
use crate::hw::IrqMode;
use crate::common::{
    latency::{Clock, SubmitTime},
    stats::{classify, IoStats},
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::scsi::{
    command::SENSE_BUFFER_SIZE, Attribute, CmdStatus, Command, CommandRef, DataDirection, Device, EhContext,
    EhResult, HostByte, HostOperations, HostRef, QueueBusy, Requeue,
};
use core::fmt::Write;
use kernel::{
    prelude::*,
    sync::{atomic::Relaxed, SetOnce},
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// The orion_megasas host template operations.
pub(crate) struct MegasasOps;

/// Host data: the controller and the settings the host was created with.
pub(crate) struct MegasasHost {
    pub(crate) ctrl: Controller,
    pub(crate) timeout_ms: u32,
    pub(crate) queue_depth: u32,
    pub(crate) max_queue_depth: u32,
    pub(crate) irq_mode: SetOnce<IrqMode>,
    pub(crate) clock: Clock,
}

impl MegasasHost {

    /// Completes the SCSI frame `idx` the firmware reported done.
    pub(crate) fn complete(&self, shost: &HostRef<MegasasOps>, idx: u32) {
        let mut sense = [0u8; SENSE_BUFFER_SIZE];
        let Some((done, sense_len)) = self.ctrl.complete_frame(idx, &mut sense) else {
            return;
        };
        // Gone if the error handler took it back (then it was aborted).
        let Some(mut cmd) = shost.take_parked(idx) else { return };
        let status = match done.outcome {
            Outcome::Ok => CmdStatus::GOOD,
            Outcome::ScsiError { scsi_status } => {
                if let Some(dst) = cmd.sense_buffer_mut().get_mut(..sense_len) {
                    dst.copy_from_slice(sense.get(..sense_len).unwrap_or(&[]));
                }
                CmdStatus { host: HostByte::Ok, status: scsi_status }
            }
            Outcome::Busy => CmdStatus::BUSY,
            Outcome::NoConnect => CmdStatus::host(HostByte::NoConnect),
            // Cancelled by a reset or abort of another path: retry.
            Outcome::IoFailed => CmdStatus::host(HostByte::Reset),
            Outcome::Pending | Outcome::Invalid(_) | Outcome::Failed(_) => {
                pr_err!(
                    "megasas: frame {} failed, MFI status {:#x}, opcode {:#x}\n",
                    idx,
                    done.cmd_status,
                    cmd.cdb().first().copied().unwrap_or(0)
                );
                CmdStatus::host(HostByte::Error)
            }
        };
        cmd.complete(status);
    }

    /// Resets the controller; every command still outstanding is handed to
    /// the error handler (`eh`) or completed for retry (health check).
    pub(crate) fn reset(&self, shost: &HostRef<MegasasOps>, eh: Option<&EhContext>) -> Result {
        self.ctrl.reset(|| {
            shost.for_each_busy(|c| {
                if let Some(cmd) = c.take_parked() {
                    match eh {
                        Some(eh) => cmd.abandon(eh),
                        None => cmd.complete(CmdStatus::host(HostByte::Reset)),
                    }
                }
            });
        })
    }
}

impl StatsDevice for MegasasOps {
    fn io_stats(dev: &Device<Self>) -> Option<&IoStats> {
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

#[vtable]
impl HostOperations for MegasasOps {
    type HostData = MegasasHost;
    type CmdData = SubmitTime;
    type DeviceData = IoStats;

    const HOST_ATTRIBUTES: &'static [Attribute<MegasasHost>] = &[
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
        Attribute {
            name: c"orion_resets",
            show: |h, w| writeln!(w, "{}", h.ctrl.stats.resets.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_aborts",
            show: |h, w| writeln!(w, "{}", h.ctrl.stats.aborts.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_faults",
            show: |h, w| writeln!(w, "{}", h.ctrl.stats.faults.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_interrupts",
            show: |h, w| writeln!(w, "{}", h.ctrl.stats.interrupts.load(Relaxed)),
            store: None,
        },
        Attribute {
            name: c"orion_logical_drives",
            show: |h, w| writeln!(w, "{}", h.ctrl.ld_count()),
            store: None,
        },
    ];

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &DEVICE_ATTRS;

    fn queue_command(host: &MegasasHost, mut cmd: Command<Self>) -> Result<(), Requeue<Self>> {
        let ctrl = &host.ctrl;
        if ctrl.is_resetting() {
            return Err(cmd.requeue(QueueBusy::Host));
        }
        let tag = cmd.unique_tag() & 0xffff;
        let (target, lun) = (cmd.device().id(), cmd.device().lun());
        if tag >= ctrl.can_queue || lun != 0 || !ctrl.has_ld(target) {
            cmd.complete(CmdStatus::host(HostByte::NoConnect));
            return Ok(());
        }
        let dir = match cmd.data_direction() {
            DataDirection::None => DataDir::None,
            DataDirection::ToDevice => DataDir::Write,
            DataDirection::FromDevice => DataDir::Read,
            DataDirection::Bidirectional => {
                cmd.complete(CmdStatus::host(HostByte::Error));
                return Ok(());
            }
        };
        // The frame of an aborted command may still be with the firmware.
        let Some(mut slot) = ctrl.frames().claim(tag as usize) else {
            return Err(cmd.requeue(QueueBusy::Device));
        };
        let sense_addr = slot.dma_address() + SENSE_OFF as u64;
        let data_len = if dir == DataDir::None { 0 } else { cmd.transfer_len() };
        let mut cdb = [0u8; 16];
        let cdb_len = cmd.cdb().len().min(16);
        cdb[..cdb_len].copy_from_slice(&cmd.cdb()[..cdb_len]);
        let kind = classify(&cdb[..cdb_len]);
        let built = match cmd.dma_map() {
            Ok(segs) => {
                let io = ScsiIo {
                    logical: true,
                    target: target as u8,
                    lun: 0,
                    cdb: &cdb[..cdb_len],
                    dir,
                    data_len,
                    sense_addr,
                    sense_len: SENSE_LEN as u8,
                };
                // QEMU wants one SG entry even without data: point it at
                // the sense buffer, with a zero data length it is not used.
                let dummy = (segs.size_hint().0 == 0).then_some((sense_addr, SENSE_LEN as u32));
                build_scsi_io(slot.bytes(), encode_context(tag), &io, Iterator::chain(segs, dummy), ctrl.max_sge.into())
            }
            Err(_) => {
                drop(slot);
                return Err(cmd.requeue(QueueBusy::Host));
            }
        };
        let words = match built.map(|size| post_words(slot.dma_address(), size)) {
            Ok(Ok(w)) => w,
            _ => {
                pr_err!("megasas: cannot build a frame for opcode {:#x}\n", cdb[0]);
                drop(slot);
                cmd.complete(CmdStatus::host(HostByte::Error));
                return Ok(());
            }
        };
        if let Some(stats) = cmd.device().data() {
            stats.start();
            stats.count(kind, u64::from(data_len));
        }
        cmd.data().mark(&host.clock);
        slot.to_device();
        cmd.park();
        ctrl.regs().post(words);
        Ok(())
    }

    fn command_finished(host: &MegasasHost, cmd: &CommandRef<Self>) {
        if let Some(stats) = cmd.device().data() {
            stats.finish(cmd.data().latency_ns(&host.clock));
        }
    }

    fn sdev_init(host: &MegasasHost, dev: &Device<Self>) -> Result<IoStats> {
        if dev.channel() != 0 || dev.lun() != 0 || !host.ctrl.has_ld(dev.id()) {
            return Err(ENXIO);
        }
        Ok(IoStats::default())
    }

    fn sdev_configure(host: &MegasasHost, dev: &Device<Self>) -> Result {
        dev.set_queue_depth(host.queue_depth.min(host.ctrl.can_queue));
        dev.set_timeout_ms(host.timeout_ms);
        Ok(())
    }

    fn change_queue_depth(host: &MegasasHost, _dev: &Device<Self>, depth: u32) -> u32 {
        depth.min(host.max_queue_depth).min(host.ctrl.can_queue)
    }

    fn eh_abort(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        let tag = cmd.unique_tag() & 0xffff;
        // Completed meanwhile: nothing to abort.
        let Some(owned) = cmd.take_parked() else { return EhResult::Success };
        let aborted = host.ctrl.abort_frame(tag);
        // The firmware completes the aborted frame (status IO_FAILED); the
        // interrupt handler frees it, finding the command already taken.
        let start = Instant::<Monotonic>::now();
        while host.ctrl.frames().is_with_device(tag as usize) && start.elapsed().as_millis() < 2000 {
            fsleep(Delta::from_millis(1));
        }
        let freed = !host.ctrl.frames().is_with_device(tag as usize);
        pr_info!(
            "megasas: abort of tag {} on {}:{}: {}\n",
            tag,
            owned.device().id(),
            owned.device().lun(),
            if aborted.is_ok() && freed { "done" } else { "failed" }
        );
        owned.abandon(eh);
        if aborted.is_ok() && freed {
            EhResult::Success
        } else {
            EhResult::Failed
        }
    }

    fn eh_device_reset(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, cmd, eh, "device")
    }

    fn eh_target_reset(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, cmd, eh, "target")
    }

    fn eh_bus_reset(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, cmd, eh, "bus")
    }

    fn eh_host_reset(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset(host, cmd, eh, "host")
    }
}

/// MFI has no per-device reset: every reset level resets the controller.
fn eh_reset(host: &MegasasHost, cmd: &CommandRef<MegasasOps>, eh: &EhContext, what: &str) -> EhResult {
    let shost = cmd.device().host();
    pr_info!("megasas: {} reset: resetting the controller\n", what);
    match host.reset(shost, Some(eh)) {
        Ok(()) => {
            pr_info!("megasas: controller reset done, I/O resumes\n");
            EhResult::Success
        }
        Err(e) => {
            pr_err!("megasas: controller reset failed: {:?}\n", e);
            EhResult::Failed
        }
    }
}
