// SPDX-License-Identifier: GPL-2.0

//! PDU counters of a connection, by opcode, for the class's `get_stats`
//! (`iscsiadm -m session -s`).

use super::pdu::Opcode;
use crate::scsi::iscsi::{ConnStats, MAX_CUSTOM_STATS};
use kernel::sync::atomic::{Atomic, Relaxed};

/// Counters, indexed by [`slot`].
pub(crate) struct PduCounters {
    pdus: [Atomic<u32>; Opcode::ALL.len()],
    tx_data: Atomic<u64>,
    rx_data: Atomic<u64>,
    /// Commands handed to the error handler after timing out.
    timeouts: Atomic<u32>,
    /// PDUs received with a header or data digest that did not match.
    digest_errors: Atomic<u32>,
}

/// The counter of `op`: its place in [`Opcode::ALL`].
fn slot(op: Opcode) -> Option<usize> {
    Opcode::ALL.iter().position(|&o| o == op)
}

impl PduCounters {
    pub(crate) fn new() -> Self {
        Self {
            pdus: [const { Atomic::new(0) }; Opcode::ALL.len()],
            tx_data: Atomic::new(0),
            rx_data: Atomic::new(0),
            timeouts: Atomic::new(0),
            digest_errors: Atomic::new(0),
        }
    }

    /// A received PDU's digest did not match.
    pub(crate) fn count_digest_error(&self) {
        self.digest_errors.fetch_add(1, Relaxed);
    }

    /// A command timed out and went to the error handler.
    pub(crate) fn count_timeout(&self) {
        self.timeouts.fetch_add(1, Relaxed);
    }

    /// A PDU with `data_len` data bytes went out or came in.
    pub(crate) fn count(&self, op: Opcode, data_len: usize) {
        if let Some(c) = slot(op).and_then(|i| self.pdus.get(i)) {
            c.fetch_add(1, Relaxed);
        }
        let bytes = if op.is_initiator() {
            &self.tx_data
        } else {
            &self.rx_data
        };
        bytes.fetch_add(data_len as u64, Relaxed);
    }

    fn get(&self, op: Opcode) -> u32 {
        slot(op)
            .and_then(|i| self.pdus.get(i))
            .map_or(0, |c| c.load(Relaxed))
    }

    pub(crate) fn snapshot(&self) -> ConnStats {
        ConnStats {
            tx_data_bytes: self.tx_data.load(Relaxed),
            rx_data_bytes: self.rx_data.load(Relaxed),
            nop_out: self.get(Opcode::NopOut),
            scsi_cmd: self.get(Opcode::ScsiCommand),
            tmf_cmd: self.get(Opcode::TaskMgmtRequest),
            login: self.get(Opcode::LoginRequest),
            text: self.get(Opcode::TextRequest),
            data_out: self.get(Opcode::DataOut),
            logout: self.get(Opcode::LogoutRequest),
            snack: self.get(Opcode::Snack),
            nop_in: self.get(Opcode::NopIn),
            scsi_rsp: self.get(Opcode::ScsiResponse),
            tmf_rsp: self.get(Opcode::TaskMgmtResponse),
            text_rsp: self.get(Opcode::TextResponse),
            data_in: self.get(Opcode::DataIn),
            logout_rsp: self.get(Opcode::LogoutResponse),
            r2t: self.get(Opcode::R2t),
            async_msg: self.get(Opcode::AsyncMessage),
            reject: self.get(Opcode::Reject),
            digest_errors: self.digest_errors.load(Relaxed),
            timeouts: self.timeouts.load(Relaxed),
            custom: [None; MAX_CUSTOM_STATS],
        }
    }
}
