// SPDX-License-Identifier: GPL-2.0

//! A SCRIPTS processor for host tests, following QEMU's `lsi53c895a`
//! model (hw/scsi/lsi53c895a.c) for the instructions it runs:
//!
//! - register instructions: opcode 5 ("from SFBR") computes `SFBR op
//!   data8` into the register; opcode 6 ("to SFBR") reads the register
//!   only if the operator is not MOV and writes SFBR; opcode 7
//!   (read-modify-write) reads the register only if the operator is not
//!   MOV, with SFBR as the second operand if bit 23 is set. Register 0x08
//!   read as a source returns 0 (QEMU decodes it as the revision ID);
//!   reading CTEST2 clears ISTAT0.SIGP; ISTAT0 reads without side
//!   effects (SIGP, SEM, INTF, SIP, DIP; QEMU keeps no CON there). SHL
//!   shifts the carry in at bit 0 and bit 7 out to the carry (SHR the
//!   other way round);
//! - LOAD writes registers byte by byte (a LOAD into SFBR sets SFBR),
//!   STORE reads them the same way;
//! - transfer control: neither a compare nor the true bit is a NOP;
//!   carry, then phase, then data are compared (the data mask is the
//!   complement of bits 15:8); INT stops with DSTAT.SIR and the dword in
//!   DSPS, INTFLY raises ISTAT0.INTF and goes on;
//! - block moves compare the phase once, at their start: a mismatch
//!   raises SIST0.MA and stops with DSP past the move and DBC holding its
//!   count; a data move the target ends early (it changed phase) raises
//!   MA the same way with DBC holding the bytes not moved. A MESSAGE IN
//!   move leaves the first byte in SFBR and the last in SIDL, a STATUS
//!   move the status in SFBR, a COMMAND move the opcode in SFBR;
//! - SELECT jumps to its alternate address when the bus is already
//!   connected (a target reselected); a selection timeout raises
//!   SIST1.STO without stopping, and the SCRIPTS stop at the next block
//!   move or (non-NOP) transfer control instruction;
//! - WAIT RESELECT jumps to its alternate address if ISTAT0.SIGP is set
//!   (and leaves SIGP set), goes on if the bus is or becomes connected,
//!   and otherwise parks the processor until the CPU sets SIGP or a
//!   target reselects;
//! - a CPU write of ISTAT0 replaces SIGP and SEM (bits 7:4) and, with
//!   SIGP, wakes parked SCRIPTS at the WAIT RESELECT's alternate address.
//!
//! What the SCSI side does is a [`Bus`]. The processor panics on what it
//! does not model (other instructions, registers with side effects, DMA
//! into its own SCRIPTS RAM, a zero dword where an instruction should
//! be), so a test notices instead of getting a guess.

#![allow(dead_code)]

use std::collections::BTreeMap;

#[path = "qemu_scsi.rs"]
pub mod qemu;

use orion_scsi_host_tests::lsi::scripts::{
    insn::{Kind, Phase},
    regs,
};

/// Sparse host memory: 4 KiB pages, zero until written.
#[derive(Default)]
pub struct Mem {
    pages: BTreeMap<u32, Box<[u8; 4096]>>,
}

impl Mem {
    pub fn read(&self, addr: u32, len: usize) -> Vec<u8> {
        (0..len as u32)
            .map(|i| {
                let a = addr.wrapping_add(i);
                self.pages
                    .get(&(a >> 12))
                    .map_or(0, |p| p[(a & 0xfff) as usize])
            })
            .collect()
    }

    pub fn write(&mut self, addr: u32, data: &[u8]) {
        for (i, b) in data.iter().enumerate() {
            let a = addr.wrapping_add(i as u32);
            let page = self
                .pages
                .entry(a >> 12)
                .or_insert_with(|| Box::new([0; 4096]));
            page[(a & 0xfff) as usize] = *b;
        }
    }

    pub fn rd8(&self, addr: u32) -> u8 {
        self.read(addr, 1)[0]
    }

    pub fn rd32(&self, addr: u32) -> u32 {
        u32::from_le_bytes(self.read(addr, 4).try_into().unwrap())
    }

    pub fn wr32(&mut self, addr: u32, v: u32) {
        self.write(addr, &v.to_le_bytes());
    }
}

/// The SCSI bus as the chip sees it: the target's phase and its side of
/// each transfer.
pub trait Bus {
    /// The phase SSTAT1 shows; `None` when no phase compare can match.
    fn phase(&self) -> Option<Phase>;
    /// SCNTL1.CON: the chip is connected to a target.
    fn connected(&self) -> bool;
    /// SSID: the ID of the target that last reselected (bit 7: valid).
    fn ssid(&self) -> u8;
    /// SELECT target `id`; `false` if nobody answers (selection timeout).
    fn select(&mut self, id: u8, atn: bool) -> bool;
    /// A DATA OUT move offers `data`: the bytes the target took.
    fn data_out(&mut self, data: &[u8]) -> usize;
    /// A DATA IN move asks for up to `max` bytes.
    fn data_in(&mut self, max: usize) -> Vec<u8>;
    /// A COMMAND move (at most 16 bytes).
    fn command(&mut self, cdb: &[u8]);
    /// A STATUS move: the status byte.
    fn status(&mut self) -> u8;
    /// A MESSAGE OUT move.
    fn msg_out(&mut self, bytes: &[u8]);
    /// A MESSAGE IN move asks for up to `max` bytes.
    fn msg_in(&mut self, max: usize) -> Vec<u8>;
    /// WAIT DISCONNECT.
    fn wait_disconnect(&mut self);
    /// WAIT RESELECT without SIGP: `true` if the bus is (now) connected and
    /// the SCRIPTS go on, `false` if they wait.
    fn wait_reselect(&mut self) -> bool;
    /// SET ATN.
    fn set_atn(&mut self);
}

/// Why the SCRIPTS processor stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// INT: DSTAT.SIR, the code in DSPS.
    Int(u32),
    /// SIST0.MA: DSP is past the block move, DBC holds the bytes it did
    /// not move.
    PhaseMismatch,
    /// SIST1.STO, raised by a SELECT nobody answered.
    SelectionTimeout,
    /// WAIT RESELECT with nothing to do: the processor waits for SIGP or
    /// a reselection.
    Parked,
}

/// Instructions one run may execute before the test calls it a runaway.
const LIMIT: usize = 100_000;

/// Sign-extends a 24-bit field.
fn sext24(v: u32) -> u32 {
    (((v << 8) as i32) >> 8) as u32
}

/// The SCRIPTS processor with its registers and the host memory it
/// reaches by DMA.
pub struct Scripts {
    pub mem: Mem,
    ram_base: u32,
    ram: Vec<u8>,
    regs: [u8; 256],
    pub sfbr: u8,
    pub sidl: u8,
    pub carry: bool,
    pub dsp: u32,
    /// ISTAT0.SIGP.
    pub sigp: bool,
    /// ISTAT0.SEM.
    pub sem: bool,
    /// ISTAT0.INTF.
    pub intf: bool,
    pub dstat: u8,
    pub sist0: u8,
    pub sist1: u8,
    /// DSPS of every INTFLY, in order.
    pub intfly: Vec<u32>,
    /// Alternate address of the WAIT RESELECT the processor is parked in.
    parked: Option<u32>,
    /// Address and DSA of every instruction executed, in order.
    pub trace: Vec<(u32, u32)>,
}

impl Scripts {
    /// A processor fetching SCRIPTS from host memory.
    pub fn new() -> Self {
        Scripts {
            mem: Mem::default(),
            ram_base: 0,
            ram: Vec::new(),
            regs: [0; 256],
            sfbr: 0,
            sidl: 0,
            carry: false,
            dsp: 0,
            sigp: false,
            sem: false,
            intf: false,
            dstat: 0,
            sist0: 0,
            sist1: 0,
            intfly: Vec::new(),
            parked: None,
            trace: Vec::new(),
        }
    }

    /// A processor with `words` in its on-chip SCRIPTS RAM at bus address
    /// `base` (DMA into that window is a test failure).
    pub fn with_ram(base: u32, words: &[u32]) -> Self {
        let mut s = Scripts::new();
        s.ram_base = base;
        s.ram = vec![0; regs::SCRIPTS_RAM_SIZE];
        for (i, w) in words.iter().enumerate() {
            s.ram[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        s
    }

    fn in_ram(&self, addr: u32, len: u32) -> bool {
        let end = u64::from(addr) + u64::from(len);
        !self.ram.is_empty()
            && end > u64::from(self.ram_base)
            && u64::from(addr) < u64::from(self.ram_base) + self.ram.len() as u64
    }

    fn fetch(&self, addr: u32) -> u32 {
        if self.in_ram(addr, 4) {
            let o = (addr - self.ram_base) as usize;
            assert!(
                o + 4 <= self.ram.len(),
                "fetch across the end of SCRIPTS RAM"
            );
            u32::from_le_bytes(self.ram[o..o + 4].try_into().unwrap())
        } else {
            self.mem.rd32(addr)
        }
    }

    fn dma_read(&self, addr: u32, len: u32) -> Vec<u8> {
        assert!(
            !self.in_ram(addr, len),
            "DMA read of SCRIPTS RAM at {addr:#x}"
        );
        self.mem.read(addr, len as usize)
    }

    fn dma_write(&mut self, addr: u32, data: &[u8]) {
        assert!(
            !self.in_ram(addr, data.len() as u32),
            "DMA write to SCRIPTS RAM at {addr:#x}"
        );
        self.mem.write(addr, data);
    }

    fn reg32(&self, r: regs::Reg) -> u32 {
        let o = r.offset();
        u32::from_le_bytes(self.regs[o..o + 4].try_into().unwrap())
    }

    fn set_reg32(&mut self, r: regs::Reg, v: u32) {
        let o = r.offset();
        self.regs[o..o + 4].copy_from_slice(&v.to_le_bytes());
    }

    pub fn dsa(&self) -> u32 {
        self.reg32(regs::DSA)
    }

    pub fn set_dsa(&mut self, v: u32) {
        self.set_reg32(regs::DSA, v);
    }

    pub fn temp(&self) -> u32 {
        self.reg32(regs::TEMP)
    }

    pub fn dsps(&self) -> u32 {
        self.reg32(regs::DSPS)
    }

    /// DBC (24 bits).
    pub fn dbc(&self) -> u32 {
        self.reg32(regs::DBC) & 0x00ff_ffff
    }

    fn set_dbc(&mut self, v: u32) {
        let dcmd = self.regs[regs::DCMD.offset()];
        self.set_reg32(regs::DBC, v & 0x00ff_ffff | u32::from(dcmd) << 24);
    }

    /// A register without side effects, as the CPU would read it with the
    /// SCRIPTS stopped.
    pub fn reg(&self, r: regs::Reg) -> u8 {
        assert!(Self::plain(r.addr()), "{r:?} is not a plain register here");
        self.regs[r.offset()]
    }

    /// Sets a register without side effects, as the CPU would with the
    /// SCRIPTS stopped.
    pub fn set_reg(&mut self, r: regs::Reg, v: u8) {
        assert!(Self::plain(r.addr()), "{r:?} is not a plain register here");
        self.regs[r.offset()] = v;
    }

    /// Registers that are storage only (in QEMU and here).
    fn plain(r: u8) -> bool {
        matches!(r, 0x00..=0x03 | 0x05 | 0x10..=0x13 | 0x1c..=0x1f | 0x34..=0x37 | 0x5c..=0x9f)
    }

    fn reg_read(&mut self, bus: &impl Bus, r: u8) -> u8 {
        match r {
            // QEMU decodes 0x08 as the revision ID.
            0x08 => 0,
            0x0a => bus.ssid(),
            0x14 => self.istat0(),
            0x1a => {
                let sigp = std::mem::take(&mut self.sigp);
                if sigp {
                    regs::CTEST2_SIGP
                } else {
                    0
                }
            }
            0x50 => self.sidl,
            r if Self::plain(r) => self.regs[usize::from(r)],
            r => panic!("SCRIPTS read of register {r:#04x} is not modelled"),
        }
    }

    fn reg_write(&mut self, r: u8, v: u8) {
        match r {
            0x08 => self.sfbr = v,
            r if Self::plain(r) => self.regs[usize::from(r)] = v,
            r => panic!("SCRIPTS write of register {r:#04x} is not modelled"),
        }
    }

    /// ISTAT0 as a read shows it.
    pub fn istat0(&self) -> u8 {
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        bit(self.sigp, regs::ISTAT0_SIGP)
            | bit(self.sem, regs::ISTAT0_SEM)
            | bit(self.intf, regs::ISTAT0_INTF)
            | bit(self.sist0 | self.sist1 != 0, regs::ISTAT0_SIP)
            | bit(self.dstat != 0, regs::ISTAT0_DIP)
    }

    /// The CPU writes ISTAT0 (QEMU's semantics): SIGP and SEM take the
    /// written values, INTF is cleared if written 1, and SIGP wakes parked
    /// SCRIPTS at the WAIT RESELECT's alternate address (`Some` with where
    /// they stop next).
    pub fn write_istat0(&mut self, bus: &mut impl Bus, v: u8) -> Option<Stop> {
        assert_eq!(
            v & (regs::ISTAT0_ABRT | regs::ISTAT0_SRST),
            0,
            "ABRT and SRST are not modelled"
        );
        self.sigp = v & regs::ISTAT0_SIGP != 0;
        self.sem = v & regs::ISTAT0_SEM != 0;
        if v & regs::ISTAT0_INTF != 0 {
            self.intf = false;
        }
        if !self.sigp {
            return None;
        }
        let alt = self.parked.take()?;
        self.dsp = alt;
        Some(self.run(bus))
    }

    /// Whether the processor waits in WAIT RESELECT.
    pub fn is_parked(&self) -> bool {
        self.parked.is_some()
    }

    /// Restarts stopped SCRIPTS at `addr` (the CPU read DSTAT and SIST
    /// first, which cleared them).
    pub fn restart_at(&mut self, addr: u32) {
        assert!(self.parked.is_none(), "restart of parked SCRIPTS");
        self.dstat = 0;
        self.sist0 = 0;
        self.sist1 = 0;
        self.dsp = addr;
    }

    /// The CPU sets ISTAT0.SIGP (keeping SEM as it is): parked SCRIPTS go
    /// on at the WAIT RESELECT's alternate address (`Some` with where they
    /// stop next); running or stopped ones find the bit set later.
    pub fn signal(&mut self, bus: &mut impl Bus) -> Option<Stop> {
        self.sigp = true;
        let alt = self.parked.take()?;
        self.dsp = alt;
        Some(self.run(bus))
    }

    /// A target reselected while the SCRIPTS were parked: they go on after
    /// the WAIT RESELECT.
    pub fn reselected(&mut self, bus: &mut impl Bus) -> Stop {
        assert!(bus.connected());
        self.parked.take().expect("not parked");
        self.run(bus)
    }

    /// Runs until the SCRIPTS stop or park.
    pub fn run(&mut self, bus: &mut impl Bus) -> Stop {
        assert!(self.parked.is_none(), "run while parked");
        for _ in 0..LIMIT {
            self.trace.push((self.dsp, self.dsa()));
            if let Some(stop) = self.step(bus) {
                return stop;
            }
        }
        panic!("runaway SCRIPTS at {:#x}", self.dsp);
    }

    fn step(&mut self, bus: &mut impl Bus) -> Option<Stop> {
        let at = self.dsp;
        let insn = self.fetch(at);
        assert_ne!(insn, 0, "zero dword at {at:#x}");
        let arg = self.fetch(at.wrapping_add(4));
        self.set_reg32(regs::DSPS, arg);
        self.regs[regs::DCMD.offset()] = (insn >> 24) as u8;
        self.dsp = at.wrapping_add(8);
        match Kind::of(insn) {
            Kind::BlockMove => self.block_move(insn, arg, bus),
            Kind::Io => self.io(insn, arg, bus),
            Kind::ReadWrite => {
                self.read_write(insn, &*bus);
                None
            }
            Kind::TransferControl => self.transfer(insn, arg, &*bus),
            Kind::IllegalTransfer => panic!("illegal instruction {insn:#010x} at {at:#x}"),
            Kind::MemoryMove => {
                let dst = self.fetch(self.dsp);
                self.dsp = self.dsp.wrapping_add(4);
                let data = self.dma_read(arg, insn & 0x00ff_ffff);
                self.dma_write(dst, &data);
                None
            }
            Kind::LoadStore => {
                let addr = if insn & 1 << 28 != 0 {
                    self.dsa().wrapping_add(sext24(arg))
                } else {
                    arg
                };
                let n = insn & 7;
                let reg = (insn >> 16) as u8;
                if insn & 1 << 24 != 0 {
                    let data = self.dma_read(addr, n);
                    for (i, b) in data.into_iter().enumerate() {
                        self.reg_write(reg.wrapping_add(i as u8), b);
                    }
                } else {
                    let data: Vec<u8> = (0..n)
                        .map(|i| self.reg_read(&*bus, reg.wrapping_add(i as u8)))
                        .collect();
                    self.dma_write(addr, &data);
                }
                None
            }
        }
    }

    fn block_move(&mut self, insn: u32, arg: u32, bus: &mut impl Bus) -> Option<Stop> {
        if self.sist1 & regs::SIST1_STO != 0 {
            return Some(Stop::SelectionTimeout);
        }
        let (count, addr) = if insn & 1 << 29 != 0 {
            let a = self.dma_read(arg, 4);
            (
                insn & 0x00ff_ffff,
                u32::from_le_bytes(a.try_into().unwrap()),
            )
        } else if insn & 1 << 28 != 0 {
            let t = self.dsa().wrapping_add(sext24(arg));
            let e = self.dma_read(t, 8);
            let w = |i: usize| u32::from_le_bytes(e[i..i + 4].try_into().unwrap());
            (w(0) & 0x00ff_ffff, w(4))
        } else {
            (insn & 0x00ff_ffff, arg)
        };
        self.set_dbc(count);
        let want = Phase::from_bits((insn >> 24) as u8);
        if want.is_none() || bus.phase() != want {
            self.sist0 |= regs::SIST0_MA;
            return Some(Stop::PhaseMismatch);
        }
        assert_ne!(count, 0, "zero-count block move at {:#x}", self.dsp - 8);
        let moved = match want.unwrap() {
            Phase::DataOut => {
                let data = self.dma_read(addr, count);
                bus.data_out(&data)
            }
            Phase::DataIn => {
                let data = bus.data_in(count as usize);
                self.dma_write(addr, &data);
                data.len()
            }
            Phase::Command => {
                let cdb = self.dma_read(addr, count.min(16));
                self.sfbr = cdb[0];
                bus.command(&cdb);
                return None;
            }
            Phase::Status => {
                let s = bus.status();
                self.sfbr = s;
                self.dma_write(addr, &[s]);
                return None;
            }
            Phase::MsgOut => {
                let bytes = self.dma_read(addr, count);
                bus.msg_out(&bytes);
                return None;
            }
            Phase::MsgIn => {
                let bytes = bus.msg_in(count as usize);
                assert!(!bytes.is_empty() && bytes.len() <= count as usize);
                self.dma_write(addr, &bytes);
                self.sfbr = bytes[0];
                self.sidl = *bytes.last().unwrap();
                return None;
            }
        };
        assert!(moved <= count as usize);
        self.set_dbc(count - moved as u32);
        if moved < count as usize {
            // The target went on to another phase before the count was done.
            self.sist0 |= regs::SIST0_MA;
            return Some(Stop::PhaseMismatch);
        }
        None
    }

    fn io(&mut self, insn: u32, arg: u32, bus: &mut impl Bus) -> Option<Stop> {
        let alt = if insn & 1 << 26 != 0 {
            self.dsp.wrapping_add(sext24(arg))
        } else {
            arg
        };
        match (insn >> 27) & 7 {
            0 => {
                let sel = if insn & 1 << 25 != 0 {
                    let a = self.dsa().wrapping_add(sext24(insn));
                    u32::from_le_bytes(self.dma_read(a, 4).try_into().unwrap())
                } else {
                    insn
                };
                let id = (sel >> 16) as u8 & 0x0f;
                if bus.connected() {
                    self.dsp = alt;
                } else if !bus.select(id, insn & 1 << 24 != 0) {
                    // QEMU goes on and stops at the next instruction that
                    // uses the bus.
                    self.sist1 |= regs::SIST1_STO;
                }
            }
            1 => bus.wait_disconnect(),
            2 => {
                if self.sigp {
                    self.dsp = alt;
                } else if !bus.wait_reselect() {
                    self.parked = Some(alt);
                    return Some(Stop::Parked);
                }
            }
            op @ (3 | 4) => {
                let set = op == 3;
                assert_eq!(insn & 1 << 9, 0, "target mode is not modelled");
                if insn & 1 << 3 != 0 && set {
                    bus.set_atn();
                }
                if insn & 1 << 10 != 0 {
                    self.carry = set;
                }
            }
            _ => unreachable!(),
        }
        None
    }

    fn read_write(&mut self, insn: u32, bus: &impl Bus) {
        let reg = (((insn >> 16) & 0x7f) | (insn & 0x80)) as u8;
        let data8 = (insn >> 8) as u8;
        let opcode = (insn >> 27) & 7;
        let operator = (insn >> 24) & 7;
        let (op0, op1) = match opcode {
            5 => (self.sfbr, data8),
            6 => {
                let op0 = if operator != 0 {
                    self.reg_read(bus, reg)
                } else {
                    0
                };
                (op0, data8)
            }
            7 => {
                let op0 = if operator != 0 {
                    self.reg_read(bus, reg)
                } else {
                    0
                };
                (
                    op0,
                    if insn & 1 << 23 != 0 {
                        self.sfbr
                    } else {
                        data8
                    },
                )
            }
            _ => unreachable!(),
        };
        let carry = u8::from(self.carry);
        let r = match operator {
            0 => op1,
            1 => {
                self.carry = op0 & 0x80 != 0;
                op0 << 1 | carry
            }
            2 => op0 | op1,
            3 => op0 ^ op1,
            4 => op0 & op1,
            5 => {
                self.carry = op0 & 1 != 0;
                op0 >> 1 | carry << 7
            }
            6 => {
                let (r, c) = op0.overflowing_add(op1);
                self.carry = c;
                r
            }
            _ => {
                let (r, c1) = op0.overflowing_add(op1);
                let (r, c2) = r.overflowing_add(carry);
                self.carry = c1 || c2;
                r
            }
        };
        if opcode == 6 {
            self.sfbr = r;
        } else {
            self.reg_write(reg, r);
        }
    }

    fn transfer(&mut self, insn: u32, arg: u32, bus: &impl Bus) -> Option<Stop> {
        if insn & 0x002e_0000 == 0 {
            return None;
        }
        if self.sist1 & regs::SIST1_STO != 0 {
            return Some(Stop::SelectionTimeout);
        }
        let jmp = insn & 1 << 19 != 0;
        let mut cond = jmp;
        if cond == jmp && insn & 1 << 21 != 0 {
            cond = self.carry;
        }
        if cond == jmp && insn & 1 << 17 != 0 {
            cond = bus.phase().map(|p| u32::from(p.bits())) == Some((insn >> 24) & 7);
        }
        if cond == jmp && insn & 1 << 18 != 0 {
            let mask = !(insn >> 8) as u8;
            cond = self.sfbr & mask == insn as u8 & mask;
        }
        if cond != jmp {
            return None;
        }
        let to = if insn & 1 << 23 != 0 {
            self.dsp.wrapping_add(sext24(arg))
        } else {
            arg
        };
        match (insn >> 27) & 7 {
            0 => self.dsp = to,
            1 => {
                let ret = self.dsp;
                self.set_reg32(regs::TEMP, ret);
                self.dsp = to;
            }
            2 => self.dsp = self.temp(),
            _ if insn & 1 << 20 != 0 => {
                self.intf = true;
                self.intfly.push(arg);
            }
            _ => {
                self.dstat |= regs::DSTAT_SIR;
                return Some(Stop::Int(arg));
            }
        }
        None
    }
}

impl Default for Scripts {
    fn default() -> Self {
        Scripts::new()
    }
}
