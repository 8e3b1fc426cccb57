// SPDX-License-Identifier: GPL-2.0

//! MFI register decoding and frame builders: bytes at the documented
//! offsets (QEMU `hw/scsi/mfi.h`, Linux `megaraid_sas.h`), round trips and
//! every error path.
use dcmd::Dcmd;
use frame::{Completion, DataDir, Header, Outcome};
use orion_scsi_host_tests::megasas::mfi::{abort, dcmd, frame, init, io, regs, sgl, MfiError};

fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn le64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}
fn le16(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}

#[test]
fn register_offsets_match_mfi_h() {
    assert_eq!(
        [
            regs::OMSG0,
            regs::IDB,
            regs::OSTS,
            regs::OMSK,
            regs::IQP,
            regs::ODCR0
        ],
        [0x18, 0x20, 0x30, 0x34, 0x40, 0xa0]
    );
    assert_eq!(
        [regs::OSP0, regs::IQPL, regs::IQPH, regs::DIAG, regs::SEQ],
        [0xb0, 0xc0, 0xc4, 0xf8, 0xfc]
    );
    assert_eq!(regs::ADP_RESET_SEQ, [0, 4, 0xb, 2, 7, 0xd]);
    assert_eq!((regs::IDB_READY, regs::IDB_STOP_ADP), (2, 0x20));
    assert_eq!(regs::OMSK_ENABLE_GEN2, 0xffff_fffa);
}

#[test]
fn fw_status_decodes_qemu_defaults() {
    // megasas: READY, MSI-X, 80 SGEs, 1000 commands.
    let s = regs::FwStatus::decode(0xb000_0000 | 1 << 26 | 80 << 16 | 1000);
    assert_eq!(s.state, regs::FwState::Ready);
    assert!(s.msix_supported);
    assert_eq!((s.max_sge, s.max_cmds), (80, 1008 - 8));
    let s = regs::FwStatus::decode(0xc050_03f0);
    assert_eq!(s.state, regs::FwState::Operational);
    assert!(!s.msix_supported);
    assert_eq!((s.max_sge, s.max_cmds), (0x50, 1008));
    assert_eq!(s.encode(), 0xc050_03f0);
    assert_eq!(
        regs::FwStatus::decode(0xf000_0000).state,
        regs::FwState::Fault
    );
    for n in 0..16u8 {
        let st = regs::FwState::from_nibble(n);
        assert_eq!(st.nibble(), n);
        let raw = (n as u32) << 28 | 0x0412_3456;
        assert_eq!(regs::FwStatus::decode(raw).encode(), raw);
    }
    assert_eq!(regs::FwState::from_nibble(0x2), regs::FwState::Other(2));
}

#[test]
fn post_words_32_and_64_bit() {
    let p = regs::post_words(0x1234_5000, 64).unwrap();
    assert_eq!(
        p,
        regs::PostWords {
            high: 0,
            low: 0x1234_5001
        }
    );
    // 2 extra 64-byte frames -> bits 4:1 = 2.
    let p = regs::post_words(0x1_0000_0040, 129).unwrap();
    assert_eq!(p, regs::PostWords { high: 1, low: 0x45 });
    // Capped at 7 extra frames.
    assert_eq!(
        regs::post_words(0x1000, 2048).unwrap().low,
        0x1000 | 7 << 1 | 1
    );
    assert_eq!(regs::post_words(0x1000, 0).unwrap().low, 0x1001);
    assert_eq!(regs::post_words(0, 64), Err(MfiError::BadAddress));
    assert_eq!(regs::post_words(0x1010, 64), Err(MfiError::BadAddress));
}

#[test]
fn header_round_trip_and_offsets() {
    let h = Header {
        cmd: 4,
        sense_len: 96,
        cmd_status: 0xff,
        scsi_status: 2,
        target_id: 5,
        lun: 6,
        cdb_len: 10,
        sge_count: 3,
        context: 0xdead_beef,
        flags: 0x16,
        data_len: 0x1_0000,
    };
    let mut f = [0xaau8; 64];
    h.write(&mut f).unwrap();
    assert_eq!(&f[..8], &[4, 96, 0xff, 2, 5, 6, 10, 3]);
    assert_eq!(le32(&f, 8), 0xdead_beef);
    assert_eq!(le32(&f, 0xc), 0, "context high half");
    assert_eq!(le16(&f, 0x10), 0x16);
    assert_eq!(le16(&f, 0x12), 0, "timeout");
    assert_eq!(le32(&f, 0x14), 0x1_0000);
    assert_eq!(f[24], 0xaa, "header writes 24 bytes only");
    assert_eq!(Header::parse(&f).unwrap(), h);
    assert_eq!(Header::parse(&f[..23]), Err(MfiError::BufferTooSmall));
    assert_eq!(h.write(&mut [0u8; 23]), Err(MfiError::BufferTooSmall));
    assert_eq!(frame::cmd_status(&f), Some(0xff));
    assert_eq!(frame::cmd_status(&f[..2]), None);
}

#[test]
fn outcomes() {
    use Outcome::*;
    let o = Outcome::from_status;
    assert_eq!(o(0, 0), Ok);
    assert_eq!(o(0x2d, 2), ScsiError { scsi_status: 2 });
    assert_eq!(o(0x2d, 0x08), Busy);
    assert_eq!(o(0x2d, 0x28), Busy);
    assert_eq!(o(0x2d, 0), IoFailed);
    assert_eq!(o(0x2f, 0), ScsiError { scsi_status: 0x18 });
    assert_eq!(o(0x0c, 0), NoConnect);
    assert_eq!(o(0x2e, 0), IoFailed);
    assert_eq!(o(0x01, 0), Invalid(1));
    assert_eq!(o(0x02, 0), Invalid(2));
    assert_eq!(o(0x03, 0), Invalid(3));
    assert_eq!(o(0x20, 0), Failed(0x20));
    assert_eq!(o(0x05, 0), Failed(0x05));
    assert_eq!(o(0xff, 0), Pending);
    let mut f = [0u8; 64];
    f[1] = 18;
    f[2] = 0x2d;
    f[3] = 2;
    let c = Completion::from_frame(&f).unwrap();
    assert_eq!(
        (c.outcome, c.cmd_status, c.scsi_status, c.sense_len),
        (ScsiError { scsi_status: 2 }, 0x2d, 2, 18)
    );
    // The status bytes are all it reads.
    assert_eq!(
        Completion::from_frame(&f[..frame::COMPLETION_BYTES]),
        Result::Ok(c)
    );
    assert_eq!(
        Completion::from_frame(&f[..frame::COMPLETION_BYTES - 1]),
        Err(MfiError::BufferTooSmall)
    );
}

#[test]
fn frame_addr_rules() {
    assert!(frame::frame_addr_ok(0x1000));
    assert!(frame::frame_addr_ok(0x1800));
    assert!(!frame::frame_addr_ok(0x1820), "crosses a page");
    assert!(!frame::frame_addr_ok(0));
    assert!(!frame::frame_addr_ok(0x1008));
    assert_eq!(frame::begin(&mut [0u8; 63]), Err(MfiError::BufferTooSmall));
}

#[test]
fn init_frame_and_qinfo() {
    let q = init::QueueInfo::new(1000, 0x1_2345_6780, 0x9000, 0xa000);
    let mut b = [0xffu8; 40];
    assert_eq!(q.write(&mut b), Ok(32));
    assert_eq!(le32(&b, 0), 0);
    assert_eq!(le32(&b, 4), 1000);
    assert_eq!((le32(&b, 8), le32(&b, 0xc)), (0x2345_6780, 1));
    assert_eq!(le64(&b, 0x10), 0x9000);
    assert_eq!(le64(&b, 0x18), 0xa000);
    assert_eq!(b[32], 0xff);
    assert_eq!(init::QueueInfo::parse(&b).unwrap(), q);
    assert_eq!(
        init::QueueInfo::parse(&b[..31]),
        Err(MfiError::BufferTooSmall)
    );

    let mut f = [0xeeu8; 128];
    assert_eq!(init::build_init(&mut f, 7, 0x1_0000_2000), Ok(64));
    assert_eq!(&f[..8], &[0, 0, 0xff, 0, 0, 0, 0, 0]);
    assert_eq!(le32(&f, 8), 7);
    assert_eq!(le32(&f, 0x14), 32);
    assert_eq!((le32(&f, 0x18), le32(&f, 0x1c)), (0x2000, 1));
    assert!(f[0x20..64].iter().all(|&x| x == 0));

    let mut f = [0xeeu8; 96];
    assert_eq!(init::build_init_inline(&mut f, 0x4000, 1, &q), Ok(96));
    assert_eq!(le64(&f, 0x18), 0x4040);
    assert_eq!(init::QueueInfo::parse(&f[64..]).unwrap(), q);

    // Errors.
    let mut f = [0u8; 96];
    assert_eq!(init::build_init(&mut f, 0, 0), Err(MfiError::BadAddress));
    assert_eq!(
        init::build_init(&mut f[..63], 0, 8),
        Err(MfiError::BufferTooSmall)
    );
    assert_eq!(
        init::build_init_inline(&mut f[..95], 8, 0, &q),
        Err(MfiError::BufferTooSmall)
    );
    assert_eq!(
        init::build_init_inline(&mut f, 0, 0, &q),
        Err(MfiError::BadAddress)
    );
    assert_eq!(
        init::build_init_inline(&mut f, u64::MAX - 10, 0, &q),
        Err(MfiError::BadAddress)
    );
    let bad = init::QueueInfo { rq_entries: 0, ..q };
    assert_eq!(bad.write(&mut b), Err(MfiError::InvalidParam));
    assert_eq!(
        init::build_init_inline(&mut f, 0x4000, 1, &bad),
        Err(MfiError::InvalidParam)
    );
    let bad = init::QueueInfo {
        rq_entries: 0x1_0000,
        ..q
    };
    assert_eq!(bad.write(&mut b), Err(MfiError::InvalidParam));
    for bad in [
        init::QueueInfo { rq_addr: 0, ..q },
        init::QueueInfo { pi_addr: 0, ..q },
        init::QueueInfo { ci_addr: 0, ..q },
    ] {
        assert_eq!(bad.write(&mut b), Err(MfiError::BadAddress));
    }
    assert_eq!(q.write(&mut b[..31]), Err(MfiError::BufferTooSmall));
}

#[test]
fn dcmd_frames() {
    assert_eq!(
        [
            dcmd::CTRL_GET_INFO,
            dcmd::CTRL_SHUTDOWN,
            dcmd::CTRL_CACHE_FLUSH
        ],
        [0x0101_0000, 0x0105_0000, 0x0110_1000]
    );
    assert_eq!(
        [dcmd::PD_GET_LIST, dcmd::LD_GET_LIST],
        [0x0201_0000, 0x0301_0000]
    );

    let mut f = [0xccu8; 128];
    assert_eq!(
        dcmd::build_dcmd(&mut f, 42, &Dcmd::ctrl_get_info(0x1_0000_8000)),
        Ok(64)
    );
    assert_eq!(&f[..8], &[5, 0, 0xff, 0, 0, 0, 0, 1]);
    assert_eq!(le32(&f, 8), 42);
    assert_eq!(le16(&f, 0x10), 0x12, "SGL64 | DIR_READ");
    assert_eq!(le32(&f, 0x14), 2048);
    assert_eq!(le32(&f, 0x18), 0x0101_0000);
    assert!(f[0x1c..0x28].iter().all(|&x| x == 0));
    assert_eq!(sgl::read_sge64(&f, 0x28, 0), Some((0x1_0000_8000, 2048)));
    assert!(f[0x34..64].iter().all(|&x| x == 0));
    assert_eq!(f[64], 0xcc);

    dcmd::build_dcmd(&mut f, 1, &Dcmd::ld_get_list(0x5000)).unwrap();
    assert_eq!((le32(&f, 0x14), le32(&f, 0x18)), (1032, 0x0301_0000));
    dcmd::build_dcmd(&mut f, 1, &Dcmd::pd_get_list(0x5000, 4096)).unwrap();
    assert_eq!((le32(&f, 0x14), le32(&f, 0x18)), (4096, 0x0201_0000));

    assert_eq!(dcmd::build_dcmd(&mut f, 9, &Dcmd::cache_flush()), Ok(64));
    assert_eq!((f[7], le16(&f, 0x10), le32(&f, 0x14)), (0, 0, 0));
    assert_eq!(le32(&f, 0x18), 0x0110_1000);
    assert_eq!(f[0x1c], 3);
    assert!(f[0x28..0x34].iter().all(|&x| x == 0), "no stale SGE");
    dcmd::build_dcmd(&mut f, 9, &Dcmd::shutdown()).unwrap();
    assert_eq!((le32(&f, 0x18), f[0x1c]), (0x0105_0000, 0));

    let mut d = Dcmd::read(dcmd::CLUSTER_RESET_LD, 0x1000, 8);
    d.mbox = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    d.dir = DataDir::Write;
    dcmd::build_dcmd(&mut f, 0, &d).unwrap();
    assert_eq!(&f[0x1c..0x28], &d.mbox);
    assert_eq!(le16(&f, 0x10), 0x0a);

    // Errors.
    let e = |d: Dcmd| dcmd::build_dcmd(&mut [0u8; 64], 0, &d);
    assert_eq!(
        e(Dcmd {
            dir: DataDir::None,
            ..Dcmd::ctrl_get_info(8)
        }),
        Err(MfiError::InvalidParam)
    );
    assert_eq!(
        e(Dcmd {
            dir: DataDir::Read,
            ..Dcmd::shutdown()
        }),
        Err(MfiError::InvalidParam)
    );
    assert_eq!(e(Dcmd::ctrl_get_info(0)), Err(MfiError::EmptySge));
    assert_eq!(
        e(Dcmd::read(dcmd::CTRL_GET_INFO, 8, 0)),
        Err(MfiError::EmptySge)
    );
    assert_eq!(e(Dcmd::pd_get_list(8, 31)), Err(MfiError::BufferTooSmall));
    assert_eq!(e(Dcmd::pd_get_list(8, 32)), Ok(64));
    assert_eq!(
        dcmd::build_dcmd(&mut [0u8; 63], 0, &Dcmd::shutdown()),
        Err(MfiError::BufferTooSmall)
    );
}

#[test]
fn abort_frame() {
    let mut f = [0x55u8; 64];
    assert_eq!(abort::build_abort(&mut f, 3, 17, 0x2_0000_1040), Ok(64));
    assert_eq!(&f[..8], &[6, 0, 0xff, 0, 0, 0, 0, 0]);
    assert_eq!(le32(&f, 8), 3);
    assert_eq!((le16(&f, 0x10), le32(&f, 0x14)), (0, 0));
    assert_eq!((le32(&f, 0x18), le32(&f, 0x1c)), (17, 0));
    assert_eq!((le32(&f, 0x20), le32(&f, 0x24)), (0x1040, 2));
    assert!(f[0x28..].iter().all(|&x| x == 0));
    assert_eq!(
        abort::build_abort(&mut f, 0, 0, 0),
        Err(MfiError::BadAddress)
    );
    assert_eq!(
        abort::build_abort(&mut f, 0, 0, 0x1001),
        Err(MfiError::BadAddress)
    );
    assert_eq!(
        abort::build_abort(&mut f[..63], 0, 0, 0x1000),
        Err(MfiError::BufferTooSmall)
    );
}

fn scsi<'a>(cdb: &'a [u8], dir: DataDir, len: u32) -> io::ScsiIo<'a> {
    io::ScsiIo {
        logical: false,
        target: 2,
        lun: 1,
        cdb,
        dir,
        data_len: len,
        sense_addr: 0x3_0000_0100,
        sense_len: 96,
    }
}

#[test]
fn scsi_io_frame_bytes_is_what_the_builder_returns() {
    let cdb = [0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0];
    for n in 1..=20u64 {
        let sges: Vec<(u64, u32)> = (1..=n).map(|i| (i * 0x1000, 512)).collect();
        let mut f = [0u8; 1024];
        let io = scsi(&cdb, DataDir::Read, 512 * n as u32);
        let built = io::build_scsi_io(&mut f, 1, &io, sges.iter().copied(), 80).unwrap();
        assert_eq!(
            io::scsi_io_frame_bytes(sges.len()),
            Some(built),
            "{n} entries"
        );
    }
    assert_eq!(io::scsi_io_frame_bytes(0), Some(frame::FRAME_SIZE));
    assert_eq!(io::scsi_io_frame_bytes(usize::MAX), None);
}

#[test]
fn pd_and_ld_scsi_io() {
    let cdb = [0x28, 0, 0, 0, 0, 8, 0, 0, 2, 0];
    let mut f = [0x77u8; 2048];
    let sges = [(0x1000u64, 512u32), (0x1_0000_2000, 512)];
    let n = io::build_scsi_io(&mut f, 99, &scsi(&cdb, DataDir::Read, 1024), sges, 80).unwrap();
    assert_eq!(n, 0x30 + 24);
    assert_eq!(&f[..8], &[4, 96, 0xff, 0, 2, 1, 10, 2]);
    assert_eq!(le32(&f, 8), 99);
    assert_eq!(le16(&f, 0x10), 0x02 | 0x04 | 0x10);
    assert_eq!(le32(&f, 0x14), 1024);
    assert_eq!((le32(&f, 0x18), le32(&f, 0x1c)), (0x100, 3));
    assert_eq!(&f[0x20..0x2a], &cdb);
    assert!(f[0x2a..0x30].iter().all(|&x| x == 0), "CDB padded");
    assert_eq!(sgl::read_sge64(&f, 0x30, 0), Some(sges[0]));
    assert_eq!(sgl::read_sge64(&f, 0x30, 1), Some(sges[1]));
    assert_eq!(f[0x48], 0x77, "nothing written past the SGL");

    // LD SCSI IO, write, 16-byte CDB, larger than one frame.
    let cdb16 = [0x8a; 16];
    let many: Vec<(u64, u32)> = (1..=10).map(|i| (i * 0x1000, 4096)).collect();
    let mut w = scsi(&cdb16, DataDir::Write, 40960);
    w.logical = true;
    let n = io::build_scsi_io(&mut f, 1, &w, many.iter().copied(), 80).unwrap();
    assert_eq!(n, 0x30 + 120);
    assert_eq!((f[0], f[6], f[7]), (3, 16, 10));
    assert_eq!(le16(&f, 0x10), 0x02 | 0x04 | 0x08);
    assert_eq!(sgl::read_sge64(&f, 0x30, 9), Some((0xa000, 4096)));
    assert_eq!(
        regs::post_words(0x8000, n).unwrap().low,
        0x8000 | 2 << 1 | 1
    );

    // No-data CDB with a dummy entry; SGL longer than data is fine.
    let tur = [0u8; 6];
    let mut nd = scsi(&tur, DataDir::None, 0);
    nd.sense_len = 0;
    nd.sense_addr = 0;
    io::build_scsi_io(&mut f, 1, &nd, [(0x3000, 96)], 80).unwrap();
    assert_eq!(
        (le16(&f, 0x10), le32(&f, 0x14), f[1], f[7]),
        (0x06, 0, 0, 1)
    );

    // Errors.
    let mut f = [0u8; 256];
    let one = [(0x1000u64, 1024u32)];
    let e = |f: &mut [u8], s: io::ScsiIo<'_>, g: &[(u64, u32)], m| {
        io::build_scsi_io(f, 0, &s, g.iter().copied(), m)
    };
    assert_eq!(
        e(&mut f, scsi(&[], DataDir::Read, 1), &one, 80),
        Err(MfiError::InvalidCdb)
    );
    assert_eq!(
        e(&mut f, scsi(&[0; 17], DataDir::Read, 1), &one, 80),
        Err(MfiError::InvalidCdb)
    );
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::None, 1), &one, 80),
        Err(MfiError::InvalidParam)
    );
    let mut s = scsi(&cdb, DataDir::Read, 512);
    s.sense_addr = 0;
    assert_eq!(e(&mut f, s, &one, 80), Err(MfiError::BadAddress));
    assert_eq!(
        e(&mut f, scsi(&tur, DataDir::None, 0), &[], 80),
        Err(MfiError::NoSge)
    );
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1025), &one, 80),
        Err(MfiError::SglTooShort)
    );
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1), &[(0, 1)], 80),
        Err(MfiError::EmptySge)
    );
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1), &[(8, 0)], 80),
        Err(MfiError::EmptySge)
    );
    let three = [(0x1000u64, 1u32); 3];
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1), &three, 2),
        Err(MfiError::TooManySge)
    );
    assert_eq!(
        e(&mut f[..63], scsi(&cdb, DataDir::Read, 1), &one, 80),
        Err(MfiError::BufferTooSmall)
    );
    // 256-byte buffer: (256 - 48) / 12 = 17 entries fit.
    let lots = vec![(0x1000u64, 1u32); 18];
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1), &lots[..17], 80),
        Ok(48 + 17 * 12)
    );
    assert_eq!(
        e(&mut f, scsi(&cdb, DataDir::Read, 1), &lots, 80),
        Err(MfiError::TooManySge)
    );
}

#[test]
fn ld_read_write() {
    let mut f = [0x11u8; 128];
    let rw = io::LdRw {
        write: false,
        target: 3,
        lba: 0x1_2345_6789,
        blocks: 8,
        block_size: 512,
        sense_addr: 0x4000,
        sense_len: 32,
    };
    assert_eq!(
        io::build_ld_rw(&mut f, 5, &rw, [(0x8000, 4096)], 80),
        Ok(64)
    );
    assert_eq!(&f[..8], &[1, 32, 0xff, 0, 3, 0, 0, 1]);
    assert_eq!(le32(&f, 8), 5);
    assert_eq!(le16(&f, 0x10), 0x16);
    assert_eq!(le32(&f, 0x14), 8, "data_len in blocks");
    assert_eq!(le64(&f, 0x18), 0x4000);
    assert_eq!((le32(&f, 0x20), le32(&f, 0x24)), (0x2345_6789, 1));
    assert_eq!(sgl::read_sge64(&f, 0x28, 0), Some((0x8000, 4096)));
    let wr = io::LdRw { write: true, ..rw };
    io::build_ld_rw(&mut f, 5, &wr, [(0x8000, 4096)], 80).unwrap();
    assert_eq!((f[0], le16(&f, 0x10)), (2, 0x0e));

    let e = |r: io::LdRw, g: &[(u64, u32)]| {
        io::build_ld_rw(&mut [0u8; 64], 0, &r, g.iter().copied(), 80)
    };
    assert_eq!(
        e(io::LdRw { blocks: 0, ..rw }, &[(8, 8)]),
        Err(MfiError::InvalidParam)
    );
    assert_eq!(
        e(
            io::LdRw {
                block_size: 0,
                ..rw
            },
            &[(8, 8)]
        ),
        Err(MfiError::InvalidParam)
    );
    assert_eq!(
        e(
            io::LdRw {
                sense_addr: 0,
                ..rw
            },
            &[(8, 4096)]
        ),
        Err(MfiError::BadAddress)
    );
    assert_eq!(e(rw, &[(8, 4095)]), Err(MfiError::SglTooShort));
    assert_eq!(e(rw, &[]), Err(MfiError::NoSge));
    // 64-byte frame: (64 - 40) / 12 = 2 entries.
    assert_eq!(e(rw, &[(8, 2048), (8, 2048)]), Ok(64));
    assert_eq!(
        e(rw, &[(8, 2048), (8, 1024), (8, 1024)]),
        Err(MfiError::TooManySge)
    );
}

#[test]
fn sgl_limits() {
    let mut f = vec![0u8; 4096];
    let e = vec![(0x1000u64, 4096u32); 129];
    let s = sgl::encode_sge64(&mut f, 0x30, e[..128].iter().copied(), 1000).unwrap();
    assert_eq!(
        (s.count, s.total_len, s.end),
        (128, 128 * 4096, 0x30 + 128 * 12)
    );
    assert_eq!(
        sgl::encode_sge64(&mut f, 0x30, e.iter().copied(), 1000),
        Err(MfiError::TooManySge)
    );
    // Only the first 2048 bytes are visible to QEMU.
    let s = sgl::encode_sge64(&mut f, 2048 - 12, e[..1].iter().copied(), 10).unwrap();
    assert_eq!(s.end, 2048);
    assert_eq!(
        sgl::encode_sge64(&mut f, 2048 - 11, e[..1].iter().copied(), 10),
        Err(MfiError::TooManySge)
    );
    assert_eq!(
        sgl::encode_sge64(&mut f, usize::MAX - 4, e[..1].iter().copied(), 10),
        Err(MfiError::BufferTooSmall)
    );
    assert_eq!(
        sgl::encode_sge64(&mut f, 2049, core::iter::empty(), 10),
        Err(MfiError::BufferTooSmall)
    );
    assert_eq!(
        sgl::encode_sge64(&mut f, 2048, core::iter::empty(), 10)
            .unwrap()
            .end,
        2048
    );
    let s = sgl::encode_sge64(&mut f, 0, core::iter::empty(), 10).unwrap();
    assert_eq!((s.count, s.total_len, s.end), (0, 0, 0));
    assert_eq!(
        sgl::encode_sge64(&mut f, 0, e[..1].iter().copied(), 0),
        Err(MfiError::TooManySge)
    );
    let big = [(1u64, u32::MAX), (2, u32::MAX)];
    assert_eq!(
        sgl::encode_sge64(&mut f, 0, big, 2).unwrap().total_len,
        2 * u32::MAX as u64
    );
    assert_eq!(sgl::read_sge64(&f, usize::MAX, 0), None);
    assert_eq!(sgl::read_sge64(&f, 0, usize::MAX), None);
    assert_eq!(sgl::read_sge64(&f, 4096 - 11, 0), None);
}
