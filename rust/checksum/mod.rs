// SPDX-License-Identifier: GPL-2.0

//! Checksums from the kernel's library (`lib/crc/`), which the 7.3 Rust
//! crate does not bind: CRC32C for iSCSI digests, with the architecture's
//! instructions where there are some.

use crate::bindings;

/// Feeds `data` into the CRC32C register `crc` (no initial or final
/// inversion: the kernel's `crc32c()`).
pub fn crc32c(crc: u32, data: &[u8]) -> u32 {
    // SAFETY: `data` is a live slice of `data.len()` readable bytes.
    unsafe { bindings::orion_helper_crc32c(crc, data.as_ptr().cast(), data.len()) }
}
