// SPDX-License-Identifier: GPL-2.0

//! Big-endian field access within a 48-byte BHS at constant offsets.
//!
//! The offset and width are const generics and `Fits::CHECK` turns a
//! field that would leave the BHS into a build error (E0080) wherever an
//! accessor is instantiated, so the accessors need neither indexing nor a
//! runtime error path: the `get` below can only fail for offsets the build
//! already refused.

use super::bhs::BHS_LEN;
use super::error::{Field, PduError};

struct Fits<const OFF: usize, const LEN: usize>;

impl<const OFF: usize, const LEN: usize> Fits<OFF, LEN> {
    const CHECK: () = assert!(OFF + LEN <= BHS_LEN, "field outside the BHS");
}

fn get<const OFF: usize, const LEN: usize>(bhs: &[u8; BHS_LEN]) -> [u8; LEN] {
    let () = Fits::<OFF, LEN>::CHECK;
    let mut out = [0u8; LEN];
    if let Some(src) = bhs.get(OFF..).and_then(|rest| rest.get(..LEN)) {
        out.copy_from_slice(src);
    }
    out
}

fn put<const OFF: usize, const LEN: usize>(bhs: &mut [u8; BHS_LEN], v: [u8; LEN]) {
    let () = Fits::<OFF, LEN>::CHECK;
    if let Some(dst) = bhs.get_mut(OFF..).and_then(|rest| rest.get_mut(..LEN)) {
        dst.copy_from_slice(&v);
    }
}

/// Reads the byte at `OFF`.
pub(super) fn u8_at<const OFF: usize>(bhs: &[u8; BHS_LEN]) -> u8 {
    let [b] = get::<OFF, 1>(bhs);
    b
}

/// Reads the big-endian `u16` at `OFF`.
pub(super) fn be16_at<const OFF: usize>(bhs: &[u8; BHS_LEN]) -> u16 {
    u16::from_be_bytes(get::<OFF, 2>(bhs))
}

/// Reads the big-endian 24-bit value at `OFF`.
pub(super) fn be24_at<const OFF: usize>(bhs: &[u8; BHS_LEN]) -> u32 {
    let [a, b, c] = get::<OFF, 3>(bhs);
    u32::from_be_bytes([0, a, b, c])
}

/// Reads the big-endian `u32` at `OFF`.
pub(super) fn be32_at<const OFF: usize>(bhs: &[u8; BHS_LEN]) -> u32 {
    u32::from_be_bytes(get::<OFF, 4>(bhs))
}

/// Reads `N` bytes at `OFF`.
pub(super) fn bytes_at<const OFF: usize, const N: usize>(bhs: &[u8; BHS_LEN]) -> [u8; N] {
    get::<OFF, N>(bhs)
}

/// Writes the byte at `OFF`.
pub(super) fn put_u8<const OFF: usize>(bhs: &mut [u8; BHS_LEN], v: u8) {
    put::<OFF, 1>(bhs, [v]);
}

/// Writes a big-endian `u16` at `OFF`.
pub(super) fn put_be16<const OFF: usize>(bhs: &mut [u8; BHS_LEN], v: u16) {
    put::<OFF, 2>(bhs, v.to_be_bytes());
}

/// Writes the low 24 bits of `v`, big-endian, at `OFF`.
pub(super) fn put_be24<const OFF: usize>(bhs: &mut [u8; BHS_LEN], v: u32) {
    let [_, a, b, c] = v.to_be_bytes();
    put::<OFF, 3>(bhs, [a, b, c]);
}

/// Writes a big-endian `u32` at `OFF`.
pub(super) fn put_be32<const OFF: usize>(bhs: &mut [u8; BHS_LEN], v: u32) {
    put::<OFF, 4>(bhs, v.to_be_bytes());
}

/// Writes `N` bytes at `OFF`.
pub(super) fn put_bytes<const OFF: usize, const N: usize>(bhs: &mut [u8; BHS_LEN], v: [u8; N]) {
    put::<OFF, N>(bhs, v);
}

/// A code field whose defined values are the variants of a `#[repr(u8)]`
/// enum; every other value is reserved. `ALL` is the one table of the
/// codes, so decoding does not restate the discriminants; [`code_enum`]
/// declares such an enum with its impl.
pub(super) trait Code: Copy + 'static {
    /// Every variant.
    const ALL: &'static [Self];
    /// The field named in the error for a reserved value.
    const FIELD: Field;

    /// The variant's wire value.
    fn value(self) -> u8;

    /// The variant whose wire value is `v`.
    fn from_value(v: u8) -> Result<Self, PduError> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.value() == v)
            .ok_or(PduError::ReservedValue(Self::FIELD))
    }
}

/// Declares a `#[repr(u8)]` code enum, its doc comments and variants as
/// written, and its [`Code`] impl with `ALL` in declaration order, so each
/// code is listed once. `pub enum Name: FieldVariant { .. }` names the
/// [`Field`] reported for a reserved value.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $field:ident {
            $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)+
        }

        impl super::field::Code for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const FIELD: super::error::Field = super::error::Field::$field;

            fn value(self) -> u8 {
                self as u8
            }
        }
    };
}

pub(super) use code_enum;
