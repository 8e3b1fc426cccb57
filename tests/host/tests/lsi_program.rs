// SPDX-License-Identifier: GPL-2.0

//! An example SCRIPTS program written with the assembler (select, message
//! out, command, data, status, message in, disconnect/reselect, a new
//! command signalled by the host), run on a small SCRIPTS interpreter
//! against a scripted target. The interpreter follows the 53C8xx manual's
//! instruction semantics for the instructions the example uses; it checks
//! that labels, relocation, externs and conditions fit together, both in
//! absolute and in relative mode.
use std::collections::VecDeque;

use orion_scsi_host_tests::lsi::scripts::{
    insn::{self, Kind},
    msg, regs, Asm, AsmError, Cond, Extern, Flags, Label, Op, Phase, Program,
};

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

#[derive(Debug, PartialEq)]
enum Stop {
    Int(u32),
    /// WAIT RESELECT with nothing to do.
    Idle,
    PhaseMismatch,
    /// The interpreter met something the example does not use.
    Unsupported(u32),
}

struct Chip {
    mem: Vec<u8>,
    regs: [u8; 256],
    dsp: u32,
    temp: u32,
    carry: bool,
    connected: bool,
    sigp: bool,
    selected: Option<u8>,
    target: VecDeque<Step>,
    received: Vec<(Phase, Vec<u8>)>,
    int_fly: Vec<u32>,
}

impl Chip {
    fn new(target: Vec<Step>) -> Self {
        Chip {
            mem: vec![0; 0x10000],
            regs: [0; 256],
            dsp: 0,
            temp: 0,
            carry: false,
            connected: false,
            sigp: false,
            selected: None,
            target: target.into(),
            received: Vec::new(),
            int_fly: Vec::new(),
        }
    }

    fn rd32(&self, a: u32) -> u32 {
        let a = a as usize;
        u32::from_le_bytes(self.mem[a..a + 4].try_into().unwrap())
    }

    fn wr32(&mut self, a: u32, v: u32) {
        let a = a as usize;
        self.mem[a..a + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn dsa(&self) -> u32 {
        u32::from_le_bytes(self.regs[0x10..0x14].try_into().unwrap())
    }

    fn set_dsa(&mut self, v: u32) {
        self.regs[0x10..0x14].copy_from_slice(&v.to_le_bytes());
    }

    fn sfbr(&self) -> u8 {
        self.regs[regs::SFBR.offset()]
    }

    /// The phase the target drives, if connected and requesting.
    fn phase(&self) -> Option<Phase> {
        match self.target.front() {
            Some(Step::Out(p, _) | Step::In(p, _)) if self.connected => Some(*p),
            _ => None,
        }
    }

    fn cond(&self, insn: u32) -> bool {
        let if_true = insn & 1 << 19 != 0;
        let mut ok = true;
        if insn & 1 << 21 != 0 {
            ok &= self.carry;
        }
        if insn & 1 << 17 != 0 {
            ok &= self.phase().map(|p| u32::from(p.bits())) == Some((insn >> 24) & 7);
        }
        if insn & 1 << 18 != 0 {
            let mask = !(insn >> 8) as u8;
            ok &= self.sfbr() & mask == insn as u8 & mask;
        }
        // No compare at all: "true".
        ok == if_true
    }

    fn reg_read(&mut self, r: u8) -> u8 {
        if r == regs::CTEST2.addr() {
            let sigp = std::mem::take(&mut self.sigp);
            return if sigp { regs::CTEST2_SIGP } else { 0 };
        }
        self.regs[usize::from(r)]
    }

    fn target_addr(&self, insn: u32, second: u32, rel_bit: u32) -> u32 {
        if insn & rel_bit != 0 {
            // 24-bit signed displacement from the next instruction.
            let disp = ((second << 8) as i32) >> 8;
            self.dsp.wrapping_add(disp as u32)
        } else {
            second
        }
    }

    fn run(&mut self) -> Stop {
        for _ in 0..10_000 {
            let insn = self.rd32(self.dsp);
            let second = self.rd32(self.dsp + 4);
            let at = self.dsp;
            self.dsp += 8;
            match Kind::of(insn) {
                Kind::BlockMove => {
                    let (count, addr) = if insn & 1 << 28 != 0 {
                        let t = self.dsa().wrapping_add(second);
                        (self.rd32(t) & 0xff_ffff, self.rd32(t + 4))
                    } else if insn & 1 << 29 != 0 {
                        (insn & 0xff_ffff, self.rd32(second))
                    } else {
                        (insn & 0xff_ffff, second)
                    };
                    let want = Phase::from_bits((insn >> 24) as u8);
                    if self.phase() != want {
                        self.dsp = at;
                        return Stop::PhaseMismatch;
                    }
                    let want = want.unwrap();
                    let count = count as usize;
                    match self.target.front_mut() {
                        Some(Step::In(_, bytes)) => {
                            let n = count.min(bytes.len());
                            let a = addr as usize;
                            self.mem[a..a + n].copy_from_slice(&bytes[..n]);
                            self.regs[regs::SFBR.offset()] = bytes[0];
                            bytes.drain(..n);
                            if bytes.is_empty() {
                                self.target.pop_front();
                            }
                        }
                        Some(Step::Out(_, len)) => {
                            assert_eq!(*len, count, "{want:?}");
                            let a = addr as usize;
                            self.received.push((want, self.mem[a..a + count].to_vec()));
                            self.target.pop_front();
                        }
                        _ => unreachable!(),
                    }
                }
                Kind::Io => {
                    let alt = self.target_addr(insn, second, 1 << 26);
                    match (insn >> 27) & 7 {
                        0 => {
                            if self.connected {
                                self.dsp = alt;
                                continue;
                            }
                            let entry = self.rd32(self.dsa().wrapping_add(insn & 0xff_ffff));
                            self.selected = Some((entry >> 16) as u8 & 0xf);
                            self.connected = true;
                        }
                        1 => match self.target.pop_front() {
                            Some(Step::Disconnect) => self.connected = false,
                            s => panic!("WAIT DISCONNECT but the target does {s:?}"),
                        },
                        2 => match self.target.front() {
                            Some(Step::Reselect(id)) => {
                                let id = *id;
                                self.target.pop_front();
                                self.target.push_front(Step::In(Phase::MsgIn, vec![id]));
                                self.connected = true;
                            }
                            _ if self.sigp => self.dsp = alt,
                            _ => {
                                self.dsp = at;
                                return Stop::Idle;
                            }
                        },
                        3 | 4 => {
                            let set = (insn >> 27) & 7 == 3;
                            if insn & Flags::CARRY.bits() != 0 {
                                self.carry = set;
                            }
                        }
                        _ => return Stop::Unsupported(insn),
                    }
                }
                Kind::ReadWrite => {
                    let reg = (((insn >> 16) & 0x7f) | (insn & 0x80)) as u8;
                    let data = (insn >> 8) as u8;
                    let op = (insn >> 24) & 7;
                    let opcode = (insn >> 27) & 7;
                    let (a, b) = match opcode {
                        5 => (self.sfbr(), data),
                        6 => (self.reg_read(reg), data),
                        _ => {
                            let b = if insn & 1 << 23 != 0 {
                                self.sfbr()
                            } else {
                                data
                            };
                            (self.reg_read(reg), b)
                        }
                    };
                    let r = match op {
                        0 => b,
                        2 => a | b,
                        3 => a ^ b,
                        4 => a & b,
                        6 => {
                            let (r, c) = a.overflowing_add(b);
                            self.carry = c;
                            r
                        }
                        _ => return Stop::Unsupported(insn),
                    };
                    if opcode == 6 {
                        self.regs[regs::SFBR.offset()] = r;
                    } else {
                        self.regs[usize::from(reg)] = r;
                    }
                }
                Kind::TransferControl => {
                    if !self.cond(insn) {
                        continue;
                    }
                    let to = self.target_addr(insn, second, 1 << 23);
                    match (insn >> 27) & 7 {
                        0 => self.dsp = to,
                        1 => {
                            self.temp = self.dsp;
                            self.dsp = to;
                        }
                        2 => self.dsp = self.temp,
                        _ if insn & 1 << 20 != 0 => self.int_fly.push(second),
                        _ => return Stop::Int(second),
                    }
                }
                Kind::MemoryMove => {
                    let dst = self.rd32(self.dsp);
                    self.dsp += 4;
                    for i in 0..(insn & 0xff_ffff) {
                        self.mem[(dst + i) as usize] = self.mem[(second + i) as usize];
                    }
                }
                Kind::LoadStore => {
                    let addr = if insn & 1 << 28 != 0 {
                        self.dsa().wrapping_add(second)
                    } else {
                        second
                    };
                    let reg = ((insn >> 16) & 0xff) as usize;
                    let n = (insn & 7) as usize;
                    let a = addr as usize;
                    if insn & 1 << 24 != 0 {
                        self.regs[reg..reg + n].copy_from_slice(&self.mem[a..a + n]);
                    } else {
                        self.mem[a..a + n].copy_from_slice(&self.regs[reg..reg + n]);
                    }
                }
                Kind::IllegalTransfer => return Stop::Unsupported(insn),
            }
        }
        panic!("runaway SCRIPTS");
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
    c.mem[buf as usize] = msg::identify(0, true).unwrap();
    let cdb_at = (buf + 0x10) as usize;
    c.mem[cdb_at..cdb_at + cdb.len()].copy_from_slice(cdb);
    c.mem[(buf + 0x20) as usize] = 0xff;
}

fn boot(p: &Program<WORDS, LABELS>, target: Vec<Step>) -> Chip {
    let mut c = Chip::new(target);
    let mut words = [0u32; WORDS];
    let n = p.load(BASE, &[DONE_AT, MAILBOX], &mut words).unwrap();
    for (i, w) in words[..n].iter().enumerate() {
        c.wr32(BASE + 4 * i as u32, *w);
    }
    c.dsp = p.address(START, BASE).unwrap();
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
        c.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Idle);
        assert_eq!(c.selected, Some(3));
        assert_eq!(
            c.received,
            [
                (Phase::MsgOut, vec![0xc0]),
                (Phase::Command, INQUIRY.to_vec())
            ]
        );
        assert_eq!(c.mem[0x8140..0x8164], inquiry[..]);
        assert_eq!(c.mem[0x8120], 0x00, "status byte");
        assert_eq!(c.regs[regs::SCRATCHA.offset()], 0x00);
        assert_eq!(c.rd32(DONE_AT), CCB);
        assert_eq!(c.int_fly, [INTFLY_DONE]);
        assert_eq!(c.regs[regs::SCNTL2.offset()] & regs::SCNTL2_SDU, 0);
        // Parked on WAIT RESELECT.
        assert_eq!(Some(c.dsp), p.address(IDLE, BASE));
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
        c.set_dsa(CCB);
        c.regs[regs::SCNTL2.offset()] = regs::SCNTL2_SDU;
        assert_eq!(c.run(), Stop::Idle);
        assert_eq!(c.mem[0x8140..0x8164], [0x5a; 36]);
        assert_eq!(c.mem[0x8120], 0x02, "CHECK CONDITION");
        assert_eq!(c.regs[regs::SCRATCHA.offset()], 0x02);
        assert_eq!(c.rd32(DONE_AT), CCB);
        assert_eq!(c.int_fly, [INTFLY_DONE]);

        // The host queues TEST UNIT READY: mailbox, then SIGP.
        build_ccb(&mut c, CCB2, 5, &TEST_UNIT_READY, 0);
        c.wr32(MAILBOX, CCB2);
        c.sigp = true;
        c.target.extend([
            Step::Out(Phase::MsgOut, 1),
            Step::Out(Phase::Command, 6),
            Step::In(Phase::Status, vec![0x00]),
            Step::In(Phase::MsgIn, vec![msg::COMMAND_COMPLETE]),
            Step::Disconnect,
        ]);
        assert_eq!(c.run(), Stop::Idle);
        assert!(!c.sigp, "CTEST2 read acknowledges SIGP");
        assert_eq!(c.dsa(), CCB2);
        assert_eq!(c.selected, Some(5));
        assert_eq!(c.rd32(DONE_AT), CCB2);
        assert_eq!(c.int_fly, [INTFLY_DONE, INTFLY_DONE]);
        assert_eq!(c.received.len(), 4);
        assert_eq!(c.received[3], (Phase::Command, TEST_UNIT_READY.to_vec()));
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
        c.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Int(INT_MSG_IN));
        assert_eq!(c.sfbr(), msg::EXTENDED);

        // Reselection without IDENTIFY.
        let mut c = boot(p, vec![Step::Reselect(0x00)]);
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.set_dsa(CCB);
        c.dsp = p.address(IDLE, BASE).unwrap();
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
        c.set_dsa(CCB);
        assert_eq!(c.run(), Stop::Int(INT_BAD_PHASE));
        assert_eq!(c.received[2], (Phase::DataOut, vec![0; 36]));

        // A block move in the wrong phase is a phase mismatch.
        let mut c = boot(p, vec![Step::In(Phase::Status, vec![0])]);
        build_ccb(&mut c, CCB, 1, &INQUIRY, 36);
        c.set_dsa(CCB);
        c.connected = true;
        c.dsp = p.address(COMMAND, BASE).unwrap();
        assert_eq!(c.run(), Stop::PhaseMismatch);
        assert_eq!(Some(c.dsp), p.address(COMMAND, BASE));
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
        c.set_dsa(CCB);
        // The bus is already ours (a target won arbitration first).
        c.connected = true;
        assert_eq!(c.run(), Stop::Idle);
        assert_eq!(c.selected, None);
        assert_eq!(c.int_fly, [INTFLY_DONE]);
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
    c.set_dsa(CCB);
    c.wr32(MAILBOX, CCB2);
    c.sigp = true;
    c.dsp = ABSOLUTE.address(IDLE, BASE).unwrap();
    assert_eq!(c.run(), Stop::Idle);
    assert_eq!(c.dsa(), CCB2);
    assert_eq!(c.selected, None);
}
