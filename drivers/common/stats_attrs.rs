// SPDX-License-Identifier: GPL-2.0

//! The per-device statistics files every adapter exposes in sysfs
//! (`orion_reads`, `orion_writes`, ...), written once for all adapters.

use super::stats::{IoStats, StatsSnapshot};
use crate::scsi::{Attribute, Device, HostOperations, SysfsWriter};
use core::{
    fmt::{self, Write},
    marker::PhantomData,
};
use kernel::{prelude::*, sync::Arc};

/// An adapter whose devices carry [`IoStats`].
pub trait StatsDevice: HostOperations {
    /// The statistics of `dev`, if it has any.
    fn io_stats(dev: &Device<Self>) -> Option<&Arc<IoStats>>;
}

fn show<T: StatsDevice>(
    dev: &Device<T>,
    w: &mut SysfsWriter<'_>,
    pick: fn(&StatsSnapshot) -> u64,
) -> fmt::Result {
    let stats = T::io_stats(dev).ok_or(fmt::Error)?;
    writeln!(w, "{}", pick(&stats.snapshot()))
}

fn reads<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.reads)
}
fn writes<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.writes)
}
fn read_bytes<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.read_bytes)
}
fn write_bytes<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.write_bytes)
}
fn check_conditions<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.errors_by_key.iter().sum())
}
fn outstanding<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.outstanding.into())
}
fn peak_outstanding<T: StatsDevice>(d: &Device<T>, w: &mut SysfsWriter<'_>) -> fmt::Result {
    show(d, w, |s| s.peak_outstanding.into())
}

/// Writing 0 to `orion_peak_outstanding` restarts peak tracking.
fn reset_peak<T: StatsDevice>(dev: &Device<T>, input: &[u8]) -> Result {
    if input.trim_ascii() != b"0" {
        return Err(EINVAL);
    }
    T::io_stats(dev).ok_or(ENODEV)?.reset_peak();
    Ok(())
}

/// The statistics attributes of adapter `T`, for
/// `HostOperations::DEVICE_ATTRIBUTES`.
pub struct StatsAttributes<T>(PhantomData<T>);

impl<T: StatsDevice> StatsAttributes<T> {
    /// The attribute list.
    pub const LIST: [Attribute<Device<T>>; 7] = [
        Attribute {
            name: c"orion_reads",
            show: reads::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_writes",
            show: writes::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_read_bytes",
            show: read_bytes::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_write_bytes",
            show: write_bytes::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_check_conditions",
            show: check_conditions::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_outstanding",
            show: outstanding::<T>,
            store: None,
        },
        Attribute {
            name: c"orion_peak_outstanding",
            show: peak_outstanding::<T>,
            store: Some(reset_peak::<T>),
        },
    ];
}
