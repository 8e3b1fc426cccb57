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

impl<'a> SysfsWriter<'a> {
    /// A writer filling `buf` from its start.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl fmt::Write for SysfsWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&e| e <= self.buf.len())
            .ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
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

/// Most attributes a driver may declare per kind (host, device).
pub const MAX_ATTRIBUTES: usize = 24;

/// An attribute as sysfs sees it; `dev_attr` first so the C pointer to it
/// is a pointer to the slot.
#[repr(C)]
struct Slot<O: ?Sized + 'static> {
    dev_attr: bindings::device_attribute,
    attr: Option<&'static Attribute<O>>,
}

/// The C tables for a list of attributes: slots, the NULL-terminated
/// attribute array, the group and the NULL-terminated group array. They
/// live inside a [`super::Template`], in static storage, and point into
/// themselves, so they are built in place ([`Self::init`]).
#[repr(C)]
pub(crate) struct AttributeTable<O: ?Sized + 'static> {
    slots: [Slot<O>; MAX_ATTRIBUTES],
    attrs: [*mut bindings::attribute; MAX_ATTRIBUTES + 1],
    group: bindings::attribute_group,
    groups: [*const bindings::attribute_group; 2],
}

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
        let shost = unsafe { bindings::orion_helper_class_to_shost(dev) };
        // SAFETY: As above: a live host of `T` with initialised data.
        unsafe { HostRef::<T>::from_raw(shost) }.data()
    }
}

/// Device attributes: `dev` is the device's `sdev_gendev`.
pub(crate) struct DeviceAttrs<T>(PhantomData<T>);
impl<T: HostOperations> AttrObject<T> for DeviceAttrs<T> {
    type Object = Device<T>;
    unsafe fn object<'a>(dev: *mut bindings::device) -> &'a Device<T> {
        // SAFETY: By the safety requirements `dev` is the device of a live
        // SCSI device of `T`.
        let sdev = unsafe { bindings::orion_helper_to_scsi_device(dev) };
        // SAFETY: As above.
        unsafe { Device::from_raw(sdev) }
    }
}

impl<O: ?Sized + 'static> AttributeTable<O> {
    /// Builds the tables for `list` in place and returns the group array.
    ///
    /// # Safety
    ///
    /// `this` must be valid for writes, not in use by sysfs, and stay at its
    /// address for as long as the returned pointer is used.
    pub(crate) unsafe fn init<T: HostOperations, K: AttrObject<T, Object = O>>(
        this: *mut Self,
        list: &'static [Attribute<O>],
    ) -> Result<*mut *const bindings::attribute_group> {
        if list.len() > MAX_ATTRIBUTES {
            return Err(EINVAL);
        }
        // SAFETY: `this` is valid for writes (safety requirements); every
        // field is plain data for which all zeroes is valid.
        unsafe { core::ptr::write_bytes(this, 0, 1) };
        // SAFETY: Initialised (zeroed) above and not shared yet.
        let table = unsafe { &mut *this };
        for ((slot, attr_ptr), attr) in table.slots.iter_mut().zip(table.attrs.iter_mut()).zip(list)
        {
            slot.dev_attr.attr.name = attr.name.as_char_ptr();
            slot.dev_attr.attr.mode = if attr.store.is_some() { 0o644 } else { 0o444 };
            slot.dev_attr.__bindgen_anon_1.show = Some(show::<T, K>);
            if attr.store.is_some() {
                slot.dev_attr.__bindgen_anon_2.store = Some(store::<T, K>);
            }
            slot.attr = Some(attr);
            // No `sysfs_attr_init`: the table is in static module memory, so
            // lockdep accepts each attribute's own `skey` as its class key.
            *attr_ptr = &raw mut slot.dev_attr.attr;
        }
        // The entry after the last attribute stays NULL (zeroed above).
        table.group.__bindgen_anon_2.attrs = table.attrs.as_mut_ptr();
        table.groups[0] = &raw const table.group;
        Ok(table.groups.as_mut_ptr())
    }
}

/// # Safety
///
/// `attr` must be the `dev_attr` of a `Slot<O>` filled by [`AttributeTable::init`].
unsafe fn slot_attr<O: ?Sized>(
    attr: *mut bindings::device_attribute,
) -> Option<&'static Attribute<O>> {
    // SAFETY: `dev_attr` is the first field of a `repr(C)` slot.
    unsafe { (*attr.cast::<Slot<O>>()).attr }
}

/// The `show` callback of every attribute, installed by [`AttributeTable::init`].
///
/// # Safety
///
/// Only sysfs calls this, for an attribute of a table built by
/// [`AttributeTable::init`] for `T` and `K`: `dev` must be the live device
/// of an object of `K`'s kind, `attr` a slot of that table, and `buf` a
/// `PAGE_SIZE` buffer writable for the duration of the call.
unsafe extern "C" fn show<T: HostOperations, K: AttrObject<T>>(
    dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: sysfs calls us with a live device of the table's kind.
    let obj = unsafe { K::object(dev) };
    // SAFETY: `attr` is one of our filled slots.
    let Some(attr) = (unsafe { slot_attr::<K::Object>(attr) }) else {
        return EIO.to_errno() as isize;
    };
    // SAFETY: sysfs passes a PAGE_SIZE buffer that is ours during the call.
    // One byte less: sysfs warns about a show that fills the page.
    let page = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE - 1) };
    let mut w = SysfsWriter { buf: page, len: 0 };
    match (attr.show)(obj, &mut w) {
        Ok(()) => w.len as isize,
        Err(_) => EIO.to_errno() as isize,
    }
}

/// The `store` callback of writable attributes, installed by
/// [`AttributeTable::init`].
///
/// # Safety
///
/// Only sysfs calls this, for an attribute of a table built by
/// [`AttributeTable::init`] for `T` and `K`: `dev` must be the live device
/// of an object of `K`'s kind, `attr` a slot of that table, and `buf` must
/// point to `count` bytes readable for the duration of the call.
unsafe extern "C" fn store<T: HostOperations, K: AttrObject<T>>(
    dev: *mut bindings::device,
    attr: *mut bindings::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    // SAFETY: sysfs calls us with a live device of the table's kind.
    let obj = unsafe { K::object(dev) };
    // SAFETY: `attr` is one of our filled slots.
    let Some(attr) = (unsafe { slot_attr::<K::Object>(attr) }) else {
        return EIO.to_errno() as isize;
    };
    // SAFETY: sysfs passes `count` readable bytes at `buf` for the call.
    let data = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    match attr.store.map(|f| f(obj, data)) {
        Some(Ok(())) => count as isize,
        Some(Err(e)) => e.to_errno() as isize,
        None => EACCES.to_errno() as isize,
    }
}
