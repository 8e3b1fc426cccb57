// SPDX-License-Identifier: GPL-2.0

//! A SCSI bus whose targets behave as QEMU's `lsi53c895a` model
//! (hw/scsi/lsi53c895a.c) presents its devices to the SCRIPTS:
//!
//! - SELECT of an ID without a device times out; otherwise the target is
//!   connected in MESSAGE OUT;
//! - MESSAGE OUT: IDENTIFY (`0x80 | lun`) goes to COMMAND, SIMPLE QUEUE
//!   TAG (`0x20`, tag) tags the command, SDTR/WDTR/PPR are consumed and
//!   ignored (no reply), anything else is answered with MESSAGE REJECT,
//!   then COMMAND;
//! - MESSAGE OUT ABORT, CLEAR QUEUE or BUS DEVICE RESET cancels the command
//!   on the bus and every disconnected command of that ID, then the bus is
//!   free (no status, no unit attention); ABORT TAG cancels the command on
//!   the bus, or else the disconnected one whose tag the selection had
//!   when the move began (so a tag sent in the same move is not seen: the
//!   untagged command or nothing), then the bus is free. Cancelled
//!   commands never reselect or complete, even once their data is ready;
//! - COMMAND: a data-in command whose data is not ready disconnects (MESSAGE
//!   IN SAVE DATA POINTER, DISCONNECT, then the bus is free); data-in
//!   commands with their data ready, data-out commands and commands
//!   without data stay connected;
//! - once the test says the data is ready, the target reselects when the
//!   SCRIPTS wait in WAIT RESELECT (at once, or at the next WAIT RESELECT
//!   or WAIT DISCONNECT): SSID = `0x80 | id`, MESSAGE IN IDENTIFY (`0x80`)
//!   and, for a tagged command, SIMPLE QUEUE TAG and the tag, then DATA
//!   IN;
//! - the data phase ends when the target has no more data (or wants no
//!   more); a move asking for more is cut short (phase mismatch); then
//!   STATUS, MESSAGE IN COMMAND COMPLETE, and the bus is free;
//! - SET ATN switches to MESSAGE OUT; with the bus free the phase bits read
//!   0 (DATA OUT), as QEMU clears them.
//!
//! Each command the test expects is a [`Reply`] queued for its target.

#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};

use orion_scsi_host_tests::lsi::scripts::{insn::Phase, msg};

use super::{Bus, Scripts, Stop};

/// What a target's command transfers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    None,
    /// Data in; `ready: false` makes the target disconnect after the
    /// command until [`QemuBus::data_ready`].
    In {
        bytes: Vec<u8>,
        ready: bool,
    },
    /// The target takes this many bytes.
    Out(usize),
}

/// How a target answers the next command it receives.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The CDB the target expects (checked).
    pub cdb: Vec<u8>,
    pub data: Data,
    pub status: u8,
}

/// What happens when the queued MESSAGE IN bytes are all read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    Command,
    Disconnect,
    DataIn,
}

/// A command a target accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exchange {
    pub id: u8,
    pub lun: u8,
    pub tag: Option<u8>,
    /// The message-out bytes it was selected with.
    pub msg_out: Vec<u8>,
    pub cdb: Vec<u8>,
    /// Data in still to send.
    pub data_in: VecDeque<u8>,
    /// Data out still to take.
    pub out_left: usize,
    /// Data the target took.
    pub written: Vec<u8>,
    pub status: u8,
    /// It disconnected after the command.
    pub disconnected: bool,
    /// Its data is ready (reselection pending).
    pub pending: bool,
}

/// Bus events, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Selected(u8),
    SelectionTimeout(u8),
    Command {
        id: u8,
        lun: u8,
        tag: Option<u8>,
        msg_out: Vec<u8>,
        cdb: Vec<u8>,
    },
    Rejected(u8),
    Disconnected {
        id: u8,
        tag: Option<u8>,
    },
    Reselected {
        id: u8,
        tag: Option<u8>,
    },
    Complete {
        id: u8,
        tag: Option<u8>,
        status: u8,
    },
    /// A command cancelled by ABORT, ABORT TAG, CLEAR QUEUE or BUS DEVICE
    /// RESET.
    Cancelled {
        id: u8,
        tag: Option<u8>,
    },
    /// The target freed the bus after these message-out bytes (the last
    /// one an abort or reset message).
    Released {
        id: u8,
        msg_out: Vec<u8>,
    },
}

/// The bus and its targets.
#[derive(Default)]
pub struct QemuBus {
    replies: BTreeMap<u8, VecDeque<Reply>>,
    phase: Option<Phase>,
    connected: bool,
    ssid: u8,
    msg: VecDeque<u8>,
    after: Option<After>,
    /// Selected, before the command (ID, LUN, tag, message-out bytes).
    selecting: Option<Exchange>,
    /// The command on the bus.
    current: Option<Exchange>,
    /// Disconnected commands, oldest first.
    queue: Vec<Exchange>,
    pub events: Vec<Event>,
    /// Commands that reached COMMAND COMPLETE.
    pub done: Vec<Exchange>,
    /// Commands cancelled by a message.
    pub cancelled: Vec<Exchange>,
}

impl QemuBus {
    /// A bus with devices at `ids`.
    pub fn new(ids: &[u8]) -> Self {
        let mut b = QemuBus {
            phase: Some(Phase::DataOut),
            ..Default::default()
        };
        for &id in ids {
            b.replies.insert(id, VecDeque::new());
        }
        b
    }

    /// Queues the answer to the next command target `id` receives.
    pub fn expect(&mut self, id: u8, reply: Reply) {
        self.replies
            .get_mut(&id)
            .expect("no device at that id")
            .push_back(reply);
    }

    /// Whether every expected command arrived and none waits for data.
    pub fn idle(&self) -> bool {
        self.replies.values().all(VecDeque::is_empty)
            && self.queue.is_empty()
            && self.current.is_none()
            && !self.connected
    }

    /// The data of disconnected command (`id`, `tag`) is ready. With the
    /// SCRIPTS parked in WAIT RESELECT the target reselects at once and
    /// they run (`Some` with where they stop); otherwise the reselection
    /// waits for their next WAIT RESELECT or WAIT DISCONNECT. A cancelled
    /// command's data never comes (QEMU cancelled the request with its
    /// I/O): `None`.
    pub fn data_ready(&mut self, id: u8, tag: Option<u8>, cpu: &mut Scripts) -> Option<Stop> {
        if self.cancelled.iter().any(|x| x.id == id && x.tag == tag) {
            return None;
        }
        let x = self
            .queue
            .iter_mut()
            .find(|x| x.id == id && x.tag == tag)
            .expect("no such disconnected command");
        x.pending = true;
        if cpu.is_parked() && !self.connected && self.reselect_pending() {
            return Some(cpu.reselected(self));
        }
        None
    }

    fn reselect_pending(&mut self) -> bool {
        let Some(i) = self.queue.iter().position(|x| x.pending) else {
            return false;
        };
        let mut x = self.queue.remove(i);
        x.pending = false;
        self.connected = true;
        self.ssid = 0x80 | x.id;
        self.msg = [msg::IDENTIFY].into();
        if let Some(tag) = x.tag {
            self.msg.extend([msg::SIMPLE_QUEUE_TAG, tag]);
        }
        self.after = Some(After::DataIn);
        self.phase = Some(Phase::MsgIn);
        self.events.push(Event::Reselected {
            id: x.id,
            tag: x.tag,
        });
        self.current = Some(x);
        true
    }

    /// The target releases the bus; QEMU clears the phase bits.
    fn bus_free(&mut self) {
        self.connected = false;
        self.phase = Some(Phase::DataOut);
        self.after = None;
        if let Some(x) = self.current.take() {
            self.events.push(Event::Complete {
                id: x.id,
                tag: x.tag,
                status: x.status,
            });
            self.done.push(x);
        }
    }

    fn cur(&mut self) -> &mut Exchange {
        self.current.as_mut().expect("no command on the bus")
    }

    fn reject(&mut self) {
        self.events
            .push(Event::Rejected(self.selecting.as_ref().map_or(0, |x| x.id)));
        self.msg = [msg::MESSAGE_REJECT].into();
        self.after = Some(After::Command);
        self.phase = Some(Phase::MsgIn);
    }

    /// Cancels `x` (never to complete).
    fn cancel(&mut self, x: Exchange) {
        self.events.push(Event::Cancelled {
            id: x.id,
            tag: x.tag,
        });
        self.cancelled.push(x);
    }

    /// An abort or reset message (the last of `bytes`): cancels what
    /// `victim` (ABORT TAG) or the message selects, frees the bus.
    fn kill(&mut self, id: u8, m: u8, victim: Option<usize>, bytes: &[u8]) {
        if let Some(x) = self.current.take() {
            self.cancel(x);
        }
        if m == msg::ABORT_TAG {
            if let Some(i) = victim {
                let x = self.queue.remove(i);
                self.cancel(x);
            }
        } else {
            // QEMU ignores the LUN: every disconnected request of the ID.
            while let Some(i) = self.queue.iter().position(|x| x.id == id) {
                let x = self.queue.remove(i);
                self.cancel(x);
            }
        }
        self.selecting = None;
        self.msg.clear();
        self.connected = false;
        self.phase = Some(Phase::DataOut);
        self.after = None;
        self.events.push(Event::Released {
            id,
            msg_out: bytes.to_vec(),
        });
    }

    /// The data or the command ended: STATUS next.
    fn status_phase(&mut self) {
        self.phase = Some(Phase::Status);
    }
}

impl Bus for QemuBus {
    fn phase(&self) -> Option<Phase> {
        self.phase
    }

    fn connected(&self) -> bool {
        self.connected
    }

    fn ssid(&self) -> u8 {
        self.ssid
    }

    fn select(&mut self, id: u8, _atn: bool) -> bool {
        assert!(!self.connected);
        if !self.replies.contains_key(&id) {
            self.events.push(Event::SelectionTimeout(id));
            self.phase = Some(Phase::DataOut);
            return false;
        }
        self.events.push(Event::Selected(id));
        self.connected = true;
        self.selecting = Some(Exchange {
            id,
            ..Default::default()
        });
        self.phase = Some(Phase::MsgOut);
        true
    }

    fn data_out(&mut self, data: &[u8]) -> usize {
        let x = self.cur();
        let n = data.len().min(x.out_left);
        x.written.extend_from_slice(&data[..n]);
        x.out_left -= n;
        if x.out_left == 0 {
            self.status_phase();
        }
        n
    }

    fn data_in(&mut self, max: usize) -> Vec<u8> {
        let x = self.cur();
        let n = max.min(x.data_in.len());
        let out: Vec<u8> = x.data_in.drain(..n).collect();
        if x.data_in.is_empty() {
            self.status_phase();
        }
        out
    }

    fn command(&mut self, cdb: &[u8]) {
        let sel = self.selecting.take().expect("COMMAND without a selection");
        let reply = self
            .replies
            .get_mut(&sel.id)
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| panic!("target {} got an unexpected command {cdb:02x?}", sel.id));
        assert_eq!(reply.cdb, cdb, "target {} got another command", sel.id);
        self.events.push(Event::Command {
            id: sel.id,
            lun: sel.lun,
            tag: sel.tag,
            msg_out: sel.msg_out.clone(),
            cdb: cdb.to_vec(),
        });
        let mut x = Exchange {
            cdb: cdb.to_vec(),
            status: reply.status,
            ..sel
        };
        match reply.data {
            Data::None => {
                self.current = Some(x);
                self.status_phase();
            }
            Data::Out(n) => {
                assert_ne!(n, 0);
                x.out_left = n;
                self.current = Some(x);
                self.phase = Some(Phase::DataOut);
            }
            Data::In { bytes, ready } => {
                assert!(!bytes.is_empty());
                x.data_in = bytes.into();
                if ready {
                    self.current = Some(x);
                    self.phase = Some(Phase::DataIn);
                } else {
                    x.disconnected = true;
                    self.events.push(Event::Disconnected {
                        id: x.id,
                        tag: x.tag,
                    });
                    self.queue.push(x);
                    self.msg = [msg::SAVE_DATA_POINTER, msg::DISCONNECT].into();
                    self.after = Some(After::Disconnect);
                    self.phase = Some(Phase::MsgIn);
                }
            }
        }
    }

    fn status(&mut self) -> u8 {
        let s = self.cur().status;
        self.msg = [msg::COMMAND_COMPLETE].into();
        self.after = Some(After::Disconnect);
        self.phase = Some(Phase::MsgIn);
        s
    }

    fn msg_out(&mut self, bytes: &[u8]) {
        let (id, tag) = match (&self.selecting, &self.current) {
            (Some(x), _) | (None, Some(x)) => (x.id, x.tag),
            (None, None) => panic!("MESSAGE OUT without a nexus"),
        };
        // ABORT TAG's victim is chosen as the move starts: tag bytes in
        // this move are not seen yet.
        let victim = if self.current.is_some() {
            None
        } else {
            self.queue.iter().position(|x| x.id == id && x.tag == tag)
        };
        if let Some(x) = self.selecting.as_mut() {
            x.msg_out.extend_from_slice(bytes);
        }
        let mut it = bytes.iter().copied();
        while let Some(m) = it.next() {
            if matches!(
                m,
                msg::ABORT | msg::ABORT_TAG | msg::CLEAR_QUEUE | msg::BUS_DEVICE_RESET
            ) {
                assert!(it.next().is_none(), "bytes after message {m:#04x}");
                return self.kill(id, m, victim, bytes);
            }
            let x = self
                .selecting
                .as_mut()
                .expect("MESSAGE OUT on a reconnection: abort messages only");
            match m {
                msg::EXTENDED => {
                    let _len = it.next();
                    let skip = match it.next() {
                        Some(msg::EXT_SDTR) => 2,
                        Some(msg::EXT_WDTR) => 1,
                        Some(msg::EXT_PPR) => 5,
                        _ => return self.reject(),
                    };
                    for _ in 0..skip {
                        it.next();
                    }
                }
                msg::SIMPLE_QUEUE_TAG => x.tag = it.next(),
                // QEMU acts on these; no test sends them.
                0x04 | 0x08 | 0x21 | 0x22 => {
                    panic!("message {m:#04x} is not modelled")
                }
                m if m & msg::IDENTIFY != 0 => {
                    x.lun = m & msg::IDENTIFY_LUN_MASK;
                    self.phase = Some(Phase::Command);
                }
                _ => return self.reject(),
            }
        }
    }

    fn msg_in(&mut self, max: usize) -> Vec<u8> {
        assert!(!self.msg.is_empty(), "MESSAGE IN without a message");
        let n = max.min(self.msg.len());
        let out: Vec<u8> = self.msg.drain(..n).collect();
        if self.msg.is_empty() {
            match self.after.take().expect("message without a follow-up") {
                After::Command => self.phase = Some(Phase::Command),
                After::DataIn => self.phase = Some(Phase::DataIn),
                After::Disconnect => self.bus_free(),
            }
        }
        out
    }

    fn wait_disconnect(&mut self) {
        assert!(
            !self.connected,
            "WAIT DISCONNECT with the target on the bus"
        );
        // QEMU reselects a nexus whose data is ready as soon as the bus is
        // free.
        self.reselect_pending();
    }

    fn wait_reselect(&mut self) -> bool {
        self.connected || self.reselect_pending()
    }

    fn set_atn(&mut self) {
        self.phase = Some(Phase::MsgOut);
    }
}
