// SPDX-License-Identifier: GPL-2.0

//! The C function table's entries: each turns the class's pointers back
//! into the session, connection and host the abstraction made, and calls
//! the driver's [`IscsiOperations`] method.

use super::{
    ConnHandle, HostParam, IscsiOperations, IscsiTransport, NewSession, Param, Session, StopMode,
    REGISTERED,
};
use crate::bindings;
use crate::scsi::{host::Host, host::HostRef, sysfs::SysfsWriter};
use kernel::{
    page::PAGE_SIZE,
    prelude::*,
    sync::{
        atomic::{Acquire, Full},
        Arc,
    },
};

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
pub(super) unsafe extern "C" fn create_session<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn destroy_session<T: IscsiOperations>(
    cls: *mut bindings::iscsi_cls_session,
) {
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
pub(super) unsafe extern "C" fn create_conn<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn destroy_conn<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
) {
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
pub(super) unsafe extern "C" fn bind_conn<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn start_conn<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
) -> c_int {
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
pub(super) unsafe extern "C" fn stop_conn<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn set_param<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn get_conn_param<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn get_session_param<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn get_host_param<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn send_pdu<T: IscsiOperations>(
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
pub(super) unsafe extern "C" fn get_stats<T: IscsiOperations>(
    conn: *mut bindings::iscsi_cls_conn,
    stats: *mut bindings::iscsi_stats,
) {
    // SAFETY: The class passes a live connection of `T`.
    let c = unsafe { conn_of::<T>(conn) };
    let all = T::get_stats(c);
    // SAFETY: The class passes a buffer for the statistics, ours for the
    // call.
    let customs = all.fill(unsafe { &mut *stats });
    // The entries follow the fixed fields; the pointer is taken from the
    // buffer's, not through a reference to the zero-sized array field.
    // SAFETY: `stats` points to the class's buffer (above).
    let base = unsafe { &raw mut (*stats).custom }.cast::<bindings::iscsi_stats_custom>();
    let max = bindings::ISCSI_STATS_CUSTOM_MAX as usize;
    for (i, custom) in customs.take(max).enumerate() {
        // Whole entries, zero-padded: the buffer is not zeroed and goes
        // to user space as it is.
        let mut entry = bindings::iscsi_stats_custom {
            desc: [0; bindings::ISCSI_STATS_CUSTOM_DESC_MAX as usize],
            value: custom.value,
        };
        let name = custom.name.to_bytes();
        let n = name.len().min(entry.desc.len().saturating_sub(1));
        for (d, s) in entry.desc.iter_mut().zip(name.iter().take(n)) {
            *d = *s as c_char;
        }
        // SAFETY: `i < ISCSI_STATS_CUSTOM_MAX`: the class sized the buffer
        // for that many entries after the fixed fields (`iscsi_if_get_stats`).
        let slot = unsafe { base.add(i) };
        // SAFETY: `slot` is inside the buffer and aligned like the array.
        unsafe { slot.write(entry) };
    }
}

/// `attr_is_visible` of the class's function table.
///
/// # Safety
///
/// Called by the class; touches no memory.
pub(super) unsafe extern "C" fn attr_is_visible<T: IscsiOperations>(
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
