// SPDX-License-Identifier: GPL-2.0

//! One iSCSI connection: the TCP socket iscsid handed over, the receive
//! side (socket callback -> work item -> PDU framing) and the send side.
//!
//! During login every PDU received goes up to iscsid and iscsid's PDUs go
//! out as they are; the last login response gives the CmdSN window and
//! StatSN the full feature phase ([`super::datapath`]) starts from.

use super::datapath::{self, Staged};
use super::framing::{self, Frame};
use super::pdu::{
    segment::Digests, serial::CmdSequence, serial::CmdWindow, CommonHeader, Opcode, TargetPdu,
    BHS_LEN,
};
use super::ping::PingCheck;
use super::receive::{self, DataInTarget, Received};
use super::session::{Phase, SessionCore};
use super::stats::PduCounters;
use crate::common::latency::Clock;
use crate::hw::{OwnedQueue, Periodic};
use crate::net::{Shutdown, SocketAddr, SocketCallbacks, SocketEvents, TcpSocket};
use crate::scsi::iscsi::{ConnError, ConnHandle, ConnStats};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{Atomic, Full, Relaxed},
        Arc, ArcBorrow, Mutex,
    },
    workqueue::{impl_has_work, new_work, Work, WorkItem},
};

/// The data segment received during login (RFC 7143 13.12: 8192 until
/// MaxRecvDataSegmentLength is negotiated); the receive buffer grows to the
/// negotiated value at `start_conn`.
const LOGIN_RECV_SEGMENT: u32 = 8192;

/// The largest MaxRecvDataSegmentLength (RFC 7143 13.12).
pub(crate) const MAX_RECV_SEGMENT: u32 = (1 << 24) - 1;

/// The largest PDU with a data segment of `seg` bytes: header, the longest
/// AHS, data segment, padding and digests.
fn max_pdu(seg: u32) -> usize {
    BHS_LEN + 255 * 4 + seg as usize + 3 + 8
}

/// Largest data segment sent (immediate data or one Data-Out): the send
/// buffer's size. Smaller than what the target accepts is allowed.
pub(crate) const MAX_SEND_SEGMENT: u32 = 256 * 1024;

/// Largest data segment of a PDU iscsid sends.
const MAX_MGMT_DATA: usize = 16 * 1024;

/// PDUs a send or receive work run handles before it yields (requeued),
/// so that one busy connection does not hold a worker.
const BUDGET: u32 = 64;

/// A PDU being received.
struct Rx {
    buf: KVVec<u8>,
    /// Bytes of the PDU received so far (in `buf`, or as `data_in`).
    have: usize,
    /// A Data-In whose data segment is being received straight into its
    /// command's buffer; its header is in `buf`.
    data_in: Option<DataInTarget>,
    /// Our MaxRecvDataSegmentLength: a longer data segment is the target's
    /// protocol error.
    max_recv: u32,
    /// The digests of the full feature phase (none during login).
    digests: Digests,
}

/// The socket with our callbacks installed. Shared so that receiving and
/// sending do not hold the lock of [`Conn::socket`] (a send may wait for
/// buffer space while the receive side must go on).
type Bound = Arc<SocketCallbacks<Conn>>;

#[pin_data]
pub(crate) struct Conn {
    handle: ConnHandle,
    core: Arc<SessionCore>,
    /// The session's reclaim-safe queue the send and receive work run on.
    queue: Arc<OwnedQueue>,
    /// The connection failed (reported once) or is being stopped: nothing
    /// more is sent, received or reported.
    failed: Atomic<bool>,
    /// The socket while bound.
    #[pin]
    socket: Mutex<Option<Bound>>,
    /// The PDU being sent (only the send work sends).
    #[pin]
    tx: Mutex<Staged>,
    #[pin]
    rx: Mutex<Rx>,
    /// When something was last received, on `clock`.
    last_recv_ns: Atomic<u64>,
    clock: Clock,
    /// The NOP-Out ping checker while the full feature phase runs.
    #[pin]
    pinger: Mutex<Option<Pin<KBox<Periodic<PingCheck>>>>>,
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
    pub(crate) fn new(
        handle: ConnHandle,
        core: Arc<SessionCore>,
        queue: Arc<OwnedQueue>,
    ) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                handle,
                core,
                queue,
                failed: Atomic::new(true),
                socket <- new_mutex!(None),
                tx <- new_mutex!(Staged::new()),
                rx <- new_mutex!(Rx {
                    buf: KVVec::new(),
                    have: 0,
                    data_in: None,
                    max_recv: LOGIN_RECV_SEGMENT,
                    digests: Digests::default(),
                }),
                last_recv_ns: Atomic::new(0),
                clock: Clock::new(),
                pinger <- new_mutex!(None),
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
        let data_in = {
            let mut rx = self.rx.lock();
            let want = max_pdu(LOGIN_RECV_SEGMENT);
            if rx.buf.len() < want {
                rx.buf.resize(want, 0, GFP_KERNEL)?;
            }
            rx.max_recv = LOGIN_RECV_SEGMENT;
            rx.digests = Digests::default();
            rx.have = 0;
            rx.data_in.take()
        };
        // Bound again without a stop: the old checker goes (the next
        // start makes one), and a Data-In the old socket cut short does
        // not continue from the new one.
        let pinger = self.pinger.lock().take();
        drop(pinger);
        if let Some(target) = data_in {
            target.finish(&self.core, false);
        }
        {
            let mut tx = self.tx.lock();
            if tx.buf.len() < Staged::CAPACITY {
                tx.buf.resize(Staged::CAPACITY, 0, GFP_KERNEL)?;
            }
            tx.len = 0;
            tx.sent = 0;
            tx.digests = Digests::default();
        }
        let socket = TcpSocket::from_fd(fd)?;
        let installed = Arc::new(SocketCallbacks::install(socket, self.clone())?, GFP_KERNEL)?;
        let old = self.socket.lock().replace(installed);
        if let Some(old) = old {
            let _ = old.socket().shutdown(Shutdown::Both);
        }
        self.failed.store(false, Relaxed);
        // Data may have arrived before the callbacks were in place.
        self.kick_rx();
        Ok(())
    }

    /// Makes the receive buffer take PDUs with data segments of `seg`
    /// bytes (our MaxRecvDataSegmentLength), before the full feature phase
    /// starts; in iscsid's context, so that the data path allocates nothing.
    pub(crate) fn set_max_recv(&self, seg: u32) -> Result {
        let seg = seg.min(MAX_RECV_SEGMENT);
        let want = max_pdu(seg);
        let mut rx = self.rx.lock();
        if rx.buf.len() < want {
            rx.buf.resize(want, 0, GFP_KERNEL)?;
        }
        rx.max_recv = seg;
        Ok(())
    }

    /// Turns on the digests login negotiated, for the full feature phase
    /// (before it starts: the target uses them from the PDU after the
    /// last login response).
    pub(crate) fn set_digests(&self, digests: Digests) {
        self.rx.lock().digests = digests;
        self.tx.lock().digests = digests;
    }

    /// Starts NOP-Out pings every `interval_s` of silence, failing the
    /// connection when one goes `timeout_s` more unanswered (0: off).
    pub(crate) fn start_pings(self: &Arc<Self>, interval_s: u32, timeout_s: u32) -> Result {
        self.last_recv_ns.store(self.clock.now_ns(), Relaxed);
        {
            let mut st = self.core.state.lock();
            st.ping.to_send = None;
            st.ping.waiting = None;
        }
        let pinger = PingCheck::start(self, interval_s, timeout_s)?;
        // An earlier checker is cancelled as it drops, outside the lock.
        let old = core::mem::replace(&mut *self.pinger.lock(), pinger);
        drop(old);
        Ok(())
    }

    /// Now, on the connection's clock.
    pub(crate) fn now_ns(&self) -> u64 {
        self.clock.now_ns()
    }

    /// Milliseconds since something was last received.
    pub(crate) fn idle_ms(&self) -> u64 {
        let last = self.last_recv_ns.load(Relaxed);
        self.clock.now_ns().saturating_sub(last) / 1_000_000
    }

    /// The connection failed or is stopping.
    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Relaxed)
    }

    /// The session state it carries.
    pub(crate) fn core(&self) -> &SessionCore {
        &self.core
    }

    /// Stops the connection's traffic: nothing more is received, sent or
    /// reported (the work and callbacks may still run, and find nothing to
    /// do).
    pub(crate) fn quiesce(&self) {
        let _ = self.failed.xchg(true, Full);
    }

    /// Stops using the socket, for good once the caller has made sure no
    /// one kicks the work any more (`forget_conn`): traffic stops, the
    /// socket is shut down and taken, the work is cancelled (its runs drop
    /// their socket references), the callbacks are restored with the last
    /// reference (no callback kicks the work after that), and the work is
    /// cancelled again (receive first, which kicks send).
    pub(crate) fn unbind(self: &Arc<Self>) {
        self.quiesce();
        // The checker holds a reference to us: cancelled and dropped here
        // (never from its own run), which breaks the cycle.
        let pinger = self.pinger.lock().take();
        drop(pinger);
        let taken = self.socket.lock().take();
        if let Some(bound) = &taken {
            let _ = bound.socket().shutdown(Shutdown::Both);
        }
        crate::hw::work::cancel_sync::<Conn, 1>(self);
        crate::hw::work::cancel_sync::<Conn, 0>(self);
        drop(taken);
        crate::hw::work::cancel_sync::<Conn, 0>(self);
        crate::hw::work::cancel_sync::<Conn, 1>(self);
        let data_in = {
            let mut rx = self.rx.lock();
            rx.have = 0;
            rx.data_in.take()
        };
        // A Data-In cut short: its command goes back to its task, to be
        // given back with the others (or completes, when only padding was
        // missing after all its data and status).
        if let Some(target) = data_in {
            target.finish(&self.core, false);
        }
        let mut tx = self.tx.lock();
        tx.len = 0;
        tx.sent = 0;
    }

    /// Reports a connection error to iscsid, once: the class stops the
    /// connection and iscsid logs in again. `true` if this call reported.
    pub(crate) fn fail(&self, err: ConnError) -> bool {
        if self.failed.xchg(true, Full) {
            return false;
        }
        self.handle.error_event(err);
        true
    }

    fn kick_rx(self: &Arc<Self>) {
        let _ = self.queue.enqueue::<Arc<Conn>, 0>(self.clone());
    }

    /// Runs the send work (new jobs, the window opened, buffer space).
    pub(crate) fn kick_tx(self: &Arc<Self>) {
        let _ = self.queue.enqueue::<Arc<Conn>, 1>(self.clone());
    }

    fn bound(&self) -> Option<Bound> {
        self.socket.lock().clone()
    }

    /// Queues a PDU iscsid built (login, text, logout) for the send
    /// work, which gives it the session's CmdSN and ExpStatSN in the full
    /// feature phase, in order with the commands, as libiscsi does.
    pub(crate) fn send_pdu(self: &Arc<Self>, hdr: &[u8], data: &[u8]) -> Result {
        if hdr.len() != BHS_LEN || self.bound().is_none() {
            return Err(if hdr.len() != BHS_LEN {
                EINVAL
            } else {
                ENOTCONN
            });
        }
        // Login and text data segments are 8 KiB at most during login
        // and small after; a bound keeps the allocation small.
        if data.len() > MAX_MGMT_DATA {
            return Err(EINVAL);
        }
        let len = BHS_LEN.checked_add(data.len()).ok_or(EINVAL)?;
        let mut pdu = KVec::with_capacity(len, GFP_KERNEL)?;
        pdu.extend_from_slice(hdr, GFP_KERNEL)?;
        pdu.extend_from_slice(data, GFP_KERNEL)?;
        let refused = self.core.state.lock().mgmt.push(pdu);
        if let Err(pdu) = refused {
            // Freed outside the lock.
            drop(pdu);
            return Err(EAGAIN);
        }
        self.kick_tx();
        Ok(())
    }

    /// Sends what is staged and stages more, until the socket is full,
    /// nothing is left or the budget is spent.
    fn transmit(self: &Arc<Self>) {
        let Some(bound) = self.bound() else {
            return;
        };
        let mut tx = self.tx.lock();
        let mut budget = BUDGET;
        while !self.failed.load(Relaxed) {
            if !tx.pending() {
                if budget == 0 {
                    drop(tx);
                    self.kick_tx();
                    return;
                }
                budget -= 1;
                match datapath::stage_next(&self.core, &mut tx) {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        pr_err!("iSCSI: a PDU could not be built ({:?})\n", e);
                        self.fail(ConnError::ConnFailed);
                        return;
                    }
                }
            }
            match bound.socket().send(&[tx.rest()], false) {
                Ok(n) => {
                    tx.sent = tx.sent.saturating_add(n);
                    if !tx.pending() {
                        if let Some(op) = tx.opcode {
                            self.counters.count(op, tx.data_len);
                        }
                    }
                }
                // The socket's write-space callback kicks us again.
                Err(e) if e == EAGAIN => return,
                Err(_) => {
                    self.fail(ConnError::ConnFailed);
                    return;
                }
            }
        }
    }

    /// A command of this connection went to the error handler.
    pub(crate) fn count_timeout(&self) {
        self.counters.count_timeout();
    }

    /// The connection's counters, and the session's error-handler ones.
    pub(crate) fn stats(&self) -> ConnStats {
        let mut stats = self.counters.snapshot();
        for (slot, custom) in stats.custom.iter_mut().zip(self.core().eh.custom()) {
            *slot = Some(custom);
        }
        stats
    }

    /// The target's address and port (`peer`), or ours. Read under the
    /// socket's lock: a reference kept here would keep the callbacks
    /// installed past `unbind`.
    pub(crate) fn address(&self, peer: bool) -> Option<SocketAddr> {
        let guard = self.socket.lock();
        let socket = guard.as_ref()?.socket();
        if peer {
            socket.peer_addr().ok()
        } else {
            socket.local_addr().ok()
        }
    }

    /// Receives what the socket has, passing each whole PDU up, up to
    /// the budget (then the work is requeued): the BHS, then the rest of
    /// the header (its digest checked), then the data. A Data-In's data
    /// segment goes straight into its command's buffer.
    fn receive(self: &Arc<Self>) {
        let Some(bound) = self.bound() else {
            return;
        };
        let socket = bound.socket();
        let mut rx = self.rx.lock();
        let mut budget = BUDGET;
        while !self.failed.load(Relaxed) {
            // The header first (its length from the BHS's AHS length),
            // checked against its digest before anything else in it is
            // believed; then the rest of the PDU.
            let header_end = framing::header_end(&rx.buf, rx.have, rx.digests);
            let layout = if rx.have < header_end {
                None
            } else {
                if rx.have == header_end
                    && rx.data_in.is_none()
                    && !framing::header_digest_ok(&rx.buf, header_end, rx.digests)
                {
                    self.digest_error(ConnError::HeaderDigest);
                    return;
                }
                match framing::frame(&rx.buf, header_end, rx.digests, rx.max_recv) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        pr_err!("iSCSI: bad PDU from the target ({:?})\n", e);
                        self.fail(ConnError::Protocol);
                        return;
                    }
                }
            };
            if let Some(l) = layout {
                if rx.have == l.header && l.total > l.header && rx.data_in.is_none() {
                    if let Err(v) = self.start_data_in(&mut rx) {
                        pr_err!("iSCSI: protocol violation by the target: {}\n", v);
                        self.fail(ConnError::Protocol);
                        return;
                    }
                }
                if rx.have == l.total {
                    if !self.complete_pdu(&mut rx, &l) {
                        return;
                    }
                    budget -= 1;
                    if budget == 0 {
                        drop(rx);
                        self.kick_rx();
                        return;
                    }
                    continue;
                }
            }
            let until = match layout {
                Some(l) => l.total,
                None => header_end,
            };
            // `header_end_of` and `frame_of` keep `until` within the buffer
            // `bind` allocated.
            let have = rx.have;
            let Rx { buf, data_in, .. } = &mut *rx;
            let got = match data_in.as_mut() {
                Some(target) if target.left() > 0 => target.recv(socket),
                _ => match buf.get_mut(have..until) {
                    Some(dst) => socket.recv(dst),
                    None => Err(EINVAL),
                },
            };
            match got {
                Ok(0) => {
                    self.fail(ConnError::ConnFailed);
                    return;
                }
                Ok(n) => {
                    rx.have = have.saturating_add(n);
                    self.last_recv_ns.store(self.clock.now_ns(), Relaxed);
                }
                Err(e) if e == EAGAIN => return,
                Err(e) => {
                    pr_err!("iSCSI: receive failed ({:?})\n", e);
                    self.fail(ConnError::ConnFailed);
                    return;
                }
            }
        }
    }

    /// A whole PDU is in: checks its data digest and hands it on (a
    /// Data-In received into its command is finished). `false` when the
    /// connection failed.
    fn complete_pdu(&self, rx: &mut Rx, l: &Frame) -> bool {
        rx.have = 0;
        let pad = rx.buf.get(l.data_end..l.digest_at).unwrap_or(&[]);
        let wire = rx.buf.get(l.digest_at..l.total).unwrap_or(&[]);
        let good = match rx.data_in.as_mut() {
            Some(target) => target.digest_matches(pad, wire),
            None => framing::data_digest_ok(&rx.buf, l),
        };
        match rx.data_in.take() {
            Some(target) => target.finish(&self.core, good),
            None if good => {
                if let Some(pdu) = rx.buf.get(..l.total) {
                    self.deliver(pdu, l);
                }
            }
            None => {}
        }
        if !good {
            self.digest_error(ConnError::DataDigest);
        }
        good
    }

    /// A digest did not match: counted, logged, the connection fails.
    fn digest_error(&self, err: ConnError) {
        self.counters.count_digest_error();
        pr_err!("iSCSI: {:?} error in a PDU from the target\n", err);
        self.fail(err);
    }

    /// With a whole Data-In header in `rx` and a data segment to come,
    /// takes its command for the data to go straight into (when the full
    /// feature phase runs).
    fn start_data_in(&self, rx: &mut Rx) -> Result<(), receive::Violation> {
        if !matches!(
            self.core.state.lock().phase,
            Phase::Running | Phase::LoggingOut
        ) {
            return Ok(());
        }
        let Ok(hdr) = super::pdu::bhs::bhs_of(&rx.buf) else {
            return Ok(());
        };
        let common = CommonHeader::parse(hdr).map_err(receive::Violation::Codec)?;
        if common.opcode != Opcode::DataIn || common.ahs_words != 0 {
            return Ok(());
        }
        // Counted as `deliver` counts, before it is checked.
        self.counters.count(common.opcode, common.data_len as usize);
        let pdu = TargetPdu::decode(hdr).map_err(receive::Violation::Codec)?;
        rx.data_in = receive::start_data_in(&self.core, &pdu, rx.digests.data)?;
        Ok(())
    }

    /// Handles a received PDU: the data path's, or iscsid's.
    fn deliver(&self, pdu: &[u8], l: &Frame) {
        // Stopping: a PDU of the ended full feature phase must not reach
        // iscsid as if it were a login response.
        if self.failed.load(Relaxed) {
            return;
        }
        let Some(hdr) = pdu
            .get(..BHS_LEN)
            .and_then(|h| <&[u8; BHS_LEN]>::try_from(h).ok())
        else {
            return;
        };
        let Ok(common) = CommonHeader::parse(hdr) else {
            return;
        };
        let data = pdu.get(l.header..l.data_end).unwrap_or(&[]);
        self.counters.count(common.opcode, data.len());
        let decoded = TargetPdu::decode(hdr);
        let phase = self.core.state.lock().phase;
        if matches!(phase, Phase::Running | Phase::LoggingOut) {
            let handled = decoded
                .map_err(receive::Violation::Codec)
                .and_then(|p| receive::receive(&self.core, &p, data));
            match handled {
                Ok(Received::Done) => return,
                Ok(Received::Up) => {}
                Err(v) => {
                    pr_err!("iSCSI: protocol violation by the target: {}\n", v);
                    self.fail(ConnError::Protocol);
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
        this.transmit();
    }
}

impl SocketEvents for Conn {
    fn data_ready(this: ArcBorrow<'_, Self>) {
        // Life for the pings as soon as it arrives, however late the
        // receive work runs.
        this.last_recv_ns.store(this.clock.now_ns(), Relaxed);
        Arc::from(this).kick_rx();
    }

    fn state_change(this: ArcBorrow<'_, Self>, closed: bool) {
        if closed {
            Arc::from(this).kick_rx();
        }
    }

    fn write_space(this: ArcBorrow<'_, Self>) {
        Arc::from(this).kick_tx();
    }
}
