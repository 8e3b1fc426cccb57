// SPDX-License-Identifier: GPL-2.0

//! The SCRIPTS program orion_lsi runs: a start queue fed by the CPU,
//! tagged commands with disconnection and reselection, table-indirect data
//! moves, and completion by marking the CCB done.
//!
//! Flow of a command (see [`super::layout`] for the memory it uses):
//!
//! 1. `start` takes the priority job if the CPU set one (its REQUEST
//!    SENSE), else the next start queue entry; the idle CCB sends it to
//!    `idle`, which waits for a reselection or for SIGP (new work).
//! 2. `select`: SELECT with ATN from the CCB's select table (if a target
//!    reselects first, the job goes back to the queue and `reselected`
//!    runs), MESSAGE OUT (IDENTIFY, tag message, negotiation), COMMAND.
//! 3. `dispatch` follows the target's phases: data through `data` into
//!    the data-move array at the CCB's data pointer (one table-indirect move
//!    per SG entry, the CPU filled the last entries), STATUS, MESSAGE IN
//!    (COMMAND COMPLETE, DISCONNECT, SAVE DATA POINTER, RESTORE POINTERS,
//!    extended messages; MESSAGE REJECT and others stop for the CPU).
//! 4. COMMAND COMPLETE: wait for bus free; a status other than GOOD stops
//!    with [`sir::BAD_STATUS`] (the CPU issues REQUEST SENSE); otherwise the
//!    CCB is marked done, INTFLY tells the CPU, and `start` runs again.
//! 5. `reselected`: IDENTIFY, then the tag message finds the CCB in the
//!    tag table (or the target id in the untagged table); `resume`
//!    restores the data pointer and dispatches.
//!
//! Stopping the SCRIPTS (so the CPU can edit the start queue and the
//! priority job, e.g. to drop a target's unstarted jobs or to post a
//! message job): `start` checks ISTAT0.SEM after its CTEST2 read and, if
//! set, stops with [`sir::STOPPED`] before taking a job. The CPU:
//!
//! 1. writes ISTAT0 = SEM | SIGP in one write. SIGP wakes parked SCRIPTS
//!    (WAIT RESELECT's alternate is `start`) and stays set for running
//!    ones, so the next WAIT RESELECT leads to `start` too. An ISTAT0
//!    write replaces bits 7:4: until the stop is over every ISTAT0 write
//!    (posting's SIGP, acknowledging INTF) must carry SEM, or it takes
//!    the request back.
//! 2. waits for the SIR interrupt with DSPS = [`sir::STOPPED`] (DSP is
//!    `start` + 24; DSA is stale: the last job's CCB or the idle CCB).
//!    Running SCRIPTS get there when the job on the bus ends (completion,
//!    disconnection, or given back after a lost selection); other stops
//!    (BAD_STATUS, phase mismatch, selection timeout...) may come first
//!    and are handled and restarted as usual, SEM kept.
//! 3. while stopped, no job is in progress; `HCB_START_POS` is the entry
//!    the SCRIPTS take next (not taken yet); `HCB_PRIO_FLAG` may still be
//!    1 (a priority job whose selection lost to a reselection). The CPU
//!    may rewrite entries from there on and the priority job; the driver
//!    drops jobs by compacting the pending entries in place (the idle CCB
//!    after the last one kept); pointing an entry at a CCB whose
//!    `CCB_GO_START` is `start` works too (the SCRIPTS go on with the next
//!    one) but keeps the entry taken. A reselection may
//!    already hold the bus (QEMU reselects at the last WAIT DISCONNECT) or
//!    come while stopped: it is not lost, the restart serves it (SELECT's
//!    alternate, or WAIT RESELECT goes on at once).
//! 4. reads DSTAT (clears SIR), writes ISTAT0 = 0 (clears SEM; a SIGP
//!    dropped with it does not matter, `start` reads the queue anyway),
//!    then DSP = `start`.
//!
//! Message jobs: a CCB whose `CCB_GO_START` is the `bdr` label, with the
//! select table and a message-out table of IDENTIFY (no disconnect
//! privilege) plus BUS DEVICE RESET (0x0c) or ABORT (0x06). Posted as the
//! priority job while stopped, or through the start queue. The SCRIPTS
//! select with ATN (a reselection first: given back as a command is),
//! send the bytes, wait for the bus free the target answers with, mark
//! the CCB done ([`super::layout::HS_DONE`]) and stop with
//! [`sir::MSG_JOB_DONE`], DSA = the CCB; the CPU forgets the target's
//! disconnected commands (QEMU cancels all of them for either message,
//! they never reselect or complete) and restarts at `start`. A selection
//! timeout stops as for a command (SIST1.STO, DSP = `bdr` + 16, DSA = the
//! CCB). ABORT TAG is no use on QEMU outside a reconnection: it picks its
//! victim before reading the tag bytes of the same MESSAGE OUT.
//!
//! What QEMU's model needs (see the notes in Documentation/lsi53c895a.rst):
//! the program idles only in WAIT RESELECT, reads CTEST2 first when it
//! wakes (the SIGP that woke it stays set otherwise), waits for a no-data
//! command's completion in a DATA IN move (the overrun stub), and never
//! moves memory into the chip's own BARs.

use super::asm::{Addr, Asm, AsmError, Extern, Label, Program};
use super::insn::{Cond, Flags, Op, Phase};
use super::layout::{self as l, sir};
use super::regs::{self as r};

/// External symbol 0: the host control block's bus address.
const HCB: Extern = Extern::new(0);

// Labels.
const START: Label = Label::new(0);
const TAKE_PRIO: Label = Label::new(1);
const IDLE: Label = Label::new(2);
const SELECT: Label = Label::new(3);
const RESEL_IN_SELECT: Label = Label::new(4);
const SEND_CMD: Label = Label::new(5);
const DISPATCH: Label = Label::new(6);
const MSG_OUT: Label = Label::new(7);
const REJECT_OUT: Label = Label::new(8);
const DATA: Label = Label::new(9);
const DATA_IN: Label = Label::new(10);
const DATA_IN_END: Label = Label::new(11);
const DATA_OUT: Label = Label::new(12);
const DATA_OUT_END: Label = Label::new(13);
const DATA_DONE: Label = Label::new(14);
const OVERRUN: Label = Label::new(15);
const OVERRUN_OUT: Label = Label::new(16);
const STATUS: Label = Label::new(17);
const MSG_IN: Label = Label::new(18);
const COMPLETE: Label = Label::new(19);
const DISCONNECT: Label = Label::new(20);
const SAVE_DP: Label = Label::new(21);
const RESTORE_DP: Label = Label::new(22);
const EXT_MSG: Label = Label::new(23);
const EXT_BODY: Label = Label::new(24);
const CLEAR_ACK: Label = Label::new(25);
const RESELECTED: Label = Label::new(26);
const RESEL_UNTAGGED: Label = Label::new(27);
const RESUME: Label = Label::new(28);
const BAD_NEXUS: Label = Label::new(29);
const SEL_NO_CMD: Label = Label::new(30);
const BDR_SELECT: Label = Label::new(31);
const LABELS: usize = 32;

/// Dwords the program may take (it uses under 800).
const WORDS: usize = 896;

/// The assembled program.
pub static PROGRAM: Program<WORDS, LABELS> = match assemble() {
    Ok(p) => p,
    Err(e) => panic!("{}", e.message()),
};

const _: () = assert!(PROGRAM.size_bytes() <= r::SCRIPTS_RAM_SIZE);

const fn hcb(off: u32) -> Addr {
    HCB.plus(off)
}

/// Copies 4 bytes at DSA+`from` to DSA+`to` through SCRATCHB.
const fn copy_dsa(a: &mut Asm<WORDS, LABELS>, from: u32, to: u32) {
    a.load_dsa(r::SCRATCHB, 4, from as i32);
    a.store_dsa(r::SCRATCHB, 4, to as i32);
}

/// DSA <- the entry SFBR (an index times four) of the 256-byte-aligned
/// table whose address the HCB word at `table_ptr` holds; then continue at
/// that CCB's restart address.
const fn dsa_from_table(a: &mut Asm<WORDS, LABELS>, table_ptr: u32) {
    a.load(r::DSA, 4, hcb(table_ptr));
    a.move_from_sfbr(r::DSA);
    a.load_dsa(r::DSA, 4, 0);
    a.load_dsa(r::TEMP, 4, l::CCB_GO_RESTART as i32);
    a.ret();
}

const fn assemble() -> Result<Program<WORDS, LABELS>, AsmError> {
    let mut a = Asm::<WORDS, LABELS>::new();

    // 1. Take the next job.
    a.label(START);
    // Reading CTEST2 clears SIGP, so the SIGP that woke us cannot end the
    // next WAIT RESELECT at once.
    a.move_to_sfbr(r::CTEST2);
    // The CPU's stop request (ISTAT0.SEM, see `sir::STOPPED`): halt before
    // taking a job, so the start queue and the priority job are the CPU's.
    // AND, not MOV: QEMU reads the register only for an operator.
    a.to_sfbr(r::ISTAT0, Op::And, r::ISTAT0_SEM);
    a.int_if(Cond::data(r::ISTAT0_SEM), sir::STOPPED);
    a.load(r::SFBR, 1, hcb(l::HCB_PRIO_FLAG));
    a.jump_if(Cond::data(1), TAKE_PRIO);
    a.load(r::SCRATCHA, 4, hcb(l::HCB_START_POS));
    a.load(r::DSA, 4, hcb(l::HCB_START_POS));
    a.load_dsa(r::SCRATCHB, 4, 4);
    a.store(r::SCRATCHB, 4, hcb(l::HCB_START_POS));
    a.load_dsa(r::DSA, 4, 0);
    a.load_dsa(r::TEMP, 4, l::CCB_GO_START as i32);
    a.ret();

    a.label(TAKE_PRIO);
    a.load(r::SCRATCHA, 4, hcb(l::HCB_START_POS));
    a.load(r::DSA, 4, hcb(l::HCB_PRIO_DSA));
    a.load_dsa(r::TEMP, 4, l::CCB_GO_START as i32);
    a.ret();

    // The idle CCB's job: give the queue entry back, wait.
    a.label(IDLE);
    a.store(r::SCRATCHA, 4, hcb(l::HCB_START_POS));
    a.wait_reselect(START);
    a.jump(RESELECTED);

    // 2. Select, send the messages and the command.
    a.label(SELECT);
    a.select_atn(l::CCB_SELECT as i32, RESEL_IN_SELECT);
    // A selection timeout stops here too (SIST1.STO).
    a.int_if(Cond::when(Phase::MsgOut).negate(), sir::SEL_NO_MSGOUT);
    // Selected: a priority job is taken.
    a.move_imm(r::SCRATCHB, 0);
    a.store(r::SCRATCHB, 1, hcb(l::HCB_PRIO_FLAG));
    a.move_tbl(Phase::MsgOut, l::CCB_MSGOUT_TBL as i32);
    a.jump_if(Cond::when(Phase::Command).negate(), SEL_NO_CMD);
    a.label(SEND_CMD);
    a.move_tbl(Phase::Command, l::CCB_CMD_TBL as i32);
    a.jump(DISPATCH);

    // Not COMMAND after our messages: a negotiation reply or a reject.
    a.label(SEL_NO_CMD);
    a.jump(DISPATCH);

    // Reselected before our selection won: the job goes back to its queue
    // entry (a priority job keeps its flag).
    a.label(RESEL_IN_SELECT);
    a.store(r::SCRATCHA, 4, hcb(l::HCB_START_POS));
    a.jump(RESELECTED);

    // A message job (BUS DEVICE RESET or ABORT): select as for a command,
    // send the CCB's message-out bytes (IDENTIFY and the message); the
    // target drops the bus without a status. The CPU is told with an INT,
    // not INTFLY: it must forget the target's commands (they never come
    // back) before the SCRIPTS take another job, maybe for that target,
    // and DSA tells it which job this was without a scan.
    a.label(BDR_SELECT);
    a.select_atn(l::CCB_SELECT as i32, RESEL_IN_SELECT);
    // A selection timeout stops here too, as for a command.
    a.int_if(Cond::when(Phase::MsgOut).negate(), sir::SEL_NO_MSGOUT);
    a.move_imm(r::SCRATCHB, 0);
    a.store(r::SCRATCHB, 1, hcb(l::HCB_PRIO_FLAG));
    // The target frees the bus once it has the last byte, inside the
    // move: SCNTL2.SDU (disconnect unexpected) is cleared before it.
    a.reg_op(r::SCNTL2, Op::And, 0x7f);
    a.move_tbl(Phase::MsgOut, l::CCB_MSGOUT_TBL as i32);
    a.clear(Flags::ACK.with(Flags::ATN));
    a.wait_disconnect();
    a.move_imm(r::SCRATCHB, l::HS_DONE);
    a.store_dsa(r::SCRATCHB, 1, (l::CCB_STATUS + 1) as i32);
    a.int(sir::MSG_JOB_DONE);

    // 3. Phases.
    a.label(DISPATCH);
    a.jump_if(Cond::when(Phase::MsgIn), MSG_IN);
    a.jump_if(Cond::if_phase(Phase::DataIn), DATA);
    a.jump_if(Cond::if_phase(Phase::DataOut), DATA);
    a.jump_if(Cond::if_phase(Phase::Status), STATUS);
    a.jump_if(Cond::if_phase(Phase::Command), SEND_CMD);
    a.jump_if(Cond::if_phase(Phase::MsgOut), MSG_OUT);
    a.int(sir::BAD_PHASE);

    // The target asks for a message: the CCB's message-out bytes (the CPU
    // put a MESSAGE REJECT there when it rejects one).
    a.label(MSG_OUT);
    a.clear(Flags::ATN);
    a.move_tbl(Phase::MsgOut, l::CCB_MSGOUT_TBL as i32);
    a.jump(DISPATCH);

    // The CPU prepared a message to send: raise ATN, release the byte.
    a.label(REJECT_OUT);
    a.set(Flags::ATN);
    a.clear(Flags::ACK);
    a.jump(DISPATCH);

    // Data: continue at the data pointer, inside one of the arrays.
    a.label(DATA);
    a.load_dsa(r::TEMP, 4, l::CCB_LASTP as i32);
    a.ret();

    a.label(DATA_IN);
    let mut i = 0;
    while i < l::SG_ENTRIES {
        a.chmov_tbl(
            Phase::DataIn,
            (l::CCB_SG + i as u32 * l::SG_ENTRY_LEN) as i32,
        );
        i += 1;
    }
    a.label(DATA_IN_END);
    a.jump(DATA_DONE);

    a.label(DATA_OUT);
    let mut i = 0;
    while i < l::SG_ENTRIES {
        a.chmov_tbl(
            Phase::DataOut,
            (l::CCB_SG + i as u32 * l::SG_ENTRY_LEN) as i32,
        );
        i += 1;
    }
    a.label(DATA_OUT_END);

    // All entries moved: the data pointer goes to the overrun stub.
    a.label(DATA_DONE);
    copy_dsa(&mut a, l::CCB_GOALP, l::CCB_LASTP);
    a.jump(DISPATCH);

    // More data than the command has, or a command without data: one byte
    // at a time into scratch. QEMU keeps an asynchronous command without
    // data (SYNCHRONIZE CACHE) in DATA IN until it completes, then raises a
    // phase mismatch on this move: the CPU goes on at `dispatch`.
    a.label(OVERRUN);
    a.jump_if(Cond::if_phase(Phase::DataOut), OVERRUN_OUT);
    a.jump_if(Cond::if_phase(Phase::DataIn).negate(), DISPATCH);
    a.move_abs(Phase::DataIn, 1, hcb(l::HCB_SCRATCH + 8));
    a.int(sir::OVERRUN);
    a.label(OVERRUN_OUT);
    a.move_abs(Phase::DataOut, 1, hcb(l::HCB_SCRATCH + 8));
    a.int(sir::OVERRUN);

    a.label(STATUS);
    a.move_tbl(Phase::Status, l::CCB_STATUS_TBL as i32);
    a.jump(DISPATCH);

    // 4. Messages from the target.
    a.label(MSG_IN);
    a.move_tbl(Phase::MsgIn, l::CCB_MSGIN_TBL as i32);
    a.jump_if(Cond::data(0x00), COMPLETE);
    a.jump_if(Cond::data(0x04), DISCONNECT);
    a.jump_if(Cond::data(0x02), SAVE_DP);
    a.jump_if(Cond::data(0x03), RESTORE_DP);
    a.jump_if(Cond::data(0x01), EXT_MSG);
    a.int_if(Cond::data(0x07), sir::REJECT_RECEIVED);
    a.int(sir::MSG_WEIRD);

    a.label(COMPLETE);
    // The disconnect that follows is expected.
    a.reg_op(r::SCNTL2, Op::And, 0x7f);
    a.clear(Flags::ACK);
    a.wait_disconnect();
    a.load_dsa(r::SFBR, 1, l::CCB_STATUS_BYTE as i32);
    a.int_if(Cond::data(0x00).negate(), sir::BAD_STATUS);
    a.move_imm(r::SCRATCHB, l::HS_DONE);
    a.store_dsa(r::SCRATCHB, 1, (l::CCB_STATUS + 1) as i32);
    a.int_fly(0);
    a.jump(START);

    a.label(DISCONNECT);
    a.reg_op(r::SCNTL2, Op::And, 0x7f);
    a.clear(Flags::ACK);
    a.wait_disconnect();
    a.jump(START);

    a.label(SAVE_DP);
    copy_dsa(&mut a, l::CCB_LASTP, l::CCB_SAVEP);
    a.clear(Flags::ACK);
    a.jump(DISPATCH);

    a.label(RESTORE_DP);
    copy_dsa(&mut a, l::CCB_SAVEP, l::CCB_LASTP);
    a.clear(Flags::ACK);
    a.jump(DISPATCH);

    // Extended message: its length byte, then (count set by the CPU) its
    // body; the CPU decides and resumes at `clear_ack` or `reject_out`.
    a.label(EXT_MSG);
    a.clear(Flags::ACK);
    a.move_tbl(Phase::MsgIn, l::CCB_EXTIN_TBL as i32);
    a.int(sir::EXT_MSG);
    a.label(EXT_BODY);
    a.clear(Flags::ACK);
    a.move_tbl(Phase::MsgIn, l::CCB_EXTIN_TBL as i32);
    a.int(sir::EXT_MSG_BODY);

    a.label(CLEAR_ACK);
    a.clear(Flags::ACK);
    a.jump(DISPATCH);

    // 5. Reselection: IDENTIFY, then a tag message or none.
    a.label(RESELECTED);
    a.int_if(Cond::when(Phase::MsgIn).negate(), sir::RESEL_NO_MSGIN);
    a.move_abs(Phase::MsgIn, 1, hcb(l::HCB_SCRATCH));
    a.int_if(
        Cond::data_masked(0x80, 0x80).negate(),
        sir::RESEL_NO_IDENTIFY,
    );
    a.clear(Flags::ACK);
    a.jump_if(Cond::when(Phase::MsgIn).negate(), RESEL_UNTAGGED);
    // SIMPLE QUEUE TAG and the tag: SIDL holds the tag (the last byte).
    a.move_abs(Phase::MsgIn, 2, hcb(l::HCB_SCRATCH + 4));
    a.clear(Flags::CARRY);
    a.to_sfbr(r::SIDL, Op::Shl, 0);
    // SFBR as a source register reads 0 in QEMU: shift it in place.
    a.sfbr_op(Op::Shl, 0);
    dsa_from_table(&mut a, l::HCB_SELF);

    a.label(RESEL_UNTAGGED);
    a.clear(Flags::CARRY);
    a.to_sfbr(r::SSID, Op::And, 0x0f);
    a.sfbr_op(Op::Shl, 0);
    a.sfbr_op(Op::Shl, 0);
    dsa_from_table(&mut a, l::HCB_SELF_UNTAGGED);

    // A reselected job: implied RESTORE POINTERS, then its phases.
    a.label(RESUME);
    a.clear(Flags::ACK);
    copy_dsa(&mut a, l::CCB_SAVEP, l::CCB_LASTP);
    a.jump(DISPATCH);

    a.label(BAD_NEXUS);
    a.int(sir::RESEL_BAD_NEXUS);

    a.finish()
}

/// Bus addresses of the entry points the driver uses, for a program
/// loaded at a given base.
#[derive(Clone, Copy, Debug, Default)]
pub struct Labels {
    /// Take the next job.
    pub start: u32,
    /// The idle CCB's job.
    pub idle: u32,
    /// A job's start: select its target.
    pub select: u32,
    /// A job's restart after reselection.
    pub resume: u32,
    /// The bad-nexus CCB's restart.
    pub bad_nexus: u32,
    /// A message job's start: select, send IDENTIFY and BUS DEVICE RESET
    /// or ABORT, wait for bus free, stop with [`sir::MSG_JOB_DONE`].
    pub bdr: u32,
    /// Phase dispatch (after a phase mismatch).
    pub dispatch: u32,
    /// First entry of the DATA IN array.
    pub data_in: u32,
    /// Just past the DATA IN array.
    pub data_in_end: u32,
    /// First entry of the DATA OUT array.
    pub data_out: u32,
    /// Just past the DATA OUT array.
    pub data_out_end: u32,
    /// The overrun stub (the data pointer of a finished transfer, or of a
    /// command without data).
    pub overrun: u32,
    /// Read the body of an extended message.
    pub ext_body: u32,
    /// Release a message-in byte and dispatch.
    pub clear_ack: u32,
    /// Send the CCB's message-out bytes as a reply (ATN raised).
    pub reject_out: u32,
}

/// Why a program could not be built for a load address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildError;

/// Dwords of the program.
pub const LEN: usize = PROGRAM.len();

/// Writes the program's dwords for SCRIPTS at bus address `base`, with the
/// host control block at `hcb`, into `out` (at least [`LEN`] dwords), and
/// returns its entry points.
pub fn build(base: u32, hcb: u32, out: &mut [u32]) -> Result<Labels, BuildError> {
    let at = |label| PROGRAM.address(label, base).ok_or(BuildError);
    let labels = Labels {
        start: at(START)?,
        idle: at(IDLE)?,
        select: at(SELECT)?,
        resume: at(RESUME)?,
        bad_nexus: at(BAD_NEXUS)?,
        bdr: at(BDR_SELECT)?,
        dispatch: at(DISPATCH)?,
        data_in: at(DATA_IN)?,
        data_in_end: at(DATA_IN_END)?,
        data_out: at(DATA_OUT)?,
        data_out_end: at(DATA_OUT_END)?,
        overrun: at(OVERRUN)?,
        ext_body: at(EXT_BODY)?,
        clear_ack: at(CLEAR_ACK)?,
        reject_out: at(REJECT_OUT)?,
    };
    PROGRAM.load(base, &[hcb], out).map_err(|_| BuildError)?;
    Ok(labels)
}
