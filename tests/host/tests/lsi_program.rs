// SPDX-License-Identifier: GPL-2.0

//! An example SCRIPTS program written with the assembler (select, message
//! out, command, data, status, message in, disconnect/reselect, a new
//! command signalled by the host), run on the test SCRIPTS processor
//! (`common/scripts_sim.rs`, QEMU's instruction semantics) against a
//! scripted target; it checks that labels, relocation, externs and
//! conditions fit together, both in absolute and in relative mode.
use std::collections::VecDeque;

use orion_scsi_host_tests::lsi::scripts::{
    insn, msg, regs, Asm, AsmError, Cond, Extern, Flags, Label, Op, Phase, Program,
};

#[path = "common/scripts_sim.rs"]
mod scripts_sim;

use scripts_sim::{Bus, Scripts, Stop};

/// Per-command block the host builds; DSA points at it.
mod ccb {
    /// SELECT table entry (ID, SXFER, SCNTL3).
    pub(super) const SELECT: i32 = 0x00;
    // Table-indirect move entries (count, address), one per phase.
    pub(super) const MSG_OUT: i32 = 0x08;
    pub(super) const COMMAND: i32 = 0x10;
    pub(super) const DATA: i32 = 0x18;
    pub(super) const STATUS: i32 = 0x20;
    pub(super) const MSG_IN: i32 = 0x28;
}

// Entry points and branch targets.
const START: Label = Label::new(0);
const DISPATCH: Label = Label::new(1);
const COMMAND: Label = Label::new(2);
const DATA_IN: Label = Label::new(3);
const DATA_OUT: Label = Label::new(4);
const STATUS: Label = Label::new(5);
const MSG_IN: Label = Label::new(6);
const COMPLETE: Label = Label::new(7);
const DISCONNECTED: Label = Label::new(8);
const IDLE: Label = Label::new(9);
const RESELECTED: Label = Label::new(10);
const SIGNALLED: Label = Label::new(11);
const CLEAR_ACK: Label = Label::new(12);
const LABELS: usize = 13;

/// Host memory the program names: where it reports completed DSAs, and
/// the mailbox holding the next command's DSA.
const DONE: Extern = Extern::new(0);
const NEXT_DSA: Extern = Extern::new(1);

/// INT codes (DSPS) for the driver.
const INT_BAD_PHASE: u32 = 0xbad0;
const INT_MSG_IN: u32 = 0x1001;
const INT_NO_IDENTIFY: u32 = 0x1002;
const INTFLY_DONE: u32 = 0xd0e;

const WORDS: usize = 128;

const fn script(relative: bool) -> Result<Program<WORDS, LABELS>, AsmError> {
    let mut a = if relative {
        Asm::new_relative()
    } else {
        Asm::new()
    };
    a.label(START);
    a.select_atn(ccb::SELECT, RESELECTED);
    a.jump_if(Cond::when(Phase::MsgOut).negate(), DISPATCH);
    a.move_tbl(Phase::MsgOut, ccb::MSG_OUT);

    a.label(DISPATCH);
    a.jump_if(Cond::when(Phase::Command), COMMAND);
    a.jump_if(Cond::if_phase(Phase::DataIn), DATA_IN);
    a.jump_if(Cond::if_phase(Phase::DataOut), DATA_OUT);
    a.jump_if(Cond::if_phase(Phase::Status), STATUS);
    a.jump_if(Cond::if_phase(Phase::MsgIn), MSG_IN);
    a.int(INT_BAD_PHASE);

    a.label(COMMAND);
    a.move_tbl(Phase::Command, ccb::COMMAND);
    a.jump(DISPATCH);

    a.label(DATA_IN);
    a.move_tbl(Phase::DataIn, ccb::DATA);
    a.jump(DISPATCH);

    a.label(DATA_OUT);
    a.move_tbl(Phase::DataOut, ccb::DATA);
    a.jump(DISPATCH);

    a.label(STATUS);
    a.move_tbl(Phase::Status, ccb::STATUS);
    // QEMU reads SFBR as 0 through MMIO: keep the status where the host
    // can read it.
    a.move_from_sfbr(regs::SCRATCHA);
    a.jump(DISPATCH);

    a.label(MSG_IN);
    a.move_tbl(Phase::MsgIn, ccb::MSG_IN);
    a.jump_if(Cond::data(msg::COMMAND_COMPLETE), COMPLETE);
    a.jump_if(Cond::data(msg::DISCONNECT), DISCONNECTED);
    a.call_if(Cond::data(msg::SAVE_DATA_POINTER), CLEAR_ACK);
    a.jump_if(Cond::data(msg::SAVE_DATA_POINTER), DISPATCH);
    a.int(INT_MSG_IN);

    a.label(COMPLETE);
    // The target may now disconnect.
    a.reg_op(regs::SCNTL2, Op::And, !regs::SCNTL2_SDU);
    a.clear(Flags::ACK);
    a.wait_disconnect();
    a.store(regs::DSA, 4, DONE.addr());
    a.int_fly(INTFLY_DONE);
    a.jump(IDLE);

    a.label(DISCONNECTED);
    a.reg_op(regs::SCNTL2, Op::And, !regs::SCNTL2_SDU);
    a.clear(Flags::ACK);
    a.wait_disconnect();

    a.label(IDLE);
    a.wait_reselect(SIGNALLED);

    a.label(RESELECTED);
    // One command at a time here, so DSA still describes it; IDENTIFY
    // comes first.
    a.move_tbl(Phase::MsgIn, ccb::MSG_IN);
    a.int_if(
        Cond::data_masked(msg::IDENTIFY, msg::IDENTIFY).negate(),
        INT_NO_IDENTIFY,
    );
    a.call(CLEAR_ACK);
    a.jump(DISPATCH);

    a.label(SIGNALLED);
    // Reading CTEST2 acknowledges ISTAT0.SIGP.
    a.move_to_sfbr(regs::CTEST2);
    a.load(regs::DSA, 4, NEXT_DSA.addr());
    a.jump(START);

    a.label(CLEAR_ACK);
    a.clear(Flags::ACK);
    a.ret();
    a.finish()
}

static ABSOLUTE: Program<WORDS, LABELS> = match script(false) {
    Ok(p) => p,
    Err(e) => panic!("{}", e.message()),
};
static RELATIVE: Program<WORDS, LABELS> = match script(true) {
    Ok(p) => p,
    Err(e) => panic!("{}", e.message()),
};

/// What the target does next.
#[derive(Debug)]
enum Step {
    /// Requests `len` bytes in an out phase.
    Out(Phase, usize),
    /// Sends bytes in an in phase.
    In(Phase, Vec<u8>),
    /// Releases the bus.
    Disconnect,
    /// Reselects us and sends IDENTIFY.
    Reselect(u8),
}

/// A target following a script of steps.
#[derive(Default)]
struct Scripted {
    target: VecDeque<Step>,
    connected: bool,
    selected: Option<u8>,
    received: Vec<(Phase, Vec<u8>)>,
}

impl Scripted {
    fn take_out(&mut self, phase: Phase, bytes: &[u8]) -> usize {
        match self.target.pop_front() {
            Some(Step::Out(p, len)) if p == phase => {
                assert_eq!(len, bytes.len(), "{phase:?}");
                self.received.push((phase, bytes.to_vec()));
                len
            }
            s => panic!("{phase:?} move but the target does {s:?}"),
        }
    }

    fn take_in(&mut self, phase: Phase, max: usize) -> Vec<u8> {
        match self.target.front_mut() {
            Some(Step::In(p, bytes)) if *p == phase => {
                let out: Vec<u8> = bytes.drain(..max.min(bytes.len())).collect();
                if bytes.is_empty() {
                    self.target.pop_front();
                }
                out
            }
            s => panic!("{phase:?} move but the target does {s:?}"),
        }
    }
}

impl Bus for Scripted {
    fn phase(&self) -> Option<Phase> {
        match self.target.front() {
            Some(Step::Out(p, _) | Step::In(p, _)) if self.connected => Some(*p),
            _ => None,
        }
    }

    fn connected(&self) -> bool {
        self.connected
    }

    fn ssid(&self) -> u8 {
        unimplemented!()
    }

    fn select(&mut self, id: u8, _atn: bool) -> bool {
        self.selected = Some(id);
        self.connected = true;
        true
    }

    fn data_out(&mut self, data: &[u8]) -> usize {
        self.take_out(Phase::DataOut, data)
    }

    fn data_in(&mut self, max: usize) -> Vec<u8> {
        self.take_in(Phase::DataIn, max)
    }

    fn command(&mut self, cdb: &[u8]) {
        self.take_out(Phase::Command, cdb);
    }

    fn status(&mut self) -> u8 {
        self.take_in(Phase::Status, 1)[0]
    }

    fn msg_out(&mut self, bytes: &[u8]) {
        self.take_out(Phase::MsgOut, bytes);
    }

    fn msg_in(&mut self, max: usize) -> Vec<u8> {
        self.take_in(Phase::MsgIn, max)
    }

    fn wait_disconnect(&mut self) {
        match self.target.pop_front() {
            Some(Step::Disconnect) => self.connected = false,
            s => panic!("WAIT DISCONNECT but the target does {s:?}"),
        }
    }

    fn wait_reselect(&mut self) -> bool {
        if let Some(Step::Reselect(id)) = self.target.front() {
            let id = *id;
            self.target.pop_front();
            self.target.push_front(Step::In(Phase::MsgIn, vec![id]));
            self.connected = true;
        }
        self.connected
    }

    fn set_atn(&mut self) {
        unimplemented!()
    }
}

/// The processor and the scripted target.
struct Chip {
    cpu: Scripts,
    bus: Scripted,
}

impl Chip {
    fn run(&mut self) -> Stop {
        self.cpu.run(&mut self.bus)
    }

    fn wr32(&mut self, a: u32, v: u32) {
        self.cpu.mem.wr32(a, v);
    }

    fn rd32(&self, a: u32) -> u32 {
        self.cpu.mem.rd32(a)
    }

    fn mem(&self, a: u32, len: usize) -> Vec<u8> {
        self.cpu.mem.read(a, len)
    }
}

const BASE: u32 = 0x1000;
const CCB: u32 = 0x8000;
const CCB2: u32 = 0x8800;
const DONE_AT: u32 = 0xa000;
const MAILBOX: u32 = 0xa100;

/// Host side: one command block with its buffers, 0x100 bytes apart.
fn build_ccb(c: &mut Chip, ccb: u32, target: u8, cdb: &[u8], data_len: u32) {
    let buf = ccb + 0x100;
    c.wr32(
        ccb + ccb::SELECT as u32,
        insn::select_table_entry(target, 0, 0),
    );
    let tables = [
        (ccb::MSG_OUT, 1, buf),
        (ccb::COMMAND, cdb.len() as u32, buf + 0x10),
        (ccb::DATA, data_len, buf + 0x40),
        (ccb::STATUS, 1, buf + 0x20),
        (ccb::MSG_IN, 1, buf + 0x30),
    ];
    for (off, count, addr) in tables {
        let [w0, w1] = insn::table_move_entry(count, addr);
        c.wr32(ccb + off as u32, w0);
        c.wr32(ccb + off as u32 + 4, w1);
    }
    c.cpu.mem.write(buf, &[msg::identify(0, true).unwrap()]);
    c.cpu.mem.write(buf + 0x10, cdb);
    c.cpu.mem.write(buf + 0x20, &[0xff]);
}

fn boot(p: &Program<WORDS, LABELS>, target: Vec<Step>) -> Chip {
    let mut c = Chip {
        cpu: Scripts::new(),
        bus: Scripted {
            target: target.into(),
            ..Default::default()
        },
    };
    let mut words = [0u32; WORDS];
    let n = p.load(BASE, &[DONE_AT, MAILBOX], &mut words).unwrap();
    for (i, w) in words[..n].iter().enumerate() {
        c.wr32(BASE + 4 * i as u32, *w);
    }
    c.cpu.dsp = p.address(START, BASE).unwrap();
    c
}

const INQUIRY: [u8; 6] = [0x12, 0, 0, 0, 36, 0];
const TEST_UNIT_READY: [u8; 6] = [0; 6];

#[test]
fn the_example_assembles() {
    for p in [&ABSOLUTE, &RELATIVE] {
        assert_eq!(p.len(), 86);
        assert!(p.size_bytes() <= regs::SCRIPTS_RAM_SIZE);
        assert_eq!(p.externs_needed(), 2);
        assert_eq!(p.offset(START), Some(0));
        assert_eq!(p.offset(CLEAR_ACK), Some(4 * 82));
    }
    // Absolute mode relocates the 20 label references and the 2 externs,
    // relative mode only the externs.
    assert_eq!(ABSOLUTE.relocations().count(), 22);
    assert_eq!(RELATIVE.relocations().count(), 2);
    // The two differ only in the control-flow dwords.
    let diff = ABSOLUTE
        .words()
        .iter()
        .zip(RELATIVE.words())
        .filter(|(a, r)| a != r)
        .count();
    assert_eq!(diff, 2 * 20);
}

#[test]
fn untagged_command_without_disconnect() {
    for p in [&ABSOLUTE, &RELATIVE] {
        let inquiry: Vec<u8> = (0..36).collect();
        let mut c = boot(
            p,
            vec![
                Step::Out(Phase::MsgOut, 1),
                Step::Out(Phase::Command, 6),
                Step::In(Phase::DataIn, inquiry.clone()),
                Step::In(Phase::Status, vec![0x00]),
                Step::In(Phase::MsgIn, vec![msg::COMMAND_COMPLETE]),
                Step::Disconnect,
            ],
        );
        build_ccb(&mut c, CCB, 3, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Parked);
        assert_eq!(c.bus.selected, Some(3));
        assert_eq!(
            c.bus.received,
            [
                (Phase::MsgOut, vec![0xc0]),
                (Phase::Command, INQUIRY.to_vec())
            ]
        );
        assert_eq!(c.mem(0x8140, 36), inquiry[..]);
        assert_eq!(c.mem(0x8120, 1), [0x00], "status byte");
        assert_eq!(c.cpu.reg(regs::SCRATCHA), 0x00);
        assert_eq!(c.rd32(DONE_AT), CCB);
        assert_eq!(c.cpu.intfly, [INTFLY_DONE]);
        assert_eq!(c.cpu.reg(regs::SCNTL2) & regs::SCNTL2_SDU, 0);
        // Parked on WAIT RESELECT (QEMU leaves DSP past it).
        assert!(c.cpu.is_parked());
        assert_eq!(Some(c.cpu.dsp), p.address(IDLE, BASE).map(|a| a + 8));
    }
}

#[test]
fn disconnect_reselect_then_a_signalled_command() {
    for p in [&ABSOLUTE, &RELATIVE] {
        let mut c = boot(
            p,
            vec![
                Step::Out(Phase::MsgOut, 1),
                Step::Out(Phase::Command, 6),
                Step::In(Phase::MsgIn, vec![msg::SAVE_DATA_POINTER, msg::DISCONNECT]),
                Step::Disconnect,
                Step::Reselect(0x80),
                Step::In(Phase::DataIn, vec![0x5a; 36]),
                Step::In(Phase::Status, vec![0x02]),
                Step::In(Phase::MsgIn, vec![msg::COMMAND_COMPLETE]),
                Step::Disconnect,
            ],
        );
        build_ccb(&mut c, CCB, 2, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        c.cpu.set_reg(regs::SCNTL2, regs::SCNTL2_SDU);
        assert_eq!(c.run(), Stop::Parked);
        assert_eq!(c.mem(0x8140, 36), [0x5a; 36]);
        assert_eq!(c.mem(0x8120, 1), [0x02], "CHECK CONDITION");
        assert_eq!(c.cpu.reg(regs::SCRATCHA), 0x02);
        assert_eq!(c.rd32(DONE_AT), CCB);
        assert_eq!(c.cpu.intfly, [INTFLY_DONE]);

        // The host queues TEST UNIT READY: mailbox, then SIGP.
        build_ccb(&mut c, CCB2, 5, &TEST_UNIT_READY, 0);
        c.wr32(MAILBOX, CCB2);
        c.bus.target.extend([
            Step::Out(Phase::MsgOut, 1),
            Step::Out(Phase::Command, 6),
            Step::In(Phase::Status, vec![0x00]),
            Step::In(Phase::MsgIn, vec![msg::COMMAND_COMPLETE]),
            Step::Disconnect,
        ]);
        assert_eq!(c.cpu.signal(&mut c.bus), Some(Stop::Parked));
        assert!(!c.cpu.sigp, "CTEST2 read acknowledges SIGP");
        assert_eq!(c.cpu.dsa(), CCB2);
        assert_eq!(c.bus.selected, Some(5));
        assert_eq!(c.rd32(DONE_AT), CCB2);
        assert_eq!(c.cpu.intfly, [INTFLY_DONE, INTFLY_DONE]);
        assert_eq!(c.bus.received.len(), 4);
        assert_eq!(
            c.bus.received[3],
            (Phase::Command, TEST_UNIT_READY.to_vec())
        );
    }
}

#[test]
fn unexpected_messages_and_phases_reach_the_driver() {
    for p in [&ABSOLUTE, &RELATIVE] {
        // An extended message: INT with the code, SFBR = 0x01.
        let mut c = boot(
            p,
            vec![
                Step::Out(Phase::MsgOut, 1),
                Step::In(Phase::MsgIn, msg::sdtr(12, 8).to_vec()),
            ],
        );
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Int(INT_MSG_IN));
        assert_eq!(c.cpu.sfbr, msg::EXTENDED);

        // Reselection without IDENTIFY.
        let mut c = boot(p, vec![Step::Reselect(0x00)]);
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        c.cpu.dsp = p.address(IDLE, BASE).unwrap();
        assert_eq!(c.run(), Stop::Int(INT_NO_IDENTIFY));

        // The target goes quiet after a phase: no dispatcher branch
        // matches and the driver gets the bad-phase code.
        let mut c = boot(
            p,
            vec![
                Step::Out(Phase::MsgOut, 1),
                Step::Out(Phase::Command, 6),
                Step::Out(Phase::DataOut, 36),
            ],
        );
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Int(INT_BAD_PHASE));
        assert_eq!(c.bus.received[2], (Phase::DataOut, vec![0; 36]));

        // A block move in the wrong phase is a phase mismatch.
        let mut c = boot(p, vec![Step::In(Phase::Status, vec![0])]);
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        c.bus.connected = true;
        c.cpu.dsp = p.address(COMMAND, BASE).unwrap();
        assert_eq!(c.run(), Stop::PhaseMismatch);
        // DSP past the move, DBC its count (QEMU).
        assert_eq!(Some(c.cpu.dsp), p.address(COMMAND, BASE).map(|a| a + 8));
        assert_eq!(c.cpu.dbc(), 6);
        assert_eq!(c.cpu.sist0, regs::SIST0_MA);
    }
}

#[test]
fn reselected_before_selection_takes_the_alternate_address() {
    for p in [&ABSOLUTE, &RELATIVE] {
        let mut c = boot(
            p,
            vec![
                Step::In(Phase::MsgIn, vec![0x80]),
                Step::In(Phase::Status, vec![0x00]),
                Step::In(Phase::MsgIn, vec![msg::COMMAND_COMPLETE]),
                Step::Disconnect,
            ],
        );
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.cpu.set_dsa(CCB);
        // The bus is already ours (a target won arbitration first).
        c.bus.connected = true;
        assert_eq!(c.run(), Stop::Parked);
        assert_eq!(c.bus.selected, None);
        assert_eq!(c.cpu.intfly, [INTFLY_DONE]);
    }
}

#[test]
fn a_raw_encoder_patches_a_running_program() {
    // The driver can redirect a JUMP in memory: write the second dword.
    let mut c = boot(&ABSOLUTE, vec![]);
    let jump_at = ABSOLUTE.address(SIGNALLED, BASE).unwrap() + 16;
    assert_eq!(
        c.rd32(jump_at),
        insn::jump(Cond::ALWAYS, insn::Target::Absolute(0))[0]
    );
    assert_eq!(c.rd32(jump_at + 4), BASE);
    let [_, to] = insn::jump(
        Cond::ALWAYS,
        insn::Target::Absolute(ABSOLUTE.address(IDLE, BASE).unwrap()),
    );
    c.wr32(jump_at + 4, to);
    c.cpu.set_dsa(CCB);
    c.wr32(MAILBOX, CCB2);
    c.cpu.sigp = true;
    c.cpu.dsp = ABSOLUTE.address(IDLE, BASE).unwrap();
    assert_eq!(c.run(), Stop::Parked);
    assert_eq!(c.cpu.dsa(), CCB2);
    assert_eq!(c.bus.selected, None);
}
