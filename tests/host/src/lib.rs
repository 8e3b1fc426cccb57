// SPDX-License-Identifier: GPL-2.0

//! Host build of orion_scsi's pure-logic modules, for `cargo test`.
//!
//! Layout contract (shared with the kernel module's crate root): the pure
//! files under `drivers/` are included with `#[path]` so that
//!
//! * `drivers/proto/mod.rs` is the module `crate::proto`,
//! * `drivers/virt/emulation/mod.rs` is the module `crate::virt::emulation`,
//! * `drivers/megasas/mfi/mod.rs` is the module `crate::megasas::mfi`,
//! * `drivers/mptsas/mpi/mod.rs` is the module `crate::mptsas::mpi`,
//! * `drivers/lsi/scripts/mod.rs` is the module `crate::lsi::scripts`,
//! * `drivers/iscsi/pdu/mod.rs` is the module `crate::iscsi::pdu`, and
//! * `rust/scsi/sas/ident.rs` (the SAS transport abstraction's identify
//!   data and link rates) is the module `crate::sas::ident` (in the kernel
//!   crate `crate::scsi::sas::ident`; it names no other module).
//!
//! Those files name each other only through `super::` or through
//! `crate::proto::...`, so the kernel crate root must provide the same
//! nesting, e.g. `#[path = "drivers/proto/mod.rs"] pub mod proto;` and
//! `#[path = "drivers/virt/mod.rs"] pub mod virt;` with `drivers/virt/mod.rs`
//! declaring `pub mod emulation;`, and likewise
//! `#[path = "drivers/megasas/mod.rs"] pub mod megasas;` with
//! `drivers/megasas/mod.rs` declaring `pub mod mfi;`,
//! `#[path = "drivers/mptsas/mod.rs"] pub mod mptsas;` with
//! `drivers/mptsas/mod.rs` declaring `pub mod mpi;`,
//! `#[path = "drivers/lsi/mod.rs"] pub mod lsi;` with `drivers/lsi/mod.rs`
//! declaring `pub mod scripts;` and
//! `#[path = "drivers/iscsi/mod.rs"] pub mod iscsi;` with
//! `drivers/iscsi/mod.rs` declaring `pub mod pdu;`. Keep them `pub` there
//! too: the kernel warns about `unreachable_pub` and dead code otherwise.
//! The files themselves carry no crate-level attributes and use only
//! `core`; this crate is `#![no_std]` to prove it (tests may use std).
//!
//! `virt`, `megasas`, `mptsas`, `lsi`, `iscsi` and `sas` live in
//! `src/virt.rs`, `src/megasas.rs`, `src/mptsas.rs`, `src/lsi.rs`,
//! `src/iscsi.rs` and `src/sas.rs`
//! rather than inline
//! `mod virt { .. }`: a `#[path]` inside an inline module resolves against
//! `src/virt/`, a directory that would have to exist just for the lookup.

#![no_std]
#![warn(missing_docs, unreachable_pub, rust_2018_idioms, non_ascii_idents)]

#[path = "../../../drivers/proto/mod.rs"]
pub mod proto;

pub mod dma;
pub mod iscsi;
pub mod lsi;
pub mod megasas;
pub mod mptsas;
pub mod sas;
pub mod virt;
