// SPDX-License-Identifier: GPL-2.0

//! The IOC's doorbell: the handshake that carries IOC_FACTS, PORT_FACTS,
//! IOC_INIT and PORT_ENABLE before the request FIFO runs, waiting for an
//! IOC state, and the resets that bring the IOC to READY.

use super::super::mpi::{
    handshake::{Action, Handshake},
    regs::{self as r, IocState},
};
use super::super::regs::{IocRegs, Regs};
use super::{HANDSHAKE_TIMEOUT_MS, STATE_TIMEOUT_MS};
use kernel::{
    device,
    prelude::*,
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

pub(super) fn ms_since(start: &Instant<Monotonic>) -> i64 {
    start.elapsed().as_millis()
}

/// Polls HIS until `done` holds.
fn poll_his(regs: &Regs, done: impl Fn(u32) -> bool) -> Result {
    let start = Instant::<Monotonic>::now();
    loop {
        let his = regs.read(r::HOST_INTERRUPT_STATUS);
        if his != u32::MAX && done(his) {
            return Ok(());
        }
        if ms_since(&start) > HANDSHAKE_TIMEOUT_MS {
            return Err(ETIMEDOUT);
        }
        fsleep(Delta::from_micros(10));
    }
}

/// Sends `msg` by doorbell handshake and reads the reply into `reply`;
/// returns the reply bytes stored. The caller holds `internal` (or probes).
pub(super) fn handshake(regs: &Regs, msg: &[u8], reply: &mut [u8]) -> Result<usize> {
    let mut hs = Handshake::new(msg, reply, regs.read(r::DOORBELL))?;
    loop {
        match hs.step()? {
            Action::ClearHis => regs.write(r::HOST_INTERRUPT_STATUS, 0),
            Action::WriteDoorbell(v) => regs.write(r::DOORBELL, v),
            Action::WaitDoorbellInt => poll_his(regs, |his| his & r::HIS_DOORBELL != 0)?,
            Action::WaitDoorbellAck => poll_his(regs, |his| his & r::HIS_IOP_DOORBELL_STATUS == 0)?,
            Action::ReadDoorbell => hs.reply_word(regs.read(r::DOORBELL))?,
            Action::Done(n) => return Ok(n),
        }
    }
}

/// Waits for the IOC to reach `state`.
pub(super) fn wait_state(regs: &Regs, state: IocState, timeout_ms: i64) -> Result {
    let start = Instant::<Monotonic>::now();
    loop {
        if regs.doorbell().state == state {
            return Ok(());
        }
        if ms_since(&start) > timeout_ms {
            return Err(ETIMEDOUT);
        }
        fsleep(Delta::from_millis(1));
    }
}

/// The diagnostic reset: unlock the diagnostic register, reset the
/// adapter. It also forgets IOC_INIT's settings.
pub(super) fn diag_reset(regs: &Regs) {
    for w in r::DIAG_KEY_SEQUENCE {
        regs.write(r::WRITE_SEQUENCE, w);
    }
    regs.write(r::HOST_DIAGNOSTIC, r::DIAG_RESET_ADAPTER);
}

/// Brings the IOC to READY from whatever state the BIOS (SeaBIOS leaves it
/// OPERATIONAL) or a previous driver left: a message unit reset, or a
/// diagnostic reset for FAULT, a busy doorbell or a message unit reset
/// that did not take.
pub(super) fn make_ready(regs: &Regs, dev: &device::Device) -> Result {
    let db = regs.doorbell();
    if db.state == IocState::Ready && !db.active {
        return Ok(());
    }
    if db.state == IocState::Fault || db.active {
        dev_warn!(
            dev,
            "IOC in {:?} (doorbell {:#010x}), diagnostic reset\n",
            db.state,
            regs.read(r::DOORBELL)
        );
        diag_reset(regs);
    } else {
        regs.write(r::DOORBELL, r::DB_MESSAGE_UNIT_RESET);
    }
    if wait_state(regs, IocState::Ready, STATE_TIMEOUT_MS).is_ok() {
        return Ok(());
    }
    diag_reset(regs);
    wait_state(regs, IocState::Ready, STATE_TIMEOUT_MS).inspect_err(|_| {
        dev_err!(
            dev,
            "IOC did not become READY (doorbell {:#010x})\n",
            regs.read(r::DOORBELL)
        );
    })
}
