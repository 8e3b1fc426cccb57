// SPDX-License-Identifier: GPL-2.0

//! The 53C895A register map against the offsets of `struct sym_reg` in
//! Linux's `sym53c8xx_2/sym_defs.h` (and QEMU's `lsi53c895a` register
//! switch for the ones sym does not name), bit values, and the interrupt
//! decoders, including a sweep over every register value.
use orion_scsi_host_tests::lsi::scripts::{
    regs::{self, Cause, IntStatus, Reg},
    Phase,
};

#[test]
fn offsets_match_sym_reg() {
    let map: [(Reg, usize); 77] = [
        (regs::SCNTL0, 0x00),
        (regs::SCNTL1, 0x01),
        (regs::SCNTL2, 0x02),
        (regs::SCNTL3, 0x03),
        (regs::SCID, 0x04),
        (regs::SXFER, 0x05),
        (regs::SDID, 0x06),
        (regs::GPREG, 0x07),
        (regs::SFBR, 0x08),
        (regs::SOCL, 0x09),
        (regs::SSID, 0x0a),
        (regs::SBCL, 0x0b),
        (regs::DSTAT, 0x0c),
        (regs::SSTAT0, 0x0d),
        (regs::SSTAT1, 0x0e),
        (regs::SSTAT2, 0x0f),
        (regs::DSA, 0x10),
        (regs::ISTAT0, 0x14),
        (regs::ISTAT1, 0x15),
        (regs::MBOX0, 0x16),
        (regs::MBOX1, 0x17),
        (regs::CTEST0, 0x18),
        (regs::CTEST1, 0x19),
        (regs::CTEST2, 0x1a),
        (regs::CTEST3, 0x1b),
        (regs::TEMP, 0x1c),
        (regs::DFIFO, 0x20),
        (regs::CTEST4, 0x21),
        (regs::CTEST5, 0x22),
        (regs::CTEST6, 0x23),
        (regs::DBC, 0x24),
        (regs::DCMD, 0x27),
        (regs::DNAD, 0x28),
        (regs::DSP, 0x2c),
        (regs::DSPS, 0x30),
        (regs::SCRATCHA, 0x34),
        (regs::DMODE, 0x38),
        (regs::DIEN, 0x39),
        (regs::SBR, 0x3a),
        (regs::DCNTL, 0x3b),
        (regs::ADDER, 0x3c),
        (regs::SIEN0, 0x40),
        (regs::SIEN1, 0x41),
        (regs::SIST0, 0x42),
        (regs::SIST1, 0x43),
        (regs::SLPAR, 0x44),
        (regs::SWIDE, 0x45),
        (regs::MACNTL, 0x46),
        (regs::GPCNTL, 0x47),
        (regs::STIME0, 0x48),
        (regs::STIME1, 0x49),
        (regs::RESPID0, 0x4a),
        (regs::RESPID1, 0x4b),
        (regs::STEST0, 0x4c),
        (regs::STEST1, 0x4d),
        (regs::STEST2, 0x4e),
        (regs::STEST3, 0x4f),
        (regs::SIDL, 0x50),
        (regs::STEST4, 0x52),
        (regs::SODL, 0x54),
        (regs::CCNTL0, 0x56),
        (regs::CCNTL1, 0x57),
        (regs::SBDL, 0x58),
        (regs::SCRATCHB, 0x5c),
        (regs::SCRATCHC, 0x60),
        (regs::MMRS, 0xa0),
        (regs::MMWS, 0xa4),
        (regs::SFS, 0xa8),
        (regs::DRS, 0xac),
        (regs::SBMS, 0xb0),
        (regs::DBMS, 0xb4),
        (regs::DNAD64, 0xb8),
        (regs::PMJAD1, 0xc0),
        (regs::PMJAD2, 0xc4),
        (regs::RBC, 0xc8),
        (regs::UA, 0xcc),
        (regs::CSBC, 0xdc),
    ];
    for (reg, off) in map {
        assert_eq!(reg.offset(), off, "{reg:?}");
        assert_eq!(usize::from(reg.addr()), off);
        assert_eq!(Reg::new(off as u8), reg);
    }
    // Scratch C..R: 16 dwords from 0x60 (nc_scrx[64]).
    let scratch = [
        regs::SCRATCHC,
        regs::SCRATCHD,
        regs::SCRATCHE,
        regs::SCRATCHF,
        regs::SCRATCHG,
        regs::SCRATCHH,
        regs::SCRATCHI,
        regs::SCRATCHJ,
        regs::SCRATCHK,
    ];
    for (i, r) in scratch.iter().enumerate() {
        assert_eq!(r.offset(), 0x60 + 4 * i);
    }
    assert_eq!(regs::SCRATCHR.offset(), 0x60 + 4 * 15);
    assert_eq!(
        (regs::ESA.offset(), regs::IA.offset(), regs::SBC.offset()),
        (0xd0, 0xd4, 0xd8)
    );
    assert_eq!(regs::DSA.byte(3), Reg::new(0x13));
    assert_eq!(Reg::new(0xff).byte(2), Reg::new(1));
}

#[test]
fn bits_match_the_manual() {
    // ISTAT0.
    assert_eq!(
        [
            regs::ISTAT0_ABRT,
            regs::ISTAT0_SRST,
            regs::ISTAT0_SIGP,
            regs::ISTAT0_SEM,
            regs::ISTAT0_CON,
            regs::ISTAT0_INTF,
            regs::ISTAT0_SIP,
            regs::ISTAT0_DIP
        ],
        [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]
    );
    assert_eq!(
        [regs::ISTAT1_FLSH, regs::ISTAT1_SRUN, regs::ISTAT1_SI],
        [4, 2, 1]
    );
    // DSTAT.
    assert_eq!(
        [
            regs::DSTAT_DFE,
            regs::DSTAT_MDPE,
            regs::DSTAT_BF,
            regs::DSTAT_ABRT,
            regs::DSTAT_SSI,
            regs::DSTAT_SIR,
            regs::DSTAT_IID
        ],
        [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x01]
    );
    // SIST0/SIST1 (sym_defs.h's 16-bit SIST: SIST1 is the high byte).
    assert_eq!(
        [
            regs::SIST0_MA,
            regs::SIST0_CMP,
            regs::SIST0_SEL,
            regs::SIST0_RSL,
            regs::SIST0_SGE,
            regs::SIST0_UDC,
            regs::SIST0_RST,
            regs::SIST0_PAR
        ],
        [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]
    );
    assert_eq!(
        [
            regs::SIST1_SBMC,
            regs::SIST1_STO,
            regs::SIST1_GEN,
            regs::SIST1_HTH
        ]
        .map(|b| u16::from(b) << 8),
        [0x1000, 0x0400, 0x0200, 0x0100]
    );
    // DCNTL, SCNTL1/2/3, SCID, STEST, CCNTL0 as sym_defs.h and QEMU name them.
    assert_eq!(
        [
            regs::DCNTL_CLSE,
            regs::DCNTL_PFF,
            regs::DCNTL_PFEN,
            regs::DCNTL_SSM,
            regs::DCNTL_IRQM,
            regs::DCNTL_STD,
            regs::DCNTL_IRQD,
            regs::DCNTL_COM
        ],
        [0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01]
    );
    assert_eq!(
        [regs::SCNTL1_CON, regs::SCNTL1_RST, regs::SCNTL1_IARB],
        [0x10, 0x08, 0x02]
    );
    assert_eq!(
        [
            regs::SCNTL2_SDU,
            regs::SCNTL2_CHM,
            regs::SCNTL2_WSS,
            regs::SCNTL2_WSR
        ],
        [0x80, 0x40, 0x08, 0x01]
    );
    assert_eq!([regs::SCNTL3_ULTRA, regs::SCNTL3_EWS], [0x80, 0x08]);
    assert_eq!([regs::SCID_RRE, regs::SCID_SRE], [0x40, 0x20]);
    assert_eq!(
        [
            regs::CTEST3_FLF,
            regs::CTEST3_CLF,
            regs::CTEST3_FM,
            regs::CTEST3_WRIE
        ],
        [8, 4, 2, 1]
    );
    assert_eq!(
        [regs::CTEST4_BDIS, regs::CTEST4_MPEE, regs::CTEST5_DFS],
        [0x80, 8, 0x20]
    );
    assert_eq!(
        [
            regs::DMODE_ERL,
            regs::DMODE_ERMP,
            regs::DMODE_BOF,
            regs::DMODE_MAN
        ],
        [8, 4, 2, 1]
    );
    assert_eq!(
        [
            regs::STEST1_SCLK,
            regs::STEST2_ROF,
            regs::STEST2_EXT,
            regs::STEST3_TE,
            regs::STEST3_HSC,
            regs::STEST3_CSF
        ],
        [0x80, 0x40, 0x02, 0x80, 0x20, 0x02]
    );
    assert_eq!(
        [
            regs::STEST4_SMODE_MASK,
            regs::STEST4_SMODE_HVD,
            regs::STEST4_SMODE_SE,
            regs::STEST4_SMODE_LVD,
            regs::STEST4_LOCK
        ],
        [0xc0, 0x40, 0x80, 0xc0, 0x20]
    );
    assert_eq!(
        [
            regs::CCNTL0_ENPMJ,
            regs::CCNTL0_PMJCTL,
            regs::CCNTL0_ENNDJ,
            regs::CCNTL0_DISFC,
            regs::CCNTL0_DILS
        ],
        [0x80, 0x40, 0x20, 0x10, 0x02]
    );
    assert_eq!(
        [
            regs::CCNTL1_ZMOD,
            regs::CCNTL1_DDAC,
            regs::CCNTL1_64TIMOD,
            regs::CCNTL1_EN64TIBMV,
            regs::CCNTL1_EN64DBMV
        ],
        [0x80, 0x08, 0x04, 0x02, 0x01]
    );
    // SBCL phase bits agree with the phase codes.
    assert_eq!(
        regs::SBCL_MSG | regs::SBCL_CD | regs::SBCL_IO,
        Phase::MsgIn.bits()
    );
    assert_eq!(regs::SBCL_CD | regs::SBCL_IO, Phase::Status.bits());
    assert_eq!(
        (regs::PCI_VENDOR_ID_LSI, regs::PCI_DEVICE_ID_53C895A),
        (0x1000, 0x0012)
    );
}

#[test]
fn phases_decode_from_sstat1_and_dcmd() {
    // SSTAT1 with FIFO flags and SDP0L set around MSG_IN.
    assert_eq!(regs::sstat1_phase(0xff), Some(Phase::MsgIn));
    assert_eq!(regs::sstat1_phase(0x0e), Some(Phase::MsgOut));
    assert_eq!(regs::sstat1_phase(0x04), None);
    // DCMD of MOVE ... WHEN DATA_IN (table indirect): 0x19.
    assert_eq!(regs::dcmd_phase(0x19), Some(Phase::DataIn));
    assert_eq!(regs::dcmd_phase(0x0a), Some(Phase::Command));
    assert_eq!(regs::dbc_count(0x0912_3456), 0x12_3456);
}

#[test]
fn interrupt_causes_in_severity_order() {
    let s = IntStatus {
        istat0: regs::ISTAT0_DIP | regs::ISTAT0_SIP | regs::ISTAT0_INTF,
        dstat: regs::DSTAT_DFE | regs::DSTAT_SIR,
        sist0: regs::SIST0_MA | regs::SIST0_UDC,
        sist1: regs::SIST1_STO,
    };
    assert!(s.pending());
    assert_eq!(
        s.causes().collect::<Vec<_>>(),
        [
            Cause::UnexpectedDisconnect,
            Cause::SelectionTimeout,
            Cause::PhaseMismatch,
            Cause::ScriptsInterrupt,
            Cause::InterruptOnTheFly
        ]
    );
    assert_eq!(s.primary(), Some(Cause::UnexpectedDisconnect));
    assert!(s.has(Cause::ScriptsInterrupt) && !s.has(Cause::BusFault));

    // A plain INT: SIR only; DFE alone is not a cause.
    let s = IntStatus {
        istat0: regs::ISTAT0_DIP,
        dstat: regs::DSTAT_DFE | regs::DSTAT_SIR,
        ..Default::default()
    };
    assert_eq!(s.primary(), Some(Cause::ScriptsInterrupt));
    let s = IntStatus {
        istat0: regs::ISTAT0_DIP,
        dstat: regs::DSTAT_DFE,
        ..Default::default()
    };
    assert_eq!(s.primary(), None);

    // Bus reset outranks everything.
    let s = IntStatus {
        istat0: regs::ISTAT0_SIP | regs::ISTAT0_DIP,
        dstat: 0xff,
        sist0: 0xff,
        sist1: 0xff,
    };
    assert_eq!(s.primary(), Some(Cause::BusReset));
    assert_eq!(s.causes().count(), 18);
    // Someone else's interrupt on a shared line.
    assert!(!IntStatus {
        istat0: regs::ISTAT0_CON | regs::ISTAT0_SEM,
        ..Default::default()
    }
    .pending());
}

#[test]
fn decoders_never_panic_and_agree() {
    // Every (register, value) pair, and random combinations.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..200_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        let s = if i < 1024 {
            let mut s = IntStatus::default();
            let v = i as u8;
            match i >> 8 {
                0 => s.istat0 = v,
                1 => s.dstat = v,
                2 => s.sist0 = v,
                _ => s.sist1 = v,
            }
            s
        } else {
            IntStatus {
                istat0: b[0],
                dstat: b[1],
                sist0: b[2],
                sist1: b[3],
            }
        };
        let causes: Vec<_> = s.causes().collect();
        assert_eq!(s.primary(), causes.first().copied());
        for c in &causes {
            assert!(s.has(*c));
        }
        let mut dedup = causes.clone();
        dedup.dedup();
        assert_eq!(dedup, causes);
        // Bits that are not causes never produce one.
        let quiet = IntStatus {
            istat0: s.istat0 & !regs::ISTAT0_INTF,
            dstat: s.dstat & (regs::DSTAT_DFE | 0x02),
            sist0: 0,
            sist1: s.sist1 & 0xe8,
        };
        assert_eq!(quiet.causes().count(), 0, "{quiet:?}");
        let _ = regs::sstat1_phase(b[4]);
        let _ = regs::dcmd_phase(b[5]);
    }
}
