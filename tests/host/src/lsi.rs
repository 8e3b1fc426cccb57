// SPDX-License-Identifier: GPL-2.0

//! LSI53C895A (SPI) adapter logic, mirroring the kernel's `mod lsi`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/lsi/scripts/mod.rs"]
pub mod scripts;
