// SPDX-License-Identifier: GPL-2.0

//! One iSCSI connection: the TCP socket iscsid handed over, the receive
//! side (socket callback -> work item -> PDU framing) and the send side.
//!
//! During login every PDU received goes up to iscsid and iscsid's PDUs go
//! out as they are; the last login response gives the CmdSN window and
//! StatSN the full feature phase ([`super::datapath`]) starts from.

use super::datapath::{self, Received};
use super::pdu::{
    segment::Digests, segment::PduLayout, serial::CmdSequence, serial::CmdWindow, CommonHeader,
    TargetPdu, BHS_LEN,
};
use super::session::SessionCore;
use super::stats::PduCounters;
use crate::net::{Shutdown, SocketAddr, SocketCallbacks, SocketEvents, TcpSocket};
use crate::scsi::iscsi::{ConnError, ConnHandle, ConnStats};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, ArcBorrow, Mutex},
    time::{delay::fsleep, Delta},
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

/// Largest PDU accepted (header, data segment and padding): iscsid offers
/// MaxRecvDataSegmentLength 256 KiB at most by default.
const MAX_PDU: usize = 256 * 1024 + 64;

/// Largest data segment sent (immediate data or one Data-Out): the send
/// buffer's size. Smaller than what the target accepts is allowed.
pub(crate) const MAX_SEND_SEGMENT: u32 = 256 * 1024;

/// How long a send waits for socket buffer space, in 1 ms steps.
const SEND_WAIT_MS: u32 = 5000;

/// A PDU being received.
struct Rx {
    buf: KVVec<u8>,
    /// Bytes of the PDU received so far.
    have: usize,
    /// The connection failed (reported once): nothing more is read.
    failed: bool,
}

/// The socket with our callbacks installed. Shared so that receiving and
/// sending do not hold the lock of [`Conn::socket`] (a send may wait for
/// buffer space while the receive side must go on).
type Bound = Arc<SocketCallbacks<Conn>>;

#[pin_data]
pub(crate) struct Conn {
    handle: ConnHandle,
    core: Arc<SessionCore>,
    /// The socket while bound.
    #[pin]
    socket: Mutex<Option<Bound>>,
    /// Serialises senders (PDUs go out whole, CmdSNs in order); holds the
    /// buffer data segments are copied into.
    #[pin]
    tx: Mutex<KVVec<u8>>,
    #[pin]
    rx: Mutex<Rx>,
    #[pin]
    rx_work: Work<Conn, 0>,
    #[pin]
    tx_work: Work<Conn, 1>,
    counters: PduCounters,
}

impl_has_work! {
    impl HasWork<Self, 0> for Conn { self.rx_work }
    impl HasWork<Self, 1> for Conn { self.tx_work }
}

impl Conn {
    pub(crate) fn new(handle: ConnHandle, core: Arc<SessionCore>) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                handle,
                core,
                socket <- new_mutex!(None),
                tx <- new_mutex!(KVVec::new()),
                rx <- new_mutex!(Rx {
                    buf: KVVec::new(),
                    have: 0,
                    failed: false,
                }),
                rx_work <- new_work!("orion_iscsi::rx"),
                tx_work <- new_work!("orion_iscsi::tx"),
                counters: PduCounters::new(),
            }),
            GFP_KERNEL,
        )
    }

    /// Takes over the socket iscsid connected (`fd` in the caller's
    /// process).
    pub(crate) fn bind(self: &Arc<Self>, fd: i32) -> Result {
        // The buffers are allocated here, in iscsid's context: the data
        // path then allocates nothing (it may run to free memory, writing
        // pages back to this very session).
        {
            let mut rx = self.rx.lock();
            if rx.buf.len() < MAX_PDU {
                rx.buf.resize(MAX_PDU, 0, GFP_KERNEL)?;
            }
            rx.have = 0;
            rx.failed = false;
        }
        {
            let mut tx = self.tx.lock();
            let want = MAX_SEND_SEGMENT as usize;
            if tx.len() < want {
                tx.resize(want, 0, GFP_KERNEL)?;
            }
        }
        let socket = TcpSocket::from_fd(fd)?;
        let installed = Arc::new(SocketCallbacks::install(socket, self.clone())?, GFP_KERNEL)?;
        let old = self.socket.lock().replace(installed);
        if let Some(old) = old {
            let _ = old.socket().shutdown(Shutdown::Both);
        }
        // Data may have arrived before the callbacks were in place.
        self.kick_rx();
        Ok(())
    }

    /// Stops using the socket: it is shut down, the receive work is
    /// cancelled, and the callbacks are restored (which waits for any
    /// running one) when the last user of the socket lets go of it, here
    /// or in a send in progress.
    pub(crate) fn unbind(self: &Arc<Self>) {
        let taken = self.socket.lock().take();
        if let Some(bound) = &taken {
            let _ = bound.socket().shutdown(Shutdown::Both);
        }
        drop(taken);
        // No callback queues them any more; a queued or running one ends.
        crate::hw::work::cancel_sync::<Conn, 0>(self);
        crate::hw::work::cancel_sync::<Conn, 1>(self);
        self.rx.lock().have = 0;
    }

    fn kick_rx(self: &Arc<Self>) {
        let _ = workqueue::system().enqueue::<Arc<Conn>, 0>(self.clone());
    }

    /// Runs the send work (new jobs, or the window opened).
    pub(crate) fn kick_tx(self: &Arc<Self>) {
        let _ = workqueue::system().enqueue::<Arc<Conn>, 1>(self.clone());
    }

    fn bound(&self) -> Option<Bound> {
        self.socket.lock().clone()
    }

    /// Sends a PDU iscsid built: header, data segment, padding. In the
    /// full feature phase (a logout, a text request) it gets the session's
    /// CmdSN and ExpStatSN, as libiscsi gives them.
    pub(crate) fn send_pdu(&self, hdr: &[u8], data: &[u8]) -> Result {
        let mut bhs: [u8; BHS_LEN] = hdr.try_into().map_err(|_| EINVAL)?;
        let _tx = self.tx.lock();
        {
            let mut st = self.core.state.lock();
            if st.running {
                let immediate = bhs.first().is_some_and(|b| b & 0x40 != 0);
                let cmd_sn = if immediate {
                    st.seq.immediate()
                } else {
                    let sn = st.seq.next_cmd_sn();
                    let _ = st.seq.assign();
                    sn
                };
                if let Some(f) = bhs.get_mut(24..28) {
                    f.copy_from_slice(&cmd_sn.to_be_bytes());
                }
                if let Some(f) = bhs.get_mut(28..32) {
                    f.copy_from_slice(&st.exp_stat_sn.to_be_bytes());
                }
            }
        }
        self.send_raw(&bhs, data)
    }

    /// Sends one PDU: header, data segment, padding. The caller holds
    /// `tx`.
    pub(crate) fn send_raw(&self, hdr: &[u8], data: &[u8]) -> Result {
        let pad = [0u8; 3];
        let pad = pad
            .get(..super::pdu::segment::pad_len(data.len()))
            .unwrap_or(&[]);
        let bound = self.bound().ok_or(ENOTCONN)?;
        send_all(bound.socket(), &[hdr, data, pad])?;
        if let Some(&b0) = hdr.first() {
            if let Ok(op) = super::pdu::Opcode::from_byte0(b0) {
                self.counters.count(op, data.len());
            }
        }
        Ok(())
    }

    pub(crate) fn stats(&self) -> ConnStats {
        self.counters.snapshot()
    }

    /// The target's address and port (`peer`), or ours.
    pub(crate) fn address(&self, peer: bool) -> Option<SocketAddr> {
        let bound = self.bound()?;
        let socket = bound.socket();
        if peer {
            socket.peer_addr().ok()
        } else {
            socket.local_addr().ok()
        }
    }

    /// Receives what the socket has, passing each whole PDU up.
    fn receive(&self) {
        let Some(bound) = self.bound() else {
            return;
        };
        let socket = bound.socket();
        let mut rx = self.rx.lock();
        let fail = |rx: &mut Rx, err: ConnError| {
            // Once: the class stops the connection and iscsid reconnects.
            rx.failed = true;
            self.handle.error_event(err);
        };
        while !rx.failed {
            let need = match pdu_len(&rx) {
                Ok(n) => n,
                Err(e) => {
                    pr_err!("iSCSI: bad PDU from the target ({:?})\n", e);
                    fail(&mut rx, ConnError::Protocol);
                    return;
                }
            };
            // `pdu_len` keeps `need` within the buffer `bind` allocated.
            if rx.buf.len() < need {
                fail(&mut rx, ConnError::ConnFailed);
                return;
            }
            let have = rx.have;
            let Some(dst) = rx.buf.get_mut(have..need) else {
                return;
            };
            match socket.recv(dst) {
                Ok(0) => {
                    fail(&mut rx, ConnError::ConnFailed);
                    return;
                }
                Ok(n) => rx.have = have.saturating_add(n),
                Err(e) if e == EAGAIN => return,
                Err(_) => {
                    fail(&mut rx, ConnError::ConnFailed);
                    return;
                }
            }
            if rx.have == need && (need > BHS_LEN || pdu_len(&rx) == Ok(BHS_LEN)) {
                if let Some(pdu) = rx.buf.get(..need) {
                    self.deliver(pdu);
                }
                rx.have = 0;
            }
        }
    }

    /// Handles a received PDU: the data path's, or iscsid's.
    fn deliver(&self, pdu: &[u8]) {
        let Some(hdr) = pdu
            .get(..BHS_LEN)
            .and_then(|h| <&[u8; BHS_LEN]>::try_from(h).ok())
        else {
            return;
        };
        let Ok(common) = CommonHeader::parse(hdr) else {
            return;
        };
        let layout = PduLayout::new(&common, Digests::default());
        let data = layout.ok().and_then(|l| {
            let at = l.data_offset()?;
            pdu.get(at..at.checked_add(l.data_len)?)
        });
        self.counters
            .count(common.opcode, data.map_or(0, |d| d.len()));
        let data = data.unwrap_or(&[]);
        let decoded = TargetPdu::decode(hdr);
        let running = self.core.state.lock().running;
        if running {
            let handled = decoded
                .map_err(datapath::Violation::Codec)
                .and_then(|p| datapath::receive(&self.core, &p, data));
            match handled {
                Ok(Received::Done) => return,
                Ok(Received::Up) => {}
                Err(v) => {
                    pr_err!("iSCSI: protocol violation by the target: {}\n", v);
                    self.handle.error_event(ConnError::Protocol);
                    return;
                }
            }
        } else if let Ok(TargetPdu::LoginResponse(r)) = decoded {
            // The full feature phase starts from the final response's
            // numbers.
            let mut st = self.core.state.lock();
            st.exp_stat_sn = r.sn.stat_sn.wrapping_add(1);
            if let Some(w) = CmdWindow::new(r.sn.exp_cmd_sn, r.sn.max_cmd_sn) {
                st.seq = CmdSequence::new(w);
            }
        }
        if self.handle.recv_pdu(hdr, data).is_err() {
            pr_warn!("iSCSI: a PDU could not be passed to iscsid\n");
        }
    }
}

/// The length of the PDU being received: the BHS until it is complete,
/// then the whole PDU.
fn pdu_len(rx: &Rx) -> core::result::Result<usize, super::pdu::PduError> {
    if rx.have < BHS_LEN {
        return Ok(BHS_LEN);
    }
    let bhs = super::pdu::bhs::bhs_of(&rx.buf)?;
    let common = CommonHeader::parse(bhs)?;
    let len = PduLayout::new(&common, Digests::default())?
        .total_len()
        .ok_or(super::pdu::PduError::DataSegmentTooLong)?;
    if len > MAX_PDU {
        return Err(super::pdu::PduError::DataSegmentTooLong);
    }
    Ok(len)
}

/// Sends every byte of `parts`, waiting for buffer space (process
/// context).
fn send_all(socket: &TcpSocket, parts: &[&[u8]]) -> Result {
    let mut left: usize = parts.iter().map(|p| p.len()).sum();
    let mut skip = 0usize;
    let mut waited = 0u32;
    while left > 0 {
        // The parts from byte `skip` on.
        let mut bufs: [&[u8]; 3] = [&[]; 3];
        let mut off = skip;
        let mut n = 0usize;
        for p in parts {
            if off >= p.len() {
                off -= p.len();
                continue;
            }
            if let (Some(slot), Some(rest)) = (bufs.get_mut(n), p.get(off..)) {
                *slot = rest;
                n += 1;
            }
            off = 0;
        }
        match socket.send(bufs.get(..n).unwrap_or(&[]), false) {
            Ok(sent) => {
                skip = skip.saturating_add(sent);
                left = left.saturating_sub(sent);
            }
            Err(e) if e == EAGAIN && waited < SEND_WAIT_MS => {
                waited += 1;
                fsleep(Delta::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl WorkItem<0> for Conn {
    type Pointer = Arc<Conn>;

    fn run(this: Arc<Conn>) {
        this.receive();
        // Responses may have opened the window or queued Data-Out.
        this.kick_tx();
    }
}

impl WorkItem<1> for Conn {
    type Pointer = Arc<Conn>;

    fn run(this: Arc<Conn>) {
        let mut tx = this.tx.lock();
        if let Err(e) = datapath::send_jobs(&this, &this.core, &mut tx) {
            pr_err!("iSCSI: send failed: {:?}\n", e);
            this.handle.error_event(ConnError::ConnFailed);
        }
    }
}

impl SocketEvents for Conn {
    fn data_ready(this: ArcBorrow<'_, Self>) {
        Arc::from(this).kick_rx();
    }

    fn state_change(this: ArcBorrow<'_, Self>, closed: bool) {
        if closed {
            Arc::from(this).kick_rx();
        }
    }

    fn write_space(_this: ArcBorrow<'_, Self>) {}
}
