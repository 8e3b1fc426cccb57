// SPDX-License-Identifier: GPL-2.0

//! Socket event callbacks (`sk_data_ready`, `sk_state_change`,
//! `sk_write_space`) delivered to an owner object, as iscsi_tcp installs
//! them on the socket of a bound connection.

use super::socket::TcpSocket;
use crate::bindings;
use core::{ffi::c_void, mem::ManuallyDrop, ptr::NonNull};
use kernel::{
    error::to_result,
    prelude::*,
    sync::{Arc, ArcBorrow},
};

/// What the owner of a socket is told about it.
///
/// # Context
///
/// The methods run in atomic context: in softirq, or in the thread of a
/// [`TcpSocket`] call (the socket processes its backlog and state changes
/// there), with bottom halves disabled and `sk_callback_lock` held for
/// reading. They must not sleep, must not call [`TcpSocket`] methods, and
/// must not drop or restore the [`SocketCallbacks`] of this socket (its
/// restore waits for them). The usual body queues a work item, which does
/// the receiving or sending; `this` can be turned into an [`Arc`] for that.
pub trait SocketEvents: Send + Sync + 'static {
    /// Data arrived (or the peer closed its side): [`TcpSocket::recv`]
    /// returns it.
    fn data_ready(this: ArcBorrow<'_, Self>);

    /// The TCP state changed; `closed` when the peer has closed its side or
    /// the connection is gone. Data received before that can still be read.
    fn state_change(this: ArcBorrow<'_, Self>, closed: bool);

    /// Send buffer space became free after a send that took less than it
    /// was offered or failed with `EAGAIN`.
    fn write_space(this: ArcBorrow<'_, Self>);
}

#[derive(Clone, Copy)]
enum Event {
    DataReady,
    StateChange { closed: bool },
    WriteSpace,
}

/// Marks the objects `sk_user_data` points to while callbacks are installed
/// by this module: its address is the first word of each [`Header`], so a
/// callback of ours never mistakes another user's `sk_user_data` for one.
static TAG: u8 = 0;

/// The part of an installation the C callbacks reach through `sk_user_data`.
///
/// Aligned to 8 so that `sk_user_data`'s flag bits are free.
#[repr(C, align(8))]
struct Header {
    /// The address of [`TAG`].
    tag: *const u8,
    /// The callbacks the socket had before, restored on drop; the socket
    /// layer's own `state_change` and `write_space` are chained to.
    old: bindings::orion_sk_callbacks,
    /// [`dispatch::<T>`] for the `T` of the [`Installed<T>`] this heads.
    dispatch: unsafe fn(NonNull<Header>, Event),
}

/// The `sk_user_data` of a socket with callbacks installed: the header, and
/// the reference to the owner that the installation holds.
#[repr(C)]
struct Installed<T: SocketEvents> {
    header: Header,
    owner: Arc<T>,
}

/// Calls the owner's method for `event`.
///
/// # Safety
///
/// `hdr` must point to the header of a live [`Installed<T>`].
unsafe fn dispatch<T: SocketEvents>(hdr: NonNull<Header>, event: Event) {
    // SAFETY: `Installed<T>` is `repr(C)` with the header first, and `hdr`
    // heads a live one (function safety requirement).
    let installed = unsafe { hdr.cast::<Installed<T>>().as_ref() };
    let owner = installed.owner.as_arc_borrow();
    match event {
        Event::DataReady => T::data_ready(owner),
        Event::StateChange { closed } => T::state_change(owner, closed),
        Event::WriteSpace => T::write_space(owner),
    }
}

/// Delivers `event` to the owner of the installation on `sk`, if any, and
/// returns the callbacks that installation replaced.
///
/// # Safety
///
/// `sk` must be a live socket.
unsafe fn deliver(sk: *mut bindings::sock, event: Event) -> Option<bindings::orion_sk_callbacks> {
    let tag = (&raw const TAG).cast::<c_void>();
    // SAFETY: `sk` is live (function safety requirement).
    let data = unsafe { bindings::orion_helper_sk_callback_read_lock(sk, tag) };
    let mut old = None;
    if let Some(hdr) = NonNull::new(data.cast::<Header>()) {
        // SAFETY: The helper returns only an object that starts with the
        // tag, i.e. a `Header` installed by `SocketCallbacks::install`, and
        // holds `sk_callback_lock`, under which it stays live (it is freed
        // only after a restore under the write lock). Nothing writes to it
        // while it is installed.
        let header = unsafe { hdr.as_ref() };
        // SAFETY: `dispatch` was stored with the `Installed<T>` that `hdr`
        // heads, which is live.
        unsafe { (header.dispatch)(hdr, event) };
        old = Some(header.old);
    }
    // SAFETY: Taken above.
    unsafe { bindings::orion_helper_sk_callback_read_unlock(sk) };
    old
}

/// `sk_data_ready`. The socket layer's own (waking readers) is not chained
/// to: this socket's data is for the owner, as in iscsi_tcp.
///
/// # Safety
///
/// Only the socket layer calls this, with a live socket.
unsafe extern "C" fn data_ready(sk: *mut bindings::sock) {
    // SAFETY: `sk` is live (function safety requirement).
    unsafe { deliver(sk, Event::DataReady) };
}

/// `sk_state_change`, chained to the previous one (which wakes waiters).
///
/// # Safety
///
/// Only the socket layer calls this, with a live socket.
unsafe extern "C" fn state_change(sk: *mut bindings::sock) {
    // SAFETY: `sk` is live (function safety requirement).
    let closed = unsafe { bindings::orion_helper_sk_closed(sk) };
    // SAFETY: As above.
    let old = unsafe { deliver(sk, Event::StateChange { closed }) };
    if let Some(prev) = old.and_then(|cbs| cbs.state_change) {
        // SAFETY: The callback the socket had, called as the socket layer
        // would; like iscsi_tcp, after dropping `sk_callback_lock`.
        unsafe { prev(sk) };
    }
}

/// `sk_write_space`, chained to the previous one (which clears the
/// socket's no-space flag and wakes waiters).
///
/// # Safety
///
/// Only the socket layer calls this, with a live socket.
unsafe extern "C" fn write_space(sk: *mut bindings::sock) {
    // SAFETY: `sk` is live (function safety requirement).
    let old = unsafe { deliver(sk, Event::WriteSpace) };
    if let Some(prev) = old.and_then(|cbs| cbs.write_space) {
        // SAFETY: As in `state_change`.
        unsafe { prev(sk) };
    }
}

/// A [`TcpSocket`] whose events go to an owner `T`, until this is dropped
/// (or [`into_socket`](Self::into_socket) is called): then the previous
/// callbacks are restored and callbacks already running have finished
/// before the owner reference is released. Restoring is thus not a step a
/// driver can forget.
///
/// Dropping this may not happen in hard-IRQ context or from a
/// [`SocketEvents`] method; dropping the owner's last reference runs `T`'s
/// destructor in the dropping context. An owner that keeps this inside
/// itself makes a reference cycle: keep it in an `Option` taken on
/// teardown (connection stop).
///
/// # Invariants
///
/// `installed` comes from [`KBox::into_raw`]; its header is the socket's
/// `sk_user_data` and the callbacks of this module are installed, with the
/// replaced ones in `header.old`, which is not written afterwards.
pub struct SocketCallbacks<T: SocketEvents> {
    socket: TcpSocket,
    installed: NonNull<Installed<T>>,
}

// SAFETY: This owns a `TcpSocket` (`Send`) and, through `installed`, an
// `Arc<T>` with `T: Send + Sync`; restoring works from any thread.
unsafe impl<T: SocketEvents> Send for SocketCallbacks<T> {}
// SAFETY: Shared access reaches only the `TcpSocket` (`Sync`).
unsafe impl<T: SocketEvents> Sync for SocketCallbacks<T> {}

impl<T: SocketEvents> SocketCallbacks<T> {
    /// Installs the callbacks on `socket`, with `owner` reachable from them
    /// (the installation holds a reference). Fails with `EBUSY` if another
    /// kernel user (including another installation) has the socket's
    /// callbacks; `socket` is released then. May sleep.
    pub fn install(socket: TcpSocket, owner: Arc<T>) -> Result<Self> {
        let installed = KBox::new(
            Installed {
                header: Header {
                    tag: &raw const TAG,
                    old: bindings::orion_sk_callbacks {
                        data_ready: Some(data_ready),
                        state_change: Some(state_change),
                        write_space: Some(write_space),
                    },
                    dispatch: dispatch::<T>,
                },
                owner,
            },
            GFP_KERNEL,
        )?;
        let ptr = KBox::into_raw(installed);
        let Some(installed) = NonNull::new(ptr) else {
            // `KBox::into_raw` never returns NULL.
            return Err(ENOMEM);
        };
        // SAFETY: `ptr` points to the allocation just made.
        let cbs = unsafe { &raw mut (*ptr).header.old };
        // SAFETY: The socket is live (`TcpSocket` invariant) and `cbs` is
        // valid; no callback reaches the installation before the helper has
        // also stored the replaced callbacks in `cbs`, under the lock.
        let ret =
            unsafe { bindings::orion_helper_sk_install_callbacks(socket.sk(), ptr.cast(), cbs) };
        if let Err(e) = to_result(ret) {
            // SAFETY: Not installed: `ptr` is unshared and reclaimed once.
            drop(unsafe { KBox::from_raw(ptr) });
            return Err(e);
        }
        // INVARIANT: Installed just above, with the replaced callbacks in
        // `header.old`.
        Ok(Self { socket, installed })
    }

    /// The socket, for sending and receiving.
    pub fn socket(&self) -> &TcpSocket {
        &self.socket
    }

    /// Restores the previous callbacks and gives the socket back.
    pub fn into_socket(self) -> TcpSocket {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so this is the only restore.
        unsafe { this.restore() };
        // SAFETY: `socket` is moved out once; `this` is not used or dropped
        // afterwards.
        unsafe { core::ptr::read(&this.socket) }
    }

    /// Restores the previous callbacks, then frees the installation.
    ///
    /// # Safety
    ///
    /// Must be called once; the installation is gone afterwards.
    unsafe fn restore(&mut self) {
        let ptr = self.installed.as_ptr();
        // SAFETY: The installation is live and `header.old` no longer
        // written (type invariant).
        let old = unsafe { (*ptr).header.old };
        // SAFETY: The socket is live (`TcpSocket` invariant). Under the
        // write lock: afterwards no callback finds the installation, and
        // none that found it is still running.
        unsafe { bindings::orion_helper_sk_restore_callbacks(self.socket.sk(), &old) };
        // SAFETY: From `KBox::into_raw` (type invariant), unreachable from
        // the socket now, reclaimed once (function safety requirement).
        drop(unsafe { KBox::from_raw(ptr) });
    }
}

impl<T: SocketEvents> Drop for SocketCallbacks<T> {
    fn drop(&mut self) {
        // SAFETY: Dropped once; `into_socket` does not drop.
        unsafe { self.restore() };
    }
}
