// SPDX-License-Identifier: GPL-2.0

//! The DMA helpers' pure logic, mirroring the kernel's `mod dma`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../rust/dma/word_split.rs"]
pub mod word_split;
