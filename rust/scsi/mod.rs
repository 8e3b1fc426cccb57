// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the Linux SCSI midlayer for low-level drivers.
//!
//! A driver implements [`HostOperations`] (the `struct scsi_host_template`
//! callbacks), keeps one [`Template`] in a `static` and creates a [`Host`]
//! per adapter instance. The midlayer then calls the driver with commands,
//! [`Device`]s and [`Target`]s.
//!
//! # Lifetimes
//!
//! - A template lives in static storage: [`Host::new`] takes
//!   `&'static Template<T>`. The midlayer reads the template of a host until
//!   the host's last reference is gone, which may be after the driver
//!   dropped its [`Host`] (a device file held open across a PCI unbind).
//! - The host data lives from [`Host::new`] until the [`Host`] is dropped,
//!   after the host was removed and its commands finished.
//!
//! # Ownership of a command
//!
//! A `struct scsi_cmnd` is owned by the midlayer except between the moment it
//! is handed to `queuecommand` and the moment the driver completes it. The
//! abstraction tracks this in the command's private area (see [`command`]):
//!
//! - `queuecommand` gives the driver a [`NewCommand`], branded with the
//!   call's lifetime. The driver gives it back unstarted
//!   ([`NewCommand::requeue`]: the only way to make the [`Requeue`] the
//!   callback returns, so no other command can be requeued in its place),
//!   or takes it on ([`NewCommand::accept`]) as a [`Command`]: an owned,
//!   non-cloneable token that it completes ([`Command::complete`]), completes
//!   later from a timer ([`Command::complete_after`], software adapters) or
//!   parks while hardware works on it ([`Command::park`]). Every path
//!   consumes the token, so a command cannot be completed twice.
//! - A parked command is reclaimed by its tag ([`HostRef::take_parked`],
//!   [`CommandRef::take_parked`]); an atomic state makes only one reclaimer
//!   win, so an interrupt handler and the error handler racing for the same
//!   command cannot both complete it. A command the midlayer has timed out
//!   belongs to the error handler: these calls do not return it.
//! - Error-handler callbacks get an [`EhContext`] for the duration of the
//!   call. They reclaim commands with [`CommandRef::take_parked_eh`], which
//!   returns an [`EhCommand`] borrowing the context: it cannot be kept past
//!   the callback. [`EhCommand::give_back`] hands a timed-out command to the
//!   error handler and completes any other command (in flight when a reset
//!   came) so the midlayer retries it at once.
//! - Reset callbacks get a device, a host or a channel, never a command: the
//!   command behind an `SG_SCSI_RESET` ioctl is a stand-in with no request
//!   and no private area.
//! - An abort callback that reports success while the command is still
//!   parked is overruled (failure: the midlayer escalates to a reset), so a
//!   command the device may still touch is never reused.
//! - DMA mappings made with [`Command::dma_map`] are undone by whichever
//!   path gives the command up, after the driver stated the device is done
//!   with it (completion, give-back) and before the midlayer sees it.

pub mod command;
pub mod device;
pub mod host;
pub mod iscsi;
mod layout;
pub mod operations;
pub mod sas;
pub mod spi;
pub mod sysfs;
mod transport;

pub use command::{
    CmdStatus, Command, CommandRef, DataDirection, DmaSegments, EhCommand, HostByte, NewCommand,
    QueueBusy, Requeue, SgChunk, SgChunkDir,
};
pub use device::{Device, NewTarget, Target};
pub use host::{Host, HostConfig, HostRef, Template};
pub use operations::{EhContext, EhEvent, EhResult, HostOperations, TimeoutAction};
pub use sysfs::{Attribute, SysfsWriter};
