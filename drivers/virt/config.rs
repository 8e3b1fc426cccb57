// SPDX-License-Identifier: GPL-2.0

//! Configuration of the virtual adapters, from module parameters, checked
//! at load time: a bad value fails the load with a message naming it.

use super::emulation::wcache;
use kernel::prelude::*;

/// Validated configuration shared by all virtual adapters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VirtConfig {
    /// Number of virtual adapters (0: none).
    pub(crate) adapters: u32,
    /// Targets per adapter.
    pub(crate) targets: u32,
    /// LUNs per target.
    pub(crate) luns: u32,
    /// Capacity of each LUN in MiB.
    pub(crate) capacity_mib: u64,
    /// Logical block size.
    pub(crate) block_size: u32,
    /// Default queue depth of a LUN.
    pub(crate) queue_depth: u32,
    /// Largest queue depth a LUN accepts (sysfs `queue_depth`).
    pub(crate) max_queue_depth: u32,
    /// Commands outstanding per target before it reports busy.
    pub(crate) target_max_cmds: u32,
    /// Command timeout in milliseconds.
    pub(crate) timeout_ms: u32,
    /// Initial write-back cache state (WCE).
    pub(crate) write_cache: bool,
    /// Bytes of acknowledged writes a host's volatile cache holds (0: none).
    pub(crate) cache_bytes: u64,
    /// Age at which cached writes are destaged in the background, in ms.
    pub(crate) cache_delay_ms: u32,
    /// Emulated device latency per command, in microseconds.
    pub(crate) delay_us: u32,
    /// Emulate a doorbell: complete posted commands per blk-mq batch.
    pub(crate) doorbell: bool,
    /// Hardware queues per adapter (0: one per CPU).
    pub(crate) hw_queues: u32,
    /// Polled hardware queues per adapter, besides `hw_queues`.
    pub(crate) poll_queues: u32,
}

fn check(name: &str, value: u64, min: u64, max: u64) -> Result {
    if value < min || value > max {
        pr_err!("invalid {}={}: must be {}..={}\n", name, value, min, max);
        return Err(EINVAL);
    }
    Ok(())
}

impl VirtConfig {
    /// Checks every value; logs and returns `EINVAL` for the first bad one.
    pub(crate) fn validate(self) -> Result<Self> {
        check("virt_adapters", self.adapters.into(), 0, 8)?;
        check("virt_targets", self.targets.into(), 1, 16)?;
        check("virt_luns", self.luns.into(), 1, 8)?;
        check("virt_capacity_mb", self.capacity_mib, 1, 16 << 20)?;
        if self.block_size != 512 && self.block_size != 4096 {
            pr_err!(
                "invalid virt_block_size={}: must be 512 or 4096\n",
                self.block_size
            );
            return Err(EINVAL);
        }
        check("max_queue_depth", self.max_queue_depth.into(), 1, 256)?;
        check(
            "queue_depth",
            self.queue_depth.into(),
            1,
            self.max_queue_depth.into(),
        )?;
        check("target_max_cmds", self.target_max_cmds.into(), 1, 256)?;
        check("cmd_timeout_ms", self.timeout_ms.into(), 1000, 3_600_000)?;
        check("virt_delay_us", self.delay_us.into(), 0, 10_000_000)?;
        check("virt_hw_queues", self.hw_queues.into(), 0, 64)?;
        check("virt_poll_queues", self.poll_queues.into(), 0, 16)?;
        if let Err(rule) = wcache::cache_pages(self.cache_bytes) {
            pr_err!(
                "invalid write_back_cache_size={}: must be {}\n",
                self.cache_bytes,
                rule
            );
            return Err(EINVAL);
        }
        check(
            "write_back_delay_ms",
            self.cache_delay_ms.into(),
            wcache::MIN_DELAY_MS.into(),
            wcache::MAX_DELAY_MS.into(),
        )?;
        Ok(self)
    }
}
