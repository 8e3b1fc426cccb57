// SPDX-License-Identifier: GPL-2.0

//! One MegaRAID SAS controller: its DMA areas (command frames with their
//! sense buffers, the reply ring, a DCMD data buffer), the firmware
//! handshake, internal (polled) commands, the reply ring and the reset
//! sequence. Host-side SCSI logic is in `host.rs`.

use super::mfi::{
    self,
    abort::build_abort,
    ctrl_info::{CtrlInfo, CTRL_INFO_SIZE},
    dcmd::{build_dcmd, Dcmd},
    frame::{self as fr, Completion},
    init::{build_init, QueueInfo, QINFO_SIZE},
    ld_list::{LdList, LD_LIST_SIZE},
    pd_list::PdList,
    regs::{self as r, post_words, FwState},
    reply::{decode_context, encode_context, ReplyRing},
    MfiError,
};
use super::regs::Regs;
use crate::common::{
    counters::HbaCounters,
    hba_host::HbaController,
    reset_gate::{ResetGate, SubmitGuard},
};
use crate::dma::{DmaSlots, SlotMut};
use kernel::{
    device::{self, Bound},
    dma::Coherent,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{Acquire, Atomic, Relaxed, Release},
        barrier::{dma_mb, Read},
        Mutex, SpinLockIrq,
    },
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// Bytes per frame slot: QEMU maps 2 KiB at a frame's address, which must
/// not cross a page, so frames sit at offsets 0 and 2048 of a page.
pub(super) const SLOT_SIZE: usize = fr::FRAME_MAP_SIZE;
/// Offset of the command's sense buffer inside its slot (after the SGL).
pub(super) const SENSE_OFF: usize = 1536;
/// Sense bytes offered to the firmware.
pub(super) const SENSE_LEN: usize = crate::scsi::command::SENSE_BUFFER_SIZE;
/// Largest SCSI IO frame the driver builds: frames are built on the stack
/// and copied into their slot, so this bounds the stack buffer too.
pub(super) const MAX_FRAME: usize = 1024;
/// SG entries that fit in [`MAX_FRAME`] (QEMU offers 80).
pub(super) const MAX_SGE_FIT: u16 = ((MAX_FRAME - mfi::io::OFF_SGL) / mfi::sgl::SGE64_SIZE) as u16;
const _: () = assert!(MAX_FRAME <= SENSE_OFF);
/// Upper bound on SCSI commands per controller (memory: 2 KiB each).
const MAX_CMDS_CAP: u32 = 1024;
/// Reply ring area: queue info at word 0, producer at 8, consumer at 9,
/// entries from word 16.
const QINFO_WORD: usize = 0;
const PRODUCER_WORD: usize = 8;
const CONSUMER_WORD: usize = 9;
const RING_WORD: usize = 16;
/// DCMD data buffer size (CTRL_GET_INFO needs 2 KiB).
const DATA_BUF_SIZE: usize = 4096;
/// Polled internal commands give up after this long.
const INTERNAL_TIMEOUT_MS: i64 = 10_000;
/// Waiting for the firmware to reach READY.
const READY_TIMEOUT_MS: i64 = 20_000;
/// Waiting for the firmware to stop before its DMA memory is freed.
const STOP_TIMEOUT_MS: i64 = 5_000;

impl From<MfiError> for Error {
    fn from(_: MfiError) -> Self {
        EINVAL
    }
}

/// Model differences that matter to the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Model {
    /// SAS1078 (`megasas`, 1000:0060).
    Sas1078,
    /// SAS2108 (`megasas-gen2`, 1000:0079).
    Sas2108,
}

impl Model {
    fn omsk_enable(self) -> u32 {
        match self {
            Model::Sas1078 => r::OMSK_ENABLE_1078,
            Model::Sas2108 => r::OMSK_ENABLE_GEN2,
        }
    }

    pub(super) fn osts_reply(self) -> u32 {
        match self {
            Model::Sas1078 => r::OSTS_REPLY_1078,
            Model::Sas2108 => r::OSTS_REPLY_GEN2,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Model::Sas1078 => "SAS1078",
            Model::Sas2108 => "SAS2108",
        }
    }
}

/// A controller, initialised and operational (interrupts still masked until
/// [`Controller::enable_interrupts`]).
pub(crate) struct Controller {
    dev: ARef<device::Device>,
    regs: Regs,
    pub(crate) model: Model,
    /// `can_queue` SCSI frames (index = blk-mq tag) then the internal frame.
    frames: DmaSlots,
    /// `None` only when leaked on drop (see `Drop`).
    ring: Option<Coherent<[u32]>>,
    ring_geom: ReplyRing,
    ring_lock: Pin<KBox<SpinLockIrq<()>>>,
    data_buf: DmaSlots,
    /// Serialises internal commands and resets.
    internal: Pin<KBox<Mutex<()>>>,
    pub(crate) can_queue: u32,
    pub(crate) max_sge: u16,
    pub(crate) max_sectors: u32,
    pub(crate) info: CtrlInfo,
    /// Bit `t`: logical drive with target id `t` exists.
    ld_targets: Atomic<u64>,
    /// SAS address of the disk behind target id `t` (0: unknown), from
    /// PD_GET_LIST.
    sas_addrs: KVec<Atomic<u64>>,
    /// Closed while a reset runs (see [`Controller::begin_submit`]).
    gate: ResetGate,
    /// Set when a reset failed: the firmware state is unknown, interrupts
    /// stay masked, completions are ignored and new commands fail.
    dead: Atomic<i32>,
    /// Set once INIT handed the reply ring to the firmware: from then on the
    /// firmware may write the DMA areas, so drop must stop it first.
    fw_started: Atomic<i32>,
    /// Interrupts, resets, aborts (shared host attributes).
    pub(super) counters: HbaCounters,
}

fn ms_since(start: &Instant<Monotonic>) -> i64 {
    start.elapsed().as_millis()
}

impl Controller {
    /// Brings the firmware to READY, allocates the DMA areas, sends INIT and
    /// reads the controller information and logical drive list.
    pub(super) fn new(dev: &device::Device<Bound>, regs: Regs, model: Model) -> Result<Self> {
        wait_ready(&regs, dev)?;
        let st = regs.fw_status();
        let fw_cmds = u32::from(st.max_cmds);
        if fw_cmds < 4 {
            dev_err!(dev, "firmware reports {} commands, too few\n", fw_cmds);
            return Err(ENODEV);
        }
        // One frame stays free (more than fw_cmds-1 outstanding answer
        // BUSY), one is the internal frame.
        let can_queue = (fw_cmds - 2).min(MAX_CMDS_CAP);
        let ring_geom = ReplyRing::new(st.max_cmds)?;
        let frames = DmaSlots::new(dev, can_queue as usize + 1, SLOT_SIZE, 64 * 1024)?;
        // The coherent mask is 32 bits; posting relies on it (one IQP write).
        if !(0..frames.len()).all(|i| frames.dma_address(i).is_some_and(|a| a >> 32 == 0)) {
            dev_err!(dev, "command frames above 4 GiB\n");
            return Err(ENOMEM);
        }
        let ring = Coherent::<u32>::zeroed_slice(dev, RING_WORD + fw_cmds as usize, GFP_KERNEL)?;
        let data_buf = DmaSlots::new(dev, 1, DATA_BUF_SIZE, DATA_BUF_SIZE)?;
        let mut this = Self {
            dev: dev.into(),
            regs,
            model,
            frames,
            ring: Some(ring),
            ring_geom,
            ring_lock: KBox::pin_init(kernel::new_spinlock_irq!(()), GFP_KERNEL)?,
            data_buf,
            internal: KBox::pin_init(kernel::new_mutex!(()), GFP_KERNEL)?,
            can_queue,
            max_sge: u16::from(st.max_sge).clamp(1, MAX_SGE_FIT),
            max_sectors: 0,
            info: CtrlInfo::parse(&[0u8; CTRL_INFO_SIZE])?,
            ld_targets: Atomic::new(0),
            sas_addrs: {
                let mut v = KVec::with_capacity(64, GFP_KERNEL)?;
                for _ in 0..64 {
                    v.push(Atomic::new(0), GFP_KERNEL)?;
                }
                v
            },
            gate: ResetGate::new(),
            dead: Atomic::new(0),
            fw_started: Atomic::new(0),
            counters: HbaCounters::new(),
        };
        {
            let _g = this.internal.lock();
            this.init_firmware()?;
        }
        let info = this.ctrl_info()?;
        if info.max_cmds >= 4 {
            this.can_queue = this.can_queue.min(u32::from(info.max_cmds) - 2);
        }
        if info.max_sge > 0 {
            this.max_sge = this.max_sge.min(info.max_sge);
        }
        // Like megaraid_sas: no more than the SGL can describe with pages,
        // and no more than the firmware's request limit.
        let by_sgl =
            (u32::from(this.max_sge).saturating_sub(1)) * (kernel::page::PAGE_SIZE as u32 / 512);
        this.max_sectors = by_sgl.min(info.max_request_sectors.max(8));
        this.info = info;
        this.refresh_lds()?;
        // SAS addresses are informational: a firmware without the list
        // still works.
        if this.refresh_pds().is_err() {
            dev_warn!(this.dev, "PD_GET_LIST failed, no SAS addresses\n");
        }
        Ok(this)
    }

    /// SCSI frames (blk-mq tags `0..can_queue`).
    fn internal_index(&self) -> usize {
        self.can_queue as usize
    }

    pub(super) fn regs(&self) -> &Regs {
        &self.regs
    }

    pub(super) fn frames(&self) -> &DmaSlots {
        &self.frames
    }

    /// Whether a logical drive answers at `target`.
    pub(crate) fn has_ld(&self, target: u32) -> bool {
        target < 64 && self.ld_targets.load(Relaxed) & (1u64 << target) != 0
    }

    /// Number of logical drives.
    pub(crate) fn ld_count(&self) -> u32 {
        self.ld_targets.load(Relaxed).count_ones()
    }

    /// Whether a reset failed and the controller was given up.
    pub(super) fn is_dead(&self) -> bool {
        self.dead.load(Relaxed) != 0
    }

    pub(super) fn is_resetting(&self) -> bool {
        self.gate.is_resetting()
    }

    /// Enters the posting section of `queue_command`; `None` while a reset
    /// runs (the command is requeued).
    pub(super) fn begin_submit(&self) -> Option<SubmitGuard<'_>> {
        self.gate.begin_submit()
    }

    fn ring(&self) -> Result<&Coherent<[u32]>> {
        self.ring.as_ref().ok_or(ENODEV)
    }

    fn ring_addr(&self, word: usize) -> Result<u64> {
        let off = word.checked_mul(4).ok_or(EINVAL)? as u64;
        // `dma_addr_t` is `u32` on 32-bit configurations without 64-bit DMA
        // addressing: the conversion is only useless on this one.
        #[allow(clippy::useless_conversion)]
        let base = u64::from(self.ring()?.dma_address());
        base.checked_add(off).ok_or(EINVAL)
    }

    #[inline]
    fn ring_read(&self, word: usize) -> Result<u32> {
        Ok(kernel::io::io_read!(self.ring()?, [try: word]))
    }

    #[inline]
    fn ring_write(&self, word: usize, val: u32) -> Result {
        kernel::io::io_write!(self.ring()?, [try: word], val);
        Ok(())
    }

    /// Sends INIT with the reply ring (interrupts masked: the firmware
    /// completes it synchronously). Caller holds `internal`.
    fn init_firmware(&self) -> Result {
        self.regs.write(r::OMSK, r::OMSK_DISABLE_ALL);
        {
            let _g = self.ring_lock.lock();
            self.ring_write(PRODUCER_WORD, 0)?;
            self.ring_write(CONSUMER_WORD, 0)?;
        }
        let qinfo = QueueInfo::new(
            u16::try_from(self.ring_geom.entries()).map_err(|_| EINVAL)?,
            self.ring_addr(RING_WORD)?,
            self.ring_addr(PRODUCER_WORD)?,
            self.ring_addr(CONSUMER_WORD)?,
        );
        let mut buf = [0u8; QINFO_SIZE];
        qinfo.write(&mut buf)?;
        for (i, w) in buf.chunks_exact(4).enumerate() {
            self.ring_write(QINFO_WORD + i, u32::from_le_bytes([w[0], w[1], w[2], w[3]]))?;
        }
        let qinfo_addr = self.ring_addr(QINFO_WORD)?;
        // From the post on, the firmware may write the ring and frames.
        self.fw_started.store(1, Release);
        let status = self.run_internal(|f, ctx| build_init(f, ctx, qinfo_addr))?;
        if status != fr::STAT_OK {
            dev_err!(self.dev, "INIT failed, status {:#x}\n", status);
            return Err(EIO);
        }
        Ok(())
    }

    /// Clears pending INTx state and unmasks completion interrupts.
    pub(crate) fn enable_interrupts(&self) {
        self.regs.write(r::ODCR0, r::ODCR_CLEAR_ALL);
        self.regs.write(r::OMSK, self.model.omsk_enable());
    }

    /// Builds an internal frame with `build`, posts it and polls its status
    /// (QEMU completes internal frames inside the posting write). Caller
    /// holds `internal` (or is probing). Returns the MFI status.
    fn run_internal(
        &self,
        build: impl FnOnce(&mut [u8], u32) -> Result<usize, MfiError>,
    ) -> Result<u8> {
        let idx = self.internal_index();
        // A previous internal command that timed out leaves its frame with
        // the firmware: only a reset frees it.
        let mut slot = self.frames.claim(idx).ok_or(EBUSY)?;
        let mut frame = [0u8; fr::FRAME_SIZE];
        let size = build(
            &mut frame,
            encode_context(u32::try_from(idx).map_err(|_| EINVAL)?),
        )?;
        slot.write(0, frame.get(..size).ok_or(EINVAL)?)?;
        let words = post_words(slot.dma_address(), size)?;
        slot.to_device();
        self.regs.post(words);
        let start = Instant::<Monotonic>::now();
        loop {
            let status = self
                .frames
                .peek_u8(idx, fr::OFF_CMD_STATUS)
                .unwrap_or(fr::STAT_PENDING);
            if status != fr::STAT_PENDING {
                // The firmware wrote the status last: it is done with the
                // frame. Reads of what it wrote before (the frame, a DCMD's
                // data) come after this one.
                dma_mb(Read);
                drop(self.frames.reclaim(idx));
                return Ok(status);
            }
            if ms_since(&start) > INTERNAL_TIMEOUT_MS {
                dev_err!(self.dev, "internal command timed out\n");
                return Err(ETIMEDOUT);
            }
            fsleep(Delta::from_micros(100));
        }
    }

    /// Runs a DCMD reading up to `len` bytes; `parse` gets the data.
    fn dcmd_read<R>(
        &self,
        make: impl FnOnce(u64) -> Dcmd,
        len: usize,
        parse: impl FnOnce(&[u8]) -> Result<R>,
    ) -> Result<R> {
        let mut buf = KVec::from_elem(0u8, len.min(DATA_BUF_SIZE), GFP_KERNEL)?;
        {
            let _g = self.internal.lock();
            let mut data: SlotMut<'_> = self.data_buf.claim(0).ok_or(EBUSY)?;
            let addr = data.dma_address();
            data.fill(0, DATA_BUF_SIZE, 0)?;
            let dcmd = make(addr);
            let status = self.run_internal(|f, ctx| build_dcmd(f, ctx, &dcmd))?;
            if status != fr::STAT_OK {
                dev_err!(
                    self.dev,
                    "DCMD {:#010x} failed, status {:#x}\n",
                    dcmd.opcode,
                    status
                );
                return Err(EIO);
            }
            data.read(0, &mut buf)?;
        }
        parse(&buf)
    }

    /// Runs a DCMD without data.
    pub(crate) fn dcmd(&self, dcmd: Dcmd) -> Result {
        let _g = self.internal.lock();
        let status = self.run_internal(|f, ctx| build_dcmd(f, ctx, &dcmd))?;
        if status != fr::STAT_OK {
            return Err(EIO);
        }
        Ok(())
    }

    fn ctrl_info(&self) -> Result<CtrlInfo> {
        self.dcmd_read(Dcmd::ctrl_get_info, CTRL_INFO_SIZE, |b| {
            Ok(CtrlInfo::parse(b)?)
        })
    }

    /// Re-reads the logical drive list.
    pub(crate) fn refresh_lds(&self) -> Result {
        let map = self.dcmd_read(Dcmd::ld_get_list, LD_LIST_SIZE, |b| {
            let list = LdList::parse(b)?;
            let mut map = 0u64;
            for ld in list.iter() {
                if ld.state.is_usable() && ld.target_id < 64 {
                    map |= 1u64 << ld.target_id;
                }
            }
            Ok(map)
        })?;
        self.ld_targets.store(map, Relaxed);
        Ok(())
    }

    /// Re-reads the physical device list (SAS addresses by target id).
    pub(crate) fn refresh_pds(&self) -> Result {
        let mut addrs = [0u64; 64];
        self.dcmd_read(
            |a| Dcmd::pd_get_list(a, DATA_BUF_SIZE as u32),
            DATA_BUF_SIZE,
            |b| {
                for pd in PdList::parse(b)?.iter() {
                    if let Some(slot) = addrs.get_mut(usize::from(pd.scsi_id)) {
                        if pd.lun == 0 {
                            *slot = pd.sas_addr;
                        }
                    }
                }
                Ok(())
            },
        )?;
        for (a, v) in self.sas_addrs.iter().zip(addrs) {
            a.store(v, Relaxed);
        }
        Ok(())
    }

    /// SAS address of the disk at `target` (0 when unknown).
    pub(crate) fn sas_address(&self, target: u32) -> u64 {
        self.sas_addrs
            .get(target as usize)
            .map_or(0, |a| a.load(Relaxed))
    }

    /// Asks the firmware to abort the SCSI frame of tag `tag`.
    pub(super) fn abort_frame(&self, tag: u32) -> Result {
        if self.is_resetting() {
            return Err(EBUSY);
        }
        let victim = self.frames.dma_address(tag as usize).ok_or(EINVAL)?;
        let _g = self.internal.lock();
        let status =
            self.run_internal(|f, ctx| build_abort(f, ctx, encode_context(tag), victim))?;
        self.counters.aborts.fetch_add(1, Relaxed);
        match status {
            fr::STAT_OK => Ok(()),
            _ => Err(EIO),
        }
    }

    /// Consumes the reply ring: `f` gets each SCSI frame index that
    /// completed (internal frames are polled, not reported). Returns the
    /// number of entries consumed.
    pub(super) fn drain_replies(&self, mut f: impl FnMut(u32)) -> u32 {
        if self.is_dead() {
            return 0;
        }
        let _g = self.ring_lock.lock();
        let (Ok(producer), Ok(consumer)) =
            (self.ring_read(PRODUCER_WORD), self.ring_read(CONSUMER_WORD))
        else {
            return 0;
        };
        // The firmware writes the entries (and their frames) before it
        // moves the producer: read them only after the producer.
        dma_mb(Read);
        let Ok(drain) = self.ring_geom.drain(producer, consumer) else {
            dev_err!(
                self.dev,
                "reply ring indices out of range ({}, {})\n",
                producer,
                consumer
            );
            return 0;
        };
        let mut n = 0u32;
        for slot in drain {
            n = n.saturating_add(1);
            let Ok(ctx) = self.ring_read(RING_WORD + slot as usize) else {
                continue;
            };
            match decode_context(ctx, self.can_queue + 1) {
                Ok(idx) if idx < self.can_queue => f(idx),
                Ok(_) => {}
                Err(_) => dev_err!(self.dev, "bad reply context {:#x}\n", ctx),
            }
        }
        if n > 0 {
            let _ = self.ring_write(CONSUMER_WORD, producer);
        }
        n
    }

    /// Takes back a SCSI frame the firmware reported done and reads its
    /// completion; the frame (with the sense the firmware wrote at
    /// [`SENSE_OFF`]) stays the caller's until it drops it.
    pub(super) fn complete_frame(&self, idx: u32) -> Option<(Completion, SlotMut<'_>)> {
        let slot = self.frames.reclaim(idx as usize)?;
        const { assert!(fr::COMPLETION_BYTES == 4) };
        let done = Completion::from_frame(&slot.read_word32(0).ok()?).ok()?;
        Some((done, slot))
    }

    /// Controller reset: stop posting (wait for `queue_command`s in their
    /// posting section), soft reset (the firmware cancels every frame), wait
    /// for READY, let `reclaim` give back commands still outstanding, forget
    /// frames still marked posted, re-send INIT and unmask interrupts.
    pub(super) fn reset(&self, reclaim: impl FnOnce()) -> Result {
        let _g = self.internal.lock();
        let _closed = self.gate.close();
        self.counters.resets.fetch_add(1, Relaxed);
        // IDB READY: QEMU cancels everything and drops to READY; masking
        // interrupts afterwards keeps the old ring quiet.
        self.regs.write(r::IDB, r::IDB_READY);
        let mut ret = wait_ready_quiet(&self.regs, READY_TIMEOUT_MS);
        if ret.is_err() {
            // Escalate to the adapter reset sequence.
            for w in r::ADP_RESET_SEQ {
                self.regs.write(r::SEQ, w);
            }
            self.regs
                .write(r::DIAG, r::DIAG_WRITE_ENABLE | r::DIAG_RESET_ADAPTER);
            ret = wait_ready_quiet(&self.regs, READY_TIMEOUT_MS);
        }
        if let Err(e) = ret {
            // Frames stay marked posted (the firmware may still write
            // them) and their commands parked; nothing is reused.
            self.regs.write(r::OMSK, r::OMSK_DISABLE_ALL);
            self.dead.store(1, Release);
            dev_err!(
                self.dev,
                "controller did not return to READY after reset: giving it up\n"
            );
            return Err(e);
        }
        // Give completions of cancelled frames a moment to be consumed.
        let start = Instant::<Monotonic>::now();
        while (0..self.can_queue as usize).any(|i| self.frames.is_with_device(i))
            && ms_since(&start) < 500
        {
            fsleep(Delta::from_millis(1));
        }
        // The firmware is at READY: it holds no frame any more.
        reclaim();
        self.frames.reset_device_owned();
        let ret = self.init_firmware();
        if ret.is_ok() {
            self.enable_interrupts();
        }
        ret
    }

    /// Flushes caches and shuts the firmware down (remove, shutdown).
    pub(crate) fn shutdown(&self) {
        // A dead or faulted firmware would time out each DCMD (10 s).
        if self.is_dead() || HbaController::in_fault(self) {
            dev_warn!(
                self.dev,
                "firmware not operational: no cache flush at shutdown\n"
            );
            self.regs.write(r::OMSK, r::OMSK_DISABLE_ALL);
            return;
        }
        if self.dcmd(Dcmd::cache_flush()).is_err() {
            dev_warn!(self.dev, "cache flush failed\n");
        }
        if self.dcmd(Dcmd::shutdown()).is_err() {
            dev_warn!(self.dev, "shutdown DCMD failed\n");
        }
        self.regs.write(r::OMSK, r::OMSK_DISABLE_ALL);
    }
}

impl HbaController for Controller {
    const ADAPTER: &'static str = "megasas";

    fn counters(&self) -> &HbaCounters {
        &self.counters
    }

    fn in_fault(&self) -> bool {
        self.regs.fw_status().state == FwState::Fault
    }

    fn reset(&self, reclaim: impl FnOnce()) -> Result {
        Controller::reset(self, reclaim)
    }
}

impl Drop for Controller {
    /// The firmware may write the reply ring and any frame until it is
    /// back at READY: stop it before the DMA areas are freed (a probe that
    /// fails after INIT, or the end of remove). If it does not stop, the
    /// areas are leaked rather than handed back while the device may
    /// still write them.
    fn drop(&mut self) {
        if self.fw_started.load(Acquire) == 0 {
            return;
        }
        self.regs.write(r::OMSK, r::OMSK_DISABLE_ALL);
        self.regs.write(r::IDB, r::IDB_READY);
        if wait_ready_quiet(&self.regs, STOP_TIMEOUT_MS).is_err() {
            dev_err!(self.dev, "firmware did not stop: leaking its DMA memory\n");
            core::mem::forget(core::mem::take(&mut self.frames));
            core::mem::forget(core::mem::take(&mut self.data_buf));
            core::mem::forget(self.ring.take());
        }
    }
}

/// Brings the firmware to READY from whatever state the BIOS or a previous
/// driver left it in (OPERATIONAL: soft reset; FAULT: adapter reset).
fn wait_ready(regs: &Regs, dev: &device::Device<Bound>) -> Result {
    let st = regs.fw_status();
    match st.state {
        FwState::Ready => return Ok(()),
        FwState::Fault => {
            dev_warn!(dev, "firmware in FAULT at probe, resetting the adapter\n");
            for w in r::ADP_RESET_SEQ {
                regs.write(r::SEQ, w);
            }
            regs.write(r::DIAG, r::DIAG_WRITE_ENABLE | r::DIAG_RESET_ADAPTER);
        }
        _ => regs.write(r::IDB, r::IDB_READY),
    }
    wait_ready_quiet(regs, READY_TIMEOUT_MS).inspect_err(|_| {
        dev_err!(
            dev,
            "firmware did not become READY (status {:#010x})\n",
            regs.read(r::OSP0)
        );
    })
}

fn wait_ready_quiet(regs: &Regs, timeout_ms: i64) -> Result {
    let start = Instant::<Monotonic>::now();
    loop {
        if regs.fw_status().state == FwState::Ready {
            return Ok(());
        }
        if ms_since(&start) > timeout_ms {
            return Err(ETIMEDOUT);
        }
        fsleep(Delta::from_millis(1));
    }
}
