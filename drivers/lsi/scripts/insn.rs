// SPDX-License-Identifier: GPL-2.0

//! Encoders for the 53C8xx SCRIPTS instruction set, one `const fn` per
//! instruction form, returning the instruction's dwords (two; three for a
//! memory move) with every address final. The assembler in `asm` builds on
//! these and adds labels; use them directly for one-off instructions the
//! driver patches into memory.
//!
//! Encoders never panic: a field too wide for its bits is masked (a count
//! to 24 bits, a LOAD/STORE byte count to 3 bits, a DSA offset to a signed
//! 24-bit field). The assembler checks ranges and reports an error instead.
//!
//! Only the 32-bit forms are provided (no 64-bit MOVE64/JUMP64/select
//! selectors): the driver keeps SCRIPTS, tables and buffers below 4 GiB.

use super::regs::Reg;

/// A SCSI bus phase, as MSG, C/D and I/O encode it (bits 26:24 of a block
/// move or phase compare, bits 2:0 of SSTAT1, SBCL and DCMD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phase {
    /// Initiator to target data.
    DataOut = 0,
    /// Target to initiator data.
    DataIn = 1,
    /// Command descriptor block.
    Command = 2,
    /// Status byte.
    Status = 3,
    /// Messages to the target.
    MsgOut = 6,
    /// Messages from the target.
    MsgIn = 7,
}

impl Phase {
    /// The 3-bit phase code.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// Decodes bits 2:0 of `bits`; `None` for the reserved phases 4 and 5
    /// (DT data phases, which the 53C895A does not support).
    pub const fn from_bits(bits: u8) -> Option<Phase> {
        match bits & 7 {
            0 => Some(Phase::DataOut),
            1 => Some(Phase::DataIn),
            2 => Some(Phase::Command),
            3 => Some(Phase::Status),
            6 => Some(Phase::MsgOut),
            7 => Some(Phase::MsgIn),
            _ => None,
        }
    }

    /// Whether data flows from the target (I/O asserted).
    pub const fn is_in(self) -> bool {
        self as u8 & 1 != 0
    }

    const fn field(self) -> u32 {
        (self as u32) << PHASE_SHIFT
    }
}

/// Bits 31:30, the instruction type.
const TYPE_IO: u32 = 1 << 30;
const TYPE_TRANSFER: u32 = 2 << 30;
const TYPE_MEMORY: u32 = 3 << 30;

const PHASE_SHIFT: u32 = 24;
const COUNT_MASK: u32 = 0x00ff_ffff;

// Block move (type 0).
const MOVE_INDIRECT: u32 = 1 << 29;
const MOVE_TABLE: u32 = 1 << 28;
const MOVE_OPC: u32 = 1 << 27;

// I/O (type 1, opcodes 0..=4).
const IO_WAIT_DISCONNECT: u32 = 1 << 27;
const IO_WAIT_RESELECT: u32 = 2 << 27;
const IO_SET: u32 = 3 << 27;
const IO_CLEAR: u32 = 4 << 27;
const IO_RELATIVE: u32 = 1 << 26;
const IO_TABLE: u32 = 1 << 25;
const IO_ATN: u32 = 1 << 24;

// Read/write (type 1, opcodes 5..=7).
const RW_FROM_SFBR: u32 = 5 << 27;
const RW_TO_SFBR: u32 = 6 << 27;
const RW_MODIFY: u32 = 7 << 27;
const RW_OP_SHIFT: u32 = 24;
const RW_SFBR_DATA: u32 = 1 << 23;

// Transfer control (type 2).
const TC_CALL: u32 = 1 << 27;
const TC_RETURN: u32 = 2 << 27;
const TC_INT: u32 = 3 << 27;
const TC_RELATIVE: u32 = 1 << 23;
const TC_CARRY: u32 = 1 << 21;
const TC_INT_FLY: u32 = 1 << 20;
const TC_IF_TRUE: u32 = 1 << 19;
const TC_CMP_DATA: u32 = 1 << 18;
const TC_CMP_PHASE: u32 = 1 << 17;
const TC_WAIT_PHASE: u32 = 1 << 16;

// Memory move and LOAD/STORE (type 3).
const MM_NO_FLUSH: u32 = 1 << 24;
const LS: u32 = 1 << 29;
const LS_DSA: u32 = 1 << 28;
const LS_NO_FLUSH: u32 = 1 << 25;
const LS_LOAD: u32 = 1 << 24;

/// Whether `v` fits a signed 24-bit field (DSA offsets, relative jumps).
pub const fn fits_i24(v: i64) -> bool {
    v >= -(1 << 23) && v < (1 << 23)
}

/// A signed 24-bit field inside a first dword: its two's complement bits.
const fn i24_field(v: i32) -> u32 {
    (v as u32) & COUNT_MASK
}

/// Register address as register instructions carry it: A6..A0 in bits
/// 22:16 and A7 in bit 7.
const fn reg_field(reg: Reg) -> u32 {
    let a = reg.addr() as u32;
    ((a & 0x7f) << 16) | (a & 0x80)
}

/// The block move flavour, opcode bit 27 in the initiator role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveKind {
    /// MOVE: the transfer ends with the byte count (bit 27 set).
    Move,
    /// CHMOV: chained move, a wide transfer may leave its odd byte for the
    /// next move (bit 27 clear).
    ChainMove,
}

const fn move_opc(kind: MoveKind) -> u32 {
    match kind {
        MoveKind::Move => MOVE_OPC,
        MoveKind::ChainMove => 0,
    }
}

/// Block move of `count` bytes (1..=2^24-1) at `addr` in `phase`.
pub const fn block_move(kind: MoveKind, phase: Phase, count: u32, addr: u32) -> [u32; 2] {
    [move_opc(kind) | phase.field() | (count & COUNT_MASK), addr]
}

/// Block move of `count` bytes in `phase` at the address stored in the
/// dword at `ptr` (indirect addressing).
pub const fn block_move_indirect(kind: MoveKind, phase: Phase, count: u32, ptr: u32) -> [u32; 2] {
    [
        MOVE_INDIRECT | move_opc(kind) | phase.field() | (count & COUNT_MASK),
        ptr,
    ]
}

/// Block move in `phase` described by the [`table_move_entry`] at
/// DSA + `dsa_offset` (table indirect addressing).
pub const fn block_move_table(kind: MoveKind, phase: Phase, dsa_offset: i32) -> [u32; 2] {
    [
        MOVE_TABLE | move_opc(kind) | phase.field(),
        dsa_offset as u32,
    ]
}

/// The two dwords of a table-indirect move entry (byte count, address),
/// in the order they sit in memory (store them little-endian).
pub const fn table_move_entry(count: u32, addr: u32) -> [u32; 2] {
    [count & COUNT_MASK, addr]
}

/// The dword of a table-indirect SELECT entry: SCNTL3 in byte 3, the
/// target ID in byte 2, SXFER in byte 1 (store it little-endian).
pub const fn select_table_entry(target: u8, sxfer: u8, scntl3: u8) -> u32 {
    ((scntl3 as u32) << 24) | (((target & 0x0f) as u32) << 16) | ((sxfer as u32) << 8)
}

/// Where a jump, call or alternate address goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// An absolute bus address.
    Absolute(u32),
    /// A signed displacement from the address of the next instruction
    /// (the instruction's address + 8); must fit 24 bits.
    Relative(i32),
}

const fn io_target(target: Target) -> (u32, u32) {
    match target {
        Target::Absolute(a) => (0, a),
        Target::Relative(d) => (IO_RELATIVE, d as u32),
    }
}

const fn tc_target(target: Target) -> (u32, u32) {
    match target {
        Target::Absolute(a) => (0, a),
        Target::Relative(d) => (TC_RELATIVE, d as u32),
    }
}

/// SELECT the target described by the [`select_table_entry`] at
/// DSA + `dsa_offset`, with ATN if `atn` (to send IDENTIFY). If the chip
/// was reselected first, SCRIPTS continue at `alt` instead.
pub const fn select_table(atn: bool, dsa_offset: i32, alt: Target) -> [u32; 2] {
    let (rel, addr) = io_target(alt);
    let atn = if atn { IO_ATN } else { 0 };
    [TYPE_IO | IO_TABLE | rel | atn | i24_field(dsa_offset), addr]
}

/// SELECT target `id` (0..=15) with the current SXFER/SCNTL3, with ATN if
/// `atn`; `alt` as for [`select_table`].
pub const fn select_id(atn: bool, id: u8, alt: Target) -> [u32; 2] {
    let (rel, addr) = io_target(alt);
    let atn = if atn { IO_ATN } else { 0 };
    [TYPE_IO | rel | atn | (((id & 0x0f) as u32) << 16), addr]
}

/// WAIT DISCONNECT: wait for the target to release the bus (after
/// COMMAND COMPLETE or DISCONNECT; clear SCNTL2.SDU and ACK first).
pub const fn wait_disconnect() -> [u32; 2] {
    [TYPE_IO | IO_WAIT_DISCONNECT, 0]
}

/// WAIT RESELECT: idle until a target reselects us; continue at `alt` if
/// the host sets ISTAT0.SIGP (new work) or the chip is selected.
pub const fn wait_reselect(alt: Target) -> [u32; 2] {
    let (rel, addr) = io_target(alt);
    [TYPE_IO | IO_WAIT_RESELECT | rel, addr]
}

/// Signals and flags for SET and CLEAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(u32);

impl Flags {
    /// SCSI ATN.
    pub const ATN: Flags = Flags(1 << 3);
    /// SCSI ACK (clear it to release a message-in byte).
    pub const ACK: Flags = Flags(1 << 6);
    /// Target role.
    pub const TARGET: Flags = Flags(1 << 9);
    /// The ALU carry tested by [`Cond::carry`].
    pub const CARRY: Flags = Flags(1 << 10);

    /// Both sets of flags.
    pub const fn with(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// The flag bits as encoded.
    pub const fn bits(self) -> u32 {
        self.0
    }
}

/// SET the `flags`.
pub const fn set(flags: Flags) -> [u32; 2] {
    [TYPE_IO | IO_SET | flags.0, 0]
}

/// CLEAR the `flags`.
pub const fn clear(flags: Flags) -> [u32; 2] {
    [TYPE_IO | IO_CLEAR | flags.0, 0]
}

/// ALU operator of register read/write instructions. Shifts go through
/// the carry; ADD sets it and ADC adds it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// Result = data (the register operand is not read).
    Mov = 0,
    /// Result = operand << 1 | carry; carry = bit 7.
    Shl = 1,
    /// Result = operand | data.
    Or = 2,
    /// Result = operand ^ data.
    Xor = 3,
    /// Result = operand & data.
    And = 4,
    /// Result = operand >> 1 | carry << 7; carry = bit 0.
    Shr = 5,
    /// Result = operand + data; carry = carry out.
    Add = 6,
    /// Result = operand + data + carry; carry = carry out.
    Adc = 7,
}

const fn rw(opcode: u32, reg: Reg, op: Op, data: u8) -> [u32; 2] {
    [
        TYPE_IO | opcode | ((op as u32) << RW_OP_SHIFT) | reg_field(reg) | ((data as u32) << 8),
        0,
    ]
}

/// `reg = reg op data` (read-modify-write).
pub const fn reg_modify(reg: Reg, op: Op, data: u8) -> [u32; 2] {
    rw(RW_MODIFY, reg, op, data)
}

/// `reg = reg op SFBR` (read-modify-write with SFBR as the data).
pub const fn reg_modify_sfbr(reg: Reg, op: Op) -> [u32; 2] {
    let [w, z] = rw(RW_MODIFY, reg, op, 0);
    [w | RW_SFBR_DATA, z]
}

/// `SFBR = reg op data` (move to SFBR).
pub const fn reg_to_sfbr(reg: Reg, op: Op, data: u8) -> [u32; 2] {
    rw(RW_TO_SFBR, reg, op, data)
}

/// `reg = SFBR op data` (move from SFBR).
pub const fn sfbr_to_reg(reg: Reg, op: Op, data: u8) -> [u32; 2] {
    rw(RW_FROM_SFBR, reg, op, data)
}

/// MOVE data8 TO reg.
pub const fn move_data(reg: Reg, data: u8) -> [u32; 2] {
    reg_modify(reg, Op::Mov, data)
}

/// MOVE reg TO SFBR (encoded as `reg | 0`, as SCRIPTS assemblers do).
pub const fn move_reg_to_sfbr(reg: Reg) -> [u32; 2] {
    reg_to_sfbr(reg, Op::Or, 0)
}

/// MOVE SFBR TO reg (encoded as `SFBR | 0`).
pub const fn move_sfbr_to_reg(reg: Reg) -> [u32; 2] {
    sfbr_to_reg(reg, Op::Or, 0)
}

/// MOVE data8 TO SFBR. The register field names GPREG, a register whose
/// read has no side effect, as Linux's sym53c8xx does.
pub const fn move_data_to_sfbr(data: u8) -> [u32; 2] {
    reg_to_sfbr(super::regs::GPREG, Op::Mov, data)
}

/// `SFBR = SFBR op data`, encoded as a move from SFBR into SFBR: QEMU
/// reads register 0x08 as 0, which rules out the read-modify-write form.
pub const fn sfbr_modify(op: Op, data: u8) -> [u32; 2] {
    sfbr_to_reg(super::regs::SFBR, op, data)
}

/// The condition of a transfer control instruction: what it compares
/// (carry, phase, SFBR data under a mask) and whether it acts when the
/// comparison is true or false.
///
/// All enabled compares must match for the condition to be true. QEMU
/// evaluates a false-condition ([`Cond::negate`]) with several compares as
/// "all compares fail" rather than "not all match": keep negated
/// conditions to a single compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cond(u32);

impl Cond {
    /// Unconditional: act if true with nothing to compare (QEMU runs an
    /// instruction with neither a compare nor the true bit as a NOP).
    pub const ALWAYS: Cond = Cond(TC_IF_TRUE);
    /// Never acts: a NOP.
    pub const NEVER: Cond = Cond(0);

    /// WHEN `phase`: wait for the target's REQ, then compare the phase.
    pub const fn when(phase: Phase) -> Cond {
        Cond(TC_IF_TRUE | TC_CMP_PHASE | TC_WAIT_PHASE | phase.field())
    }

    /// IF `phase`: compare the phase latched on the last REQ, no wait.
    pub const fn if_phase(phase: Phase) -> Cond {
        Cond(TC_IF_TRUE | TC_CMP_PHASE | phase.field())
    }

    /// SFBR equals `data`.
    pub const fn data(data: u8) -> Cond {
        Cond(TC_IF_TRUE | TC_CMP_DATA | data as u32)
    }

    /// SFBR equals `data` in the bits set in `compare` (the others are
    /// don't-care; the instruction encodes their complement as the mask).
    pub const fn data_masked(data: u8, compare: u8) -> Cond {
        Cond(TC_IF_TRUE | TC_CMP_DATA | ((!compare as u32) << 8) | data as u32)
    }

    /// The ALU carry is set.
    pub const fn carry() -> Cond {
        Cond(TC_IF_TRUE | TC_CARRY)
    }

    /// This condition and SFBR matching `data` in the bits of `compare`
    /// (replaces an earlier data compare), e.g. WHEN MSG_IN AND 0x04.
    pub const fn and_data(self, data: u8, compare: u8) -> Cond {
        let keep = self.0 & !(0xffff | TC_CMP_DATA);
        Cond(keep | TC_CMP_DATA | ((!compare as u32) << 8) | data as u32)
    }

    /// The opposite condition (IFFALSE): acts when the compare fails.
    pub const fn negate(self) -> Cond {
        Cond(self.0 ^ TC_IF_TRUE)
    }

    /// The condition bits as encoded (bits 26:16 and 15:0).
    pub const fn bits(self) -> u32 {
        self.0
    }
}

/// JUMP to `target` if `cond`.
pub const fn jump(cond: Cond, target: Target) -> [u32; 2] {
    let (rel, addr) = tc_target(target);
    [TYPE_TRANSFER | rel | cond.0, addr]
}

/// CALL `target` if `cond`; the return address goes to TEMP (one level).
pub const fn call(cond: Cond, target: Target) -> [u32; 2] {
    let (rel, addr) = tc_target(target);
    [TYPE_TRANSFER | TC_CALL | rel | cond.0, addr]
}

/// RETURN to the address in TEMP if `cond`.
pub const fn ret(cond: Cond) -> [u32; 2] {
    [TYPE_TRANSFER | TC_RETURN | cond.0, 0]
}

/// INT `code` if `cond`: halt SCRIPTS with DSTAT.SIR, `code` in DSPS.
pub const fn int(cond: Cond, code: u32) -> [u32; 2] {
    [TYPE_TRANSFER | TC_INT | cond.0, code]
}

/// INTFLY `code` if `cond`: raise ISTAT0.INTF and keep running.
pub const fn int_fly(cond: Cond, code: u32) -> [u32; 2] {
    [TYPE_TRANSFER | TC_INT | TC_INT_FLY | cond.0, code]
}

/// NOP: a jump that never jumps.
pub const fn nop() -> [u32; 2] {
    jump(Cond::NEVER, Target::Absolute(0))
}

/// What a memory move or STORE does to the SCRIPTS prefetch unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefetch {
    /// Flush it (NO FLUSH bit clear): needed when the write may land in
    /// SCRIPTS the chip already prefetched (self-modifying SCRIPTS).
    Flush,
    /// Keep it (NO FLUSH bit set): for writes to data.
    NoFlush,
}

/// Memory-to-memory move of `count` bytes (1..=2^24-1) from `src` to
/// `dst`.
pub const fn memory_move(count: u32, src: u32, dst: u32, prefetch: Prefetch) -> [u32; 3] {
    let nf = match prefetch {
        Prefetch::Flush => 0,
        Prefetch::NoFlush => MM_NO_FLUSH,
    };
    [TYPE_MEMORY | nf | (count & COUNT_MASK), src, dst]
}

const fn load_store(first: u32, reg: Reg, count: u8, addr: u32) -> [u32; 2] {
    [
        TYPE_MEMORY | LS | first | ((reg.addr() as u32) << 16) | (count & 7) as u32,
        addr,
    ]
}

const fn store_flush(prefetch: Prefetch) -> u32 {
    match prefetch {
        Prefetch::Flush => 0,
        Prefetch::NoFlush => LS_NO_FLUSH,
    }
}

/// LOAD `count` (1..=4) bytes at `addr` into `reg`, `reg.byte(1)`, ...
/// The NO FLUSH bit is left clear: the manuals define it for STORE only.
pub const fn load(reg: Reg, count: u8, addr: u32) -> [u32; 2] {
    load_store(LS_LOAD, reg, count, addr)
}

/// LOAD from DSA + `dsa_offset` (signed 24 bits).
pub const fn load_dsa(reg: Reg, count: u8, dsa_offset: i32) -> [u32; 2] {
    load_store(LS_LOAD | LS_DSA, reg, count, dsa_offset as u32)
}

/// STORE `count` (1..=4) bytes of `reg`, `reg.byte(1)`, ... at `addr`.
pub const fn store(reg: Reg, count: u8, addr: u32, prefetch: Prefetch) -> [u32; 2] {
    load_store(store_flush(prefetch), reg, count, addr)
}

/// STORE at DSA + `dsa_offset` (signed 24 bits).
pub const fn store_dsa(reg: Reg, count: u8, dsa_offset: i32, prefetch: Prefetch) -> [u32; 2] {
    load_store(
        LS_DSA | store_flush(prefetch),
        reg,
        count,
        dsa_offset as u32,
    )
}

/// The instruction class of a first dword, for diagnostics (e.g. what DSP
/// pointed past on an illegal instruction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Block move (MOVE/CHMOV).
    BlockMove,
    /// SELECT, WAIT DISCONNECT, WAIT RESELECT, SET, CLEAR (opcodes 0..=4).
    Io,
    /// Register read/write (opcodes 5..=7).
    ReadWrite,
    /// JUMP, CALL, RETURN, INT, INTFLY.
    TransferControl,
    /// Transfer control opcodes 4..=7, which the chip rejects.
    IllegalTransfer,
    /// Memory-to-memory move (three dwords).
    MemoryMove,
    /// LOAD or STORE.
    LoadStore,
}

impl Kind {
    /// Classifies an instruction by its first dword.
    pub const fn of(first: u32) -> Kind {
        let opcode = (first >> 27) & 7;
        match first >> 30 {
            0 => Kind::BlockMove,
            1 if opcode < 5 => Kind::Io,
            1 => Kind::ReadWrite,
            2 if opcode < 4 => Kind::TransferControl,
            2 => Kind::IllegalTransfer,
            _ if first & LS == 0 => Kind::MemoryMove,
            _ => Kind::LoadStore,
        }
    }

    /// Dwords an instruction of this class occupies.
    pub const fn dwords(self) -> usize {
        match self {
            Kind::MemoryMove => 3,
            _ => 2,
        }
    }
}
