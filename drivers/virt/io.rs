// SPDX-License-Identifier: GPL-2.0

//! Executes one SCSI command against a virtual LUN: decode (pure logic in
//! `emulation`), then move data between the command's scatter-gather list
//! and the LUN's sparse store.
//!
//! What the caller (`queue_command`) must do with [`execute`]'s result:
//! `Ok(status)` is the status to complete the command with. `Err(NoMemory)`
//! means a page for written data could not be allocated without sleeping.
//! That is transient (the failed allocation woke kswapd), so the command is
//! retried, not failed: the caller undoes what it did to admit the command,
//! since a requeued command never reaches `command_finished` (decrement the
//! target's busy count; take back the LUN's outstanding count of
//! `IoStats::start`, or start the statistics only after `execute`
//! succeeded), then returns `Err(cmd.requeue(QueueBusy::Host))`. Nothing was
//! reported then (no status, sense, residual or statistics, and no unit
//! attention consumed: a pending one fails the command before any write),
//! and the retry rewrites whatever part of the data was already stored:
//! WRITE and WRITE SAME store the same bytes when run again.
//!
//! With a write-back cache ([`LunCache`]), a WRITE or WRITE SAME with WCE
//! on and without FUA stays in the cache (the store saves the pages'
//! durable content first); SYNCHRONIZE CACHE, a READ with FUA and MODE
//! SELECT turning WCE off destage the LUN's pages they cover. UNMAP is
//! durable at once. A retried write is cached again the same way.

use super::{
    adapter::VirtAdapter,
    emulation::{self, Command as Cdb, LunConfig},
    lun::VirtLun,
    wcache::LunCache,
};
use crate::common::stats::CmdKind;
use crate::proto::sense::{self, Sense, SenseKey};
use crate::scsi::{CmdStatus, NewCommand, SgChunkDir};
use crate::storage::Persist;
use kernel::prelude::*;

/// Page allocations on the I/O path must not sleep (queuecommand may run in
/// atomic context) and must not warn: failure makes [`execute`] return
/// [`NoMemory`] and the command is retried.
fn io_gfp() -> kernel::alloc::Flags {
    GFP_NOWAIT | __GFP_NOWARN
}

/// Sense data of the failed command, recorded into the command.
fn check_condition(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    s: &Sense,
    desc: bool,
) -> CmdStatus {
    let buf = cmd.sense_buffer_mut();
    if desc {
        s.write_descriptor(buf);
    } else {
        s.write_fixed(buf);
    }
    lun.stats.error(s.key as u8);
    CmdStatus::CHECK_CONDITION
}

/// Completes nothing: records CHECK CONDITION with `sense` in the LUN's
/// sense format (a fault rule's).
pub(crate) fn fail_with_sense(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    sense: &Sense,
) -> CmdStatus {
    check_condition(cmd, lun, sense, lun.config().d_sense)
}

/// The store could not allocate a page without sleeping: requeue the
/// command with host busy (see the module documentation).
pub(crate) struct NoMemory;

/// Why [`run`] stopped before the command succeeded.
enum Stop {
    /// CHECK CONDITION with this sense data.
    Check(Sense),
    /// Out of memory for now: retry the whole command later.
    NoMemory,
}

impl From<Sense> for Stop {
    fn from(s: Sense) -> Self {
        Stop::Check(s)
    }
}

/// Runs `cdb` on `lun`; returns the status to complete the command with, or
/// [`NoMemory`] when it must be requeued.
pub(crate) fn execute(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    luns: &[u64],
    wc: &LunCache<'_>,
) -> Result<CmdStatus, NoMemory> {
    let cfg = lun.config();
    let mut cdb = [0u8; 32];
    let cdb_len = cmd.cdb().len().min(cdb.len());
    cdb[..cdb_len].copy_from_slice(&cmd.cdb()[..cdb_len]);
    let result = emulation::decode(&cdb[..cdb_len], &cfg)
        .map_err(Stop::Check)
        .and_then(|op| {
            if !op.skips_unit_attention() {
                if let Some(ua) = lun.take_unit_attention() {
                    return Err(Stop::Check(ua));
                }
            }
            if lun.stopped() && op.needs_medium() {
                return Err(Stop::Check(emulation::NOT_READY_SENSE));
            }
            run(cmd, lun, &cfg, &op, luns, wc)
        });
    match result {
        Ok(()) => Ok(CmdStatus::GOOD),
        Err(Stop::Check(s)) => Ok(check_condition(cmd, lun, &s, cfg.d_sense)),
        Err(Stop::NoMemory) => Err(NoMemory),
    }
}

fn byte_pos(cfg: &LunConfig, lba: u64) -> u64 {
    lba.saturating_mul(u64::from(cfg.block_size))
}

fn blocks_len(cfg: &LunConfig, blocks: u32) -> usize {
    (blocks as usize).saturating_mul(cfg.block_size as usize)
}

fn medium_error() -> Sense {
    Sense::new(SenseKey::MediumError, sense::UNRECOVERED_READ_ERROR)
}

/// A failed store write: allocation failure (the only one possible once
/// decode has checked the range) is retried; anything else is reported.
fn write_failed(e: Error) -> Stop {
    if e == ENOMEM {
        Stop::NoMemory
    } else {
        Stop::Check(Sense::new(SenseKey::MediumError, sense::WRITE_ERROR))
    }
}

fn run(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    cfg: &LunConfig,
    op: &Cdb,
    luns: &[u64],
    wc: &LunCache<'_>,
) -> Result<(), Stop> {
    match *op {
        Cdb::Read { lba, blocks, fua } => {
            // SBC: a newer cached version is written to the medium first.
            if fua && blocks > 0 {
                wc.sync(cfg, lba, blocks.into(), false);
            }
            let len = blocks_len(cfg, blocks).min(cmd.transfer_len() as usize);
            let base = byte_pos(cfg, lba);
            cmd.for_each_sg_chunk(SgChunkDir::ToSg, 0, |off, chunk| {
                let n = len.saturating_sub(off);
                // Past the transfer (a buffer longer than the CDB's
                // blocks): nothing to move, and the position may lie past
                // the end of the store.
                if n == 0 {
                    return Ok(());
                }
                lun.store
                    .read_chunk(base.saturating_add(off as u64), chunk, n)
                    .map_err(|_| medium_error())
            })?;
            cmd.set_resid((cmd.transfer_len() as usize).saturating_sub(len) as u32);
            lun.stats.count(CmdKind::Read, len as u64);
        }
        Cdb::Write { lba, blocks, fua } => {
            let len = blocks_len(cfg, blocks).min(cmd.transfer_len() as usize);
            let base = byte_pos(cfg, lba);
            let cached = wc.prepare_write(cfg, fua, base, len as u64);
            let admit = |page| wc.admit(page);
            let persist = wc.persist(cached, &admit);
            write_data(cmd, lun, cfg, base, len, persist)?;
            wc.write_done(cfg, lun.config().write_cache, cached, lba, blocks.into());
            cmd.set_resid((cmd.transfer_len() as usize).saturating_sub(len) as u32);
            lun.stats.count(CmdKind::Write, len as u64);
        }
        Cdb::Verify {
            lba,
            blocks,
            bytchk,
        } => {
            if bytchk != 0 {
                verify_bytes(cmd, lun, cfg, lba, blocks, bytchk)?;
            }
            lun.stats.count(CmdKind::Other, 0);
        }
        Cdb::WriteSame {
            lba,
            blocks,
            unmap,
            ndob,
        } => {
            write_same(cmd, lun, cfg, wc, (lba, blocks), unmap, ndob)?;
            lun.stats.count(CmdKind::Write, 0);
        }
        Cdb::Unmap { param_len, .. } => {
            let mut list = [0u8; 8 + 16 * 64];
            let n = usize::from(param_len)
                .min(list.len())
                .min(cmd.transfer_len() as usize);
            let got = cmd.copy_from_sg(0, &mut list[..n]);
            emulation::parse_unmap(cfg, &list[..got], |lba, blocks| {
                lun.store
                    .discard(byte_pos(cfg, lba), blocks_len(cfg, blocks) as u64)
                    .map_err(|_| Sense::illegal(sense::LBA_OUT_OF_RANGE))
            })?;
            lun.stats.count(CmdKind::Other, 0);
        }
        Cdb::ModeSelect { ten, param_len, .. } => {
            let mut list = [0u8; 256];
            let n = usize::from(param_len)
                .min(list.len())
                .min(cmd.transfer_len() as usize);
            let got = cmd.copy_from_sg(0, &mut list[..n]);
            let outcome = emulation::parse_mode_select(cfg, ten, &list[..got])?;
            lun.set_mode(outcome.write_cache, outcome.d_sense);
            if cfg.write_cache && !outcome.write_cache {
                // From now on every write is durable: so is what is cached.
                wc.sync(cfg, 0, 0, false);
            }
            lun.stats.count(CmdKind::Other, 0);
        }
        Cdb::StartStopUnit { start, .. } => {
            lun.set_stopped(!start);
            lun.stats.count(CmdKind::Other, 0);
        }
        Cdb::SyncCache { lba, blocks, .. } => {
            wc.sync(cfg, lba, blocks.into(), true);
            lun.stats.count(CmdKind::Other, 0);
        }
        Cdb::TestUnitReady => lun.stats.count(CmdKind::Other, 0),
        Cdb::RequestSense { .. } => {
            // The only deferred condition a LUN holds is its unit attention.
            let pending = lun.take_unit_attention();
            respond(cmd, lun, cfg, op, luns, pending.as_ref())?;
        }
        _ => respond(cmd, lun, cfg, op, luns, None)?,
    }
    Ok(())
}

/// Data-in responses built by the emulation and copied to the buffer.
/// Not inlined: its 1 KiB response buffer stays off the READ/WRITE path's frame.
#[inline(never)]
fn respond(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    cfg: &LunConfig,
    op: &Cdb,
    luns: &[u64],
    pending: Option<&Sense>,
) -> Result<(), Sense> {
    let mut buf = [0u8; 1024];
    let full = emulation::respond_data_in(op, cfg, luns, pending, &mut buf)?;
    let n = full
        .min(buf.len())
        .min(op.transfer_len(cfg.block_size) as usize)
        .min(cmd.transfer_len() as usize);
    let copied = cmd.copy_to_sg(0, &buf[..n]);
    cmd.set_resid(cmd.transfer_len().saturating_sub(copied as u32));
    lun.stats.count(CmdKind::Other, 0);
    Ok(())
}

/// Bytes compared per step: keeps the stack small (kernel stacks are
/// 16 KiB) whatever the block size.
const PIECE: usize = 256;

fn verify_bytes(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    cfg: &LunConfig,
    lba: u64,
    blocks: u32,
    bytchk: u8,
) -> Result<(), Sense> {
    let bs = cfg.block_size as usize;
    let mut want = [0u8; PIECE];
    let mut have = [0u8; PIECE];
    for i in 0..u64::from(blocks) {
        // BYTCHK 3: one data-out block compared against every block.
        let src = if bytchk == 3 {
            0
        } else {
            (i as usize).saturating_mul(bs)
        };
        let dst = byte_pos(cfg, lba.saturating_add(i));
        for off in (0..bs).step_by(PIECE) {
            let n = PIECE.min(bs - off);
            if cmd.copy_from_sg(src.saturating_add(off), &mut want[..n]) != n {
                return Err(Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR));
            }
            lun.store
                .read(dst.saturating_add(off as u64), &mut have[..n])
                .map_err(|_| medium_error())?;
            if want[..n] != have[..n] {
                return Err(
                    Sense::new(SenseKey::Miscompare, sense::MISCOMPARE_DURING_VERIFY)
                        .with_info(lba.saturating_add(i)),
                );
            }
        }
    }
    Ok(())
}

/// Bytes per page of the stores; a block (512 or 4096 bytes) never
/// crosses one.
const STORE_PAGE: usize = emulation::wcache::PAGE_BYTES as usize;

/// Stores the first `len` bytes of a WRITE's data at byte `base`, each
/// block with one store call, so one hold of its page's lock: a block
/// split across two chunks of the buffer (a 4096-byte block in a buffer
/// aligned to 512 bytes) is gathered first, so that a destage between
/// its halves cannot leave it torn after a cut.
fn write_data(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    cfg: &LunConfig,
    base: u64,
    len: usize,
    persist: Persist<'_>,
) -> Result<(), Stop> {
    let bs = (cfg.block_size as usize).max(1);
    // The split block: its bytes so far, and its offset in the data.
    let mut split: Option<KVec<u8>> = None;
    let (mut filled, mut split_at) = (0usize, 0usize);
    let store = |at: usize, data: &[u8]| {
        lun.store
            .write(base.saturating_add(at as u64), data, io_gfp(), persist)
            .map_err(write_failed)
    };
    cmd.for_each_sg_chunk(SgChunkDir::FromSg, 0, |off, chunk| {
        let n = len.saturating_sub(off).min(chunk.len());
        let mut done = 0;
        if let Some(buf) = split.as_mut().filter(|_| filled > 0) {
            // The rest of the block begun in the previous chunk.
            let want = bs.saturating_sub(filled).min(n);
            done = chunk.read(
                0,
                buf.get_mut(filled..filled.saturating_add(want))
                    .unwrap_or(&mut []),
            );
            filled = filled.saturating_add(done);
            if filled == bs {
                store(split_at, buf.get(..bs).unwrap_or(&[]))?;
                filled = 0;
            }
        }
        let whole = n.saturating_sub(done) / bs * bs;
        if whole > 0 {
            lun.store
                .write_chunk(
                    base.saturating_add(off.saturating_add(done) as u64),
                    chunk,
                    done,
                    whole,
                    io_gfp(),
                    persist,
                )
                .map_err(write_failed)?;
            done = done.saturating_add(whole);
        }
        if done < n {
            // A block the next chunk ends.
            if split.is_none() {
                split = Some(KVec::from_elem(0u8, bs, io_gfp()).map_err(|_| Stop::NoMemory)?);
            }
            let buf = split.as_mut().ok_or(Stop::NoMemory)?;
            filled = chunk.read(
                done,
                buf.get_mut(..n.saturating_sub(done)).unwrap_or(&mut []),
            );
            split_at = off.saturating_add(done);
        }
        Ok::<(), Stop>(())
    })?;
    // A data buffer that ends inside a block: what it has.
    match split.as_ref() {
        Some(buf) if filled > 0 => store(split_at, buf.get(..filled).unwrap_or(&[])),
        _ => Ok(()),
    }
}

fn write_same(
    cmd: &mut NewCommand<'_, VirtAdapter>,
    lun: &VirtLun,
    cfg: &LunConfig,
    wc: &LunCache<'_>,
    (lba, blocks): (u64, u32),
    unmap: bool,
    ndob: bool,
) -> Result<(), Stop> {
    let bs = cfg.block_size as usize;
    // A store page of the block repeated: the range is then written a
    // whole store page per call, one hold of its lock, so that a destage
    // cannot land between two parts of a block (a cut would tear it).
    let mut page = KVec::from_elem(0u8, STORE_PAGE, io_gfp()).map_err(|_| Stop::NoMemory)?;
    let (block, rest) = page.split_at_mut(bs.min(STORE_PAGE));
    // The data-out block (none with NDOB: zeros).
    if !ndob && cmd.copy_from_sg(0, block) != bs {
        return Err(Sense::illegal(sense::PARAMETER_LIST_LENGTH_ERROR).into());
    }
    if (unmap || ndob) && block.iter().all(|&b| b == 0) {
        // Unmapped blocks read back as zeros (LBPRZ), so deallocate.
        return lun
            .store
            .discard(byte_pos(cfg, lba), blocks_len(cfg, blocks) as u64)
            .map_err(|_| Sense::illegal(sense::LBA_OUT_OF_RANGE).into());
    }
    for copy in rest.chunks_exact_mut(bs.max(1)) {
        copy.copy_from_slice(block);
    }
    let base = byte_pos(cfg, lba);
    let end = base.saturating_add(blocks_len(cfg, blocks) as u64);
    let cached = wc.prepare_write(cfg, false, base, end.saturating_sub(base));
    let admit = |page| wc.admit(page);
    let persist = wc.persist(cached, &admit);
    let mut at = base;
    while at < end {
        // Blocks divide store pages, so `at` and `n` are whole blocks and
        // the pattern starts at the page buffer's start.
        let n = (STORE_PAGE as u64 - at % STORE_PAGE as u64).min(end.saturating_sub(at)) as usize;
        let data = page.get(..n).unwrap_or(&[]);
        lun.store
            .write(at, data, io_gfp(), persist)
            .map_err(write_failed)?;
        at = at.saturating_add(n as u64);
    }
    wc.write_done(cfg, lun.config().write_cache, cached, lba, blocks.into());
    Ok(())
}
