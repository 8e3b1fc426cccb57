// SPDX-License-Identifier: GPL-2.0

//! MegaRAID SAS (MFI) adapter logic, mirroring the kernel's `mod megasas`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/megasas/mfi/mod.rs"]
pub mod mfi;
