// SPDX-License-Identifier: GPL-2.0

//! PCI drivers with a `shutdown` callback, which 7.3's `kernel::pci` lacks.
//!
//! At reboot, power-off and kexec the driver core calls each bound PCI
//! driver's `shutdown` (children first: the disks' `sd_shutdown` has run).
//! A storage controller uses it to flush its cache and stop its firmware;
//! the device stays bound and no `unbind` follows. [`Adapter`] registers a
//! driver exactly as `kernel::pci::Adapter` does, plus that callback.

use core::{marker::PhantomData, pin::Pin};
use kernel::{
    bindings,
    device::{Core, CoreInternal},
    driver::{self, DriverLayout, RegistrationOps},
    pci,
    prelude::*,
    str::CStr,
    types::Opaque,
    ThisModule,
};

/// A PCI driver that quiesces its device at shutdown.
pub trait ShutdownDriver: pci::Driver + 'static {
    /// Quiesces the device for reboot or power-off: flush what it caches,
    /// stop its DMA and interrupts. Called with the device lock held, on a
    /// device whose `probe` succeeded and that is still bound.
    fn shutdown<'bound>(pdev: &'bound pci::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>);
}

/// Registration adapter: `kernel::pci::Adapter<T>` plus `shutdown`.
pub struct Adapter<T: ShutdownDriver>(PhantomData<T>);

// SAFETY: The layout is `kernel::pci::Adapter<T>`'s, whose registration
// this one performs: `struct pci_driver` (a C `repr(C)` type), `T::Data` as
// the device's private data, the embedded `struct device_driver` at the
// offset that adapter gives.
unsafe impl<T: ShutdownDriver> DriverLayout for Adapter<T> {
    type DriverType = bindings::pci_driver;
    type DriverData<'bound> = T::Data<'bound>;
    const DEVICE_DRIVER_OFFSET: usize = <pci::Adapter<T> as DriverLayout>::DEVICE_DRIVER_OFFSET;
}

// SAFETY: `unregister` is `kernel::pci::Adapter<T>`'s, after its `register`.
unsafe impl<T: ShutdownDriver> RegistrationOps for Adapter<T> {
    unsafe fn register(
        pdrv: &Opaque<bindings::pci_driver>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        // SAFETY: The driver is not registered yet: its fields may be set.
        unsafe { (*pdrv.get()).shutdown = Some(shutdown_callback::<T>) };
        // SAFETY: The caller keeps `pdrv` pinned and valid until
        // `unregister`, as `kernel::pci::Adapter` requires.
        unsafe { <pci::Adapter<T> as RegistrationOps>::register(pdrv, name, module) }
    }

    unsafe fn unregister(pdrv: &Opaque<bindings::pci_driver>) {
        // SAFETY: The caller's promise: `register` succeeded on `pdrv`.
        unsafe { <pci::Adapter<T> as RegistrationOps>::unregister(pdrv) }
    }
}

extern "C" fn shutdown_callback<T: ShutdownDriver>(pdev: *mut bindings::pci_dev) {
    // SAFETY: The PCI core calls `shutdown` with a valid `pci_dev`, under
    // its device lock (`device_shutdown`), for the duration of the call.
    let pdev = unsafe { &*pdev.cast::<pci::Device<CoreInternal<'_>>>() };
    // SAFETY: `pci_device_shutdown` calls this only while the device is
    // bound to this driver (`pci_dev->driver` set), that is after
    // `kernel::pci::Adapter<T>`'s probe stored a `Pin<KBox<T::Data>>` and
    // before its remove takes it back (both also under the device lock).
    let data = unsafe { pdev.as_ref().drvdata_borrow::<T::Data<'_>>() };
    T::shutdown(pdev, data);
}

/// A registered PCI driver with a `shutdown` callback.
pub type Registration<T> = driver::Registration<Adapter<T>>;
