// SPDX-License-Identifier: GPL-2.0

//! The SPI (parallel SCSI) transport class, `scsi_transport_spi`.
//!
//! A parallel SCSI driver keeps one [`SpiTransport`] in a `static` next to
//! its [`Template`], attaches it at module init ([`SpiTransport::attach`],
//! which makes every host created from the template an SPI host) and keeps
//! the returned [`SpiRegistration`] until module exit. The class then shows
//! `/sys/class/spi_transport/targetH:C:T/` (period, offset, width, dt, ...)
//! for each target and `/sys/class/spi_host/hostN/signalling`.
//!
//! The driver records each target's transfer agreement with
//! [`SpiTarget::set_agreement`] after negotiating it, and reacts to sysfs
//! writes through [`SpiOperations`] (which record a new goal; the driver
//! renegotiates on the next command to the target).
//!
//! Lifetimes: the C function table lives in the static; the transport
//! template it registers is released when the [`SpiRegistration`] drops, at
//! module exit. Hosts hold a module reference through their devices, so no
//! host of the module outlives it.

use super::{
    device::{Device, Target},
    host::{HostRef, Template},
    operations::HostOperations,
    transport::TransportTeardown,
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::atomic::{Acquire, Atomic, Full, Release},
    types::Opaque,
};

/// Bus signalling, as `/sys/class/spi_host/hostN/signalling` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signalling {
    /// Not known.
    Unknown,
    /// Single-ended.
    SingleEnded,
    /// Low-voltage differential.
    Lvd,
    /// High-voltage differential.
    Hvd,
}

impl Signalling {
    fn to_c(self) -> bindings::spi_signal_type {
        match self {
            Signalling::Unknown => bindings::spi_signal_type_SPI_SIGNAL_UNKNOWN,
            Signalling::SingleEnded => bindings::spi_signal_type_SPI_SIGNAL_SE,
            Signalling::Lvd => bindings::spi_signal_type_SPI_SIGNAL_LVD,
            Signalling::Hvd => bindings::spi_signal_type_SPI_SIGNAL_HVD,
        }
    }
}

/// A transfer agreement with a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// Transfer period factor (SDTR/PPR); meaningless when `offset` is 0.
    pub period: i32,
    /// REQ/ACK offset; 0 means asynchronous.
    pub offset: i32,
    /// Wide (16-bit) transfers.
    pub wide: bool,
    /// DT (double transition) clocking.
    pub dt: bool,
}

impl Agreement {
    /// Asynchronous, narrow: what a target that never answers negotiation
    /// messages has agreed to.
    pub const ASYNC_NARROW: Self = Self {
        period: 0,
        offset: 0,
        wide: false,
        dt: false,
    };
}

/// Which transport attributes a driver shows in sysfs (read-only unless the
/// driver implements the matching [`SpiOperations`] setter).
#[derive(Clone, Copy, Debug)]
pub struct SpiShow {
    /// `period`, `min_period`.
    pub period: bool,
    /// `offset`, `max_offset`.
    pub offset: bool,
    /// `width`, `max_width`.
    pub width: bool,
    /// `dt`.
    pub dt: bool,
}

/// The transport class callbacks of a parallel SCSI driver.
#[vtable]
pub trait SpiOperations: HostOperations {
    /// Attributes shown in sysfs.
    const SHOW: SpiShow;

    /// Bus signalling of the host.
    fn signalling(_host: &Self::HostData) -> Signalling {
        Signalling::Unknown
    }

    /// A new period goal was written (`period` sysfs file, or domain
    /// validation): renegotiate on the next command to the target.
    fn set_period(_host: &Self::HostData, _target: &SpiTarget, _period: i32) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A new offset goal (0 asks for asynchronous transfers).
    fn set_offset(_host: &Self::HostData, _target: &SpiTarget, _offset: i32) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A new width goal (0 narrow, 1 wide).
    fn set_width(_host: &Self::HostData, _target: &SpiTarget, _wide: bool) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A new DT goal.
    fn set_dt(_host: &Self::HostData, _target: &SpiTarget, _dt: bool) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// States of [`SpiTransport::state`].
const SPI_NEW: i32 = 0;
const SPI_ATTACHING: i32 = 1;
const SPI_ATTACHED: i32 = 2;

/// The SPI transport of driver `T`, kept in a `static`.
pub struct SpiTransport<T: SpiOperations> {
    ft: Opaque<bindings::spi_function_template>,
    state: Atomic<i32>,
    /// The registered transport template while attached, else null.
    tt: Atomic<*mut bindings::scsi_transport_template>,
    _p: PhantomData<T>,
}

// SAFETY: The function table is written once by `attach` (guarded by
// `state`) before the class reads it; afterwards it is only read.
unsafe impl<T: SpiOperations> Send for SpiTransport<T> {}
// SAFETY: As above.
unsafe impl<T: SpiOperations> Sync for SpiTransport<T> {}

impl<T: SpiOperations> SpiTransport<T> {
    /// An unattached transport, for a `static`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            ft: Opaque::uninit(),
            state: Atomic::new(SPI_NEW),
            tt: Atomic::new(core::ptr::null_mut()),
            _p: PhantomData,
        }
    }

    /// Registers the transport with the SPI class and makes every host
    /// created from `template` from now on an SPI host. Keep the returned
    /// registration until module exit.
    pub fn attach(&'static self, template: &'static Template<T>) -> Result<SpiRegistration<T>> {
        if self.state.cmpxchg(SPI_NEW, SPI_ATTACHING, Full).is_err() {
            return Err(EBUSY);
        }
        // Only the setters the driver implements: the default methods do
        // not link.
        let mut ft = bindings::spi_function_template {
            get_signalling: Some(get_signalling::<T>),
            ..Default::default()
        };
        if T::HAS_SET_PERIOD {
            ft.set_period = Some(set_period::<T>);
        }
        if T::HAS_SET_OFFSET {
            ft.set_offset = Some(set_offset::<T>);
        }
        if T::HAS_SET_WIDTH {
            ft.set_width = Some(set_width::<T>);
        }
        if T::HAS_SET_DT {
            ft.set_dt = Some(set_dt::<T>);
        }
        ft.set_show_period(usize::from(T::SHOW.period));
        ft.set_show_offset(usize::from(T::SHOW.offset));
        ft.set_show_width(usize::from(T::SHOW.width));
        ft.set_show_dt(usize::from(T::SHOW.dt));
        // SAFETY: `ATTACHING` gives us exclusive access; nothing reads the
        // table before `spi_attach_transport` below.
        unsafe { self.ft.get().write(ft) };
        // SAFETY: The table is in static storage and filled.
        let tt = unsafe { bindings::spi_attach_transport(self.ft.get()) };
        let Some(tt) = NonNull::new(tt) else {
            self.state.store(SPI_NEW, Release);
            return Err(ENOMEM);
        };
        if let Err(e) = template.set_transport(tt.as_ptr(), TransportTeardown::None) {
            // SAFETY: Attached above and not used by any host.
            unsafe { bindings::spi_release_transport(tt.as_ptr()) };
            self.state.store(SPI_NEW, Release);
            return Err(e);
        }
        self.tt.store(tt.as_ptr(), Release);
        self.state.store(SPI_ATTACHED, Release);
        Ok(SpiRegistration {
            tt,
            template,
            transport: self,
        })
    }

    /// The SPI view of `dev`'s target. `None` unless the device's host was
    /// created from a template this transport is attached to.
    pub fn target_of<'a>(&'static self, dev: &'a Device<T>) -> Option<&'a SpiTarget> {
        let tt = self.tt.load(Acquire);
        let sdev = dev.raw();
        // SAFETY: A live device points to its live host.
        let host_tt = unsafe { (*(*sdev).host).transportt };
        if tt.is_null() || host_tt != tt {
            return None;
        }
        // SAFETY: A live device's parent is its live target.
        let starget = unsafe { bindings::orion_helper_scsi_target(sdev) };
        // SAFETY: The host has this SPI transport, so the target's
        // `starget_data` holds its `spi_transport_attrs`; the target lives
        // as long as its device.
        Some(unsafe { SpiTarget::from_raw(starget) })
    }
}

/// Keeps an [`SpiTransport`] registered; drop it at module exit.
pub struct SpiRegistration<T: SpiOperations> {
    tt: NonNull<bindings::scsi_transport_template>,
    template: &'static Template<T>,
    transport: &'static SpiTransport<T>,
}

// SAFETY: Only dropped (released) once; the pointer is not used otherwise.
unsafe impl<T: SpiOperations> Send for SpiRegistration<T> {}
// SAFETY: As above; no method touches the pointer through `&self`.
unsafe impl<T: SpiOperations> Sync for SpiRegistration<T> {}

impl<T: SpiOperations> Drop for SpiRegistration<T> {
    fn drop(&mut self) {
        self.template.clear_transport();
        self.transport.tt.store(core::ptr::null_mut(), Release);
        self.transport.state.store(SPI_NEW, Release);
        // SAFETY: Attached by `SpiTransport::attach`. At module exit no host
        // of the module is left: every device holds a module reference.
        unsafe { bindings::spi_release_transport(self.tt.as_ptr()) };
    }
}

/// The SPI transport attributes of a target (`struct
/// spi_transport_attrs`, in the target's transport data).
///
/// # Invariants
///
/// The wrapped target is live and belongs to a host with an SPI transport.
#[repr(transparent)]
pub struct SpiTarget(Opaque<bindings::scsi_target>);

impl SpiTarget {
    /// # Safety
    ///
    /// `starget` must be live for `'a` and belong to a host whose transport
    /// is an SPI transport.
    unsafe fn from_raw<'a>(starget: *mut bindings::scsi_target) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; live for `'a`.
        unsafe { &*starget.cast::<Self>() }
    }

    fn attrs(&self) -> *mut bindings::spi_transport_attrs {
        // SAFETY: By the type invariant the target is live and its transport
        // data holds SPI attributes.
        unsafe { bindings::orion_helper_spi_attrs(self.0.get()) }
    }

    /// The target as a generic SCSI target.
    pub fn target(&self) -> &Target {
        // SAFETY: The target is live for as long as `self`.
        unsafe { Target::from_raw(self.0.get()) }
    }

    /// The agreement currently recorded for the target.
    pub fn agreement(&self) -> Agreement {
        let a = self.attrs();
        // SAFETY: The attributes are live (type invariant); plain reads of
        // fields the driver and sysfs update under the class's rules.
        unsafe {
            Agreement {
                period: (*a).period,
                offset: (*a).offset,
                wide: (*a).width() != 0,
                dt: (*a).dt() != 0,
            }
        }
    }

    /// Records the agreement the driver negotiated (or fell back to), so
    /// sysfs and the class's messages show it.
    pub fn set_agreement(&self, agreed: Agreement) {
        let a = self.attrs();
        // SAFETY: The attributes are live (type invariant); the driver is
        // the writer of the agreement fields.
        unsafe {
            (*a).period = agreed.period;
            (*a).offset = agreed.offset;
            (*a).set_width(u32::from(agreed.wide));
            (*a).set_dt(u32::from(agreed.dt));
        }
    }

    /// Sets the limits shown as `min_period`, `max_offset`, `max_width`.
    pub fn set_limits(&self, min_period: i32, max_offset: i32, max_wide: bool) {
        let a = self.attrs();
        // SAFETY: As for `set_agreement`.
        unsafe {
            (*a).min_period = min_period;
            (*a).max_offset = max_offset;
            (*a).set_max_width(u32::from(max_wide));
        }
    }

    /// Whether domain validation ran for the target already.
    pub fn initial_dv_done(&self) -> bool {
        // SAFETY: As for `agreement`.
        unsafe { (*self.attrs()).initial_dv() != 0 }
    }

    /// Logs the agreement the way the SPI class does ("asynchronous", or
    /// "FAST-20 WIDE SCSI 40.0 MB/s ST (50 ns, offset 31)").
    pub fn display_agreement(&self) {
        // SAFETY: The target is live and has SPI attributes.
        unsafe { bindings::spi_display_xfer_agreement(self.0.get()) };
    }
}

impl<T: SpiOperations> Device<T> {
    /// Runs SPI domain validation for the device's target (sleeps; call it
    /// from [`HostOperations::sdev_configure`] when
    /// [`SpiTarget::initial_dv_done`] is false, as SPI drivers do).
    /// `transport` must be the driver's attached transport; without it
    /// nothing happens.
    pub fn spi_domain_validation(&self, transport: &'static SpiTransport<T>) {
        if transport.target_of(self).is_some() {
            // SAFETY: The device is live and its host is an SPI host; the
            // caller is in process context (sdev_configure).
            unsafe { bindings::spi_dv_device(self.raw()) };
        }
    }
}

/// # Safety
///
/// `starget` must be a live target of a host of `T` with its SPI transport.
unsafe fn host_of<'a, T: SpiOperations>(starget: *mut bindings::scsi_target) -> &'a T::HostData {
    // SAFETY: A live target's parent is its host's `shost_gendev`.
    let shost = unsafe { bindings::orion_helper_dev_to_shost((*starget).dev.parent) };
    // SAFETY: The host is live and belongs to `T`.
    unsafe { HostRef::<T>::from_raw(shost) }.data()
}

/// `set_period` of the C function table.
///
/// # Safety
///
/// Called by the SPI class with a live target of a host of `T`.
unsafe extern "C" fn set_period<T: SpiOperations>(starget: *mut bindings::scsi_target, v: c_int) {
    // SAFETY: See the function's safety section.
    let (host, t) = unsafe { (host_of::<T>(starget), SpiTarget::from_raw(starget)) };
    T::set_period(host, t, v)
}

/// `set_offset` of the C function table.
///
/// # Safety
///
/// As for [`set_period`].
unsafe extern "C" fn set_offset<T: SpiOperations>(starget: *mut bindings::scsi_target, v: c_int) {
    // SAFETY: See the function's safety section.
    let (host, t) = unsafe { (host_of::<T>(starget), SpiTarget::from_raw(starget)) };
    T::set_offset(host, t, v)
}

/// `set_width` of the C function table.
///
/// # Safety
///
/// As for [`set_period`].
unsafe extern "C" fn set_width<T: SpiOperations>(starget: *mut bindings::scsi_target, v: c_int) {
    // SAFETY: See the function's safety section.
    let (host, t) = unsafe { (host_of::<T>(starget), SpiTarget::from_raw(starget)) };
    T::set_width(host, t, v != 0)
}

/// `set_dt` of the C function table.
///
/// # Safety
///
/// As for [`set_period`].
unsafe extern "C" fn set_dt<T: SpiOperations>(starget: *mut bindings::scsi_target, v: c_int) {
    // SAFETY: See the function's safety section.
    let (host, t) = unsafe { (host_of::<T>(starget), SpiTarget::from_raw(starget)) };
    T::set_dt(host, t, v != 0)
}

/// `get_signalling` of the C function table.
///
/// # Safety
///
/// Called by the SPI class with a live host of `T` with its SPI transport.
unsafe extern "C" fn get_signalling<T: SpiOperations>(shost: *mut bindings::Scsi_Host) {
    // SAFETY: See the function's safety section.
    let host = unsafe { HostRef::<T>::from_raw(shost) };
    let sig = T::signalling(host.data()).to_c();
    // SAFETY: The host's transport data holds its `spi_host_attrs`.
    unsafe { bindings::orion_helper_spi_set_signalling(shost, sig) };
}
