// SPDX-License-Identifier: GPL-2.0

//! The Fusion-MPT system interface registers (BAR0 I/O or BAR1 MMIO, same
//! layout, 32-bit accesses only) and decoding of the doorbell word.
//!
//! Offsets and bits: Linux `drivers/message/fusion/lsi/mpi.h`, section
//! "PCI System Interface Registers".

use super::MpiError;

/// Doorbell: IOC state on read; reset and handshake commands on write.
pub const DOORBELL: usize = 0x00;
/// Write sequence: the key that unlocks [`HOST_DIAGNOSTIC`].
pub const WRITE_SEQUENCE: usize = 0x04;
/// Host diagnostic: [`DIAG_RESET_ADAPTER`] once [`DIAG_DRWE`] is set.
pub const HOST_DIAGNOSTIC: usize = 0x08;
/// Host interrupt status ([`HIS_DOORBELL`], [`HIS_REPLY`]); any write
/// clears the doorbell bit.
pub const HOST_INTERRUPT_STATUS: usize = 0x30;
/// Host interrupt mask ([`HIM_DIM`], [`HIM_RIM`]).
pub const HOST_INTERRUPT_MASK: usize = 0x34;
/// Request post FIFO: write a request frame's low address.
pub const REQUEST_FIFO: usize = 0x40;
/// Reply post FIFO on read, reply free FIFO on write.
pub const REPLY_FIFO: usize = 0x44;
/// High-priority request FIFO. QEMU drops every write to it: never used.
pub const HI_PRI_REQUEST_FIFO: usize = 0x48;
/// Bytes of register window the driver touches (the I/O BAR is 256 bytes).
pub const REGS_SIZE: usize = 0x100;

/// HIS: a doorbell handshake word is ready (or the doorbell was taken).
pub const HIS_DOORBELL: u32 = 0x0000_0001;
/// HIS: the reply post FIFO is not empty. Only an empty read clears it.
pub const HIS_REPLY: u32 = 0x0000_0008;
/// HIS: the IOC has not yet consumed the last doorbell dword (never set
/// by QEMU, polled for real hardware).
pub const HIS_IOP_DOORBELL_STATUS: u32 = 0x8000_0000;
/// HIM: mask the doorbell interrupt.
pub const HIM_DIM: u32 = 0x0000_0001;
/// HIM: mask the reply interrupt.
pub const HIM_RIM: u32 = 0x0000_0008;
/// HIM value while initialising or quiescing: everything masked.
pub const HIM_MASK_ALL: u32 = HIM_DIM | HIM_RIM;
/// HIM value while operational: replies interrupt, the doorbell (polled
/// during handshakes) does not.
pub const HIM_OPERATIONAL: u32 = HIM_DIM;

/// Host diagnostic: diagnostic register write enable (key accepted).
pub const DIAG_DRWE: u32 = 0x0000_0080;
/// Host diagnostic: reset the adapter.
pub const DIAG_RESET_ADAPTER: u32 = 0x0000_0004;
/// Words written to [`WRITE_SEQUENCE`] before [`DIAG_RESET_ADAPTER`]: a
/// non-key value first (restarts a half-written or completed sequence),
/// then the five keys of `mpi.h`.
pub const DIAG_KEY_SEQUENCE: [u32; 6] = [0x0f, 0x04, 0x0b, 0x02, 0x07, 0x0d];

/// Doorbell function: message unit reset (synchronous in QEMU; the IOC
/// is READY afterwards and every outstanding request is dropped).
pub const DB_MESSAGE_UNIT_RESET: u32 = 0x40 << 24;
/// Doorbell function: handshake (message dwords follow).
pub const DB_HANDSHAKE: u8 = 0x42;
/// Doorbell bit: a handshake is in progress.
pub const DB_ACTIVE: u32 = 0x0800_0000;

/// The doorbell word that starts a handshake of `dwords` message dwords.
pub fn handshake_word(dwords: usize) -> Result<u32, MpiError> {
    let n = u8::try_from(dwords).map_err(|_| MpiError::InvalidParam)?;
    if n == 0 {
        return Err(MpiError::InvalidParam);
    }
    Ok((u32::from(DB_HANDSHAKE) << 24) | (u32::from(n) << 16))
}

/// IOC state, doorbell bits 31:28.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IocState {
    /// 0x0: reset, not yet READY.
    Reset,
    /// 0x1: ready for IOC_INIT.
    Ready,
    /// 0x2: initialised, accepting requests on the FIFO.
    Operational,
    /// 0x4: faulted; needs a diagnostic (or message unit) reset.
    Fault,
    /// Anything else (reserved values).
    Other(u8),
}

impl IocState {
    /// Decodes the state nibble.
    pub fn from_nibble(n: u8) -> Self {
        match n & 0xf {
            0 => IocState::Reset,
            1 => IocState::Ready,
            2 => IocState::Operational,
            4 => IocState::Fault,
            n => IocState::Other(n),
        }
    }
}

/// A decoded doorbell read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doorbell {
    /// Bits 31:28.
    pub state: IocState,
    /// Bit 27: a handshake owns the doorbell.
    pub active: bool,
    /// Bits 26:24: who initialised the IOC (4 = host driver, as sent in
    /// IOC_INIT; a firmware such as SeaBIOS leaves its own value).
    pub who_init: u8,
    /// Bits 15:0: the fault code in FAULT, a reply word mid-handshake.
    pub data: u16,
}

impl Doorbell {
    /// Decodes a raw doorbell value.
    pub fn decode(raw: u32) -> Self {
        let [hi, _, d_hi, d_lo] = raw.to_be_bytes();
        Doorbell {
            state: IocState::from_nibble(hi >> 4),
            active: raw & DB_ACTIVE != 0,
            who_init: hi & 0x7,
            data: u16::from_be_bytes([d_hi, d_lo]),
        }
    }

    /// The fault code when the IOC is in FAULT.
    pub fn fault_code(&self) -> Option<u16> {
        (self.state == IocState::Fault).then_some(self.data)
    }
}
