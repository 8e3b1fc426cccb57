// SPDX-License-Identifier: GPL-2.0

//! SCSI commands: the owned [`Command`] a driver gets from `queuecommand`, the
//! borrowed [`CommandRef`] the error handler passes, and the private area the
//! abstraction keeps next to every `struct scsi_cmnd`.

use super::operations::{EhContext, HostOperations};
use super::device::Device;
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::atomic::{Atomic, Full, Relaxed, Release},
    types::Opaque,
};

/// Size of the sense buffer the midlayer gives every command.
pub const SENSE_BUFFER_SIZE: usize = bindings::SCSI_SENSE_BUFFERSIZE as usize;

// Ownership states of a command, kept in `CmdPriv::state`.
/// Owned by the midlayer (not started, or completed).
const MIDLAYER: i32 = 0;
/// A [`Command`] token exists: exactly one holder may complete it.
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
    /// `cmd` must be a command of a host of `T` (its private area is a `CmdPriv<T>`).
    unsafe fn of<'a>(cmd: *mut bindings::scsi_cmnd) -> &'a Self {
        // SAFETY: The private area of a command of `T` is an initialised
        // `CmdPriv<T>` for as long as the command allocation lives.
        unsafe { &*bindings::orion_helper_scsi_cmd_priv(cmd).cast::<Self>() }
    }

    /// Initialises the private area of a newly allocated command.
    ///
    /// # Safety
    ///
    /// `cmd` must be a command of a host of `T` whose private area is not
    /// initialised yet.
    pub(crate) unsafe fn init(cmd: *mut bindings::scsi_cmnd) {
        // SAFETY: The private area is `size_of::<Self>()` bytes (the
        // template's `cmd_size`), suitably aligned, and unused.
        unsafe {
            let this = bindings::orion_helper_scsi_cmd_priv(cmd).cast::<Self>();
            (&raw mut (*this).state).write(Atomic::new(MIDLAYER));
            (&raw mut (*this).dma_mapped).write(Atomic::new(0));
            (&raw mut (*this).data).write(T::CmdData::default());
            // Not a HARD timer: the completion runs the midlayer's completion
            // path, which takes `spinlock_t` locks; on PREEMPT_RT those sleep,
            // so the timer must be able to expire in softirq context.
            bindings::hrtimer_setup(
                Opaque::cast_into(&raw const (*this).timer),
                Some(Self::timer_fired),
                bindings::CLOCK_MONOTONIC as i32,
                bindings::hrtimer_mode_HRTIMER_MODE_REL,
            );
        }
    }

    /// Tears down the private area when the command allocation is freed.
    ///
    /// # Safety
    ///
    /// `cmd` must have been initialised by [`Self::init`] and not be in flight.
    pub(crate) unsafe fn exit(cmd: *mut bindings::scsi_cmnd) {
        // SAFETY: By the safety requirements the area is initialised and
        // unused; the timer is cancelled before the data is dropped.
        unsafe {
            let this = bindings::orion_helper_scsi_cmd_priv(cmd).cast::<Self>();
            bindings::hrtimer_cancel(Opaque::cast_into(&raw const (*this).timer));
            core::ptr::drop_in_place(&raw mut (*this).data);
        }
    }

    /// Undoes [`Command::dma_map`], if it was done.
    ///
    /// # Safety
    ///
    /// `cmd` must be the command this area belongs to, owned by the caller.
    unsafe fn dma_unmap(&self, cmd: *mut bindings::scsi_cmnd) {
        if self.dma_mapped.xchg(0, Relaxed) != 0 {
            // SAFETY: The buffer was mapped by `scsi_dma_map` and the device
            // is done with it (the owner is completing or giving it back).
            unsafe { bindings::scsi_dma_unmap(cmd) };
        }
    }

    fn timer_ptr(&self) -> *mut bindings::hrtimer {
        self.timer.get()
    }

    unsafe extern "C" fn timer_fired(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // SAFETY: The timer is embedded in a `CmdPriv<T>`, which directly
        // follows its `struct scsi_cmnd`.
        let (this, cmd) = unsafe {
            let this = kernel::container_of!(Opaque::cast_from(timer), Self, timer);
            (&*this, bindings::orion_helper_scsi_cmd_from_priv(this.cast_mut().cast()))
        };
        // Only complete if nobody (the error handler) reclaimed it first.
        if this.state.cmpxchg(PARKED_TIMER, CLAIMED, Full).is_ok() {
            // SAFETY: We just took ownership back from the parked state, so
            // the command is live and ours.
            let cmd_ref = unsafe { CommandRef::<T>::from_raw(cmd) };
            T::command_finished(cmd_ref.device().host().data(), cmd_ref);
            // SAFETY: We own the command again (CLAIMED).
            unsafe { this.dma_unmap(cmd) };
            this.state.store(MIDLAYER, Relaxed);
            // SAFETY: The result was set before the timer was armed; the
            // midlayer gets the command back exactly once.
            unsafe { bindings::scsi_done(cmd) };
        }
        bindings::hrtimer_restart::HRTIMER_NORESTART
    }
}

/// Direction of a command's data transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDirection {
    /// No data.
    None,
    /// Data from the initiator to the device (a write).
    ToDevice,
    /// Data from the device to the initiator (a read).
    FromDevice,
    /// Both directions (bidirectional commands; unsupported by most drivers).
    Bidirectional,
}

/// Host byte of a command result (`DID_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HostByte {
    /// No host-level error.
    Ok = bindings::scsi_host_status_DID_OK as u8,
    /// The device could not be reached (no such target/LUN).
    NoConnect = bindings::scsi_host_status_DID_NO_CONNECT as u8,
    /// The bus stayed busy.
    BusBusy = bindings::scsi_host_status_DID_BUS_BUSY as u8,
    /// The command timed out at the host.
    TimeOut = bindings::scsi_host_status_DID_TIME_OUT as u8,
    /// Bad target.
    BadTarget = bindings::scsi_host_status_DID_BAD_TARGET as u8,
    /// The command was aborted.
    Abort = bindings::scsi_host_status_DID_ABORT as u8,
    /// Internal host error.
    Error = bindings::scsi_host_status_DID_ERROR as u8,
    /// The command was terminated by a reset; the midlayer retries it.
    Reset = bindings::scsi_host_status_DID_RESET as u8,
    /// The host asks the midlayer to requeue the command.
    Requeue = bindings::scsi_host_status_DID_REQUEUE as u8,
}

/// The result of a command: host byte and SCSI status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdStatus {
    /// Host byte.
    pub host: HostByte,
    /// SAM status byte (GOOD 0x00, CHECK CONDITION 0x02, BUSY 0x08, ...).
    pub status: u8,
}

impl CmdStatus {
    /// GOOD.
    pub const GOOD: Self = Self { host: HostByte::Ok, status: 0x00 };
    /// CHECK CONDITION (the sense buffer must have been written).
    pub const CHECK_CONDITION: Self = Self { host: HostByte::Ok, status: 0x02 };
    /// BUSY status from the device.
    pub const BUSY: Self = Self { host: HostByte::Ok, status: 0x08 };
    /// TASK SET FULL status from the device.
    pub const TASK_SET_FULL: Self = Self { host: HostByte::Ok, status: 0x28 };

    /// A host-level failure with no SCSI status.
    pub const fn host(host: HostByte) -> Self {
        Self { host, status: 0 }
    }

    fn to_result(self) -> i32 {
        ((self.host as i32) << 16) | self.status as i32
    }
}

/// Which busy status `queuecommand` returns for a command given back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueBusy {
    /// The host cannot take more commands now.
    Host,
    /// The device (LUN) cannot take more commands now.
    Device,
    /// The target cannot take more commands now.
    Target,
}

/// A command given back to the midlayer unstarted, from `queuecommand`.
pub struct Requeue<T: HostOperations> {
    pub(crate) cmd: Command<T>,
    pub(crate) kind: QueueBusy,
}

/// Direction of a scatter-gather copy, for [`Command::for_each_sg_chunk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SgChunkDir {
    /// Read the chunks (the command's data-out buffer).
    FromSg,
    /// Fill the chunks (the command's data-in buffer).
    ToSg,
}

/// A command owned by the driver, between `queuecommand` and completion.
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
    pub(crate) unsafe fn from_queuecommand(cmd: *mut bindings::scsi_cmnd) -> Self {
        // SAFETY: By the safety requirements, `cmd` is a live command of `T`.
        let priv_ = unsafe { CmdPriv::<T>::of(cmd) };
        priv_.state.store(CLAIMED, Relaxed);
        // INVARIANT: The midlayer handed the command over; we set CLAIMED.
        // SAFETY: `cmd` is not null.
        Self { ptr: unsafe { NonNull::new_unchecked(cmd) }, _p: PhantomData }
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
        unsafe { bindings::orion_helper_scsi_bufflen(self.raw()) }
    }

    /// The unique tag (hardware queue in the upper 16 bits, tag below).
    pub fn unique_tag(&self) -> u32 {
        self.cmd_ref().unique_tag()
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

    /// Sets the residual: bytes of the buffer that were not transferred.
    pub fn set_resid(&mut self, resid: u32) {
        // SAFETY: By the type invariant the command is live and owned.
        unsafe { bindings::orion_helper_scsi_set_resid(self.raw(), resid) }
    }

    /// The sense buffer, written by the driver before a CHECK CONDITION.
    pub fn sense_buffer_mut(&mut self) -> &mut [u8; SENSE_BUFFER_SIZE] {
        // SAFETY: Every command has a `SCSI_SENSE_BUFFERSIZE` sense buffer,
        // and the owner of the command may write it.
        unsafe { &mut *(*self.raw()).sense_buffer.cast::<[u8; SENSE_BUFFER_SIZE]>() }
    }

    /// Copies `src` into the data buffer at byte `offset`; returns the bytes copied.
    pub fn copy_to_sg(&mut self, offset: usize, src: &[u8]) -> usize {
        // SAFETY: The command's scatterlist is valid while it is owned; the
        // copy is bounded by both the buffer and `src`.
        unsafe {
            bindings::sg_pcopy_from_buffer(
                (*self.raw()).sdb.table.sgl,
                (*self.raw()).sdb.table.nents,
                src.as_ptr().cast(),
                src.len(),
                offset as isize,
            )
        }
    }

    /// Copies the data buffer from byte `offset` into `dst`; returns the bytes copied.
    pub fn copy_from_sg(&self, offset: usize, dst: &mut [u8]) -> usize {
        // SAFETY: As for `copy_to_sg`, reading instead.
        unsafe {
            bindings::sg_pcopy_to_buffer(
                (*self.raw()).sdb.table.sgl,
                (*self.raw()).sdb.table.nents,
                dst.as_mut_ptr().cast(),
                dst.len(),
                offset as isize,
            )
        }
    }

    /// Walks the data buffer, mapped chunk by chunk, starting at byte `skip`.
    ///
    /// `f` gets each chunk's byte offset in the buffer and the mapped bytes;
    /// it stops the walk by returning an error. Usable in atomic context.
    pub fn for_each_sg_chunk<E>(
        &mut self,
        dir: SgChunkDir,
        skip: usize,
        mut f: impl FnMut(usize, &mut [u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let flags = bindings::SG_MITER_ATOMIC
            | match dir {
                SgChunkDir::FromSg => bindings::SG_MITER_FROM_SG,
                SgChunkDir::ToSg => bindings::SG_MITER_TO_SG,
            };
        let mut miter = bindings::sg_mapping_iter::default();
        let mut ret = Ok(());
        let mut offset = skip;
        // SAFETY: The command's scatterlist is valid while it is owned; the
        // iterator maps one chunk at a time and is stopped before returning.
        unsafe {
            bindings::sg_miter_start(
                &mut miter,
                (*self.raw()).sdb.table.sgl,
                (*self.raw()).sdb.table.nents,
                flags,
            );
            if skip == 0 || bindings::sg_miter_skip(&mut miter, skip as _) {
                while bindings::sg_miter_next(&mut miter) {
                    let chunk = core::slice::from_raw_parts_mut(miter.addr.cast::<u8>(), miter.length);
                    if let Err(e) = f(offset, chunk) {
                        ret = Err(e);
                        break;
                    }
                    offset += miter.length;
                }
            }
            bindings::sg_miter_stop(&mut miter);
        }
        ret
    }

    /// Maps the data buffer for DMA by the host's device (the PCI function
    /// the host was added under) and returns its segments as
    /// `(bus address, length)` pairs; an empty iterator when there is no
    /// data. The mapping is undone automatically when the command is
    /// completed, requeued, abandoned or dropped, so the device must be done
    /// with the buffer by then. Mapping twice is refused with `EBUSY`.
    pub fn dma_map(&mut self) -> Result<DmaSegments<'_>> {
        if self.priv_().dma_mapped.load(Relaxed) != 0 {
            return Err(EBUSY);
        }
        // SAFETY: The command is live and owned; its host was added with a
        // DMA device.
        let nseg = unsafe { bindings::scsi_dma_map(self.raw()) };
        if nseg < 0 {
            return Err(ENOMEM);
        }
        if nseg > 0 {
            self.priv_().dma_mapped.store(1, Relaxed);
        }
        Ok(DmaSegments {
            // SAFETY: The command's scatterlist is valid while it is owned.
            sg: unsafe { (*self.raw()).sdb.table.sgl },
            left: nseg as u32,
            _cmd: PhantomData,
        })
    }

    fn finished(&self) {
        let cmd = self.cmd_ref();
        T::command_finished(cmd.device().host().data(), cmd);
        // SAFETY: The caller owns the command and gives it away next.
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

    /// Completes the command now.
    pub fn complete(mut self, status: CmdStatus) {
        self.set_result(status);
        self.finish();
    }

    /// Completes the command now with the result recorded by [`Self::set_status`].
    pub fn finish(self) {
        self.finished();
        let cmd = self.raw();
        self.priv_().state.store(MIDLAYER, Relaxed);
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
                delay_ns.min(i64::MAX as u64) as i64,
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

    /// Gives the command back unstarted: `queuecommand` returns `kind` busy and
    /// the midlayer requeues it.
    pub fn requeue(self, kind: QueueBusy) -> Requeue<T> {
        Requeue { cmd: self, kind }
    }

    pub(crate) fn release_unstarted(self) {
        // SAFETY: We own the command and give it back unstarted.
        unsafe { self.priv_().dma_unmap(self.raw()) };
        self.priv_().state.store(MIDLAYER, Relaxed);
        core::mem::forget(self);
    }

    /// Hands a reclaimed command to the error handler without completing it,
    /// as an abort handler must before returning success.
    pub fn abandon(self, _eh: &EhContext) {
        self.finished();
        self.priv_().state.store(MIDLAYER, Release);
        core::mem::forget(self);
    }
}

impl<T: HostOperations> Drop for Command<T> {
    fn drop(&mut self) {
        // A dropped token would leave the command hanging until it times
        // out: fail it instead, loudly.
        pr_warn!("orion_scsi: command dropped without completion, failing it\n");
        self.set_result(CmdStatus::host(HostByte::Error));
        self.finished();
        self.priv_().state.store(MIDLAYER, Relaxed);
        // SAFETY: We own the command (CLAIMED) and give it back once.
        unsafe { bindings::scsi_done(self.raw()) };
    }
}

/// The DMA segments of a mapped command buffer, from [`Command::dma_map`]:
/// `(bus address, length)` pairs in order.
pub struct DmaSegments<'a> {
    sg: *mut bindings::scatterlist,
    left: u32,
    _cmd: PhantomData<&'a ()>,
}

impl Iterator for DmaSegments<'_> {
    type Item = (u64, u32);

    fn next(&mut self) -> Option<(u64, u32)> {
        if self.left == 0 || self.sg.is_null() {
            return None;
        }
        let sg = self.sg;
        self.left -= 1;
        // SAFETY: `sg` is one of the `scsi_dma_map` segments of a command the
        // borrowed token owns; `sg_next` stays within its table.
        unsafe {
            self.sg = if self.left > 0 { bindings::orion_helper_sg_next(sg) } else { core::ptr::null_mut() };
            Some((bindings::orion_helper_sg_dma_address(sg), bindings::orion_helper_sg_dma_len(sg)))
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

/// A command the driver does not own: what the error handler passes, and
/// what busy-command iteration yields.
///
/// # Invariants
///
/// The wrapped `struct scsi_cmnd` is a live command of a host of `T`.
#[repr(transparent)]
pub struct CommandRef<T: HostOperations>(Opaque<bindings::scsi_cmnd>, PhantomData<T>);

impl<T: HostOperations> CommandRef<T> {
    /// # Safety
    ///
    /// `cmd` must be a live command of a host of `T` for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(cmd: *mut bindings::scsi_cmnd) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; the command is live for `'a`.
        unsafe { &*cmd.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::scsi_cmnd {
        self.0.get()
    }

    /// The command descriptor block.
    pub fn cdb(&self) -> &[u8] {
        // SAFETY: `cmnd` points to `cmd_len` bytes for the command's lifetime.
        unsafe {
            let c = self.raw();
            core::slice::from_raw_parts((*c).cmnd.as_ptr(), ((*c).cmd_len as usize).min((*c).cmnd.len()))
        }
    }

    /// The device (LUN) the command is for.
    pub fn device(&self) -> &Device<T> {
        // SAFETY: A live command points to its live device.
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
        // SAFETY: The command and its request are live.
        unsafe { bindings::blk_mq_unique_tag(bindings::orion_helper_scsi_cmd_to_rq(self.raw())) }
    }

    /// The driver's per-command data.
    pub fn data(&self) -> &T::CmdData {
        // SAFETY: By the type invariant the command belongs to a host of `T`.
        &unsafe { CmdPriv::<T>::of(self.raw()) }.data
    }

    /// Reclaims the command if it is parked (or waiting on its completion
    /// timer); `None` if it is not with the driver.
    pub fn take_parked(&self) -> Option<Command<T>> {
        // SAFETY: By the type invariant the command belongs to a host of `T`.
        let priv_ = unsafe { CmdPriv::<T>::of(self.raw()) };
        if priv_.state.cmpxchg(PARKED, CLAIMED, Full).is_err() {
            priv_.state.cmpxchg(PARKED_TIMER, CLAIMED, Full).ok()?;
            // The timer lost the race; make sure it is no longer running
            // before the command can be reused.
            // SAFETY: The timer was set up by `CmdPriv::init`.
            unsafe { bindings::hrtimer_cancel(priv_.timer_ptr()) };
        }
        // INVARIANT: We moved the state to CLAIMED, so we are the only owner.
        Some(Command { ptr: NonNull::from(&self.0).cast(), _p: PhantomData })
    }
}
