// SPDX-License-Identifier: GPL-2.0

//! The SAS transport abstraction's pure logic, mirroring the kernel's
//! `mod scsi::sas`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../rust/scsi/sas/ident.rs"]
pub mod ident;
