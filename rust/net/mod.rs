// SPDX-License-Identifier: GPL-2.0

//! Kernel TCP sockets for the iSCSI initiator, after iscsi_tcp: the
//! connection's socket is created and connected by iscsid and handed over
//! by file descriptor; the driver sends and receives without blocking and
//! learns about incoming data, free send space and state changes from the
//! socket's callbacks, which typically queue work.
//!
//! `kernel::net` has no socket abstraction (7.3), hence this one.
//!
//! # Lifetimes
//!
//! - A [`TcpSocket`] holds a reference to the socket's file from
//!   [`TcpSocket::from_fd`] until it is dropped, so the socket stays alive
//!   (even if userspace closes the descriptor) for every call it makes.
//! - [`SocketCallbacks`] owns the [`TcpSocket`] and holds a reference to the
//!   owner ([`SocketEvents`]). The callbacks find the owner through
//!   `sk_user_data` under `sk_callback_lock` (read), and the drop restores
//!   the previous callbacks and clears `sk_user_data` under the same lock
//!   (write) before it releases the owner, then the file: a callback never
//!   sees an owner that was released, and the socket outlives the
//!   restore (CVE-2023-2162 was this use-after-free in iscsi_tcp).

pub mod addr;
mod callbacks;
mod socket;

pub use addr::{IpAddr, SocketAddr};
pub use callbacks::{SocketCallbacks, SocketEvents};
pub use socket::{Shutdown, TcpSocket, MAX_SEND_SEGMENTS};
