// SPDX-License-Identifier: GPL-2.0

//! IP addresses and ports of a socket, formatted as the kernel's iSCSI
//! code reports them (`%pI4`, `%pI6`).

use crate::bindings;
use core::fmt;

/// An IPv4 or IPv6 address, in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpAddr {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}

/// Formats like the kernel's `%pI4` (`192.0.2.1`) and `%pI6` (eight
/// groups of four hex digits, not compressed), the forms iscsi_tcp gives
/// iscsid for the address parameters.
impl fmt::Display for IpAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpAddr::V4([a, b, c, d]) => write!(f, "{a}.{b}.{c}.{d}"),
            IpAddr::V6(bytes) => {
                for (i, pair) in bytes.chunks_exact(2).enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    for byte in pair {
                        write!(f, "{byte:02x}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// An IP address and TCP port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketAddr {
    ip: IpAddr,
    port: u16,
}

impl SocketAddr {
    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The port, in host byte order.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Decodes an `AF_INET` or `AF_INET6` address as `kernel_getpeername`
    /// and `kernel_getsockname` fill it in; `None` for any other family.
    pub(super) fn from_storage(storage: &bindings::__kernel_sockaddr_storage) -> Option<Self> {
        let ptr = core::ptr::from_ref(storage);
        // SAFETY: Every `struct sockaddr_*` starts with the family; the
        // storage is at least as large and as aligned as any of them.
        let family = unsafe { (*ptr.cast::<bindings::sockaddr>()).sa_family };
        match u32::from(family) {
            bindings::AF_INET => {
                // SAFETY: As above; a `sockaddr_in` has only integer
                // fields, so any bytes are a valid value.
                let sin = unsafe { &*ptr.cast::<bindings::sockaddr_in>() };
                Some(Self {
                    // `s_addr` holds the address in network byte order.
                    ip: IpAddr::V4(sin.sin_addr.s_addr.to_ne_bytes()),
                    port: u16::from_be(sin.sin_port),
                })
            }
            bindings::AF_INET6 => {
                // SAFETY: As above, for `sockaddr_in6`.
                let sin6 = unsafe { &*ptr.cast::<bindings::sockaddr_in6>() };
                // SAFETY: The union's members are integer arrays of the same
                // size: any of them may be read.
                let ip = unsafe { sin6.sin6_addr.in6_u.u6_addr8 };
                Some(Self {
                    ip: IpAddr::V6(ip),
                    port: u16::from_be(sin6.sin6_port),
                })
            }
            _ => None,
        }
    }
}

/// `192.0.2.1:3260`, `[2001:0db8:...:0001]:3260`.
impl fmt::Display for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            IpAddr::V4(_) => write!(f, "{}:{}", self.ip, self.port),
            IpAddr::V6(_) => write!(f, "[{}]:{}", self.ip, self.port),
        }
    }
}
