// SPDX-License-Identifier: GPL-2.0

//! Misuses of the SCSI abstractions that type-check but must be refused by
//! the borrow checker (lifetimes). Each case marks the line that must fail
//! with `// ~ERROR <text>`.

mod eh_command_escapes;
mod eh_command_into_eh_escapes;
mod requeue_brand;
mod requeue_swapped;
mod sas_end_device_outlives_port;
mod sas_end_device_outlives_remove;
mod template_not_static;
