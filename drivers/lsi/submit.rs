// SPDX-License-Identifier: GPL-2.0

//! A new command becomes a CCB: the messages (IDENTIFY, the queue tag, an
//! SDTR on a target's first command), the CDB, the data-move table
//! entries from the DMA-mapped scatter-gather list, then a start queue
//! entry and SIGP.

use super::host::{LsiHost, LsiOps, MAX_OFFSET, MIN_PERIOD, NEGO_NEEDED, NEGO_SENT};
use super::scripts::{
    layout::{self as l, SLOTS},
    msg,
};
use crate::common::{early::finish_early, stats::classify};
use crate::scsi::{CmdStatus, DataDirection, HostByte, NewCommand, QueueBusy, Requeue};
use kernel::{prelude::*, sync::atomic::Relaxed};

/// Builds the CCB of `cmd` in the slot of its tag and posts it.
pub(super) fn queue<'q>(host: &LsiHost, cmd: NewCommand<'q, LsiOps>) -> Result<(), Requeue<'q>> {
    let chip = &host.chip;
    // One hardware queue (`nr_hw_queues` 1): the low 16 bits are the
    // tag, which is the CCB slot.
    let tag = (cmd.unique_tag() & 0xffff) as usize;
    let dev = cmd.device();
    let (id, lun) = (dev.id(), dev.lun());
    if chip.is_dead() || lun > 7 || id > 15 || tag >= SLOTS {
        return finish_early(cmd, CmdStatus::host(HostByte::NoConnect));
    }
    let Some(mut slot) = chip.claim(tag) else {
        return Err(cmd.requeue(QueueBusy::Device));
    };
    let bus = chip.ccb_bus(tag);
    let tagged = dev.tagged();
    let mut msgout = [0u8; l::MSGOUT_LEN];
    let mut n = 0usize;
    let mut flags = if tagged { 0 } else { l::FLAG_UNTAGGED };
    let mut push = |b: u8, n: &mut usize| {
        if let Some(d) = msgout.get_mut(*n) {
            *d = b;
            *n += 1;
        }
    };
    push(
        msg::identify(lun as u8, host.settings.disconnect).unwrap_or(msg::IDENTIFY),
        &mut n,
    );
    if tagged {
        push(msg::SIMPLE_QUEUE_TAG, &mut n);
        push(tag as u8, &mut n);
    }
    if let Some(t) = host.target(id) {
        if host.settings.sync && t.nego.cmpxchg(NEGO_NEEDED, NEGO_SENT, Relaxed).is_ok() {
            let period = t.goal_period.load(Relaxed).clamp(MIN_PERIOD, 255) as u8;
            let offset = t.goal_offset.load(Relaxed).clamp(0, MAX_OFFSET) as u8;
            for b in msg::sdtr(period, offset) {
                push(b, &mut n);
            }
            flags |= l::FLAG_NEGOTIATE;
            chip.stats.negotiations.fetch_add(1, Relaxed);
        }
    }
    let cdb = cmd.cdb();
    let cdb_len = cdb.len().min(l::CDB_LEN);
    let kind = classify(cdb);
    let dir = cmd.data_direction();
    let xfer = if dir == DataDirection::None {
        0
    } else {
        cmd.transfer_len()
    };
    let mut hdr = [0u8; l::CCB_SG as usize];
    let labels = &chip.labels;
    let put = |h: &mut [u8], off: u32, v: u32| l::put_u32(h, off, v);
    put(&mut hdr, l::CCB_GO_START, labels.select);
    put(&mut hdr, l::CCB_GO_RESTART, labels.resume);
    put(&mut hdr, l::CCB_GOALP, labels.overrun);
    put(&mut hdr, l::CCB_SELECT, l::select_dword(id as u8, 0, 0));
    put(&mut hdr, l::CCB_MSGOUT_TBL, n as u32);
    put(&mut hdr, l::CCB_MSGOUT_TBL + 4, bus + l::CCB_MSGOUT);
    put(&mut hdr, l::CCB_CMD_TBL, cdb_len as u32);
    put(&mut hdr, l::CCB_CMD_TBL + 4, bus + l::CCB_CDB);
    put(&mut hdr, l::CCB_STATUS_TBL, 1);
    put(&mut hdr, l::CCB_STATUS_TBL + 4, bus + l::CCB_STATUS_BYTE);
    put(&mut hdr, l::CCB_MSGIN_TBL, 1);
    put(&mut hdr, l::CCB_MSGIN_TBL + 4, bus + l::CCB_MSGIN);
    put(&mut hdr, l::CCB_EXTIN_TBL, 1);
    put(&mut hdr, l::CCB_EXTIN_TBL + 4, bus + l::CCB_MSGIN + 1);
    put(&mut hdr, l::CCB_STATUS_BYTE, 0xff);
    put(&mut hdr, l::CCB_XFER_LEN, xfer);
    let mo = l::CCB_MSGOUT as usize;
    if let (Some(d), Some(s)) = (hdr.get_mut(mo..mo + n), msgout.get(..n)) {
        d.copy_from_slice(s);
    }
    let co = l::CCB_CDB as usize;
    if let (Some(d), Some(s)) = (hdr.get_mut(co..co + cdb_len), cdb.get(..cdb_len)) {
        d.copy_from_slice(s);
    }
    let array_end = match dir {
        DataDirection::FromDevice => Some(labels.data_in_end),
        DataDirection::ToDevice => Some(labels.data_out_end),
        DataDirection::None => None,
        DataDirection::Bidirectional => {
            drop(slot);
            return finish_early(cmd, CmdStatus::host(HostByte::Error));
        }
    };
    let mut cmd = cmd;
    let mut first = labels.overrun;
    if let Some(end) = array_end {
        let Ok(segs) = cmd.dma_map() else {
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let nseg = segs.size_hint().0;
        if nseg > l::SG_ENTRIES {
            drop(slot);
            return finish_early(cmd, CmdStatus::host(HostByte::Error));
        }
        let start = l::SG_ENTRIES - nseg;
        for (i, (addr, len)) in segs.enumerate() {
            let (Ok(addr), true) = (u32::try_from(addr), len <= l::MAX_SEGMENT) else {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            };
            let mut e = [0u8; 8];
            put(&mut e, 0, len);
            put(&mut e, 4, addr);
            let at = l::CCB_SG as usize + 8 * (start + i);
            if slot.write(at, &e).is_err() {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            }
        }
        first = end - 8 * nseg as u32;
    }
    put(&mut hdr, l::CCB_SAVEP, first);
    put(&mut hdr, l::CCB_LASTP, first);
    put(&mut hdr, l::CCB_FLAGS, flags);
    if slot.write(0, &hdr).is_err() {
        drop(slot);
        return finish_early(cmd, CmdStatus::host(HostByte::Error));
    }
    let mut q = chip.queue.lock();
    if !chip.has_room(&q) {
        drop(q);
        drop(slot);
        return Err(cmd.requeue(QueueBusy::Host));
    }
    if flags & l::FLAG_UNTAGGED != 0 {
        // One untagged command per target: reselection finds it by id.
        if chip.untagged_in_use(id) {
            drop(q);
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Target));
        }
        chip.set_untagged(id, Some(bus));
    }
    cmd.data().mark(&host.clock);
    if let Some(stats) = cmd.device().data() {
        stats.start();
        stats.count(kind, u64::from(xfer));
    }
    cmd.accept().park();
    chip.post(&mut q, slot);
    Ok(())
}
