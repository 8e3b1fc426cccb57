// SPDX-License-Identifier: GPL-2.0

//! iSCSI initiator (RFC 7143): the PDU codec ([`pdu`], pure logic). The
//! transport class glue, the connection and the session will join it.

pub mod pdu;
