// SPDX-License-Identifier: GPL-2.0

//! iSCSI initiator (RFC 7143) on the iSCSI transport class: the PDU codec
//! ([`pdu`], pure logic), the `tcp` transport iscsid drives
//! ([`transport`]), the connection ([`conn`]), what it sends
//! ([`datapath`]) and makes of what it receives ([`receive`]), and the
//! parameters ([`params`]).

mod conn;
mod crc;
mod datapath;
mod eh;
mod framing;
mod params;
pub mod pdu;
mod ping;
mod receive;
mod session;
mod stats;
mod transport;

pub(crate) use transport::{register, Registration};
