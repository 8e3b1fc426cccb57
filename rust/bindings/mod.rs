// SPDX-License-Identifier: GPL-2.0

//! Bindings for the SCSI midlayer headers and orion_scsi's C helpers.
//!
//! Generated at build time by Kbuild from `scsi_bindings_helper.h`, with the
//! kernel's own bindgen flags. Only items declared in `<scsi/...>` headers and
//! in `rust/helpers/scsi_helpers.h` are generated; the types they refer to
//! (`struct request`, `struct device`, ...) come from [`kernel::bindings`].

#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    unused_imports,
    missing_docs,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    unnecessary_transmutes,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]

pub(crate) use kernel::bindings::*;
use kernel::ffi;

include!("scsi_bindings_generated.rs");
