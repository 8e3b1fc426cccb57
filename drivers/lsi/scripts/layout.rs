// SPDX-License-Identifier: GPL-2.0

//! The memory the SCRIPTS program and the driver share: the command control
//! blocks (CCBs, one per command slot) and the host control block (start
//! queue, done ring, nexus tables).
//!
//! Everything here is little-endian and addressed with 32 bits (the SCRIPTS
//! processor's table-indirect moves, LOAD/STORE and queue entries carry
//! 32-bit bus addresses), so all of it lives below 4 GiB.
//!
//! A CCB is found by the SCRIPTS through DSA: table-indirect moves and
//! DSA-relative LOAD/STORE use the offsets below. The driver fills a CCB,
//! puts its bus address in the start queue and signals the chip (SIGP);
//! the SCRIPTS mark the CCB done in its status word and raise INTFLY, and
//! the interrupt handler looks at the CCBs it has outstanding (at most
//! [`SLOTS`], so a scan is cheaper than a done ring the SCRIPTS would have
//! to index with self-modifying code).
//!
//! To edit the start queue (or the priority job) while the SCRIPTS run,
//! the CPU first stops them at their `start` code with ISTAT0.SEM: see
//! [`sir::STOPPED`] and `program.rs`. A message job (BUS DEVICE RESET,
//! ABORT) is a CCB whose `CCB_GO_START` is the program's `bdr` label, its
//! message-out table holding IDENTIFY and the message
//! ([`sir::MSG_JOB_DONE`]).

/// Number of command slots per host. A slot's index is also its SCSI tag
/// (SIMPLE QUEUE TAG message byte), and reselection finds the CCB with
/// `tag << 2` as the low byte of a 256-byte-aligned table address, so at
/// most 64 slots.
pub const SLOTS: usize = 64;

/// Scatter-gather entries per command: one table-indirect block move each,
/// in each direction's data-move array of the program.
pub const SG_ENTRIES: usize = 128;

/// The largest byte count one block move can carry (24 bits).
pub const MAX_SEGMENT: u32 = 0x00ff_ffff;

// CCB field offsets (DSA-relative).
/// SCRIPTS address the start code jumps to for this job (select).
pub const CCB_GO_START: u32 = 0;
/// SCRIPTS address to resume at after reselection.
pub const CCB_GO_RESTART: u32 = 4;
/// Saved data pointer (SAVE DATA POINTER): a SCRIPTS address inside a
/// data-move array.
pub const CCB_SAVEP: u32 = 8;
/// Current data pointer.
pub const CCB_LASTP: u32 = 12;
/// Data pointer of a complete transfer (end of the array in use).
pub const CCB_GOALP: u32 = 16;
/// Byte 1: [`HS_DONE`], written by the SCRIPTS once the command completed
/// with GOOD status (the status byte itself is at [`CCB_STATUS_BYTE`]).
pub const CCB_STATUS: u32 = 20;
/// Select table: `scntl3 << 24 | id << 16 | sxfer << 8 | scntl4`.
pub const CCB_SELECT: u32 = 24;
/// Table entry {count, address} of the message-out bytes.
pub const CCB_MSGOUT_TBL: u32 = 28;
/// Table entry of the CDB.
pub const CCB_CMD_TBL: u32 = 36;
/// Table entry of the status byte (count 1).
pub const CCB_STATUS_TBL: u32 = 44;
/// Table entry of the first message-in byte (count 1).
pub const CCB_MSGIN_TBL: u32 = 52;
/// Table entry of the rest of an extended message (count set by the CPU).
pub const CCB_EXTIN_TBL: u32 = 60;
/// Message-out bytes (IDENTIFY, tag message, negotiation).
pub const CCB_MSGOUT: u32 = 68;
/// Room for message-out bytes.
pub const MSGOUT_LEN: usize = 12;
/// CDB bytes.
pub const CCB_CDB: u32 = 80;
/// Room for the CDB.
pub const CDB_LEN: usize = 16;
/// Status byte as received (and padding).
pub const CCB_STATUS_BYTE: u32 = 96;
/// Message-in bytes as received.
pub const CCB_MSGIN: u32 = 100;
/// Room for message-in bytes (the longest extended message, PPR, is 8).
pub const MSGIN_LEN: usize = 8;
/// The driver's own flags for the job ([`FLAG_SENSE`] etc.); the SCRIPTS
/// never touch it.
pub const CCB_FLAGS: u32 = 108;
/// Bytes the command transfers when all goes well (for the residual).
pub const CCB_XFER_LEN: u32 = 112;
/// The SG table: [`SG_ENTRIES`] entries {count, address}, filled from the
/// end (the program's data-move array entry `i` moves entry `i`).
pub const CCB_SG: u32 = 128;
/// Size of one SG table entry.
pub const SG_ENTRY_LEN: u32 = 8;
/// Sense data of the driver's own REQUEST SENSE (the chip has no
/// autosense).
pub const CCB_SENSE: u32 = CCB_SG + SG_ENTRIES as u32 * SG_ENTRY_LEN;
/// Room for sense data (the midlayer's sense buffer size).
pub const SENSE_LEN: usize = 96;
/// Size of a CCB.
pub const CCB_SIZE: usize = CCB_SENSE as usize + SENSE_LEN;

// Host control block offsets (from its bus address, 256-byte aligned).
/// Reselection table of tagged nexuses: `SLOTS` CCB addresses indexed by
/// tag (256 bytes, first so the table is 256-byte aligned).
pub const HCB_TAG_TABLE: u32 = 0;
/// Reselection table of untagged nexuses: 16 CCB addresses indexed by
/// target id (the current untagged command of each target, or the
/// bad-nexus CCB).
pub const HCB_UNTAGGED_TABLE: u32 = 256;
/// Start queue: [`START_QUEUE_LEN`] entries of {CCB address, address of
/// the next entry}; a free entry holds the idle CCB.
pub const HCB_START_QUEUE: u32 = 320;
/// Entries in the start queue: room for every slot, the message job and
/// the idle entry, plus a spare (the CPU compacts the queue when it drops
/// jobs, so only live jobs take entries).
pub const START_QUEUE_LEN: usize = SLOTS + 4;
/// The SCRIPTS' start queue position: the address of the next entry to
/// look at.
pub const HCB_START_POS: u32 = HCB_START_QUEUE + START_QUEUE_LEN as u32 * 8;
/// Priority job: a byte flag (1: take the job first) and, in the next
/// dword, its CCB address. The driver sets it only while the SCRIPTS are
/// stopped (to run a REQUEST SENSE before anything else); the SCRIPTS clear
/// the flag once the job's target is selected.
pub const HCB_PRIO_FLAG: u32 = HCB_START_POS + 4;
/// See [`HCB_PRIO_FLAG`].
pub const HCB_PRIO_DSA: u32 = HCB_PRIO_FLAG + 4;
/// The host control block's own bus address (base of the tag table), and
/// at the next dword that of the untagged table: reselection loads DSA
/// from here and replaces its low byte with the tag (or id) times four.
pub const HCB_SELF: u32 = HCB_PRIO_DSA + 4;
/// See [`HCB_SELF`].
pub const HCB_SELF_UNTAGGED: u32 = HCB_SELF + 4;
/// The idle CCB: its `go_start` is the program's idle entry.
pub const HCB_IDLE_CCB: u32 = HCB_SELF_UNTAGGED + 4;
/// The bad-nexus CCB: reselection by a nexus with no command lands here
/// (its `go_restart` is the program's bad-nexus handler).
pub const HCB_BAD_CCB: u32 = HCB_IDLE_CCB + 32;
/// Scratch word for dummy moves.
pub const HCB_SCRATCH: u32 = HCB_BAD_CCB + 32;
/// Size of the host control block.
pub const HCB_SIZE: usize = HCB_SCRATCH as usize + 32;

/// `CCB_STATUS` byte 1: the command reached COMMAND COMPLETE with GOOD,
/// or a message job's message was sent and the target freed the bus.
pub const HS_DONE: u8 = 1;

/// Writes a little-endian dword at `off` of `buf`; `false` if out of range.
pub fn put_u32(buf: &mut [u8], off: u32, v: u32) -> bool {
    let Ok(off) = usize::try_from(off) else {
        return false;
    };
    match off.checked_add(4).and_then(|end| buf.get_mut(off..end)) {
        Some(dst) => {
            dst.copy_from_slice(&v.to_le_bytes());
            true
        }
        None => false,
    }
}

/// Reads a little-endian dword at `off` of `buf`.
pub fn get_u32(buf: &[u8], off: u32) -> Option<u32> {
    let off = usize::try_from(off).ok()?;
    let b: [u8; 4] = buf.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// The select table dword for target `id` (asynchronous, narrow: SXFER 0,
/// SCNTL3 as given, SCNTL4 0).
pub const fn select_dword(id: u8, scntl3: u8, sxfer: u8) -> u32 {
    (scntl3 as u32) << 24 | ((id & 0x0f) as u32) << 16 | (sxfer as u32) << 8
}

/// A table-indirect move entry: 24-bit count, 32-bit address.
pub const fn table_entry(count: u32, addr: u32) -> [u32; 2] {
    [count & MAX_SEGMENT, addr]
}

const _: () = assert!(CCB_SIZE % 8 == 0);
const _: () = assert!(HCB_UNTAGGED_TABLE % 256 == 0 && HCB_UNTAGGED_TABLE + 64 <= HCB_START_QUEUE);
const _: () = assert!(HCB_SIZE <= 4096);
const _: () = assert!(SLOTS * 4 <= 256);

/// `CCB_FLAGS`: the job is the driver's REQUEST SENSE for its command.
pub const FLAG_SENSE: u32 = 1 << 0;
/// `CCB_FLAGS`: the message-out bytes carry a negotiation (SDTR/WDTR).
pub const FLAG_NEGOTIATE: u32 = 1 << 1;
/// `CCB_FLAGS`: the target answered the negotiation (extended message in).
pub const FLAG_NEGO_ANSWERED: u32 = 1 << 2;
/// `CCB_FLAGS`: the job is untagged (found through the untagged table).
pub const FLAG_UNTAGGED: u32 = 1 << 3;
/// `CCB_FLAGS`: the target sent more data than the command asked for.
pub const FLAG_OVERRUN: u32 = 1 << 4;

/// Codes the program's `INT` instructions leave in DSPS.
pub mod sir {
    /// COMMAND COMPLETE with a status other than GOOD; the bus is free.
    pub const BAD_STATUS: u32 = 1;
    /// The target did not go to MESSAGE OUT after selection with ATN.
    pub const SEL_NO_MSGOUT: u32 = 2;
    /// A message the program does not handle; it is in `CCB_MSGIN`, ACK
    /// still asserted.
    pub const MSG_WEIRD: u32 = 3;
    /// MESSAGE REJECT received (ACK still asserted).
    pub const REJECT_RECEIVED: u32 = 4;
    /// Extended message: its length byte is at `CCB_MSGIN + 1`; the CPU
    /// sets the `CCB_EXTIN_TBL` count to it and restarts at `ext_body`.
    pub const EXT_MSG: u32 = 5;
    /// The extended message's body is at `CCB_MSGIN + 2` (ACK asserted).
    pub const EXT_MSG_BODY: u32 = 6;
    /// Reselected, but the target did not go to MESSAGE IN.
    pub const RESEL_NO_MSGIN: u32 = 7;
    /// Reselected, but the first message was not IDENTIFY.
    pub const RESEL_NO_IDENTIFY: u32 = 8;
    /// Reselected by a nexus without a command.
    pub const RESEL_BAD_NEXUS: u32 = 9;
    /// A bus phase the program does not expect.
    pub const BAD_PHASE: u32 = 10;
    /// The target sent or asked for more data than the command has.
    pub const OVERRUN: u32 = 11;
    /// The CPU's stop request: `start` found ISTAT0.SEM set and halted
    /// before taking a job (DSP = `start` + 24, DSA stale). The CPU set
    /// SEM | SIGP in one ISTAT0 write (and keeps SEM in every ISTAT0 write
    /// until it gets here); now the start queue from `HCB_START_POS` on
    /// and the priority job are its to edit. It resumes with ISTAT0 = 0
    /// (SEM cleared), then DSP = `start`. See `program.rs`.
    pub const STOPPED: u32 = 12;
    /// A message job (started at the program's `bdr` label) sent its
    /// IDENTIFY and BUS DEVICE RESET or ABORT, and the target went bus
    /// free: DSA is the job's CCB, marked [`super::HS_DONE`]. The target's
    /// disconnected commands are gone (QEMU: all of them, for either
    /// message); the CPU restarts at `start`.
    pub const MSG_JOB_DONE: u32 = 13;
}
