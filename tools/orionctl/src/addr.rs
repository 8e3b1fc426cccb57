// SPDX-License-Identifier: GPL-2.0

//! Addressing: `H:C:T:L`, `/dev/sdX`, `/dev/sgN`, a host (`H`, `hostN`)
//! or a target (`H:C:T`), resolved against sysfs.

use crate::error::{Error, Result};
use crate::sysfs::Sys;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A SCSI device address (host, channel, target, LUN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Hctl {
    /// Host number.
    pub host: u32,
    /// Channel (bus).
    pub channel: u32,
    /// Target id.
    pub target: u32,
    /// LUN.
    pub lun: u64,
}

/// A target address (host, channel, target).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TargetAddr {
    /// Host number.
    pub host: u32,
    /// Channel (bus).
    pub channel: u32,
    /// Target id.
    pub target: u32,
}

impl Hctl {
    /// The target this LUN belongs to.
    pub fn target_addr(&self) -> TargetAddr {
        TargetAddr {
            host: self.host,
            channel: self.channel,
            target: self.target,
        }
    }
}

impl fmt::Display for Hctl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.host, self.channel, self.target, self.lun
        )
    }
}

impl fmt::Display for TargetAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.channel, self.target)
    }
}

fn nums(s: &str) -> Option<Vec<u64>> {
    s.split(':').map(|p| p.parse().ok()).collect()
}

impl FromStr for Hctl {
    type Err = ();
    fn from_str(s: &str) -> Result<Hctl, ()> {
        match nums(s).as_deref() {
            Some(&[h, c, t, l]) => Ok(Hctl {
                host: h.try_into().map_err(|_| ())?,
                channel: c.try_into().map_err(|_| ())?,
                target: t.try_into().map_err(|_| ())?,
                lun: l,
            }),
            _ => Err(()),
        }
    }
}

impl FromStr for TargetAddr {
    type Err = ();
    fn from_str(s: &str) -> Result<TargetAddr, ()> {
        match nums(s).as_deref() {
            Some(&[h, c, t]) => Ok(TargetAddr {
                host: h.try_into().map_err(|_| ())?,
                channel: c.try_into().map_err(|_| ())?,
                target: t.try_into().map_err(|_| ())?,
            }),
            _ => Err(()),
        }
    }
}

/// What an address string names, before looking at the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `H:C:T:L`.
    Device(Hctl),
    /// `H:C:T`.
    Target(TargetAddr),
    /// `H` or `hostN`.
    Host(u32),
    /// `/dev/sdX`, `sdX` (a block device's kernel name).
    Block(String),
    /// `/dev/sgN`, `sgN`.
    Sg(String),
}

/// Parses an address string.
pub fn parse(s: &str) -> Result<Spec> {
    let bad = || {
        Error::Usage(format!(
            "cannot parse address {s:?}: expected H:C:T:L, H:C:T, H, hostN, /dev/sdX or /dev/sgN"
        ))
    };
    if let Ok(a) = s.parse::<Hctl>() {
        return Ok(Spec::Device(a));
    }
    if let Ok(t) = s.parse::<TargetAddr>() {
        return Ok(Spec::Target(t));
    }
    if let Ok(h) = s.strip_prefix("host").unwrap_or(s).parse::<u32>() {
        return Ok(Spec::Host(h));
    }
    let name = s.strip_prefix("/dev/").unwrap_or(s);
    if name.is_empty() || name.contains('/') || s.contains(':') {
        return Err(bad());
    }
    if name.starts_with("sg") && name[2..].bytes().all(|b| b.is_ascii_digit()) && name.len() > 2 {
        return Ok(Spec::Sg(name.to_string()));
    }
    if name.starts_with("sd") || name.starts_with("sr") || name.starts_with("st") {
        return Ok(Spec::Block(name.to_string()));
    }
    Err(bad())
}

/// Follows `/dev/disk/by-*/...` style symlinks on a live system to the
/// node's kernel name.
fn canonical_dev(sys: &Sys, s: &str) -> String {
    if sys.is_live() && s.starts_with("/dev/") {
        if let Ok(p) = std::fs::canonicalize(s) {
            if let Some(n) = p.strip_prefix("/dev").ok().and_then(|p| p.to_str()) {
                return format!("/dev/{n}");
            }
        }
    }
    s.to_string()
}

/// Resolves a device address (`H:C:T:L`, `/dev/sdX`, `/dev/sgN`) to a
/// present SCSI device.
pub fn device(sys: &Sys, s: &str) -> Result<Hctl> {
    let s = canonical_dev(sys, s);
    let a = match parse(&s)? {
        Spec::Device(a) => a,
        Spec::Block(n) => sys
            .link_target_hctl(&sys.block_device_link(&n))
            .ok_or_else(|| no_such(&s, "SCSI block device"))?,
        Spec::Sg(n) => sys
            .link_target_hctl(&sys.sg_device_link(&n))
            .ok_or_else(|| no_such(&s, "sg device"))?,
        Spec::Host(_) | Spec::Target(_) => {
            return Err(Error::Usage(format!(
                "{s} names a host or a target, not a device (use H:C:T:L, /dev/sdX or /dev/sgN)"
            )))
        }
    };
    if !sys.device_dir(&a).exists() {
        return Err(Error::NoDevice(format!("no such device {a}")));
    }
    Ok(a)
}

/// Resolves a target address (`H:C:T`, or any device address: its
/// target) to a target with at least one device.
pub fn target(sys: &Sys, s: &str) -> Result<TargetAddr> {
    let t = match parse(&canonical_dev(sys, s))? {
        Spec::Target(t) => t,
        Spec::Host(_) => {
            return Err(Error::Usage(format!(
                "{s} names a host, not a target (use H:C:T)"
            )))
        }
        _ => device(sys, s)?.target_addr(),
    };
    if !sys.devices().iter().any(|d| d.target_addr() == t) {
        return Err(Error::NoDevice(format!("no such target {t}")));
    }
    Ok(t)
}

/// Resolves a host address (`H`, `hostN`, or any device/target address:
/// its host).
pub fn host(sys: &Sys, s: &str) -> Result<u32> {
    let h = match parse(&canonical_dev(sys, s))? {
        Spec::Host(h) => h,
        Spec::Target(t) => t.host,
        Spec::Device(a) => a.host,
        _ => device(sys, s)?.host,
    };
    if !sys.host_dir(h).exists() {
        return Err(Error::NoDevice(format!("no such host {h}")));
    }
    Ok(h)
}

fn no_such(s: &str, what: &str) -> Error {
    Error::NoDevice(format!("no such device {s} (not a {what} in sysfs)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let a = Hctl {
            host: 2,
            channel: 0,
            target: 9,
            lun: 0,
        };
        assert_eq!(parse("2:0:9:0").unwrap(), Spec::Device(a));
        assert_eq!(parse("2:0:9").unwrap(), Spec::Target(a.target_addr()));
        assert_eq!(parse("2").unwrap(), Spec::Host(2));
        assert_eq!(parse("host12").unwrap(), Spec::Host(12));
        assert_eq!(parse("/dev/sdab").unwrap(), Spec::Block("sdab".into()));
        assert_eq!(parse("sdc").unwrap(), Spec::Block("sdc".into()));
        assert_eq!(parse("/dev/sg3").unwrap(), Spec::Sg("sg3".into()));
        assert_eq!(a.to_string(), "2:0:9:0");
    }

    #[test]
    fn refuses_garbage() {
        for s in [
            "",
            "1:2",
            "1:2:3:4:5",
            "a:b:c:d",
            "/dev/",
            "/dev/x/y",
            "hostx",
            "nvme0n1",
            "-1",
        ] {
            assert!(parse(s).is_err(), "{s:?} parsed");
        }
        // Host numbers are 32-bit; LUNs 64-bit.
        assert!(parse("4294967296:0:0:0").is_err());
        assert_eq!(
            parse("0:0:0:18446744073709551615").unwrap(),
            Spec::Device(Hctl {
                host: 0,
                channel: 0,
                target: 0,
                lun: u64::MAX
            })
        );
    }
}
