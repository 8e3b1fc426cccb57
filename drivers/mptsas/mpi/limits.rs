// SPDX-License-Identifier: GPL-2.0

//! Host limits derived from IOC_FACTS: frame sizes, how many requests may
//! be outstanding (`can_queue`), segments per request (`sg_tablesize`) and
//! the largest transfer (`max_sectors`).
//!
//! QEMU's IOC: 128 credits, 128 reply frames, 512-byte request frames,
//! MaxChainDepth 34. Its request and reply FIFOs hold 128 entries and it
//! faults when an address reply finds no free reply frame, so one reply
//! frame is always kept spare and internal requests (task management,
//! configuration pages) get slots of their own.

use super::facts::IocFacts;
use super::scsi_io::OFF_SGL;
use super::sgl::SglGeometry;
use super::MpiError;

/// What the driver is willing to spend, independent of the IOC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Largest request frame the driver allocates (bytes; also the chain
    /// buffer size). Linux caps it at 128 dwords.
    pub max_frame_size: usize,
    /// Chain buffers the driver allocates per request slot.
    pub max_chains: usize,
    /// Request slots kept for the driver's own requests.
    pub internal_slots: u32,
    /// Cap on requests outstanding.
    pub max_slots: u32,
    /// Upper bound for `max_sectors` (512-byte sectors).
    pub max_sectors: u32,
    /// Page size: every segment may be a single page.
    pub page_size: u32,
}

/// The driver's sizing, computed from [`IocFacts`] and a [`Budget`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Request frame size in bytes.
    pub frame_size: usize,
    /// SGL geometry of a request (frame plus chain buffers).
    pub sgl: SglGeometry,
    /// Request slots to allocate (I/O and internal).
    pub slots: u32,
    /// Reply frames to allocate and post.
    pub reply_frames: u32,
    /// `can_queue` for the SCSI host.
    pub can_queue: u32,
    /// `sg_tablesize` for the SCSI host.
    pub sg_tablesize: u32,
    /// `max_sectors` for the SCSI host.
    pub max_sectors: u32,
}

/// Computes the limits; errors when the IOC's facts leave no room for one
/// I/O request (tiny frames, no credits).
pub fn compute(facts: &IocFacts, budget: &Budget) -> Result<Limits, MpiError> {
    let ioc_frame = usize::from(facts.request_frame_size).saturating_mul(4);
    let frame_size = core::cmp::min(ioc_frame, budget.max_frame_size) & !3;
    let chains = core::cmp::min(usize::from(facts.max_chain_depth), budget.max_chains);
    let sgl = SglGeometry::new(OFF_SGL, frame_size, frame_size, chains)?;
    let reply_frames = u32::from(facts.reply_queue_depth);
    let credits = core::cmp::min(u32::from(facts.global_credits), reply_frames);
    // One reply frame stays free for an unsolicited reply (event, or a
    // task management reply racing the I/O it terminates).
    let slots = core::cmp::min(credits.saturating_sub(1), budget.max_slots);
    let can_queue = slots.saturating_sub(budget.internal_slots);
    if can_queue == 0 {
        return Err(MpiError::InvalidParam);
    }
    let sg_tablesize = u32::try_from(sgl.max_segments()).map_err(|_| MpiError::InvalidParam)?;
    let sectors_per_page = budget.page_size / 512;
    let max_sectors = core::cmp::min(
        budget.max_sectors,
        sg_tablesize.saturating_mul(sectors_per_page),
    );
    if max_sectors == 0 {
        return Err(MpiError::InvalidParam);
    }
    Ok(Limits {
        frame_size,
        sgl,
        slots,
        reply_frames,
        can_queue,
        sg_tablesize,
        max_sectors,
    })
}
