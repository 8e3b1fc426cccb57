// SPDX-License-Identifier: GPL-2.0

//! Where the midlayer puts what it allocates next to a command and a host:
//! the static inline `scsi_cmd_priv()`, `scsi_cmd_to_rq()` and
//! `shost_priv()`, as pointer arithmetic in Rust, and the scatterlist's
//! `sg_next()`, `sg_dma_address()` and `sg_dma_len()`. Calling their C
//! wrappers cost a function call each, several times per command (each
//! access to a command's private area, each DMA segment), on the hottest
//! path there is. The first three only compute addresses (dereferencing
//! them is the caller's part); the scatterlist ones read the entries
//! their callers vouch for.

use crate::bindings;
use kernel::ffi::{c_ulong, c_void};

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

/// Bits of `page_link` that are flags, not the page or chain pointer
/// (`SG_PAGE_LINK_MASK`).
const SG_PAGE_LINK_MASK: c_ulong = SG_CHAIN | SG_END;
/// `SG_CHAIN`: the entry links to another table.
const SG_CHAIN: c_ulong = bindings::SG_CHAIN as c_ulong;
/// `SG_END`: the table's last entry.
const SG_END: c_ulong = bindings::SG_END as c_ulong;

/// `sg_next(sg)`: the entry after `sg`, following a chain link; null after
/// the table's last entry.
///
/// # Safety
///
/// `sg` must point to an entry of a live scatterlist table.
#[inline(always)]
pub(crate) unsafe fn sg_next(sg: *mut bindings::scatterlist) -> *mut bindings::scatterlist {
    // SAFETY: `sg` is a live entry (safety requirements).
    let link = unsafe { (*sg).page_link };
    if link & SG_END != 0 {
        return core::ptr::null_mut();
    }
    // A table that is not ended at `sg` has another entry, or a chain
    // entry, right after it.
    let next = sg.wrapping_add(1);
    // SAFETY: As above, `next` is an entry of the same table (a data
    // entry, or the chain entry that ends a table's allocation).
    let link = unsafe { (*next).page_link };
    if link & SG_CHAIN != 0 {
        // `sg_chain_ptr()`: a chain entry holds the next table's address.
        return core::ptr::with_exposed_provenance_mut(link & !SG_PAGE_LINK_MASK);
    }
    next
}

/// `sg_dma_address(sg)` and `sg_dma_len(sg)`: the bus address and length
/// `dma_map_sg()` gave the entry.
///
/// # Safety
///
/// `sg` must point to a DMA-mapped entry of a live scatterlist table.
#[inline(always)]
pub(crate) unsafe fn sg_dma(sg: *const bindings::scatterlist) -> (u64, u32) {
    // SAFETY: `sg` is a live entry (safety requirements).
    let addr = unsafe { (*sg).dma_address };
    #[cfg(CONFIG_NEED_SG_DMA_LENGTH)]
    // SAFETY: As above.
    let len = unsafe { (*sg).dma_length };
    #[cfg(not(CONFIG_NEED_SG_DMA_LENGTH))]
    // SAFETY: As above.
    let len = unsafe { (*sg).length };
    (addr, len)
}
