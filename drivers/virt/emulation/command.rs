// SPDX-License-Identifier: GPL-2.0

//! Decoded, validated commands and their transfer properties.

use crate::proto::cdb::DataDirection;

/// A validated command produced by [`super::decode`].
///
/// Ranges have already been checked against the LUN capacity and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// TEST UNIT READY.
    TestUnitReady,
    /// INQUIRY (standard data when `evpd` is false, else VPD `page`).
    Inquiry {
        /// EVPD bit.
        evpd: bool,
        /// PAGE CODE (0 when `evpd` is false).
        page: u8,
        /// ALLOCATION LENGTH.
        alloc_len: u16,
    },
    /// REPORT LUNS.
    ReportLuns {
        /// SELECT REPORT (0, 1 or 2).
        select_report: u8,
        /// ALLOCATION LENGTH (at least 4).
        alloc_len: u32,
    },
    /// REQUEST SENSE.
    RequestSense {
        /// DESC bit: descriptor-format sense requested.
        desc: bool,
        /// ALLOCATION LENGTH.
        alloc_len: u8,
    },
    /// READ CAPACITY(10); always 8 bytes of data.
    ReadCapacity10,
    /// READ CAPACITY(16).
    ReadCapacity16 {
        /// ALLOCATION LENGTH.
        alloc_len: u32,
    },
    /// READ(6/10/12/16).
    Read {
        /// First LBA.
        lba: u64,
        /// Number of blocks (0 = no data).
        blocks: u32,
        /// FUA bit.
        fua: bool,
    },
    /// WRITE(6/10/12/16).
    Write {
        /// First LBA.
        lba: u64,
        /// Number of blocks (0 = no data).
        blocks: u32,
        /// FUA bit.
        fua: bool,
    },
    /// VERIFY(10/12/16).
    Verify {
        /// First LBA.
        lba: u64,
        /// Number of blocks.
        blocks: u32,
        /// BYTCHK: 0 = medium check only, 1 = compare `blocks` blocks of
        /// data-out, 3 = compare one data-out block against every block.
        bytchk: u8,
    },
    /// SYNCHRONIZE CACHE(10/16).
    SyncCache {
        /// First LBA.
        lba: u64,
        /// Number of blocks; 0 means through the last LBA.
        blocks: u32,
        /// IMMED bit.
        immed: bool,
    },
    /// MODE SENSE(6/10).
    ModeSense {
        /// True for MODE SENSE(10).
        ten: bool,
        /// DBD: no block descriptor.
        dbd: bool,
        /// LLBAA: long LBA block descriptor allowed (10-byte form only).
        llbaa: bool,
        /// Page control: 0 current, 1 changeable, 2 default (3 is rejected).
        pc: u8,
        /// PAGE CODE (0x08, 0x0A or 0x3F).
        page: u8,
        /// SUBPAGE CODE (0x00 or 0xFF).
        subpage: u8,
        /// ALLOCATION LENGTH.
        alloc_len: u16,
    },
    /// MODE SELECT(6/10); parameter list goes to [`super::parse_mode_select`].
    ModeSelect {
        /// True for MODE SELECT(10).
        ten: bool,
        /// PF bit (always true after decode).
        pf: bool,
        /// SP bit (always false after decode).
        sp: bool,
        /// PARAMETER LIST LENGTH.
        param_len: u16,
    },
    /// START STOP UNIT.
    StartStopUnit {
        /// START bit.
        start: bool,
        /// LOEJ bit (no removable medium: nothing to eject).
        loej: bool,
        /// IMMED bit.
        immed: bool,
        /// POWER CONDITION (always 0 after decode).
        power_condition: u8,
    },
    /// UNMAP; parameter list goes to [`super::parse_unmap`].
    Unmap {
        /// PARAMETER LIST LENGTH.
        param_len: u16,
        /// ANCHOR bit (always false after decode: anchoring unsupported).
        anchor: bool,
    },
    /// WRITE SAME(10/16).
    WriteSame {
        /// First LBA.
        lba: u64,
        /// Number of blocks (non-zero: WSNZ=1).
        blocks: u32,
        /// UNMAP bit: the range may be deallocated (reads then return zeros).
        unmap: bool,
        /// NDOB (16-byte form): no data-out, the pattern is all zeros.
        ndob: bool,
    },
    /// MAINTENANCE IN / REPORT SUPPORTED OPERATION CODES.
    ReportSupportedOpcodes {
        /// REPORTING OPTIONS (0..=3).
        reporting_options: u8,
        /// REQUESTED OPERATION CODE.
        opcode: u8,
        /// REQUESTED SERVICE ACTION.
        service_action: u16,
        /// RCTD: append command timeouts descriptors.
        rctd: bool,
        /// ALLOCATION LENGTH.
        alloc_len: u32,
    },
}

impl Command {
    /// Direction of the data phase.
    pub fn data_direction(&self) -> DataDirection {
        match *self {
            Command::TestUnitReady | Command::SyncCache { .. } | Command::StartStopUnit { .. } => {
                DataDirection::None
            }
            Command::Inquiry { .. }
            | Command::ReportLuns { .. }
            | Command::RequestSense { .. }
            | Command::ReadCapacity10
            | Command::ReadCapacity16 { .. }
            | Command::ModeSense { .. }
            | Command::ReportSupportedOpcodes { .. } => DataDirection::FromDevice,
            Command::Read { blocks, .. } => {
                if blocks == 0 {
                    DataDirection::None
                } else {
                    DataDirection::FromDevice
                }
            }
            Command::Write { blocks, .. } => {
                if blocks == 0 {
                    DataDirection::None
                } else {
                    DataDirection::ToDevice
                }
            }
            Command::Verify { bytchk, blocks, .. } => {
                if bytchk == 0 || blocks == 0 {
                    DataDirection::None
                } else {
                    DataDirection::ToDevice
                }
            }
            Command::ModeSelect { param_len, .. } | Command::Unmap { param_len, .. } => {
                if param_len == 0 {
                    DataDirection::None
                } else {
                    DataDirection::ToDevice
                }
            }
            Command::WriteSame { ndob, .. } => {
                if ndob {
                    DataDirection::None
                } else {
                    DataDirection::ToDevice
                }
            }
        }
    }

    /// Bytes the initiator expects to move: the allocation length for
    /// data-in responses (an upper bound), the parameter list length or
    /// `blocks * block_size` for data-out, `blocks * block_size` for READ.
    pub fn transfer_len(&self, block_size: u32) -> u64 {
        let bs = u64::from(block_size);
        match *self {
            Command::TestUnitReady | Command::SyncCache { .. } | Command::StartStopUnit { .. } => 0,
            Command::Inquiry { alloc_len, .. } => u64::from(alloc_len),
            Command::ReportLuns { alloc_len, .. } => u64::from(alloc_len),
            Command::RequestSense { alloc_len, .. } => u64::from(alloc_len),
            Command::ReadCapacity10 => 8,
            Command::ReadCapacity16 { alloc_len } => u64::from(alloc_len),
            Command::ModeSense { alloc_len, .. } => u64::from(alloc_len),
            Command::ReportSupportedOpcodes { alloc_len, .. } => u64::from(alloc_len),
            Command::Read { blocks, .. } | Command::Write { blocks, .. } => {
                u64::from(blocks).saturating_mul(bs)
            }
            Command::Verify { bytchk, blocks, .. } => match (bytchk, blocks) {
                (_, 0) => 0,
                (1, n) => u64::from(n).saturating_mul(bs),
                (3, _) => bs,
                _ => 0,
            },
            Command::ModeSelect { param_len, .. } | Command::Unmap { param_len, .. } => {
                u64::from(param_len)
            }
            Command::WriteSame { ndob, .. } => {
                if ndob {
                    0
                } else {
                    bs
                }
            }
        }
    }

    /// True when the command touches the medium and must fail with
    /// [`super::NOT_READY_SENSE`] while the unit is stopped.
    ///
    /// TEST UNIT READY is included on purpose: it is how initiators (sd's
    /// spin-up logic) discover that a START STOP UNIT is needed.
    pub fn needs_medium(&self) -> bool {
        matches!(
            self,
            Command::TestUnitReady
                | Command::ReadCapacity10
                | Command::ReadCapacity16 { .. }
                | Command::Read { .. }
                | Command::Write { .. }
                | Command::Verify { .. }
                | Command::SyncCache { .. }
                | Command::Unmap { .. }
                | Command::WriteSame { .. }
        )
    }

    /// True for commands that must not be failed by a pending unit
    /// attention (SPC-4: INQUIRY, REPORT LUNS; REQUEST SENSE reports the
    /// attention as its data and clears it instead).
    pub fn skips_unit_attention(&self) -> bool {
        matches!(
            self,
            Command::Inquiry { .. } | Command::ReportLuns { .. } | Command::RequestSense { .. }
        )
    }
}
