// SPDX-License-Identifier: GPL-2.0

//! A controller frame built on the stack and copied into its DMA slot, in
//! the smallest buffer that holds it. Zeroing a kilobyte or more of stack
//! for every command shows in a profile under emulation
//! (`Documentation/mptsas.rst`), while most commands (4-24 KiB in pages)
//! use a header and a few scatter-gather elements.

use crate::dma::SlotMut;
use kernel::prelude::*;

/// The smallest buffer: a request with one scatter-gather element (a
/// command of up to a page, the most common). Both drivers build that
/// case by straight-line code into a buffer of this size (Fusion-MPT) or
/// of one frame (MegaRAID); [`write_frame`] uses it for any other request
/// that fits.
pub(crate) const TINY_FRAME: usize = 64;
/// The small buffer: a frame header and a few scatter-gather elements.
pub(crate) const SMALL_FRAME: usize = 128;

/// Runs `build` on a zeroed buffer of [`TINY_FRAME`] or [`SMALL_FRAME`]
/// bytes when the frame needs no more than that (`need`), else of `MAX`
/// bytes; `build` returns how many bytes it used, which are copied to the
/// start of `slot`. Returns that count.
pub(crate) fn write_frame<const MAX: usize>(
    slot: &mut SlotMut<'_>,
    need: usize,
    build: impl FnOnce(&mut [u8]) -> Result<usize>,
) -> Result<usize> {
    if need <= TINY_FRAME {
        build_in::<TINY_FRAME>(slot, build)
    } else if need <= SMALL_FRAME {
        build_in::<SMALL_FRAME>(slot, build)
    } else {
        build_in::<MAX>(slot, build)
    }
}

/// Not inlined: the buffer stays off the caller's stack frame, which is
/// `queue_command`'s.
#[inline(never)]
fn build_in<const N: usize>(
    slot: &mut SlotMut<'_>,
    build: impl FnOnce(&mut [u8]) -> Result<usize>,
) -> Result<usize> {
    let mut buf = [0u8; N];
    let used = build(&mut buf)?;
    slot.write(0, buf.get(..used).ok_or(EINVAL)?)?;
    Ok(used)
}
