// SPDX-License-Identifier: GPL-2.0

//! The digest engine of the module: the kernel's `crc32c()` (the codec's
//! software engine is for the host tests).

use super::pdu::digest::{Crc32c, Engine};

/// CRC32C by the kernel's library.
pub(crate) struct KernelCrc;

impl Engine for KernelCrc {
    fn update(crc: u32, data: &[u8]) -> u32 {
        crate::checksum::crc32c(crc, data)
    }
}

/// A running HeaderDigest or DataDigest.
pub(crate) type Digest = Crc32c<KernelCrc>;
