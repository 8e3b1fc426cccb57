// SPDX-License-Identifier: GPL-2.0

//! Misuses of the SCSI abstractions that must not type-check. Each case
//! marks the line that must fail with `// ~ERROR <code>`.

mod eh_command_not_send;
mod requeue_other_command;
mod reset_gets_no_command;
