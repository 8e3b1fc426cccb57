// SPDX-License-Identifier: GPL-2.0

//! SCSI hosts: the template a driver registers once, the [`Host`] it owns per
//! adapter, and the borrowed [`HostRef`].

use super::{
    command::{CmdStatus, Command, CommandRef},
    layout,
    operations::{EhContext, HostOperations, OperationsVTable},
    sysfs::{AttributeTable, DeviceAttrs, HostAttrs},
    transport::{TopologyGate, TransportTeardown},
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::sync::atomic::{Acquire, Release};
use kernel::{
    device,
    error::to_result,
    prelude::*,
    sync::atomic::{Atomic, Full},
    sync::rcu,
    types::Opaque,
};

/// Per-host limits, applied when the host is created.
#[derive(Clone, Copy, Debug)]
pub struct HostConfig {
    /// Commands the host accepts at once (per hardware queue unless `host_tagset`).
    pub can_queue: u32,
    /// Default queue depth of a device.
    pub cmd_per_lun: u16,
    /// Maximum scatter-gather entries per command.
    pub sg_tablesize: u16,
    /// Maximum transfer, in 512-byte sectors.
    pub max_sectors: u32,
    /// Maximum size of one scatter-gather segment.
    pub max_segment_size: u32,
    /// Segments may not cross this boundary (mask).
    pub dma_boundary: u64,
    /// Tags are shared by all hardware queues.
    pub host_tagset: bool,
    /// Number of blk-mq hardware queues, polled ones included.
    pub nr_hw_queues: u32,
    /// Of `nr_hw_queues`, the last this many are polled (io_uring
    /// `IORING_SETUP_IOPOLL`, `RWF_HIPRI`): their commands complete when the
    /// block layer calls the driver's `mq_poll`, not from an interrupt.
    /// Needs the driver's `map_queues` (calling
    /// [`HostRef::map_queues_default`]) and `mq_poll`. 0: none.
    pub nr_poll_queues: u32,
    /// The host's own id on the bus, or -1.
    pub this_id: i32,
    /// Highest target id + 1.
    pub max_id: u32,
    /// Highest LUN + 1.
    pub max_lun: u64,
    /// Highest channel number.
    pub max_channel: u32,
    /// Longest CDB accepted.
    pub max_cmd_len: u16,
}

impl HostConfig {
    /// Defaults matching the midlayer's own.
    pub const DEFAULT: Self = Self {
        can_queue: 64,
        cmd_per_lun: 1,
        sg_tablesize: 128,
        max_sectors: 1024,
        max_segment_size: 65536,
        dma_boundary: 0xffff_ffff,
        host_tagset: false,
        nr_hw_queues: 1,
        nr_poll_queues: 0,
        this_id: -1,
        max_id: 8,
        max_lun: 8,
        max_channel: 0,
        max_cmd_len: 16,
    };
}

/// Template states, in `Template::state`.
const TEMPLATE_NEW: i32 = 0;
const TEMPLATE_FILLING: i32 = 1;
const TEMPLATE_READY: i32 = 2;

/// A host template (`struct scsi_host_template`) for driver `T`.
///
/// The midlayer keeps a pointer to the template in every `Scsi_Host` made
/// from it and reads it until the last reference to the host and its
/// devices is gone, which can be long after the driver let go of the host
/// (an `sd` or `sg` file held open across a PCI unbind). A template
/// therefore lives in a `static` of the driver, for the module's lifetime:
///
/// ```ignore
/// static TEMPLATE: Template<MyOps> = Template::new();
/// // At module init (or first probe):
/// TEMPLATE.init(module, c"My adapter", c"my_hba", &HostConfig::DEFAULT)?;
/// ```
///
/// [`Host::new`] takes `&'static Template<T>`, so a template that could go
/// away before its hosts cannot be used at all.
#[repr(C)]
pub struct Template<T: HostOperations> {
    sht: Opaque<bindings::scsi_host_template>,
    host_attrs: Opaque<AttributeTable<T::HostData>>,
    device_attrs: Opaque<AttributeTable<super::Device<T>>>,
    state: Atomic<i32>,
    /// The transport class template hosts get (`shost->transportt`), set
    /// by a transport's `attach` (e.g. [`super::spi::SpiTransport`]).
    transport: Atomic<*mut bindings::scsi_transport_template>,
    /// The transport's [`TransportTeardown`], for hosts created from now on.
    teardown: Atomic<i32>,
    _p: PhantomData<T>,
}

// SAFETY: The C parts are written once, by `init` (guarded by `state`),
// before any host uses them; afterwards they are only read.
unsafe impl<T: HostOperations> Send for Template<T> {}
// SAFETY: As above.
unsafe impl<T: HostOperations> Sync for Template<T> {}

impl<T: HostOperations> Template<T> {
    /// An empty template, for a `static`; [`Self::init`] fills it.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            sht: Opaque::uninit(),
            host_attrs: Opaque::uninit(),
            device_attrs: Opaque::uninit(),
            state: Atomic::new(TEMPLATE_NEW),
            transport: Atomic::new(core::ptr::null_mut()),
            teardown: Atomic::new(TransportTeardown::None as i32),
            _p: PhantomData,
        }
    }

    /// Fills the template once. `proc_name` names the driver in sysfs
    /// (`/sys/class/scsi_host/hostN/proc_name`) and `lsscsi -H`;
    /// `defaults` are the limits hosts start from. A template filled already
    /// is left as it is (`Ok`).
    pub fn init(
        &'static self,
        module: &'static ThisModule,
        name: &'static CStr,
        proc_name: &'static CStr,
        defaults: &HostConfig,
    ) -> Result {
        match self.state.cmpxchg(TEMPLATE_NEW, TEMPLATE_FILLING, Full) {
            Ok(_) => {}
            Err(TEMPLATE_READY) => return Ok(()),
            Err(_) => return Err(EBUSY),
        }
        let filled = self.fill(module, name, proc_name, defaults);
        self.state.store(
            if filled.is_ok() {
                TEMPLATE_READY
            } else {
                TEMPLATE_NEW
            },
            Release,
        );
        filled
    }

    fn fill(
        &'static self,
        module: &'static ThisModule,
        name: &'static CStr,
        proc_name: &'static CStr,
        d: &HostConfig,
    ) -> Result {
        // SAFETY: `FILLING` gives us exclusive access; the tables are in
        // static storage, so they keep their address.
        let shost_groups = unsafe {
            AttributeTable::init::<T, HostAttrs<T>>(self.host_attrs.get(), T::HOST_ATTRIBUTES)?
        };
        // SAFETY: As above.
        let sdev_groups = unsafe {
            AttributeTable::init::<T, DeviceAttrs<T>>(
                self.device_attrs.get(),
                T::DEVICE_ATTRIBUTES,
            )?
        };
        let mut t = bindings::scsi_host_template {
            module: module.as_ptr(),
            name: name.as_char_ptr(),
            proc_name: proc_name.as_char_ptr(),
            can_queue: i32::try_from(d.can_queue).map_err(|_| EINVAL)?,
            cmd_per_lun: i16::try_from(d.cmd_per_lun).map_err(|_| EINVAL)?,
            sg_tablesize: d.sg_tablesize,
            max_sectors: d.max_sectors,
            max_segment_size: d.max_segment_size,
            dma_boundary: usize::try_from(d.dma_boundary).unwrap_or(usize::MAX),
            this_id: d.this_id,
            shost_groups,
            sdev_groups,
            ..Default::default()
        };
        t.set_host_tagset(u32::from(d.host_tagset));
        t.set_track_queue_depth(1);
        t.set_skip_settle_delay(u32::from(T::SKIP_RESET_SETTLE));
        OperationsVTable::<T>::fill(&mut t);
        // SAFETY: `FILLING` gives us exclusive access to the C template.
        unsafe { self.sht.get().write(t) };
        Ok(())
    }

    /// Makes hosts created from now on members of transport class `tt`,
    /// whose objects [`Host::remove`] tears down with `teardown`.
    pub(crate) fn set_transport(
        &self,
        tt: *mut bindings::scsi_transport_template,
        teardown: TransportTeardown,
    ) -> Result {
        // The teardown before the transport: a host that sees the transport
        // sees its teardown (`Host::new` reads them in the other order).
        self.teardown
            .cmpxchg(TransportTeardown::None as i32, teardown as i32, Full)
            .map_err(|_| EBUSY)?;
        if self
            .transport
            .cmpxchg(core::ptr::null_mut(), tt, Full)
            .is_err()
        {
            // Another transport, whose teardown is `None` (ours replaced
            // `None`), is attached already.
            self.teardown.store(TransportTeardown::None as i32, Release);
            return Err(EBUSY);
        }
        Ok(())
    }

    /// Undoes [`Self::set_transport`] (at module exit).
    pub(crate) fn clear_transport(&self) {
        self.transport.store(core::ptr::null_mut(), Release);
        self.teardown.store(TransportTeardown::None as i32, Release);
    }

    /// The C template, once filled.
    fn ready(&'static self) -> Result<*mut bindings::scsi_host_template> {
        if self.state.load(Acquire) != TEMPLATE_READY {
            return Err(EINVAL);
        }
        Ok(self.sht.get())
    }
}

/// The host's private area (`shost->hostdata`): the abstraction's own
/// state, then the driver's data.
#[repr(C)]
pub(crate) struct HostPriv<T: HostOperations> {
    /// Set once the midlayer starts freeing the host's tag set (at the end
    /// of `scsi_remove_host`); see [`HostPriv::tags_freed`].
    tags_freed: Atomic<i32>,
    /// `HostConfig::nr_poll_queues`, set before the host is added.
    poll_queues: u32,
    /// Admits the transport object operations of driver handles (SAS phys
    /// and ports) until [`Host::remove`] takes the objects over. Never
    /// dropped: handles may use it after the `Host` is gone.
    gate: TopologyGate,
    /// What [`Host::remove`] does for the host's transport class.
    teardown: TransportTeardown,
    data: T::HostData,
}

impl<T: HostOperations> HostPriv<T> {
    /// # Safety
    ///
    /// `shost` must be a host allocated by [`Host::new`] for `T` that has
    /// not been freed (its data may have been dropped already).
    unsafe fn of(shost: *mut bindings::Scsi_Host) -> *mut Self {
        // SAFETY: The host is allocated (safety requirements).
        unsafe { layout::shost_priv(shost) }.cast::<Self>()
    }

    /// Called from `exit_cmd_priv`, in process context. When the host's tag
    /// set is being freed (the block layer tears down its requests, calling
    /// `exit_cmd_priv` for each, before it frees the tag maps), records it
    /// and waits until no reader that saw the tag set live
    /// ([`HostRef::tags_live`]) is still running.
    ///
    /// # Safety
    ///
    /// As for [`Self::of`].
    pub(crate) unsafe fn mark_tags_freed(shost: *mut bindings::Scsi_Host) {
        // SAFETY: The host is allocated (safety requirements).
        if !unsafe { bindings::orion_helper_shost_tagset_freeing(shost) } {
            // A device's flush or scheduler requests, not the tag set's.
            return;
        }
        // SAFETY: By the safety requirements the private area exists; the
        // flag was initialised by `Host::new` before the tag set existed.
        let flag = unsafe { &(*Self::of(shost)).tags_freed };
        if flag.xchg(1, Full) == 0 {
            // SAFETY: Process context (the tag set is freed by
            // `scsi_remove_host` or a host or device release, all may sleep).
            unsafe { kernel::bindings::synchronize_rcu() };
        }
    }
}

/// [`Host::remove`] has not started.
const REMOVE_NOT_STARTED: i32 = 0;
/// [`Host::remove`] is running in some thread.
const REMOVE_RUNNING: i32 = 1;
/// The host is removed from the midlayer.
const REMOVE_DONE: i32 = 2;

/// A registered SCSI host, owned by its driver. Dropping it removes the host
/// (its devices first) and frees it.
///
/// # Invariants
///
/// `shost` was allocated from a filled `'static` template of `T`, its
/// private area holds an initialised `T::HostData`, and it was added to the
/// midlayer.
pub struct Host<T: HostOperations> {
    shost: NonNull<bindings::Scsi_Host>,
    /// Where [`Host::remove`] is: `REMOVE_*` (it must run exactly once).
    removed: Atomic<i32>,
    _p: PhantomData<T>,
}

// SAFETY: The midlayer's host functions may be called from any thread; the
// host data is `Send + Sync`.
unsafe impl<T: HostOperations> Send for Host<T> {}
// SAFETY: As above.
unsafe impl<T: HostOperations> Sync for Host<T> {}

impl<T: HostOperations> Host<T> {
    /// Allocates a host from `template` with limits `cfg`, initialises its
    /// driver data and adds it to the midlayer under `parent` (or the
    /// platform bus). Devices are not scanned yet: call [`HostRef::scan`].
    pub fn new(
        template: &'static Template<T>,
        cfg: &HostConfig,
        parent: Option<&device::Device>,
        data: impl PinInit<T::HostData, Error>,
    ) -> Result<Self> {
        const { assert!(align_of::<HostPriv<T>>() <= align_of::<u64>()) };
        let sht = template.ready()?;
        let priv_size = i32::try_from(size_of::<HostPriv<T>>()).map_err(|_| EINVAL)?;
        let can_queue = i32::try_from(cfg.can_queue).map_err(|_| EINVAL)?;
        let cmd_per_lun = i16::try_from(cfg.cmd_per_lun).map_err(|_| EINVAL)?;
        // Polled queues need the driver's map (the midlayer's maps the
        // default queues only) and its poll, and interrupt-driven ones
        // beside them for the commands that cannot be polled.
        if cfg.nr_poll_queues > 0
            && (!T::HAS_MAP_QUEUES
                || !T::HAS_MQ_POLL
                || cfg.nr_poll_queues >= cfg.nr_hw_queues.max(1))
        {
            return Err(EINVAL);
        }
        // SAFETY: The template is filled and static: it outlives the host.
        let shost = unsafe { bindings::scsi_host_alloc(sht, priv_size) };
        let shost = NonNull::new(shost).ok_or(ENOMEM)?;
        let raw = shost.as_ptr();
        let tt = {
            // SAFETY: The host was just allocated; nobody else uses it yet.
            let h = unsafe { &mut *raw };
            h.can_queue = can_queue;
            h.cmd_per_lun = cmd_per_lun;
            h.sg_tablesize = cfg.sg_tablesize;
            h.max_sectors = cfg.max_sectors;
            h.max_segment_size = cfg.max_segment_size;
            h.dma_boundary = usize::try_from(cfg.dma_boundary).unwrap_or(usize::MAX);
            h.this_id = cfg.this_id;
            h.max_id = cfg.max_id;
            h.max_lun = cfg.max_lun;
            h.max_channel = cfg.max_channel;
            h.max_cmd_len = cfg.max_cmd_len;
            h.nr_hw_queues = cfg.nr_hw_queues.max(1);
            if cfg.nr_poll_queues > 0 {
                h.nr_maps = bindings::hctx_type_HCTX_MAX_TYPES;
            }
            h.set_host_tagset(u32::from(cfg.host_tagset));
            // Before `scsi_add_host`, which adds the host to the class. A
            // template without a transport keeps the midlayer's blank one.
            let tt = template.transport.load(Acquire);
            if !tt.is_null() {
                h.transportt = tt;
            }
            tt
        };
        let teardown = if tt.is_null() {
            TransportTeardown::None
        } else {
            TransportTeardown::from_i32(template.teardown.load(Acquire))
        };
        // SAFETY: The host is allocated.
        let hp = unsafe { HostPriv::<T>::of(raw) };
        // SAFETY: The private area is `size_of::<HostPriv<T>>()` bytes,
        // aligned for `unsigned long` (enough: checked above), and not
        // initialised yet.
        unsafe { (&raw mut (*hp).tags_freed).write(Atomic::new(0)) };
        // SAFETY: As above.
        unsafe { (&raw mut (*hp).poll_queues).write(cfg.nr_poll_queues) };
        // SAFETY: As above.
        unsafe { (&raw mut (*hp).gate).write(TopologyGate::new()) };
        // SAFETY: As above.
        unsafe { (&raw mut (*hp).teardown).write(teardown) };
        // SAFETY: As above; the field is in bounds.
        let slot = unsafe { &raw mut (*hp).data };
        // SAFETY: As above; on error `__pinned_init` leaves it uninitialised.
        if let Err(e) = unsafe { pin_init::raw_try_init(slot, data) } {
            // SAFETY: The host was never added; this drops the only reference.
            unsafe { bindings::scsi_host_put(raw) };
            return Err(e);
        }
        // `device::Device` is a transparent wrapper around `struct device`.
        let parent = parent.map_or(core::ptr::null_mut(), |d| {
            core::ptr::from_ref(d).cast::<bindings::device>().cast_mut()
        });
        // SAFETY: The host is allocated and initialised; `parent` is null or live.
        if let Err(e) = to_result(unsafe { bindings::orion_helper_scsi_add_host(raw, parent) }) {
            // SAFETY: The host was not added: drop the data we initialised.
            unsafe { core::ptr::drop_in_place(slot) };
            // SAFETY: This drops the only reference.
            unsafe { bindings::scsi_host_put(raw) };
            return Err(e);
        }
        // Setting the tag set up may have freed requests of a first,
        // larger attempt (`exit_cmd_priv` with the reference count still 0).
        // SAFETY: The private area was initialised above and the host is
        // live; no tag set teardown has begun.
        unsafe { &(*hp).tags_freed }.store(0, Release);
        // INVARIANT: Allocated from a filled static template, data
        // initialised, added.
        Ok(Self {
            shost,
            removed: Atomic::new(REMOVE_NOT_STARTED),
            _p: PhantomData,
        })
    }

    /// Like [`Self::new`], with host data that is already constructed.
    pub fn new_with(
        template: &'static Template<T>,
        cfg: &HostConfig,
        parent: Option<&device::Device>,
        data: T::HostData,
    ) -> Result<Self> {
        Self::new(template, cfg, parent, Ok::<_, Error>(data))
    }

    /// Removes the host from the midlayer now: its devices go away, which
    /// waits for their outstanding commands. Hardware drivers call this
    /// while their interrupt is still live, so in-flight commands complete
    /// normally; the host data stays until the `Host` is dropped.
    ///
    /// A host with a SAS transport first loses its SAS objects (ports,
    /// with their remote phys and targets, then phys) as
    /// `sas_remove_host` does; the driver's handles for them stay valid
    /// but no longer delete anything ([`super::sas`]).
    ///
    /// Returns `true` for the call that removed the host. Any other call
    /// (a shared host removed from two places, the drop) returns `false`
    /// only once the removal is complete, so that no caller frees what the
    /// devices may still use while they go. Process context (it sleeps).
    pub fn remove(&self) -> bool {
        match self
            .removed
            .cmpxchg(REMOVE_NOT_STARTED, REMOVE_RUNNING, Full)
        {
            Ok(_) => {
                let raw = self.shost.as_ptr();
                // SAFETY: By the type invariant the host is live and its
                // private area initialised.
                let hp = unsafe { &*HostPriv::<T>::of(raw) };
                hp.gate.close_and_wait();
                // SAFETY: The host was added and is not removed yet (the
                // flag makes this the only removal); the gate is closed.
                unsafe { hp.teardown.run(raw) };
                // SAFETY: By the type invariant the host was added, and the
                // flag makes this the only removal.
                unsafe { bindings::scsi_remove_host(raw) };
                self.removed.store(REMOVE_DONE, Release);
                true
            }
            Err(_) => {
                // Rare (two removals at once): poll rather than keep a
                // wait queue in every host.
                while self.removed.load(Acquire) != REMOVE_DONE {
                    kernel::time::delay::fsleep(kernel::time::Delta::from_millis(10));
                }
                false
            }
        }
    }

    /// The host, borrowed.
    pub fn get(&self) -> &HostRef<T> {
        // SAFETY: By the type invariant the host is live while `self` is.
        unsafe { HostRef::from_raw(self.shost.as_ptr()) }
    }
}

impl<T: HostOperations> Drop for Host<T> {
    fn drop(&mut self) {
        self.remove();
        let raw = self.shost.as_ptr();
        // SAFETY: By the type invariant the host is live (we hold a reference).
        let data = unsafe { &raw mut (*HostPriv::<T>::of(raw)).data };
        // Removing the host removed its devices, which waited for their
        // commands; afterwards no callback that gets the host data runs
        // (sysfs files are gone, a reset ioctl on a device file held open is
        // refused: the device is deleted). Callbacks that may still run
        // (sdev_destroy for a device someone holds, exit_cmd_priv) do not
        // touch the host data.
        // SAFETY: The data was initialised by `new` and is unused from here.
        unsafe { core::ptr::drop_in_place(data) };
        // SAFETY: Our reference; the template it points to is static.
        unsafe { bindings::scsi_host_put(raw) };
    }
}

/// A live host of driver `T`, borrowed.
///
/// # Invariants
///
/// The wrapped host is live, belongs to `T` and holds initialised host data.
#[repr(transparent)]
pub struct HostRef<T: HostOperations>(Opaque<bindings::Scsi_Host>, PhantomData<T>);

impl<T: HostOperations> HostRef<T> {
    /// # Safety
    ///
    /// `shost` must be a live host of `T` with initialised data for `'a`.
    pub(crate) unsafe fn from_raw<'a>(shost: *mut bindings::Scsi_Host) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; the host is live for `'a`.
        unsafe { &*shost.cast::<Self>() }
    }

    pub(crate) fn raw(&self) -> *mut bindings::Scsi_Host {
        self.0.get()
    }

    /// The host's transport object gate.
    pub(crate) fn gate(&self) -> &TopologyGate {
        // SAFETY: By the type invariant the host is live and its private
        // area initialised.
        unsafe { &(*HostPriv::<T>::of(self.raw())).gate }
    }

    /// What the host's removal does for its transport class.
    pub(crate) fn teardown(&self) -> TransportTeardown {
        // SAFETY: By the type invariant the host is live and its private
        // area initialised; the field is written once, before the host is
        // added.
        unsafe { (*HostPriv::<T>::of(self.raw())).teardown }
    }

    /// The gate of a host of `T` that may have been removed and whose
    /// `Host` may have been dropped.
    ///
    /// # Safety
    ///
    /// `shost` must be a host allocated by [`Host::new`] for `T` whose
    /// memory is still allocated (someone holds a reference to it), for
    /// `'a`.
    pub(crate) unsafe fn gate_of<'a>(shost: *mut bindings::Scsi_Host) -> &'a TopologyGate {
        // SAFETY: `Host::new` initialised the gate before the host could be
        // used, and nothing drops it; the memory is allocated for `'a`.
        unsafe { &(*HostPriv::<T>::of(shost)).gate }
    }

    /// The driver's data.
    pub fn data(&self) -> &T::HostData {
        // SAFETY: By the type invariant the host is live and its private
        // area holds the data.
        unsafe { &(*HostPriv::<T>::of(self.raw())).data }
    }

    /// Whether the host's tag set still exists, read inside an RCU read-side
    /// section `_rcu`: if so, it is not freed before the section ends
    /// ([`HostPriv::mark_tags_freed`] waits for it). The tag set goes at the
    /// end of `scsi_remove_host`, while a hardware driver may still be
    /// handling interrupts (`Host::remove` runs with them live).
    fn tags_live(&self, _rcu: &rcu::Guard) -> bool {
        // SAFETY: By the type invariant the host is live.
        let flag = unsafe { &(*HostPriv::<T>::of(self.raw())).tags_freed };
        flag.load(Acquire) == 0
    }

    /// The host's device (`hostN`), for `dev_*` logging: messages read
    /// `scsi hostN: ...` like the midlayer's own `shost_printk`.
    pub fn as_dev(&self) -> &device::Device {
        // SAFETY: The host is live, and with it its embedded `shost_gendev`.
        unsafe { device::Device::from_raw(&raw mut (*self.raw()).shost_gendev) }
    }

    /// The host number (`hostN`).
    pub fn host_no(&self) -> u32 {
        // SAFETY: The host is live; `host_no` does not change.
        unsafe { (*self.raw()).host_no }
    }

    /// Scans the host for devices (`scsi_scan_host`: asynchronous when the
    /// kernel has `CONFIG_SCSI_SCAN_ASYNC`; devices may appear after it returns).
    pub fn scan(&self) {
        // SAFETY: The host is live and added.
        unsafe { bindings::scsi_scan_host(self.raw()) }
    }

    /// Stops dispatch to every device of the host and waits until no
    /// `queuecommand` is running (a driver resetting its controller outside
    /// the error handler). May sleep. Undo with [`Self::unblock`].
    pub fn block(&self) -> Result {
        // SAFETY: The host is live and added.
        to_result(unsafe { bindings::scsi_host_block(self.raw()) })
    }

    /// Resumes dispatch after [`Self::block`].
    pub fn unblock(&self) -> Result {
        // SAFETY: The host is live and added.
        to_result(unsafe {
            bindings::scsi_host_unblock(self.raw(), bindings::scsi_device_state_SDEV_RUNNING as i32)
        })
    }

    /// Spreads CPUs over the hardware queues of every map of the tag set
    /// (the default mapping), for [`HostOperations::map_queues`].
    pub fn map_queues_default(&self) {
        let shost = self.raw();
        // SAFETY: The host is live; `map_queues` runs while the tag set is
        // being set up and has `nr_maps` maps.
        let nr_maps = unsafe { (*shost).tag_set.nr_maps } as usize;
        // SAFETY: As above.
        let nr_hw = unsafe { (*shost).tag_set.nr_hw_queues };
        let poll = self.poll_queues();
        // SAFETY: As above.
        let maps = unsafe { &mut (*shost).tag_set.map };
        for (i, map) in maps.iter_mut().enumerate().take(nr_maps) {
            if poll > 0 {
                // Default queues first, then the polled ones; no read map.
                let (offset, queues) = match i as u32 {
                    bindings::hctx_type_HCTX_TYPE_DEFAULT => (0, nr_hw.saturating_sub(poll)),
                    bindings::hctx_type_HCTX_TYPE_POLL => (nr_hw.saturating_sub(poll), poll),
                    _ => (0, 0),
                };
                map.queue_offset = offset;
                map.nr_queues = queues;
                if queues == 0 {
                    continue;
                }
            }
            // SAFETY: `map` is one of the `nr_maps` maps of the tag set being
            // set up.
            unsafe { bindings::blk_mq_map_queues(map) };
        }
    }

    /// The number of polled hardware queues (the last ones).
    pub fn poll_queues(&self) -> u32 {
        // SAFETY: The host is live, its private area set up by `Host::new`.
        unsafe { (*HostPriv::<T>::of(self.raw())).poll_queues }
    }

    /// Whether hardware queue `hwq` is polled: its commands must be
    /// completed from `mq_poll`, which the block layer calls for them.
    pub fn is_poll_queue(&self, hwq: u16) -> bool {
        let poll = self.poll_queues();
        // SAFETY: The host is live.
        let nr_hw = unsafe { (*self.raw()).nr_hw_queues };
        poll > 0 && u32::from(hwq) >= nr_hw.saturating_sub(poll)
    }

    /// Reclaims a parked command by its unique tag (see [`Command::park`]).
    /// The whole unique tag must match: with a host-wide tag set the same
    /// tag on another hardware queue is another command.
    /// `None` once the host was removed (its tag set is gone).
    pub fn take_parked(&self, unique_tag: u32) -> Option<Command<T>> {
        let rcu = rcu::read_lock();
        if !self.tags_live(&rcu) {
            return None;
        }
        // SAFETY: The tag set is live (checked under `rcu`, so its SRCU
        // structure is too); unlocked below.
        let idx = unsafe { bindings::orion_helper_tags_read_lock(self.raw()) };
        // SAFETY: As above, inside the tag set's SRCU read section: the
        // request a tag maps to is not freed before it ends. Null for a tag
        // out of range, a hardware queue without tags, or a request that is
        // not in flight.
        let cmd = unsafe { bindings::orion_helper_find_started_cmd(self.raw(), unique_tag) };
        let taken = if cmd.is_null() {
            None
        } else {
            // SAFETY: A started request of this host's tag set is a live
            // command of this host; once claimed it stays in flight.
            unsafe { CommandRef::<T>::from_raw(cmd) }.take_parked()
        };
        // SAFETY: Locked above with this index.
        unsafe { bindings::orion_helper_tags_read_unlock(self.raw(), idx) };
        taken
    }

    /// Gives back every command parked with the driver, after a reset after
    /// which the device no longer touches any of them: inside an
    /// error-handler callback (`eh`) through [`super::EhCommand::give_back`]
    /// (timed-out commands to the error handler, the others completed with
    /// `status` for a retry); outside (a health check) completed with
    /// `status`, timed-out ones left parked for the error handler.
    pub fn give_back_parked(&self, eh: Option<&EhContext>, status: CmdStatus) {
        self.give_back_parked_if(eh, status, |_| true);
    }

    /// As [`Self::give_back_parked`], for the parked commands whose unique
    /// tag `which` accepts (those of one target after a BUS DEVICE RESET,
    /// say).
    pub fn give_back_parked_if(
        &self,
        eh: Option<&EhContext>,
        status: CmdStatus,
        mut which: impl FnMut(u32) -> bool,
    ) {
        self.for_each_busy(|c| match eh {
            _ if !which(c.unique_tag()) => {}
            Some(eh) => {
                if let Some(cmd) = c.take_parked_eh(eh) {
                    cmd.give_back(status);
                }
            }
            None => {
                if let Some(cmd) = c.take_parked() {
                    cmd.complete(status);
                }
            }
        });
    }

    /// Calls `f` for every command the host is processing (none once the
    /// host was removed). `f` must not sleep.
    pub fn for_each_busy<F: FnMut(&CommandRef<T>)>(&self, mut f: F) {
        /// Calls the closure for one busy command.
        ///
        /// # Safety
        ///
        /// `data` must point to a live `F`, not otherwise in use during the
        /// call, and `cmd` must be a live command of a host of `T`: only
        /// `scsi_host_busy_iter` below calls this.
        unsafe extern "C" fn visit<T: HostOperations, F: FnMut(&CommandRef<T>)>(
            cmd: *mut bindings::scsi_cmnd,
            data: *mut c_void,
        ) -> bool {
            // SAFETY: `data` is the `&mut F` passed below, alive for the
            // iteration.
            let f = unsafe { &mut *data.cast::<F>() };
            // SAFETY: The midlayer passes live commands of this host.
            f(unsafe { CommandRef::from_raw(cmd) });
            true
        }
        let rcu = rcu::read_lock();
        if !self.tags_live(&rcu) {
            return;
        }
        // SAFETY: The host and its tag set are live (checked under `rcu`);
        // the callback and its data outlive the call.
        unsafe {
            bindings::scsi_host_busy_iter(self.raw(), Some(visit::<T, F>), (&raw mut f).cast())
        };
    }
}
