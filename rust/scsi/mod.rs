// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the Linux SCSI midlayer for low-level drivers.
//!
//! A driver implements [`HostOperations`] (the `struct scsi_host_template`
//! callbacks), builds one [`Template`] for its kind of adapter and creates a
//! [`Host`] per adapter instance. The midlayer then calls the driver with
//! [`Command`]s, [`Device`]s and [`Target`]s.
//!
//! # Ownership of a command
//!
//! A `struct scsi_cmnd` is owned by the midlayer except between the moment it
//! is handed to `queuecommand` and the moment the driver completes it. The
//! abstraction tracks this in the command's private area (see [`command`]):
//!
//! - `queuecommand` gives the driver a [`Command`]: an owned, non-cloneable
//!   token. The driver either completes it ([`Command::complete`]), defers the
//!   completion ([`Command::complete_after`], for software adapters), parks it
//!   while hardware works on it ([`Command::park`]), or hands it back unstarted
//!   ([`Command::requeue`], which makes `queuecommand` return a busy status).
//!   Every path consumes the token, so a command cannot be completed twice and
//!   a command given back as busy cannot be completed at all.
//! - A parked (or deferred) command is reclaimed by its tag
//!   ([`HostRef::take_parked`], [`CommandRef::take_parked`]); an atomic state
//!   makes only one reclaimer win, so an interrupt handler and the error
//!   handler racing for the same command cannot both complete it.
//! - The error handler callbacks get a [`CommandRef`] (borrowed, no
//!   ownership). An abort handler that reclaims the command hands it to the
//!   error handler with [`Command::abandon`], which needs the [`EhContext`]
//!   only error-handler callbacks receive: after a successful abort the
//!   midlayer owns the command and the driver must not complete it.
//! - Reset handlers complete every command they reclaim (usually with
//!   [`HostByte::Reset`]); the midlayer ignores completions of commands it has
//!   already timed out, and retries the others.

pub mod command;
pub mod device;
pub mod host;
pub mod operations;
pub mod sysfs;

pub use command::{
    CmdStatus, Command, CommandRef, DataDirection, DmaSegments, HostByte, QueueBusy, Requeue,
    SgChunkDir,
};
pub use device::{Device, Target};
pub use host::{Host, HostConfig, HostRef, Template};
pub use operations::{EhContext, EhResult, HostOperations, TimeoutAction};
pub use sysfs::{Attribute, SysfsWriter};
