// SPDX-License-Identifier: GPL-2.0

//! SCRIPTS for the LSI53C895A (QEMU's `lsi53c895a`): the instruction
//! encoders ([`insn`]), a compile-time assembler with labels and load-time
//! relocation ([`asm`]), the register map and interrupt decoding
//! ([`regs`]), the SCSI messages the SCRIPTS exchange ([`msg`]), and
//! orion_lsi's own program ([`program`]) with the memory layout it shares
//! with the driver ([`layout`]) and the header of a job's CCB ([`ccb`]).
//!
//! Pure logic only (`core`, no allocation, no panics outside const
//! evaluation), shared by the kernel driver and the host tests.
//!
//! Typical driver flow:
//! 1. write the program as a `const fn` over [`Asm`], keep the result in a
//!    `static` [`Program`] (an assembly error fails the build, see
//!    [`asm`]), and read the entry points with [`Program::offset`];
//! 2. at probe, choose where the program runs (SCRIPTS RAM in BAR 2, or a
//!    coherent DMA buffer), allocate the host tables the program names as
//!    [`Extern`]s, and write [`Program::relocated`] words there;
//! 3. start SCRIPTS by writing the entry point's bus address to DSP; on an
//!    interrupt decode ISTAT0/DSTAT/SIST with [`regs::IntStatus`] and the
//!    INT code from DSPS.
//!
//! Encodings follow the 53C8xx SCRIPTS instruction formats (the same
//! values Linux's `sym53c8xx_2/sym_defs.h` macros produce); where QEMU's
//! model departs from the chip the item's documentation says so.

pub mod asm;
pub mod ccb;
pub mod insn;
pub mod layout;
pub mod msg;
pub mod program;
pub mod regs;

pub use asm::{Addr, Asm, AsmError, AsmErrorKind, Extern, Label, LoadError, Program, Reloc};
pub use insn::{Cond, Flags, Op, Phase, Prefetch};
