// SPDX-License-Identifier: GPL-2.0

//! Where the midlayer puts what it allocates next to a command and a host:
//! the static inline `scsi_cmd_priv()`, `scsi_cmd_to_rq()` and
//! `shost_priv()`, as pointer arithmetic in Rust. Calling their C
//! wrappers cost a function call each, several times per command (each
//! access to a command's private area), on the hottest path there is.
//! These only compute addresses; dereferencing them is the caller's part.

use crate::bindings;
use kernel::ffi::c_void;

/// `scsi_cmd_priv(cmd)`: the driver's private area directly follows the
/// `struct scsi_cmnd`.
#[inline(always)]
pub(crate) fn cmd_priv(cmd: *mut bindings::scsi_cmnd) -> *mut c_void {
    cmd.wrapping_add(1).cast()
}

/// The inverse of [`cmd_priv`].
#[inline(always)]
pub(crate) fn cmd_from_priv(priv_: *mut c_void) -> *mut bindings::scsi_cmnd {
    priv_.cast::<bindings::scsi_cmnd>().wrapping_sub(1)
}

/// `scsi_cmd_to_rq(cmd)`: the command is the request's PDU, which
/// `blk_mq_rq_to_pdu()` places directly after the `struct request`.
#[inline(always)]
pub(crate) fn cmd_to_rq(cmd: *mut bindings::scsi_cmnd) -> *mut kernel::bindings::request {
    cmd.cast::<kernel::bindings::request>().wrapping_sub(1)
}

/// `shost_priv(shost)`: the host data the driver asked for in
/// `scsi_host_alloc()` is the `hostdata` array that ends the host.
///
/// # Safety
///
/// `shost` must point to an allocated `struct Scsi_Host`.
#[inline(always)]
pub(crate) unsafe fn shost_priv(shost: *mut bindings::Scsi_Host) -> *mut c_void {
    // SAFETY: `shost` is allocated (safety requirements); this takes the
    // address of its last field without reading it.
    unsafe { &raw mut (*shost).hostdata }.cast()
}
