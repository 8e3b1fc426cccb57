// SPDX-License-Identifier: GPL-2.0

//! The iSCSI transport class, `scsi_transport_iscsi`, without libiscsi.
//!
//! A software initiator keeps one [`IscsiTransport`] in a `static` next to
//! its [`Template`] and registers it at module init
//! ([`IscsiTransport::register`]); the class then shows
//! `/sys/class/iscsi_transport/<name>/` and iscsid drives it over netlink:
//!
//! 1. `create_session`: [`IscsiOperations::create_session`] gives the host
//!    limits and data; the abstraction creates one SCSI host per session
//!    (as `iscsi_tcp` does) and the class session (`sessionN`) under it.
//! 2. `create_conn`: [`IscsiOperations::create_conn`] makes the driver's
//!    connection, kept in an [`Arc`] (socket callbacks and work items hold
//!    it too); it gets a [`ConnHandle`] to talk back to the class.
//! 3. `bind_conn` (the TCP socket iscsid connected, by file descriptor),
//!    `set_param`, `send_pdu` (login, text, logout PDUs built by iscsid;
//!    the replies go up with [`ConnHandle::recv_pdu`]), `start_conn` (full
//!    feature phase), `stop_conn`, `destroy_conn`, `destroy_session`.
//!
//! # Lifetimes
//!
//! - The C function table lives in the static; the registration keeps it
//!   registered until module exit. Each session holds a module reference
//!   (as libiscsi's sessions do), so the module cannot go while iscsid
//!   has a session: `rmmod` fails until logout.
//! - The session owns its [`Host`] (in the class session's private area):
//!   `destroy_session` removes the class session, which removes the SCSI
//!   target and its devices, then drops the host.
//! - The class connection's private area holds one `Arc` of the driver's
//!   connection, dropped by `destroy_conn` after the class connection was
//!   removed from sysfs (no `get_conn_param` runs after that). A
//!   [`ConnHandle`] holds a reference to the class connection's device, so
//!   a driver object that outlives `destroy_conn` can still call it
//!   safely (the class then finds no transport or no listener).

mod callbacks;
mod param;

pub use param::{
    Caps, ConnError, ConnStats, CustomStat, HostParam, Param, StopMode, MAX_CUSTOM_STATS,
};

use super::{
    host::{HostConfig, HostRef, Template},
    operations::HostOperations,
    sysfs::SysfsWriter,
    transport::TransportTeardown,
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    sync::{
        atomic::{Acquire, Atomic, Full, Release},
        Arc,
    },
    types::Opaque,
};

/// What iscsid asks for when it creates a session.
#[derive(Clone, Copy, Debug)]
pub struct NewSession {
    /// Commands the session may have outstanding (`node.session.cmds_max`).
    pub cmds_max: u16,
    /// Default queue depth of a LUN (`node.session.queue_depth`).
    pub queue_depth: u16,
    /// The CmdSN the login starts with.
    pub initial_cmdsn: u32,
}

/// The callbacks of an iSCSI software initiator.
///
/// All run in process context. The class serialises the netlink requests
/// of a connection (`bind_conn`, `start_conn`, `stop_conn`, `send_pdu`),
/// but `set_param`, `get_stats` and the sysfs `get_*_param` run beside
/// them, and a `stop_conn` from the class's cleanup work (after
/// [`ConnHandle::error_event`]) can run beside a `stop_conn` from iscsid:
/// the driver's objects must take their own locks.
#[vtable]
pub trait IscsiOperations: HostOperations {
    /// A connection of a session.
    type Conn: Send + Sync;

    /// The driver's transport (its `static`).
    fn transport() -> &'static IscsiTransport<Self>;

    /// Transport name in `/sys/class/iscsi_transport/` (iscsid knows only
    /// a fixed list of names).
    const NAME: &'static CStr;

    /// What the transport can do.
    const CAPS: Caps;

    /// A new session: the limits and data of its SCSI host.
    fn create_session(
        req: &NewSession,
    ) -> Result<(HostConfig, impl PinInit<Self::HostData, Error>)>;

    /// A new connection `cid` of the session of `host` (in an [`Arc`] the
    /// driver makes, so it can pin-initialise work items in it).
    fn create_conn(host: &Self::HostData, handle: ConnHandle, cid: u32) -> Result<Arc<Self::Conn>>;

    /// iscsid hands over the TCP socket it connected (a file descriptor of
    /// its own process: the call runs in iscsid's context).
    fn bind_conn(session: &Session<Self>, conn: &Arc<Self::Conn>, fd: i32, leading: bool)
        -> Result;

    /// Login succeeded: the full feature phase starts.
    fn start_conn(session: &Session<Self>, conn: &Arc<Self::Conn>) -> Result;

    /// The connection stops (logout, failure, or iscsid's shutdown).
    fn stop_conn(session: &Session<Self>, conn: &Arc<Self::Conn>, mode: StopMode);

    /// The connection goes away (stopped already); the driver must not use
    /// the class through it any more (its `Arc` may live on).
    fn destroy_conn(_session: &Session<Self>, _conn: &Arc<Self::Conn>) {}

    /// A negotiated or configured parameter, as the string iscsid sends.
    /// `ENOSYS` for a parameter the driver does not keep.
    fn set_param(
        session: &Session<Self>,
        conn: &Arc<Self::Conn>,
        param: Param,
        value: &[u8],
    ) -> Result;

    /// Shows a connection parameter (with a trailing newline).
    fn get_conn_param(
        session: &Session<Self>,
        conn: &Self::Conn,
        param: Param,
        w: &mut SysfsWriter<'_>,
    ) -> Result;

    /// Shows a session parameter.
    fn get_session_param(host: &Self::HostData, param: Param, w: &mut SysfsWriter<'_>) -> Result;

    /// Shows a host parameter.
    fn get_host_param(
        _host: &Self::HostData,
        _param: HostParam,
        _w: &mut SysfsWriter<'_>,
    ) -> Result {
        Err(ENOSYS)
    }

    /// Whether the class shows `param` for sessions and connections.
    fn param_visible(param: Param) -> bool;

    /// Whether the class shows `param` for hosts.
    fn host_param_visible(_param: HostParam) -> bool {
        false
    }

    /// Sends a PDU iscsid built: `hdr` is its 48-byte header, `data` its
    /// data segment (open-iscsi includes the padding).
    fn send_pdu(conn: &Arc<Self::Conn>, hdr: &[u8], data: &[u8]) -> Result;

    /// Statistics of the connection.
    fn get_stats(conn: &Self::Conn) -> ConnStats;
}

/// States of [`IscsiTransport::state`].
const NEW: i32 = 0;
const REGISTERING: i32 = 1;
/// Hosts get the class's template: sessions may be created.
const REGISTERED: i32 = 2;
/// The registration is going: no new session.
const UNREGISTERING: i32 = 3;

/// The iSCSI transport of driver `T`, kept in a `static`.
pub struct IscsiTransport<T: IscsiOperations> {
    it: Opaque<bindings::iscsi_transport>,
    state: Atomic<i32>,
    /// The template sessions' hosts are created from, while registered.
    template: Atomic<*const Template<T>>,
    /// Sessions that exist or are being created: the class must not be
    /// unregistered while there are any (it `BUG()`s).
    sessions: Atomic<i32>,
    _p: PhantomData<T>,
}

// SAFETY: The function table is written once by `register` (guarded by
// `state`) before the class reads it; afterwards it is only read.
unsafe impl<T: IscsiOperations> Send for IscsiTransport<T> {}
// SAFETY: As above.
unsafe impl<T: IscsiOperations> Sync for IscsiTransport<T> {}

impl<T: IscsiOperations> IscsiTransport<T> {
    /// An unregistered transport, for a `static`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            it: Opaque::uninit(),
            state: Atomic::new(NEW),
            template: Atomic::new(core::ptr::null()),
            sessions: Atomic::new(0),
            _p: PhantomData,
        }
    }

    /// Registers the transport with the iSCSI class; sessions' hosts are
    /// made from `template` (filled already). Keep the returned
    /// registration until module exit.
    pub fn register(
        &'static self,
        module: &'static ThisModule,
        template: &'static Template<T>,
    ) -> Result<IscsiRegistration<T>> {
        if self.state.cmpxchg(NEW, REGISTERING, Full).is_err() {
            return Err(EBUSY);
        }
        let it = bindings::iscsi_transport {
            owner: module.as_ptr(),
            name: T::NAME.as_char_ptr().cast_mut(),
            caps: T::CAPS.raw(),
            create_session: Some(callbacks::create_session::<T>),
            destroy_session: Some(callbacks::destroy_session::<T>),
            create_conn: Some(callbacks::create_conn::<T>),
            bind_conn: Some(callbacks::bind_conn::<T>),
            start_conn: Some(callbacks::start_conn::<T>),
            stop_conn: Some(callbacks::stop_conn::<T>),
            destroy_conn: Some(callbacks::destroy_conn::<T>),
            set_param: Some(callbacks::set_param::<T>),
            get_conn_param: Some(callbacks::get_conn_param::<T>),
            get_session_param: Some(callbacks::get_session_param::<T>),
            get_host_param: Some(callbacks::get_host_param::<T>),
            send_pdu: Some(callbacks::send_pdu::<T>),
            get_stats: Some(callbacks::get_stats::<T>),
            attr_is_visible: Some(callbacks::attr_is_visible::<T>),
            ..Default::default()
        };
        // SAFETY: `REGISTERING` gives us exclusive access; nothing reads
        // the table before `iscsi_register_transport` below.
        unsafe { self.it.get().write(it) };
        self.template.store(template, Release);
        // SAFETY: The table is in static storage and filled.
        let tt = unsafe { bindings::iscsi_register_transport(self.it.get()) };
        let Some(tt) = NonNull::new(tt) else {
            pr_err!(
                "iSCSI transport {:?} not registered (is another initiator serving it?)\n",
                T::NAME
            );
            self.template.store(core::ptr::null(), Release);
            self.state.store(NEW, Release);
            return Err(EBUSY);
        };
        if let Err(e) = template.set_transport(tt.as_ptr(), TransportTeardown::None) {
            // SAFETY: Registered above; no session exists: `new_session`
            // refuses them until the state is `REGISTERED`.
            unsafe { bindings::iscsi_unregister_transport(self.it.get()) };
            self.template.store(core::ptr::null(), Release);
            self.state.store(NEW, Release);
            return Err(e);
        }
        self.state.store(REGISTERED, Release);
        Ok(IscsiRegistration { transport: self })
    }

    fn template(&self) -> Option<&'static Template<T>> {
        let t = self.template.load(Acquire);
        // SAFETY: Only ever set from a `&'static Template<T>`.
        (!t.is_null()).then(|| unsafe { &*t })
    }
}

/// Keeps an [`IscsiTransport`] registered; drop it at module exit.
pub struct IscsiRegistration<T: IscsiOperations> {
    transport: &'static IscsiTransport<T>,
}

impl<T: IscsiOperations> Drop for IscsiRegistration<T> {
    fn drop(&mut self) {
        let t = self.transport;
        // Full: against `new_session`'s count-then-check, one of the two
        // sees the other.
        t.state.xchg(UNREGISTERING, Full);
        let left = t.sessions.load(Acquire);
        if left != 0 {
            // Unregistering now would crash the class; keep it registered
            // (the sessions hold module references, so this is a driver
            // that dropped its registration early).
            pr_err!(
                "iSCSI transport kept registered: {} session(s) left\n",
                left
            );
            return;
        }
        if let Some(template) = t.template() {
            template.clear_transport();
        }
        // SAFETY: Registered by `register`; no session exists and none can
        // be created any more (`UNREGISTERING`).
        unsafe { bindings::iscsi_unregister_transport(t.it.get()) };
        t.template.store(core::ptr::null(), Release);
        t.state.store(NEW, Release);
    }
}

/// A session, borrowed for the duration of a callback.
///
/// # Invariants
///
/// The wrapped class session is live, was created by
/// [`create_session`] for `T`, and its private area holds its [`Host`].
#[repr(transparent)]
pub struct Session<T: IscsiOperations>(Opaque<bindings::iscsi_cls_session>, PhantomData<T>);

impl<T: IscsiOperations> Session<T> {
    /// # Safety
    ///
    /// `cls` must be a live session of `T` (see the type invariants) for
    /// `'a`.
    unsafe fn from_raw<'a>(cls: *mut bindings::iscsi_cls_session) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper; live for `'a`.
        unsafe { &*cls.cast::<Self>() }
    }

    fn raw(&self) -> *mut bindings::iscsi_cls_session {
        self.0.get()
    }

    /// The session's SCSI host.
    pub fn host(&self) -> &HostRef<T> {
        // SAFETY: A live session's parent device is its host's
        // `shost_gendev` (`iscsi_alloc_session`).
        let shost = unsafe { bindings::orion_helper_dev_to_shost((*self.raw()).dev.parent) };
        // SAFETY: The host is live while its session is, and belongs to `T`.
        unsafe { HostRef::from_raw(shost) }
    }

    /// The session's host data.
    pub fn data(&self) -> &T::HostData {
        self.host().data()
    }

    /// The session number (`sessionN`).
    pub fn sid(&self) -> i32 {
        // SAFETY: The session is live; `sid` is set once when it is added.
        unsafe { (*self.raw()).sid }
    }

    /// The session's devices accept commands again (after login or a
    /// reconnection); the class also scans the target. Sleeps.
    pub fn unblock(&self) {
        // SAFETY: The session is live.
        unsafe { bindings::iscsi_unblock_session(self.raw()) };
    }

    /// The session's devices stop getting commands until [`Self::unblock`]
    /// or the recovery timeout (then they fail): for connection recovery.
    /// Sleeps.
    pub fn block(&self) {
        // SAFETY: The session is live.
        unsafe { bindings::iscsi_block_session(self.raw()) };
    }
}

/// A counted reference to a class connection, for the driver to report
/// to the class from any context (softirq included). Dropping it may free
/// the connection, its session and the session's host, which sleeps:
/// drop it in process context.
///
/// # Invariants
///
/// Holds a reference to the live `struct iscsi_cls_conn`'s device.
pub struct ConnHandle {
    conn: NonNull<bindings::iscsi_cls_conn>,
}

// SAFETY: The class functions it calls may be called from any context and
// thread; the reference is counted.
unsafe impl Send for ConnHandle {}
// SAFETY: As above; no method needs exclusive access.
unsafe impl Sync for ConnHandle {}

impl ConnHandle {
    /// # Safety
    ///
    /// `conn` must be a live class connection.
    unsafe fn new(conn: *mut bindings::iscsi_cls_conn) -> Option<Self> {
        let conn = NonNull::new(conn)?;
        // SAFETY: The connection is live (safety requirements).
        unsafe { bindings::iscsi_get_conn(conn.as_ptr()) };
        // INVARIANT: Reference taken above.
        Some(Self { conn })
    }

    /// Passes a PDU received for iscsid (a login, text or logout
    /// response, a reject or an asynchronous message during login) up:
    /// `hdr` is its 48-byte header. May be called in atomic context.
    pub fn recv_pdu(&self, hdr: &[u8; 48], data: &[u8]) -> Result {
        let len = u32::try_from(data.len()).map_err(|_| EINVAL)?;
        // The class copies from both buffers into a message of its own;
        // it takes them as mutable pointers but does not write them.
        let hdr = hdr.as_ptr().cast_mut().cast::<bindings::iscsi_hdr>();
        let data = data.as_ptr().cast_mut().cast::<c_char>();
        // SAFETY: The connection is live (type invariant); `hdr` points to
        // 48 bytes, the size of `struct iscsi_hdr`, and `data` to `len`.
        kernel::error::to_result(unsafe {
            bindings::iscsi_recv_pdu(self.conn.as_ptr(), hdr, data, len)
        })
    }

    /// Reports a failed connection: the class stops it
    /// ([`IscsiOperations::stop_conn`] with [`StopMode::Recover`]) and
    /// iscsid reconnects. May be called in atomic context.
    pub fn error_event(&self, err: ConnError) {
        // SAFETY: The connection is live (type invariant).
        unsafe { bindings::iscsi_conn_error_event(self.conn.as_ptr(), err.to_c()) };
    }

    /// The connection id.
    pub fn cid(&self) -> u32 {
        // SAFETY: The connection is live; `cid` is set at allocation.
        unsafe { (*self.conn.as_ptr()).cid }
    }
}

impl Clone for ConnHandle {
    fn clone(&self) -> Self {
        // SAFETY: The connection is live (type invariant).
        unsafe { bindings::iscsi_get_conn(self.conn.as_ptr()) };
        // INVARIANT: Reference taken above.
        Self { conn: self.conn }
    }
}

impl Drop for ConnHandle {
    fn drop(&mut self) {
        // SAFETY: Our reference (type invariant), given back once.
        unsafe { bindings::iscsi_put_conn(self.conn.as_ptr()) };
    }
}
