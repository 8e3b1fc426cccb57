// SPDX-License-Identifier: GPL-2.0

//! DMA addressing limits of a PCI function, set once at probe.

use kernel::{
    device::Core,
    dma::{Device as _, DmaMask},
    pci,
    prelude::*,
};

/// Sets the streaming and the coherent DMA masks of `pdev`.
///
/// Takes the `Core` context, which only `probe` has, and must be called
/// before the driver allocates or maps anything for the device.
pub fn set_dma_masks(
    pdev: &pci::Device<Core<'_>>,
    streaming: DmaMask,
    coherent: DmaMask,
) -> Result {
    // SAFETY: Called from probe, before the driver made any DMA allocation or
    // mapping for this device (documented requirement), and the device lock
    // `Core` stands for keeps other probe/remove paths out.
    unsafe { pdev.dma_set_mask(streaming) }?;
    // SAFETY: As above.
    unsafe { pdev.dma_set_coherent_mask(coherent) }
}
