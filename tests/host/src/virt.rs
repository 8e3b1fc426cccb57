// SPDX-License-Identifier: GPL-2.0

//! Virtual (RAM-backed) adapter logic, mirroring the kernel's `mod virt`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/virt/emulation/mod.rs"]
pub mod emulation;
