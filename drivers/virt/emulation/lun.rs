// SPDX-License-Identifier: GPL-2.0

//! Description and mutable mode state of one emulated logical unit.

/// Placeholder IEEE company ID used in generated NAA designators.
///
/// Not an assigned OUI; only uniqueness within one host matters here.
pub const ORION_IEEE_COMPANY_ID: u32 = 0x0C_0D_0E;

/// Largest data transfer of one command, in bytes. The virtual adapter's
/// host template sets `max_sectors` to 2048 (1 MiB), so neither sd nor SG_IO
/// can send more; advertising more would promise what never arrives.
pub const MAX_TRANSFER_BYTES: u32 = 1 << 20;

/// Bytes one WRITE SAME may cover. Commands run inside `queuecommand`,
/// possibly in atomic context, and a WRITE SAME without UNMAP allocates and
/// fills every page it covers: capped like a WRITE, it costs no more than
/// the largest WRITE. With UNMAP it only frees pages and could take more,
/// but SBC has one MAXIMUM WRITE SAME LENGTH for both, and sd splits larger
/// write-zeroes requests into commands of this size.
pub const MAX_WRITE_SAME_BYTES: u32 = MAX_TRANSFER_BYTES;

/// Bytes one UNMAP parameter list may deallocate in total. Deallocating
/// takes a shard lock and frees a page per 4 KiB, cheaper than the copy a
/// WRITE SAME makes, so it may cover more, but still bounded: 16 MiB is at
/// most 4096 pages per command (the former 1 GiB was 262144), and sd splits
/// larger discards.
pub const MAX_UNMAP_BYTES: u32 = 16 << 20;

/// Limits advertised in the Block Limits VPD page (0xB0) and enforced by
/// [`super::decode`] / [`super::parse_unmap`]. A value of 0 means "no limit".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    /// OPTIMAL TRANSFER LENGTH GRANULARITY, in blocks.
    pub optimal_granularity_blocks: u16,
    /// MAXIMUM TRANSFER LENGTH for READ/WRITE and VERIFY with BYTCHK 1 or 3,
    /// in blocks.
    pub max_transfer_blocks: u32,
    /// OPTIMAL TRANSFER LENGTH, in blocks.
    pub optimal_transfer_blocks: u32,
    /// MAXIMUM UNMAP LBA COUNT (sum over one UNMAP parameter list).
    pub max_unmap_lba_count: u32,
    /// MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT.
    pub max_unmap_descriptors: u32,
    /// OPTIMAL UNMAP GRANULARITY, in blocks.
    pub unmap_granularity: u32,
    /// MAXIMUM WRITE SAME LENGTH, in blocks.
    pub max_write_same_blocks: u64,
}

impl BlockLimits {
    /// Defaults sized for a page-granular RAM store with `block_size` blocks.
    pub const fn for_block_size(block_size: u32) -> Self {
        let per_page = match 4096u32.checked_div(block_size) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        let per_mib = match (1u32 << 20).checked_div(block_size) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        let max_transfer = match MAX_TRANSFER_BYTES.checked_div(block_size) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        let max_write_same = match MAX_WRITE_SAME_BYTES.checked_div(block_size) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        let max_unmap = match MAX_UNMAP_BYTES.checked_div(block_size) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        // Not above the maximum: sd ignores it otherwise.
        let optimal_transfer = if per_mib < max_transfer {
            per_mib
        } else {
            max_transfer
        };
        BlockLimits {
            optimal_granularity_blocks: per_page as u16,
            max_transfer_blocks: max_transfer,
            optimal_transfer_blocks: optimal_transfer,
            max_unmap_lba_count: max_unmap,
            max_unmap_descriptors: 64,
            unmap_granularity: per_page,
            max_write_same_blocks: max_write_same as u64,
        }
    }
}

/// One emulated disk as seen by the emulation logic.
///
/// Identity and geometry are fixed at creation; `write_cache` and `d_sense`
/// are mode-page state the caller updates from [`super::ModeSelectOutcome`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LunConfig {
    /// Logical block size in bytes (512 or 4096).
    pub block_size: u32,
    /// Capacity in logical blocks (at least 1).
    pub capacity_blocks: u64,
    /// 64-bit NAA (type 5) designator, unique per LUN.
    pub naa: u64,
    /// Adapter (host) index, folded into the default designator.
    pub adapter: u32,
    /// SCSI target id.
    pub target: u32,
    /// Linux LUN number.
    pub lun: u64,
    /// T10 VENDOR IDENTIFICATION (space padded).
    pub vendor: [u8; 8],
    /// PRODUCT IDENTIFICATION (space padded).
    pub product: [u8; 16],
    /// PRODUCT REVISION LEVEL.
    pub revision: [u8; 4],
    /// Block Limits page values.
    pub limits: BlockLimits,
    /// MEDIUM ROTATION RATE for page 0xB1 (1 = non-rotating).
    pub rotation_rate: u16,
    /// Current WCE (write cache enable) bit of the Caching mode page.
    pub write_cache: bool,
    /// Current D_SENSE bit of the Control mode page (descriptor sense).
    pub d_sense: bool,
}

impl LunConfig {
    /// Default WCE for a fresh LUN and for the "default values" mode page.
    pub const DEFAULT_WRITE_CACHE: bool = true;

    /// Builds a LUN with default identity strings, limits and designator;
    /// `None` when `block_size` is not 512/4096 or `capacity_blocks` is 0.
    pub const fn new(
        adapter: u32,
        target: u32,
        lun: u64,
        block_size: u32,
        capacity_blocks: u64,
    ) -> Option<Self> {
        if !(block_size == 512 || block_size == 4096) || capacity_blocks == 0 {
            return None;
        }
        Some(LunConfig {
            block_size,
            capacity_blocks,
            naa: naa5_designator(adapter, target, lun),
            adapter,
            target,
            lun,
            vendor: *b"ORION   ",
            product: *b"VIRTUAL DISK    ",
            revision: *b"0001",
            limits: BlockLimits::for_block_size(block_size),
            rotation_rate: 1,
            write_cache: Self::DEFAULT_WRITE_CACHE,
            d_sense: false,
        })
    }

    /// Unit serial number (VPD 0x80): the NAA designator as 16 hex digits,
    /// so it is unique exactly when the designator is.
    pub fn serial(&self) -> [u8; 16] {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut s = [b'0'; 16];
        for (i, c) in s.iter_mut().enumerate() {
            let shift = 60u32.saturating_sub((i as u32).saturating_mul(4));
            let nib = ((self.naa >> shift) & 0xF) as usize;
            *c = HEX.get(nib).copied().unwrap_or(b'0');
        }
        s
    }

    /// Last valid LBA (0 for a degenerate zero-capacity config).
    pub const fn last_lba(&self) -> u64 {
        self.capacity_blocks.saturating_sub(1)
    }
}

/// NAA type 5 (IEEE Registered) designator: NAA(4) | company ID(24) |
/// vendor-specific(36) = adapter(8) | target(12) | lun(16).
///
/// Unique while adapter < 256, target < 4096 and lun < 65536.
pub const fn naa5_designator(adapter: u32, target: u32, lun: u64) -> u64 {
    (5u64 << 60)
        | ((ORION_IEEE_COMPANY_ID as u64 & 0xFF_FFFF) << 36)
        | ((adapter as u64 & 0xFF) << 28)
        | ((target as u64 & 0xFFF) << 16)
        | (lun & 0xFFFF)
}
