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
    frame::{DataDir, Outcome, FRAME_SIZE},
    io::{build_scsi_io, build_scsi_io_one, scsi_io_frame_bytes, ScsiIo},
    regs::post_words,
    reply::encode_context,
};
use crate::common::{
    counters::CounterAttributes,
    frame_build::write_frame,
    hba_bind::HbaStatics,
    hba_eh::abort_with,
    hba_host::{admit, build_failed, HbaData, IrqModeAttribute},
    health::{eh_reset, FaultsAttribute},
    host_stats::{self, AdapterAttribute},
    latency::SubmitTime,
    stats::IoStats,
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::proto::cdb::DataDirection as Dir;
use crate::scsi::{
    Attribute, CmdStatus, CommandRef, Device, EhContext, EhEvent, EhResult, HostByte,
    HostOperations, HostRef, NewCommand, QueueBusy, Requeue,
};
use core::fmt::Write;
use kernel::{prelude::*, sync::Arc};

/// The orion_megasas host template operations.
pub(crate) struct MegasasOps;

/// The driver's template and settings.
pub(crate) static STATICS: HbaStatics<MegasasOps> = HbaStatics::new();

/// How long an abort waits for the firmware to give the frame back.
const ABORT_WAIT_MS: i64 = 2000;

/// Host data: the controller and the host's settings and statistics.
pub(crate) type MegasasHost = HbaData<Controller>;

impl MegasasHost {
    /// Completes the SCSI frame `idx` the firmware reported done. A command
    /// the midlayer timed out stays parked: its frame is free now and the
    /// abort handler gives it back.
    pub(crate) fn complete(&self, shost: &HostRef<MegasasOps>, idx: u32) {
        let Some((done, slot)) = self.ctrl.complete_frame(idx) else {
            return;
        };
        // Gone if the error handler took it back (then it was aborted).
        let Some(mut cmd) = shost.take_parked(idx) else {
            return;
        };
        let status = match done.outcome {
            Outcome::Ok => CmdStatus::GOOD,
            Outcome::ScsiError { scsi_status } => {
                // Only CHECK CONDITION comes with sense: for another status
                // (RESERVATION CONFLICT) QEMU leaves the offered length and
                // the frame's sense area holds an older command's bytes.
                let sense_len = if scsi_status == CmdStatus::CHECK_CONDITION.status {
                    usize::from(done.sense_len).min(SENSE_LEN)
                } else {
                    0
                };
                if let Some(dst) = cmd.sense_buffer_mut().get_mut(..sense_len) {
                    // The firmware wrote the sense before the completion.
                    if slot.read(SENSE_OFF, dst).is_err() {
                        dst.fill(0);
                    }
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
        drop(slot);
        cmd.complete(status);
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
        IrqModeAttribute::<MegasasOps>::ATTR,
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

    fn queue_command<'q>(host: &MegasasHost, cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        let ctrl = &host.ctrl;
        let Some(_posting) = ctrl.begin_submit() else {
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let (target, lun) = (cmd.device().id(), cmd.device().lun());
        let reachable = lun == 0 && ctrl.has_ld(target) && !ctrl.is_dead();
        let (mut cmd, a) = match admit(cmd, &host.hba, ctrl.frames(), ctrl.can_queue, reachable) {
            Ok(v) => v,
            Err(done) => return done,
        };
        let (mut slot, tag, data_len, cdb) = (a.slot, a.tag, a.data_len, a.cdb);
        let sense_addr = slot.dma_address().saturating_add(SENSE_OFF as u64);
        let dir = match a.dir {
            Dir::None => DataDir::None,
            Dir::ToDevice => DataDir::Write,
            Dir::FromDevice => DataDir::Read,
        };
        let Ok(segs) = cmd.dma_map() else {
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let io = ScsiIo {
            logical: true,
            target: target as u8,
            lun: 0,
            cdb: cdb.bytes(),
            dir,
            data_len,
            sense_addr,
            sense_len: SENSE_LEN as u8,
        };
        // QEMU wants one SG entry even without data: point it at the sense
        // buffer, with a zero data length it is not used.
        let dummy = (segs.size_hint().0 == 0).then_some((sense_addr, SENSE_LEN as u32));
        let posted = write_ld_io(
            &mut slot,
            tag,
            &io,
            Iterator::chain(segs, dummy),
            ctrl.max_sge.into(),
        );
        let Ok(words) = posted else {
            return build_failed(cmd, slot, &cdb);
        };
        host.hba.issue(cmd, slot, a.kind, data_len);
        ctrl.regs().post(words);
        Ok(())
    }

    fn command_finished(host: &MegasasHost, cmd: &CommandRef<Self>) {
        host.hba.finished(cmd);
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
        host.hba.configure(host, dev);
        Ok(())
    }

    fn change_queue_depth(host: &MegasasHost, _dev: &Device<Self>, depth: u32) -> u32 {
        host.hba.depth(depth)
    }

    fn eh_abort(host: &MegasasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        // MFI ABORT; the firmware then completes the victim frame (status
        // IO_FAILED) and the interrupt handler frees it, leaving the
        // timed-out command parked for us.
        let ctrl = &host.ctrl;
        abort_with(&host.hba, ctrl.frames(), cmd, eh, ABORT_WAIT_MS, |tag| {
            ctrl.abort_frame(tag)
        })
    }

    fn eh_device_reset(_host: &MegasasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        // MFI has no per-device reset: every level resets the controller.
        eh_reset::<Self>(dev.host(), eh, "device")
    }

    fn eh_target_reset(_host: &MegasasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        eh_reset::<Self>(dev.host(), eh, "target")
    }

    fn eh_bus_reset(
        _host: &MegasasHost,
        shost: &HostRef<Self>,
        _channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        eh_reset::<Self>(shost, eh, "bus")
    }

    fn eh_host_reset(_host: &MegasasHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset::<Self>(shost, eh, "host")
    }
}

/// Builds an LD SCSI IO frame on the stack, in a buffer its size
/// ([`write_frame`]; one frame exactly for a single SG entry, the common
/// case, built by straight-line code), and copies it into its slot;
/// returns the words that post it.
fn write_ld_io(
    slot: &mut crate::dma::SlotMut<'_>,
    tag: u32,
    io: &ScsiIo<'_>,
    mut sges: impl Iterator<Item = (u64, u32)>,
    max_sge: usize,
) -> Result<super::mfi::regs::PostWords> {
    if sges.size_hint() == (1, Some(1)) {
        if let Some(sge) = sges.next() {
            let mut frame = [0u8; FRAME_SIZE];
            let size = build_scsi_io_one(&mut frame, encode_context(tag), io, sge, max_sge)?;
            slot.write(0, &frame)?;
            return Ok(post_words(slot.dma_address(), size)?);
        }
    }
    // The iterator's upper bound: one that under-reports must not get a
    // buffer too small for its frame.
    let need = sges
        .size_hint()
        .1
        .and_then(scsi_io_frame_bytes)
        .unwrap_or(MAX_FRAME);
    let size = write_frame::<MAX_FRAME>(slot, need, |frame| {
        Ok(build_scsi_io(
            frame,
            encode_context(tag),
            io,
            sges,
            max_sge,
        )?)
    })?;
    Ok(post_words(slot.dma_address(), size)?)
}
