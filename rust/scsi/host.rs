// SPDX-License-Identifier: GPL-2.0

//! SCSI hosts: the template a driver registers once, the [`Host`] it owns per
//! adapter, and the borrowed [`HostRef`].

use super::{
    command::{Command, CommandRef},
    operations::{HostOperations, OperationsVTable},
    sysfs::{AttributeTable, DeviceAttrs, HostAttrs},
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    device,
    error::to_result,
    prelude::*,
    sync::{
        atomic::{Atomic, Full},
        Arc,
    },
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
    /// Number of blk-mq hardware queues.
    pub nr_hw_queues: u32,
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
        this_id: -1,
        max_id: 8,
        max_lun: 8,
        max_channel: 0,
        max_cmd_len: 16,
    };
}

/// A host template (`struct scsi_host_template`) for driver `T`.
///
/// One template serves every host of its driver; each [`Host`] keeps a
/// reference, so the template outlives its hosts.
#[pin_data]
pub struct Template<T: HostOperations> {
    #[pin]
    sht: Opaque<bindings::scsi_host_template>,
    // Referenced by `sht`; they live as long as the template.
    host_attrs: AttributeTable<T::HostData>,
    device_attrs: AttributeTable<super::Device<T>>,
    _p: PhantomData<T>,
}

// SAFETY: The template is only read after initialisation (by the midlayer).
unsafe impl<T: HostOperations> Send for Template<T> {}
// SAFETY: As above.
unsafe impl<T: HostOperations> Sync for Template<T> {}

impl<T: HostOperations> Template<T> {
    /// Creates a template. `proc_name` names the driver in sysfs
    /// (`/sys/class/scsi_host/hostN/proc_name`) and `lsscsi -H`.
    pub fn new(
        module: &'static ThisModule,
        name: &'static CStr,
        proc_name: &'static CStr,
        defaults: &HostConfig,
    ) -> Result<Arc<Self>> {
        let defaults = *defaults;
        let host_attrs = AttributeTable::new::<T, HostAttrs<T>>(T::HOST_ATTRIBUTES)?;
        let device_attrs = AttributeTable::new::<T, DeviceAttrs<T>>(T::DEVICE_ATTRIBUTES)?;
        let (shost_groups, sdev_groups) = (host_attrs.groups(), device_attrs.groups());
        Arc::pin_init(
            pin_init!(Self {
                host_attrs,
                device_attrs,
                sht <- Opaque::ffi_init(move |sht: *mut bindings::scsi_host_template| {
                    let mut t = bindings::scsi_host_template::default();
                    t.module = module.as_ptr();
                    t.name = name.as_char_ptr();
                    t.proc_name = proc_name.as_char_ptr();
                    t.can_queue = defaults.can_queue as i32;
                    t.cmd_per_lun = defaults.cmd_per_lun as i16;
                    t.sg_tablesize = defaults.sg_tablesize;
                    t.max_sectors = defaults.max_sectors;
                    t.max_segment_size = defaults.max_segment_size;
                    t.dma_boundary = defaults.dma_boundary as _;
                    t.this_id = defaults.this_id;
                    t.set_host_tagset(defaults.host_tagset as u32);
                    t.set_track_queue_depth(1);
                    t.shost_groups = shost_groups;
                    t.sdev_groups = sdev_groups;
                    OperationsVTable::<T>::fill(&mut t);
                    // SAFETY: `ffi_init` passes valid, writable memory.
                    unsafe { sht.write(t) };
                }),
                _p: PhantomData,
            }),
            GFP_KERNEL,
        )
    }
}

/// A registered SCSI host, owned by its driver. Dropping it removes the host
/// (its devices first) and frees it.
///
/// # Invariants
///
/// `shost` was allocated from `template`, its private area holds an
/// initialised `T::HostData`, and it was added to the midlayer.
pub struct Host<T: HostOperations> {
    shost: NonNull<bindings::Scsi_Host>,
    _template: Arc<Template<T>>,
    /// Set once [`Host::remove`] ran (it must run exactly once).
    removed: Atomic<i32>,
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
        template: &Arc<Template<T>>,
        cfg: &HostConfig,
        parent: Option<&device::Device>,
        data: impl PinInit<T::HostData, Error>,
    ) -> Result<Self> {
        let priv_size = i32::try_from(size_of::<T::HostData>()).map_err(|_| EINVAL)?;
        // SAFETY: The template is initialised and outlives the host (we keep a reference).
        let shost = unsafe { bindings::scsi_host_alloc(template.sht.get(), priv_size) };
        let shost = NonNull::new(shost).ok_or(ENOMEM)?;
        let raw = shost.as_ptr();
        // SAFETY: The host was just allocated; nobody else uses it yet.
        unsafe {
            (*raw).can_queue = cfg.can_queue as i32;
            (*raw).cmd_per_lun = cfg.cmd_per_lun as i16;
            (*raw).sg_tablesize = cfg.sg_tablesize;
            (*raw).max_sectors = cfg.max_sectors;
            (*raw).max_segment_size = cfg.max_segment_size;
            (*raw).dma_boundary = cfg.dma_boundary as _;
            (*raw).this_id = cfg.this_id;
            (*raw).max_id = cfg.max_id;
            (*raw).max_lun = cfg.max_lun;
            (*raw).max_channel = cfg.max_channel;
            (*raw).max_cmd_len = cfg.max_cmd_len;
            (*raw).nr_hw_queues = cfg.nr_hw_queues.max(1);
            (*raw).set_host_tagset(cfg.host_tagset as u32);
        }
        // SAFETY: The private area is `size_of::<T::HostData>()` bytes, aligned
        // for `unsigned long` (enough for the driver data types we allow,
        // checked below), and not initialised yet.
        let init = unsafe {
            data.__init(bindings::orion_helper_shost_priv(raw).cast::<T::HostData>())
        };
        const { assert!(align_of::<T::HostData>() <= align_of::<u64>()) };
        if let Err(e) = init {
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
            // SAFETY: The host was not added: drop the data we initialised and
            // the only reference.
            unsafe {
                core::ptr::drop_in_place(bindings::orion_helper_shost_priv(raw).cast::<T::HostData>());
                bindings::scsi_host_put(raw);
            }
            return Err(e);
        }
        // INVARIANT: Allocated from `template`, data initialised, added.
        Ok(Self { shost, _template: template.clone(), removed: Atomic::new(0) })
    }

    /// Like [`Self::new`], with host data that is already constructed.
    pub fn new_with(
        template: &Arc<Template<T>>,
        cfg: &HostConfig,
        parent: Option<&device::Device>,
        data: T::HostData,
    ) -> Result<Self> {
        // SAFETY: The closure initialises the whole slot and cannot fail.
        let init = unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut T::HostData| {
                slot.write(data);
                Ok(())
            })
        };
        Self::new(template, cfg, parent, init)
    }

    /// Removes the host from the midlayer now: its devices go away, which
    /// waits for their outstanding commands. Hardware drivers call this
    /// while their interrupt is still live, so in-flight commands complete
    /// normally; the host data stays until the `Host` is dropped. Later
    /// calls (and the drop) do nothing more.
    pub fn remove(&self) {
        if self.removed.xchg(1, Full) == 0 {
            // SAFETY: By the type invariant the host was added, and the flag
            // makes this the only removal.
            unsafe { bindings::scsi_remove_host(self.shost.as_ptr()) };
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
        // SAFETY: By the type invariant the host was added. Removing it
        // removes its devices, which waits for their commands; afterwards no
        // callback that gets the host data runs, so the data can be dropped.
        // Callbacks that may still run (sdev_destroy for a device someone
        // holds, exit_cmd_priv) do not touch the host data.
        unsafe {
            core::ptr::drop_in_place(bindings::orion_helper_shost_priv(raw).cast::<T::HostData>());
            bindings::scsi_host_put(raw);
        }
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

    fn raw(&self) -> *mut bindings::Scsi_Host {
        self.0.get()
    }

    /// The driver's data.
    pub fn data(&self) -> &T::HostData {
        // SAFETY: By the type invariant the private area holds the data.
        unsafe { &*bindings::orion_helper_shost_priv(self.raw()).cast::<T::HostData>() }
    }

    /// The host number (`hostN`).
    pub fn host_no(&self) -> u32 {
        // SAFETY: The host is live; `host_no` does not change.
        unsafe { (*self.raw()).host_no }
    }

    /// Scans the host for devices (synchronously).
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

    /// Number of commands the host is processing.
    pub fn busy(&self) -> u32 {
        // SAFETY: The host is live.
        unsafe { bindings::scsi_host_busy(self.raw()) as u32 }
    }

    /// Spreads CPUs over the hardware queues of every map of the tag set
    /// (the default mapping), for [`HostOperations::map_queues`].
    pub fn map_queues_default(&self) {
        // SAFETY: The host is live; `map_queues` runs while the tag set is
        // being set up and has `nr_maps` maps.
        unsafe {
            let shost = self.raw();
            for map in (*shost).tag_set.map.iter_mut().take((*shost).tag_set.nr_maps as usize) {
                bindings::blk_mq_map_queues(map);
            }
        }
    }

    /// Reclaims a parked command by its unique tag (see [`Command::park`]).
    pub fn take_parked(&self, unique_tag: u32) -> Option<Command<T>> {
        // SAFETY: The host is live; the midlayer returns null for a tag that
        // is not in flight.
        let cmd = unsafe { bindings::orion_helper_scsi_host_find_tag(self.raw(), unique_tag as i32) };
        if cmd.is_null() {
            return None;
        }
        // SAFETY: A command found by tag is a live command of this host.
        unsafe { CommandRef::<T>::from_raw(cmd) }.take_parked()
    }

    /// Calls `f` for every command the host is processing. `f` must not sleep.
    pub fn for_each_busy<F: FnMut(&CommandRef<T>)>(&self, mut f: F) {
        unsafe extern "C" fn visit<T: HostOperations, F: FnMut(&CommandRef<T>)>(
            cmd: *mut bindings::scsi_cmnd,
            data: *mut c_void,
        ) -> bool {
            // SAFETY: `data` is the `&mut F` passed below, alive for the
            // iteration; the midlayer passes live commands of this host.
            unsafe { (*data.cast::<F>())(CommandRef::from_raw(cmd)) };
            true
        }
        // SAFETY: The host is live; the callback and its data outlive the call.
        unsafe {
            bindings::scsi_host_busy_iter(
                self.raw(),
                Some(visit::<T, F>),
                (&raw mut f).cast(),
            )
        };
    }
}
