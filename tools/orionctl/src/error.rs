// SPDX-License-Identifier: GPL-2.0

//! Errors an administrator can act on, each with its exit status
//! (Documentation/orionctl.rst, "Exit status").

use std::fmt;
use std::io;
use std::path::Path;

/// What went wrong, by what the admin does about it.
#[derive(Debug)]
pub enum Error {
    /// The command line names something wrong (exit 2, like clap's errors).
    Usage(String),
    /// No such host, target or device (exit 3).
    NoDevice(String),
    /// The kernel refused for lack of privilege (exit 4).
    Permission(String),
    /// A configuration file is invalid; nothing was applied (exit 5).
    Config(String),
    /// The operation timed out (exit 6).
    Timeout(String),
    /// The operation was tried and failed (exit 1).
    Failed(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Failed(_) => 1,
            Error::Usage(_) => 2,
            Error::NoDevice(_) => 3,
            Error::Permission(_) => 4,
            Error::Config(_) => 5,
            Error::Timeout(_) => 6,
        }
    }

    /// A stable name for the JSON `error.kind` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Failed(_) => "failed",
            Error::Usage(_) => "usage",
            Error::NoDevice(_) => "no_such_device",
            Error::Permission(_) => "permission_denied",
            Error::Config(_) => "invalid_config",
            Error::Timeout(_) => "timeout",
        }
    }

    /// An I/O error on `path` while doing `what` ("write", "read", ...).
    pub fn io(what: &str, path: &Path, e: &io::Error) -> Error {
        match e.raw_os_error() {
            Some(libc::EACCES) | Some(libc::EPERM) => Error::Permission(format!(
                "permission denied: {what} {}: run as root",
                path.display()
            )),
            Some(libc::ENOENT) | Some(libc::ENODEV) | Some(libc::ENXIO) => {
                Error::NoDevice(format!("{what} {}: {}", path.display(), strip_os(e)))
            }
            _ => Error::Failed(format!("{what} {}: {}", path.display(), strip_os(e))),
        }
    }
}

/// The message of an OS error without rust's " (os error N)" suffix.
pub fn strip_os(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m)
            | Error::NoDevice(m)
            | Error::Permission(m)
            | Error::Config(m)
            | Error::Timeout(m)
            | Error::Failed(m) => f.write_str(m),
        }
    }
}
