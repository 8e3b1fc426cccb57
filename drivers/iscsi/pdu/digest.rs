// SPDX-License-Identifier: GPL-2.0

//! CRC32C (Castagnoli), as iSCSI's HeaderDigest and DataDigest use it
//! (RFC 7143 13.1 and appendix B.4): the reflected polynomial 0x82f63b78,
//! initial value and final XOR all ones, sent least significant byte
//! first.
//!
//! [`Crc32c`] is the running digest over any engine: the kernel's
//! `crc32c()` in the module, [`Soft`] (a table, one byte at a time) for
//! the host tests. Both take and return the CRC register without the
//! initial and final inversion, as `crc32c()` does.

/// A CRC32C engine: `update(register, data)` feeds `data` into the
/// register (no inversion).
pub trait Engine {
    /// Feeds `data` into `crc`.
    fn update(crc: u32, data: &[u8]) -> u32;
}

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82f6_3b78;

/// The byte-at-a-time table.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC32C in software.
pub struct Soft;

impl Engine for Soft {
    fn update(crc: u32, data: &[u8]) -> u32 {
        data.iter().fold(crc, |crc, &b| {
            let i = (crc ^ u32::from(b)) & 0xff;
            // `i` is below 256: the table has an entry for every byte.
            TABLE.get(i as usize).copied().unwrap_or(0) ^ (crc >> 8)
        })
    }
}

/// A digest being computed over one or more pieces.
#[derive(Clone, Copy, Debug)]
pub struct Crc32c<E: Engine> {
    crc: u32,
    _engine: core::marker::PhantomData<E>,
}

impl<E: Engine> Default for Crc32c<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Engine> Crc32c<E> {
    /// A digest over nothing yet.
    pub const fn new() -> Self {
        Self {
            crc: !0,
            _engine: core::marker::PhantomData,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.crc = E::update(self.crc, data);
    }

    /// Feeds the register to `f`, for data only a C routine may read
    /// (memory shared with user space): `f` returns the new register.
    pub fn update_with(&mut self, f: impl FnOnce(u32) -> u32) {
        self.crc = f(self.crc);
    }

    /// The CRC32C value.
    pub fn value(&self) -> u32 {
        !self.crc
    }

    /// The four digest bytes as they go on the wire.
    pub fn bytes(&self) -> [u8; 4] {
        self.value().to_le_bytes()
    }

    /// Whether `wire` (the digest received) matches.
    pub fn matches(&self, wire: &[u8]) -> bool {
        wire == self.bytes()
    }
}

/// The digest of `data` in one piece.
pub fn digest<E: Engine>(data: &[u8]) -> [u8; 4] {
    let mut c = Crc32c::<E>::new();
    c.update(data);
    c.bytes()
}
