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

mod param;

pub use param::{Caps, ConnError, ConnStats, HostParam, Param, StopMode};

use super::{
    host::{Host, HostConfig, HostRef, Template},
    operations::HostOperations,
    sysfs::SysfsWriter,
};
use crate::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    page::PAGE_SIZE,
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
            create_session: Some(create_session::<T>),
            destroy_session: Some(destroy_session::<T>),
            create_conn: Some(create_conn::<T>),
            bind_conn: Some(bind_conn::<T>),
            start_conn: Some(start_conn::<T>),
            stop_conn: Some(stop_conn::<T>),
            destroy_conn: Some(destroy_conn::<T>),
            set_param: Some(set_param::<T>),
            get_conn_param: Some(get_conn_param::<T>),
            get_session_param: Some(get_session_param::<T>),
            get_host_param: Some(get_host_param::<T>),
            send_pdu: Some(send_pdu::<T>),
            get_stats: Some(get_stats::<T>),
            attr_is_visible: Some(attr_is_visible::<T>),
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
        if let Err(e) = template.set_transport(tt.as_ptr()) {
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

/// What the class session's private area holds.
struct SessionPriv<T: IscsiOperations> {
    /// Kept for its drop, which removes the host.
    _host: Host<T>,
}

/// # Safety
///
/// `conn` must be a live class connection made by [`create_conn`] for `T`
/// and not yet destroyed.
unsafe fn conn_of<'a, T: IscsiOperations>(conn: *mut bindings::iscsi_cls_conn) -> &'a Arc<T::Conn> {
    // SAFETY: `create_conn` wrote an `Arc<T::Conn>` there, which
    // `destroy_conn` takes away only after the class stopped calling.
    unsafe { &*(*conn).dd_data.cast::<Arc<T::Conn>>() }
}

/// # Safety
///
/// `conn` must be a live class connection of a session of `T`.
unsafe fn session_of<'a, T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
) -> &'a Session<T> {
    // SAFETY: A connection's parent is its session (`iscsi_alloc_conn`),
    // live while the connection is.
    unsafe { Session::from_raw(bindings::orion_helper_iscsi_conn_session(conn)) }
}

/// `create_session` of the class's function table.
///
/// # Safety
///
/// Called by the iSCSI class (netlink, iscsid's context) for this transport.
unsafe extern "C" fn create_session<T: IscsiOperations>(
    ep: *mut bindings::iscsi_endpoint,
    cmds_max: u16,
    qdepth: u16,
    initial_cmdsn: u32,
) -> *mut bindings::iscsi_cls_session {
    if !ep.is_null() {
        // A software transport has no endpoints (no `ep_connect`).
        return core::ptr::null_mut();
    }
    let req = NewSession {
        cmds_max,
        queue_depth: qdepth,
        initial_cmdsn,
    };
    match new_session::<T>(&req) {
        Ok(cls) => cls,
        Err(e) => {
            pr_err!("iSCSI session not created: {:?}\n", e);
            core::ptr::null_mut()
        }
    }
}

fn new_session<T: IscsiOperations>(req: &NewSession) -> Result<*mut bindings::iscsi_cls_session> {
    let transport = T::transport();
    // Counted first (Full: ordered before the check), then the state
    // checked: a registration being dropped either sees this session or is
    // seen here.
    transport.sessions.fetch_add(1, Full);
    let made = if transport.state.load(Acquire) == REGISTERED {
        add_session::<T>(transport, req)
    } else {
        // Registering (the hosts would not get the class's template yet) or
        // unregistering.
        Err(ENODEV)
    };
    if made.is_err() {
        transport.sessions.fetch_sub(1, Full);
    }
    made
}

fn add_session<T: IscsiOperations>(
    transport: &IscsiTransport<T>,
    req: &NewSession,
) -> Result<*mut bindings::iscsi_cls_session> {
    let template = transport.template().ok_or(ENODEV)?;
    let (cfg, data) = T::create_session(req)?;
    let host = Host::new(template, &cfg, None, data)?;
    let priv_size = i32::try_from(size_of::<SessionPriv<T>>()).map_err(|_| EINVAL)?;
    // SAFETY: The host is live; the transport table is registered.
    let cls =
        unsafe { bindings::iscsi_alloc_session(host.get().raw(), transport.it.get(), priv_size) };
    if cls.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `iscsi_alloc_session` made `dd_data` point at `priv_size`
    // bytes after the session, aligned for a pointer (the session struct
    // is), unused so far.
    unsafe {
        (*cls)
            .dd_data
            .cast::<SessionPriv<T>>()
            .write(SessionPriv { _host: host })
    };
    // SAFETY: The session is allocated; target id 0: one target per host.
    let added = unsafe { bindings::iscsi_add_session(cls, 0) };
    if added != 0 {
        // SAFETY: Written above; the session was never added.
        let sp = unsafe { (*cls).dd_data.cast::<SessionPriv<T>>().read() };
        // SAFETY: Not added: this frees it (and its host reference).
        unsafe { bindings::iscsi_free_session(cls) };
        drop(sp);
        return Err(Error::from_errno(added));
    }
    // Each session pins the module, as libiscsi's do.
    // SAFETY: The module is live: its code is running.
    unsafe { bindings::__module_get(transport_owner(transport)) };
    Ok(cls)
}

fn transport_owner<T: IscsiOperations>(t: &IscsiTransport<T>) -> *mut bindings::module {
    // SAFETY: The table was filled by `register` before any session.
    unsafe { (*t.it.get()).owner }
}

/// `destroy_session` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live session made by [`create_session`] for
/// `T`, once, after its connections were destroyed.
unsafe extern "C" fn destroy_session<T: IscsiOperations>(cls: *mut bindings::iscsi_cls_session) {
    let transport = T::transport();
    // SAFETY: The class passes a live session of this transport.
    unsafe { bindings::iscsi_remove_session(cls) };
    // SAFETY: Written by `new_session`; the session is removed, so no
    // callback gets it any more; read once.
    let sp = unsafe { (*cls).dd_data.cast::<SessionPriv<T>>().read() };
    // Removes the host (its devices went with the session's target).
    drop(sp);
    // SAFETY: Removed above; this drops the class's reference.
    unsafe { bindings::iscsi_free_session(cls) };
    transport.sessions.fetch_sub(1, Full);
    // SAFETY: Taken by `new_session`. (Like libiscsi's, the last put can
    // race with a module unload while this function returns.)
    unsafe { bindings::module_put(transport_owner(transport)) };
}

/// `create_conn` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live session made for `T`.
unsafe extern "C" fn create_conn<T: IscsiOperations>(
    cls_session: *mut bindings::iscsi_cls_session,
    cid: u32,
) -> *mut bindings::iscsi_cls_conn {
    // SAFETY: The class passes a live session of this transport.
    let session = unsafe { Session::<T>::from_raw(cls_session) };
    let Ok(size) = i32::try_from(size_of::<Arc<T::Conn>>()) else {
        return core::ptr::null_mut();
    };
    // SAFETY: The session is live.
    let conn = unsafe { bindings::iscsi_alloc_conn(cls_session, size, cid) };
    if conn.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: Just allocated.
    let made = unsafe { ConnHandle::new(conn) }
        .ok_or(ENOMEM)
        .and_then(|h| T::create_conn(session.data(), h, cid));
    let arc = match made {
        Ok(a) => a,
        Err(e) => {
            pr_err!("iSCSI connection not created: {:?}\n", e);
            // SAFETY: Allocated above, never added: drops the last reference.
            unsafe { bindings::iscsi_put_conn(conn) };
            return core::ptr::null_mut();
        }
    };
    // SAFETY: `dd_data` points at `size` bytes after the connection,
    // aligned for a pointer, unused so far.
    unsafe { (*conn).dd_data.cast::<Arc<T::Conn>>().write(arc) };
    // SAFETY: The connection is allocated and initialised.
    if unsafe { bindings::iscsi_add_conn(conn) } != 0 {
        // SAFETY: Written above; never added.
        drop(unsafe { (*conn).dd_data.cast::<Arc<T::Conn>>().read() });
        // SAFETY: Drops the allocation's reference.
        unsafe { bindings::iscsi_put_conn(conn) };
        return core::ptr::null_mut();
    }
    conn
}

/// `destroy_conn` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live connection made by [`create_conn`] for
/// `T`, once, with no other callback of it running.
unsafe extern "C" fn destroy_conn<T: IscsiOperations>(conn: *mut bindings::iscsi_cls_conn) {
    // The class flushed its cleanup work once, but an error event can queue
    // it again (and iscsid may destroy a connection it did not stop): mark
    // the connection down and in cleanup so nothing queues it, wait for it,
    // and stop the connection here if it was still up, as the class's own
    // forced teardown does.
    // SAFETY: The class passes a live connection of this transport.
    let was_up = unsafe { bindings::orion_helper_iscsi_conn_quiesce(conn) };
    // SAFETY: As above; the cleanup work is done, so no other callback of
    // the connection runs.
    let (session, c) = unsafe { (session_of::<T>(conn), conn_of::<T>(conn)) };
    if was_up {
        T::stop_conn(session, c, StopMode::Terminate);
    }
    T::destroy_conn(session, c);
    // SAFETY: As above. Removing it from sysfs waits for its attribute
    // readers.
    unsafe { bindings::iscsi_remove_conn(conn) };
    // SAFETY: Written by `create_conn`; no callback gets the connection
    // any more; read once.
    drop(unsafe { (*conn).dd_data.cast::<Arc<T::Conn>>().read() });
    // SAFETY: Drops the allocation's reference.
    unsafe { bindings::iscsi_put_conn(conn) };
}

/// `bind_conn` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live session and connection of `T`.
unsafe extern "C" fn bind_conn<T: IscsiOperations>(
    cls_session: *mut bindings::iscsi_cls_session,
    conn: *mut bindings::iscsi_cls_conn,
    transport_eph: u64,
    is_leading: c_int,
) -> c_int {
    let Ok(fd) = i32::try_from(transport_eph) else {
        return EINVAL.to_errno();
    };
    // SAFETY: The class passes a live session and connection of `T`.
    let (session, c) = unsafe { (Session::<T>::from_raw(cls_session), conn_of::<T>(conn)) };
    match T::bind_conn(session, c, fd, is_leading != 0) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `start_conn` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live connection of `T`.
unsafe extern "C" fn start_conn<T: IscsiOperations>(conn: *mut bindings::iscsi_cls_conn) -> c_int {
    // SAFETY: The class passes a live connection of `T`.
    let (session, c) = unsafe { (session_of::<T>(conn), conn_of::<T>(conn)) };
    match T::start_conn(session, c) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `stop_conn` of the class's function table.
///
/// # Safety
///
/// As for [`start_conn`].
unsafe extern "C" fn stop_conn<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    flag: c_int,
) {
    // SAFETY: The class passes a live connection of `T`.
    let (session, c) = unsafe { (session_of::<T>(conn), conn_of::<T>(conn)) };
    T::stop_conn(session, c, StopMode::from_raw(flag))
}

/// `set_param` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live connection of `T` and `buflen` bytes at
/// `buf`.
unsafe extern "C" fn set_param<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    param: bindings::iscsi_param,
    buf: *mut c_char,
    buflen: c_int,
) -> c_int {
    let Ok(len) = usize::try_from(buflen) else {
        return EINVAL.to_errno();
    };
    if buf.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: The class passes the value iscsid sent, `buflen` bytes.
    let value = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    // iscsid's strings end in a NUL the length counts.
    let value = value.split(|&b| b == 0).next().unwrap_or(&[]);
    // SAFETY: The class passes a live connection of `T`.
    let (session, c) = unsafe { (session_of::<T>(conn), conn_of::<T>(conn)) };
    match T::set_param(session, c, Param::from_raw(param), value) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Runs `show` on the sysfs page `buf`; the length written or an error.
///
/// # Safety
///
/// `buf` must be a sysfs page buffer, ours for the call.
unsafe fn show(buf: *mut c_char, show: impl FnOnce(&mut SysfsWriter<'_>) -> Result) -> c_int {
    // SAFETY: sysfs passes a PAGE_SIZE buffer (safety requirements). One
    // byte less: sysfs warns about a show that fills the page.
    let page = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), PAGE_SIZE - 1) };
    let mut w = SysfsWriter::new(page);
    match show(&mut w) {
        Ok(()) => c_int::try_from(w.len()).unwrap_or(0),
        Err(e) => e.to_errno(),
    }
}

/// `get_conn_param` of the class's function table.
///
/// # Safety
///
/// Called by the class's sysfs show with a live connection of `T` and a
/// page buffer.
unsafe extern "C" fn get_conn_param<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    param: bindings::iscsi_param,
    buf: *mut c_char,
) -> c_int {
    // SAFETY: The class passes a live connection of `T`.
    let (session, c) = unsafe { (session_of::<T>(conn), conn_of::<T>(conn)) };
    // SAFETY: A sysfs show buffer.
    unsafe {
        show(buf, |w| {
            T::get_conn_param(session, c, Param::from_raw(param), w)
        })
    }
}

/// `get_session_param` of the class's function table.
///
/// # Safety
///
/// Called by the class's sysfs show with a live session of `T` and a page
/// buffer.
unsafe extern "C" fn get_session_param<T: IscsiOperations>(
    cls: *mut bindings::iscsi_cls_session,
    param: bindings::iscsi_param,
    buf: *mut c_char,
) -> c_int {
    // SAFETY: The class passes a live session of `T`.
    let session = unsafe { Session::<T>::from_raw(cls) };
    // SAFETY: A sysfs show buffer.
    unsafe {
        show(buf, |w| {
            T::get_session_param(session.data(), Param::from_raw(param), w)
        })
    }
}

/// `get_host_param` of the class's function table.
///
/// # Safety
///
/// Called by the class's sysfs show with a live host of `T` and a page
/// buffer.
unsafe extern "C" fn get_host_param<T: IscsiOperations>(
    shost: *mut bindings::Scsi_Host,
    param: bindings::iscsi_host_param,
    buf: *mut c_char,
) -> c_int {
    // SAFETY: The class passes a live host of this transport, made from
    // `T`'s template.
    let host = unsafe { HostRef::<T>::from_raw(shost) };
    // SAFETY: A sysfs show buffer.
    unsafe {
        show(buf, |w| {
            T::get_host_param(host.data(), HostParam::from_raw(param), w)
        })
    }
}

/// `send_pdu` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live connection of `T`, a header and
/// `data_size` bytes of data from iscsid's message.
unsafe extern "C" fn send_pdu<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    hdr: *mut bindings::iscsi_hdr,
    data: *mut c_char,
    data_size: u32,
) -> c_int {
    if hdr.is_null() || data.is_null() {
        return EINVAL.to_errno();
    }
    // The class passes the data right after the header: their distance is
    // the header size iscsid gave, which it checked against the message.
    // Only a bare BHS is accepted (iscsid's login, text and logout
    // requests have no AHS).
    let hdr_size = (data as usize).checked_sub(hdr as usize);
    if hdr_size != Some(size_of::<bindings::iscsi_hdr>()) {
        return EINVAL.to_errno();
    }
    // SAFETY: The class checked the sizes against the netlink message it
    // holds for the call: a header, then `data_size` bytes.
    let h =
        unsafe { core::slice::from_raw_parts(hdr.cast::<u8>(), size_of::<bindings::iscsi_hdr>()) };
    let d = if data_size == 0 {
        &[][..]
    } else {
        // SAFETY: As above.
        unsafe { core::slice::from_raw_parts(data.cast::<u8>(), data_size as usize) }
    };
    // SAFETY: The class passes a live connection of `T`.
    let c = unsafe { conn_of::<T>(conn) };
    match T::send_pdu(c, h, d) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `get_stats` of the class's function table.
///
/// # Safety
///
/// Called by the class with a live connection of `T` and a statistics
/// buffer.
unsafe extern "C" fn get_stats<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    stats: *mut bindings::iscsi_stats,
) {
    // SAFETY: The class passes a live connection of `T`.
    let c = unsafe { conn_of::<T>(conn) };
    // SAFETY: The class passes a buffer for the statistics, ours for the
    // call; only the fixed fields are written (no custom entries).
    T::get_stats(c).fill(unsafe { &mut *stats });
}

/// `attr_is_visible` of the class's function table.
///
/// # Safety
///
/// Called by the class; touches no memory.
unsafe extern "C" fn attr_is_visible<T: IscsiOperations>(
    param_type: c_int,
    param: c_int,
) -> bindings::umode_t {
    let Ok(param) = u32::try_from(param) else {
        return 0;
    };
    let shown = match u32::try_from(param_type) {
        Ok(bindings::iscsi_param_type_ISCSI_PARAM) => T::param_visible(Param::from_raw(param)),
        Ok(bindings::iscsi_param_type_ISCSI_HOST_PARAM) => {
            T::host_param_visible(HostParam::from_raw(param))
        }
        _ => false,
    };
    if shown {
        0o444
    } else {
        0
    }
}
