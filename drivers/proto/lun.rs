// SPDX-License-Identifier: GPL-2.0

//! The 8-byte SAM LUN field and the midlayer's LUN numbers.
//!
//! Linux numbers LUNs with `scsilun_to_int`: the four 16-bit addressing
//! levels of the SAM field, first level in the low bits. Every adapter that
//! puts a LUN on the wire (iSCSI BHS, MPI request frames, REPORT LUNS data)
//! must produce the same bytes, so the conversion lives here once.

/// Encodes a midlayer LUN number as Linux's `int_to_scsilun` does (LUNs
/// below 256 come out as single-level peripheral addressing: byte 1).
pub fn to_scsilun(lun: u64) -> [u8; 8] {
    let mut out = [0u8; 8];
    let mut rest = lun;
    for level in out.chunks_exact_mut(2) {
        level.copy_from_slice(&((rest & 0xffff) as u16).to_be_bytes());
        rest >>= 16;
    }
    out
}

/// The inverse of [`to_scsilun`] (Linux's `scsilun_to_int`).
pub fn from_scsilun(field: &[u8; 8]) -> u64 {
    field.chunks_exact(2).rev().fold(0u64, |acc, level| {
        let mut pair = [0u8; 2];
        pair.copy_from_slice(level);
        (acc << 16) | u64::from(u16::from_be_bytes(pair))
    })
}
