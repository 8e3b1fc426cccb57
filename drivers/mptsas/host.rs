// SPDX-License-Identifier: GPL-2.0

//! The SCSI host of a Fusion-MPT IOC: commands become SCSI_IO requests (one
//! request slot per blk-mq tag) posted to the request FIFO; completions
//! come from the reply FIFO, as context replies (GOOD, nothing left over)
//! or address replies (status, autosense, residual). Targets hang under
//! the SAS end devices (`sas.rs`): the class numbers them, and each
//! device carries its end device's phy and SAS address, through which
//! requests and task management find the firmware Bus/TargetID. The error
//! handler aborts with ABORT_TASK, resets LUNs, targets and the bus with
//! task management and the host with an IOC reset.

use super::ioc::{Ioc, BUILD_SIZE, CHAIN_OFF, MAX_FRAME, SENSE_LEN, SENSE_OFF};
use super::mpi::{
    reply::encode_context,
    scsi_io::{build_scsi_io, build_scsi_io_one, ScsiIo},
    scsi_reply::{Completion, HostStatus, ScsiIoReply},
    sgl::ChainArea,
    task_mgmt::{TaskMgmt, TaskMgmtReply, TaskType},
    topology::Route,
};
use super::regs::IocRegs;
use crate::common::{
    counters::CounterAttributes,
    early::finish_early,
    frame_build::{write_frame, TINY_FRAME},
    hba_bind::HbaStatics,
    hba_eh::{abort_with, give_back_released},
    hba_host::{admit, build_failed, HbaData, IrqModeAttribute},
    health::{eh_reset, FaultsAttribute},
    host_stats::{self, AdapterAttribute},
    latency::SubmitTime,
    stats::IoStats,
    stats_attrs::{StatsAttributes, StatsDevice},
};
use crate::dma::SlotMut;
use crate::proto::cdb::DataDirection as Dir;
use crate::scsi::{
    sas::SasRphyRef, Attribute, CmdStatus, CommandRef, Device, EhContext, EhEvent, EhResult,
    HostByte, HostOperations, HostRef, NewCommand, NewTarget, QueueBusy, Requeue,
};
use core::fmt::Write;
use kernel::{
    prelude::*,
    sync::{atomic::Relaxed, Arc},
};

/// The orion_mptsas host template operations.
pub(crate) struct MptsasOps;

/// The driver's template and settings.
pub(crate) static STATICS: HbaStatics<MptsasOps> = HbaStatics::new();

/// Host data: the IOC and the host's settings and statistics.
pub(crate) type MptsasHost = HbaData<Ioc>;

impl MptsasHost {
    /// Completes the SCSI request in slot `idx`, from its address reply or
    /// (`None`) a context reply. A command the midlayer timed out stays
    /// parked: its slot is free now and the error handler gives it back.
    pub(crate) fn complete(
        &self,
        shost: &HostRef<MptsasOps>,
        idx: u32,
        reply: Option<&ScsiIoReply>,
    ) {
        // Not posted: a stale or duplicate reply.
        let Some(slot) = self.ctrl.slots().reclaim(idx as usize) else {
            return;
        };
        let Some(mut cmd) = shost.take_parked(idx) else {
            return;
        };
        let Some(reply) = reply else {
            drop(slot);
            cmd.complete(CmdStatus::GOOD);
            return;
        };
        let done = Completion::from_reply(reply, cmd.transfer_len(), SENSE_LEN);
        if let Some(dst) = cmd.sense_buffer_mut().get_mut(..done.sense_len) {
            // The IOC wrote the sense before the reply.
            if slot.read(SENSE_OFF, dst).is_err() {
                dst.fill(0);
            }
        }
        drop(slot);
        cmd.set_resid(done.residual);
        let host = match done.host {
            HostStatus::Ok => {
                return cmd.complete(CmdStatus {
                    host: HostByte::Ok,
                    status: done.scsi_status,
                })
            }
            HostStatus::NoConnect => HostByte::NoConnect,
            HostStatus::BadTarget => HostByte::BadTarget,
            HostStatus::Reset => HostByte::Reset,
            HostStatus::Busy => HostByte::Requeue,
            HostStatus::SoftError => HostByte::SoftError,
            HostStatus::Error => {
                dev_err!(
                    cmd.device().as_dev(),
                    "slot {} failed: IOCStatus {:#x}, SCSIState {:#x}, log info {:?}, opcode {:#x}\n",
                    idx,
                    reply.ioc_status,
                    reply.scsi_state,
                    reply.log_info,
                    cmd.cdb().first().copied().unwrap_or(0)
                );
                HostByte::Error
            }
        };
        cmd.complete(CmdStatus::host(host));
    }
}

/// A SCSI device's data: its statistics and the end device it is on.
pub(crate) struct MptsasDevice {
    stats: Arc<IoStats>,
    /// The HBA phy of its end device.
    phy: u8,
    /// Its end device's SAS address.
    sas_address: u64,
}

impl StatsDevice for MptsasOps {
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>> {
        dev.data().map(|d| &d.stats)
    }
}

/// The phy and SAS address of the end device a target hangs under, if the
/// fabric knows it.
fn end_device_of(host: &MptsasHost, rphy: Option<&SasRphyRef>) -> Option<(u8, u64)> {
    let addr = rphy?.sas_address();
    Some((host.ctrl.sas.phy_of(addr)?, addr))
}

/// The IOC's own files plus the shared counters.
const HOST_ATTRS: [Attribute<MptsasHost>; 8] = {
    let c = CounterAttributes::<MptsasHost>::LIST;
    [
        AdapterAttribute::<MptsasHost>::ATTR,
        IrqModeAttribute::<MptsasOps>::ATTR,
        Attribute {
            name: c"orion_ioc_state",
            show: |h, w| writeln!(w, "{:?}", h.ctrl.regs().doorbell().state),
            store: None,
        },
        FaultsAttribute::<MptsasOps>::ATTR,
        Attribute {
            name: c"orion_chained_requests",
            show: |h, w| writeln!(w, "{}", h.ctrl.chained.load(Relaxed)),
            store: None,
        },
        c[0],
        c[1],
        c[2],
    ]
};

#[vtable]
impl HostOperations for MptsasOps {
    type HostData = MptsasHost;
    type CmdData = SubmitTime;
    type DeviceData = MptsasDevice;

    // An IOC reset already waited for READY and re-initialised it.
    const SKIP_RESET_SETTLE: bool = true;

    const HOST_ATTRIBUTES: &'static [Attribute<MptsasHost>] = &HOST_ATTRS;

    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &StatsAttributes::<Self>::LIST;

    fn queue_command<'q>(host: &MptsasHost, cmd: NewCommand<'q, Self>) -> Result<(), Requeue<'q>> {
        let ioc = &host.ctrl;
        let Some(_posting) = ioc.begin_submit() else {
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let lun = cmd.device().lun();
        // The class's target id is not the firmware's: map by end device.
        let route = cmd
            .device()
            .data()
            .map_or(Route::Gone, |d| ioc.sas.route_of(d.phy, d.sas_address));
        let fw = match route {
            Route::To(fw) => fw,
            // An IOC reset could not read the addresses: the upkeep will
            // (not once the IOC was given up or shut down).
            Route::Wait if !ioc.is_dead() && !host.hba.is_shut_down() => {
                return Err(cmd.requeue(QueueBusy::Device))
            }
            _ => return finish_early(cmd, CmdStatus::host(HostByte::NoConnect)),
        };
        let reachable = !ioc.is_dead();
        let (mut cmd, a) = match admit(cmd, &host.hba, ioc.slots(), ioc.can_queue(), reachable) {
            Ok(v) => v,
            Err(done) => return done,
        };
        let mut slot = a.slot;
        let io = ScsiIo {
            target: fw.target,
            bus: fw.bus,
            lun,
            cdb: a.cdb.bytes(),
            dir: a.dir,
            data_len: a.data_len,
            sense_addr: slot.dma_address().saturating_add(SENSE_OFF as u64),
            sense_len: SENSE_LEN as u8,
        };
        let Ok(segs) = cmd.dma_map() else {
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let posted = write_request(&mut slot, ioc, a.tag, &io, segs);
        let Ok(low) = posted else {
            return build_failed(cmd, slot, &a.cdb);
        };
        host.hba.issue(cmd, slot, a.kind, a.data_len);
        ioc.regs().post_request(low);
        Ok(())
    }

    /// Only targets under an end device the fabric knows (the class
    /// scans those; a target the midlayer made up is refused).
    fn target_alloc(host: &MptsasHost, target: &NewTarget) -> Result {
        end_device_of(host, SasRphyRef::of_target(target)).ok_or(ENXIO)?;
        Ok(())
    }

    fn sdev_init(host: &MptsasHost, dev: &Device<Self>) -> Result<MptsasDevice> {
        let (phy, sas_address) = end_device_of(host, SasRphyRef::of_device(dev)).ok_or(ENXIO)?;
        Ok(MptsasDevice {
            stats: host_stats::sdev_stats(host, dev)?,
            phy,
            sas_address,
        })
    }

    fn sdev_configure(host: &MptsasHost, dev: &Device<Self>) -> Result {
        host.hba.configure(host, dev);
        Ok(())
    }

    fn change_queue_depth(host: &MptsasHost, _dev: &Device<Self>, depth: u32) -> u32 {
        host.hba.depth(depth)
    }

    fn eh_event(_host: &MptsasHost, dev: &Device<Self>, event: EhEvent) {
        host_stats::count_eh(dev, event);
    }

    fn command_finished(host: &MptsasHost, cmd: &CommandRef<Self>) {
        host.hba.finished(cmd);
    }

    /// ABORT_TASK: the IOC answers the victim (TASK_TERMINATED, which
    /// frees its slot and leaves the timed-out command parked), then the
    /// task management request.
    fn eh_abort(host: &MptsasHost, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult {
        let ioc = &host.ctrl;
        abort_with(&host.hba, ioc.slots(), cmd, eh, ABORT_WAIT_MS, |tag| {
            ioc.counters.aborts.fetch_add(1, Relaxed);
            let r = task_mgmt(host, cmd.device(), TaskType::AbortTask, Some(tag))?;
            checked(cmd.device(), TaskType::AbortTask, &r)
        })
    }

    fn eh_device_reset(host: &MptsasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        tm_reset(host, dev, TaskType::LogicalUnitReset, eh, |c| {
            core::ptr::eq(c.device(), dev)
        })
    }

    fn eh_target_reset(host: &MptsasHost, dev: &Device<Self>, eh: &EhContext) -> EhResult {
        // Every LUN of the target (the midlayer matches the target id).
        tm_reset(host, dev, TaskType::TargetReset, eh, |c| {
            c.device().id() == dev.id()
        })
    }

    fn eh_bus_reset(
        host: &MptsasHost,
        shost: &HostRef<Self>,
        channel: u32,
        eh: &EhContext,
    ) -> EhResult {
        // RESET_BUS names no device; the IOC has one bus, 0 (channel 0).
        let ioc = &host.ctrl;
        ioc.counters.resets.fetch_add(1, Relaxed);
        let tm = TaskMgmt {
            task: TaskType::ResetBus,
            target: 0,
            bus: 0,
            lun: 0,
            task_context: None,
        };
        match ioc.task_mgmt(|| Ok(tm)) {
            Ok(r) if r.succeeded() => {
                dev_info!(
                    shost.as_dev(),
                    "RESET_BUS of channel {}: done, {} requests terminated\n",
                    channel,
                    r.termination_count
                );
                give_back_released(shost, ioc.slots(), eh, |c| c.device().channel() == channel);
                EhResult::Success
            }
            other => {
                dev_warn!(
                    shost.as_dev(),
                    "RESET_BUS of channel {} failed: {:?}\n",
                    channel,
                    other
                );
                EhResult::Failed
            }
        }
    }

    fn eh_host_reset(_host: &MptsasHost, shost: &HostRef<Self>, eh: &EhContext) -> EhResult {
        eh_reset::<Self>(shost, eh, "host")
    }
}

/// Waiting for the IOC to give back an aborted request's slot (it answers
/// the victim before the task management request, so at once).
const ABORT_WAIT_MS: i64 = 1000;

/// Task management `task` for the end device of `dev` (its firmware
/// Bus/TargetID and LUN); `tag`: the request slot of the task to abort.
fn task_mgmt(
    host: &MptsasHost,
    dev: &Device<MptsasOps>,
    task: TaskType,
    tag: Option<u32>,
) -> Result<TaskMgmtReply> {
    if host.hba.is_shut_down() {
        return Err(ENODEV);
    }
    let task_context = tag.map(encode_context).transpose()?;
    // Looked up inside the reset gate, so no reset renumbers in between.
    host.ctrl.task_mgmt(|| {
        let route = dev
            .data()
            .map(|d| host.ctrl.sas.route_of(d.phy, d.sas_address));
        let Some(Route::To(fw)) = route else {
            return Err(ENODEV);
        };
        Ok(TaskMgmt {
            task,
            target: fw.target,
            bus: fw.bus,
            lun: dev.lun(),
            task_context,
        })
    })
}

/// Success needs a COMPLETE or SUCCEEDED response too: QEMU answers an
/// unknown task type or a wrong LUN with IOCStatus SUCCESS.
fn checked(dev: &Device<MptsasOps>, task: TaskType, r: &TaskMgmtReply) -> Result {
    if r.succeeded() {
        return Ok(());
    }
    dev_warn!(
        dev.as_dev(),
        "{:?} failed: response {:#x}, IOCStatus {:#x}\n",
        task,
        r.response_code,
        r.ioc_status
    );
    Err(EIO)
}

/// A logical unit or target reset by task management. The IOC answers
/// the requests it terminated first; on success the timed-out ones `in
/// scope` it released go back to the error handler (the others were
/// completed with DID_RESET by their replies).
fn tm_reset(
    host: &MptsasHost,
    dev: &Device<MptsasOps>,
    task: TaskType,
    eh: &EhContext,
    in_scope: impl FnMut(&CommandRef<MptsasOps>) -> bool,
) -> EhResult {
    host.ctrl.counters.resets.fetch_add(1, Relaxed);
    let done = task_mgmt(host, dev, task, None).and_then(|r| {
        checked(dev, task, &r)?;
        Ok(r.termination_count)
    });
    match done {
        Ok(n) => {
            dev_info!(
                dev.as_dev(),
                "{:?}: done, {} requests terminated\n",
                task,
                n
            );
            give_back_released(dev.host(), host.ctrl.slots(), eh, in_scope);
            EhResult::Success
        }
        Err(e) => {
            dev_warn!(dev.as_dev(), "{:?} failed: {:?}\n", task, e);
            EhResult::Failed
        }
    }
}

/// Builds a SCSI_IO request with its SGL on the stack and copies the used
/// part into its slot; returns the word that posts it. The buffer is as
/// small as the request allows ([`write_frame`]), or the frame and its
/// chain buffers; a request with at most one segment (any command of up
/// to a page) is built by straight-line code.
fn write_request(
    slot: &mut SlotMut<'_>,
    ioc: &Ioc,
    tag: u32,
    io: &ScsiIo<'_>,
    mut segs: impl Iterator<Item = (u64, u32)>,
) -> Result<u32> {
    let count = if io.dir == Dir::None {
        0
    } else {
        segs.size_hint().0
    };
    let geo = &ioc.limits.sgl;
    // The SGL of every request starts at `OFF_SGL` (`limits`), which is
    // where the one-segment builder puts it.
    if count <= 1 && (count == 0 || segs.size_hint().1 == Some(1)) {
        let sge = match count {
            0 => None,
            _ => Some(segs.next().ok_or(EINVAL)?),
        };
        let mut frame = [0u8; TINY_FRAME];
        let used = build_scsi_io_one(&mut frame, encode_context(tag)?, io, 0, sge)?;
        slot.write(0, frame.get(..used).ok_or(EINVAL)?)?;
    } else if geo.chains_for(count)? > 0 {
        write_chained(slot, ioc, tag, io, count, segs)?;
    } else {
        let context = encode_context(tag)?;
        write_frame::<MAX_FRAME>(slot, geo.frame_bytes_for(count)?, |frame| {
            let sum = build_scsi_io(frame, context, io, 0, geo, None, count, segs)?;
            Ok(sum.frame_bytes)
        })?;
    }
    u32::try_from(slot.dma_address()).map_err(|_| EINVAL)
}

/// A request with chain buffers: the frame and the chains are built
/// together and copied to their places in the slot.
#[inline(never)]
fn write_chained(
    slot: &mut SlotMut<'_>,
    ioc: &Ioc,
    tag: u32,
    io: &ScsiIo<'_>,
    count: usize,
    segs: impl Iterator<Item = (u64, u32)>,
) -> Result {
    let mut buf = [0u8; BUILD_SIZE];
    let (frame, chains) = buf.split_at_mut(CHAIN_OFF);
    let mut area = ChainArea {
        buf: chains,
        dma: slot.dma_address().saturating_add(CHAIN_OFF as u64),
    };
    let geo = &ioc.limits.sgl;
    let sum = build_scsi_io(
        frame,
        encode_context(tag)?,
        io,
        0,
        geo,
        Some(&mut area),
        count,
        segs,
    )?;
    slot.write(0, frame.get(..sum.frame_bytes).ok_or(EINVAL)?)?;
    let chain_bytes = sum.chains.checked_mul(geo.chain_size()).ok_or(EINVAL)?;
    slot.write(CHAIN_OFF, area.buf.get(..chain_bytes).ok_or(EINVAL)?)?;
    ioc.chained.fetch_add(1, Relaxed);
    Ok(())
}
