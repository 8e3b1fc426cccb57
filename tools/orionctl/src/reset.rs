// SPDX-License-Identifier: GPL-2.0

//! Resets through the `SG_SCSI_RESET` ioctl (`include/scsi/sg.h`), as
//! sg3_utils' `sg_reset` sends them: on the sg node of a device, or its
//! block node (the midlayer's `scsi_ioctl_reset` serves both). The kernel
//! runs the LLD's device, target, bus or host reset handler and waits for
//! it; without `no_escalate` a failed reset escalates like the error
//! handler does.

use crate::error::{strip_os, Error, Result};
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// `SG_SCSI_RESET`.
const SG_SCSI_RESET: libc::c_ulong = 0x2284;
/// `SG_SCSI_RESET_NO_ESCALATE`.
const NO_ESCALATE: libc::c_int = 0x100;

/// What to reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SG_SCSI_RESET_DEVICE` (LUN reset).
    Device,
    /// `SG_SCSI_RESET_TARGET`.
    Target,
    /// `SG_SCSI_RESET_BUS`.
    Bus,
    /// `SG_SCSI_RESET_HOST`.
    Host,
}

impl Kind {
    fn value(self) -> libc::c_int {
        match self {
            Kind::Device => 1,
            Kind::Bus => 2,
            Kind::Host => 3,
            Kind::Target => 4,
        }
    }

    /// For messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Device => "device",
            Kind::Target => "target",
            Kind::Bus => "bus",
            Kind::Host => "host",
        }
    }
}

/// Sends one reset through `node` (`/dev/sgN` or `/dev/sdX`).
pub fn reset(node: &Path, kind: Kind, no_escalate: bool) -> Result<()> {
    // O_NONBLOCK as sg_reset does: the open must not wait for a device
    // that is in recovery.
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(node)
        .map_err(|e| Error::io("open", node, &e))?;
    let mut arg: libc::c_int = kind.value() | if no_escalate { NO_ESCALATE } else { 0 };
    // SAFETY: SG_SCSI_RESET reads one int through the pointer, which
    // points at `arg`, alive for the call.
    let rc = unsafe { libc::ioctl(f.as_raw_fd(), SG_SCSI_RESET, &mut arg as *mut libc::c_int) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    Err(match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => Error::Permission(format!(
            "permission denied: {} reset through {} needs CAP_SYS_ADMIN and CAP_SYS_RAWIO: run as root",
            kind.name(),
            node.display()
        )),
        Some(libc::EBUSY) => Error::Failed(format!(
            "{} reset through {}: the host is busy with error recovery; try again",
            kind.name(),
            node.display()
        )),
        Some(libc::EIO) => Error::Failed(format!(
            "{} reset through {} failed: the driver's reset handler reported failure{}",
            kind.name(),
            node.display(),
            if no_escalate { "" } else { " (after escalation)" }
        )),
        Some(libc::EOPNOTSUPP) | Some(libc::ENOTTY) | Some(libc::EINVAL) => Error::Failed(format!(
            "{} reset through {}: not supported by this kernel or driver ({})",
            kind.name(),
            node.display(),
            strip_os(&e)
        )),
        _ => Error::Failed(format!(
            "{} reset through {}: {}",
            kind.name(),
            node.display(),
            strip_os(&e)
        )),
    })
}
