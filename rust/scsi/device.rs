// SPDX-License-Identifier: GPL-2.0

//! SCSI devices (logical units) and targets.

use super::{host::HostRef, operations::HostOperations};
use crate::bindings;
use core::marker::PhantomData;
use kernel::types::Opaque;

/// A SCSI device (`struct scsi_device`, one logical unit) of a host of `T`.
///
/// # Invariants
///
/// The wrapped device is live and belongs to a host of `T`.
#[repr(transparent)]
pub struct Device<T: HostOperations>(Opaque<bindings::scsi_device>, PhantomData<T>);

impl<T: HostOperations> Device<T> {
    /// # Safety
    ///
    /// `sdev` must be a live device of a host of `T` for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(sdev: *mut bindings::scsi_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; the device is live for `'a`.
        unsafe { &*sdev.cast::<Self>() }
    }

    pub(crate) fn raw(&self) -> *mut bindings::scsi_device {
        self.0.get()
    }

    /// The device's `struct device`, for `dev_*` logging: messages read
    /// `sd H:C:T:L: ...` like the midlayer's own `sdev_printk`.
    pub fn as_dev(&self) -> &kernel::device::Device {
        // SAFETY: The device is live, and with it its embedded `sdev_gendev`.
        unsafe { kernel::device::Device::from_raw(&raw mut (*self.raw()).sdev_gendev) }
    }

    /// Channel (bus) number.
    pub fn channel(&self) -> u32 {
        // SAFETY: By the type invariant the device is live; the address
        // fields do not change after allocation.
        unsafe { (*self.raw()).channel }
    }

    /// Target id.
    pub fn id(&self) -> u32 {
        // SAFETY: As for `channel`.
        unsafe { (*self.raw()).id }
    }

    /// Whether the midlayer tags the device's commands (it supports tagged
    /// command queueing: `simple_tags`).
    pub fn tagged(&self) -> bool {
        // SAFETY: By the type invariant the device is live; the flag is set
        // at scan, before the device gets commands.
        unsafe { (*self.raw()).simple_tags() != 0 }
    }

    /// Logical unit number.
    pub fn lun(&self) -> u64 {
        // SAFETY: As for `channel`.
        unsafe { (*self.raw()).lun }
    }

    /// Current queue depth.
    pub fn queue_depth(&self) -> u32 {
        // SAFETY: The device is live; a racy read of an integer is fine here.
        u32::from(unsafe { core::ptr::read_volatile(&raw const (*self.raw()).queue_depth) })
    }

    /// Sets the queue depth (from `sdev_configure`).
    pub fn set_queue_depth(&self, depth: u32) {
        let depth = i32::try_from(depth).unwrap_or(i32::MAX);
        // SAFETY: The device is live; the midlayer serialises queue depth changes.
        unsafe { bindings::scsi_change_queue_depth(self.raw(), depth) };
    }

    /// Sets the command timeout of the device's request queue (what sysfs
    /// `timeout` shows); call from `sdev_configure`, before sd attaches.
    pub fn set_timeout_ms(&self, ms: u32) {
        let jiffies = u32::try_from(kernel::time::msecs_to_jiffies(ms)).unwrap_or(u32::MAX);
        // SAFETY: The device is live.
        let q = unsafe { (*self.raw()).request_queue };
        // SAFETY: The request queue of a live device is live.
        unsafe { bindings::blk_queue_rq_timeout(q, jiffies) };
    }

    /// The driver's data for this device; `None` before `sdev_init` finished.
    pub fn data(&self) -> Option<&T::DeviceData> {
        // SAFETY: `hostdata` is null or a `T::DeviceData` set by `sdev_init`
        // that lives until `sdev_destroy`, after the last command.
        unsafe { (*self.raw()).hostdata.cast::<T::DeviceData>().as_ref() }
    }

    /// The host the device belongs to.
    pub fn host(&self) -> &HostRef<T> {
        // SAFETY: A live device points to its live host of `T`.
        unsafe { HostRef::from_raw((*self.raw()).host) }
    }
}

/// A SCSI target (`struct scsi_target`).
///
/// # Invariants
///
/// The wrapped target is live.
#[repr(transparent)]
pub struct Target(Opaque<bindings::scsi_target>);

impl Target {
    /// # Safety
    ///
    /// `starget` must be live for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(starget: *mut bindings::scsi_target) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; the target is live for `'a`.
        unsafe { &*starget.cast::<Self>() }
    }

    pub(crate) fn raw(&self) -> *mut bindings::scsi_target {
        self.0.get()
    }

    /// Channel (bus) number.
    pub fn channel(&self) -> u32 {
        // SAFETY: The target is live; its address does not change.
        unsafe { (*self.0.get()).channel }
    }

    /// Target id.
    pub fn id(&self) -> u32 {
        // SAFETY: As for `channel`.
        unsafe { (*self.0.get()).id }
    }
}

/// A target being set up (`target_alloc`): it has no devices yet, so
/// nothing else reads the fields it may set.
///
/// # Invariants
///
/// The wrapped target is live and inside its `target_alloc` callback.
#[repr(transparent)]
pub struct NewTarget(Target);

impl NewTarget {
    /// # Safety
    ///
    /// `starget` must be live for `'a` and inside its `target_alloc`
    /// callback for all of `'a`.
    pub(crate) unsafe fn from_raw<'a>(starget: *mut bindings::scsi_target) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `Target`, itself one of
        // the C target; the caller guarantees the rest.
        unsafe { &*starget.cast::<Self>() }
    }

    /// Caps the commands the midlayer has outstanding to this target, all
    /// its LUNs together (`starget->can_queue`; 0: no cap). Past it the
    /// target reports busy to the block layer, which waits.
    pub fn set_can_queue(&self, commands: u32) {
        // SAFETY: By the type invariant the target is live and still in
        // `target_alloc`: no device exists to dispatch through it, so no
        // one reads `can_queue` concurrently.
        unsafe { (*self.0 .0.get()).can_queue = commands };
    }
}

impl core::ops::Deref for NewTarget {
    type Target = Target;

    fn deref(&self) -> &Target {
        &self.0
    }
}
