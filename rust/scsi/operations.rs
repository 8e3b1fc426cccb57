// SPDX-License-Identifier: GPL-2.0

//! The host template operations a SCSI low-level driver implements, and the
//! `extern "C"` trampolines the midlayer calls.

use super::{
    command::{CmdPriv, CommandRef, NewCommand, QueueBusy, Requeue},
    device::{Device, NewTarget, Target},
    host::{HostPriv, HostRef},
    layout,
    sysfs::Attribute,
};
use crate::bindings;
use core::marker::PhantomData;
use kernel::{error::from_result, prelude::*};

/// Result of an error-handler callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EhResult {
    /// The recovery action succeeded.
    Success,
    /// The recovery action failed; the midlayer escalates.
    Failed,
}

impl EhResult {
    fn to_c(self) -> c_int {
        match self {
            EhResult::Success => bindings::scsi_disposition_SUCCESS as c_int,
            EhResult::Failed => bindings::scsi_disposition_FAILED as c_int,
        }
    }
}

/// What the midlayer does with a command whose timer expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutAction {
    /// Start the error handler (abort, then resets).
    NotHandled,
    /// The driver needs more time: restart the timer.
    ResetTimer,
    /// The driver completed the command already.
    Done,
}

/// An error-handling event on a device, for the driver's statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EhEvent {
    /// A command's timer expired and the command goes to the error handler.
    Timeout,
    /// The error handler asks the driver to abort a command.
    Abort,
    /// A reset (device, target, bus or host) asked through the device, by
    /// the error handler or `SG_SCSI_RESET`.
    Reset,
}

/// Proof that the caller runs inside an error-handler callback (the error
/// handler's, or a reset asked for through `SG_SCSI_RESET`).
///
/// Only the abstraction creates it, on the stack of the `eh_*` trampolines,
/// and lends it to the callback: commands reclaimed with it
/// ([`CommandRef::take_parked_eh`]) borrow it and so cannot outlive the call.
pub struct EhContext {
    _private: (),
}

/// The callbacks of a SCSI host template.
///
/// Every callback gets the host's driver data. Optional callbacks are left
/// out of the C template when a driver does not implement them, so the
/// midlayer applies its defaults.
#[vtable]
pub trait HostOperations: Sized + Send + Sync + 'static {
    /// Per-host driver state, kept in the host's private area.
    type HostData: Send + Sync;
    /// Per-command driver state, created once per request allocation.
    type CmdData: Default + Send + Sync;
    /// Per-device (LUN) driver state, created by [`Self::sdev_init`].
    type DeviceData: Send + Sync;

    /// Attributes in each host's sysfs directory.
    const HOST_ATTRIBUTES: &'static [Attribute<Self::HostData>] = &[];
    /// The devices need no settle time after a bus or host reset the driver
    /// reported successful. Otherwise the midlayer sleeps 10 s after each
    /// (`skip_settle_delay`), a delay meant for parallel SCSI buses, during
    /// which the retried commands wait.
    const SKIP_RESET_SETTLE: bool = false;

    /// Attributes in each device's sysfs directory.
    const DEVICE_ATTRIBUTES: &'static [Attribute<Device<Self>>] = &[];

    /// Starts a command. A driver that cannot take it now gives it back with
    /// [`NewCommand::requeue`]; only this call's command can be given back.
    fn queue_command<'q>(
        host: &Self::HostData,
        cmd: NewCommand<'q, Self>,
    ) -> Result<(), Requeue<'q>>;

    /// Kicks the hardware after a batch of commands was queued without the
    /// last one (blk-mq `commit_rqs`).
    fn commit_rqs(_host: &Self::HostData, _shost: &HostRef<Self>, _hw_queue: u16) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A device (LUN) is about to be scanned: create its driver state.
    /// Returning an error (`ENXIO`) tells the midlayer there is no such LUN.
    fn sdev_init(host: &Self::HostData, dev: &Device<Self>) -> Result<Self::DeviceData>;

    /// The device answered INQUIRY: set its queue depth and limits.
    fn sdev_configure(_host: &Self::HostData, _dev: &Device<Self>) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// The device is going away; its driver state is dropped after this.
    /// The host data may already be gone, so it is not passed.
    fn sdev_destroy(_dev: &Device<Self>, _data: &Self::DeviceData) {}

    /// A target is about to be scanned: set its limits.
    fn target_alloc(_host: &Self::HostData, _target: &NewTarget) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A target is going away.
    fn target_destroy(_target: &Target) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Returns the queue depth to use when `depth` is asked for (through
    /// sysfs `queue_depth` or the midlayer); the default allows any depth up
    /// to the host's `can_queue`.
    fn change_queue_depth(_host: &Self::HostData, _dev: &Device<Self>, depth: u32) -> u32 {
        depth
    }

    /// Maps CPUs to the host's hardware queues. Without this callback the
    /// midlayer spreads CPUs over the default map only.
    fn map_queues(_host: &Self::HostData, _shost: &HostRef<Self>) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Polls hardware queue `queue` (one of the host's polled queues, see
    /// `HostConfig::nr_poll_queues`): completes the commands that are done
    /// there and returns how many. Called by the block layer in the
    /// polling task's context (io_uring's `IOPOLL` loop reaches it under
    /// `rcu_read_lock`): it must not sleep. It may be called for a queue
    /// that holds none of the caller's commands.
    fn mq_poll(_host: &Self::HostData, _shost: &HostRef<Self>, _queue: u16) -> u32 {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A command timed out.
    fn eh_timed_out(_host: &Self::HostData, _cmd: &CommandRef<Self>) -> TimeoutAction {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// The error handler acted on `dev` (see [`EhEvent`]), before the
    /// driver's own callback runs. Any context: it must not sleep.
    fn eh_event(_host: &Self::HostData, _dev: &Device<Self>, _event: EhEvent) {}

    /// The command leaves the driver: completed (directly or by its timer),
    /// failed, or handed to the error handler. Runs before the midlayer sees
    /// the completion, in any context: it must not sleep.
    fn command_finished(_host: &Self::HostData, _cmd: &CommandRef<Self>) {}

    /// Aborts one command the midlayer timed out. Returns
    /// [`EhResult::Success`] only once the device has let go of the command
    /// and it was given back ([`super::EhCommand::give_back`]), or it had
    /// completed already; a command still parked with the driver turns a
    /// success into a failure (the midlayer escalates to a reset).
    fn eh_abort(host: &Self::HostData, cmd: &CommandRef<Self>, eh: &EhContext) -> EhResult;

    /// Resets the logical unit `dev`. Reset callbacks get no command: the
    /// one behind an `SG_SCSI_RESET` ioctl is a stand-in without a request.
    /// Commands reclaimed here are given back with
    /// [`super::EhCommand::give_back`].
    ///
    /// Reset callbacks run with the state mutex of the device they were
    /// asked through held (so it cannot be deleted under them; a device
    /// being deleted gets no reset): they must not call
    /// [`HostRef::block`], which takes that mutex.
    fn eh_device_reset(_host: &Self::HostData, _dev: &Device<Self>, _eh: &EhContext) -> EhResult {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Resets the target of `dev`.
    fn eh_target_reset(_host: &Self::HostData, _dev: &Device<Self>, _eh: &EhContext) -> EhResult {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Resets bus (channel) `channel` of the host.
    fn eh_bus_reset(
        _host: &Self::HostData,
        _shost: &HostRef<Self>,
        _channel: u32,
        _eh: &EhContext,
    ) -> EhResult {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Resets the whole host. On a failure (and for a driver without this
    /// callback) the error handler waits until the driver has let go of
    /// every timed-out command, which it must do eventually (its own
    /// timeout, a session or device that ends), before the midlayer
    /// offlines the devices and finishes those commands.
    fn eh_host_reset(_host: &Self::HostData, _shost: &HostRef<Self>, _eh: &EhContext) -> EhResult {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Builds the C callbacks of a template for `T`.
pub(crate) struct OperationsVTable<T: HostOperations>(PhantomData<T>);

impl<T: HostOperations> OperationsVTable<T> {
    /// Fills the callback pointers of `sht`.
    pub(crate) fn fill(sht: &mut bindings::scsi_host_template) {
        sht.queuecommand = Some(Self::queuecommand);
        sht.commit_rqs = if T::HAS_COMMIT_RQS {
            Some(Self::commit_rqs)
        } else {
            None
        };
        sht.init_cmd_priv = Some(Self::init_cmd_priv);
        sht.exit_cmd_priv = Some(Self::exit_cmd_priv);
        // The private area follows `struct scsi_cmnd` directly, so it is
        // aligned like the command; `CmdPriv` must not need more.
        const { assert!(align_of::<CmdPriv<T>>() <= align_of::<bindings::scsi_cmnd>()) };
        const { assert!(size_of::<CmdPriv<T>>() <= u32::MAX as usize) };
        sht.cmd_size = size_of::<CmdPriv<T>>() as u32;
        sht.sdev_init = Some(Self::sdev_init);
        sht.sdev_configure = if T::HAS_SDEV_CONFIGURE {
            Some(Self::sdev_configure)
        } else {
            None
        };
        sht.sdev_destroy = Some(Self::sdev_destroy);
        sht.target_alloc = if T::HAS_TARGET_ALLOC {
            Some(Self::target_alloc)
        } else {
            None
        };
        sht.target_destroy = if T::HAS_TARGET_DESTROY {
            Some(Self::target_destroy)
        } else {
            None
        };
        sht.change_queue_depth = Some(Self::change_queue_depth);
        sht.map_queues = if T::HAS_MAP_QUEUES {
            Some(Self::map_queues)
        } else {
            None
        };
        sht.mq_poll = if T::HAS_MQ_POLL {
            Some(Self::mq_poll)
        } else {
            None
        };
        // Always set, to count timeouts; without the driver's callback it
        // answers what the midlayer does without one.
        sht.eh_timed_out = Some(Self::eh_timed_out);
        sht.eh_abort_handler = Some(Self::eh_abort);
        sht.eh_device_reset_handler = if T::HAS_EH_DEVICE_RESET {
            Some(Self::eh_device_reset)
        } else {
            None
        };
        sht.eh_target_reset_handler = if T::HAS_EH_TARGET_RESET {
            Some(Self::eh_target_reset)
        } else {
            None
        };
        sht.eh_bus_reset_handler = if T::HAS_EH_BUS_RESET {
            Some(Self::eh_bus_reset)
        } else {
            None
        };
        // Always: the midlayer's last step, after a failed host reset or
        // none, offlines the devices and finishes their timed-out commands,
        // so the trampoline must first wait until the driver holds none.
        sht.eh_host_reset_handler = Some(Self::eh_host_reset);
    }

    /// # Safety
    ///
    /// `shost` must be a live host created by [`super::Host::new`] for `T`.
    unsafe fn host_data<'a>(shost: *mut bindings::Scsi_Host) -> &'a T::HostData {
        // SAFETY: By the safety requirements `shost` is a live host of `T`,
        // whose private area holds an initialised `T::HostData`.
        unsafe { HostRef::<T>::from_raw(shost).data() }
    }

    /// # Safety
    ///
    /// `sdev` must be a live device of a host of `T`.
    unsafe fn host_data_of_sdev<'a>(sdev: *mut bindings::scsi_device) -> &'a T::HostData {
        // SAFETY: A live device points to its live host.
        unsafe { Self::host_data((*sdev).host) }
    }

    /// `queuecommand`: the midlayer hands a command to the driver.
    ///
    /// # Safety
    ///
    /// `shost` must be a live host created by [`super::Host::new`] for `T`,
    /// and `cmd` a command of that host just handed to the driver, with its
    /// private area initialised by [`Self::init_cmd_priv`].
    unsafe extern "C" fn queuecommand(
        shost: *mut bindings::Scsi_Host,
        cmd: *mut bindings::scsi_cmnd,
    ) -> bindings::scsi_qc_status {
        // SAFETY: The midlayer calls queuecommand with a live host of `T`.
        let host = unsafe { Self::host_data(shost) };
        // SAFETY: The command is handed over to the driver for this call.
        let Some(new) = (unsafe { NewCommand::<T>::new(cmd) }) else {
            // SAFETY: The command's device is live.
            let dev = unsafe { Device::<T>::from_raw((*cmd).device) };
            dev_err_ratelimited(dev);
            return bindings::scsi_qc_status_SCSI_MLQUEUE_DEVICE_BUSY;
        };
        match T::queue_command(host, new) {
            Ok(()) => 0,
            Err(requeue) => requeue.into_qc_status(),
        }
    }

    /// `commit_rqs`: the midlayer ends a batch without a last command.
    ///
    /// # Safety
    ///
    /// `shost` must be a live host created by [`super::Host::new`] for `T`.
    unsafe extern "C" fn commit_rqs(shost: *mut bindings::Scsi_Host, hwq: u16) {
        // SAFETY: The midlayer passes a live host of `T`.
        let host = unsafe { HostRef::<T>::from_raw(shost) };
        T::commit_rqs(host.data(), host, hwq)
    }

    /// `init_cmd_priv`: a command allocation of the host is set up.
    ///
    /// # Safety
    ///
    /// `cmd` must be a newly allocated command of a host of `T` whose private
    /// area (`cmd_size` bytes) is not initialised yet; called once per
    /// allocation, before any other use of the command.
    unsafe extern "C" fn init_cmd_priv(
        _shost: *mut bindings::Scsi_Host,
        cmd: *mut bindings::scsi_cmnd,
    ) -> c_int {
        // The hot path finds the private area and the request by pointer
        // arithmetic (`layout`); check once per allocation that it agrees
        // with the C definitions of the kernel built against.
        // SAFETY: `cmd` is a live command allocation.
        let c_priv = unsafe { bindings::orion_helper_scsi_cmd_priv(cmd) };
        // SAFETY: As above.
        let c_rq = unsafe { bindings::orion_helper_scsi_cmd_to_rq(cmd) };
        if layout::cmd_priv(cmd) != c_priv || layout::cmd_to_rq(cmd) != c_rq {
            pr_err!("command layout differs from the kernel's scsi_cmd_priv()/scsi_cmd_to_rq()\n");
            return EINVAL.to_errno();
        }
        // SAFETY: The midlayer calls this once for each command allocation,
        // whose private area is `cmd_size` bytes, before any other use.
        unsafe { CmdPriv::<T>::init(cmd) };
        0
    }

    /// `exit_cmd_priv`: a command allocation of the host is freed.
    ///
    /// # Safety
    ///
    /// `shost` must be a host allocated by [`super::Host::new`] for `T`, and
    /// `cmd` one of its commands whose private area was initialised by
    /// [`Self::init_cmd_priv`], no longer in flight and not used afterwards.
    unsafe extern "C" fn exit_cmd_priv(
        shost: *mut bindings::Scsi_Host,
        cmd: *mut bindings::scsi_cmnd,
    ) -> c_int {
        // SAFETY: The block layer frees the commands of a host's tag set
        // only when the tag set goes; the host is allocated.
        unsafe { HostPriv::<T>::mark_tags_freed(shost) };
        // SAFETY: Called once when the command allocation is freed, after
        // `init_cmd_priv`; no command is in flight then.
        unsafe { CmdPriv::<T>::exit(cmd) };
        0
    }

    /// `sdev_init`: a device (LUN) is about to be scanned.
    ///
    /// # Safety
    ///
    /// `sdev` must be a live device of a live host of `T` whose `hostdata`
    /// is not in use.
    unsafe extern "C" fn sdev_init(sdev: *mut bindings::scsi_device) -> c_int {
        from_result(|| {
            // SAFETY: The midlayer passes a live device of a host of `T`.
            let host = unsafe { Self::host_data_of_sdev(sdev) };
            // SAFETY: As above.
            let dev = unsafe { Device::<T>::from_raw(sdev) };
            let data = KBox::new(T::sdev_init(host, dev)?, GFP_KERNEL)?;
            // SAFETY: `hostdata` belongs to the driver; it is freed by sdev_destroy.
            unsafe { (*sdev).hostdata = KBox::into_raw(data).cast() };
            Ok(0)
        })
    }

    /// `sdev_configure`: the device answered INQUIRY.
    ///
    /// # Safety
    ///
    /// `sdev` must be a live device of a live host of `T`.
    unsafe extern "C" fn sdev_configure(
        sdev: *mut bindings::scsi_device,
        _lim: *mut bindings::queue_limits,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The midlayer passes a live device of a host of `T`.
            let host = unsafe { Self::host_data_of_sdev(sdev) };
            // SAFETY: As above.
            let dev = unsafe { Device::<T>::from_raw(sdev) };
            T::sdev_configure(host, dev)?;
            Ok(0)
        })
    }

    /// `sdev_destroy`: the device is going away.
    ///
    /// # Safety
    ///
    /// `sdev` must be a live device of a host of `T` whose `hostdata` is null
    /// or was set by [`Self::sdev_init`], and no callback may use `hostdata`
    /// after this one.
    unsafe extern "C" fn sdev_destroy(sdev: *mut bindings::scsi_device) {
        // SAFETY: The midlayer passes a live device of a host of `T`.
        let dev = unsafe { Device::<T>::from_raw(sdev) };
        // SAFETY: The device is live; `hostdata` is null or was set by
        // `sdev_init` from `KBox::into_raw`.
        let data = unsafe { (*sdev).hostdata };
        if data.is_null() {
            return;
        }
        // SAFETY: See above; nothing uses `hostdata` after this call.
        let data = unsafe { KBox::from_raw(data.cast::<T::DeviceData>()) };
        T::sdev_destroy(dev, &data);
        // SAFETY: `sdev` is still live; clear the dangling pointer.
        unsafe { (*sdev).hostdata = core::ptr::null_mut() };
    }

    /// `target_alloc`: a target is about to be scanned.
    ///
    /// # Safety
    ///
    /// `starget` must be a live target whose parent device is the
    /// `shost_gendev` of a live host of `T`.
    unsafe extern "C" fn target_alloc(starget: *mut bindings::scsi_target) -> c_int {
        from_result(|| {
            // SAFETY: The midlayer passes a live target whose parent device
            // is the host's `shost_gendev`.
            let shost = unsafe { bindings::orion_helper_dev_to_shost((*starget).dev.parent) };
            // SAFETY: The midlayer passes a live target, in `target_alloc`
            // for this call.
            let target = unsafe { NewTarget::from_raw(starget) };
            // SAFETY: The target belongs to a live host of `T`.
            T::target_alloc(unsafe { Self::host_data(shost) }, target)?;
            Ok(0)
        })
    }

    /// `target_destroy`: a target is going away.
    ///
    /// # Safety
    ///
    /// `starget` must be a live target of a host of `T`.
    unsafe extern "C" fn target_destroy(starget: *mut bindings::scsi_target) {
        // SAFETY: The midlayer passes a live target.
        T::target_destroy(unsafe { Target::from_raw(starget) })
    }

    /// `change_queue_depth`: a new queue depth is asked for.
    ///
    /// # Safety
    ///
    /// `sdev` must be a live device of a live host of `T`.
    unsafe extern "C" fn change_queue_depth(
        sdev: *mut bindings::scsi_device,
        depth: c_int,
    ) -> c_int {
        // SAFETY: The midlayer passes a live device of a host of `T`.
        let host = unsafe { Self::host_data_of_sdev(sdev) };
        // SAFETY: As above.
        let dev = unsafe { Device::<T>::from_raw(sdev) };
        let depth = T::change_queue_depth(host, dev, depth.max(1) as u32);
        // SAFETY: `sdev` is live.
        unsafe { bindings::scsi_change_queue_depth(sdev, depth.min(i32::MAX as u32) as c_int) }
    }

    /// `map_queues`: the tag set of the host is being set up.
    ///
    /// # Safety
    ///
    /// `shost` must be a live host created by [`super::Host::new`] for `T`.
    unsafe extern "C" fn map_queues(shost: *mut bindings::Scsi_Host) {
        // SAFETY: The midlayer passes a live host of `T`.
        let host = unsafe { HostRef::<T>::from_raw(shost) };
        T::map_queues(host.data(), host)
    }

    /// `mq_poll`: the block layer polls hardware queue `queue_num`.
    ///
    /// # Safety
    ///
    /// `shost` must be a live host created by [`super::Host::new`] for `T`.
    unsafe extern "C" fn mq_poll(shost: *mut bindings::Scsi_Host, queue_num: c_uint) -> c_int {
        // SAFETY: The midlayer passes a live host of `T`.
        let host = unsafe { HostRef::<T>::from_raw(shost) };
        let queue = u16::try_from(queue_num).unwrap_or(u16::MAX);
        let done = T::mq_poll(host.data(), host, queue);
        c_int::try_from(done).unwrap_or(c_int::MAX)
    }

    /// `eh_timed_out`: a command of the host timed out.
    ///
    /// # Safety
    ///
    /// `cmd` must be a live command of a live host of `T`, allocated by the
    /// block layer (its private area initialised), with a live device.
    unsafe extern "C" fn eh_timed_out(
        cmd: *mut bindings::scsi_cmnd,
    ) -> bindings::scsi_timeout_action {
        // SAFETY: The midlayer passes a live command of a host of `T`.
        let host = unsafe { Self::host_data_of_sdev((*cmd).device) };
        // SAFETY: As above.
        let cmd = unsafe { CommandRef::<T>::from_raw(cmd) };
        let action = if T::HAS_EH_TIMED_OUT {
            T::eh_timed_out(host, cmd)
        } else {
            TimeoutAction::NotHandled
        };
        if action == TimeoutAction::NotHandled {
            T::eh_event(host, cmd.device(), EhEvent::Timeout);
        }
        match action {
            TimeoutAction::NotHandled => bindings::scsi_timeout_action_SCSI_EH_NOT_HANDLED,
            TimeoutAction::ResetTimer => bindings::scsi_timeout_action_SCSI_EH_RESET_TIMER,
            TimeoutAction::Done => bindings::scsi_timeout_action_SCSI_EH_DONE,
        }
    }

    /// The device of a command the error handler or the reset ioctl passes.
    ///
    /// # Safety
    ///
    /// `cmd` must be a command of a host of `T` with a live device: a real
    /// command, or the `SG_SCSI_RESET` stand-in (only its device is used).
    unsafe fn eh_device<'a>(cmd: *mut bindings::scsi_cmnd) -> &'a Device<T> {
        // SAFETY: By the safety requirements the device is live.
        let sdev = unsafe { (*cmd).device };
        // SAFETY: A live device of a host of `T`.
        unsafe { Device::from_raw(sdev) }
    }

    /// Runs a reset callback unless the device is being deleted. The
    /// device's state mutex is held across the callback: `sdev_destroy`
    /// (which drops the device data) and the host's removal come after the
    /// state moves to SDEV_DEL under that mutex, and `SG_SCSI_RESET` on a
    /// device file held open across a PCI unbind arrives after them.
    ///
    /// A success is turned into a failure while the driver still holds a
    /// timed-out command in the reset's `scope`: the midlayer would retry
    /// or fail it (its request reused) with the device still working on it.
    fn reset(
        dev: &Device<T>,
        scope: ResetScope,
        f: impl FnOnce(&T::HostData, &EhContext) -> EhResult,
    ) -> c_int {
        // SAFETY: The device is live (its caller holds a reference).
        if !unsafe { bindings::orion_helper_sdev_enter_reset(dev.raw()) } {
            return EhResult::Failed.to_c();
        }
        let eh = EhContext { _private: () };
        T::eh_event(dev.host().data(), dev, EhEvent::Reset);
        let mut result = f(dev.host().data(), &eh);
        if result == EhResult::Success && Self::holds_timed_out(dev, scope) {
            dev_warn!(
                dev.as_dev(),
                "{} reset reported success with a timed-out command still held by the driver: failing it\n",
                scope.name()
            );
            result = EhResult::Failed;
        }
        // SAFETY: Entered above.
        unsafe { bindings::orion_helper_sdev_exit_reset(dev.raw()) };
        result.to_c()
    }

    /// Whether the driver holds a timed-out command that a successful reset
    /// of `scope` (asked through `dev`) hands back to the midlayer: the
    /// commands `scsi_eh_bus_device_reset`, `scsi_eh_target_reset`,
    /// `scsi_eh_bus_reset` and `scsi_eh_host_reset` then finish.
    fn holds_timed_out(dev: &Device<T>, scope: ResetScope) -> bool {
        let mut held = false;
        dev.host().for_each_busy(|cmd| {
            let other = cmd.device();
            let in_scope = match scope {
                ResetScope::Device => core::ptr::eq(other, dev),
                // The midlayer matches the target id only.
                ResetScope::Target => other.id() == dev.id(),
                ResetScope::Bus => other.channel() == dev.channel(),
                ResetScope::Host => true,
            };
            held |= in_scope && cmd.timed_out_and_held();
        });
        held
    }

    /// `eh_abort_handler`: the error handler aborts a command.
    ///
    /// # Safety
    ///
    /// `cmd` must be a live command of a live host of `T`, allocated by the
    /// block layer (its private area initialised; not the `SG_SCSI_RESET`
    /// stand-in), with a live device. Called from the error handler only.
    unsafe extern "C" fn eh_abort(cmd: *mut bindings::scsi_cmnd) -> c_int {
        // SAFETY: The error handler aborts real commands of this host.
        let cmd = unsafe { CommandRef::<T>::from_raw(cmd) };
        // SAFETY: The device of a live command points to its live host of `T`.
        let host = unsafe { Self::host_data_of_sdev(cmd.device().raw()) };
        T::eh_event(host, cmd.device(), EhEvent::Abort);
        let mut result = T::eh_abort(host, cmd, &EhContext { _private: () });
        if result == EhResult::Success && cmd.is_held() {
            dev_warn!(
                cmd.device().as_dev(),
                "abort reported success with the command still held by the driver: failing it\n"
            );
            result = EhResult::Failed;
        }
        result.to_c()
    }

    /// `eh_device_reset_handler`: the error handler or `SG_SCSI_RESET` resets
    /// a logical unit.
    ///
    /// # Safety
    ///
    /// As for [`Self::eh_device`]: `cmd` must be a command of a host of `T`
    /// with a live device (a real command or the `SG_SCSI_RESET` stand-in).
    unsafe extern "C" fn eh_device_reset(cmd: *mut bindings::scsi_cmnd) -> c_int {
        // SAFETY: The error handler or the reset ioctl passes a command with a live device.
        let dev = unsafe { Self::eh_device(cmd) };
        Self::reset(dev, ResetScope::Device, |host, eh| {
            T::eh_device_reset(host, dev, eh)
        })
    }

    /// `eh_target_reset_handler`: resets the target of the command's device.
    ///
    /// # Safety
    ///
    /// As for [`Self::eh_device_reset`].
    unsafe extern "C" fn eh_target_reset(cmd: *mut bindings::scsi_cmnd) -> c_int {
        // SAFETY: As for `eh_device_reset`.
        let dev = unsafe { Self::eh_device(cmd) };
        Self::reset(dev, ResetScope::Target, |host, eh| {
            T::eh_target_reset(host, dev, eh)
        })
    }

    /// `eh_bus_reset_handler`: resets the bus of the command's device.
    ///
    /// # Safety
    ///
    /// As for [`Self::eh_device_reset`].
    unsafe extern "C" fn eh_bus_reset(cmd: *mut bindings::scsi_cmnd) -> c_int {
        // SAFETY: As for `eh_device_reset`.
        let dev = unsafe { Self::eh_device(cmd) };
        Self::reset(dev, ResetScope::Bus, |host, eh| {
            T::eh_bus_reset(host, dev.host(), dev.channel(), eh)
        })
    }

    /// `eh_host_reset_handler`: resets the whole host.
    ///
    /// # Safety
    ///
    /// As for [`Self::eh_device_reset`].
    unsafe extern "C" fn eh_host_reset(cmd: *mut bindings::scsi_cmnd) -> c_int {
        // SAFETY: As for `eh_device_reset`.
        let dev = unsafe { Self::eh_device(cmd) };
        let result = Self::reset(dev, ResetScope::Host, |host, eh| {
            if T::HAS_EH_HOST_RESET {
                T::eh_host_reset(host, dev.host(), eh)
            } else {
                EhResult::Failed
            }
        });
        if result != EhResult::Success.to_c() {
            Self::wait_released(dev);
        }
        result
    }

    /// Waits until the driver holds no timed-out command of the host.
    ///
    /// After a failed host reset the midlayer offlines the devices and
    /// finishes their timed-out commands: the request and its
    /// scatter-gather table would be freed and reused while the driver (or
    /// its device) still works on them. Waiting here turns a driver that
    /// never lets go into a stuck error handler, not a use-after-free.
    fn wait_released(dev: &Device<T>) {
        /// Between looks.
        const STEP_MS: i64 = 50;
        /// Between warnings, in steps.
        const WARN_EVERY: u32 = 600;
        let mut steps = 0u32;
        while Self::holds_timed_out(dev, ResetScope::Host) {
            if steps % WARN_EVERY == 0 {
                dev_warn!(
                    dev.as_dev(),
                    "host reset failed with timed-out commands still held by the driver: waiting for them before the devices go offline\n"
                );
            }
            steps = steps.wrapping_add(1);
            kernel::time::delay::fsleep(kernel::time::Delta::from_millis(STEP_MS));
        }
    }
}

/// What a reset covers.
#[derive(Clone, Copy)]
enum ResetScope {
    Device,
    Target,
    Bus,
    Host,
}

impl ResetScope {
    fn name(self) -> &'static str {
        match self {
            ResetScope::Device => "device",
            ResetScope::Target => "target",
            ResetScope::Bus => "bus",
            ResetScope::Host => "host",
        }
    }
}

/// Logs, rate limited, a dispatch of a command the driver still holds.
fn dev_err_ratelimited<T: HostOperations>(dev: &Device<T>) {
    // SAFETY: The device is live.
    unsafe { bindings::orion_helper_sdev_err_still_held(dev.raw()) };
}

impl Requeue<'_> {
    fn into_qc_status(self) -> bindings::scsi_qc_status {
        match self.kind {
            QueueBusy::Host => bindings::scsi_qc_status_SCSI_MLQUEUE_HOST_BUSY,
            QueueBusy::Device => bindings::scsi_qc_status_SCSI_MLQUEUE_DEVICE_BUSY,
            QueueBusy::Target => bindings::scsi_qc_status_SCSI_MLQUEUE_TARGET_BUSY,
        }
    }
}
