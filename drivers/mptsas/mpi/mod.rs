// SPDX-License-Identifier: GPL-2.0

//! MPI (Fusion-MPT message passing interface 1.5) wire formats, as spoken
//! by QEMU's `mptsas1068` (LSI SAS1068, PCI 1000:0054).
//!
//! Pure logic only (`core`, no allocation, no panics on hostile input), so
//! the kernel driver and the host tests share it. Everything on the wire is
//! little-endian ([`crate::proto::le`]). Builders write a complete message
//! into the caller's frame and return its size; decoders parse replies the
//! IOC wrote. Offsets are those of the kernel's `fusion/lsi/mpi*.h`.
//!
//! Driver flow (see `Documentation/mptsas.rst`):
//! 1. read the doorbell ([`regs::Doorbell`]); message unit or diagnostic
//!    reset unless READY; mask interrupts;
//! 2. [`handshake::Handshake`] for IOC_FACTS and PORT_FACTS ([`facts`]),
//!    size everything with [`limits::compute`], send IOC_INIT ([`init`]);
//! 3. post the reply frames ([`reply::FramePool::fifo_word`]), PORT_ENABLE,
//!    EVENT_NOTIFICATION ([`event`]);
//! 4. read the topology ([`config`], [`sas_pages`]) through the request
//!    FIFO;
//! 5. per command, [`scsi_io::build_scsi_io`] (SGL via [`sgl`]), and on
//!    completion decode the FIFO word ([`reply::ReplyDescriptor`]) and the
//!    reply ([`scsi_reply`]); error handling with [`task_mgmt`].

pub mod config;
pub mod error;
pub mod event;
pub mod facts;
pub mod handshake;
pub mod init;
pub mod limits;
pub mod msg;
pub mod regs;
pub mod reply;
pub mod sas_pages;
pub mod scsi_io;
pub mod scsi_reply;
pub mod sgl;
pub mod task_mgmt;
pub mod topology;

pub use error::MpiError;
