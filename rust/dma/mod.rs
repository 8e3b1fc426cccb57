// SPDX-License-Identifier: GPL-2.0

//! DMA helpers for hardware adapters, on top of `kernel::dma`: DMA mask
//! setup at probe and [`DmaSlots`], fixed-size descriptor slots (command
//! frames, sense buffers) in coherent memory with CPU/device ownership.

pub mod mask;
pub mod slots;
pub mod word_split;

pub use mask::set_dma_masks;
pub use slots::{DmaSlots, SlotMut};
