// SPDX-License-Identifier: GPL-2.0

//! iSCSI initiator logic, mirroring the kernel's `mod iscsi`.

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/iscsi/pdu/mod.rs"]
pub mod pdu;
