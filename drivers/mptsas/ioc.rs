// SPDX-License-Identifier: GPL-2.0

//! One IOC: bring-up by doorbell handshake (reset to READY, IOC_FACTS,
//! PORT_FACTS, IOC_INIT, reply frames to the free FIFO, PORT_ENABLE), the
//! request slots and reply frames in coherent DMA memory, the reply FIFO
//! and the message unit reset. The doorbell is in [`doorbell`], the
//! driver's own requests in [`internal`]; host-side SCSI logic is in
//! `host.rs`.

mod doorbell;
mod internal;

use doorbell::{diag_reset, handshake, make_ready, wait_state};
use internal::{Posting, MB_CANCELLED, MB_IDLE, MB_WAITING};

use super::mpi::{
    facts::{build_ioc_facts, build_port_facts, IocFacts, PortFacts},
    init::{
        build_ioc_init, build_port_enable, parse_port_enable_reply, IocInit, IocInitReply,
        IOC_INIT_SIZE, REPLY_FRAME_SIZE,
    },
    limits::{self, Budget, Limits},
    msg::{ReplyHeader, FUNC_SCSI_IO},
    regs::{self as r, IocState},
    reply::{decode_context, FramePool, ReplyDescriptor},
    scsi_reply::ScsiIoReply,
    MpiError,
};
use super::regs::{IocRegs, Regs};
use super::sas::Fabric;
use crate::common::{
    counters::HbaCounters,
    hba_host::HbaController,
    reset_gate::{ResetGate, SubmitGuard},
};
use crate::dma::DmaSlots;
use kernel::{
    device::{self, Bound},
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Acquire, Atomic, Full, Relaxed, Release},
        Mutex, SpinLockIrq,
    },
};

/// Largest request frame the driver uses (Linux's cap too); chain buffers
/// have the frame's size.
pub(super) const MAX_FRAME: usize = 512;
/// Chain buffers per request slot. Requests are built on the stack and
/// copied into their slot, so this bounds the stack buffer (frame plus
/// chains: 1.5 KiB) and, with QEMU's frames, gives 120 segments.
pub(super) const MAX_CHAINS: usize = 2;
/// Offset of a slot's chain buffers (after the request frame).
pub(super) const CHAIN_OFF: usize = MAX_FRAME;
/// Offset of a slot's sense buffer (after the chain buffers).
pub(super) const SENSE_OFF: usize = CHAIN_OFF + MAX_CHAINS * MAX_FRAME;
/// Sense bytes offered to the IOC.
pub(super) const SENSE_LEN: usize = crate::scsi::command::SENSE_BUFFER_SIZE;
/// Bytes per request slot: a divisor of the page size, so no frame
/// crosses a page, and 8-byte aligned as the request FIFO wants.
const SLOT_SIZE: usize = 2048;
const _: () = assert!(SENSE_OFF + SENSE_LEN <= SLOT_SIZE);
/// The stack buffer a request is built in.
pub(super) const BUILD_SIZE: usize = SENSE_OFF;
/// Reply frame size given to IOC_INIT (every reply the driver reads fits).
const REPLY_SIZE: usize = REPLY_FRAME_SIZE as usize;
/// Request slots kept for the driver's own requests (configuration pages
/// and task management, posted through the request FIFO once I/O runs).
const INTERNAL_SLOTS: u32 = 2;
/// The internal slot of configuration page requests.
pub(super) const CONFIG_SLOT: u32 = 0;
/// The internal slot of task management requests.
pub(super) const TM_SLOT: u32 = 1;
/// Offset of an internal slot's data buffer (a configuration page): the
/// chain buffers, which internal requests do not use.
pub(super) const DATA_OFF: usize = CHAIN_OFF;
/// Size of an internal slot's data buffer.
pub(super) const DATA_LEN: usize = SENSE_OFF - CHAIN_OFF;
/// Sizing limits the driver sets itself.
const BUDGET: Budget = Budget {
    max_frame_size: MAX_FRAME,
    max_chains: MAX_CHAINS,
    internal_slots: INTERNAL_SLOTS,
    max_slots: 1024,
    max_sectors: 8192,
    page_size: kernel::page::PAGE_SIZE as u32,
};
/// A handshake step (QEMU answers at once; real IOCs within milliseconds).
const HANDSHAKE_TIMEOUT_MS: i64 = 5_000;
/// Waiting for READY after a reset, or OPERATIONAL after IOC_INIT.
const STATE_TIMEOUT_MS: i64 = 20_000;
/// Waiting for the IOC to stop before its DMA memory is freed.
const STOP_TIMEOUT_MS: i64 = 5_000;

impl From<MpiError> for Error {
    fn from(e: MpiError) -> Self {
        match e {
            MpiError::InvalidParam | MpiError::BufferTooSmall => EINVAL,
            _ => EIO,
        }
    }
}

/// An IOC, initialised and OPERATIONAL (replies still masked until
/// [`Ioc::enable_interrupts`]).
pub(crate) struct Ioc {
    dev: ARef<device::Device>,
    regs: Regs,
    pub(super) facts: IocFacts,
    pub(super) limits: Limits,
    /// Targets the IOC addresses (IOC_INIT MaxDevices).
    pub(super) max_devices: u8,
    /// Request slots: `can_queue` SCSI slots (index = blk-mq tag) then the
    /// internal ones; each a frame, its chain buffers and a sense buffer.
    slots: DmaSlots,
    /// Reply frames, one chunk ([`FramePool`] arithmetic): CPU-owned while
    /// the driver reads a reply, device-owned while in the free FIFO.
    replies: DmaSlots,
    pool: FramePool,
    /// Serialises reply FIFO readers (interrupt handler, reset).
    reply_lock: Pin<KBox<SpinLockIrq<()>>>,
    /// Serialises doorbell handshakes and resets.
    internal: Pin<KBox<Mutex<()>>>,
    /// Serialises configuration page reads (one internal slot).
    config: Pin<KBox<Mutex<()>>>,
    /// Serialises task management (the other internal slot).
    tm: Pin<KBox<Mutex<()>>>,
    /// Internal request state, per internal slot (`MB_*`).
    mb_state: [Atomic<i32>; INTERNAL_SLOTS as usize],
    /// The reply frame of each internal slot's last request, copied out
    /// by the reply reader.
    mb_reply: Pin<KBox<SpinLockIrq<[[u8; REPLY_SIZE]; INTERNAL_SLOTS as usize]>>>,
    /// The SAS fabric read from the configuration pages and registered.
    pub(super) sas: Fabric,
    gate: ResetGate,
    /// Set when a reset failed: the IOC state is unknown, replies stay
    /// masked and new commands fail.
    dead: Atomic<i32>,
    /// Set once reply frames were posted: from then on the IOC may write
    /// the DMA areas, so drop must stop it first.
    started: Atomic<i32>,
    /// Interrupts, resets, aborts (shared host attributes).
    pub(super) counters: HbaCounters,
    /// SCSI requests whose SGL needed chain buffers.
    pub(super) chained: Atomic<u64>,
}

/// What a MsgContext names.
enum Ctx {
    /// A SCSI request slot (blk-mq tag).
    Scsi(u32),
    /// Internal slot `n`.
    Internal(u32),
}

impl Ioc {
    /// Brings the IOC to READY, asks its facts, allocates the DMA areas
    /// and initialises it.
    pub(super) fn new(dev: &device::Device<Bound>, regs: Regs) -> Result<Self> {
        make_ready(&regs, dev)?;
        regs.write(r::HOST_INTERRUPT_MASK, r::HIM_MASK_ALL);
        regs.write(r::HOST_INTERRUPT_STATUS, 0);
        let mut msg = [0u8; 12];
        let mut reply = [0u8; 4 * 32];
        build_ioc_facts(&mut msg, 0)?;
        let n = handshake(&regs, &msg, &mut reply)?;
        let facts = IocFacts::parse(reply.get(..n).ok_or(EINVAL)?)?;
        build_port_facts(&mut msg, 0, 0)?;
        let n = handshake(&regs, &msg, &mut reply)?;
        let port = PortFacts::parse(reply.get(..n).ok_or(EINVAL)?)?;
        if !port.is_sas_initiator() {
            dev_err!(
                dev,
                "port 0 is not a SAS initiator port (type {:#x})\n",
                port.port_type
            );
            return Err(ENODEV);
        }
        let limits = limits::compute(&facts, &BUDGET).inspect_err(|e| {
            dev_err!(dev, "unusable IOC facts ({:?}): {:?}\n", e, facts);
        })?;
        let slots = DmaSlots::new(dev, limits.slots as usize, SLOT_SIZE, 64 * 1024)?;
        let replies = DmaSlots::new(
            dev,
            limits.reply_frames as usize,
            REPLY_SIZE,
            REPLY_SIZE * limits.reply_frames as usize,
        )?;
        let pool = FramePool::new(
            replies.dma_address(0).ok_or(ENOMEM)?,
            REPLY_FRAME_SIZE.into(),
            limits.reply_frames,
        )?;
        // The coherent mask is 32 bits: request frames, reply frames and
        // sense buffers all share the high dword 0 IOC_INIT announces.
        let low = |a: Option<u64>| a.is_some_and(|a| a >> 32 == 0);
        if pool.high() != 0 || !(0..slots.len()).all(|i| low(slots.dma_address(i))) {
            dev_err!(dev, "DMA areas above 4 GiB\n");
            return Err(ENOMEM);
        }
        let this = Self {
            dev: dev.into(),
            regs,
            facts,
            limits,
            max_devices: u8::try_from(port.max_devices.clamp(1, 255)).unwrap_or(u8::MAX),
            slots,
            replies,
            pool,
            reply_lock: KBox::pin_init(kernel::new_spinlock_irq!(()), GFP_KERNEL)?,
            internal: KBox::pin_init(kernel::new_mutex!(()), GFP_KERNEL)?,
            config: KBox::pin_init(kernel::new_mutex!(()), GFP_KERNEL)?,
            tm: KBox::pin_init(kernel::new_mutex!(()), GFP_KERNEL)?,
            mb_state: [const { Atomic::new(MB_IDLE) }; INTERNAL_SLOTS as usize],
            mb_reply: KBox::pin_init(
                kernel::new_spinlock_irq!([[0u8; REPLY_SIZE]; INTERNAL_SLOTS as usize]),
                GFP_KERNEL,
            )?,
            sas: Fabric::new()?,
            gate: ResetGate::new(),
            dead: Atomic::new(0),
            started: Atomic::new(0),
            counters: HbaCounters::new(),
            chained: Atomic::new(0),
        };
        {
            let _g = this.internal.lock();
            this.init()?;
        }
        Ok(this)
    }

    /// IOC_INIT, every reply frame to the free FIFO, PORT_ENABLE. The IOC
    /// is READY with its interrupts masked; the caller holds `internal`.
    fn init(&self) -> Result {
        let init = IocInit {
            max_devices: self.max_devices,
            max_buses: 1,
            reply_frame_size: REPLY_FRAME_SIZE,
            host_mfa_high: self.pool.high(),
            sense_buffer_high: 0,
        };
        let mut msg = [0u8; IOC_INIT_SIZE];
        let mut reply = [0u8; REPLY_SIZE];
        build_ioc_init(&mut msg, 0, &init)?;
        let n = handshake(&self.regs, &msg, &mut reply)?;
        IocInitReply::parse(reply.get(..n).ok_or(EINVAL)?)?;
        // From the first free frame on, the IOC may write the DMA areas.
        self.started.store(1, Release);
        for i in 0..self.pool.count() {
            let frame = self.replies.claim(i as usize).ok_or(EBUSY)?;
            let word = self.pool.fifo_word(i)?;
            frame.to_device();
            self.regs.free_reply(word);
        }
        let mut msg = [0u8; 12];
        build_port_enable(&mut msg, 0, 0)?;
        let n = handshake(&self.regs, &msg, &mut reply)?;
        parse_port_enable_reply(reply.get(..n).ok_or(EINVAL)?)?;
        wait_state(&self.regs, IocState::Operational, STATE_TIMEOUT_MS).inspect_err(|_| {
            dev_err!(self.dev, "IOC not OPERATIONAL after IOC_INIT\n");
        })
    }

    pub(super) fn regs(&self) -> &Regs {
        &self.regs
    }

    pub(super) fn slots(&self) -> &DmaSlots {
        &self.slots
    }

    /// SCSI request slots (blk-mq tags `0..can_queue`).
    pub(super) fn can_queue(&self) -> u32 {
        self.limits.can_queue
    }

    /// Whether a reset failed and the IOC was given up.
    pub(super) fn is_dead(&self) -> bool {
        self.dead.load(Relaxed) != 0
    }

    /// Enters the posting section of `queue_command`; `None` while a reset
    /// runs (the command is requeued).
    pub(super) fn begin_submit(&self) -> Option<SubmitGuard<'_>> {
        self.gate.begin_submit()
    }

    /// Unmasks reply interrupts (the doorbell stays polled).
    pub(crate) fn enable_interrupts(&self) {
        self.regs.write(r::HOST_INTERRUPT_MASK, r::HIM_OPERATIONAL);
    }

    /// Pops the reply FIFO until it is empty: `f` gets each SCSI request
    /// slot that completed, with its address reply if it had one. Returns
    /// the descriptors consumed.
    pub(super) fn drain_replies(&self, mut f: impl FnMut(u32, Option<&ScsiIoReply>)) -> u32 {
        if self.is_dead() {
            return 0;
        }
        let _g = self.reply_lock.lock();
        // Bounded: a device that never reports empty cannot hold the CPU.
        let bound = self.pool.count().saturating_mul(4);
        let mut n = 0u32;
        while n < bound {
            match ReplyDescriptor::decode(self.regs.pop_reply()) {
                ReplyDescriptor::Empty => break,
                ReplyDescriptor::Context(ctx) => match self.decode(ctx) {
                    Some(Ctx::Scsi(idx)) => f(idx, None),
                    Some(Ctx::Internal(i)) => self.internal_reply(i, &[0; REPLY_SIZE]),
                    None => dev_err!(self.dev, "bad context reply {:#x}\n", ctx),
                },
                ReplyDescriptor::Address(low) => self.address_reply(low, &mut f),
            }
            n = n.saturating_add(1);
        }
        n
    }

    /// Reads the reply frame at `low`, hands it back to the free FIFO and
    /// passes a SCSI IO reply on.
    fn address_reply(&self, low: u32, f: &mut impl FnMut(u32, Option<&ScsiIoReply>)) {
        let Ok(i) = self.pool.index_of(low) else {
            dev_err!(
                self.dev,
                "address reply {:#x} outside the reply frames\n",
                low
            );
            return;
        };
        let Some(frame) = self.replies.reclaim(i as usize) else {
            dev_err!(
                self.dev,
                "address reply in reply frame {}, which was not free\n",
                i
            );
            return;
        };
        let mut buf = [0u8; REPLY_SIZE];
        let read = frame.read(0, &mut buf);
        frame.to_device();
        self.regs.free_reply(low);
        if read.is_err() {
            return;
        }
        let header = match ReplyHeader::parse(&buf) {
            Ok(h) => h,
            Err(e) => return dev_err!(self.dev, "malformed reply ({:?})\n", e),
        };
        match self.decode(header.msg_context) {
            Some(Ctx::Internal(i)) => self.internal_reply(i, &buf),
            Some(Ctx::Scsi(idx)) if header.function == FUNC_SCSI_IO => {
                match ScsiIoReply::parse(&buf) {
                    Ok(reply) => f(idx, Some(&reply)),
                    Err(e) => dev_err!(self.dev, "malformed SCSI IO reply ({:?})\n", e),
                }
            }
            _ => dev_info!(
                self.dev,
                "unexpected reply to function {:#x} (context {:#x}) ignored\n",
                header.function,
                header.msg_context
            ),
        }
    }

    /// What a reply's MsgContext names: a SCSI request slot (its blk-mq
    /// tag) or an internal one.
    fn decode(&self, ctx: u32) -> Option<Ctx> {
        let idx = decode_context(ctx, u32::try_from(self.slots.len()).ok()?).ok()?;
        match idx.checked_sub(self.can_queue()) {
            None => Some(Ctx::Scsi(idx)),
            Some(i) => Some(Ctx::Internal(i)),
        }
    }

    /// IOC reset: stop posting (wait for `queue_command`s in their posting
    /// section), message unit reset (the IOC drops every request and
    /// reply), escalating to a diagnostic reset; let `reclaim` give back
    /// the commands still outstanding, forget the slots and frames the IOC
    /// held, initialise it again, unmask replies and read the end devices'
    /// firmware addresses again before the gate reopens.
    pub(super) fn reset(&self, reclaim: impl FnOnce()) -> Result {
        let _g = self.internal.lock();
        let closed = self.gate.close();
        self.counters.resets.fetch_add(1, Relaxed);
        self.regs.write(r::HOST_INTERRUPT_MASK, r::HIM_MASK_ALL);
        self.regs.write(r::DOORBELL, r::DB_MESSAGE_UNIT_RESET);
        let mut ret = wait_state(&self.regs, IocState::Ready, STATE_TIMEOUT_MS);
        if ret.is_err() {
            diag_reset(&self.regs);
            ret = wait_state(&self.regs, IocState::Ready, STATE_TIMEOUT_MS);
        }
        if let Err(e) = ret {
            // Slots stay marked posted (the IOC may still write them) and
            // their commands parked; nothing is reused.
            self.dead.store(1, Release);
            dev_err!(
                self.dev,
                "IOC did not return to READY after reset: giving it up\n"
            );
            return Err(e);
        }
        // A handler that popped a reply before the reset finishes with it
        // first; the FIFO is empty now.
        drop(self.reply_lock.lock());
        reclaim();
        // Internal requests out now are never answered.
        for s in &self.mb_state {
            let _ = s.cmpxchg(MB_WAITING, MB_CANCELLED, Full);
        }
        self.slots.reset_device_owned();
        self.replies.reset_device_owned();
        self.regs.write(r::HOST_INTERRUPT_STATUS, 0);
        let ret = self.init();
        match ret {
            Ok(()) => {
                self.enable_interrupts();
                let post = Posting::Reset(&closed);
                self.sas.readdress(
                    |id, a, p: &mut [u8]| self.read_page_as(post, id, a, p),
                    &self.dev,
                );
            }
            Err(_) => self.dead.store(1, Release),
        }
        ret
    }
}

impl HbaController for Ioc {
    const ADAPTER: &'static str = "mptsas";

    fn counters(&self) -> &HbaCounters {
        &self.counters
    }

    fn in_fault(&self) -> bool {
        self.regs.doorbell().state == IocState::Fault
    }

    fn reset(&self, reclaim: impl FnOnce()) -> Result {
        Ioc::reset(self, reclaim)
    }
}

impl Ioc {
    /// Reboot or power-off (the PCI `shutdown` callback): a message unit
    /// reset takes the IOC back to READY, so it no longer reads request
    /// frames or writes replies and sense (a kexec'd kernel finds an idle
    /// chip). The SAS1068 has no write cache to flush. The DMA areas stay:
    /// the device is still bound.
    pub(crate) fn shutdown(&self) {
        self.regs.write(r::HOST_INTERRUPT_MASK, r::HIM_MASK_ALL);
        self.regs.write(r::DOORBELL, r::DB_MESSAGE_UNIT_RESET);
        match wait_state(&self.regs, IocState::Ready, STOP_TIMEOUT_MS) {
            Ok(()) => dev_info!(self.dev, "shutdown: IOC stopped (READY)\n"),
            Err(_) => dev_warn!(self.dev, "shutdown: the IOC did not reach READY\n"),
        }
    }
}

impl Drop for Ioc {
    /// The IOC may write reply frames, sense buffers and read request
    /// frames until it is reset: stop it before the DMA areas are freed (a
    /// probe that fails after IOC_INIT, or the end of remove). If it does
    /// not stop, the areas are leaked rather than handed back while the
    /// device may still use them.
    fn drop(&mut self) {
        if self.started.load(Acquire) == 0 {
            return;
        }
        self.regs.write(r::HOST_INTERRUPT_MASK, r::HIM_MASK_ALL);
        self.regs.write(r::DOORBELL, r::DB_MESSAGE_UNIT_RESET);
        if wait_state(&self.regs, IocState::Ready, STOP_TIMEOUT_MS).is_err() {
            dev_err!(self.dev, "IOC did not stop: leaking its DMA memory\n");
            core::mem::forget(core::mem::take(&mut self.slots));
            core::mem::forget(core::mem::take(&mut self.replies));
        }
    }
}
