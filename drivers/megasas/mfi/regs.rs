// SPDX-License-Identifier: GPL-2.0

//! Register offsets and values of the MFI register window (BAR0 MMIO on
//! `megasas`, BAR1 MMIO on `megasas-gen2`, the same layout in the I/O BAR),
//! firmware state decoding, and frame-posting words.
//!
//! All registers are 32 bits wide and must be accessed as such.

use super::MfiError;

/// Outbound message 0: firmware status word (same value as [`OSP0`]).
pub const OMSG0: usize = 0x18;
/// Inbound doorbell: firmware control bits ([`IDB_ABORT`], [`IDB_READY`],
/// [`IDB_STOP_ADP`]).
pub const IDB: usize = 0x20;
/// Outbound interrupt status (INTx only; QEMU reads 0 under MSI/MSI-X).
pub const OSTS: usize = 0x30;
/// Outbound interrupt mask; all-ones disables (and, written, soft-resets
/// QEMU's model).
pub const OMSK: usize = 0x34;
/// Inbound queue port: 32-bit frame posting.
pub const IQP: usize = 0x40;
/// Outbound doorbell clear 0: any write deasserts INTx.
pub const ODCR0: usize = 0xa0;
/// Outbound scratch pad 0: firmware status word (1078/gen2 name).
pub const OSP0: usize = 0xb0;
/// Inbound queue port, low half of a 64-bit frame address (write second).
pub const IQPL: usize = 0xc0;
/// Inbound queue port, high half of a 64-bit frame address (write first).
pub const IQPH: usize = 0xc4;
/// Host diagnostic register (adapter reset).
pub const DIAG: usize = 0xf8;
/// Write-sequence register that unlocks [`DIAG`].
pub const SEQ: usize = 0xfc;

/// IDB: abort every pending command.
pub const IDB_ABORT: u32 = 0x01;
/// IDB: go back to READY (soft reset).
pub const IDB_READY: u32 = 0x02;
/// IDB: stop the adapter; QEMU enters FAULT.
pub const IDB_STOP_ADP: u32 = 0x20;

/// OMSK value that masks every interrupt. QEMU soft-resets on this write,
/// which is why init writes it before sending INIT.
pub const OMSK_DISABLE_ALL: u32 = 0xFFFF_FFFF;
/// OMSK value enabling the reply interrupt on the 1078 (`megasas`).
pub const OMSK_ENABLE_1078: u32 = !0x8000_0000;
/// OMSK value enabling reply and doorbell-change interrupts on gen2.
pub const OMSK_ENABLE_GEN2: u32 = !0x0000_0005;
/// Value written to [`ODCR0`] to acknowledge everything.
pub const ODCR_CLEAR_ALL: u32 = 0xFFFF_FFFF;
/// OSTS reply-message bit on the 1078.
pub const OSTS_REPLY_1078: u32 = 0x8000_0000;
/// OSTS reply-message bit on gen2.
pub const OSTS_REPLY_GEN2: u32 = 0x0000_0001;

/// DIAG: set once the [`ADP_RESET_SEQ`] key was accepted.
pub const DIAG_WRITE_ENABLE: u32 = 0x80;
/// DIAG: request the adapter reset (needs [`DIAG_WRITE_ENABLE`]).
pub const DIAG_RESET_ADAPTER: u32 = 0x04;
/// Key written word by word to [`SEQ`] before setting
/// [`DIAG_RESET_ADAPTER`]; a wrong word restarts the sequence.
pub const ADP_RESET_SEQ: [u32; 6] = [0x00, 0x04, 0x0b, 0x02, 0x07, 0x0d];

/// Firmware state, bits 31:28 of the status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwState {
    /// 0x0: undefined.
    Undefined,
    /// 0x1: boot block init.
    BbInit,
    /// 0x4: firmware init.
    FwInit,
    /// 0x6: waiting for a handshake.
    WaitHandshake,
    /// 0x7: firmware init, second stage.
    FwInit2,
    /// 0x8: scanning devices.
    DeviceScan,
    /// 0x9: boot message pending.
    BootMessagePending,
    /// 0xa: flushing cache.
    FlushCache,
    /// 0xb: ready for INIT.
    Ready,
    /// 0xc: INIT done, accepting frames.
    Operational,
    /// 0xf: fault; needs an adapter reset.
    Fault,
    /// Any other nibble.
    Other(u8),
}

impl FwState {
    /// Decodes the state nibble (0..=15).
    pub fn from_nibble(n: u8) -> Self {
        match n & 0xf {
            0x0 => FwState::Undefined,
            0x1 => FwState::BbInit,
            0x4 => FwState::FwInit,
            0x6 => FwState::WaitHandshake,
            0x7 => FwState::FwInit2,
            0x8 => FwState::DeviceScan,
            0x9 => FwState::BootMessagePending,
            0xa => FwState::FlushCache,
            0xb => FwState::Ready,
            0xc => FwState::Operational,
            0xf => FwState::Fault,
            n => FwState::Other(n),
        }
    }

    /// The state nibble.
    pub fn nibble(self) -> u8 {
        match self {
            FwState::Undefined => 0x0,
            FwState::BbInit => 0x1,
            FwState::FwInit => 0x4,
            FwState::WaitHandshake => 0x6,
            FwState::FwInit2 => 0x7,
            FwState::DeviceScan => 0x8,
            FwState::BootMessagePending => 0x9,
            FwState::FlushCache => 0xa,
            FwState::Ready => 0xb,
            FwState::Operational => 0xc,
            FwState::Fault => 0xf,
            FwState::Other(n) => n & 0xf,
        }
    }
}

/// Decoded OMSG0/OSP0 firmware status word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FwStatus {
    /// Bits 31:28.
    pub state: FwState,
    /// Bit 26: the firmware supports MSI-X.
    pub msix_supported: bool,
    /// Bits 23:16: maximum SG entries per frame.
    pub max_sge: u8,
    /// Bits 15:0: `fw_cmds`, the frame limit and reply-ring wrap point.
    pub max_cmds: u16,
}

impl FwStatus {
    /// Decodes a raw status word.
    pub fn decode(raw: u32) -> Self {
        let [hi, sge, cmds_hi, cmds_lo] = raw.to_be_bytes();
        FwStatus {
            state: FwState::from_nibble(hi >> 4),
            msix_supported: raw & (1 << 26) != 0,
            max_sge: sge,
            max_cmds: u16::from_be_bytes([cmds_hi, cmds_lo]),
        }
    }

    /// Re-encodes the word (reserved bits zero).
    pub fn encode(&self) -> u32 {
        (u32::from(self.state.nibble()) << 28)
            | (u32::from(self.msix_supported) << 26)
            | (u32::from(self.max_sge) << 16)
            | u32::from(self.max_cmds)
    }
}

/// The register words that post one frame.
///
/// If `high` is zero write `low` to [`IQP`]; otherwise write `high` to
/// [`IQPH`] and then `low` to [`IQPL`] (the low write triggers the post).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostWords {
    /// Upper 32 address bits.
    pub high: u32,
    /// Low address bits (32-byte aligned) | extra-frame count << 1 | 1.
    pub low: u32,
}

/// Builds the posting words for a frame at `frame_addr` occupying
/// `frame_bytes` bytes (a builder's return value).
///
/// The device drops the low 5 address bits, so the frame must be 32-byte
/// aligned. Bits 4:1 carry the number of extra 64-byte frames (as Linux
/// sends it, capped at 7; QEMU only traces it), bit 0 is set as Linux does.
pub fn post_words(frame_addr: u64, frame_bytes: usize) -> Result<PostWords, MfiError> {
    if frame_addr == 0 || frame_addr & 0x1f != 0 {
        return Err(MfiError::BadAddress);
    }
    let extra = frame_bytes.saturating_sub(1) / 64;
    let extra = core::cmp::min(extra, 7) as u32;
    Ok(PostWords {
        high: (frame_addr >> 32) as u32,
        low: (frame_addr as u32) | (extra << 1) | 1,
    })
}
