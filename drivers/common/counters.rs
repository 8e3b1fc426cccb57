// SPDX-License-Identifier: GPL-2.0

//! The event counters every hardware adapter keeps (interrupts handled,
//! resets, aborts) and their host sysfs files (`orion_interrupts`,
//! `orion_resets`, `orion_aborts`), written once for all adapters.

use crate::scsi::{Attribute, SysfsWriter};
use core::{
    fmt::{self, Write},
    marker::PhantomData,
};
use kernel::sync::atomic::{Atomic, Relaxed};

/// Event counters of one adapter instance.
pub struct HbaCounters {
    /// Interrupts the adapter raised and the driver handled.
    pub interrupts: Atomic<u64>,
    /// Resets of the adapter (error handler, health check, bus reset).
    pub resets: Atomic<u64>,
    /// Commands the error handler aborted.
    pub aborts: Atomic<u64>,
}

impl HbaCounters {
    /// All zero.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            interrupts: Atomic::new(0),
            resets: Atomic::new(0),
            aborts: Atomic::new(0),
        }
    }
}

/// Host data that holds [`HbaCounters`].
pub trait HasCounters: Send + Sync + 'static {
    /// The adapter's counters.
    fn counters(&self) -> &HbaCounters;
}

fn interrupts<H: HasCounters>(h: &H, w: &mut SysfsWriter<'_>) -> fmt::Result {
    writeln!(w, "{}", h.counters().interrupts.load(Relaxed))
}
fn resets<H: HasCounters>(h: &H, w: &mut SysfsWriter<'_>) -> fmt::Result {
    writeln!(w, "{}", h.counters().resets.load(Relaxed))
}
fn aborts<H: HasCounters>(h: &H, w: &mut SysfsWriter<'_>) -> fmt::Result {
    writeln!(w, "{}", h.counters().aborts.load(Relaxed))
}

/// The counter attributes of host data `H`, for
/// `HostOperations::HOST_ATTRIBUTES`.
pub struct CounterAttributes<H>(PhantomData<H>);

impl<H: HasCounters> CounterAttributes<H> {
    /// `orion_interrupts`, `orion_resets`, `orion_aborts`.
    pub const LIST: [Attribute<H>; 3] = [
        Attribute {
            name: c"orion_interrupts",
            show: interrupts::<H>,
            store: None,
        },
        Attribute {
            name: c"orion_resets",
            show: resets::<H>,
            store: None,
        },
        Attribute {
            name: c"orion_aborts",
            show: aborts::<H>,
            store: None,
        },
    ];
}
