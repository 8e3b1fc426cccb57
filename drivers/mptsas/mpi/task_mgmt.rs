// SPDX-License-Identifier: GPL-2.0

//! SCSI task management (`lsi/mpi_init.h`: `MSG_SCSI_TASK_MGMT`,
//! `MSG_SCSI_TASK_MGMT_REPLY`).
//!
//! QEMU always answers through the reply FIFO with an address reply,
//! after the replies of the requests it terminated (those come back with
//! TASK_TERMINATED). Send task management through the request FIFO: a
//! doorbell handshake in flight while I/O completes gets cut short by
//! QEMU's reply posting. Unknown task types are answered NOT_SUPPORTED, a
//! LUN mismatch INVALID_LUN, both with IOCStatus SUCCESS, so success is
//! judged on the response code too, unlike Linux.

use super::msg::{self, ReplyHeader, FUNC_SCSI_TASK_MGMT, IOCSTATUS_SUCCESS};
use super::MpiError;
use crate::proto::le::{le32, put_bytes, put_le32, put_u8, u8_at};
use crate::proto::lun::to_scsilun;

/// Request size (13 dwords).
pub const TASK_MGMT_SIZE: usize = 0x34;
/// Reply size.
pub const TASK_MGMT_REPLY_SIZE: usize = 0x18;
/// Request offset: task type.
pub const OFF_TASK_TYPE: usize = 0x05;
/// Request offset: LUN.
pub const OFF_LUN: usize = 0x0c;
/// Request offset: context of the task to abort or query.
pub const OFF_TASK_MSG_CONTEXT: usize = 0x30;

/// Task management functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskType {
    /// Abort one request (`eh_abort_handler`).
    AbortTask,
    /// Abort every request of the LUN.
    AbortTaskSet,
    /// Reset every LUN of the target (`eh_target_reset_handler`).
    TargetReset,
    /// Reset the bus (`eh_bus_reset_handler`): every device.
    ResetBus,
    /// Reset one LUN (`eh_device_reset_handler`).
    LogicalUnitReset,
    /// Clear the LUN's task set.
    ClearTaskSet,
    /// Is the request still in the task set?
    QueryTask,
}

impl TaskType {
    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            TaskType::AbortTask => 0x01,
            TaskType::AbortTaskSet => 0x02,
            TaskType::TargetReset => 0x03,
            TaskType::ResetBus => 0x04,
            TaskType::LogicalUnitReset => 0x05,
            TaskType::ClearTaskSet => 0x06,
            TaskType::QueryTask => 0x07,
        }
    }

    /// Whether the function names one request.
    pub fn needs_task(self) -> bool {
        matches!(self, TaskType::AbortTask | TaskType::QueryTask)
    }
}

/// A task management request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskMgmt {
    /// Function.
    pub task: TaskType,
    /// Firmware target id.
    pub target: u8,
    /// Firmware bus.
    pub bus: u8,
    /// Midlayer LUN (ignored by target and bus resets).
    pub lun: u64,
    /// Context of the request to abort or query.
    pub task_context: Option<u32>,
}

/// Builds a task management request; returns its size.
pub fn build_task_mgmt(frame: &mut [u8], context: u32, tm: &TaskMgmt) -> Result<usize, MpiError> {
    if tm.task.needs_task() != tm.task_context.is_some() {
        return Err(MpiError::InvalidParam);
    }
    msg::begin(frame, TASK_MGMT_SIZE, FUNC_SCSI_TASK_MGMT, context)?;
    put_u8(frame, 0x00, tm.target)?;
    put_u8(frame, 0x01, tm.bus)?;
    put_u8(frame, OFF_TASK_TYPE, tm.task.code())?;
    put_bytes(frame, OFF_LUN, &to_scsilun(tm.lun))?;
    put_le32(frame, OFF_TASK_MSG_CONTEXT, tm.task_context.unwrap_or(0))?;
    Ok(TASK_MGMT_SIZE)
}

/// Response: complete (ABORT_TASK of a request already gone, resets).
pub const RSP_TM_COMPLETE: u8 = 0x00;
/// Response: invalid frame.
pub const RSP_INVALID_FRAME: u8 = 0x02;
/// Response: function not supported.
pub const RSP_TM_NOT_SUPPORTED: u8 = 0x04;
/// Response: failed.
pub const RSP_TM_FAILED: u8 = 0x05;
/// Response: succeeded (QUERY_TASK: the task is present).
pub const RSP_TM_SUCCEEDED: u8 = 0x08;
/// Response: no such LUN.
pub const RSP_TM_INVALID_LUN: u8 = 0x09;

/// A parsed task management reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskMgmtReply {
    /// The task management request's own context.
    pub msg_context: u32,
    /// Task type echoed.
    pub task_type: u8,
    /// `RSP_*`.
    pub response_code: u8,
    /// IOCStatus (masked).
    pub ioc_status: u16,
    /// Requests terminated.
    pub termination_count: u32,
}

impl TaskMgmtReply {
    /// Parses a task management reply.
    pub fn parse(reply: &[u8]) -> Result<Self, MpiError> {
        let h = ReplyHeader::expect(reply, FUNC_SCSI_TASK_MGMT, TASK_MGMT_REPLY_SIZE)?;
        let b = |off| u8_at(reply, off).ok_or(MpiError::BufferTooSmall);
        Ok(TaskMgmtReply {
            msg_context: h.msg_context,
            task_type: b(0x05)?,
            response_code: b(0x04)?,
            ioc_status: h.ioc_status,
            termination_count: le32(reply, 0x14).ok_or(MpiError::BufferTooSmall)?,
        })
    }

    /// The function did what it was asked: IOCStatus SUCCESS and a
    /// COMPLETE or SUCCEEDED response.
    pub fn succeeded(&self) -> bool {
        self.ioc_status == IOCSTATUS_SUCCESS
            && matches!(self.response_code, RSP_TM_COMPLETE | RSP_TM_SUCCEEDED)
    }

    /// For QUERY_TASK: the task is still in the task set.
    pub fn task_present(&self) -> bool {
        self.ioc_status == IOCSTATUS_SUCCESS && self.response_code == RSP_TM_SUCCEEDED
    }
}
