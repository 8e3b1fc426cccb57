// SPDX-License-Identifier: GPL-2.0

//! SCRIPTS encoders and the assembler.
//!
//! Expected dwords are the values Linux's `sym53c8xx_2/sym_defs.h` macros
//! produce (named in the comments), worked out by hand from the macro
//! definitions; `^` is the XOR the sym scripts use to combine an opcode
//! with IFTRUE/IFFALSE and phases.
use orion_scsi_host_tests::lsi::scripts::{
    asm::{MAX_DWORDS, MAX_LABELS},
    insn::{self, Kind, MoveKind, Target},
    regs, Addr, Asm, AsmError, AsmErrorKind, Cond, Extern, Flags, Label, LoadError, Op, Phase,
    Prefetch, Program, Reloc,
};

const ABS: Target = Target::Absolute(0x1234_5678);

#[test]
fn transfer_control_matches_sym_defs() {
    // SCR_JUMP, SCR_CALL, SCR_RETURN, SCR_INT, SCR_INT_FLY, SCR_NO_OP.
    assert_eq!(insn::jump(Cond::ALWAYS, ABS), [0x8008_0000, 0x1234_5678]);
    assert_eq!(insn::call(Cond::ALWAYS, ABS)[0], 0x8808_0000);
    assert_eq!(insn::ret(Cond::ALWAYS), [0x9008_0000, 0]);
    assert_eq!(insn::int(Cond::ALWAYS, 7), [0x9808_0000, 7]);
    assert_eq!(insn::int_fly(Cond::ALWAYS, 9), [0x9818_0000, 9]);
    assert_eq!(insn::nop(), [0x8000_0000, 0]);
    // SCR_JUMPR, SCR_CALLR with a negative distance (sign-extended).
    assert_eq!(
        insn::jump(Cond::ALWAYS, Target::Relative(-16)),
        [0x8088_0000, 0xffff_fff0]
    );
    assert_eq!(
        insn::call(Cond::ALWAYS, Target::Relative(8)),
        [0x8888_0000, 8]
    );
    // SCR_JUMP ^ IFTRUE (WHEN (SCR_DATA_IN)).
    assert_eq!(insn::jump(Cond::when(Phase::DataIn), ABS)[0], 0x810b_0000);
    // SCR_JUMP ^ IFFALSE (WHEN (SCR_MSG_IN)).
    assert_eq!(
        insn::jump(Cond::when(Phase::MsgIn).negate(), ABS)[0],
        0x8703_0000
    );
    // SCR_JUMP ^ IFTRUE (IF (SCR_STATUS)).
    assert_eq!(
        insn::jump(Cond::if_phase(Phase::Status), ABS)[0],
        0x830a_0000
    );
    // SCR_JUMP ^ IFTRUE (DATA (M_EXTENDED)), SCR_JUMP ^ IFFALSE (DATA (M_COMPLETE)).
    assert_eq!(insn::jump(Cond::data(0x01), ABS)[0], 0x800c_0001);
    assert_eq!(insn::jump(Cond::data(0x00).negate(), ABS)[0], 0x8004_0000);
    // SCR_JUMP ^ IFTRUE (MASK (0x80, 0xbf)).
    assert_eq!(
        insn::jump(Cond::data_masked(0x80, 0xbf), ABS)[0],
        0x800c_4080
    );
    // SCR_INT ^ IFTRUE (MASK (SEM, SEM)).
    assert_eq!(insn::int(Cond::data_masked(0x10, 0x10), 3)[0], 0x980c_ef10);
    // SCR_JUMPR ^ IFFALSE (MASK (HF_HINT_IARB, HF_HINT_IARB)), HF_HINT_IARB 0x20.
    assert_eq!(
        insn::jump(Cond::data_masked(0x20, 0x20).negate(), Target::Relative(8))[0],
        0x8084_df20
    );
    // SCR_JUMP ^ IFTRUE (CARRYSET).
    assert_eq!(insn::jump(Cond::carry(), ABS)[0], 0x8028_0000);
    // SCR_INT ^ IFFALSE (WHEN (SCR_MSG_OUT)).
    assert_eq!(
        insn::int(Cond::when(Phase::MsgOut).negate(), 1)[0],
        0x9e03_0000
    );
    // SCR_RETURN ^ IFTRUE (WHEN (SCR_COMMAND)), SCR_CALL ^ IFFALSE (IF (SCR_DATA_OUT)).
    assert_eq!(insn::ret(Cond::when(Phase::Command))[0], 0x920b_0000);
    assert_eq!(
        insn::call(Cond::if_phase(Phase::DataOut).negate(), ABS)[0],
        0x8802_0000
    );
    // SCR_INT_FLY ^ IFTRUE (DATA (5)).
    assert_eq!(insn::int_fly(Cond::data(5), 0)[0], 0x981c_0005);
}

#[test]
fn conditions_compose() {
    // WHEN MSG_IN AND data 0x04 under mask 0x0f: both compare bits.
    let c = Cond::when(Phase::MsgIn).and_data(0x04, 0x0f);
    assert_eq!(c.bits(), 0x070f_f004);
    // A second data compare replaces the first, the phase stays.
    assert_eq!(c.and_data(0x07, 0xff).bits(), 0x070f_0007);
    assert_eq!(Cond::ALWAYS.bits(), 0x0008_0000);
    assert_eq!(Cond::ALWAYS.negate(), Cond::NEVER);
    assert_eq!(
        Cond::when(Phase::DataOut).negate().negate(),
        Cond::when(Phase::DataOut)
    );
    // Data compare with all bits compared leaves the mask field 0, as DATA().
    assert_eq!(Cond::data_masked(0x42, 0xff), Cond::data(0x42));
}

#[test]
fn block_moves_match_sym_defs() {
    // SCR_MOVE_TBL ^ SCR_MSG_OUT, offset in the second dword.
    assert_eq!(
        insn::block_move_table(MoveKind::Move, Phase::MsgOut, 0x40),
        [0x1e00_0000, 0x40]
    );
    // SCR_CHMOV_TBL ^ SCR_DATA_IN with a negative DSA offset.
    assert_eq!(
        insn::block_move_table(MoveKind::ChainMove, Phase::DataIn, -8),
        [0x1100_0000, 0xffff_fff8]
    );
    // SCR_MOVE_ABS (1) ^ SCR_MSG_IN.
    assert_eq!(
        insn::block_move(MoveKind::Move, Phase::MsgIn, 1, 0x1000),
        [0x0f00_0001, 0x1000]
    );
    // SCR_CHMOV_ABS (512) ^ SCR_DATA_OUT.
    assert_eq!(
        insn::block_move(MoveKind::ChainMove, Phase::DataOut, 512, 0x2000),
        [0x0000_0200, 0x2000]
    );
    // SCR_MOVE_ABS (6) ^ SCR_COMMAND, and the indirect form (bit 29, the
    // commented-out SCR_MOVE_IND).
    assert_eq!(
        insn::block_move(MoveKind::Move, Phase::Command, 6, 0)[0],
        0x0a00_0006
    );
    assert_eq!(
        insn::block_move_indirect(MoveKind::Move, Phase::Status, 1, 0x3000),
        [0x2b00_0001, 0x3000]
    );
    // Counts are masked to 24 bits by the raw encoder.
    assert_eq!(
        insn::block_move(MoveKind::Move, Phase::DataIn, 0x0100_0001, 0)[0],
        0x0900_0001
    );
    assert_eq!(
        insn::table_move_entry(0x0123_4567, 0xabcd),
        [0x23_4567, 0xabcd]
    );
}

#[test]
fn io_instructions_match_sym_defs() {
    // SCR_SEL_TBL_ATN ^ offsetof (struct sym_dsb, select), PADDR_A (ungetjob).
    assert_eq!(
        insn::select_table(true, 0x38, ABS),
        [0x4300_0038, 0x1234_5678]
    );
    // SCR_SEL_TBL ^ offset | SCR_JMP_REL, negative offset in 24 bits.
    assert_eq!(
        insn::select_table(false, -4, Target::Relative(-32)),
        [0x46ff_fffc, 0xffff_ffe0]
    );
    // SCR_SEL_ABS ^ SCR_ID (5), SCR_SEL_ABS_ATN ^ SCR_ID (15).
    assert_eq!(insn::select_id(false, 5, ABS)[0], 0x4005_0000);
    assert_eq!(insn::select_id(true, 15, ABS)[0], 0x410f_0000);
    // SCR_WAIT_DISC, SCR_WAIT_RESEL (absolute and relative).
    assert_eq!(insn::wait_disconnect(), [0x4800_0000, 0]);
    assert_eq!(insn::wait_reselect(ABS), [0x5000_0000, 0x1234_5678]);
    assert_eq!(insn::wait_reselect(Target::Relative(24))[0], 0x5400_0000);
    // SCR_SET (SCR_ATN), SCR_CLR (SCR_ACK), SCR_CLR (SCR_ACK|SCR_ATN).
    assert_eq!(insn::set(Flags::ATN), [0x5800_0008, 0]);
    assert_eq!(insn::clear(Flags::ACK), [0x6000_0040, 0]);
    assert_eq!(insn::clear(Flags::ACK.with(Flags::ATN))[0], 0x6000_0048);
    // SCR_SET (SCR_CARRY), SCR_CLR (SCR_CARRY), SCR_SET (SCR_TRG).
    assert_eq!(insn::set(Flags::CARRY)[0], 0x5800_0400);
    assert_eq!(insn::clear(Flags::CARRY)[0], 0x6000_0400);
    assert_eq!(insn::set(Flags::TARGET)[0], 0x5800_0200);
    // The select table entry: SCNTL3, ID, SXFER, 0 from the top byte down
    // (struct sym_tblsel read as a little-endian dword).
    assert_eq!(insn::select_table_entry(3, 0x0f, 0x88), 0x8803_0f00);
    assert_eq!(insn::select_table_entry(0x1f, 0, 0), 0x000f_0000);
}

#[test]
fn register_instructions_match_sym_defs() {
    // SCR_LOAD_REG (scratcha, 0x12).
    assert_eq!(insn::move_data(regs::SCRATCHA, 0x12), [0x7834_1200, 0]);
    // SCR_REG_REG (scntl2, SCR_AND, 0x7f).
    assert_eq!(
        insn::reg_modify(regs::SCNTL2, Op::And, 0x7f)[0],
        0x7c02_7f00
    );
    // SCR_REG_REG (scratcha, SCR_ADD, 0x01), (.., SCR_ADDC, 0), SHL, SHR, XOR, OR.
    assert_eq!(insn::reg_modify(regs::SCRATCHA, Op::Add, 1)[0], 0x7e34_0100);
    assert_eq!(insn::reg_modify(regs::SCRATCHA, Op::Adc, 0)[0], 0x7f34_0000);
    assert_eq!(insn::reg_modify(regs::SCRATCHA, Op::Shl, 0)[0], 0x7934_0000);
    assert_eq!(insn::reg_modify(regs::SCRATCHA, Op::Shr, 0)[0], 0x7d34_0000);
    assert_eq!(
        insn::reg_modify(regs::SCRATCHA, Op::Xor, 0xff)[0],
        0x7b34_ff00
    );
    assert_eq!(
        insn::reg_modify(regs::SCRATCHA, Op::Or, 0x80)[0],
        0x7a34_8000
    );
    // Register 0x80 and up: A7 in bit 7 (SCR_REG_OFS).
    assert_eq!(insn::reg_modify(regs::SCRATCHK, Op::Or, 1)[0], 0x7a00_0180);
    assert_eq!(
        insn::reg_modify(regs::SCRATCHR.byte(3), Op::Mov, 0)[0],
        0x781f_0080
    );
    // SCR_FROM_REG (ssid), SCR_FROM_REG (scratcha), SCR_TO_REG (scratcha).
    assert_eq!(insn::move_reg_to_sfbr(regs::SSID), [0x720a_0000, 0]);
    assert_eq!(insn::move_reg_to_sfbr(regs::SCRATCHA)[0], 0x7234_0000);
    assert_eq!(insn::move_sfbr_to_reg(regs::SCRATCHA)[0], 0x6a34_0000);
    // SCR_LOAD_SFBR (0x55).
    assert_eq!(insn::move_data_to_sfbr(0x55), [0x7007_5500, 0]);
    // SCR_SFBR_REG (scratcha, SCR_AND, 0x0f), SCR_REG_SFBR (sist0, SCR_AND, 0x80).
    assert_eq!(
        insn::sfbr_to_reg(regs::SCRATCHA, Op::And, 0x0f)[0],
        0x6c34_0f00
    );
    assert_eq!(
        insn::reg_to_sfbr(regs::SIST0, Op::And, 0x80)[0],
        0x7442_8000
    );
    // SFBR & 0x07 into SFBR: a move from SFBR whose destination is SFBR.
    assert_eq!(insn::sfbr_modify(Op::And, 0x07)[0], 0x6c08_0700);
    // Read-modify-write with SFBR as data: bit 23 (the manual's D8).
    assert_eq!(
        insn::reg_modify_sfbr(regs::SCRATCHA, Op::Add)[0],
        0x7eb4_0000
    );
}

#[test]
fn memory_instructions_match_sym_defs() {
    // SCR_COPY (4) (no flush), SCR_COPY_F (4).
    assert_eq!(
        insn::memory_move(4, 0x100, 0x200, Prefetch::NoFlush),
        [0xc100_0004, 0x100, 0x200]
    );
    assert_eq!(insn::memory_move(4, 0, 0, Prefetch::Flush)[0], 0xc000_0004);
    // SCR_LOAD_REL_F (dsa, 4); SCR_LOAD_REL (dsa, 4) is the same with the
    // store-only NO FLUSH bit 25 (0xf3100004), which we leave clear.
    assert_eq!(insn::load_dsa(regs::DSA, 4, 0x20), [0xf110_0004, 0x20]);
    // SCR_LOAD_ABS_F (scratcha, 4), SCR_LOAD_REL_F (scntl3, 1) at -4.
    assert_eq!(insn::load(regs::SCRATCHA, 4, 0x8000)[0], 0xe134_0004);
    assert_eq!(
        insn::load_dsa(regs::SCNTL3, 1, -4),
        [0xf103_0001, 0xffff_fffc]
    );
    // SCR_STORE_ABS (scratcha, 4), SCR_STORE_ABS_F (dsa, 4),
    // SCR_STORE_REL (temp, 4), SCR_STORE_REL_F (scratcha, 2).
    assert_eq!(
        insn::store(regs::SCRATCHA, 4, 0x9000, Prefetch::NoFlush),
        [0xe234_0004, 0x9000]
    );
    assert_eq!(
        insn::store(regs::DSA, 4, 0, Prefetch::Flush)[0],
        0xe010_0004
    );
    assert_eq!(
        insn::store_dsa(regs::TEMP, 4, 8, Prefetch::NoFlush)[0],
        0xf21c_0004
    );
    assert_eq!(
        insn::store_dsa(regs::SCRATCHA, 2, 8, Prefetch::Flush)[0],
        0xf034_0002
    );
}

#[test]
fn kinds_classify_every_encoder() {
    let cases: [(u32, Kind); 12] = [
        (
            insn::block_move_table(MoveKind::Move, Phase::Status, 0)[0],
            Kind::BlockMove,
        ),
        (
            insn::block_move(MoveKind::ChainMove, Phase::DataOut, 1, 0)[0],
            Kind::BlockMove,
        ),
        (insn::select_table(true, 0, ABS)[0], Kind::Io),
        (insn::clear(Flags::ACK)[0], Kind::Io),
        (insn::move_data(regs::SCRATCHA, 1)[0], Kind::ReadWrite),
        (insn::move_sfbr_to_reg(regs::SCRATCHA)[0], Kind::ReadWrite),
        (insn::jump(Cond::ALWAYS, ABS)[0], Kind::TransferControl),
        (insn::int_fly(Cond::ALWAYS, 0)[0], Kind::TransferControl),
        (0xa008_0000, Kind::IllegalTransfer),
        (
            insn::memory_move(4, 0, 0, Prefetch::Flush)[0],
            Kind::MemoryMove,
        ),
        (insn::load(regs::DSA, 4, 0)[0], Kind::LoadStore),
        (
            insn::store_dsa(regs::DSA, 4, 0, Prefetch::Flush)[0],
            Kind::LoadStore,
        ),
    ];
    for (word, kind) in cases {
        assert_eq!(Kind::of(word), kind, "{word:#010x}");
        assert_eq!(kind.dwords(), if kind == Kind::MemoryMove { 3 } else { 2 });
    }
}

#[test]
fn phases_round_trip() {
    for b in 0..=255u8 {
        match Phase::from_bits(b) {
            Some(p) => {
                assert_eq!(p.bits(), b & 7);
                assert_eq!(p.is_in(), b & 1 != 0);
            }
            None => assert!(matches!(b & 7, 4 | 5)),
        }
    }
    assert_eq!(
        [
            Phase::DataOut,
            Phase::DataIn,
            Phase::Command,
            Phase::Status,
            Phase::MsgOut,
            Phase::MsgIn
        ]
        .map(Phase::bits),
        [0, 1, 2, 3, 6, 7]
    );
}

const A: Label = Label::new(0);
const B: Label = Label::new(1);
const C: Label = Label::new(2);
const RING: Extern = Extern::new(0);
const MMIO: Extern = Extern::new(2);

/// Forward and backward references, label arithmetic, externs.
const fn refs(relative: bool) -> Result<Program<32, 3>, AsmError> {
    let mut a = if relative {
        Asm::new_relative()
    } else {
        Asm::new()
    };
    a.label(A); // 0x00
    a.jump(B); // forward
    a.label(C); // 0x08
    a.jump_if(Cond::when(Phase::MsgIn), A); // backward
    a.call(C); // to itself's neighbour, backward
    a.mem_move(4, RING.plus(8), B.plus(4)); // 0x18: patch B's address dword
    a.load(regs::SCRATCHA, 4, MMIO.plus(regs::DSA.offset() as u32));
    a.label(B); // 0x2c
    a.jump_to(Cond::ALWAYS, Addr::Abs(0xdead_0000));
    a.data_addr(C.addr()); // 0x34
    a.finish()
}

#[test]
fn absolute_labels_resolve_and_relocate() {
    let p = refs(false).unwrap();
    assert_eq!(p.len(), 14);
    assert_eq!(p.size_bytes(), 56);
    assert_eq!([A, B, C].map(|l| p.offset(l).unwrap()), [0x00, 0x2c, 0x08]);
    assert_eq!(p.offset(Label::new(3)), None);
    assert_eq!(p.externs_needed(), 3);
    assert_eq!(
        p.words(),
        [
            0x8008_0000,
            0x2c, // JUMP B
            0x870b_0000,
            0x00, // JUMP A, WHEN MSG_IN
            0x8808_0000,
            0x08, // CALL C
            0xc000_0004,
            8,
            0x30, // memory move into the program: flush
            0xe134_0004,
            0x10, // LOAD SCRATCHA, 4 from MMIO + DSA
            0x8008_0000,
            0xdead_0000, // absolute, never relocated
            0x08,        // C as data
        ]
    );
    let relocs: Vec<_> = p.relocations().collect();
    assert_eq!(
        relocs,
        [
            (1, Reloc::Base),
            (3, Reloc::Base),
            (5, Reloc::Base),
            (7, Reloc::Extern(RING)),
            (8, Reloc::Base),
            (10, Reloc::Extern(MMIO)),
            (13, Reloc::Base),
        ]
    );
    let base = 0x0010_0000;
    let ext = [0x0200_0000, 0, 0xfebf_0000];
    let mut out = [0u32; 14];
    assert_eq!(p.load(base, &ext, &mut out), Ok(14));
    assert_eq!(out[1], base + 0x2c);
    assert_eq!(out[3], base);
    assert_eq!(out[7], 0x0200_0008);
    assert_eq!(out[8], base + 0x30);
    assert_eq!(out[10], 0xfebf_0010);
    assert_eq!(out[12], 0xdead_0000);
    assert_eq!(out[13], base + 8);
    assert_eq!(p.relocated(base, &ext).unwrap().collect::<Vec<_>>(), out);
    assert_eq!(p.address(B, base), Some(base + 0x2c));
    assert_eq!(p.address(B, u32::MAX), None);

    let mut bytes = [0u8; 60];
    assert_eq!(p.load_le(base, &ext, &mut bytes), Ok(56));
    for (i, w) in out.iter().enumerate() {
        assert_eq!(bytes[4 * i..4 * i + 4], w.to_le_bytes());
    }
    assert_eq!(bytes[56..], [0; 4]);
}

#[test]
fn relative_labels_need_no_base() {
    let p = refs(true).unwrap();
    assert_eq!(
        p.words()[..6],
        [
            0x8088_0000,
            0x24, // JUMPR B: 0x2c - 0x08
            0x878b_0000,
            0xffff_fff0, // JUMPR A WHEN MSG_IN: 0 - 0x10
            0x8888_0000,
            0xffff_fff0, // CALLR C: 0x08 - 0x18
        ]
    );
    // Only the data references are left to relocate.
    let relocs: Vec<_> = p.relocations().map(|(i, _)| i).collect();
    assert_eq!(relocs, [7, 8, 10, 13]);
    // Select and wait reselect use their own relative bit (26).
    const fn sel() -> Result<Program<8, 1>, AsmError> {
        let mut a = Asm::new_relative();
        a.select_atn(0x10, A);
        a.wait_reselect(A);
        a.label(A);
        a.finish()
    }
    let p = sel().unwrap();
    assert_eq!(p.words(), [0x4700_0010, 8, 0x5400_0000, 0]);
    assert_eq!(p.relocations().count(), 0);
}

#[test]
fn load_errors() {
    let p = refs(false).unwrap();
    let mut out = [0u32; 14];
    assert_eq!(
        p.load(0x1002, &[0; 3], &mut out),
        Err(LoadError::Misaligned)
    );
    // 56 bytes: the end address must stay below 4 GiB.
    assert_eq!(
        p.load(0xffff_ffc8, &[0; 3], &mut out),
        Err(LoadError::OutOfRange)
    );
    assert_eq!(p.load(0xffff_ffc4, &[0; 3], &mut out), Ok(14));
    assert_eq!(
        p.load(0, &[0; 2], &mut out),
        Err(LoadError::MissingExtern(Extern::new(2)))
    );
    assert_eq!(
        p.load(0, &[0; 3], &mut out[..13]),
        Err(LoadError::BufferTooSmall)
    );
    assert_eq!(
        p.load_le(0, &[0; 3], &mut [0u8; 55]),
        Err(LoadError::BufferTooSmall)
    );
    assert!(p.relocated(0, &[]).is_err());
    // Extra extern values are fine.
    assert_eq!(p.load(0, &[0; 9], &mut out), Ok(14));
}

fn err<const N: usize, const L: usize>(r: Result<Program<N, L>, AsmError>) -> AsmError {
    match r {
        Ok(_) => panic!("assembled"),
        Err(e) => e,
    }
}

#[test]
fn assembly_errors_are_reported_not_panicked() {
    // Overflow at the third instruction of a 4-dword array.
    let mut a = Asm::<4, 0>::new();
    a.nop();
    a.nop();
    a.nop();
    a.nop();
    let e = err(a.finish());
    assert_eq!(
        e,
        AsmError {
            kind: AsmErrorKind::Overflow,
            at: 4
        }
    );
    assert_eq!(e.message(), "SCRIPTS program does not fit its array");

    // A 3-dword memory move does not fit after one instruction in 4.
    let mut a = Asm::<4, 0>::new();
    a.nop();
    a.mem_move(1, Addr::Abs(0), Addr::Abs(4));
    assert_eq!(err(a.finish()).kind, AsmErrorKind::Overflow);

    let mut a = Asm::<8, 2>::new();
    a.label(A);
    a.label(A);
    assert_eq!(err(a.finish()).kind, AsmErrorKind::DuplicateLabel(A));

    let mut a = Asm::<8, 2>::new();
    a.label(A);
    a.jump(A);
    let e = err(a.finish());
    assert_eq!(
        e,
        AsmError {
            kind: AsmErrorKind::UnboundLabel(B),
            at: 2
        }
    );

    let mut a = Asm::<8, 2>::new();
    a.jump(C);
    assert_eq!(err(a.finish()).kind, AsmErrorKind::BadLabel(C));
    let mut a = Asm::<8, 2>::new_relative();
    a.label(A);
    a.label(B);
    a.call(C);
    assert_eq!(
        err(a.finish()),
        AsmError {
            kind: AsmErrorKind::BadLabel(C),
            at: 1
        }
    );
    let mut a = Asm::<8, 2>::new();
    a.label(C);
    assert_eq!(err(a.finish()).kind, AsmErrorKind::BadLabel(C));

    for count in [0, 0x0100_0000] {
        let mut a = Asm::<8, 0>::new();
        a.move_abs(Phase::DataIn, count, Addr::Abs(0));
        assert_eq!(err(a.finish()).kind, AsmErrorKind::BadCount);
        let mut a = Asm::<8, 0>::new();
        a.mem_move(count, Addr::Abs(0), Addr::Abs(0));
        assert_eq!(err(a.finish()).kind, AsmErrorKind::BadCount);
    }
    for off in [1 << 23, -(1 << 23) - 1] {
        let mut a = Asm::<8, 0>::new();
        a.move_tbl(Phase::DataIn, off);
        assert_eq!(err(a.finish()).kind, AsmErrorKind::BadOffset);
        let mut a = Asm::<8, 1>::new();
        a.label(A);
        a.select_atn(off, A);
        assert_eq!(err(a.finish()).kind, AsmErrorKind::BadOffset);
    }
    let mut a = Asm::<8, 0>::new();
    a.move_tbl(Phase::DataIn, (1 << 23) - 1);
    a.move_tbl(Phase::DataIn, -(1 << 23));
    assert!(a.finish().is_ok());

    for (reg, n) in [
        (regs::DSA, 0),
        (regs::DSA, 5),
        (regs::SCRATCHA.byte(1), 4),
        (regs::SCNTL3, 2),
    ] {
        let mut a = Asm::<8, 0>::new();
        a.load(reg, n, Addr::Abs(0));
        assert_eq!(
            err(a.finish()).kind,
            AsmErrorKind::BadLoadStore,
            "{reg:?} {n}"
        );
        let mut a = Asm::<8, 0>::new();
        a.store_dsa(reg, n, 0);
        assert_eq!(err(a.finish()).kind, AsmErrorKind::BadLoadStore);
    }
    let mut a = Asm::<8, 0>::new();
    a.load(regs::SCRATCHA.byte(2), 2, Addr::Abs(0));
    a.store(regs::SCNTL3, 1, Addr::Abs(0));
    assert!(a.finish().is_ok());

    // The first error wins.
    let mut a = Asm::<2, 0>::new();
    a.move_abs(Phase::DataIn, 0, Addr::Abs(0));
    a.nop();
    assert_eq!(
        err(a.finish()),
        AsmError {
            kind: AsmErrorKind::BadCount,
            at: 0
        }
    );

    // Arrays past MAX_DWORDS or MAX_LABELS are refused up front.
    assert_eq!((MAX_DWORDS, MAX_LABELS), (1 << 22, 1 << 16));
    let a = Asm::<0, { MAX_LABELS + 1 }>::new();
    assert_eq!(err(a.finish()).kind, AsmErrorKind::TooLarge);
    assert!(Asm::<0, MAX_LABELS>::new()
        .finish()
        .is_err_and(|e| e.kind != AsmErrorKind::TooLarge));
    assert!(insn::fits_i24((1 << 23) - 1) && !insn::fits_i24(1 << 23));
    assert!(insn::fits_i24(-(1 << 23)) && !insn::fits_i24(-(1 << 23) - 1));
}

#[test]
fn every_error_has_a_message() {
    let kinds = [
        AsmErrorKind::Overflow,
        AsmErrorKind::TooLarge,
        AsmErrorKind::BadLabel(A),
        AsmErrorKind::DuplicateLabel(A),
        AsmErrorKind::UnboundLabel(A),
        AsmErrorKind::OutOfReach(A),
        AsmErrorKind::BadCount,
        AsmErrorKind::BadLoadStore,
        AsmErrorKind::BadOffset,
    ];
    let msgs: std::collections::HashSet<_> = kinds
        .iter()
        .map(|&kind| AsmError { kind, at: 0 }.message())
        .collect();
    assert_eq!(msgs.len(), kinds.len());
}

#[test]
fn assembler_methods_emit_the_encoders() {
    let mut a = Asm::<64, 1>::new();
    a.label(A);
    a.move_tbl(Phase::MsgOut, 0x10);
    a.chmov_tbl(Phase::DataIn, 0x18);
    a.move_abs(Phase::MsgIn, 1, Addr::Abs(0x500));
    a.chmov_abs(Phase::DataOut, 2, Addr::Abs(0x600));
    a.move_ind(Phase::Status, 1, Addr::Abs(0x700));
    a.chmov_ind(Phase::DataIn, 3, Addr::Abs(0x800));
    a.select(0x20, A);
    a.wait_disconnect();
    a.set(Flags::ATN);
    a.clear(Flags::ACK);
    a.move_imm(regs::SCRATCHA, 1);
    a.move_imm_sfbr(2);
    a.move_to_sfbr(regs::SSID);
    a.move_from_sfbr(regs::SCRATCHB);
    a.reg_op(regs::SCNTL2, Op::And, 0x7f);
    a.reg_op_sfbr(regs::SCRATCHA, Op::Add);
    a.to_sfbr(regs::SIST0, Op::And, 0x80);
    a.from_sfbr(regs::SCRATCHA, Op::Xor, 0xff);
    a.sfbr_op(Op::And, 7);
    a.ret();
    a.ret_if(Cond::when(Phase::MsgIn));
    a.int(5);
    a.int_if(Cond::data(1), 6);
    a.int_fly(7);
    a.int_fly_if(Cond::carry(), 8);
    a.call_to(Cond::ALWAYS, Addr::Abs(0x900));
    a.raw(&insn::nop());
    a.data(0xfeed);
    a.load_dsa(regs::DSA, 4, 0x30);
    a.store_with(regs::TEMP, 4, Addr::Abs(0xa00), Prefetch::Flush);
    let mut expected: Vec<u32> = [
        insn::block_move_table(MoveKind::Move, Phase::MsgOut, 0x10),
        insn::block_move_table(MoveKind::ChainMove, Phase::DataIn, 0x18),
        insn::block_move(MoveKind::Move, Phase::MsgIn, 1, 0x500),
        insn::block_move(MoveKind::ChainMove, Phase::DataOut, 2, 0x600),
        insn::block_move_indirect(MoveKind::Move, Phase::Status, 1, 0x700),
        insn::block_move_indirect(MoveKind::ChainMove, Phase::DataIn, 3, 0x800),
        insn::select_table(false, 0x20, Target::Absolute(0)),
        insn::wait_disconnect(),
        insn::set(Flags::ATN),
        insn::clear(Flags::ACK),
        insn::move_data(regs::SCRATCHA, 1),
        insn::move_data_to_sfbr(2),
        insn::move_reg_to_sfbr(regs::SSID),
        insn::move_sfbr_to_reg(regs::SCRATCHB),
        insn::reg_modify(regs::SCNTL2, Op::And, 0x7f),
        insn::reg_modify_sfbr(regs::SCRATCHA, Op::Add),
        insn::reg_to_sfbr(regs::SIST0, Op::And, 0x80),
        insn::sfbr_to_reg(regs::SCRATCHA, Op::Xor, 0xff),
        insn::sfbr_modify(Op::And, 7),
        insn::ret(Cond::ALWAYS),
        insn::ret(Cond::when(Phase::MsgIn)),
        insn::int(Cond::ALWAYS, 5),
        insn::int(Cond::data(1), 6),
        insn::int_fly(Cond::ALWAYS, 7),
        insn::int_fly(Cond::carry(), 8),
        insn::call(Cond::ALWAYS, Target::Absolute(0x900)),
        insn::nop(),
    ]
    .concat();
    expected.push(0xfeed);
    expected.extend(insn::load_dsa(regs::DSA, 4, 0x30));
    expected.extend(insn::store(regs::TEMP, 4, 0xa00, Prefetch::Flush));
    let p = a.finish().unwrap();
    assert_eq!(p.words(), expected);
    // Only the select's alternate address refers to a label.
    assert_eq!(p.relocations().collect::<Vec<_>>(), [(13, Reloc::Base)]);
}

#[test]
fn stores_and_memory_moves_flush_only_into_the_program() {
    let mut a = Asm::<16, 1>::new();
    a.label(A);
    a.store(regs::SCRATCHA, 4, A.plus(4));
    a.store(regs::SCRATCHA, 4, RING.addr());
    a.mem_move(4, A.addr(), Addr::Abs(0x100));
    a.mem_move_with(4, Addr::Abs(0), A.plus(4), Prefetch::NoFlush);
    let p = a.finish().unwrap();
    let w = p.words();
    assert_eq!(
        [w[0], w[2], w[4], w[7]],
        [0xe034_0004, 0xe234_0004, 0xc100_0004, 0xc100_0004]
    );
}
