// SPDX-License-Identifier: GPL-2.0

//! A SCRIPTS assembler evaluated at compile time.
//!
//! [`Asm`] appends instructions to a fixed array of `N` dwords. Jump
//! targets and addresses are [`Label`]s (positions in the program, bound
//! with [`Asm::label`] before or after their use) or [`Extern`]s (host
//! memory known only at probe time: queues, tables, the chip's own
//! registers). [`Asm::finish`] resolves the labels and returns a
//! [`Program`]: the dwords with program-relative addresses, the label
//! offsets, and per dword how to relocate it. At probe time
//! [`Program::load`] (or [`Program::relocated`]) yields the final dwords for
//! a program placed at bus address `base` with the externs' values.
//!
//! The builder never panics: the first mistake (array full, label bound
//! twice or never, field out of range) is kept and returned by `finish`,
//! and a `const` item turns it into a build error:
//!
//! ```ignore
//! const START: Label = Label::new(0);
//! const DONE: Extern = Extern::new(0);
//!
//! const fn build() -> Result<Program<64, 1>, AsmError> {
//!     let mut a = Asm::new();
//!     a.label(START);
//!     a.move_tbl(Phase::Status, 0x10);
//!     a.mem_move(4, Addr::Abs(0), DONE.addr());
//!     a.jump(START);
//!     a.finish()
//! }
//!
//! static SCRIPT: Program<64, 1> = match build() {
//!     Ok(p) => p,
//!     Err(e) => panic!("{}", e.message()),
//! };
//! ```

use super::insn::{self, Cond, Flags, MoveKind, Op, Phase, Prefetch, Target};
use super::regs::Reg;

/// A position in the program, named by a small number the program's author
/// assigns (`0..L` for a `Program<N, L>`); every one must be bound once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(u16);

impl Label {
    /// Label number `id`.
    pub const fn new(id: u16) -> Self {
        Label(id)
    }

    /// Its number.
    pub const fn id(self) -> u16 {
        self.0
    }

    /// The label's address.
    pub const fn addr(self) -> Addr {
        Addr::Label(self, 0)
    }

    /// The address `offset` bytes past the label (e.g. an instruction's
    /// second dword, to patch its target with a memory move).
    pub const fn plus(self, offset: u32) -> Addr {
        Addr::Label(self, offset)
    }
}

/// An address supplied when the program is loaded (index into the
/// `externs` slice given to [`Program::load`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extern(u8);

impl Extern {
    /// External symbol number `id`.
    pub const fn new(id: u8) -> Self {
        Extern(id)
    }

    /// Its number.
    pub const fn id(self) -> u8 {
        self.0
    }

    /// The symbol's value.
    pub const fn addr(self) -> Addr {
        Addr::Extern(self, 0)
    }

    /// The symbol's value plus `offset` (a field of an external table).
    pub const fn plus(self, offset: u32) -> Addr {
        Addr::Extern(self, offset)
    }
}

/// A 32-bit address operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    /// A fixed bus address, used as is.
    Abs(u32),
    /// A label plus a byte offset; relocated by the program base.
    Label(Label, u32),
    /// An external symbol plus a byte offset; patched at load time.
    Extern(Extern, u32),
}

/// How a program dword is completed at load time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reloc {
    /// Used as assembled.
    None,
    /// Holds a program offset: add the base.
    Base,
    /// Holds an offset from an external symbol: add the symbol's value.
    Extern(Extern),
}

/// What went wrong while assembling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsmErrorKind {
    /// The program does not fit its `N` dwords.
    Overflow,
    /// `N` is above [`MAX_DWORDS`] or `L` above [`MAX_LABELS`].
    TooLarge,
    /// A label number is not below `L`.
    BadLabel(Label),
    /// A label was bound twice.
    DuplicateLabel(Label),
    /// A label was never bound.
    UnboundLabel(Label),
    /// A relative jump does not reach its label within ±8 MiB.
    OutOfReach(Label),
    /// A byte count is 0 or does not fit 24 bits.
    BadCount,
    /// A LOAD/STORE count is not 1..=4 or crosses a register dword.
    BadLoadStore,
    /// A DSA offset does not fit a signed 24-bit field.
    BadOffset,
}

/// The first assembly error and where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsmError {
    /// What went wrong.
    pub kind: AsmErrorKind,
    /// Index of the dword being emitted (the program length for errors
    /// found by `finish`).
    pub at: usize,
}

impl AsmError {
    /// A fixed description, for `panic!` in a `const` item.
    pub const fn message(&self) -> &'static str {
        match self.kind {
            AsmErrorKind::Overflow => "SCRIPTS program does not fit its array",
            AsmErrorKind::TooLarge => "SCRIPTS program or label array too large",
            AsmErrorKind::BadLabel(_) => "SCRIPTS label number out of range",
            AsmErrorKind::DuplicateLabel(_) => "SCRIPTS label bound twice",
            AsmErrorKind::UnboundLabel(_) => "SCRIPTS label never bound",
            AsmErrorKind::OutOfReach(_) => "SCRIPTS relative jump out of reach",
            AsmErrorKind::BadCount => "SCRIPTS byte count out of range",
            AsmErrorKind::BadLoadStore => "SCRIPTS LOAD/STORE count out of range",
            AsmErrorKind::BadOffset => "SCRIPTS DSA offset out of range",
        }
    }
}

/// Why a program could not be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The base is not 4-byte aligned.
    Misaligned,
    /// The program would extend past the 32-bit address space.
    OutOfRange,
    /// The program uses this external symbol but no value was given.
    MissingExtern(Extern),
    /// The output buffer is smaller than the program.
    BufferTooSmall,
}

/// A dword still to be resolved by `finish`.
#[derive(Clone, Copy)]
enum Slot {
    Done,
    Abs(Addr),
    /// Displacement to `label` from the next instruction, at byte `next`.
    Rel(Label, u32),
}

/// Label slots hold this until bound (no offset reaches it: `N` is
/// limited to [`MAX_DWORDS`]).
const UNBOUND: u32 = u32::MAX;

/// Largest program, 16 MiB: far beyond SCRIPTS RAM, and keeps every
/// offset and relative displacement in range of the arithmetic here.
pub const MAX_DWORDS: usize = 1 << 22;

/// Most labels a program can have (label numbers are `u16`).
pub const MAX_LABELS: usize = 1 << 16;

/// Largest block or memory move count.
const MAX_COUNT: u32 = 0x00ff_ffff;

/// The assembler: a program of at most `N` dwords using labels `0..L`.
pub struct Asm<const N: usize, const L: usize> {
    words: [u32; N],
    slots: [Slot; N],
    len: usize,
    labels: [u32; L],
    relative: bool,
    error: Option<AsmError>,
}

impl<const N: usize, const L: usize> Default for Asm<N, L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const L: usize> Asm<N, L> {
    /// An empty program whose jumps, calls and alternate addresses to
    /// labels are absolute (relocated by the base at load time).
    pub const fn new() -> Self {
        let error = if N > MAX_DWORDS || L > MAX_LABELS {
            Some(AsmError {
                kind: AsmErrorKind::TooLarge,
                at: 0,
            })
        } else {
            None
        };
        Asm {
            words: [0; N],
            slots: [Slot::Done; N],
            len: 0,
            labels: [UNBOUND; L],
            relative: false,
            error,
        }
    }

    /// An empty program whose jumps, calls and alternate addresses to
    /// labels are relative (bit 23/26), so control flow needs no
    /// relocation; label addresses used as data still do.
    pub const fn new_relative() -> Self {
        let mut a = Self::new();
        a.relative = true;
        a
    }

    /// Dwords emitted so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was emitted yet.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Byte offset of the next instruction.
    pub const fn pc(&self) -> u32 {
        // len <= N <= MAX_DWORDS, so this cannot overflow.
        (self.len as u32).wrapping_mul(4)
    }

    const fn fail(&mut self, kind: AsmErrorKind) {
        if self.error.is_none() {
            self.error = Some(AsmError { kind, at: self.len });
        }
    }

    const fn check_label(&mut self, label: Label) -> bool {
        if (label.0 as usize) < L {
            true
        } else {
            self.fail(AsmErrorKind::BadLabel(label));
            false
        }
    }

    const fn push(&mut self, word: u32, slot: Slot) {
        if self.len < N {
            self.words[self.len] = word;
            self.slots[self.len] = slot;
            self.len += 1;
        } else {
            self.fail(AsmErrorKind::Overflow);
        }
    }

    /// Emits `addr`, as a literal or to be resolved.
    const fn push_addr(&mut self, addr: Addr) {
        match addr {
            Addr::Abs(a) => self.push(a, Slot::Done),
            Addr::Label(l, _) => {
                if self.check_label(l) {
                    self.push(0, Slot::Abs(addr));
                } else {
                    self.push(0, Slot::Done);
                }
            }
            Addr::Extern(..) => self.push(0, Slot::Abs(addr)),
        }
    }

    /// Emits an instruction whose second dword is the address of `label`:
    /// `abs` and `rel` are its absolute and relative encodings, picked per
    /// the builder's mode (their second dwords are replaced).
    const fn push_to_label(&mut self, abs: [u32; 2], rel: [u32; 2], label: Label) {
        if self.relative {
            // The displacement counts from the next instruction.
            let next = self.pc().wrapping_add(8);
            self.push(rel[0], Slot::Done);
            if self.check_label(label) {
                self.push(0, Slot::Rel(label, next));
            } else {
                self.push(0, Slot::Done);
            }
        } else {
            self.push(abs[0], Slot::Done);
            self.push_addr(label.addr());
        }
    }

    const fn push2(&mut self, words: [u32; 2]) {
        self.push(words[0], Slot::Done);
        self.push(words[1], Slot::Done);
    }

    const fn check_count(&mut self, count: u32) {
        if count == 0 || count > MAX_COUNT {
            self.fail(AsmErrorKind::BadCount);
        }
    }

    const fn check_offset(&mut self, offset: i32) {
        if !insn::fits_i24(offset as i64) {
            self.fail(AsmErrorKind::BadOffset);
        }
    }

    const fn check_load_store(&mut self, reg: Reg, count: u8) {
        // One register dword at most: the chip moves the bytes in a single
        // access.
        if count == 0 || count > 4 || (reg.addr() & 3) + count > 4 {
            self.fail(AsmErrorKind::BadLoadStore);
        }
    }

    /// Binds `label` to the current position.
    pub const fn label(&mut self, label: Label) {
        if !self.check_label(label) {
            return;
        }
        let i = label.0 as usize;
        if self.labels[i] != UNBOUND {
            self.fail(AsmErrorKind::DuplicateLabel(label));
            return;
        }
        self.labels[i] = self.pc();
    }

    /// Emits raw dwords, e.g. from the `insn` encoders.
    pub const fn raw(&mut self, words: &[u32]) {
        let mut i = 0;
        while i < words.len() {
            self.push(words[i], Slot::Done);
            i += 1;
        }
    }

    /// Emits a data dword (a variable the program or the host patches).
    pub const fn data(&mut self, word: u32) {
        self.push(word, Slot::Done);
    }

    /// Emits a data dword holding `addr` (relocated like any address).
    pub const fn data_addr(&mut self, addr: Addr) {
        self.push_addr(addr);
    }

    const fn block_move(&mut self, kind: MoveKind, phase: Phase, count: u32, addr: Addr) {
        self.check_count(count);
        let [first, _] = insn::block_move(kind, phase, count, 0);
        self.push(first, Slot::Done);
        self.push_addr(addr);
    }

    const fn block_move_ind(&mut self, kind: MoveKind, phase: Phase, count: u32, ptr: Addr) {
        self.check_count(count);
        let [first, _] = insn::block_move_indirect(kind, phase, count, 0);
        self.push(first, Slot::Done);
        self.push_addr(ptr);
    }

    const fn block_move_tbl(&mut self, kind: MoveKind, phase: Phase, dsa_offset: i32) {
        self.check_offset(dsa_offset);
        self.push2(insn::block_move_table(kind, phase, dsa_offset));
    }

    /// MOVE FROM DSA+`dsa_offset` WHEN `phase`: the count and address come
    /// from the table entry there ([`insn::table_move_entry`]).
    pub const fn move_tbl(&mut self, phase: Phase, dsa_offset: i32) {
        self.block_move_tbl(MoveKind::Move, phase, dsa_offset);
    }

    /// MOVE `count` bytes at `addr` WHEN `phase`.
    pub const fn move_abs(&mut self, phase: Phase, count: u32, addr: Addr) {
        self.block_move(MoveKind::Move, phase, count, addr);
    }

    /// MOVE `count` bytes at the address held in the dword at `ptr`.
    pub const fn move_ind(&mut self, phase: Phase, count: u32, ptr: Addr) {
        self.block_move_ind(MoveKind::Move, phase, count, ptr);
    }

    /// CHMOV (chained move) from the table entry at DSA+`dsa_offset`.
    pub const fn chmov_tbl(&mut self, phase: Phase, dsa_offset: i32) {
        self.block_move_tbl(MoveKind::ChainMove, phase, dsa_offset);
    }

    /// CHMOV `count` bytes at `addr`.
    pub const fn chmov_abs(&mut self, phase: Phase, count: u32, addr: Addr) {
        self.block_move(MoveKind::ChainMove, phase, count, addr);
    }

    /// CHMOV `count` bytes at the address held in the dword at `ptr`.
    pub const fn chmov_ind(&mut self, phase: Phase, count: u32, ptr: Addr) {
        self.block_move_ind(MoveKind::ChainMove, phase, count, ptr);
    }

    const fn select_tbl(&mut self, atn: bool, dsa_offset: i32, alt: Label) {
        self.check_offset(dsa_offset);
        self.push_to_label(
            insn::select_table(atn, dsa_offset, Target::Absolute(0)),
            insn::select_table(atn, dsa_offset, Target::Relative(0)),
            alt,
        );
    }

    /// SELECT FROM DSA+`dsa_offset` ([`insn::select_table_entry`]), no ATN;
    /// continue at `alt` if reselected meanwhile.
    pub const fn select(&mut self, dsa_offset: i32, alt: Label) {
        self.select_tbl(false, dsa_offset, alt);
    }

    /// SELECT ATN FROM DSA+`dsa_offset`, for an IDENTIFY message out;
    /// continue at `alt` if reselected meanwhile.
    pub const fn select_atn(&mut self, dsa_offset: i32, alt: Label) {
        self.select_tbl(true, dsa_offset, alt);
    }

    /// WAIT DISCONNECT.
    pub const fn wait_disconnect(&mut self) {
        self.push2(insn::wait_disconnect());
    }

    /// WAIT RESELECT; continue at `alt` on ISTAT0.SIGP or selection.
    pub const fn wait_reselect(&mut self, alt: Label) {
        self.push_to_label(
            insn::wait_reselect(Target::Absolute(0)),
            insn::wait_reselect(Target::Relative(0)),
            alt,
        );
    }

    /// SET `flags`.
    pub const fn set(&mut self, flags: Flags) {
        self.push2(insn::set(flags));
    }

    /// CLEAR `flags`.
    pub const fn clear(&mut self, flags: Flags) {
        self.push2(insn::clear(flags));
    }

    /// MOVE `data` TO `reg`.
    pub const fn move_imm(&mut self, reg: Reg, data: u8) {
        self.push2(insn::move_data(reg, data));
    }

    /// MOVE `data` TO SFBR.
    pub const fn move_imm_sfbr(&mut self, data: u8) {
        self.push2(insn::move_data_to_sfbr(data));
    }

    /// MOVE `reg` TO SFBR.
    pub const fn move_to_sfbr(&mut self, reg: Reg) {
        self.push2(insn::move_reg_to_sfbr(reg));
    }

    /// MOVE SFBR TO `reg`.
    pub const fn move_from_sfbr(&mut self, reg: Reg) {
        self.push2(insn::move_sfbr_to_reg(reg));
    }

    /// MOVE `reg` op `data` TO `reg`.
    pub const fn reg_op(&mut self, reg: Reg, op: Op, data: u8) {
        self.push2(insn::reg_modify(reg, op, data));
    }

    /// MOVE `reg` op SFBR TO `reg`.
    pub const fn reg_op_sfbr(&mut self, reg: Reg, op: Op) {
        self.push2(insn::reg_modify_sfbr(reg, op));
    }

    /// MOVE `reg` op `data` TO SFBR.
    pub const fn to_sfbr(&mut self, reg: Reg, op: Op, data: u8) {
        self.push2(insn::reg_to_sfbr(reg, op, data));
    }

    /// MOVE SFBR op `data` TO `reg`.
    pub const fn from_sfbr(&mut self, reg: Reg, op: Op, data: u8) {
        self.push2(insn::sfbr_to_reg(reg, op, data));
    }

    /// MOVE SFBR op `data` TO SFBR.
    pub const fn sfbr_op(&mut self, op: Op, data: u8) {
        self.push2(insn::sfbr_modify(op, data));
    }

    /// JUMP `label`.
    pub const fn jump(&mut self, label: Label) {
        self.jump_if(Cond::ALWAYS, label);
    }

    /// JUMP `label` if `cond`.
    pub const fn jump_if(&mut self, cond: Cond, label: Label) {
        self.push_to_label(
            insn::jump(cond, Target::Absolute(0)),
            insn::jump(cond, Target::Relative(0)),
            label,
        );
    }

    /// JUMP to `addr` (absolute) if `cond`.
    pub const fn jump_to(&mut self, cond: Cond, addr: Addr) {
        let [first, _] = insn::jump(cond, Target::Absolute(0));
        self.push(first, Slot::Done);
        self.push_addr(addr);
    }

    /// CALL `label` (return address in TEMP: no nesting).
    pub const fn call(&mut self, label: Label) {
        self.call_if(Cond::ALWAYS, label);
    }

    /// CALL `label` if `cond`.
    pub const fn call_if(&mut self, cond: Cond, label: Label) {
        self.push_to_label(
            insn::call(cond, Target::Absolute(0)),
            insn::call(cond, Target::Relative(0)),
            label,
        );
    }

    /// CALL `addr` (absolute) if `cond`.
    pub const fn call_to(&mut self, cond: Cond, addr: Addr) {
        let [first, _] = insn::call(cond, Target::Absolute(0));
        self.push(first, Slot::Done);
        self.push_addr(addr);
    }

    /// RETURN.
    pub const fn ret(&mut self) {
        self.push2(insn::ret(Cond::ALWAYS));
    }

    /// RETURN if `cond`.
    pub const fn ret_if(&mut self, cond: Cond) {
        self.push2(insn::ret(cond));
    }

    /// INT `code`: halt with DSTAT.SIR, `code` in DSPS.
    pub const fn int(&mut self, code: u32) {
        self.push2(insn::int(Cond::ALWAYS, code));
    }

    /// INT `code` if `cond`.
    pub const fn int_if(&mut self, cond: Cond, code: u32) {
        self.push2(insn::int(cond, code));
    }

    /// INTFLY `code`: interrupt the host and keep running.
    pub const fn int_fly(&mut self, code: u32) {
        self.push2(insn::int_fly(Cond::ALWAYS, code));
    }

    /// INTFLY `code` if `cond`.
    pub const fn int_fly_if(&mut self, cond: Cond, code: u32) {
        self.push2(insn::int_fly(cond, code));
    }

    /// NOP.
    pub const fn nop(&mut self) {
        self.push2(insn::nop());
    }

    /// Memory move of `count` bytes from `src` to `dst`. A destination
    /// inside the program (a label) flushes the prefetch unit, anything
    /// else does not; [`Asm::mem_move_with`] chooses explicitly.
    pub const fn mem_move(&mut self, count: u32, src: Addr, dst: Addr) {
        self.mem_move_with(count, src, dst, prefetch_for(dst));
    }

    /// Memory move with an explicit prefetch choice.
    pub const fn mem_move_with(&mut self, count: u32, src: Addr, dst: Addr, prefetch: Prefetch) {
        self.check_count(count);
        let [first, _, _] = insn::memory_move(count, 0, 0, prefetch);
        self.push(first, Slot::Done);
        self.push_addr(src);
        self.push_addr(dst);
    }

    /// LOAD `count` (1..=4) bytes at `addr` into `reg` onwards.
    pub const fn load(&mut self, reg: Reg, count: u8, addr: Addr) {
        self.check_load_store(reg, count);
        let [first, _] = insn::load(reg, count, 0);
        self.push(first, Slot::Done);
        self.push_addr(addr);
    }

    /// LOAD `count` bytes at DSA+`dsa_offset` into `reg` onwards.
    pub const fn load_dsa(&mut self, reg: Reg, count: u8, dsa_offset: i32) {
        self.check_load_store(reg, count);
        self.check_offset(dsa_offset);
        self.push2(insn::load_dsa(reg, count, dsa_offset));
    }

    /// STORE `count` (1..=4) bytes of `reg` onwards at `addr`; flushes the
    /// prefetch unit only if `addr` is inside the program.
    pub const fn store(&mut self, reg: Reg, count: u8, addr: Addr) {
        self.store_with(reg, count, addr, prefetch_for(addr));
    }

    /// STORE with an explicit prefetch choice.
    pub const fn store_with(&mut self, reg: Reg, count: u8, addr: Addr, prefetch: Prefetch) {
        self.check_load_store(reg, count);
        let [first, _] = insn::store(reg, count, 0, prefetch);
        self.push(first, Slot::Done);
        self.push_addr(addr);
    }

    /// STORE `count` bytes of `reg` onwards at DSA+`dsa_offset` (data, so
    /// without flushing the prefetch unit).
    pub const fn store_dsa(&mut self, reg: Reg, count: u8, dsa_offset: i32) {
        self.check_load_store(reg, count);
        self.check_offset(dsa_offset);
        self.push2(insn::store_dsa(reg, count, dsa_offset, Prefetch::NoFlush));
    }

    /// Resolves the labels and returns the program, or the first error.
    pub const fn finish(self) -> Result<Program<N, L>, AsmError> {
        let Asm {
            mut words,
            slots,
            len,
            labels,
            relative: _,
            error,
        } = self;
        if let Some(e) = error {
            return Err(e);
        }
        let mut l = 0;
        while l < L {
            if labels[l] == UNBOUND {
                return Err(AsmError {
                    kind: AsmErrorKind::UnboundLabel(Label(l as u16)),
                    at: len,
                });
            }
            l += 1;
        }
        let mut relocs = [Reloc::None; N];
        let mut externs = 0;
        let mut i = 0;
        while i < len && i < N {
            match slots[i] {
                Slot::Done | Slot::Abs(Addr::Abs(_)) => {}
                Slot::Abs(Addr::Label(label, offset)) => {
                    let Some(target) = label_offset(&labels, label) else {
                        return bad_label(label, i);
                    };
                    words[i] = target.wrapping_add(offset);
                    relocs[i] = Reloc::Base;
                }
                Slot::Abs(Addr::Extern(sym, offset)) => {
                    words[i] = offset;
                    relocs[i] = Reloc::Extern(sym);
                    if sym.0 as usize >= externs {
                        externs = sym.0 as usize + 1;
                    }
                }
                Slot::Rel(label, next) => {
                    let Some(target) = label_offset(&labels, label) else {
                        return bad_label(label, i);
                    };
                    // Both below 2^24 (MAX_DWORDS), so the difference is
                    // exact.
                    let disp = target as i64 - next as i64;
                    if !insn::fits_i24(disp) {
                        return Err(AsmError {
                            kind: AsmErrorKind::OutOfReach(label),
                            at: i,
                        });
                    }
                    words[i] = disp as i32 as u32;
                }
            }
            i += 1;
        }
        Ok(Program {
            words,
            relocs,
            len,
            labels,
            externs,
        })
    }
}

/// The offset of `label`, `None` if its number is not below `L` (`finish`
/// checked every label it resolves when it was emitted, so there it is
/// only a panic-free index).
const fn label_offset<const L: usize>(labels: &[u32; L], label: Label) -> Option<u32> {
    let i = label.0 as usize;
    if i < L {
        Some(labels[i])
    } else {
        None
    }
}

const fn bad_label<const N: usize, const L: usize>(
    label: Label,
    at: usize,
) -> Result<Program<N, L>, AsmError> {
    Err(AsmError {
        kind: AsmErrorKind::BadLabel(label),
        at,
    })
}

const fn prefetch_for(dst: Addr) -> Prefetch {
    match dst {
        Addr::Label(..) => Prefetch::Flush,
        _ => Prefetch::NoFlush,
    }
}

/// An assembled program: `len` dwords whose addresses are relative to the
/// program base or to external symbols, plus the label offsets.
#[derive(Clone, Debug)]
pub struct Program<const N: usize, const L: usize> {
    words: [u32; N],
    relocs: [Reloc; N],
    len: usize,
    labels: [u32; L],
    externs: usize,
}

impl<const N: usize, const L: usize> Program<N, L> {
    /// Dwords in the program.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the program is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Size in bytes (what the SCRIPTS RAM or DMA buffer must hold).
    pub const fn size_bytes(&self) -> usize {
        self.len.saturating_mul(4)
    }

    /// Byte offset of `label` from the program base; `None` if the label
    /// number is not below `L`.
    pub const fn offset(&self, label: Label) -> Option<u32> {
        label_offset(&self.labels, label)
    }

    /// Bus address of `label` in a program loaded at `base`.
    pub fn address(&self, label: Label, base: u32) -> Option<u32> {
        self.offset(label)
            .and_then(|offset| base.checked_add(offset))
    }

    /// How many external symbols [`Program::load`] needs: one more than the
    /// highest symbol number used, 0 if none.
    pub const fn externs_needed(&self) -> usize {
        self.externs
    }

    /// The assembled dwords before relocation (addresses relative to the
    /// base, or offsets from external symbols).
    pub fn words(&self) -> &[u32] {
        self.words.get(..self.len).unwrap_or(&[])
    }

    /// The dwords that need relocation, by index.
    pub fn relocations(&self) -> impl Iterator<Item = (usize, Reloc)> + '_ {
        self.relocs
            .iter()
            .take(self.len)
            .copied()
            .enumerate()
            .filter(|(_, r)| *r != Reloc::None)
    }

    fn check(&self, base: u32, externs: &[u32]) -> Result<(), LoadError> {
        if base & 3 != 0 {
            return Err(LoadError::Misaligned);
        }
        let size = u32::try_from(self.size_bytes()).map_err(|_| LoadError::OutOfRange)?;
        base.checked_add(size).ok_or(LoadError::OutOfRange)?;
        if externs.len() < self.externs {
            let missing = u8::try_from(externs.len()).unwrap_or(u8::MAX);
            return Err(LoadError::MissingExtern(Extern(missing)));
        }
        Ok(())
    }

    /// The final dwords of the program loaded at bus address `base`, with
    /// `externs[i]` the value of `Extern::new(i)`. Write them to SCRIPTS RAM
    /// or (little-endian) to the DMA buffer the program runs from.
    pub fn relocated<'a>(
        &'a self,
        base: u32,
        externs: &'a [u32],
    ) -> Result<Relocated<'a>, LoadError> {
        self.check(base, externs)?;
        Ok(Relocated {
            words: self.words().iter(),
            relocs: self.relocs.iter(),
            base,
            externs,
        })
    }

    /// Writes the relocated program into `out`; returns the dwords written.
    pub fn load(&self, base: u32, externs: &[u32], out: &mut [u32]) -> Result<usize, LoadError> {
        let words = self.relocated(base, externs)?;
        let out = out.get_mut(..self.len).ok_or(LoadError::BufferTooSmall)?;
        for (o, w) in out.iter_mut().zip(words) {
            *o = w;
        }
        Ok(self.len)
    }

    /// Writes the relocated program into `out` as little-endian bytes;
    /// returns the bytes written.
    pub fn load_le(&self, base: u32, externs: &[u32], out: &mut [u8]) -> Result<usize, LoadError> {
        let words = self.relocated(base, externs)?;
        let out = out
            .get_mut(..self.size_bytes())
            .ok_or(LoadError::BufferTooSmall)?;
        for (o, w) in out.chunks_exact_mut(4).zip(words) {
            o.copy_from_slice(&w.to_le_bytes());
        }
        Ok(self.size_bytes())
    }
}

/// Iterator over the relocated dwords of a program, from
/// [`Program::relocated`].
pub struct Relocated<'a> {
    words: core::slice::Iter<'a, u32>,
    relocs: core::slice::Iter<'a, Reloc>,
    base: u32,
    externs: &'a [u32],
}

impl Iterator for Relocated<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let word = *self.words.next()?;
        let value = match self.relocs.next()? {
            Reloc::None => word,
            Reloc::Base => word.wrapping_add(self.base),
            // Checked against `externs_needed` before iterating.
            Reloc::Extern(sym) => self
                .externs
                .get(usize::from(sym.0))
                .map_or(word, |v| word.wrapping_add(*v)),
        };
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.words.size_hint()
    }
}

impl ExactSizeIterator for Relocated<'_> {}
