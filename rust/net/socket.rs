// SPDX-License-Identifier: GPL-2.0

//! A TCP socket taken from a file descriptor, with non-blocking send and
//! receive.

use super::addr::SocketAddr;
use crate::bindings;
use core::ptr::NonNull;
use kernel::{
    error::to_result,
    ffi::{c_int, c_uint},
    page::{Page, PAGE_SIZE},
    prelude::*,
};

/// Most buffers one [`TcpSocket::send`] call passes on: an iSCSI PDU is at
/// most header, additional header segments, header digest, data, padding
/// and data digest.
pub const MAX_SEND_SEGMENTS: usize = 8;

/// Most bytes one call moves: the socket calls return an `int`.
const MAX_IO: usize = i32::MAX as usize;

/// The direction(s) [`TcpSocket::shutdown`] closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// No more receiving.
    Read,
    /// No more sending: the peer sees end of stream.
    Write,
    /// Both.
    Both,
}

impl Shutdown {
    fn how(self) -> bindings::sock_shutdown_cmd {
        match self {
            Shutdown::Read => bindings::sock_shutdown_cmd_SHUT_RD,
            Shutdown::Write => bindings::sock_shutdown_cmd_SHUT_WR,
            Shutdown::Both => bindings::sock_shutdown_cmd_SHUT_RDWR,
        }
    }
}

/// A TCP socket (IPv4 or IPv6) created by userspace and handed to the
/// kernel by file descriptor, as iscsid does for iSCSI connections.
///
/// All operations are non-blocking and take `&self`: the socket layer
/// serialises them with the socket lock. Send and receive take that lock,
/// which may sleep, so they run in process context (a work item).
///
/// # Invariants
///
/// `sock` came from `sockfd_lookup`, whose file reference this object holds
/// until dropped, so neither the socket nor `sk` is released meanwhile. `sk`
/// is `sock->sk` (set when the socket was created, changed only when it is
/// released), a TCP socket that was not listening when it was taken.
pub struct TcpSocket {
    sock: NonNull<bindings::socket>,
    sk: NonNull<bindings::sock>,
}

// SAFETY: The socket layer's entry points may be called from any thread; the
// file reference may be dropped from any context (`fput` defers the release).
unsafe impl Send for TcpSocket {}
// SAFETY: Every method takes `&self` and calls the socket layer, which
// serialises concurrent callers itself.
unsafe impl Sync for TcpSocket {}

impl TcpSocket {
    /// Takes the socket that `fd` refers to in the calling task's file table
    /// (iscsid's, during its netlink request), keeping a reference to its
    /// file, and sets it up as iscsi_tcp does for a storage connection
    /// (atomic allocations with access to the reserves, no task page
    /// fragment, no Nagle delay).
    ///
    /// Fails with `ENOTSOCK`/`EBADF` for a descriptor that is not a socket
    /// and `EINVAL` for a socket that is not a non-listening TCP socket. May
    /// sleep.
    pub fn from_fd(fd: i32) -> Result<Self> {
        let mut err: c_int = 0;
        // SAFETY: `err` is a valid place for the error code.
        let sock = unsafe { bindings::sockfd_lookup(fd, &mut err) };
        let Some(sock) = NonNull::new(sock) else {
            return Err(Error::from_errno(err));
        };
        // SAFETY: `sockfd_lookup` returned a socket whose file it holds.
        let sk = unsafe { (*sock.as_ptr()).sk };
        let Some(sk) = NonNull::new(sk) else {
            // SAFETY: As above.
            let file = unsafe { (*sock.as_ptr()).file };
            // SAFETY: The file reference `sockfd_lookup` took, given back
            // once (this is `sockfd_put`).
            unsafe { bindings::fput(file) };
            return Err(EINVAL);
        };
        // INVARIANT: The file reference is held; dropping `this` gives it
        // back. `sk` is checked to be a non-listening TCP socket just below.
        let this = Self { sock, sk };
        // SAFETY: `sock` is alive (file reference held).
        if !unsafe { bindings::orion_helper_sock_is_tcp(this.raw()) } {
            return Err(EINVAL);
        }
        // SAFETY: `sock` is an alive TCP socket; the helper sleeps, as this
        // function may.
        unsafe { bindings::orion_helper_sock_set_storage_opts(this.raw()) };
        Ok(this)
    }

    fn raw(&self) -> *mut bindings::socket {
        self.sock.as_ptr()
    }

    /// The `struct sock`, alive as long as `self` (type invariant).
    pub(super) fn sk(&self) -> *mut bindings::sock {
        self.sk.as_ptr()
    }

    /// Sends the concatenation of `bufs` without blocking and returns the
    /// number of bytes the socket took, which may be fewer than offered
    /// (`EAGAIN` when it took none: wait for
    /// [`SocketEvents::write_space`](super::SocketEvents::write_space)).
    /// The data is copied: the buffers are free again on return.
    ///
    /// At most [`MAX_SEND_SEGMENTS`] buffers are sent per call; `more` (more
    /// data follows soon: `MSG_MORE`) is implied when `bufs` has more.
    pub fn send(&self, bufs: &[&[u8]], more: bool) -> Result<usize> {
        let mut vecs = [bindings::kvec::default(); MAX_SEND_SEGMENTS];
        let mut nr = 0usize;
        let mut total = 0usize;
        for (vec, buf) in vecs.iter_mut().zip(bufs) {
            let len = buf.len().min(MAX_IO.saturating_sub(total));
            // The socket only reads from a source iterator: the cast to a
            // mutable pointer is what `struct kvec` requires, not a write.
            vec.iov_base = buf.as_ptr().cast_mut().cast();
            vec.iov_len = len;
            nr = nr.saturating_add(1);
            total = total.saturating_add(len);
        }
        if total == 0 {
            return Ok(0);
        }
        let mut flags = bindings::MSG_DONTWAIT | bindings::MSG_NOSIGNAL;
        if more || bufs.len() > nr {
            flags |= bindings::MSG_MORE;
        }
        let mut msg = bindings::msghdr {
            msg_flags: flags,
            ..Default::default()
        };
        // SAFETY: The socket is alive (type invariant); `vecs[..nr]` describe
        // `total` readable bytes borrowed for the call, and the data is copied
        // into socket buffers before it returns.
        let ret =
            unsafe { bindings::kernel_sendmsg(self.raw(), &mut msg, vecs.as_mut_ptr(), nr, total) };
        to_len(ret)
    }

    /// Sends `len` bytes of `page` from `offset` without blocking, like
    /// [`send`](Self::send), but without copying (`MSG_SPLICE_PAGES`) when
    /// the page can be spliced (`sendpage_ok`; a slab page is copied).
    ///
    /// A spliced page is referenced by the socket (`get_page`) and read
    /// until the peer acknowledges the data, after this call returns:
    /// writes to the page meanwhile (only possible through `Page`'s
    /// `unsafe` write methods, which forbid racing reads) change the data a
    /// retransmission carries. Use [`send`](Self::send) for data that is
    /// rewritten right away, or whose digest was computed over the sent copy.
    pub fn send_page(&self, page: &Page, offset: usize, len: usize, more: bool) -> Result<usize> {
        if offset > PAGE_SIZE || len > PAGE_SIZE.saturating_sub(offset) {
            return Err(EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
        let bv = bindings::bio_vec {
            bv_page: page.as_ptr(),
            bv_len: c_uint::try_from(len)?,
            bv_offset: c_uint::try_from(offset)?,
        };
        let mut flags = bindings::MSG_DONTWAIT | bindings::MSG_NOSIGNAL;
        if more {
            flags |= bindings::MSG_MORE;
        }
        // SAFETY: `page` is an allocated page, alive for the call.
        if unsafe { bindings::orion_helper_sendpage_ok(page.as_ptr()) } {
            flags |= bindings::MSG_SPLICE_PAGES;
        }
        let mut msg = bindings::msghdr {
            msg_flags: flags,
            ..Default::default()
        };
        // SAFETY: `msg.msg_iter` is a valid iterator to initialise; `bv`
        // describes `len` bytes inside `page` and outlives the send below.
        unsafe { bindings::iov_iter_bvec(&mut msg.msg_iter, bindings::ITER_SOURCE, &bv, 1, len) };
        // SAFETY: The socket is alive (type invariant). The socket copies
        // the data or, when splicing, takes its own reference to `page`
        // before this returns; `bv` itself is not kept.
        let ret = unsafe { bindings::sock_sendmsg(self.raw(), &mut msg) };
        to_len(ret)
    }

    /// Receives into `buf` without blocking: the number of bytes read, 0 at
    /// the end of the stream (the peer closed its side), `EAGAIN` when no
    /// data is queued (wait for
    /// [`SocketEvents::data_ready`](super::SocketEvents::data_ready)).
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        let len = buf.len().min(MAX_IO);
        if len == 0 {
            return Ok(0);
        }
        let mut vec = bindings::kvec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: len,
        };
        let mut msg = bindings::msghdr::default();
        let flags = bindings::MSG_DONTWAIT as c_int;
        // SAFETY: The socket is alive (type invariant); `vec` describes
        // `len` writable bytes of `buf`, exclusively borrowed for the call.
        let ret =
            unsafe { bindings::kernel_recvmsg(self.raw(), &mut msg, &mut vec, 1, len, flags) };
        to_len(ret)
    }

    /// Receives into the memory `bvecs` describe without blocking, as
    /// [`recv`](Self::recv) does into a slice: straight into pages, such
    /// as a SCSI command's data buffer, with no bounce buffer.
    ///
    /// # Safety
    ///
    /// For the call, every element of `bvecs` must describe `bv_len`
    /// bytes from `bv_offset` of `bv_page` (physically contiguous pages
    /// when that crosses a page end) that are alive, that the caller may
    /// write and that no Rust reference aliases (the socket writes them
    /// with the `iov_iter` copy routines).
    pub(crate) unsafe fn recv_bvecs(&self, bvecs: &[bindings::bio_vec]) -> Result<usize> {
        let len = bvecs
            .iter()
            .fold(0usize, |sum, bv| sum.saturating_add(bv.bv_len as usize))
            .min(MAX_IO);
        if len == 0 {
            return Ok(0);
        }
        let mut msg = bindings::msghdr::default();
        // SAFETY: `msg.msg_iter` is a valid iterator to initialise; `bvecs`
        // outlives the receive below, which alone uses the iterator.
        unsafe {
            bindings::iov_iter_bvec(
                &mut msg.msg_iter,
                bindings::ITER_DEST,
                bvecs.as_ptr(),
                bvecs.len(),
                len,
            )
        };
        let flags = bindings::MSG_DONTWAIT as c_int;
        // SAFETY: The socket is alive (type invariant); the iterator
        // describes `len` bytes the caller lets us write (function safety
        // requirement).
        let ret = unsafe { bindings::sock_recvmsg(self.raw(), &mut msg, flags) };
        to_len(ret)
    }

    /// Shuts the connection down in direction `how` (starts the TCP close
    /// handshake for [`Shutdown::Write`] and [`Shutdown::Both`]); the socket
    /// stays usable for whatever direction remains.
    pub fn shutdown(&self, how: Shutdown) -> Result {
        // SAFETY: The socket is alive (type invariant).
        to_result(unsafe { bindings::kernel_sock_shutdown(self.raw(), how.how()) })
    }

    /// The address and port of the peer (the iSCSI `persistent_address`
    /// and `port` connection parameters).
    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.addr(bindings::kernel_getpeername)
    }

    /// The local address and port (`local_address` and `local_port`).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.addr(bindings::kernel_getsockname)
    }

    fn addr(
        &self,
        getname: unsafe extern "C" fn(*mut bindings::socket, *mut bindings::sockaddr) -> c_int,
    ) -> Result<SocketAddr> {
        let mut storage = bindings::__kernel_sockaddr_storage::default();
        // SAFETY: The socket is alive (type invariant); `storage` is large
        // enough for the address of any family.
        let ret = unsafe { getname(self.raw(), core::ptr::from_mut(&mut storage).cast()) };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        SocketAddr::from_storage(&storage).ok_or(EAFNOSUPPORT)
    }
}

impl Drop for TcpSocket {
    fn drop(&mut self) {
        // SAFETY: The socket is alive until the `fput` below (type invariant).
        let file = unsafe { (*self.raw()).file };
        // SAFETY: The file reference taken by `sockfd_lookup` (type
        // invariant), given back once (`sockfd_put`).
        unsafe { bindings::fput(file) };
    }
}

/// A byte count or a negative errno from the socket layer.
fn to_len(ret: c_int) -> Result<usize> {
    usize::try_from(ret).map_err(|_| Error::from_errno(ret))
}
