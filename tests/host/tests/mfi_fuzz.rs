// SPDX-License-Identifier: GPL-2.0

//! Brute force over the MFI code: garbage, short and random inputs to every
//! decoder, the SGL encoder and the builders must never panic, and whatever
//! they accept must be self-consistent.
use orion_scsi_host_tests::megasas::mfi::{
    abort, ctrl_info::CtrlInfo, dcmd, frame, init, io, ld_list::LdList, pd_list::PdList, regs,
    reply, sgl, MfiError,
};
use orion_scsi_host_tests::proto::le;

#[path = "common/rng.rs"]
mod rng;

use rng::{Outcomes, Rng};

fn decoders(b: &[u8], r: &mut Rng) {
    let _ = frame::Header::parse(b);
    let _ = frame::Completion::from_frame(b);
    let _ = frame::cmd_status(b);
    let _ = init::QueueInfo::parse(b);
    if let Ok(c) = CtrlInfo::parse(b) {
        assert!(c.product_name().len() <= 80 && c.serial().len() <= 32);
    }
    if let Ok(l) = LdList::parse(b) {
        assert!(l.len() <= 64 && 8 + 16 * l.len() <= b.len());
        assert_eq!(l.iter().count(), l.len());
        assert!(l.get(l.len()).is_none());
    }
    if let Ok(l) = PdList::parse(b) {
        assert!(l.len() <= 240 && 8 + 24 * l.len() <= b.len());
        for e in l.iter() {
            assert_eq!(u16::from(e.scsi_id) << 8 | u16::from(e.lun), e.device_id);
        }
    }
    for _ in 0..4 {
        let off = r.num() as usize;
        let _ = le::le16(b, off);
        let _ = le::le32(b, off);
        let _ = le::le64(b, off);
        let _ = le::u8_at(b, off);
        let _ = sgl::read_sge64(b, off, r.num() as usize);
        let _ = reply::read_entry(b, r.num() as u32);
    }
    let v = le::le32(b, 0).unwrap_or(0);
    let s = regs::FwStatus::decode(v);
    assert_eq!(regs::FwStatus::decode(s.encode()), s);
    let _ = frame::Outcome::from_status(v as u8, (v >> 8) as u8);
    let _ = frame::frame_addr_ok(r.num());
    let _ = regs::post_words(r.num(), r.num() as usize);
}

fn sges(r: &mut Rng) -> Vec<(u64, u32)> {
    let n = match r.below(4) {
        0 => 0,
        1 => 1,
        2 => r.below(20) as usize,
        _ => r.below(200) as usize,
    };
    (0..n)
        .map(|_| {
            if r.below(50) == 0 {
                (r.num(), r.num() as u32)
            } else {
                (r.below(1 << 40) | 1, (r.below(8192) + 1) as u32)
            }
        })
        .collect()
}

fn builders(f: &mut [u8], r: &mut Rng) {
    let ctx = r.next() as u32;
    let max = r.num() as usize;
    let list = sges(r);
    let check = |res: Result<usize, MfiError>, f: &[u8]| {
        if let Ok(n) = res {
            assert!(n >= frame::FRAME_SIZE);
            assert!(n <= frame::FRAME_MAP_SIZE && n <= f.len());
            assert_eq!(frame::cmd_status(f), Some(frame::STAT_PENDING));
            assert_eq!(le::le32(f, 8), Some(ctx));
        }
    };
    if let Ok(s) = sgl::encode_sge64(f, r.num() as usize % 4096, list.iter().copied(), max) {
        assert!(usize::from(s.count) <= list.len().min(128));
        assert!(s.end <= f.len().min(2048));
    }
    let mut cdb = [0u8; 20];
    r.fill(&mut cdb);
    let cdb_len = r.below(21) as usize;
    let dir = match r.below(3) {
        0 => frame::DataDir::None,
        1 => frame::DataDir::Read,
        _ => frame::DataDir::Write,
    };
    let req = io::ScsiIo {
        logical: r.below(2) == 0,
        target: r.next() as u8,
        lun: r.next() as u8,
        cdb: &cdb[..cdb_len],
        dir,
        data_len: if r.below(2) == 0 { 0 } else { r.num() as u32 },
        sense_addr: r.num(),
        sense_len: r.next() as u8,
    };
    let res = io::build_scsi_io(f, ctx, &req, list.iter().copied(), max);
    check(res, f);
    if res.is_ok() {
        let h = frame::Header::parse(f).unwrap();
        assert_eq!(usize::from(h.cdb_len), cdb_len);
        assert!(h.sge_count >= 1);
        let total: u64 = (0..h.sge_count as usize)
            .map(|i| sgl::read_sge64(f, io::OFF_SGL, i).unwrap().1 as u64)
            .sum();
        assert!(total >= u64::from(h.data_len));
    }
    let rw = io::LdRw {
        write: r.below(2) == 0,
        target: r.next() as u8,
        lba: r.num(),
        blocks: r.num() as u32,
        block_size: r.num() as u32,
        sense_addr: r.num(),
        sense_len: r.next() as u8,
    };
    check(io::build_ld_rw(f, ctx, &rw, list.iter().copied(), max), f);
    let mut mbox = [0u8; 12];
    r.fill(&mut mbox);
    let d = dcmd::Dcmd {
        opcode: if r.below(2) == 0 {
            dcmd::PD_GET_LIST
        } else {
            r.next() as u32
        },
        mbox,
        dir,
        buf: if r.below(3) == 0 {
            None
        } else {
            Some((r.num(), r.num() as u32))
        },
    };
    check(dcmd::build_dcmd(f, ctx, &d), f);
    check(abort::build_abort(f, ctx, r.next() as u32, r.num()), f);
    check(init::build_init(f, ctx, r.num()), f);
    let q = init::QueueInfo {
        flags: r.next() as u32,
        rq_entries: r.num() as u32,
        rq_addr: r.num(),
        pi_addr: r.num(),
        ci_addr: r.num(),
    };
    let res = init::build_init_inline(f, r.num(), ctx, &q);
    check(res, f);
    if res.is_ok() {
        assert_eq!(init::QueueInfo::parse(&f[64..]).unwrap(), q);
    }
}

fn ring(r: &mut Rng) {
    let n = r.num() as u16;
    if let Ok(ring) = reply::ReplyRing::new(n) {
        let (p, c) = (
            r.num() as u32 % (n as u32 + 2),
            r.num() as u32 % (n as u32 + 2),
        );
        match ring.drain(p, c) {
            Ok(d) => {
                let v: Vec<u32> = d.collect();
                assert_eq!(v.len() as u32, ring.pending(p, c).unwrap());
                assert!(v.iter().all(|&s| s < ring.entries()));
                if let Some(&last) = v.last() {
                    assert_eq!(ring.next(last), Ok(p));
                }
            }
            Err(e) => assert_eq!(e, MfiError::BadIndex),
        }
        let _ = ring.slot_offset(r.num() as u32);
    }
    let _ = reply::decode_context(r.next() as u32, r.num() as u32);
}

#[test]
fn random_inputs_never_panic() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let sizes = [
        0usize, 1, 7, 8, 23, 24, 31, 32, 39, 40, 63, 64, 95, 96, 1031, 1032, 2047, 2048, 5768, 6000,
    ];
    for round in 0..3000 {
        let len = if round % 2 == 0 {
            sizes[r.below(sizes.len() as u64) as usize]
        } else {
            r.below(6000) as usize
        };
        let mut b = vec![0u8; len];
        r.fill(&mut b);
        // Plausible counts more often than pure garbage would give them.
        if len >= 8 && r.below(2) == 0 {
            let c = r.below(300) as u32;
            b[0..4].copy_from_slice(&c.to_le_bytes());
            b[4..8].copy_from_slice(&c.to_le_bytes());
        }
        decoders(&b, &mut r);
        builders(&mut b, &mut r);
        ring(&mut r);
    }
}

#[test]
fn every_prefix_of_real_replies() {
    let mut r = Rng(42);
    let mut b = vec![0u8; 6000];
    r.fill(&mut b);
    b[0..4].copy_from_slice(&3u32.to_le_bytes());
    b[4..8].copy_from_slice(&3u32.to_le_bytes());
    for n in 0..=b.len() {
        decoders(&b[..n], &mut r);
    }
    for n in 0..200 {
        let mut f = vec![0xa5u8; n];
        builders(&mut f, &mut r);
    }
}

/// The single-entry builder the I/O path uses must be the general builder
/// for one SG entry: the same result, the same error, the same bytes.
#[test]
fn one_entry_builder_matches_general_builder() {
    let mut r = Rng(0x6d66_695f_6f6e_6531);
    let mut outcomes = Outcomes::default();
    for _ in 0..200_000 {
        let mut cdb = [0u8; 17];
        let cdb_len = r.cdb(&mut cdb);
        let dir = match r.below(3) {
            0 => frame::DataDir::None,
            1 => frame::DataDir::Read,
            _ => frame::DataDir::Write,
        };
        let small = r.below(8) != 0;
        let data_len = match (dir, small) {
            (frame::DataDir::None, true) => 0,
            (_, true) => (r.below(64) as u32 + 1) * 512,
            _ => r.num() as u32,
        };
        let req = io::ScsiIo {
            logical: r.below(2) == 0,
            target: r.byte(),
            lun: r.byte(),
            cdb: &cdb[..cdb_len],
            dir,
            data_len,
            sense_addr: if small {
                r.below(1 << 40) | 0x10
            } else {
                r.num()
            },
            sense_len: r.byte(),
        };
        let sge = if small {
            (
                r.below(1 << 40) | 1,
                data_len.max(1) + r.below(2) as u32 * 512,
            )
        } else {
            (r.num(), r.num() as u32)
        };
        let max = if small { 80 } else { r.num() as usize };
        let ctx = r.next() as u32;
        let mut general = [0xa5u8; frame::FRAME_SIZE];
        let mut one = [0x5au8; frame::FRAME_SIZE];
        let want = io::build_scsi_io(&mut general, ctx, &req, [sge], max);
        let got = io::build_scsi_io_one(&mut one, ctx, &req, sge, max);
        assert_eq!(got, want, "{req:?} {sge:?} max {max}");
        if want.is_ok() {
            assert_eq!(one, general, "{req:?} {sge:?}");
        }
        outcomes.count(&want);
    }
    outcomes.assert_both(100_000, 10_000);
}
