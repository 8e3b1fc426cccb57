// SPDX-License-Identifier: GPL-2.0

//! Doorbell decoding (`lsi/mpi.h` "IOC State Definitions", "PCI System
//! Interface Registers") and the handshake state machine, driven against a
//! model of QEMU's doorbell (`mptsas_doorbell_write/_read`,
//! `mptsas_interrupt_status_write`).
use orion_scsi_host_tests::mptsas::mpi::handshake::{Action, Handshake};
use orion_scsi_host_tests::mptsas::mpi::regs::{self, Doorbell, IocState};
use orion_scsi_host_tests::mptsas::mpi::{facts, MpiError};

#[test]
fn registers_and_doorbell_words() {
    assert_eq!(
        [regs::DOORBELL, regs::WRITE_SEQUENCE, regs::HOST_DIAGNOSTIC],
        [0x00, 0x04, 0x08]
    );
    assert_eq!(
        [
            regs::HOST_INTERRUPT_STATUS,
            regs::HOST_INTERRUPT_MASK,
            regs::REQUEST_FIFO,
            regs::REPLY_FIFO
        ],
        [0x30, 0x34, 0x40, 0x44]
    );
    assert_eq!((regs::HIM_MASK_ALL, regs::HIM_OPERATIONAL), (9, 1));
    assert_eq!(regs::DB_MESSAGE_UNIT_RESET, 0x4000_0000);
    assert_eq!(&regs::DIAG_KEY_SEQUENCE[1..], &[4, 0xb, 2, 7, 0xd]);
    assert_eq!(regs::handshake_word(3), Ok(0x4203_0000));
    assert_eq!(regs::handshake_word(0), Err(MpiError::InvalidParam));
    assert_eq!(regs::handshake_word(256), Err(MpiError::InvalidParam));

    let d = Doorbell::decode(0x2400_0000);
    assert_eq!(
        (d.state, d.active, d.who_init),
        (IocState::Operational, false, 4)
    );
    let d = Doorbell::decode(0x4000_0006);
    assert_eq!((d.state, d.fault_code()), (IocState::Fault, Some(6)));
    let d = Doorbell::decode(0x1800_1234);
    assert_eq!(
        (d.state, d.active, d.data, d.fault_code()),
        (IocState::Ready, true, 0x1234, None)
    );
    assert_eq!(Doorbell::decode(0).state, IocState::Reset);
    assert_eq!(Doorbell::decode(0x7000_0000).state, IocState::Other(7));
}

/// QEMU's doorbell: NONE, WRITE (collecting dwords), READ (handing out
/// reply words). `answer` turns a message into reply bytes.
struct Qemu<F: FnMut(&[u32]) -> Vec<u8>> {
    state: u32,
    mode: u8,
    msg: Vec<u32>,
    want: usize,
    reply: Vec<u16>,
    idx: usize,
    his: u32,
    answer: F,
    dwords_seen: usize,
}

impl<F: FnMut(&[u32]) -> Vec<u8>> Qemu<F> {
    fn new(answer: F) -> Self {
        Qemu {
            state: 0x1000_0000,
            mode: 0,
            msg: vec![],
            want: 0,
            reply: vec![],
            idx: 0,
            his: 0,
            answer,
            dwords_seen: 0,
        }
    }
    fn read_doorbell(&mut self) -> u32 {
        match self.mode {
            0 => self.state,
            1 => self.state | regs::DB_ACTIVE,
            _ => {
                assert_ne!(self.his & 1, 0, "QEMU asserts HIS.0 while reading");
                let mut v = (self.state & !0xffff) | regs::DB_ACTIVE;
                if self.idx < self.reply.len() {
                    v |= u32::from(self.reply[self.idx]);
                    self.idx += 1;
                }
                v
            }
        }
    }
    fn write_doorbell(&mut self, v: u32) {
        if self.mode == 1 {
            self.msg.push(v);
            self.dwords_seen += 1;
            if self.msg.len() == self.want {
                let bytes = (self.answer)(&self.msg);
                let words = usize::from(bytes[2]) * 2;
                self.reply = (0..words)
                    .map(|i| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]))
                    .collect();
                self.idx = 0;
                self.mode = 2;
                self.his |= 1;
            }
            return;
        }
        assert_eq!(v >> 24, 0x42, "only handshakes here");
        self.mode = 1;
        self.want = ((v >> 16) & 0xff) as usize;
        self.msg.clear();
        self.his |= 1;
    }
    fn write_his(&mut self) {
        match self.mode {
            2 => {
                if self.idx == self.reply.len() {
                    self.mode = 0;
                }
            }
            _ => self.his &= !1,
        }
    }
}

/// Runs a handshake to the end against the model.
fn run<F: FnMut(&[u32]) -> Vec<u8>>(
    q: &mut Qemu<F>,
    msg: &[u8],
    reply: &mut [u8],
) -> Result<usize, MpiError> {
    let db = q.read_doorbell();
    let mut hs = Handshake::new(msg, reply, db)?;
    for _ in 0..10_000 {
        match hs.step()? {
            Action::ClearHis => q.write_his(),
            Action::WriteDoorbell(v) => q.write_doorbell(v),
            Action::WaitDoorbellInt => assert_ne!(q.his & 1, 0, "would time out"),
            Action::WaitDoorbellAck => assert_eq!(q.his & regs::HIS_IOP_DOORBELL_STATUS, 0),
            Action::ReadDoorbell => {
                let v = q.read_doorbell();
                hs.reply_word(v)?;
            }
            Action::Done(n) => {
                assert_eq!(q.mode, 0, "doorbell left idle");
                assert_eq!(q.his & 1, 0);
                return Ok(n);
            }
        }
    }
    panic!("handshake did not finish");
}

fn facts_reply(msg: &[u32]) -> Vec<u8> {
    let mut r = vec![0u8; 0x50];
    r[2] = 0x14;
    r[3] = (msg[0] >> 24) as u8;
    r[8..12].copy_from_slice(&msg[2].to_le_bytes());
    r[0x24] = 128;
    r[0x1a] = 128;
    r[0x18] = 128;
    r
}

#[test]
fn ioc_facts_by_handshake() {
    let mut q = Qemu::new(facts_reply);
    let mut msg = [0u8; 12];
    facts::build_ioc_facts(&mut msg, 0xabcd).unwrap();
    let mut reply = [0u8; 0x50];
    assert_eq!(run(&mut q, &msg, &mut reply), Ok(0x50));
    assert_eq!(q.dwords_seen, 3);
    let f = facts::IocFacts::parse(&reply).unwrap();
    assert_eq!((f.global_credits, f.request_frame_size), (128, 128));
    assert_eq!(u32::from_le_bytes(reply[8..12].try_into().unwrap()), 0xabcd);
}

#[test]
fn a_short_buffer_still_drains_the_reply() {
    let mut q = Qemu::new(facts_reply);
    let mut msg = [0u8; 12];
    facts::build_ioc_facts(&mut msg, 1).unwrap();
    let mut reply = [0u8; 0x14];
    // Only 20 bytes kept, but all 40 words read: QEMU is idle afterwards.
    assert_eq!(run(&mut q, &msg, &mut reply), Ok(0x14));
    assert_eq!(q.idx, 40);
    assert_eq!(reply[3], 0x03);
}

#[test]
fn a_reply_for_another_function_is_reported_after_draining() {
    let mut q = Qemu::new(|m: &[u32]| {
        let mut r = facts_reply(m);
        r[3] = 0x05;
        r
    });
    let mut msg = [0u8; 12];
    facts::build_ioc_facts(&mut msg, 1).unwrap();
    let mut reply = [0u8; 0x50];
    let db = q.read_doorbell();
    let mut hs = Handshake::new(&msg, &mut reply, db).unwrap();
    let err = loop {
        match hs.step() {
            Ok(Action::ClearHis) => q.write_his(),
            Ok(Action::WriteDoorbell(v)) => q.write_doorbell(v),
            Ok(Action::ReadDoorbell) => {
                let v = q.read_doorbell();
                hs.reply_word(v).unwrap();
            }
            Ok(Action::Done(_)) => panic!("bad reply accepted"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert_eq!(err, MpiError::BadReply);
    assert_eq!((q.mode, q.idx), (0, 40), "drained before reporting");
}

#[test]
fn zero_length_reply_stops_after_two_words() {
    let mut q = Qemu::new(|m: &[u32]| {
        let mut r = facts_reply(m);
        r[2] = 0;
        r
    });
    let mut msg = [0u8; 12];
    facts::build_ioc_facts(&mut msg, 1).unwrap();
    let mut reply = [0u8; 0x50];
    assert_eq!(run(&mut q, &msg, &mut reply), Err(MpiError::BadReply));
}

#[test]
fn refused_starts_and_out_of_order_calls() {
    let msg = [0u8; 12];
    let mut reply = [0u8; 8];
    assert_eq!(
        Handshake::new(&msg, &mut reply, 0x1800_0000).err(),
        Some(MpiError::DoorbellBusy)
    );
    assert_eq!(
        Handshake::new(&msg, &mut reply, 0x4000_0001).err(),
        Some(MpiError::IocFault(1))
    );
    for bad in [&msg[..8], &msg[..10]] {
        assert_eq!(
            Handshake::new(bad, &mut reply, 0x1000_0000).err(),
            Some(MpiError::InvalidParam)
        );
    }
    let big = vec![0u8; 256 * 4];
    assert_eq!(
        Handshake::new(&big, &mut reply, 0x1000_0000).err(),
        Some(MpiError::InvalidParam)
    );
    // A word fed when none was asked for, or skipped when one was.
    let mut hs = Handshake::new(&msg, &mut reply, 0x1000_0000).unwrap();
    assert_eq!(hs.reply_word(0), Err(MpiError::HandshakeOrder));
    let mut steps = vec![];
    loop {
        let a = hs.step().unwrap();
        steps.push(a);
        if a == Action::ReadDoorbell {
            break;
        }
    }
    assert_eq!(
        &steps[..5],
        &[
            Action::ClearHis,
            Action::WriteDoorbell(0x4203_0000),
            Action::WaitDoorbellInt,
            Action::ClearHis,
            Action::WaitDoorbellAck
        ]
    );
    assert_eq!(steps.len(), 5 + 3 * 2 + 2, "three dwords each acked");
    assert_eq!(hs.step(), Err(MpiError::HandshakeOrder));
    // A FAULT seen mid-reply ends the handshake.
    assert_eq!(hs.reply_word(0x4000_0000), Err(MpiError::IocFault(0)));
}
