// SPDX-License-Identifier: GPL-2.0

//! Driver-defined sysfs attributes of SCSI hosts (`/sys/class/scsi_host/hostN/`)
//! and devices (`/sys/class/scsi_device/H:C:T:L/device/`), one value per file.

use super::{device::Device, host::HostRef, operations::HostOperations};
use crate::bindings;
use core::{fmt, marker::PhantomData};
use kernel::{page::PAGE_SIZE, prelude::*};

/// Formats an attribute's value into the sysfs page buffer.
pub struct SysfsWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for SysfsWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).filter(|&e| e <= self.buf.len()).ok_or(fmt::Error)?;
        self.buf.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// One attribute: a name, how to show it, and optionally how to store it.
/// `O` is what the callbacks see: the host data or the device.
pub struct Attribute<O: ?Sized + 'static> {
    /// File name.
    pub name: &'static CStr,
    /// Writes the value (with a trailing newline).
    pub show: fn(&O, &mut SysfsWriter<'_>) -> fmt::Result,
    /// Parses a written value; `None` makes the file read-only.
    pub store: Option<fn(&O, &[u8]) -> Result>,
}

impl<O: ?Sized + 'static> Clone for Attribute<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: ?Sized + 'static> Copy for Attribute<O> {}

/// An attribute as sysfs sees it; `dev_attr` first so the C pointer to it
/// is a pointer to the slot.
#[repr(C)]
struct Slot<O: ?Sized + 'static> {
    dev_attr: bindings::device_attribute,
    attr: &'static Attribute<O>,
}

/// The C tables for a list of attributes: slots, the NULL-terminated
/// attribute array, the group and the NULL-terminated group array. Built
/// once per template; the pointers stay valid because nothing is resized.
pub(crate) struct AttributeTable<O: ?Sized + 'static> {
    _slots: KVec<Slot<O>>,
    _attrs: KVec<*mut bindings::attribute>,
    _group: KBox<bindings::attribute_group>,
    groups: KVec<*const bindings::attribute_group>,
}

// SAFETY: The tables are immutable after construction; the raw pointers
// point into the table itself.
unsafe impl<O: ?Sized> Send for AttributeTable<O> {}
// SAFETY: As above.
unsafe impl<O: ?Sized> Sync for AttributeTable<O> {}

/// Where the object of a C `struct device` comes from.
pub(crate) trait AttrObject<T: HostOperations> {
    /// The callbacks' argument.
    type Object: ?Sized + 'static;
    /// # Safety
    ///
    /// `dev` must be the sysfs device of a live host or device of `T`.
    unsafe fn object<'a>(dev: *mut bindings::device) -> &'a Self::Object;
}

/// Host attributes: `dev` is the host's `shost_dev`.
pub(crate) struct HostAttrs<T>(PhantomData<T>);
impl<T: HostOperations> AttrObject<T> for HostAttrs<T> {
    type Object = T::HostData;
    unsafe fn object<'a>(dev: *mut bindings::device) -> &'a T::HostData {
        // SAFETY: By the safety requirements `dev` is the class device of a
        // live host of `T`.
        unsafe { HostRef::<T>::from_raw(bindings::orion_helper_class_to_shost(dev)).data() }
    }
}

/// Device attributes: `dev` is the device's `sdev_gendev`.
pub(crate) struct DeviceAttrs<T>(PhantomData<T>);
impl<T: HostOperations> AttrObject<T> for DeviceAttrs<T> {
    type Object = Device<T>;
    unsafe fn object<'a>(dev: *mut bindings::device) -> &'a Device<T> {
        // SAFETY: By the safety requirements `dev` is the device of a live
        // SCSI device of `T`.
        unsafe { Device::from_raw(bindings::orion_helper_to_scsi_device(dev)) }
    }
}

impl<O: ?Sized + 'static> AttributeTable<O> {
    pub(crate) fn new<T: HostOperations, K: AttrObject<T, Object = O>>(
        list: &'static [Attribute<O>],
    ) -> Result<Self> {
        let mut slots = KVec::with_capacity(list.len(), GFP_KERNEL)?;
        for attr in list {
            let mut dev_attr = bindings::device_attribute::default();
            dev_attr.attr.name = attr.name.as_char_ptr();
            dev_attr.attr.mode = if attr.store.is_some() { 0o644 } else { 0o444 };
            dev_attr.__bindgen_anon_1.show = Some(show::<T, K>);
            if attr.store.is_some() {
                dev_attr.__bindgen_anon_2.store = Some(store::<T, K>);
            }
            slots.push(Slot { dev_attr, attr }, GFP_KERNEL)?;
        }
        let mut attrs = KVec::with_capacity(list.len() + 1, GFP_KERNEL)?;
        for slot in slots.iter_mut() {
            // SAFETY: The attribute lives in the table (not moved again)
            // and is not registered yet.
            unsafe { bindings::orion_helper_sysfs_attr_init(&raw mut slot.dev_attr.attr) };
            attrs.push(&raw mut slot.dev_attr.attr, GFP_KERNEL)?;
        }
        attrs.push(core::ptr::null_mut(), GFP_KERNEL)?;
        let mut group = KBox::new(bindings::attribute_group::default(), GFP_KERNEL)?;
        group.__bindgen_anon_2.attrs = attrs.as_mut_ptr();
        let mut groups = KVec::with_capacity(2, GFP_KERNEL)?;
        groups.push(&raw const *group, GFP_KERNEL)?;
        groups.push(core::ptr::null(), GFP_KERNEL)?;
        Ok(Self { _slots: slots, _attrs: attrs, _group: group, groups })
    }

    /// The NULL-terminated group array for the host template.
    pub(crate) fn groups(&self) -> *mut *const bindings::attribute_group {
        self.groups.as_ptr().cast_mut()
    }
}

/// # Safety
///
/// `attr` must be the `dev_attr` of a `Slot<K::Object>`.
unsafe fn slot_attr<O: ?Sized>(attr: *mut bindings::device_attribute) -> &'static Attribute<O> {
    // SAFETY: `dev_attr` is the first field of a `repr(C)` slot.
    unsafe { (*attr.cast::<Slot<O>>()).attr }
}

unsafe extern "C" fn show<T: HostOperations, K: AttrObject<T>>(
    dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs calls us with a live device of the table's kind, one of
    // our slots, and a PAGE_SIZE buffer.
    let (obj, attr, page) = unsafe {
        (
            K::object(dev),
            slot_attr::<K::Object>(attr),
            core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE),
        )
    };
    let mut w = SysfsWriter { buf: page, len: 0 };
    match (attr.show)(obj, &mut w) {
        Ok(()) => w.len as isize,
        Err(_) => EIO.to_errno() as isize,
    }
}

unsafe extern "C" fn store<T: HostOperations, K: AttrObject<T>>(
    dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs calls us with a live device of the table's kind, one of
    // our slots, and `count` bytes at `buf`.
    let (obj, attr, data) = unsafe {
        (
            K::object(dev),
            slot_attr::<K::Object>(attr),
            core::slice::from_raw_parts(buf.cast::<u8>(), count),
        )
    };
    match attr.store.map(|f| f(obj, data)) {
        Some(Ok(())) => count as isize,
        Some(Err(e)) => e.to_errno() as isize,
        None => EACCES.to_errno() as isize,
    }
}
