// SPDX-License-Identifier: GPL-2.0

//! orion_lsi's own SCRIPTS program (`drivers/lsi/scripts/program.rs`), as
//! `program::build` relocates it for SCRIPTS RAM, run on the test SCRIPTS
//! processor (`common/scripts_sim.rs`, QEMU's instruction semantics)
//! against targets that behave as QEMU's lsi53c895a model presents them
//! (`common/qemu_scsi.rs`).
//!
//! The host side writes the host control block and the CCBs as
//! `layout.rs` describes them and as the driver (chip.rs, host.rs) fills
//! them: a CCB per slot whose index is the tag, SG entries filled from the
//! end of the table, the start queue fed with "next entry <- idle CCB,
//! this entry <- job, SIGP", the REQUEST SENSE as a priority job, and the
//! driver's handling of phase mismatches and overruns.

use orion_scsi_host_tests::lsi::scripts::{
    ccb,
    layout::{self as l, sir},
    msg,
    program::{self, Labels},
    regs,
};

#[path = "common/scripts_sim.rs"]
mod scripts_sim;

use scripts_sim::{
    qemu::{Data, Event, QemuBus, Reply},
    Bus, Scripts, Stop,
};

/// SCRIPTS RAM (BAR 2) bus address.
const PROG: u32 = 0xfebf_e000;
/// Host control block (256-byte aligned).
const HCB: u32 = 0x7f12_3400;
/// CCB `i` sits at `CCBS + i * CCB_STRIDE`.
const CCBS: u32 = 0x7f20_0000;
const CCB_STRIDE: u32 = 0x800;
/// Data buffers.
const BUF: u32 = 0x6000_0000;

const _: () = assert!(l::CCB_SIZE as u32 <= CCB_STRIDE && HCB & 0xff == 0);

const GOOD: u8 = 0x00;
const CHECK_CONDITION: u8 = 0x02;
const TEST_UNIT_READY: [u8; 6] = [0; 6];
const INQUIRY: [u8; 6] = [0x12, 0, 0, 0, 36, 0];
const REQUEST_SENSE: [u8; 6] = [0x03, 0, 0, 0, l::SENSE_LEN as u8, 0];

fn ccb(idx: usize) -> u32 {
    CCBS + idx as u32 * CCB_STRIDE
}

fn read10(lba: u32, blocks: u16) -> Vec<u8> {
    let [a, b, c, d] = lba.to_be_bytes();
    let [n0, n1] = blocks.to_be_bytes();
    vec![0x28, 0, a, b, c, d, 0, n0, n1, 0]
}

fn write10(lba: u32, blocks: u16) -> Vec<u8> {
    let mut c = read10(lba, blocks);
    c[0] = 0x2a;
    c
}

/// Recognisable bytes.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// Fixed-format sense data: NOT READY, MEDIUM NOT PRESENT.
fn sense_bytes() -> Vec<u8> {
    let mut s = vec![0u8; 18];
    s[0] = 0x70;
    s[2] = 0x02;
    s[7] = 10;
    s[12] = 0x3a;
    s
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    None,
    In,
    Out,
}

/// A command as the midlayer hands it to the driver.
struct Cmd {
    idx: usize,
    id: u8,
    lun: u8,
    tagged: bool,
    cdb: Vec<u8>,
    dir: Dir,
    sg: Vec<(u32, u32)>,
    /// Negotiation bytes after IDENTIFY (and the tag).
    nego: Vec<u8>,
}

impl Cmd {
    fn new(idx: usize, id: u8, cdb: &[u8], dir: Dir, sg: &[(u32, u32)]) -> Self {
        Cmd {
            idx,
            id,
            lun: 0,
            tagged: true,
            cdb: cdb.to_vec(),
            dir,
            sg: sg.to_vec(),
            nego: Vec::new(),
        }
    }

    fn untagged(mut self) -> Self {
        self.tagged = false;
        self
    }
}

/// The chip, its bus and the driver's view of the shared memory.
struct Host {
    cpu: Scripts,
    bus: QemuBus,
    labels: Labels,
    /// The start queue entry the next job goes into.
    next: usize,
}

impl Host {
    /// Loads the program into SCRIPTS RAM, writes the host control block
    /// as `Chip::init_hcb` does and starts the SCRIPTS at `start`: with an
    /// empty queue they park in WAIT RESELECT.
    fn boot(ids: &[u8]) -> Host {
        let mut words = vec![0u32; program::LEN];
        let labels = program::build(PROG, HCB, &mut words).unwrap();
        let mut h = Host {
            cpu: Scripts::with_ram(PROG, &words),
            bus: QemuBus::new(ids),
            labels,
            next: 0,
        };
        for i in 0..l::SLOTS {
            h.hcb_wr(l::HCB_TAG_TABLE + 4 * i as u32, ccb(i));
        }
        for t in 0..16 {
            h.hcb_wr(l::HCB_UNTAGGED_TABLE + 4 * t, HCB + l::HCB_BAD_CCB);
        }
        for i in 0..l::START_QUEUE_LEN {
            h.hcb_wr(l::HCB_START_QUEUE + 8 * i as u32, HCB + l::HCB_IDLE_CCB);
            h.hcb_wr(l::HCB_START_QUEUE + 8 * i as u32 + 4, entry(i + 1));
        }
        h.hcb_wr(l::HCB_START_POS, entry(0));
        h.hcb_wr(l::HCB_PRIO_FLAG, 0);
        h.hcb_wr(l::HCB_PRIO_DSA, 0);
        h.hcb_wr(l::HCB_SELF, HCB + l::HCB_TAG_TABLE);
        h.hcb_wr(l::HCB_SELF_UNTAGGED, HCB + l::HCB_UNTAGGED_TABLE);
        for c in [l::HCB_IDLE_CCB, l::HCB_BAD_CCB] {
            h.hcb_wr(c + l::CCB_GO_START, labels.idle);
            h.hcb_wr(c + l::CCB_GO_RESTART, labels.bad_nexus);
        }
        h.cpu.dsp = labels.start;
        assert_eq!(h.cpu.run(&mut h.bus), Stop::Parked);
        assert_eq!(h.cpu.dsa(), HCB + l::HCB_IDLE_CCB);
        h
    }

    fn hcb(&self, off: u32) -> u32 {
        self.cpu.mem.rd32(HCB + off)
    }

    fn hcb_wr(&mut self, off: u32, v: u32) {
        self.cpu.mem.wr32(HCB + off, v);
    }

    fn ccb32(&self, idx: usize, off: u32) -> u32 {
        self.cpu.mem.rd32(ccb(idx) + off)
    }

    fn ccb8(&self, idx: usize, off: u32) -> u8 {
        self.cpu.mem.rd8(ccb(idx) + off)
    }

    fn mem(&self, addr: u32, len: usize) -> Vec<u8> {
        self.cpu.mem.read(addr, len)
    }

    /// Byte 1 of the CCB's status word.
    fn done(&self, idx: usize) -> bool {
        self.ccb8(idx, l::CCB_STATUS + 1) == l::HS_DONE
    }

    /// Fills CCB `c.idx` as `queue_command` does.
    fn submit(&mut self, c: &Cmd) {
        let bus = ccb(c.idx);
        let mut msgout = vec![msg::identify(c.lun, true).unwrap()];
        let mut flags = 0;
        if c.tagged {
            msgout.extend([msg::SIMPLE_QUEUE_TAG, c.idx as u8]);
        } else {
            flags |= l::FLAG_UNTAGGED;
        }
        if !c.nego.is_empty() {
            msgout.extend(&c.nego);
            flags |= l::FLAG_NEGOTIATE;
        }
        let xfer: u32 = c.sg.iter().map(|s| s.1).sum();
        let lb = &self.labels;
        let data = match c.dir {
            Dir::In => ccb::DataMoves::In(c.sg.len()),
            Dir::Out => ccb::DataMoves::Out(c.sg.len()),
            Dir::None => ccb::DataMoves::None,
        };
        if data != ccb::DataMoves::None {
            for (i, &(addr, len)) in c.sg.iter().enumerate() {
                let [w0, w1] = l::table_entry(len, addr);
                let at = bus + ccb::sg_entry(c.sg.len(), i).unwrap();
                self.cpu.mem.wr32(at, w0);
                self.cpu.mem.wr32(at + 4, w1);
            }
        }
        let job = ccb::Job {
            id: c.id,
            msgout: &msgout,
            cdb: &c.cdb,
            xfer,
            flags,
            data,
        };
        let hdr = ccb::header(lb, bus, &job).unwrap();
        self.cpu.mem.write(bus, &hdr);
        if !c.tagged {
            self.hcb_wr(l::HCB_UNTAGGED_TABLE + 4 * u32::from(c.id), bus);
        }
    }

    /// `Chip::post` without the SIGP: the next entry becomes the idle one,
    /// this one the job.
    fn enqueue(&mut self, idx: usize) {
        let this = self.next;
        let next = (this + 1) % l::START_QUEUE_LEN;
        self.hcb_wr(l::HCB_START_QUEUE + 8 * next as u32, HCB + l::HCB_IDLE_CCB);
        self.hcb_wr(l::HCB_START_QUEUE + 8 * this as u32, ccb(idx));
        self.next = next;
    }

    /// SIGP: `Some` with where parked SCRIPTS stop next.
    fn signal(&mut self) -> Option<Stop> {
        self.cpu.signal(&mut self.bus)
    }

    /// `Chip::post`.
    fn post(&mut self, idx: usize) -> Option<Stop> {
        self.enqueue(idx);
        self.signal()
    }

    fn restart(&mut self, addr: u32) -> Stop {
        self.cpu.restart_at(addr);
        self.cpu.run(&mut self.bus)
    }

    /// `Chip::post_priority_and_restart`.
    fn post_priority(&mut self, idx: usize) -> Stop {
        self.hcb_wr(l::HCB_PRIO_DSA, ccb(idx));
        self.hcb_wr(l::HCB_PRIO_FLAG, 1);
        self.restart(self.labels.start)
    }

    fn data_ready(&mut self, id: u8, tag: Option<u8>) -> Option<Stop> {
        self.bus.data_ready(id, tag, &mut self.cpu)
    }

    /// The CPU's stop request: ISTAT0 = SEM | SIGP. `Some` with where
    /// parked SCRIPTS stop.
    fn request_stop(&mut self) -> Option<Stop> {
        self.cpu
            .write_istat0(&mut self.bus, regs::ISTAT0_SEM | regs::ISTAT0_SIGP)
    }

    /// The end of a stop: ISTAT0 = 0 (SEM cleared), restart at `start`.
    fn resume_after_stop(&mut self) -> Stop {
        assert!(self.cpu.write_istat0(&mut self.bus, 0).is_none());
        self.restart(self.labels.start)
    }

    /// Asserts the SCRIPTS stopped for the CPU's request at `start`.
    fn assert_stopped(&self, stop: Option<Stop>) {
        assert_eq!(stop, Some(Stop::Int(sir::STOPPED)));
        assert_eq!(self.cpu.dstat, regs::DSTAT_SIR);
        assert_eq!(self.cpu.dsp, self.labels.start + 24);
        assert!(self.cpu.sem);
        assert!(!self.cpu.sigp, "read CTEST2 before stopping");
    }

    /// A message job in CCB `idx`: IDENTIFY (LUN 0, no disconnect), then
    /// `msgs` (the last one ABORT or BUS DEVICE RESET), to target `id`.
    fn msg_job(&mut self, idx: usize, id: u8, msgs: &[u8]) {
        let bus = ccb(idx);
        let mut out = vec![msg::identify(0, false).unwrap()];
        out.extend(msgs);
        let lb = self.labels;
        let w = |h: &mut Host, off: u32, v: u32| h.cpu.mem.wr32(bus + off, v);
        w(self, l::CCB_GO_START, lb.bdr);
        // A message job never reconnects.
        w(self, l::CCB_GO_RESTART, lb.bad_nexus);
        w(self, l::CCB_STATUS, 0);
        w(self, l::CCB_SELECT, l::select_dword(id, 0, 0));
        w(self, l::CCB_MSGOUT_TBL, out.len() as u32);
        w(self, l::CCB_MSGOUT_TBL + 4, bus + l::CCB_MSGOUT);
        self.cpu.mem.write(bus + l::CCB_MSGOUT, &out);
    }

    /// The data-move array entry a SCRIPTS address is, if any.
    fn array_entry(&self, addr: u32) -> Option<(u32, u32)> {
        [self.labels.data_in, self.labels.data_out]
            .into_iter()
            .find_map(|base| {
                let off = addr.checked_sub(base)?;
                (off % 8 == 0 && (off / 8) < l::SG_ENTRIES as u32).then_some((base, off / 8))
            })
    }

    /// The driver's phase mismatch handling: a data move stopped inside an
    /// array leaves what it did not move in its entry and the data pointer
    /// at it; the SCRIPTS go on at `dispatch`.
    fn phase_mismatch(&mut self, idx: usize) -> Stop {
        let left = self.cpu.dbc();
        if let Some((base, i)) = self.array_entry(self.cpu.dsp - 8) {
            let at = ccb(idx) + l::CCB_SG + 8 * i;
            let count = self.cpu.mem.rd32(at) & l::MAX_SEGMENT;
            let addr = self.cpu.mem.rd32(at + 4);
            self.cpu.mem.wr32(at, left);
            self.cpu.mem.wr32(at + 4, addr + (count - left));
            self.cpu.mem.wr32(ccb(idx) + l::CCB_LASTP, base + 8 * i);
        }
        self.restart(self.labels.dispatch)
    }

    /// Bytes not transferred, as the driver computes them from the data
    /// pointer.
    fn residual(&self, idx: usize) -> u32 {
        let Some((_, first)) = self.array_entry(self.ccb32(idx, l::CCB_LASTP)) else {
            return 0;
        };
        let left: u32 = (first..l::SG_ENTRIES as u32)
            .map(|i| self.ccb32(idx, l::CCB_SG + 8 * i) & l::MAX_SEGMENT)
            .sum();
        left.min(self.ccb32(idx, l::CCB_XFER_LEN))
    }

    /// `write_sense_job`: CCB `idx` becomes an untagged REQUEST SENSE into
    /// its sense area, the untagged command of its target.
    fn sense_job(&mut self, idx: usize, id: u8, lun: u8) {
        let bus = ccb(idx);
        let lb = self.labels;
        let w = |h: &mut Host, off: u32, v: u32| h.cpu.mem.wr32(bus + off, v);
        w(self, l::CCB_GO_START, lb.select);
        w(self, l::CCB_GO_RESTART, lb.resume);
        w(self, l::CCB_SAVEP, lb.data_in_end - 8);
        w(self, l::CCB_LASTP, lb.data_in_end - 8);
        w(self, l::CCB_GOALP, lb.overrun);
        w(self, l::CCB_STATUS, 0);
        w(self, l::CCB_MSGOUT_TBL, 1);
        w(self, l::CCB_CMD_TBL, 6);
        w(self, l::CCB_STATUS_BYTE, 0xff);
        let flags = self.ccb32(idx, l::CCB_FLAGS) & !(l::FLAG_NEGOTIATE | l::FLAG_OVERRUN);
        w(self, l::CCB_FLAGS, flags | l::FLAG_SENSE | l::FLAG_UNTAGGED);
        w(self, l::CCB_XFER_LEN, l::SENSE_LEN as u32);
        let last = l::CCB_SG + 8 * (l::SG_ENTRIES as u32 - 1);
        w(self, last, l::SENSE_LEN as u32);
        w(self, last + 4, bus + l::CCB_SENSE);
        self.cpu
            .mem
            .write(bus + l::CCB_MSGOUT, &[msg::identify(lun, false).unwrap()]);
        self.cpu.mem.write(bus + l::CCB_CDB, &REQUEST_SENSE);
        self.hcb_wr(l::HCB_UNTAGGED_TABLE + 4 * u32::from(id), bus);
    }

    /// The commands the targets received, in order, with their tags.
    fn commands(&self) -> Vec<(u8, Option<u8>, Vec<u8>)> {
        self.bus
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Command { id, tag, cdb, .. } => Some((*id, *tag, cdb.clone())),
                _ => None,
            })
            .collect()
    }

    /// Index of the first event matching `f`.
    fn when(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.bus.events.iter().position(f).expect("no such event")
    }
}

fn entry(i: usize) -> u32 {
    HCB + l::HCB_START_QUEUE + 8 * (i % l::START_QUEUE_LEN) as u32
}

#[test]
fn the_program_fits_and_relocates() {
    let mut words = vec![0u32; program::LEN];
    let lb = program::build(PROG, HCB, &mut words).unwrap();
    assert!(program::PROGRAM.size_bytes() <= regs::SCRIPTS_RAM_SIZE);
    assert_eq!(lb.data_in_end - lb.data_in, 8 * l::SG_ENTRIES as u32);
    assert_eq!(lb.data_out_end - lb.data_out, 8 * l::SG_ENTRIES as u32);
    for a in [
        lb.start,
        lb.idle,
        lb.select,
        lb.resume,
        lb.dispatch,
        lb.overrun,
        lb.bdr,
    ] {
        assert!((PROG..PROG + 4 * program::LEN as u32).contains(&a));
    }
    // The HCB address went into the program.
    assert!(words.contains(&(HCB + l::HCB_PRIO_FLAG)));
    let mut short = vec![0u32; program::LEN - 1];
    assert!(program::build(PROG, HCB, &mut short).is_err());
}

/// Test 1: two tagged READs to two targets disconnect after their
/// commands; each target reselects with its tag (the CCB index) and the
/// program finds the CCB through the tag table, restores its data pointer
/// and moves the data to the CCB's SG addresses.
#[test]
fn tagged_reads_disconnect_and_reselect_through_the_tag_table() {
    let mut h = Host::boot(&[1, 2]);
    let a = pattern(1, 1024);
    let b = pattern(2, 512);
    let (a0, a1, b0) = (BUF, BUF + 0x3000, BUF + 0x8000);
    h.bus.expect(
        1,
        Reply {
            cdb: read10(0x100, 2),
            data: Data::In {
                bytes: a.clone(),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.bus.expect(
        2,
        Reply {
            cdb: read10(0x200, 1),
            data: Data::In {
                bytes: b.clone(),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(
        5,
        1,
        &read10(0x100, 2),
        Dir::In,
        &[(a0, 512), (a1, 512)],
    ));
    h.submit(&Cmd::new(63, 2, &read10(0x200, 1), Dir::In, &[(b0, 512)]));
    h.enqueue(5);
    h.enqueue(63);
    assert_eq!(h.signal(), Some(Stop::Parked));

    // Both commands went out and disconnected; the SCRIPTS wait.
    assert_eq!(
        h.bus.events,
        [
            Event::Selected(1),
            Event::Command {
                id: 1,
                lun: 0,
                tag: Some(5),
                msg_out: vec![0xc0, msg::SIMPLE_QUEUE_TAG, 5],
                cdb: read10(0x100, 2),
            },
            Event::Disconnected {
                id: 1,
                tag: Some(5)
            },
            Event::Selected(2),
            Event::Command {
                id: 2,
                lun: 0,
                tag: Some(63),
                msg_out: vec![0xc0, msg::SIMPLE_QUEUE_TAG, 63],
                cdb: read10(0x200, 1),
            },
            Event::Disconnected {
                id: 2,
                tag: Some(63)
            },
        ]
    );
    assert!(!h.cpu.sigp, "CTEST2 read acknowledges SIGP");
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    assert_eq!(h.cpu.dsa(), HCB + l::HCB_IDLE_CCB);
    assert!(h.cpu.intfly.is_empty());
    for (idx, first) in [
        (5, h.labels.data_in_end - 16),
        (63, h.labels.data_in_end - 8),
    ] {
        assert!(!h.done(idx));
        // SAVE DATA POINTER saved the (unchanged) data pointer.
        assert_eq!(h.ccb32(idx, l::CCB_SAVEP), first);
        assert_eq!(h.ccb32(idx, l::CCB_LASTP), first);
        assert_eq!(h.ccb8(idx, l::CCB_MSGIN), msg::DISCONNECT);
        assert_eq!(h.ccb8(idx, l::CCB_STATUS_BYTE), 0xff);
    }
    assert_eq!(h.mem(a0, 512), [0; 512]);

    // Target 2's data first.
    assert_eq!(h.data_ready(2, Some(63)), Some(Stop::Parked));
    assert_eq!(
        h.bus.events[6..],
        [
            Event::Reselected {
                id: 2,
                tag: Some(63)
            },
            Event::Complete {
                id: 2,
                tag: Some(63),
                status: GOOD
            },
        ]
    );
    assert_eq!(h.mem(b0, 512), b);
    assert!(h.done(63));
    assert_eq!(h.ccb8(63, l::CCB_STATUS_BYTE), GOOD);
    // The status byte goes to CCB_STATUS_BYTE, not to CCB_STATUS byte 0.
    assert_eq!(h.ccb8(63, l::CCB_STATUS), 0);
    assert_eq!(h.ccb8(63, l::CCB_MSGIN), msg::COMMAND_COMPLETE);
    assert_eq!(h.ccb32(63, l::CCB_LASTP), h.labels.overrun);
    assert_eq!(h.residual(63), 0);
    assert!(!h.done(5));
    assert_eq!(h.mem(a0, 512), [0; 512]);
    assert_eq!(h.cpu.intfly, [0]);
    assert!(h.cpu.intf);
    h.cpu.intf = false;

    assert_eq!(h.data_ready(1, Some(5)), Some(Stop::Parked));
    assert_eq!(h.mem(a0, 512), a[..512]);
    assert_eq!(h.mem(a1, 512), a[512..]);
    assert!(h.done(5));
    assert_eq!(h.ccb8(5, l::CCB_STATUS_BYTE), GOOD);
    assert_eq!(h.ccb32(5, l::CCB_LASTP), h.labels.overrun);
    assert_eq!(h.cpu.intfly, [0, 0]);
    assert!(h.cpu.intf);
    assert!(h.bus.idle());
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    assert_eq!(h.cpu.dsa(), HCB + l::HCB_IDLE_CCB);
}

/// Test 2: a WRITE with three SG entries, in the last three entries of the
/// table: the target gets their bytes in order, without a disconnect.
#[test]
fn write_moves_the_last_three_sg_entries() {
    let mut h = Host::boot(&[3]);
    let segs = [
        (BUF + 0x1000, 512),
        (BUF + 0x3000, 100),
        (BUF + 0x5000, 1000),
    ];
    let mut all = Vec::new();
    for (i, &(addr, len)) in segs.iter().enumerate() {
        let p = pattern(10 + i as u8, len as usize);
        h.cpu.mem.write(addr, &p);
        all.extend(p);
    }
    // Stale entries before the command's: never moved.
    h.cpu.mem.wr32(ccb(10) + l::CCB_SG + 8 * 124, 4096);
    h.cpu
        .mem
        .wr32(ccb(10) + l::CCB_SG + 8 * 124 + 4, BUF + 0x9000);
    h.bus.expect(
        3,
        Reply {
            cdb: write10(7, 4),
            data: Data::Out(1612),
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(10, 3, &write10(7, 4), Dir::Out, &segs));
    assert_eq!(
        h.ccb32(10, l::CCB_LASTP),
        h.labels.data_out + 8 * (l::SG_ENTRIES as u32 - 3)
    );
    assert_eq!(h.post(10), Some(Stop::Parked));
    assert_eq!(h.bus.done.len(), 1);
    assert_eq!(h.bus.done[0].written, all);
    assert!(!h.bus.done[0].disconnected);
    assert!(h.done(10));
    assert_eq!(h.ccb8(10, l::CCB_STATUS_BYTE), GOOD);
    assert_eq!(h.ccb8(10, l::CCB_MSGIN), msg::COMMAND_COMPLETE);
    assert_eq!(h.ccb32(10, l::CCB_LASTP), h.labels.overrun);
    assert_eq!(h.residual(10), 0);
    assert_eq!(h.cpu.intfly, [0]);
    assert!(h.bus.idle());
}

/// Test 3: TEST UNIT READY (no data, tag 0) and an untagged INQUIRY to
/// LUN 2 with an SDTR the target ignores: both complete connected.
#[test]
fn no_data_and_inquiry_complete_without_disconnect() {
    let mut h = Host::boot(&[0, 4]);
    let inq = pattern(3, 36);
    h.bus.expect(
        0,
        Reply {
            cdb: TEST_UNIT_READY.to_vec(),
            data: Data::None,
            status: GOOD,
        },
    );
    h.bus.expect(
        4,
        Reply {
            cdb: INQUIRY.to_vec(),
            data: Data::In {
                bytes: inq.clone(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(0, 0, &TEST_UNIT_READY, Dir::None, &[]));
    let mut c = Cmd::new(1, 4, &INQUIRY, Dir::In, &[(BUF + 0x100, 36)]).untagged();
    c.lun = 2;
    c.nego = msg::sdtr(10, 31).to_vec();
    h.submit(&c);
    assert_eq!(h.ccb32(0, l::CCB_LASTP), h.labels.overrun);
    h.enqueue(0);
    h.enqueue(1);
    assert_eq!(h.signal(), Some(Stop::Parked));
    assert_eq!(
        h.bus.events,
        [
            Event::Selected(0),
            Event::Command {
                id: 0,
                lun: 0,
                tag: Some(0),
                msg_out: vec![0xc0, msg::SIMPLE_QUEUE_TAG, 0],
                cdb: TEST_UNIT_READY.to_vec(),
            },
            Event::Complete {
                id: 0,
                tag: Some(0),
                status: GOOD
            },
            Event::Selected(4),
            Event::Command {
                id: 4,
                lun: 2,
                tag: None,
                msg_out: vec![0xc2, msg::EXTENDED, 3, msg::EXT_SDTR, 10, 31],
                cdb: INQUIRY.to_vec(),
            },
            Event::Complete {
                id: 4,
                tag: None,
                status: GOOD
            },
        ]
    );
    assert_eq!(h.mem(BUF + 0x100, 36), inq);
    for idx in [0, 1] {
        assert!(h.done(idx));
        assert_eq!(h.ccb8(idx, l::CCB_STATUS_BYTE), GOOD);
        assert_eq!(h.ccb32(idx, l::CCB_LASTP), h.labels.overrun);
        assert_eq!(h.residual(idx), 0);
    }
    // The SDTR went unanswered: no extended message in.
    assert_eq!(h.ccb8(1, l::CCB_MSGIN), msg::COMMAND_COMPLETE);
    assert_eq!(h.cpu.intfly, [0, 0]);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    assert!(h.bus.idle());
}

/// Test 4: CHECK CONDITION stops the SCRIPTS with BAD_STATUS before the
/// CCB is marked done; the driver's untagged REQUEST SENSE, posted as the
/// priority job, runs before the job already queued, and the flag is
/// cleared once its target is selected.
#[test]
fn check_condition_then_priority_request_sense() {
    let mut h = Host::boot(&[1, 2]);
    let inq = pattern(4, 36);
    h.bus.expect(
        2,
        Reply {
            cdb: TEST_UNIT_READY.to_vec(),
            data: Data::None,
            status: CHECK_CONDITION,
        },
    );
    h.submit(&Cmd::new(7, 2, &TEST_UNIT_READY, Dir::None, &[]));
    h.bus.expect(
        1,
        Reply {
            cdb: INQUIRY.to_vec(),
            data: Data::In {
                bytes: inq.clone(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(12, 1, &INQUIRY, Dir::In, &[(BUF, 36)]));
    h.enqueue(7);
    h.enqueue(12);
    assert_eq!(h.signal(), Some(Stop::Int(sir::BAD_STATUS)));
    assert_eq!(h.cpu.dstat, regs::DSTAT_SIR);
    assert_eq!(h.cpu.dsps(), sir::BAD_STATUS);
    assert_eq!(h.cpu.dsa(), ccb(7));
    assert_eq!(h.ccb8(7, l::CCB_STATUS_BYTE), CHECK_CONDITION);
    assert_eq!(h.ccb8(7, l::CCB_STATUS + 1), 0, "not marked done");
    assert!(h.cpu.intfly.is_empty());
    // The bus is free; the INQUIRY is still queued.
    assert_eq!(
        h.bus.events.last(),
        Some(&Event::Complete {
            id: 2,
            tag: Some(7),
            status: CHECK_CONDITION
        })
    );
    assert_eq!(h.hcb(l::HCB_START_POS), entry(1));

    // REQUEST SENSE as the priority job: 18 bytes of the 96 asked for.
    let sense = sense_bytes();
    h.bus.expect(
        2,
        Reply {
            cdb: REQUEST_SENSE.to_vec(),
            data: Data::In {
                bytes: sense.clone(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.sense_job(7, 2, 0);
    assert_eq!(h.post_priority(7), Stop::PhaseMismatch);
    assert_eq!(h.cpu.dsa(), ccb(7));
    assert_eq!(h.cpu.sist0, regs::SIST0_MA);
    assert_eq!(h.cpu.dsp - 8, h.labels.data_in_end - 8);
    assert_eq!(h.cpu.dbc(), l::SENSE_LEN as u32 - 18);
    assert_eq!(h.hcb(l::HCB_PRIO_FLAG), 0, "cleared once selected");
    assert_eq!(h.hcb(l::HCB_START_POS), entry(1), "queue untouched");
    assert_eq!(
        h.bus.events[3..],
        [
            Event::Selected(2),
            Event::Command {
                id: 2,
                lun: 0,
                tag: None,
                msg_out: vec![0x80],
                cdb: REQUEST_SENSE.to_vec(),
            },
        ]
    );

    assert_eq!(h.phase_mismatch(7), Stop::Parked);
    assert!(h.done(7));
    assert_eq!(h.ccb8(7, l::CCB_STATUS_BYTE), GOOD);
    assert_eq!(h.mem(ccb(7) + l::CCB_SENSE, 18), sense);
    assert_eq!(h.residual(7), l::SENSE_LEN as u32 - 18);
    assert!(h.done(12));
    assert_eq!(h.mem(BUF, 36), inq);
    assert_eq!(
        h.commands(),
        [
            (2, Some(7), TEST_UNIT_READY.to_vec()),
            (2, None, REQUEST_SENSE.to_vec()),
            (1, Some(12), INQUIRY.to_vec()),
        ]
    );
    assert_eq!(h.cpu.intfly, [0, 0]);
    assert_eq!(h.hcb(l::HCB_PRIO_FLAG), 0);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    assert!(h.bus.idle());
}

/// Test 5: SELECT of a missing target raises SIST1.STO; the SCRIPTS stop
/// at the next instruction with the job's CCB in DSA; restarted, they go
/// on with the queue. A priority job keeps its flag (the driver clears
/// it).
#[test]
fn selection_timeout_stops_with_the_ccb_in_dsa() {
    let mut h = Host::boot(&[1]);
    h.submit(&Cmd::new(4, 6, &TEST_UNIT_READY, Dir::None, &[]));
    h.submit(&Cmd::new(5, 1, &TEST_UNIT_READY, Dir::None, &[]));
    h.bus.expect(
        1,
        Reply {
            cdb: TEST_UNIT_READY.to_vec(),
            data: Data::None,
            status: GOOD,
        },
    );
    h.enqueue(4);
    h.enqueue(5);
    assert_eq!(h.signal(), Some(Stop::SelectionTimeout));
    assert_eq!(h.cpu.sist1, regs::SIST1_STO);
    assert_eq!(h.cpu.dsa(), ccb(4));
    // Stopped at the instruction after SELECT.
    assert_eq!(h.cpu.dsp, h.labels.select + 16);
    assert_eq!(h.bus.events, [Event::SelectionTimeout(6)]);
    assert!(!h.done(4));
    assert_eq!(h.hcb(l::HCB_START_POS), entry(1));

    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert!(h.done(5));
    assert!(!h.done(4));
    assert_eq!(h.cpu.intfly, [0]);

    // A priority job to a missing target.
    h.submit(&Cmd::new(9, 7, &TEST_UNIT_READY, Dir::None, &[]).untagged());
    h.hcb_wr(l::HCB_PRIO_DSA, ccb(9));
    h.hcb_wr(l::HCB_PRIO_FLAG, 1);
    assert_eq!(h.signal(), Some(Stop::SelectionTimeout));
    assert_eq!(h.cpu.dsa(), ccb(9));
    assert_eq!(h.hcb(l::HCB_PRIO_FLAG), 1);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    h.hcb_wr(l::HCB_PRIO_FLAG, 0);
    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert_eq!(h.bus.events.last(), Some(&Event::SelectionTimeout(7)));
    assert!(h.bus.idle());
}

/// Test 6: with nothing queued the SCRIPTS wait in WAIT RESELECT with the
/// queue position unchanged; SIGP wakes them and the job just posted runs.
/// The start queue wraps around.
#[test]
fn idle_waits_in_wait_reselect_until_sigp() {
    let mut h = Host::boot(&[0]);
    assert!(h.cpu.is_parked());
    assert_eq!(h.cpu.dsp, h.labels.idle + 16, "past WAIT RESELECT");
    assert_eq!(h.hcb(l::HCB_START_POS), entry(0));

    // SIGP without a job.
    assert_eq!(h.signal(), Some(Stop::Parked));
    assert!(!h.cpu.sigp);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(0));
    assert!(h.bus.events.is_empty());

    // One job after another, more than the queue has entries.
    let jobs = l::START_QUEUE_LEN + 5;
    for n in 0..jobs {
        let idx = n % l::SLOTS;
        h.bus.expect(
            0,
            Reply {
                cdb: TEST_UNIT_READY.to_vec(),
                data: Data::None,
                status: GOOD,
            },
        );
        h.submit(&Cmd::new(idx, 0, &TEST_UNIT_READY, Dir::None, &[]));
        assert_eq!(h.post(idx), Some(Stop::Parked), "job {n}");
        assert!(h.done(idx));
        assert!(!h.cpu.sigp);
        assert_eq!(h.hcb(l::HCB_START_POS), entry(n + 1));
        assert_eq!(h.cpu.intfly.len(), n + 1);
    }
    assert_eq!(h.hcb(l::HCB_START_POS), entry(jobs));
    assert_eq!(h.commands().len(), jobs);
    assert!(h.bus.idle());
}

/// Test 7a: the target has less data than the SG asks for: the move it
/// ends stops with a phase mismatch in the data array, DBC = the bytes
/// that move did not do; the driver splits the entry and the command
/// completes with the residual.
#[test]
fn short_read_stops_in_the_data_array_with_the_bytes_left() {
    let mut h = Host::boot(&[3]);
    let data = pattern(7, 700);
    let segs = [(BUF, 512), (BUF + 0x1000, 512), (BUF + 0x2000, 512)];
    h.bus.expect(
        3,
        Reply {
            cdb: read10(0, 3),
            data: Data::In {
                bytes: data.clone(),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(2, 3, &read10(0, 3), Dir::In, &segs));
    assert_eq!(h.post(2), Some(Stop::Parked));
    assert_eq!(h.data_ready(3, Some(2)), Some(Stop::PhaseMismatch));
    assert_eq!(h.cpu.sist0, regs::SIST0_MA);
    assert_eq!(h.cpu.dsa(), ccb(2));
    let second = h.labels.data_in + 8 * (l::SG_ENTRIES as u32 - 2);
    assert_eq!(h.cpu.dsp - 8, second);
    assert_eq!(h.cpu.dbc(), 512 - 188);
    assert_eq!(h.mem(BUF, 512), data[..512]);
    assert_eq!(h.mem(BUF + 0x1000, 188), data[512..]);
    assert_eq!(h.mem(BUF + 0x1000 + 188, 324), [0; 324]);

    assert_eq!(h.phase_mismatch(2), Stop::Parked);
    assert!(h.done(2));
    assert_eq!(h.ccb8(2, l::CCB_STATUS_BYTE), GOOD);
    assert_eq!(h.ccb32(2, l::CCB_LASTP), second);
    assert_eq!(h.residual(2), 1536 - 700);
    assert_eq!(h.mem(BUF + 0x2000, 512), [0; 512]);
    assert!(h.bus.idle());
}

/// Test 7b: the target has more data than the SG: after the array the
/// program stops with OVERRUN once per extra byte (the driver restarts it
/// at `overrun`), then completes the command. Likewise for a target that
/// wants more data out.
#[test]
fn overrun_stops_once_per_extra_byte() {
    let mut h = Host::boot(&[3]);
    let data = pattern(8, 515);
    h.bus.expect(
        3,
        Reply {
            cdb: read10(0, 1),
            data: Data::In {
                bytes: data.clone(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(2, 3, &read10(0, 1), Dir::In, &[(BUF, 512)]));
    let mut stop = h.post(2).unwrap();
    let mut overruns = 0;
    while stop == Stop::Int(sir::OVERRUN) {
        overruns += 1;
        assert_eq!(h.cpu.dsa(), ccb(2));
        assert_eq!(h.ccb32(2, l::CCB_LASTP), h.labels.overrun);
        assert_eq!(h.hcb(l::HCB_SCRATCH + 8), u32::from(data[511 + overruns]));
        let f = h.ccb32(2, l::CCB_FLAGS);
        h.cpu.mem.wr32(ccb(2) + l::CCB_FLAGS, f | l::FLAG_OVERRUN);
        stop = h.restart(h.labels.overrun);
    }
    assert_eq!(stop, Stop::Parked);
    assert_eq!(overruns, 3);
    assert_eq!(h.mem(BUF, 512), data[..512]);
    assert!(h.done(2));
    assert_eq!(h.ccb8(2, l::CCB_STATUS_BYTE), GOOD);
    assert_eq!(h.residual(2), 0);

    // A target that wants more data out than the SG has gets the scratch
    // byte, one OVERRUN stop at a time.
    let out = pattern(9, 512);
    h.cpu.mem.write(BUF + 0x1000, &out);
    h.cpu.mem.write(HCB + l::HCB_SCRATCH + 8, &[0xee]);
    h.bus.expect(
        3,
        Reply {
            cdb: write10(0, 1),
            data: Data::Out(514),
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(
        3,
        3,
        &write10(0, 1),
        Dir::Out,
        &[(BUF + 0x1000, 512)],
    ));
    let mut stop = h.post(3).unwrap();
    let mut overruns = 0;
    while stop == Stop::Int(sir::OVERRUN) {
        overruns += 1;
        assert_eq!(h.cpu.dsa(), ccb(3));
        stop = h.restart(h.labels.overrun);
    }
    assert_eq!(stop, Stop::Parked);
    assert_eq!(overruns, 2);
    assert!(h.done(3));
    let written = &h.bus.done.last().unwrap().written;
    assert_eq!(written[..512], out[..]);
    assert_eq!(written[512..], [0xee, 0xee]);
    assert!(h.bus.idle());
}

/// Test 8: an untagged READ disconnects; the target reselects with
/// IDENTIFY only and the program finds the CCB in the untagged table by
/// the target's ID. A target without an untagged command there lands in
/// the bad-nexus CCB.
#[test]
fn untagged_read_reselects_through_the_untagged_table() {
    let mut h = Host::boot(&[5, 6]);
    let data = pattern(9, 512);
    h.bus.expect(
        5,
        Reply {
            cdb: read10(9, 1),
            data: Data::In {
                bytes: data.clone(),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(20, 5, &read10(9, 1), Dir::In, &[(BUF + 0x400, 512)]).untagged());
    assert_eq!(h.hcb(l::HCB_UNTAGGED_TABLE + 4 * 5), ccb(20));
    assert_eq!(h.post(20), Some(Stop::Parked));
    assert_eq!(
        h.bus.events[1..],
        [
            Event::Command {
                id: 5,
                lun: 0,
                tag: None,
                msg_out: vec![0xc0],
                cdb: read10(9, 1),
            },
            Event::Disconnected { id: 5, tag: None },
        ]
    );
    assert_eq!(h.ccb32(20, l::CCB_SAVEP), h.labels.data_in_end - 8);
    assert_eq!(h.data_ready(5, None), Some(Stop::Parked));
    assert_eq!(h.bus.events[3], Event::Reselected { id: 5, tag: None });
    assert_eq!(h.mem(BUF + 0x400, 512), data);
    assert!(h.done(20));
    assert_eq!(h.cpu.intfly, [0]);

    // The driver no longer has target 6's untagged command in the table.
    h.bus.expect(
        6,
        Reply {
            cdb: read10(1, 1),
            data: Data::In {
                bytes: pattern(1, 512),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(21, 6, &read10(1, 1), Dir::In, &[(BUF, 512)]).untagged());
    assert_eq!(h.post(21), Some(Stop::Parked));
    h.hcb_wr(l::HCB_UNTAGGED_TABLE + 4 * 6, HCB + l::HCB_BAD_CCB);
    assert_eq!(h.data_ready(6, None), Some(Stop::Int(sir::RESEL_BAD_NEXUS)));
    assert_eq!(h.cpu.dsa(), HCB + l::HCB_BAD_CCB);
}

/// A reselection that becomes due while the SCRIPTS are stopped happens
/// at their next WAIT DISCONNECT; the job they take next finds the bus
/// connected at SELECT, goes back to its queue entry, and runs after the
/// reselected command.
#[test]
fn reselection_while_stopped_preempts_the_next_selection() {
    let mut h = Host::boot(&[1, 2]);
    let a = pattern(5, 512);
    let inq = pattern(6, 36);
    h.bus.expect(
        1,
        Reply {
            cdb: read10(3, 1),
            data: Data::In {
                bytes: a.clone(),
                ready: false,
            },
            status: GOOD,
        },
    );
    h.bus.expect(
        2,
        Reply {
            cdb: TEST_UNIT_READY.to_vec(),
            data: Data::None,
            status: CHECK_CONDITION,
        },
    );
    h.submit(&Cmd::new(3, 1, &read10(3, 1), Dir::In, &[(BUF, 512)]));
    h.submit(&Cmd::new(7, 2, &TEST_UNIT_READY, Dir::None, &[]));
    h.enqueue(3);
    h.enqueue(7);
    assert_eq!(h.signal(), Some(Stop::Int(sir::BAD_STATUS)));
    assert_eq!(h.cpu.dsa(), ccb(7));

    // While the CPU handles it: target 1's data is ready, and a new job
    // is posted (SIGP stays set, the SCRIPTS are not waiting).
    assert_eq!(h.data_ready(1, Some(3)), None);
    // (Target 2 gets the REQUEST SENSE first.)
    h.bus.expect(
        2,
        Reply {
            cdb: REQUEST_SENSE.to_vec(),
            data: Data::In {
                bytes: sense_bytes(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.bus.expect(
        2,
        Reply {
            cdb: INQUIRY.to_vec(),
            data: Data::In {
                bytes: inq.clone(),
                ready: true,
            },
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(12, 2, &INQUIRY, Dir::In, &[(BUF + 0x1000, 36)]));
    assert_eq!(h.post(12), None);
    assert!(h.cpu.sigp);

    h.sense_job(7, 2, 0);
    assert_eq!(h.post_priority(7), Stop::PhaseMismatch);
    assert!(!h.cpu.sigp);
    assert_eq!(h.phase_mismatch(7), Stop::Parked);

    assert_eq!(
        h.commands(),
        [
            (1, Some(3), read10(3, 1)),
            (2, Some(7), TEST_UNIT_READY.to_vec()),
            (2, None, REQUEST_SENSE.to_vec()),
            (2, Some(12), INQUIRY.to_vec()),
        ]
    );
    // Reselected at the sense command's WAIT DISCONNECT, before the
    // INQUIRY's selection.
    let sense_done = h.when(|e| {
        matches!(
            e,
            Event::Complete {
                id: 2,
                tag: None,
                ..
            }
        )
    });
    let resel = h.when(|e| matches!(e, Event::Reselected { id: 1, .. }));
    let inq_sel = h.when(|e| matches!(e, Event::Command { tag: Some(12), .. })) - 1;
    assert_eq!(resel, sense_done + 1);
    assert!(resel < inq_sel);
    assert_eq!(h.bus.events[inq_sel], Event::Selected(2));
    // The INQUIRY's job met SELECT twice: first with the bus taken by the
    // reselection (back to its queue entry), then for real.
    let selects = h
        .cpu
        .trace
        .iter()
        .filter(|&&t| t == (h.labels.select, ccb(12)))
        .count();
    assert_eq!(selects, 2);
    for idx in [3, 7, 12] {
        assert!(h.done(idx), "CCB {idx}");
        assert_eq!(h.ccb8(idx, l::CCB_STATUS_BYTE), GOOD);
    }
    assert_eq!(h.mem(BUF, 512), a);
    assert_eq!(h.mem(BUF + 0x1000, 36), inq);
    assert_eq!(h.cpu.intfly, [0, 0, 0]);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(3));
    assert!(h.bus.idle());
}

/// A READ of one block at `lba` whose data (`bytes`) is ready or not.
fn read_reply(lba: u32, bytes: &[u8], ready: bool) -> Reply {
    Reply {
        cdb: read10(lba, 1),
        data: Data::In {
            bytes: bytes.to_vec(),
            ready,
        },
        status: GOOD,
    }
}

fn tur_reply() -> Reply {
    Reply {
        cdb: TEST_UNIT_READY.to_vec(),
        data: Data::None,
        status: GOOD,
    }
}

/// Stop protocol, idle: SEM alone does not wake the SCRIPTS parked in
/// WAIT RESELECT; SEM | SIGP does, and `start` (CTEST2 read, then SEM)
/// stops with STOPPED before taking a job. A reselection that becomes due
/// while they are stopped waits and is served after the restart, as is a
/// job the CPU queued meanwhile.
#[test]
fn stop_from_idle_halts_at_start_and_keeps_a_reselection() {
    let mut h = Host::boot(&[1, 2]);
    let a = pattern(11, 512);
    h.bus.expect(1, read_reply(4, &a, false));
    h.submit(&Cmd::new(3, 1, &read10(4, 1), Dir::In, &[(BUF, 512)]));
    assert_eq!(h.post(3), Some(Stop::Parked));
    let events = h.bus.events.len();

    assert_eq!(h.cpu.write_istat0(&mut h.bus, regs::ISTAT0_SEM), None);
    assert!(h.cpu.is_parked());
    let stop = h.request_stop();
    h.assert_stopped(stop);
    assert_eq!(h.cpu.dsa(), HCB + l::HCB_IDLE_CCB);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(1));
    assert_eq!(h.bus.events.len(), events);

    // While stopped: target 1's data is ready (it cannot reselect), and
    // the CPU queues a job without SIGP (the restart reads the queue).
    assert_eq!(h.data_ready(1, Some(3)), None);
    h.bus.expect(2, tur_reply());
    h.submit(&Cmd::new(4, 2, &TEST_UNIT_READY, Dir::None, &[]));
    h.enqueue(4);
    assert_eq!(h.bus.events.len(), events);

    assert_eq!(h.resume_after_stop(), Stop::Parked);
    assert!(!h.cpu.sem);
    assert_eq!(
        h.bus.events[events..],
        [
            Event::Selected(2),
            Event::Command {
                id: 2,
                lun: 0,
                tag: Some(4),
                msg_out: vec![0xc0, msg::SIMPLE_QUEUE_TAG, 4],
                cdb: TEST_UNIT_READY.to_vec(),
            },
            Event::Complete {
                id: 2,
                tag: Some(4),
                status: GOOD
            },
            Event::Reselected {
                id: 1,
                tag: Some(3)
            },
            Event::Complete {
                id: 1,
                tag: Some(3),
                status: GOOD
            },
        ]
    );
    assert!(h.done(3) && h.done(4));
    assert_eq!(h.mem(BUF, 512), a);
    assert_eq!(h.cpu.intfly, [0, 0]);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2));
    assert!(h.bus.idle());
}

/// Stop protocol, busy: SEM | SIGP while a command holds the bus (here
/// stopped by a short read's phase mismatch, handled as usual) only
/// latches; the SCRIPTS finish that command and stop at `start` before
/// taking the next queued job. The reselection QEMU makes at that
/// command's WAIT DISCONNECT holds the bus during the stop and is not
/// lost: after the restart the next job's SELECT gives way to it, then
/// the job runs.
#[test]
fn stop_while_busy_finishes_the_command_then_halts_before_the_next_job() {
    let mut h = Host::boot(&[1, 2]);
    let r = pattern(12, 512);
    let a = pattern(13, 300);
    h.bus.expect(1, read_reply(8, &r, false));
    h.bus.expect(2, read_reply(9, &a, true));
    h.bus.expect(2, tur_reply());
    h.submit(&Cmd::new(3, 1, &read10(8, 1), Dir::In, &[(BUF, 512)]));
    h.submit(&Cmd::new(
        4,
        2,
        &read10(9, 1),
        Dir::In,
        &[(BUF + 0x1000, 512)],
    ));
    h.submit(&Cmd::new(5, 2, &TEST_UNIT_READY, Dir::None, &[]));
    for idx in [3, 4, 5] {
        h.enqueue(idx);
    }
    assert_eq!(h.signal(), Some(Stop::PhaseMismatch));
    assert_eq!(h.cpu.dsa(), ccb(4));

    assert_eq!(h.request_stop(), None);
    assert!(h.cpu.sigp && h.cpu.sem);
    assert_eq!(h.data_ready(1, Some(3)), None);
    let stop = h.phase_mismatch(4);
    h.assert_stopped(Some(stop));
    assert_eq!(h.cpu.dsa(), ccb(4), "stale: the last job");
    assert!(h.done(4));
    assert_eq!(h.mem(BUF + 0x1000, 300), a);
    assert_eq!(h.residual(4), 512 - 300);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(2), "job 5 not taken");
    assert_eq!(
        h.commands(),
        [(1, Some(3), read10(8, 1)), (2, Some(4), read10(9, 1))]
    );
    assert!(h.bus.connected(), "reselected at WAIT DISCONNECT");
    assert_eq!(
        h.bus.events.last(),
        Some(&Event::Reselected {
            id: 1,
            tag: Some(3)
        })
    );
    assert!(!h.done(3) && !h.done(5));
    assert_eq!(h.cpu.intfly, [0]);

    assert_eq!(h.resume_after_stop(), Stop::Parked);
    assert!(h.done(3) && h.done(5));
    assert_eq!(h.mem(BUF, 512), r);
    let resel_done = h.when(|e| {
        matches!(
            e,
            Event::Complete {
                id: 1,
                tag: Some(3),
                ..
            }
        )
    });
    let tur = h.when(|e| matches!(e, Event::Command { tag: Some(5), .. }));
    assert!(resel_done < tur);
    // Job 5 met SELECT twice: the first time the bus was taken.
    let selects = h
        .cpu
        .trace
        .iter()
        .filter(|&&t| t == (h.labels.select, ccb(5)))
        .count();
    assert_eq!(selects, 2);
    assert_eq!(h.cpu.intfly, [0, 0, 0]);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(3));
    assert!(h.bus.idle());
}

/// BUS DEVICE RESET job (a device reset): target 1 has two tagged READs
/// disconnected and a job not started yet. The CPU stops the SCRIPTS,
/// drops that job from the start queue (its entry gets a CCB that starts
/// at `start`), posts the BDR job as the priority job and restarts. The
/// SCRIPTS select, send IDENTIFY + BDR, wait for the bus free and stop
/// with MSG_JOB_DONE, the job's CCB done. The READs never reselect; target
/// 2's READ, whose data came during the stop, reselects at the job's WAIT
/// DISCONNECT and is served after the restart; a new command to target 1
/// runs.
#[test]
fn bdr_job_cancels_the_targets_disconnected_commands() {
    let mut h = Host::boot(&[1, 2]);
    let mut data = Vec::new();
    for (i, (idx, id)) in [(5, 1), (6, 1), (9, 2)].into_iter().enumerate() {
        let d = pattern(20 + i as u8, 512);
        let at = BUF + 0x1000 * i as u32;
        h.bus.expect(id, read_reply(i as u32, &d, false));
        h.submit(&Cmd::new(
            idx,
            id,
            &read10(i as u32, 1),
            Dir::In,
            &[(at, 512)],
        ));
        assert_eq!(h.post(idx), Some(Stop::Parked));
        data.push((at, d));
    }
    // Queued (no SIGP yet) as the CPU asks for the stop; no reply is
    // expected: the target must never see it.
    h.submit(&Cmd::new(7, 1, &TEST_UNIT_READY, Dir::None, &[]));
    h.enqueue(7);
    let stop = h.request_stop();
    h.assert_stopped(stop);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(3));

    let skip = ccb(100);
    h.cpu.mem.wr32(skip + l::CCB_GO_START, h.labels.start);
    h.hcb_wr(l::HCB_START_QUEUE + 8 * 3, skip);
    h.msg_job(20, 1, &[msg::BUS_DEVICE_RESET]);
    h.hcb_wr(l::HCB_PRIO_DSA, ccb(20));
    h.hcb_wr(l::HCB_PRIO_FLAG, 1);
    assert_eq!(h.data_ready(2, Some(9)), None);
    let events = h.bus.events.len();
    assert_eq!(h.resume_after_stop(), Stop::Int(sir::MSG_JOB_DONE));
    assert_eq!(h.cpu.dstat, regs::DSTAT_SIR);
    assert_eq!(h.cpu.dsa(), ccb(20));
    assert!(h.done(20));
    assert_eq!(h.hcb(l::HCB_PRIO_FLAG), 0);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(3), "queue untouched");
    assert_eq!(
        h.bus.events[events..],
        [
            Event::Selected(1),
            Event::Cancelled {
                id: 1,
                tag: Some(5)
            },
            Event::Cancelled {
                id: 1,
                tag: Some(6)
            },
            Event::Released {
                id: 1,
                msg_out: vec![0x80, msg::BUS_DEVICE_RESET],
            },
            Event::Reselected {
                id: 2,
                tag: Some(9)
            },
        ]
    );
    assert!(h.bus.connected());
    assert!(h.cpu.intfly.is_empty());

    // The SCRIPTS pass the dropped entry, serve target 2 and wait.
    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(4));
    assert_eq!(
        h.bus.events[events + 5..],
        [Event::Complete {
            id: 2,
            tag: Some(9),
            status: GOOD
        }]
    );
    assert!(h.done(9));
    assert_eq!(h.cpu.intfly, [0]);

    // The READs' data never comes.
    assert_eq!(h.data_ready(1, Some(5)), None);
    assert_eq!(h.data_ready(1, Some(6)), None);
    assert!(h.cpu.is_parked());
    assert_eq!(h.mem(data[2].0, 512), data[2].1);
    for (idx, (at, _)) in [5, 6].into_iter().zip(&data) {
        assert!(!h.done(idx));
        assert_eq!(h.mem(*at, 512), [0; 512]);
    }
    assert!(!h.done(7));

    // Target 1 serves a new command.
    let d = pattern(30, 512);
    h.bus.expect(1, read_reply(40, &d, true));
    h.submit(&Cmd::new(
        8,
        1,
        &read10(40, 1),
        Dir::In,
        &[(BUF + 0x8000, 512)],
    ));
    assert_eq!(h.post(8), Some(Stop::Parked));
    assert!(h.done(8));
    assert_eq!(h.mem(BUF + 0x8000, 512), d);
    assert!(!h
        .bus
        .events
        .iter()
        .any(|e| matches!(e, Event::Reselected { id: 1, .. })));
    assert_eq!(h.bus.cancelled.len(), 2);
    assert!(h.bus.idle());
}

/// ABORT job through the start queue, the message that aborts a
/// disconnected command on QEMU (ABORT TAG cannot reach it, see below):
/// QEMU cancels every disconnected command of the target, as for BDR. The
/// job took its queue entry; the freed slots serve new commands.
#[test]
fn abort_job_through_the_queue_cancels_the_targets_disconnected_commands() {
    let mut h = Host::boot(&[3]);
    for idx in [1, 2] {
        let lba = idx as u32;
        h.bus.expect(3, read_reply(lba, &pattern(40, 512), false));
        h.submit(&Cmd::new(
            idx,
            3,
            &read10(lba, 1),
            Dir::In,
            &[(BUF + 0x1000 * lba, 512)],
        ));
        assert_eq!(h.post(idx), Some(Stop::Parked));
    }
    let events = h.bus.events.len();
    h.msg_job(30, 3, &[msg::ABORT]);
    assert_eq!(h.post(30), Some(Stop::Int(sir::MSG_JOB_DONE)));
    assert_eq!(h.cpu.dsa(), ccb(30));
    assert!(h.done(30));
    assert_eq!(h.hcb(l::HCB_START_POS), entry(3));
    assert_eq!(
        h.bus.events[events..],
        [
            Event::Selected(3),
            Event::Cancelled {
                id: 3,
                tag: Some(1)
            },
            Event::Cancelled {
                id: 3,
                tag: Some(2)
            },
            Event::Released {
                id: 3,
                msg_out: vec![0x80, msg::ABORT],
            },
        ]
    );
    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert_eq!(h.data_ready(3, Some(1)), None);
    assert_eq!(h.data_ready(3, Some(2)), None);
    assert!(!h.done(1) && !h.done(2));

    // Slot 1 again, for a WRITE.
    let out = pattern(41, 512);
    h.cpu.mem.write(BUF + 0x8000, &out);
    h.bus.expect(
        3,
        Reply {
            cdb: write10(5, 1),
            data: Data::Out(512),
            status: GOOD,
        },
    );
    h.submit(&Cmd::new(
        1,
        3,
        &write10(5, 1),
        Dir::Out,
        &[(BUF + 0x8000, 512)],
    ));
    assert_eq!(h.post(1), Some(Stop::Parked));
    assert!(h.done(1));
    assert_eq!(h.bus.done.last().unwrap().written, out);
    assert!(h.bus.idle());
}

/// QEMU's ABORT TAG picks its victim before reading the tag bytes of the
/// same MESSAGE OUT: IDENTIFY + SIMPLE QUEUE TAG + tag + ABORT TAG after a
/// selection cancels nothing when the target has no untagged command, and
/// the tagged command still completes. (Why the abort job sends ABORT.)
#[test]
fn abort_tag_in_the_selection_move_misses_the_tagged_command() {
    let mut h = Host::boot(&[3]);
    let d = pattern(42, 512);
    h.bus.expect(3, read_reply(7, &d, false));
    h.submit(&Cmd::new(4, 3, &read10(7, 1), Dir::In, &[(BUF, 512)]));
    assert_eq!(h.post(4), Some(Stop::Parked));
    let events = h.bus.events.len();
    h.msg_job(31, 3, &[msg::SIMPLE_QUEUE_TAG, 4, msg::ABORT_TAG]);
    assert_eq!(h.post(31), Some(Stop::Int(sir::MSG_JOB_DONE)));
    assert!(h.done(31));
    assert_eq!(
        h.bus.events[events..],
        [
            Event::Selected(3),
            Event::Released {
                id: 3,
                msg_out: vec![0x80, msg::SIMPLE_QUEUE_TAG, 4, msg::ABORT_TAG],
            },
        ]
    );
    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert_eq!(h.data_ready(3, Some(4)), Some(Stop::Parked));
    assert!(h.done(4));
    assert_eq!(h.mem(BUF, 512), d);
    assert!(h.bus.idle());
}

/// A message job to a missing target stops with a selection timeout at
/// the instruction after SELECT, DSA = the job, as a command does; as the
/// priority job it keeps its flag (the CPU clears it).
#[test]
fn bdr_job_to_a_missing_target_times_out() {
    let mut h = Host::boot(&[1]);
    h.msg_job(11, 5, &[msg::BUS_DEVICE_RESET]);
    assert_eq!(h.post(11), Some(Stop::SelectionTimeout));
    assert_eq!(h.cpu.sist1, regs::SIST1_STO);
    assert_eq!(h.cpu.dsa(), ccb(11));
    assert_eq!(h.cpu.dsp, h.labels.bdr + 16);
    assert!(!h.done(11));
    assert_eq!(h.bus.events, [Event::SelectionTimeout(5)]);
    assert_eq!(h.hcb(l::HCB_START_POS), entry(1));
    assert_eq!(h.restart(h.labels.start), Stop::Parked);

    let stop = h.request_stop();
    h.assert_stopped(stop);
    h.msg_job(12, 6, &[msg::BUS_DEVICE_RESET]);
    h.hcb_wr(l::HCB_PRIO_DSA, ccb(12));
    h.hcb_wr(l::HCB_PRIO_FLAG, 1);
    assert_eq!(h.resume_after_stop(), Stop::SelectionTimeout);
    assert_eq!(h.cpu.dsa(), ccb(12));
    assert_eq!(h.cpu.dsp, h.labels.bdr + 16);
    assert_eq!(h.hcb(l::HCB_PRIO_FLAG), 1);
    assert!(!h.done(12));
    h.hcb_wr(l::HCB_PRIO_FLAG, 0);
    assert_eq!(h.restart(h.labels.start), Stop::Parked);
    assert_eq!(
        h.bus.events,
        [Event::SelectionTimeout(5), Event::SelectionTimeout(6)]
    );
    assert!(h.bus.idle());
}
