// SPDX-License-Identifier: GPL-2.0

//! Bindings for the SCSI midlayer headers and orion_scsi's C helpers.
//!
//! Generated at build time by Kbuild from `scsi_bindings_helper.h`, with the
//! kernel's own bindgen flags. Only items declared in `<scsi/...>` headers and
//! in `rust/helpers/scsi_helpers.h` are generated; the types they refer to
//! (`struct request`, `struct device`, ...) come from [`kernel::bindings`].

// The same lint allowances the kernel gives its own generated bindings
// (`rust/uapi/lib.rs` and `rust/bindings/lib.rs` in the kernel tree): clippy's
// default groups and the extra lints the kernel enables on the command line
// (`-Wclippy::cast_lossless` and friends) are not meant for bindgen's output.
#![allow(
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]
#![cfg_attr(not(CONFIG_RUSTC_HAS_UNNECESSARY_TRANSMUTES), allow(unknown_lints))]
#![allow(unnecessary_transmutes)]
#![cfg_attr(
    CONFIG_RUSTC_HAS_SUSPICIOUS_RUNTIME_SYMBOL_DEFINITIONS,
    allow(suspicious_runtime_symbol_definitions)
)]

pub(crate) use kernel::bindings::*;
use kernel::ffi;

include!("scsi_bindings_generated.rs");
