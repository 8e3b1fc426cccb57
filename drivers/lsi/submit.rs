// SPDX-License-Identifier: GPL-2.0

//! A new command becomes a CCB: the messages (IDENTIFY, the queue tag, an
//! SDTR on a target's first command), the CDB, the data-move table
//! entries from the DMA-mapped scatter-gather list, then a start queue
//! entry and SIGP.

use super::host::{LsiHost, LsiOps, MAX_OFFSET, MIN_PERIOD, NEGO_NEEDED, NEGO_SENT};
use super::scripts::{
    ccb::{self, DataMoves},
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
    // The CDB is copied out first: mapping the data borrows the command.
    let mut cdb = [0u8; l::CDB_LEN];
    let cdb_len = cmd.cdb().len().min(l::CDB_LEN);
    if let (Some(d), Some(s)) = (cdb.get_mut(..cdb_len), cmd.cdb().get(..cdb_len)) {
        d.copy_from_slice(s);
    }
    let kind = classify(cmd.cdb());
    let dir = cmd.data_direction();
    let xfer = if dir == DataDirection::None {
        0
    } else {
        cmd.transfer_len()
    };
    let data_in = match dir {
        DataDirection::FromDevice => Some(true),
        DataDirection::ToDevice => Some(false),
        DataDirection::None => None,
        DataDirection::Bidirectional => {
            drop(slot);
            return finish_early(cmd, CmdStatus::host(HostByte::Error));
        }
    };
    let mut cmd = cmd;
    let mut data = DataMoves::None;
    if let Some(data_in) = data_in {
        let Ok(segs) = cmd.dma_map() else {
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Host));
        };
        let nseg = segs.size_hint().0;
        for (i, (addr, len)) in segs.enumerate() {
            let (Ok(addr), true, Some(at)) = (
                u32::try_from(addr),
                len <= l::MAX_SEGMENT,
                ccb::sg_entry(nseg, i),
            ) else {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            };
            let [count, addr] = l::table_entry(len, addr);
            let mut e = [0u8; 8];
            l::put_u32(&mut e, 0, count);
            l::put_u32(&mut e, 4, addr);
            if slot.write(at as usize, &e).is_err() {
                drop(slot);
                return finish_early(cmd, CmdStatus::host(HostByte::Error));
            }
        }
        data = if data_in {
            DataMoves::In(nseg)
        } else {
            DataMoves::Out(nseg)
        };
    }
    // The negotiation is claimed last: a command that fails from here on
    // hands it back to the target's next command.
    let mut negotiating = false;
    if let Some(t) = host.target(id) {
        if host.settings.sync && t.nego.cmpxchg(NEGO_NEEDED, NEGO_SENT, Relaxed).is_ok() {
            let period = t.goal_period.load(Relaxed).clamp(MIN_PERIOD, 255) as u8;
            let offset = t.goal_offset.load(Relaxed).clamp(0, MAX_OFFSET) as u8;
            for b in msg::sdtr(period, offset) {
                push(b, &mut n);
            }
            flags |= l::FLAG_NEGOTIATE;
            negotiating = true;
        }
    }
    let give_back_nego = || {
        if negotiating {
            host.renegotiate(id);
        }
    };
    let job = ccb::Job {
        id: id as u8,
        msgout: msgout.get(..n).unwrap_or(&[]),
        cdb: cdb.get(..cdb_len).unwrap_or(&[]),
        xfer,
        flags,
        data,
    };
    let written = ccb::header(&chip.labels, bus, &job).map(|hdr| slot.write(0, &hdr));
    if !matches!(written, Some(Ok(()))) {
        give_back_nego();
        drop(slot);
        return finish_early(cmd, CmdStatus::host(HostByte::Error));
    }
    let mut q = chip.queue.lock();
    if !chip.has_room(&q) {
        give_back_nego();
        drop(q);
        drop(slot);
        return Err(cmd.requeue(QueueBusy::Host));
    }
    if flags & l::FLAG_UNTAGGED != 0 {
        // One untagged command per target: reselection finds it by id.
        if chip.untagged_in_use(id) {
            give_back_nego();
            drop(q);
            drop(slot);
            return Err(cmd.requeue(QueueBusy::Target));
        }
        chip.set_untagged(id, Some(bus));
    }
    if negotiating {
        chip.stats.negotiations.fetch_add(1, Relaxed);
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
