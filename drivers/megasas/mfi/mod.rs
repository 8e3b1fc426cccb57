// SPDX-License-Identifier: GPL-2.0

//! MFI (MegaRAID firmware interface) wire formats, as spoken by QEMU's
//! `megasas` (SAS1078, PCI 1000:0060) and `megasas-gen2` (SAS2108,
//! PCI 1000:0079) models.
//!
//! Pure logic only (`core`, no allocation, no panics on hostile input), so
//! the kernel driver and the host tests share it. Everything on the wire is
//! little-endian. Builders write a complete frame into the caller's DMA
//! frame buffer and return the number of bytes the frame occupies;
//! decoders parse DMA reply buffers the firmware filled.
//!
//! Typical driver flow:
//! 1. read OMSG0/OSP0 and decode it with [`regs::FwStatus`]; write OMSK
//!    all-ones;
//! 2. build the INIT frame with [`init::build_init`] (reply ring of
//!    `fw_cmds` entries, see [`reply::ReplyRing`]), post it with
//!    [`regs::post_words`], poll [`frame::cmd_status`];
//! 3. clear ODCR0, unmask OMSK, then issue DCMDs ([`dcmd`]) and parse
//!    [`ctrl_info`], [`ld_list`] and [`pd_list`] replies;
//! 4. per command, build [`io`] frames (SGL via [`sgl`]) with the frame
//!    index as context ([`reply::encode_context`]), and on completion map
//!    the frame's status with [`frame::Completion`].

pub mod abort;
pub mod ctrl_info;
pub mod dcmd;
pub mod error;
pub mod frame;
pub mod init;
pub mod io;
pub mod ld_list;
pub mod pd_list;
pub mod regs;
pub mod reply;
pub mod sgl;

pub use error::MfiError;
