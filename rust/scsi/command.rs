// SPDX-License-Identifier: GPL-2.0

//! SCSI commands: the [`NewCommand`] a driver gets from `queuecommand`, the
//! owned [`Command`] token it completes, the [`EhCommand`] an error-handler
//! callback reclaims ([`eh`]), the borrowed [`CommandRef`], and the private
//! area the abstraction keeps next to every `struct scsi_cmnd`; access to
//! a command's data buffer is in [`buffer`], results in [`status`].

mod buffer;
mod eh;
mod status;

pub use buffer::{DmaSegments, SgChunk, SgChunkDir};
pub use eh::EhCommand;
pub use status::{CmdStatus, DataDirection, HostByte, QueueBusy};

use super::device::Device;
use super::layout;
use super::operations::{EhContext, HostOperations};
use crate::bindings;
use core::{marker::PhantomData, ops::Deref, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::atomic::{Acquire, Atomic, Full, Relaxed, Release},
    types::Opaque,
};

/// Size of the sense buffer the midlayer gives every command.
pub const SENSE_BUFFER_SIZE: usize = bindings::SCSI_SENSE_BUFFERSIZE as usize;

// Ownership states of a command, kept in `CmdPriv::state`.
/// Owned by the midlayer (not started, or completed).
const MIDLAYER: i32 = 0;
/// A [`Command`] or [`EhCommand`] token exists: exactly one holder may
/// complete it.
const CLAIMED: i32 = 1;
/// Parked with the driver (hardware works on it); reclaimable by tag.
const PARKED: i32 = 2;
/// Parked with the completion timer armed (software delay).
const PARKED_TIMER: i32 = 3;

/// The private area the abstraction keeps after every `struct scsi_cmnd`.
#[repr(C)]
pub(crate) struct CmdPriv<T: HostOperations> {
    state: Atomic<i32>,
    /// Non-zero while the data buffer is DMA-mapped ([`Command::dma_map`]);
    /// only the owner of the command touches it.
    dma_mapped: Atomic<i32>,
    timer: Opaque<bindings::hrtimer>,
    data: T::CmdData,
}

impl<T: HostOperations> CmdPriv<T> {
    /// # Safety
    ///
    /// `cmd` must be a command of a host of `T` whose private area was
    /// initialised by [`Self::init`] (every command the block layer
    /// allocated for the host; not the reset ioctl's stand-in).
    unsafe fn of<'a>(cmd: *mut bindings::scsi_cmnd) -> &'a Self {
        let this = layout::cmd_priv(cmd).cast::<Self>();
        // SAFETY: By the safety requirements the private area is an
        // initialised `CmdPriv<T>` for as long as the command allocation lives.
        unsafe { &*this }
    }

    /// Initialises the private area of a newly allocated command.
    ///
    /// # Safety
    ///
    /// `cmd` must be a command of a host of `T` whose private area
    /// (`size_of::<Self>()` bytes, the template's `cmd_size`) is not
    /// initialised yet.
    pub(crate) unsafe fn init(cmd: *mut bindings::scsi_cmnd) {
        let this = layout::cmd_priv(cmd).cast::<Self>();
        // SAFETY: The area is `size_of::<Self>()` bytes, aligned (checked
        // when the template was filled) and unused.
        unsafe { (&raw mut (*this).state).write(Atomic::new(MIDLAYER)) };
        // SAFETY: As above.
        unsafe { (&raw mut (*this).dma_mapped).write(Atomic::new(0)) };
        // SAFETY: As above.
        unsafe { (&raw mut (*this).data).write(T::CmdData::default()) };
        // Not a HARD timer: the completion runs the midlayer's completion
        // path, which takes `spinlock_t` locks; on PREEMPT_RT those sleep,
        // so the timer must be able to expire in softirq context.
        // SAFETY: The timer memory is part of the area and not in use.
        unsafe {
            bindings::hrtimer_setup(
                Opaque::cast_into(&raw const (*this).timer),
                Some(Self::timer_fired),
                bindings::CLOCK_MONOTONIC as i32,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            )
        };
    }

    /// Tears down the private area when the command allocation is freed.
    ///
    /// # Safety
    ///
    /// `cmd` must have been initialised by [`Self::init`] and not be in flight.
    pub(crate) unsafe fn exit(cmd: *mut bindings::scsi_cmnd) {
        let this = layout::cmd_priv(cmd).cast::<Self>();
        // SAFETY: The timer was set up by `init`; cancel it before the
        // memory goes.
        unsafe { bindings::hrtimer_cancel(Opaque::cast_into(&raw const (*this).timer)) };
        // SAFETY: The data was initialised by `init` and nobody uses it now.
        unsafe { core::ptr::drop_in_place(&raw mut (*this).data) };
    }

    /// Undoes [`Command::dma_map`], if it was done.
    ///
    /// # Safety
    ///
    /// `cmd` must be the command this area belongs to, owned by the caller,
    /// and the device must be done with its buffer.
    unsafe fn dma_unmap(&self, cmd: *mut bindings::scsi_cmnd) {
        if self.dma_mapped.xchg(0, Relaxed) != 0 {
            // SAFETY: The buffer was mapped by `scsi_dma_map` and the device
            // is done with it (safety requirements).
            unsafe { bindings::scsi_dma_unmap(cmd) };
        }
    }

    fn timer_ptr(&self) -> *mut bindings::hrtimer {
        self.timer.get()
    }

    /// The completion timer's callback, set up by [`Self::init`].
    ///
    /// # Safety
    ///
    /// `timer` must be the `timer` of the initialised private area of a live
    /// command of a host of `T`: only the hrtimer core calls this, for a
    /// timer armed by [`Command::finish_after`]; [`Self::exit`] cancels it
    /// before the area goes.
    unsafe extern "C" fn timer_fired(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: The timer is embedded in a `CmdPriv<T>`.
        let this = unsafe { kernel::container_of!(Opaque::cast_from(timer), Self, timer) };
        let cmd = layout::cmd_from_priv(this.cast_mut().cast());
        // SAFETY: The area stays initialised while its timer can run.
        let this = unsafe { &*this };
        // SAFETY: The command is live (its timer is armed).
        if unsafe { eh_owned(cmd) } {
            // The midlayer timed the command out: it is the error
            // handler's to reclaim, not ours to complete.
            let _ = this.state.cmpxchg(PARKED_TIMER, PARKED, Full);
            return bindings::hrtimer_restart::HRTIMER_NORESTART;
        }
        // Only complete if nobody (the error handler) reclaimed it first.
        if this.state.cmpxchg(PARKED_TIMER, CLAIMED, Full).is_ok() {
            // INVARIANT: We moved the state to CLAIMED: this token is the
            // only owner. Dropping it without `finish` cannot happen below.
            let owned = Command::<T> {
                // SAFETY: `cmd` is not null.
                ptr: unsafe { NonNull::new_unchecked(cmd) },
                _p: PhantomData,
            };
            owned.finish();
        }
        bindings::hrtimer_restart::HRTIMER_NORESTART
    }
}

/// Whether the midlayer has timed the command out and handed it to the
/// error handler: it set `SCMD_STATE_COMPLETE` without the driver having
/// completed the command.
///
/// # Safety
///
/// `cmd` must be a live command.
unsafe fn eh_owned(cmd: *mut bindings::scsi_cmnd) -> bool {
    // SAFETY: `cmd` is live (safety requirements).
    unsafe { bindings::orion_helper_scsi_cmd_timed_out(cmd) }
}

/// Invariant lifetime brand: ties a value to one `queuecommand` call.
type Brand<'q> = PhantomData<fn(&'q ()) -> &'q ()>;

/// The command of one `queuecommand` call, given back unstarted: made only
/// by [`NewCommand::requeue`] of that call's command.
///
/// The brand `'q` is the call's own: a driver cannot requeue one command and
/// complete another (the requeued command would be completed twice).
pub struct Requeue<'q> {
    pub(crate) kind: QueueBusy,
    _brand: Brand<'q>,
}

/// The command of one `queuecommand` call.
///
/// It derefs to the [`Command`] (inspect it, map it for DMA, build the
/// response); [`Self::accept`] takes ownership to complete or park it, and
/// [`Self::requeue`] gives it back unstarted.
pub struct NewCommand<'q, T: HostOperations> {
    cmd: Command<T>,
    _brand: Brand<'q>,
}

impl<'q, T: HostOperations> NewCommand<'q, T> {
    /// # Safety
    ///
    /// `cmd` must be a command just passed to `queuecommand` of a host of `T`,
    /// and `'q` must not outlive that call.
    ///
    /// `None` if the driver still holds the command (see
    /// [`Command::from_queuecommand`]).
    pub(crate) unsafe fn new(cmd: *mut bindings::scsi_cmnd) -> Option<Self> {
        // SAFETY: By the safety requirements.
        let cmd = unsafe { Command::from_queuecommand(cmd) }?;
        Some(Self {
            cmd,
            _brand: PhantomData,
        })
    }

    /// Takes the command on: the driver completes or parks it.
    pub fn accept(self) -> Command<T> {
        self.cmd
    }

    /// Gives the command back unstarted: `queuecommand` returns `kind` busy
    /// and the midlayer dispatches it again later.
    pub fn requeue(self, kind: QueueBusy) -> Requeue<'q> {
        self.cmd.release_unstarted();
        Requeue {
            kind,
            _brand: PhantomData,
        }
    }
}

impl<T: HostOperations> Deref for NewCommand<'_, T> {
    type Target = Command<T>;

    fn deref(&self) -> &Command<T> {
        &self.cmd
    }
}

// No `DerefMut`: with it, safe code could `mem::swap` another `Command`
// into this `NewCommand` and requeue that one. The mutating accessors are
// forwarded instead.
impl<T: HostOperations> NewCommand<'_, T> {
    /// See [`Command::set_resid`].
    pub fn set_resid(&mut self, resid: u32) {
        self.cmd.set_resid(resid)
    }

    /// See [`Command::sense_buffer_mut`].
    pub fn sense_buffer_mut(&mut self) -> &mut [u8; SENSE_BUFFER_SIZE] {
        self.cmd.sense_buffer_mut()
    }

    /// See [`Command::copy_to_sg`].
    pub fn copy_to_sg(&mut self, offset: usize, src: &[u8]) -> usize {
        self.cmd.copy_to_sg(offset, src)
    }

    /// See [`Command::for_each_sg_chunk`].
    pub fn for_each_sg_chunk<E>(
        &mut self,
        dir: SgChunkDir,
        skip: usize,
        f: impl FnMut(usize, &mut SgChunk<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.cmd.for_each_sg_chunk(dir, skip, f)
    }

    /// See [`Command::dma_map`].
    pub fn dma_map(&mut self) -> Result<DmaSegments<'_>> {
        self.cmd.dma_map()
    }

    /// See [`Command::set_status`].
    pub fn set_status(&mut self, status: CmdStatus) {
        self.cmd.set_status(status)
    }
}

/// A command owned by the driver, between `queuecommand` and completion.
///
/// Obtained from [`NewCommand::accept`] or by reclaiming a parked command
/// outside the error handler ([`super::HostRef::take_parked`],
/// [`CommandRef::take_parked`]), which never yields a command the midlayer
/// has timed out (that one belongs to the error handler, see [`EhCommand`]).
///
/// # Invariants
///
/// `ptr` is a live command of a host of `T` whose state is `CLAIMED`, and this
/// token is the only one for it: the only ways out are consuming methods.
pub struct Command<T: HostOperations> {
    ptr: NonNull<bindings::scsi_cmnd>,
    _p: PhantomData<T>,
}

// SAFETY: The token is the unique owner of the command; the midlayer allows
// completing a command from any context.
unsafe impl<T: HostOperations> Send for Command<T> {}

impl<T: HostOperations> Command<T> {
    /// # Safety
    ///
    /// `cmd` must be a command just passed to `queuecommand` of a host of `T`.
    pub(crate) unsafe fn from_queuecommand(cmd: *mut bindings::scsi_cmnd) -> Option<Self> {
        // SAFETY: By the safety requirements, `cmd` is a live command of `T`.
        let priv_ = unsafe { CmdPriv::<T>::of(cmd) };
        // A command the driver still holds (an error handler callback
        // reported success without giving it back) must not get a second
        // token.
        priv_.state.cmpxchg(MIDLAYER, CLAIMED, Full).ok()?;
        // SAFETY: `cmd` is not null.
        let ptr = unsafe { NonNull::new_unchecked(cmd) };
        // INVARIANT: The midlayer handed the command over; we set CLAIMED.
        Some(Self {
            ptr,
            _p: PhantomData,
        })
    }

    fn raw(&self) -> *mut bindings::scsi_cmnd {
        self.ptr.as_ptr()
    }

    fn cmd_ref(&self) -> &CommandRef<T> {
        // SAFETY: By the type invariant the command is live.
        unsafe { CommandRef::from_raw(self.raw()) }
    }

    fn priv_(&self) -> &CmdPriv<T> {
        // SAFETY: By the type invariant the command belongs to a host of `T`.
        unsafe { CmdPriv::<T>::of(self.raw()) }
    }

    /// The command descriptor block.
    pub fn cdb(&self) -> &[u8] {
        self.cmd_ref().cdb()
    }

    /// The device (LUN) the command is for.
    pub fn device(&self) -> &Device<T> {
        self.cmd_ref().device()
    }

    /// Data direction.
    pub fn data_direction(&self) -> DataDirection {
        self.cmd_ref().data_direction()
    }

    /// Length of the data buffer in bytes.
    pub fn transfer_len(&self) -> u32 {
        // SAFETY: By the type invariant the command is live.
        unsafe { (*self.raw()).sdb.length }
    }

    /// The unique tag (hardware queue in the upper 16 bits, tag below).
    pub fn unique_tag(&self) -> u32 {
        self.cmd_ref().unique_tag()
    }

    /// Whether the block layer polls for this command's completion: it was
    /// submitted by the block layer on one of the host's polled hardware
    /// queues (`HostConfig::nr_poll_queues`), so it must be completed from
    /// `mq_poll`. A command the error handler sends itself on such a
    /// command's request is not polled: the error handler waits for it.
    pub fn is_polled(&self) -> bool {
        // SAFETY: The command is live.
        let from_eh = unsafe { bindings::orion_helper_scsi_cmd_from_eh(self.raw()) };
        let hwq = (self.unique_tag() >> 16) as u16;
        !from_eh && self.device().host().is_poll_queue(hwq)
    }

    /// Whether this is the last command of a batch (blk-mq `bd->last`):
    /// a driver that batches doorbells rings them when this is set.
    pub fn is_last_of_batch(&self) -> bool {
        // SAFETY: By the type invariant the command is live.
        unsafe { (*self.raw()).flags & bindings::SCMD_LAST as i32 != 0 }
    }

    /// The driver's per-command data.
    pub fn data(&self) -> &T::CmdData {
        &self.priv_().data
    }

    fn finished(&self) {
        let cmd = self.cmd_ref();
        T::command_finished(cmd.device().host().data(), cmd);
        // SAFETY: The caller owns the command and gives it away next; the
        // device is done with it (every way out documents that).
        unsafe { self.priv_().dma_unmap(self.raw()) };
    }

    fn set_result(&mut self, status: CmdStatus) {
        // SAFETY: The owner of the command may set its result.
        unsafe { (*self.raw()).result = status.to_result() };
    }

    /// Records the result to complete the command with later, by
    /// [`Self::finish`] or [`Self::finish_after`] (possibly after parking it).
    pub fn set_status(&mut self, status: CmdStatus) {
        self.set_result(status);
    }

    /// Turns the token into an error-handler token inside an error-handler
    /// callback, for a driver that keeps its commands' tokens itself
    /// instead of parking them: it gives the command back with
    /// [`EhCommand::give_back`], which leaves a command the midlayer timed
    /// out to the error handler instead of completing it.
    pub fn into_eh<'e>(self, _eh: &'e EhContext) -> EhCommand<'e, T> {
        let ptr = self.ptr;
        core::mem::forget(self);
        // INVARIANT: The token moves from `self` (forgotten), so the new
        // one is the only one; the state stays CLAIMED.
        EhCommand {
            ptr,
            _p: PhantomData,
        }
    }

    /// Completes the command now.
    pub fn complete(mut self, status: CmdStatus) {
        self.set_result(status);
        self.finish();
    }

    /// Completes the command now with the result recorded by [`Self::set_status`].
    pub fn finish(self) {
        self.finished();
        let cmd = self.raw();
        self.priv_().state.store(MIDLAYER, Release);
        core::mem::forget(self);
        // SAFETY: We owned the command (CLAIMED) and gave up the token; the
        // midlayer owns it again.
        unsafe { bindings::scsi_done(cmd) };
    }

    /// Completes the command after `delay_ns` nanoseconds, from a timer
    /// (software adapters emulating device latency). The error handler can
    /// still reclaim it before then.
    pub fn complete_after(mut self, status: CmdStatus, delay_ns: u64) {
        self.set_result(status);
        self.finish_after(delay_ns);
    }

    /// Like [`Self::complete_after`], with the result recorded by [`Self::set_status`].
    pub fn finish_after(self, delay_ns: u64) {
        let timer = self.priv_().timer_ptr();
        self.priv_().state.store(PARKED_TIMER, Release);
        core::mem::forget(self);
        // SAFETY: The timer was set up by `CmdPriv::init`; it is not armed
        // (a reclaimer cancels it before the command can be parked again).
        unsafe {
            bindings::hrtimer_start_range_ns(
                timer,
                i64::try_from(delay_ns).unwrap_or(i64::MAX),
                0,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            )
        };
    }

    /// Leaves the command with the driver while hardware works on it; it is
    /// reclaimed later by tag with [`super::HostRef::take_parked`]. Returns
    /// the unique tag.
    pub fn park(self) -> u32 {
        let tag = self.unique_tag();
        self.priv_().state.store(PARKED, Release);
        core::mem::forget(self);
        tag
    }

    fn release_unstarted(self) {
        // SAFETY: We own the command and give it back unstarted; no device
        // was told about it.
        unsafe { self.priv_().dma_unmap(self.raw()) };
        self.priv_().state.store(MIDLAYER, Release);
        core::mem::forget(self);
    }
}

impl<T: HostOperations> Drop for Command<T> {
    fn drop(&mut self) {
        // A dropped token would leave the command hanging until it times
        // out: fail it instead, loudly.
        let sdev = self.device().raw();
        // SAFETY: The device of a live command is live.
        unsafe { bindings::orion_helper_sdev_warn_dropped(sdev) };
        self.set_result(CmdStatus::host(HostByte::Error));
        self.finished();
        self.priv_().state.store(MIDLAYER, Release);
        // SAFETY: We own the command (CLAIMED) and give it back once.
        unsafe { bindings::scsi_done(self.raw()) };
    }
}

/// A command the driver does not own: what the error handler passes, and
/// what busy-command iteration yields.
///
/// # Invariants
///
/// The wrapped `struct scsi_cmnd` is a live command of a host of `T` with an
/// initialised private area.
#[repr(transparent)]
pub struct CommandRef<T: HostOperations>(Opaque<bindings::scsi_cmnd>, PhantomData<T>);

impl<T: HostOperations> CommandRef<T> {
    /// # Safety
    ///
    /// `cmd` must be a live command of a host of `T` for the lifetime `'a`,
    /// allocated by the block layer (its private area initialised).
    pub(crate) unsafe fn from_raw<'a>(cmd: *mut bindings::scsi_cmnd) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; the command is live for `'a`.
        unsafe { &*cmd.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::scsi_cmnd {
        self.0.get()
    }

    fn priv_(&self) -> &CmdPriv<T> {
        // SAFETY: By the type invariant the private area is initialised.
        unsafe { CmdPriv::<T>::of(self.raw()) }
    }

    /// The command descriptor block.
    pub fn cdb(&self) -> &[u8] {
        let c = self.raw();
        // SAFETY: The command is live; `cmd_len` is set before dispatch.
        let len = usize::from(unsafe { (*c).cmd_len });
        // SAFETY: `cmnd` is an array inside the live command.
        let cmnd = unsafe { &(*c).cmnd };
        cmnd.get(..len).unwrap_or(cmnd)
    }

    /// The device (LUN) the command is for.
    pub fn device(&self) -> &Device<T> {
        // SAFETY: A live command points to its live device, of a host of `T`.
        unsafe { Device::from_raw((*self.raw()).device) }
    }

    /// Data direction.
    pub fn data_direction(&self) -> DataDirection {
        // SAFETY: The command is live.
        match unsafe { (*self.raw()).sc_data_direction } {
            bindings::dma_data_direction::DMA_TO_DEVICE => DataDirection::ToDevice,
            bindings::dma_data_direction::DMA_FROM_DEVICE => DataDirection::FromDevice,
            bindings::dma_data_direction::DMA_BIDIRECTIONAL => DataDirection::Bidirectional,
            _ => DataDirection::None,
        }
    }

    /// The unique tag (hardware queue in the upper 16 bits, tag below).
    pub fn unique_tag(&self) -> u32 {
        let rq = layout::cmd_to_rq(self.raw());
        // SAFETY: The command is live and was allocated by the block layer
        // (its request precedes it), so its request has a hardware context.
        unsafe { bindings::blk_mq_unique_tag(rq) }
    }

    /// The driver's per-command data.
    pub fn data(&self) -> &T::CmdData {
        &self.priv_().data
    }

    /// Reclaims the command if it is parked (or waiting on its completion
    /// timer); `None` if it is not with the driver, or if the midlayer timed
    /// it out: such a command belongs to the error handler, whose callbacks
    /// reclaim it with [`Self::take_parked_eh`].
    pub fn take_parked(&self) -> Option<Command<T>> {
        // SAFETY: The command is live.
        if unsafe { eh_owned(self.raw()) } {
            return None;
        }
        self.claim_parked()?;
        // INVARIANT: We moved the state to CLAIMED, so we are the only owner.
        Some(Command {
            ptr: NonNull::from(&self.0).cast(),
            _p: PhantomData,
        })
    }

    /// Reclaims a parked command from an error-handler callback, whether the
    /// midlayer timed it out or not. The token cannot outlive the callback.
    pub fn take_parked_eh<'e>(&self, _eh: &'e EhContext) -> Option<EhCommand<'e, T>> {
        self.claim_parked()?;
        // INVARIANT: We moved the state to CLAIMED, so we are the only owner.
        Some(EhCommand {
            ptr: NonNull::from(&self.0).cast(),
            _p: PhantomData,
        })
    }

    /// Moves the state from parked to `CLAIMED`, cancelling the completion
    /// timer if one was armed.
    fn claim_parked(&self) -> Option<()> {
        let priv_ = self.priv_();
        if priv_.state.cmpxchg(PARKED, CLAIMED, Full).is_err() {
            priv_.state.cmpxchg(PARKED_TIMER, CLAIMED, Full).ok()?;
            // The timer lost the race; make sure it is no longer running
            // before the command can be reused.
            // SAFETY: The timer was set up by `CmdPriv::init`.
            unsafe { bindings::hrtimer_cancel(priv_.timer_ptr()) };
        }
        Some(())
    }

    /// Whether the midlayer timed the command out (the error handler owns
    /// it) while the driver still holds it: after a successful recovery
    /// step covering it, the midlayer retries or fails it.
    ///
    /// A command the error handler sent itself (TEST UNIT READY after a
    /// reset) and the driver still holds when a reset runs was abandoned by
    /// the error handler (its wait timed out): it counts too.
    pub(crate) fn timed_out_and_held(&self) -> bool {
        // SAFETY: The command is live.
        let timed_out = unsafe { eh_owned(self.raw()) };
        // SAFETY: As above.
        let from_eh = unsafe { bindings::orion_helper_scsi_cmd_from_eh(self.raw()) };
        (timed_out || from_eh) && self.is_held()
    }

    /// Whether the driver still holds the command (parked, or a token
    /// exists somewhere).
    pub(crate) fn is_held(&self) -> bool {
        self.priv_().state.load(Acquire) != MIDLAYER
    }
}
