// SPDX-License-Identifier: GPL-2.0

//! The driver's own requests (configuration pages, task management),
//! posted through the request FIFO from the internal slots once I/O runs:
//! per slot a mailbox the reply reader fills and the poster polls, which
//! a timeout or an IOC reset ends.

use super::super::mpi::{
    config::{build_header_request, build_read_request, ConfigReply, PageId},
    msg::IOCSTATUS_SUCCESS,
    reply::encode_context,
    task_mgmt::{build_task_mgmt, TaskMgmt, TaskMgmtReply},
    MpiError,
};
use super::super::regs::IocRegs;
use super::doorbell::ms_since;
use super::{Ioc, CONFIG_SLOT, DATA_LEN, DATA_OFF, REPLY_SIZE, TM_SLOT};
use crate::common::reset_gate::Closed;
use kernel::{
    prelude::*,
    sync::atomic::{Acquire, Full, Release},
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// Waiting for the reply to an internal request (QEMU answers an
/// ABORT_TASK only once the aborted request, possibly throttled, is done).
pub(super) const INTERNAL_TIMEOUT_MS: i64 = 10_000;
/// States of an internal slot's mailbox.
pub(super) const MB_IDLE: i32 = 0;
pub(super) const MB_WAITING: i32 = 1;
pub(super) const MB_DONE: i32 = 2;
/// The IOC was reset while the request was out: it will never answer.
pub(super) const MB_CANCELLED: i32 = 3;

/// Largest internal request frame (task management: 52 bytes).
const MAX_INTERNAL_FRAME: usize = 64;

/// Who posts an internal request.
#[derive(Clone, Copy)]
pub(super) enum Posting<'a> {
    /// Anyone, through the gate (`EAGAIN` while a reset runs).
    Open,
    /// The reset that holds the gate closed, once the IOC runs again.
    Reset(&'a Closed<'a>),
}

impl Ioc {
    /// The reply to internal request `i`: hand it to the waiter, or free
    /// the slot of a waiter that gave up.
    pub(super) fn internal_reply(&self, i: u32, buf: &[u8; REPLY_SIZE]) {
        let Some(state) = self.mb_state.get(i as usize) else {
            return;
        };
        if let Some(r) = self.mb_reply.lock().get_mut(i as usize) {
            *r = *buf;
        }
        if state.cmpxchg(MB_WAITING, MB_DONE, Full).is_err() {
            // Nobody waits (timed out): the slot is free again.
            let idx = self.can_queue().saturating_add(i);
            drop(self.slots.reclaim(idx as usize));
            dev_warn!(self.dev, "late reply to internal request {} dropped\n", i);
        }
    }

    /// Posts internal request `which` through the request FIFO and waits
    /// for its reply (process context: it sleeps). `build` writes the
    /// frame given the MsgContext and the bus address of the slot's data
    /// buffer ([`DATA_LEN`] bytes, zeroed); `data` receives that buffer's
    /// first bytes afterwards and `reply` the reply frame. The caller
    /// serialises the users of one slot.
    pub(super) fn internal_request(
        &self,
        post: Posting<'_>,
        which: u32,
        build: impl FnOnce(&mut [u8], u32, u64) -> Result<usize>,
        data: &mut [u8],
        reply: &mut [u8; REPLY_SIZE],
    ) -> Result {
        let state = self.mb_state.get(which as usize).ok_or(EINVAL)?;
        if data.len() > DATA_LEN {
            return Err(EINVAL);
        }
        let idx = self.can_queue().checked_add(which).ok_or(EINVAL)?;
        let mut slot = self.slots.claim(idx as usize).ok_or(EBUSY)?;
        let mut frame = [0u8; MAX_INTERNAL_FRAME];
        let buf = slot
            .dma_address()
            .checked_add(DATA_OFF as u64)
            .ok_or(EINVAL)?;
        let low = u32::try_from(slot.dma_address()).map_err(|_| EINVAL)?;
        {
            // Built inside the gate: what `build` looks up (a device's
            // firmware address) cannot change under a reset before the post.
            let _posting = match post {
                Posting::Open => Some(self.begin_submit().ok_or(EAGAIN)?),
                Posting::Reset(closed) if closed.is_of(&self.gate) => None,
                Posting::Reset(_) => {
                    dev_err!(self.dev, "internal request with another IOC's reset\n");
                    return Err(EINVAL);
                }
            };
            if self.is_dead() {
                return Err(ENODEV);
            }
            let n = build(&mut frame, encode_context(idx)?, buf)?;
            slot.write(0, frame.get(..n).ok_or(EINVAL)?)?;
            slot.fill(DATA_OFF, DATA_LEN, 0)?;
            state.store(MB_WAITING, Release);
            slot.to_device();
            self.regs.post_request(low);
        }
        let start = Instant::<Monotonic>::now();
        loop {
            match state.load(Acquire) {
                MB_DONE => break,
                MB_CANCELLED => {
                    state.store(MB_IDLE, Release);
                    return Err(EIO);
                }
                _ => {}
            }
            if ms_since(&start) > INTERNAL_TIMEOUT_MS
                && state.cmpxchg(MB_WAITING, MB_IDLE, Full).is_ok()
            {
                // The slot stays the IOC's until a late reply or a reset.
                dev_err!(self.dev, "internal request {} timed out\n", which);
                return Err(ETIMEDOUT);
            }
            fsleep(Delta::from_micros(100));
        }
        state.store(MB_IDLE, Release);
        if let Some(r) = self.mb_reply.lock().get(which as usize) {
            *reply = *r;
        }
        let slot = self.slots.reclaim(idx as usize).ok_or(EIO)?;
        slot.read(DATA_OFF, data)
    }

    /// Sends the task management request `tm` gives (called where no
    /// reset can run until it is posted) through the request FIFO and
    /// returns its reply. QEMU answers after the replies of the requests
    /// it terminated, so those have been handled when this returns.
    pub(in crate::mptsas) fn task_mgmt(
        &self,
        tm: impl FnOnce() -> Result<TaskMgmt>,
    ) -> Result<TaskMgmtReply> {
        let _g = self.tm.lock();
        let mut reply = [0u8; REPLY_SIZE];
        self.internal_request(
            Posting::Open,
            TM_SLOT,
            |f, ctx, _| Ok(build_task_mgmt(f, ctx, &tm()?)?),
            &mut [],
            &mut reply,
        )?;
        Ok(TaskMgmtReply::parse(&reply)?)
    }

    /// Reads configuration page `id` at `address` into `page`; returns its
    /// length in bytes (`PAGE_HEADER`, then `READ_CURRENT` into the
    /// config slot's buffer).
    pub(in crate::mptsas) fn read_page(
        &self,
        id: PageId,
        address: u32,
        page: &mut [u8],
    ) -> Result<usize> {
        self.read_page_as(Posting::Open, id, address, page)
    }

    /// [`Self::read_page`] by `post`.
    pub(super) fn read_page_as(
        &self,
        post: Posting<'_>,
        id: PageId,
        address: u32,
        page: &mut [u8],
    ) -> Result<usize> {
        let _g = self.config.lock();
        let mut reply = [0u8; REPLY_SIZE];
        self.internal_request(
            post,
            CONFIG_SLOT,
            |f, ctx, _| Ok(build_header_request(f, ctx, id, address)?),
            &mut [],
            &mut reply,
        )?;
        let header = ConfigReply::parse(&reply)?.header_for(id)?;
        let len = header.bytes();
        if len > page.len() || len > DATA_LEN {
            dev_err!(
                self.dev,
                "configuration page {:?} too long ({} bytes)\n",
                id,
                len
            );
            return Err(EINVAL);
        }
        let dst = page.get_mut(..len).ok_or(EINVAL)?;
        self.internal_request(
            post,
            CONFIG_SLOT,
            |f, ctx, buf| {
                Ok(build_read_request(
                    f,
                    ctx,
                    &header,
                    address,
                    buf,
                    DATA_LEN as u32,
                )?)
            },
            dst,
            &mut reply,
        )?;
        let r = ConfigReply::parse(&reply)?;
        if r.ioc_status != IOCSTATUS_SUCCESS {
            return Err(MpiError::IocStatus(r.ioc_status).into());
        }
        Ok(len)
    }
}
