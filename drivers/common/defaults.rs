// SPDX-License-Identifier: GPL-2.0

//! Defaults of devices, from the module parameters that can change at run
//! time: read when a device is configured, so a new value applies to the
//! devices that appear after it (existing ones change through their own
//! sysfs `queue_depth` and `timeout`).

/// `queue_depth`: the depth a new device starts with.
pub(crate) fn queue_depth() -> u32 {
    crate::module_params::queue_depth.value()
}

/// `cmd_timeout_ms`: a new device's command timeout.
pub(crate) fn cmd_timeout_ms() -> u32 {
    crate::module_params::cmd_timeout_ms.value()
}
