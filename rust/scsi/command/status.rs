// SPDX-License-Identifier: GPL-2.0

//! What a command's result is made of (host byte and SCSI status), its
//! data direction, and the busy kinds of a requeue.

use crate::bindings;

/// Direction of a command's data transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataDirection {
    /// No data.
    None,
    /// Data from the initiator to the device (a write).
    ToDevice,
    /// Data from the device to the initiator (a read).
    FromDevice,
    /// Both directions (bidirectional commands; unsupported by most drivers).
    Bidirectional,
}

/// Host byte of a command result (`DID_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HostByte {
    /// No host-level error.
    Ok = bindings::scsi_host_status_DID_OK as u8,
    /// The device could not be reached (no such target/LUN).
    NoConnect = bindings::scsi_host_status_DID_NO_CONNECT as u8,
    /// The bus stayed busy.
    BusBusy = bindings::scsi_host_status_DID_BUS_BUSY as u8,
    /// The command timed out at the host.
    TimeOut = bindings::scsi_host_status_DID_TIME_OUT as u8,
    /// Bad target.
    BadTarget = bindings::scsi_host_status_DID_BAD_TARGET as u8,
    /// Internal host error.
    Error = bindings::scsi_host_status_DID_ERROR as u8,
    /// The command was terminated by a reset; the midlayer retries it.
    Reset = bindings::scsi_host_status_DID_RESET as u8,
    /// A transient failure: the midlayer retries while the command has
    /// retries left.
    SoftError = bindings::scsi_host_status_DID_SOFT_ERROR as u8,
    /// The adapter is short of resources: the midlayer requeues the
    /// command without counting a retry.
    Requeue = bindings::scsi_host_status_DID_REQUEUE as u8,
    /// The transport was disrupted (a connection lost); the midlayer
    /// retries the command once the transport is back, or fails it when
    /// the transport class gives up.
    TransportDisrupted = bindings::scsi_host_status_DID_TRANSPORT_DISRUPTED as u8,
}

/// The result of a command: host byte and SCSI status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdStatus {
    /// Host byte.
    pub host: HostByte,
    /// SAM status byte (GOOD 0x00, CHECK CONDITION 0x02, BUSY 0x08, ...).
    pub status: u8,
}

impl CmdStatus {
    /// GOOD.
    pub const GOOD: Self = Self {
        host: HostByte::Ok,
        status: 0x00,
    };
    /// CHECK CONDITION (the sense buffer must have been written).
    pub const CHECK_CONDITION: Self = Self {
        host: HostByte::Ok,
        status: 0x02,
    };
    /// BUSY status from the device.
    pub const BUSY: Self = Self {
        host: HostByte::Ok,
        status: 0x08,
    };
    /// TASK SET FULL status from the device.
    pub const TASK_SET_FULL: Self = Self {
        host: HostByte::Ok,
        status: 0x28,
    };

    /// A host-level failure with no SCSI status.
    pub const fn host(host: HostByte) -> Self {
        Self { host, status: 0 }
    }

    pub(super) fn to_result(self) -> i32 {
        (i32::from(self.host as u8) << 16) | i32::from(self.status)
    }
}

/// Which busy status `queuecommand` returns for a command given back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueBusy {
    /// The host cannot take more commands now.
    Host,
    /// The device (LUN) cannot take more commands now.
    Device,
    /// The target cannot take more commands now.
    Target,
}
