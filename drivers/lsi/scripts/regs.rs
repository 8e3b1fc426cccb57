// SPDX-License-Identifier: GPL-2.0

//! LSI53C895A operating registers: offsets (typed as [`Reg`] so SCRIPTS
//! register instructions cannot be handed a byte count by mistake), the
//! bits the driver programs or tests, and pure decoders for the interrupt
//! handler ([`IntStatus`], [`Cause`]).
//!
//! The host may touch only ISTAT0, ISTAT1, MBOX0 and MBOX1 while SCRIPTS
//! run; everything else is read or written with SCRIPTS halted (or by
//! SCRIPTS themselves). QEMU's `lsi53c895a` model accepts byte accesses to
//! every register; multi-byte registers are little-endian.
//!
//! QEMU quirks worth knowing here: reading SFBR (0x08) through MMIO or a
//! register instruction returns 0 (it decodes 0x08 as a revision ID), so
//! SCRIPTS copy SFBR elsewhere with a "move from SFBR" instruction; reading
//! DSTAT, SIST0 or SIST1 clears them; CTEST2 reads clear ISTAT0.SIGP.

use super::insn::Phase;

/// A register of the chip's operating register file (0x00..=0xff), as
/// addressed by SCRIPTS register instructions and by MMIO/PIO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reg(u8);

impl Reg {
    /// The register at byte offset `offset`.
    pub const fn new(offset: u8) -> Self {
        Reg(offset)
    }

    /// Byte offset, as SCRIPTS encode it.
    pub const fn addr(self) -> u8 {
        self.0
    }

    /// Byte offset in the MMIO/PIO window.
    pub const fn offset(self) -> usize {
        self.0 as usize
    }

    /// Byte `n` of a multi-byte register (e.g. `DSA.byte(3)`), wrapping
    /// at the end of the register file.
    pub const fn byte(self, n: u8) -> Self {
        Reg(self.0.wrapping_add(n))
    }
}

/// SCSI control 0: arbitration mode, start sequence, parity.
pub const SCNTL0: Reg = Reg(0x00);
/// SCSI control 1: bus reset, connected, immediate arbitration.
pub const SCNTL1: Reg = Reg(0x01);
/// SCSI control 2: disconnect-unexpected, chained mode, wide residue.
pub const SCNTL2: Reg = Reg(0x02);
/// SCSI control 3: clock conversion factors, wide enable, Ultra.
pub const SCNTL3: Reg = Reg(0x03);
/// SCSI chip ID: own ID and (re)selection response enables.
pub const SCID: Reg = Reg(0x04);
/// SCSI transfer: synchronous period and offset.
pub const SXFER: Reg = Reg(0x05);
/// SCSI destination ID (set by SELECT).
pub const SDID: Reg = Reg(0x06);
/// General purpose pins.
pub const GPREG: Reg = Reg(0x07);
/// SCSI first byte received: what data compares test.
pub const SFBR: Reg = Reg(0x08);
/// SCSI output control latch (low-level mode).
pub const SOCL: Reg = Reg(0x09);
/// SCSI selector ID: the ID that (re)selected us, [`SSID_VAL`] if valid.
pub const SSID: Reg = Reg(0x0a);
/// SCSI bus control lines (status).
pub const SBCL: Reg = Reg(0x0b);
/// DMA status; reading clears it (and ISTAT0.DIP).
pub const DSTAT: Reg = Reg(0x0c);
/// SCSI status 0.
pub const SSTAT0: Reg = Reg(0x0d);
/// SCSI status 1: FIFO flags and the current bus phase in bits 2:0.
pub const SSTAT1: Reg = Reg(0x0e);
/// SCSI status 2.
pub const SSTAT2: Reg = Reg(0x0f);
/// Data structure address (4 bytes): base of table-indirect and
/// DSA-relative operands.
pub const DSA: Reg = Reg(0x10);
/// Interrupt status 0: abort/reset/signal commands and interrupt summary.
pub const ISTAT0: Reg = Reg(0x14);
/// Interrupt status 1: SCRIPTS running, flushing, INTA disable.
pub const ISTAT1: Reg = Reg(0x15);
/// Mailbox 0 (host/SCRIPTS, accessible while running).
pub const MBOX0: Reg = Reg(0x16);
/// Mailbox 1 (host/SCRIPTS, accessible while running).
pub const MBOX1: Reg = Reg(0x17);
/// Chip test 0 (general purpose byte).
pub const CTEST0: Reg = Reg(0x18);
/// Chip test 1: DMA FIFO byte status.
pub const CTEST1: Reg = Reg(0x19);
/// Chip test 2: reading it clears ISTAT0.SIGP and reports it in
/// [`CTEST2_SIGP`].
pub const CTEST2: Reg = Reg(0x1a);
/// Chip test 3: FIFO flush/clear, write-and-invalidate.
pub const CTEST3: Reg = Reg(0x1b);
/// Temporary (4 bytes): CALL's return address.
pub const TEMP: Reg = Reg(0x1c);
/// DMA FIFO byte offset counter.
pub const DFIFO: Reg = Reg(0x20);
/// Chip test 4: burst disable, parity checking.
pub const CTEST4: Reg = Reg(0x21);
/// Chip test 5: FIFO size, DMA direction, upper DFIFO bits.
pub const CTEST5: Reg = Reg(0x22);
/// Chip test 6: DMA FIFO data.
pub const CTEST6: Reg = Reg(0x23);
/// DMA byte counter (3 bytes): remaining count of the current move.
pub const DBC: Reg = Reg(0x24);
/// DMA command: the first byte of the current instruction.
pub const DCMD: Reg = Reg(0x27);
/// DMA next address (4 bytes).
pub const DNAD: Reg = Reg(0x28);
/// DMA SCRIPTS pointer (4 bytes): writing the top byte starts SCRIPTS
/// (unless DMODE.MAN).
pub const DSP: Reg = Reg(0x2c);
/// DMA SCRIPTS pointer save (4 bytes): second dword of the current
/// instruction, i.e. the INT code after a SCRIPTS interrupt.
pub const DSPS: Reg = Reg(0x30);
/// Scratch register A (4 bytes).
pub const SCRATCHA: Reg = Reg(0x34);
/// DMA mode: burst length, I/O vs memory space, manual start.
pub const DMODE: Reg = Reg(0x38);
/// DMA interrupt enable (DSTAT bit layout).
pub const DIEN: Reg = Reg(0x39);
/// Scratch byte register.
pub const SBR: Reg = Reg(0x3a);
/// DMA control: single step, start DMA, compatibility, prefetch.
pub const DCNTL: Reg = Reg(0x3b);
/// Adder sum output (4 bytes, debug of relative jumps).
pub const ADDER: Reg = Reg(0x3c);
/// SCSI interrupt enable 0 (SIST0 bit layout).
pub const SIEN0: Reg = Reg(0x40);
/// SCSI interrupt enable 1 (SIST1 bit layout).
pub const SIEN1: Reg = Reg(0x41);
/// SCSI interrupt status 0; reading clears it.
pub const SIST0: Reg = Reg(0x42);
/// SCSI interrupt status 1; reading clears it.
pub const SIST1: Reg = Reg(0x43);
/// SCSI longitudinal parity.
pub const SLPAR: Reg = Reg(0x44);
/// SCSI wide residue byte.
pub const SWIDE: Reg = Reg(0x45);
/// Memory access control.
pub const MACNTL: Reg = Reg(0x46);
/// General purpose pin control.
pub const GPCNTL: Reg = Reg(0x47);
/// SCSI timer 0: handshake-to-handshake and selection timeouts.
pub const STIME0: Reg = Reg(0x48);
/// SCSI timer 1: general purpose timer.
pub const STIME1: Reg = Reg(0x49);
/// Response ID 0: IDs 0-7 we answer (re)selection on, one bit each.
pub const RESPID0: Reg = Reg(0x4a);
/// Response ID 1: IDs 8-15.
pub const RESPID1: Reg = Reg(0x4b);
/// SCSI test 0.
pub const STEST0: Reg = Reg(0x4c);
/// SCSI test 1: SCSI clock source, clock doubler/quadrupler.
pub const STEST1: Reg = Reg(0x4d);
/// SCSI test 2: reset offset, extended filtering, low-level mode.
pub const STEST2: Reg = Reg(0x4e);
/// SCSI test 3: TolerANT, halt clock, clear SCSI FIFO.
pub const STEST3: Reg = Reg(0x4f);
/// SCSI input data latch (2 bytes).
pub const SIDL: Reg = Reg(0x50);
/// SCSI test 4: bus mode (SE/LVD/HVD), clock lock.
pub const STEST4: Reg = Reg(0x52);
/// SCSI output data latch (2 bytes).
pub const SODL: Reg = Reg(0x54);
/// Chip control 0: phase mismatch jump control.
pub const CCNTL0: Reg = Reg(0x56);
/// Chip control 1: 64-bit/40-bit addressing modes.
pub const CCNTL1: Reg = Reg(0x57);
/// SCSI bus data lines (2 bytes).
pub const SBDL: Reg = Reg(0x58);
/// Scratch register B (4 bytes).
pub const SCRATCHB: Reg = Reg(0x5c);
/// Scratch register C (4 bytes).
pub const SCRATCHC: Reg = Reg(0x60);
/// Scratch register D (4 bytes).
pub const SCRATCHD: Reg = Reg(0x64);
/// Scratch register E (4 bytes).
pub const SCRATCHE: Reg = Reg(0x68);
/// Scratch register F (4 bytes).
pub const SCRATCHF: Reg = Reg(0x6c);
/// Scratch register G (4 bytes).
pub const SCRATCHG: Reg = Reg(0x70);
/// Scratch register H (4 bytes).
pub const SCRATCHH: Reg = Reg(0x74);
/// Scratch register I (4 bytes).
pub const SCRATCHI: Reg = Reg(0x78);
/// Scratch register J (4 bytes).
pub const SCRATCHJ: Reg = Reg(0x7c);
/// Scratch register K (4 bytes); registers from here on need address
/// bit 7, which register instructions carry in bit 7 of their first dword.
pub const SCRATCHK: Reg = Reg(0x80);
/// Scratch register R (4 bytes), the last one.
pub const SCRATCHR: Reg = Reg(0x9c);
/// Memory move read selector (upper address bits of memory-move sources).
pub const MMRS: Reg = Reg(0xa0);
/// Memory move write selector.
pub const MMWS: Reg = Reg(0xa4);
/// SCRIPTS fetch selector.
pub const SFS: Reg = Reg(0xa8);
/// DSA relative selector.
pub const DRS: Reg = Reg(0xac);
/// Static block move selector.
pub const SBMS: Reg = Reg(0xb0);
/// Dynamic block move selector.
pub const DBMS: Reg = Reg(0xb4);
/// DMA next address, upper 32 bits.
pub const DNAD64: Reg = Reg(0xb8);
/// Phase mismatch jump address 1 (with [`CCNTL0_ENPMJ`]).
pub const PMJAD1: Reg = Reg(0xc0);
/// Phase mismatch jump address 2.
pub const PMJAD2: Reg = Reg(0xc4);
/// Remaining byte count after a phase mismatch (4 bytes).
pub const RBC: Reg = Reg(0xc8);
/// Updated address after a phase mismatch (4 bytes).
pub const UA: Reg = Reg(0xcc);
/// Entry storage address (4 bytes).
pub const ESA: Reg = Reg(0xd0);
/// Instruction address of the interrupted block move (4 bytes).
pub const IA: Reg = Reg(0xd4);
/// SCSI byte count (3 bytes).
pub const SBC: Reg = Reg(0xd8);
/// Cumulative SCSI byte count (4 bytes).
pub const CSBC: Reg = Reg(0xdc);

/// PCI vendor ID of LSI Logic / Symbios.
pub const PCI_VENDOR_ID_LSI: u16 = 0x1000;
/// PCI device ID of the 53C895A (QEMU `lsi53c895a`).
pub const PCI_DEVICE_ID_53C895A: u16 = 0x0012;
/// Size of the on-chip SCRIPTS RAM (BAR 2), the upper bound for a
/// program run from it.
pub const SCRIPTS_RAM_SIZE: usize = 8192;
/// Size of the register window (BAR 0 I/O, BAR 1 memory).
pub const REGS_SIZE: usize = 256;

/// SCNTL0: full arbitration, selection/reselection (both ARB bits).
pub const SCNTL0_ARB_FULL: u8 = 0xc0;
/// SCNTL0: start a low-level sequence.
pub const SCNTL0_START: u8 = 0x20;
/// SCNTL0: select with ATN on a start sequence.
pub const SCNTL0_WATN: u8 = 0x10;
/// SCNTL0: enable parity checking.
pub const SCNTL0_EPC: u8 = 0x08;
/// SCNTL0: assert ATN on a parity error.
pub const SCNTL0_AAP: u8 = 0x02;
/// SCNTL0: target role.
pub const SCNTL0_TRG: u8 = 0x01;

/// SCNTL1: extra clock cycle of data setup.
pub const SCNTL1_EXC: u8 = 0x80;
/// SCNTL1: assert the SCSI data bus.
pub const SCNTL1_ADB: u8 = 0x40;
/// SCNTL1: disable halt on parity error or ATN (target role).
pub const SCNTL1_DHP: u8 = 0x20;
/// SCNTL1: connected to the SCSI bus.
pub const SCNTL1_CON: u8 = 0x10;
/// SCNTL1: assert SCSI RST (bus reset while set).
pub const SCNTL1_RST: u8 = 0x08;
/// SCNTL1: assert even SCSI parity (test).
pub const SCNTL1_AESP: u8 = 0x04;
/// SCNTL1: immediate arbitration.
pub const SCNTL1_IARB: u8 = 0x02;
/// SCNTL1: start SCSI transfer (low-level mode).
pub const SCNTL1_SST: u8 = 0x01;

/// SCNTL2: SCSI disconnect unexpected; SCRIPTS clear it before an
/// expected disconnect, or the disconnect raises UDC.
pub const SCNTL2_SDU: u8 = 0x80;
/// SCNTL2: chained mode.
pub const SCNTL2_CHM: u8 = 0x40;
/// SCNTL2: wide SCSI send (a byte is held in SODL).
pub const SCNTL2_WSS: u8 = 0x08;
/// SCNTL2: wide SCSI receive (a byte is held in SWIDE).
pub const SCNTL2_WSR: u8 = 0x01;

/// SCNTL3: Ultra (fast-20/40) timing enable.
pub const SCNTL3_ULTRA: u8 = 0x80;
/// SCNTL3: synchronous clock conversion factor, bits 6:4.
pub const SCNTL3_SCF_MASK: u8 = 0x70;
/// SCNTL3: enable wide SCSI.
pub const SCNTL3_EWS: u8 = 0x08;
/// SCNTL3: asynchronous clock conversion factor, bits 2:0.
pub const SCNTL3_CCF_MASK: u8 = 0x07;

/// SCID: respond to reselection (needed for disconnect/reconnect).
pub const SCID_RRE: u8 = 0x40;
/// SCID: respond to selection (target role).
pub const SCID_SRE: u8 = 0x20;
/// SCID: own SCSI ID, bits 3:0.
pub const SCID_ID_MASK: u8 = 0x0f;

/// SXFER: synchronous transfer period, bits 7:5.
pub const SXFER_TP_MASK: u8 = 0xe0;
/// SXFER: maximum synchronous offset, bits 4:0 (0 = asynchronous).
pub const SXFER_MO_MASK: u8 = 0x1f;

/// SOCL/SBCL: REQ.
pub const SBCL_REQ: u8 = 0x80;
/// SOCL/SBCL: ACK.
pub const SBCL_ACK: u8 = 0x40;
/// SOCL/SBCL: BSY.
pub const SBCL_BSY: u8 = 0x20;
/// SOCL/SBCL: SEL.
pub const SBCL_SEL: u8 = 0x10;
/// SOCL/SBCL: ATN.
pub const SBCL_ATN: u8 = 0x08;
/// SOCL/SBCL: MSG.
pub const SBCL_MSG: u8 = 0x04;
/// SOCL/SBCL: C/D.
pub const SBCL_CD: u8 = 0x02;
/// SOCL/SBCL: I/O.
pub const SBCL_IO: u8 = 0x01;
/// SSID: the ID in bits 3:0 is valid.
pub const SSID_VAL: u8 = 0x80;
/// SSID: encoded ID of the device that (re)selected us.
pub const SSID_ID_MASK: u8 = 0x0f;

/// DSTAT: DMA FIFO empty (status only, not an interrupt cause).
pub const DSTAT_DFE: u8 = 0x80;
/// DSTAT: master data parity error.
pub const DSTAT_MDPE: u8 = 0x40;
/// DSTAT: PCI bus fault.
pub const DSTAT_BF: u8 = 0x20;
/// DSTAT: aborted through ISTAT0.ABRT.
pub const DSTAT_ABRT: u8 = 0x10;
/// DSTAT: single-step interrupt.
pub const DSTAT_SSI: u8 = 0x08;
/// DSTAT: SCRIPTS INT instruction; the code is in DSPS.
pub const DSTAT_SIR: u8 = 0x04;
/// DSTAT: illegal instruction detected.
pub const DSTAT_IID: u8 = 0x01;

/// SSTAT0: SIDL least significant byte full.
pub const SSTAT0_ILF: u8 = 0x80;
/// SSTAT0: SODR least significant byte full.
pub const SSTAT0_ORF: u8 = 0x40;
/// SSTAT0: SODL least significant byte full.
pub const SSTAT0_OLF: u8 = 0x20;
/// SSTAT0: arbitration in progress.
pub const SSTAT0_AIP: u8 = 0x10;
/// SSTAT0: lost arbitration.
pub const SSTAT0_LOA: u8 = 0x08;
/// SSTAT0: won arbitration.
pub const SSTAT0_WOA: u8 = 0x04;
/// SSTAT0: SCSI RST is asserted.
pub const SSTAT0_RST: u8 = 0x02;
/// SSTAT0: SCSI parity signal.
pub const SSTAT0_SDP0: u8 = 0x01;

/// SSTAT1: SCSI FIFO byte count, bits 7:4.
pub const SSTAT1_FF_MASK: u8 = 0xf0;
/// SSTAT1: latched SCSI parity.
pub const SSTAT1_SDP0L: u8 = 0x08;
/// SSTAT1: MSG, C/D and I/O as latched on the last REQ (the phase).
pub const SSTAT1_PHASE_MASK: u8 = 0x07;

/// SSTAT2: SIDL most significant byte full.
pub const SSTAT2_ILF1: u8 = 0x80;
/// SSTAT2: SODR most significant byte full.
pub const SSTAT2_ORF1: u8 = 0x40;
/// SSTAT2: SODL most significant byte full.
pub const SSTAT2_OLF1: u8 = 0x20;
/// SSTAT2: DIFFSENS mismatch.
pub const SSTAT2_DM: u8 = 0x04;
/// SSTAT2: last disconnect (set while not connected).
pub const SSTAT2_LDSC: u8 = 0x02;

/// ISTAT0: abort the running SCRIPTS (raises DSTAT.ABRT).
pub const ISTAT0_ABRT: u8 = 0x80;
/// ISTAT0: software reset of the chip (write 1 then 0).
pub const ISTAT0_SRST: u8 = 0x40;
/// ISTAT0: signal process: wakes WAIT RESELECT at its alternate address.
pub const ISTAT0_SIGP: u8 = 0x20;
/// ISTAT0: semaphore between host and SCRIPTS.
pub const ISTAT0_SEM: u8 = 0x10;
/// ISTAT0: connected to the SCSI bus.
pub const ISTAT0_CON: u8 = 0x08;
/// ISTAT0: interrupt on the fly; write 1 to clear.
pub const ISTAT0_INTF: u8 = 0x04;
/// ISTAT0: SCSI interrupt pending (read SIST0/SIST1).
pub const ISTAT0_SIP: u8 = 0x02;
/// ISTAT0: DMA interrupt pending (read DSTAT).
pub const ISTAT0_DIP: u8 = 0x01;

/// ISTAT1: flushing the DMA FIFO.
pub const ISTAT1_FLSH: u8 = 0x04;
/// ISTAT1: SCRIPTS are running.
pub const ISTAT1_SRUN: u8 = 0x02;
/// ISTAT1: disable the INTA pin.
pub const ISTAT1_SI: u8 = 0x01;

/// CTEST2: data transfer direction.
pub const CTEST2_DDIR: u8 = 0x80;
/// CTEST2: copy of ISTAT0.SIGP, which the read clears.
pub const CTEST2_SIGP: u8 = 0x40;
/// CTEST2: configured as I/O space.
pub const CTEST2_CIO: u8 = 0x20;
/// CTEST2: configured as memory space.
pub const CTEST2_CM: u8 = 0x10;

/// CTEST3: flush the DMA FIFO.
pub const CTEST3_FLF: u8 = 0x08;
/// CTEST3: clear the DMA FIFO.
pub const CTEST3_CLF: u8 = 0x04;
/// CTEST3: fetch pin mode.
pub const CTEST3_FM: u8 = 0x02;
/// CTEST3: write and invalidate enable.
pub const CTEST3_WRIE: u8 = 0x01;

/// CTEST4: burst disable.
pub const CTEST4_BDIS: u8 = 0x80;
/// CTEST4: master parity error enable.
pub const CTEST4_MPEE: u8 = 0x08;

/// CTEST5: DMA FIFO size 944 bytes (112 when clear).
pub const CTEST5_DFS: u8 = 0x20;
/// CTEST5: burst length bit 2.
pub const CTEST5_BL2: u8 = 0x04;

/// DMODE: burst length bits 1:0, bits 7:6.
pub const DMODE_BL_MASK: u8 = 0xc0;
/// DMODE: source (memory move, SCRIPTS reads) is in I/O space.
pub const DMODE_SIOM: u8 = 0x20;
/// DMODE: destination is in I/O space.
pub const DMODE_DIOM: u8 = 0x10;
/// DMODE: enable read line.
pub const DMODE_ERL: u8 = 0x08;
/// DMODE: enable read multiple.
pub const DMODE_ERMP: u8 = 0x04;
/// DMODE: burst opcode fetch.
pub const DMODE_BOF: u8 = 0x02;
/// DMODE: manual start: writing DSP does not start SCRIPTS, DCNTL.STD does.
pub const DMODE_MAN: u8 = 0x01;

/// DCNTL: cache line size enable.
pub const DCNTL_CLSE: u8 = 0x80;
/// DCNTL: prefetch flush.
pub const DCNTL_PFF: u8 = 0x40;
/// DCNTL: prefetch enable; SCRIPTS that rewrite themselves must then
/// flush (see `insn::Prefetch`).
pub const DCNTL_PFEN: u8 = 0x20;
/// DCNTL: single-step mode.
pub const DCNTL_SSM: u8 = 0x10;
/// DCNTL: IRQ pin totem-pole mode.
pub const DCNTL_IRQM: u8 = 0x08;
/// DCNTL: start DMA operation (single step / manual start).
pub const DCNTL_STD: u8 = 0x04;
/// DCNTL: disable the IRQ pin.
pub const DCNTL_IRQD: u8 = 0x02;
/// DCNTL: 53C700 compatibility off. Keep it set: with it clear the chip
/// writes the reselecting ID into SFBR, and the manual rules out register
/// read/write instructions.
pub const DCNTL_COM: u8 = 0x01;

/// SIST0/SIEN0: phase mismatch (initiator) or ATN (target).
pub const SIST0_MA: u8 = 0x80;
/// SIST0/SIEN0: arbitration function complete.
pub const SIST0_CMP: u8 = 0x40;
/// SIST0/SIEN0: selected.
pub const SIST0_SEL: u8 = 0x20;
/// SIST0/SIEN0: reselected.
pub const SIST0_RSL: u8 = 0x10;
/// SIST0/SIEN0: SCSI gross error (FIFO under/overflow, offset).
pub const SIST0_SGE: u8 = 0x08;
/// SIST0/SIEN0: unexpected disconnect.
pub const SIST0_UDC: u8 = 0x04;
/// SIST0/SIEN0: SCSI bus reset detected.
pub const SIST0_RST: u8 = 0x02;
/// SIST0/SIEN0: SCSI parity error.
pub const SIST0_PAR: u8 = 0x01;

/// SIST1/SIEN1: SCSI bus mode change.
pub const SIST1_SBMC: u8 = 0x10;
/// SIST1/SIEN1: selection or reselection timeout.
pub const SIST1_STO: u8 = 0x04;
/// SIST1/SIEN1: general purpose timer expired.
pub const SIST1_GEN: u8 = 0x02;
/// SIST1/SIEN1: handshake-to-handshake timer expired.
pub const SIST1_HTH: u8 = 0x01;

/// STIME0: selection timeout field, bits 3:0.
pub const STIME0_SEL_MASK: u8 = 0x0f;
/// STIME0: 204.8 ms selection timeout, the SCSI recommendation.
pub const STIME0_SEL_204MS: u8 = 0x0d;

/// STEST1: SCSI clock from the PCI clock.
pub const STEST1_SCLK: u8 = 0x80;
/// STEST1: SCSI isolation mode.
pub const STEST1_SISO: u8 = 0x40;
/// STEST1: clock multiplier enable.
pub const STEST1_QEN: u8 = 0x08;
/// STEST1: clock multiplier select.
pub const STEST1_QSEL: u8 = 0x04;

/// STEST2: SCSI control enable (low-level mode).
pub const STEST2_SCE: u8 = 0x80;
/// STEST2: reset SCSI offset (after a gross error).
pub const STEST2_ROF: u8 = 0x40;
/// STEST2: always wide SCSI.
pub const STEST2_AWS: u8 = 0x04;
/// STEST2: extended REQ/ACK filtering.
pub const STEST2_EXT: u8 = 0x02;
/// STEST2: low-level mode.
pub const STEST2_LOW: u8 = 0x01;

/// STEST3: TolerANT enable.
pub const STEST3_TE: u8 = 0x80;
/// STEST3: halt SCSI clock (while changing the multiplier).
pub const STEST3_HSC: u8 = 0x20;
/// STEST3: disable single initiator response.
pub const STEST3_DSI: u8 = 0x10;
/// STEST3: clear the SCSI FIFO.
pub const STEST3_CSF: u8 = 0x02;

/// STEST4: SCSI bus mode, bits 7:6 (see `STEST4_SMODE_*`).
pub const STEST4_SMODE_MASK: u8 = 0xc0;
/// STEST4 bus mode: high voltage differential.
pub const STEST4_SMODE_HVD: u8 = 0x40;
/// STEST4 bus mode: single ended.
pub const STEST4_SMODE_SE: u8 = 0x80;
/// STEST4 bus mode: low voltage differential.
pub const STEST4_SMODE_LVD: u8 = 0xc0;
/// STEST4: clock multiplier locked.
pub const STEST4_LOCK: u8 = 0x20;

/// CCNTL0: jump to PMJAD1/PMJAD2 on phase mismatch instead of
/// interrupting.
pub const CCNTL0_ENPMJ: u8 = 0x80;
/// CCNTL0: choose the mismatch jump address by direction, not by WSR.
pub const CCNTL0_PMJCTL: u8 = 0x40;
/// CCNTL0: phase mismatch jumps for non-data phases too.
pub const CCNTL0_ENNDJ: u8 = 0x20;
/// CCNTL0: disable the automatic FIFO clear.
pub const CCNTL0_DISFC: u8 = 0x10;
/// CCNTL0: disable internal LOAD/STORE.
pub const CCNTL0_DILS: u8 = 0x02;

/// CCNTL1: high-impedance mode.
pub const CCNTL1_ZMOD: u8 = 0x80;
/// CCNTL1: disable dual address cycles.
pub const CCNTL1_DDAC: u8 = 0x08;
/// CCNTL1: 64-bit table indirect indexing mode.
pub const CCNTL1_64TIMOD: u8 = 0x04;
/// CCNTL1: enable 64-bit table indirect block moves.
pub const CCNTL1_EN64TIBMV: u8 = 0x02;
/// CCNTL1: enable 64-bit direct block moves (3-dword moves).
pub const CCNTL1_EN64DBMV: u8 = 0x01;

/// The current bus phase from SSTAT1 (or SBCL); `None` for the reserved
/// phases 4 and 5.
pub const fn sstat1_phase(sstat1: u8) -> Option<Phase> {
    Phase::from_bits(sstat1)
}

/// The phase a block move expected, from the DCMD byte of the interrupted
/// instruction (its bits 2:0); `None` for the reserved phases.
pub const fn dcmd_phase(dcmd: u8) -> Option<Phase> {
    Phase::from_bits(dcmd)
}

/// The remaining byte count of an interrupted block move (DBC bits 23:0,
/// reading DBC and DCMD as one little-endian dword).
pub const fn dbc_count(dbc_dcmd: u32) -> u32 {
    dbc_dcmd & 0x00ff_ffff
}

/// One reason the chip interrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// SIST0.RST: the SCSI bus was reset (by us or another device).
    BusReset,
    /// DSTAT.BF: PCI bus fault on a SCRIPTS fetch or DMA.
    BusFault,
    /// DSTAT.MDPE: PCI master data parity error.
    MasterParityError,
    /// DSTAT.IID: illegal or malformed instruction; DSP points past it.
    IllegalInstruction,
    /// DSTAT.ABRT: the host aborted SCRIPTS through ISTAT0.ABRT.
    Aborted,
    /// SIST0.PAR: SCSI parity error.
    ParityError,
    /// SIST0.SGE: SCSI gross error.
    GrossError,
    /// SIST1.SBMC: the bus changed mode (SE/LVD).
    BusModeChange,
    /// SIST0.UDC: the target disconnected while SCNTL2.SDU was set.
    UnexpectedDisconnect,
    /// SIST1.STO: selection timed out (no device at that ID).
    SelectionTimeout,
    /// SIST1.HTH: handshake-to-handshake timeout.
    HandshakeTimeout,
    /// SIST1.GEN: general purpose timer expired.
    GeneralTimeout,
    /// SIST0.MA: phase mismatch during a block move.
    PhaseMismatch,
    /// SIST0.RSL: reselected (only raised when enabled in SIEN0).
    Reselected,
    /// SIST0.SEL: selected as a target.
    Selected,
    /// SIST0.CMP: arbitration complete.
    FunctionComplete,
    /// DSTAT.SSI: single step.
    SingleStep,
    /// DSTAT.SIR: an INT instruction; its code is in DSPS.
    ScriptsInterrupt,
    /// ISTAT0.INTF: an INTFLY instruction; SCRIPTS kept running. Clear it
    /// by writing [`ISTAT0_INTF`] to ISTAT0.
    InterruptOnTheFly,
}

/// Every cause with the register bit that reports it, most severe first:
/// resets and PCI errors invalidate everything else, SCSI errors end the
/// current command, then the ordinary SCRIPTS events.
const CAUSES: [(Cause, Source, u8); 19] = [
    (Cause::BusReset, Source::Sist0, SIST0_RST),
    (Cause::BusFault, Source::Dstat, DSTAT_BF),
    (Cause::MasterParityError, Source::Dstat, DSTAT_MDPE),
    (Cause::IllegalInstruction, Source::Dstat, DSTAT_IID),
    (Cause::Aborted, Source::Dstat, DSTAT_ABRT),
    (Cause::ParityError, Source::Sist0, SIST0_PAR),
    (Cause::GrossError, Source::Sist0, SIST0_SGE),
    (Cause::BusModeChange, Source::Sist1, SIST1_SBMC),
    (Cause::UnexpectedDisconnect, Source::Sist0, SIST0_UDC),
    (Cause::SelectionTimeout, Source::Sist1, SIST1_STO),
    (Cause::HandshakeTimeout, Source::Sist1, SIST1_HTH),
    (Cause::GeneralTimeout, Source::Sist1, SIST1_GEN),
    (Cause::PhaseMismatch, Source::Sist0, SIST0_MA),
    (Cause::Reselected, Source::Sist0, SIST0_RSL),
    (Cause::Selected, Source::Sist0, SIST0_SEL),
    (Cause::FunctionComplete, Source::Sist0, SIST0_CMP),
    (Cause::SingleStep, Source::Dstat, DSTAT_SSI),
    (Cause::ScriptsInterrupt, Source::Dstat, DSTAT_SIR),
    (Cause::InterruptOnTheFly, Source::Istat, ISTAT0_INTF),
];

#[derive(Clone, Copy)]
enum Source {
    Istat,
    Dstat,
    Sist0,
    Sist1,
}

/// The interrupt registers as the handler read them.
///
/// Read ISTAT0 first; read SIST0/SIST1 if it shows SIP and DSTAT if it
/// shows DIP (the reads clear them; read SIST0/SIST1 before DSTAT, with a
/// 12-clock gap between the reads). Pass 0 for registers not read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IntStatus {
    /// ISTAT0.
    pub istat0: u8,
    /// DSTAT (0 if DIP was clear).
    pub dstat: u8,
    /// SIST0 (0 if SIP was clear).
    pub sist0: u8,
    /// SIST1 (0 if SIP was clear).
    pub sist1: u8,
}

impl IntStatus {
    /// Whether ISTAT0 reports anything for the handler (DIP, SIP or INTF);
    /// if not, a shared interrupt line was raised by another device.
    pub const fn pending(&self) -> bool {
        self.istat0 & (ISTAT0_DIP | ISTAT0_SIP | ISTAT0_INTF) != 0
    }

    /// Whether `cause` is reported.
    pub const fn has(&self, cause: Cause) -> bool {
        let mut i = 0;
        while i < CAUSES.len() {
            let (c, src, bit) = CAUSES[i];
            if c as u8 == cause as u8 {
                return self.source(src) & bit != 0;
            }
            i += 1;
        }
        false
    }

    /// The most severe cause reported, if any.
    pub fn primary(&self) -> Option<Cause> {
        self.causes().next()
    }

    /// Every cause reported, most severe first (DSTAT.DFE and other status
    /// bits are not causes and are skipped).
    pub fn causes(&self) -> impl Iterator<Item = Cause> + '_ {
        CAUSES
            .iter()
            .filter(move |(_, src, bit)| self.source(*src) & bit != 0)
            .map(|(c, _, _)| *c)
    }

    const fn source(&self, src: Source) -> u8 {
        match src {
            Source::Istat => self.istat0,
            Source::Dstat => self.dstat,
            Source::Sist0 => self.sist0,
            Source::Sist1 => self.sist1,
        }
    }
}
