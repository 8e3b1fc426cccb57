//! LSI MegaRAID SAS (MFI firmware interface) adapter support.
//!
//! Only the pure wire-format logic lives here so far; see [`mfi`].

pub mod mfi;
