// SPDX-License-Identifier: GPL-2.0

//! MPI SGL building: element layouts (`lsi/mpi.h` `SGE_SIMPLE64`,
//! `SGE_CHAIN64`), and whole lists walked the way QEMU's
//! `mptsas_build_sgl` walks them, for 0 segments, a full frame, one and
//! several chain buffers, the maximum, and every error.
use orion_scsi_host_tests::mptsas::mpi::sgl::{
    self, read_sge64, write_sgl, ChainArea, Sge, SglGeometry, FLAGS_END, SGE64_SIZE,
};
use orion_scsi_host_tests::mptsas::mpi::MpiError;

const FRAME: usize = 512; // QEMU: RequestFrameSize 128 dwords
const SGL_OFF: usize = 0x30;
const CHAIN_DMA: u64 = 0x1_2340_0000;

fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}

fn le64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

/// Segments that tell themselves apart: address encodes the index.
fn segs(n: usize) -> Vec<(u64, u32)> {
    (0..n)
        .map(|i| (0x8000_0000_0000 + (i as u64) * 0x1000, 512 + i as u32))
        .collect()
}

/// Walks the list as QEMU does, reading chain buffers from `chains` (bus
/// address `CHAIN_DMA`): returns the (address, length) pairs found, or the
/// IOCStatus QEMU would answer (0x0003 INVALID_SGL).
fn qemu_walk(frame: &[u8], chains: &[u8], data_len: u64) -> Result<Vec<(u64, u32)>, u16> {
    let read = |addr: u64, off: usize| -> Vec<u8> {
        // addr 0 = the request frame, else an address in the chain area.
        if addr == 0 {
            frame[off..off + 12].to_vec()
        } else {
            let base = (addr - CHAIN_DMA) as usize + off;
            chains[base..base + 12].to_vec()
        }
    };
    let mut out = vec![];
    let mut chain_offset = frame[2] as usize;
    let (mut buf, mut off) = (0u64, SGL_OFF);
    let mut next_chain = (0u64, chain_offset * 4);
    let mut left = data_len;
    for _ in 0..10_000 {
        let e = read(buf, off);
        let fl = le32(&e, 0);
        let len = u64::from(fl & 0xff_ffff);
        if fl & 0x3000_0000 != 0x1000_0000 || (len == 0 && fl & 0x4100_0000 == 0) {
            return Err(0x0003);
        }
        assert_ne!(fl & 0x0200_0000, 0, "64-bit elements only");
        let len = len.min(left);
        if len == 0 {
            return Ok(out);
        }
        out.push((le64(&e, 4), len as u32));
        left -= len;
        off += 12;
        if fl & 0x0100_0000 != 0 {
            return Ok(out);
        }
        if fl & 0x8000_0000 != 0 {
            if chain_offset == 0 {
                return Ok(out);
            }
            let c = read(next_chain.0, next_chain.1);
            let cf = le32(&c, 0);
            if cf & 0x3000_0000 != 0x3000_0000 {
                return Err(0x0003);
            }
            buf = le64(&c, 4);
            off = 0;
            chain_offset = ((cf >> 16) & 0xff) as usize;
            next_chain = (buf, chain_offset * 4);
        }
    }
    panic!("SGL walk did not end");
}

fn geo(chains: usize) -> SglGeometry {
    SglGeometry::new(SGL_OFF, FRAME, FRAME, chains).unwrap()
}

/// Builds `n` segments and checks QEMU finds exactly them.
fn round_trip(g: &SglGeometry, n: usize) -> sgl::SglSummary {
    let mut frame = vec![0xeeu8; FRAME];
    let mut chains = vec![0xeeu8; FRAME * g.max_chains()];
    let s = segs(n);
    let total: u64 = s.iter().map(|&(_, l)| u64::from(l)).sum();
    let mut area = ChainArea {
        buf: &mut chains,
        dma: CHAIN_DMA,
    };
    let sum = write_sgl(g, &mut frame, Some(&mut area), false, n, s.iter().copied()).unwrap();
    frame[2] = sum.chain_offset;
    assert_eq!(sum.total_len, total);
    let found = qemu_walk(&frame, &chains, total).unwrap();
    assert_eq!(found, s, "{n} segments");
    sum
}

#[test]
fn element_layouts_match_mpi_h() {
    let mut b = [0u8; 12];
    sgl::put_simple64(
        &mut b,
        0,
        FLAGS_END | sgl::FLAG_HOST_TO_IOC,
        0x1234,
        0x11_2233_4455,
    )
    .unwrap();
    // FlagsLength: flags in bits 31:24 (SIMPLE 0x10 | 64-bit 0x02 added).
    assert_eq!(le32(&b, 0), 0xd700_1234);
    assert_eq!(le64(&b, 4), 0x11_2233_4455);
    sgl::put_chain64(&mut b, 0, 0x1f8, 0x7b, 0xabcd_0000).unwrap();
    // SGE_CHAIN64: Length u16 @0, NextChainOffset @2, Flags @3, Address @4.
    assert_eq!(&b[0..4], &[0xf8, 0x01, 0x7b, 0x32]);
    assert_eq!(le64(&b, 4), 0xabcd_0000);
    assert_eq!(
        read_sge64(&b, 0),
        Some(Sge::Chain {
            length: 0x1f8,
            next: 0x7b,
            addr: 0xabcd_0000
        })
    );
    assert_eq!(
        sgl::put_simple64(&mut b, 0, 0, 0x100_0000, 1),
        Err(MpiError::SegmentTooLong)
    );
    assert_eq!(read_sge64(&b, 4), None, "truncated element");
    assert_eq!(
        sgl::put_chain64(&mut b, 4, 0, 0, 0),
        Err(MpiError::BufferTooSmall)
    );
}

#[test]
fn geometry_of_qemus_ioc() {
    let g = geo(34);
    assert_eq!((g.main_slots(), g.chain_slots()), (38, 42));
    // 37 in the frame, 33 chain buffers of 41, the last of 42.
    assert_eq!(g.max_segments(), 37 + 33 * 41 + 42);
    assert_eq!(geo(0).max_segments(), 38);
    assert_eq!(geo(1).max_segments(), 37 + 42);
    assert_eq!(g.chains_for(0), Ok(0));
    assert_eq!(g.chains_for(38), Ok(0));
    assert_eq!(g.chains_for(39), Ok(1));
    assert_eq!(g.chains_for(37 + 42), Ok(1));
    assert_eq!(g.chains_for(37 + 42 + 1), Ok(2));
    assert_eq!(g.chains_for(g.max_segments()), Ok(34));
    assert_eq!(
        g.chains_for(g.max_segments() + 1),
        Err(MpiError::TooManySegments)
    );
}

#[test]
fn bad_geometries_are_refused() {
    let bad = [
        (0x30, 0x30 + 12, 512, 1), // one slot in the frame
        (0x30, 512, 12, 1),        // one slot per chain buffer
        (0x30, 1024, 512, 1),      // offsets beyond 8-bit dwords
        (0x30, 512, 1024, 1),
        (0x31, 512, 512, 1), // unaligned
        (0x30, 510, 512, 1),
        (600, 512, 512, 0), // SGL beyond the frame
    ];
    for (o, f, c, n) in bad {
        assert_eq!(
            SglGeometry::new(o, f, c, n),
            Err(MpiError::InvalidParam),
            "{o} {f} {c} {n}"
        );
    }
    // A tiny chain size is fine when chaining is off.
    assert!(SglGeometry::new(0x30, 512, 0, 0).is_ok());
}

#[test]
fn no_data_is_one_empty_end_element() {
    let g = geo(4);
    let mut frame = vec![0xeeu8; FRAME];
    let sum = write_sgl(&g, &mut frame, None, false, 0, []).unwrap();
    assert_eq!((sum.chain_offset, sum.chains, sum.total_len), (0, 0, 0));
    assert_eq!(sum.frame_bytes, SGL_OFF + SGE64_SIZE);
    // SIMPLE | LAST | EOB | EOL | 64-bit, length 0: what QEMU requires.
    assert_eq!(le32(&frame, SGL_OFF), 0xd300_0000);
    assert_eq!(qemu_walk(&frame, &[], 0), Ok(vec![]));
}

#[test]
fn one_segment_and_exactly_a_full_frame() {
    let g = geo(4);
    let s = round_trip(&g, 1);
    assert_eq!((s.chain_offset, s.chains), (0, 0));
    let s = round_trip(&g, 38);
    assert_eq!((s.chain_offset, s.chains, s.frame_bytes), (0, 0, FRAME - 8));
}

#[test]
fn one_chain_buffer() {
    let g = geo(4);
    let mut frame = vec![0u8; FRAME];
    let mut chains = vec![0u8; FRAME * 4];
    let s = segs(39);
    let mut area = ChainArea {
        buf: &mut chains,
        dma: CHAIN_DMA,
    };
    let sum = write_sgl(&g, &mut frame, Some(&mut area), true, 39, s.iter().copied()).unwrap();
    assert_eq!(sum.chains, 1);
    // The chain element takes the frame's last slot: 0x30 + 37 * 12.
    let chain_at = SGL_OFF + 37 * 12;
    assert_eq!(usize::from(sum.chain_offset) * 4, chain_at);
    // Element 36 ends the frame (LAST only), write direction on every one.
    assert_eq!(le32(&frame, SGL_OFF + 36 * 12) >> 24, 0x96);
    // Two segments left: Length 24, no next chain, address of buffer 0.
    assert_eq!(
        read_sge64(&frame, chain_at),
        Some(Sge::Chain {
            length: 24,
            next: 0,
            addr: CHAIN_DMA
        })
    );
    assert_eq!(le32(&chains, 12) >> 24, 0xd7, "last element ends the list");
    frame[2] = sum.chain_offset;
    assert_eq!(qemu_walk(&frame, &chains, 39 * 600).unwrap(), s);
}

#[test]
fn several_chains_and_the_maximum() {
    for chains in [1, 2, 3, 34] {
        let g = geo(chains);
        for n in [
            39,
            37 + 42,
            37 + 42 + 1,
            37 + 41 + 42,
            g.max_segments() - 1,
            g.max_segments(),
        ] {
            if n > g.max_segments() {
                continue;
            }
            let sum = round_trip(&g, n);
            assert_eq!(sum.chains, g.chains_for(n).unwrap());
        }
    }
    // Middle chain elements: Length covers the whole next buffer with its
    // own chain element, NextChainOffset points at that buffer's last slot.
    let g = geo(3);
    let mut frame = vec![0u8; FRAME];
    let mut chains = vec![0u8; FRAME * 3];
    let mut area = ChainArea {
        buf: &mut chains,
        dma: CHAIN_DMA,
    };
    let n = g.max_segments();
    let sum = write_sgl(&g, &mut frame, Some(&mut area), false, n, segs(n)).unwrap();
    assert_eq!(sum.chains, 3);
    let at = usize::from(sum.chain_offset) * 4;
    assert_eq!(
        read_sge64(&frame, at),
        Some(Sge::Chain {
            length: 42 * 12,
            next: (41 * 12 / 4) as u8,
            addr: CHAIN_DMA
        })
    );
    assert_eq!(
        read_sge64(&chains, 41 * 12),
        Some(Sge::Chain {
            length: 42 * 12,
            next: (41 * 12 / 4) as u8,
            addr: CHAIN_DMA + FRAME as u64
        })
    );
    assert_eq!(
        read_sge64(&chains, FRAME + 41 * 12),
        Some(Sge::Chain {
            length: 42 * 12,
            next: 0,
            addr: CHAIN_DMA + 2 * FRAME as u64
        })
    );
}

#[test]
fn errors() {
    let g = geo(1);
    let mut frame = vec![0u8; FRAME];
    let mut chains = vec![0u8; FRAME];
    let s = segs(50);
    // Needs a chain buffer but none given, or too small, or no address.
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, 50, s.iter().copied()),
        Err(MpiError::BufferTooSmall)
    );
    let mut short = vec![0u8; FRAME - 1];
    let mut a = ChainArea {
        buf: &mut short,
        dma: CHAIN_DMA,
    };
    assert_eq!(
        write_sgl(&g, &mut frame, Some(&mut a), false, 50, s.iter().copied()),
        Err(MpiError::BufferTooSmall)
    );
    for dma in [0, CHAIN_DMA + 2] {
        let mut a = ChainArea {
            buf: &mut chains,
            dma,
        };
        assert_eq!(
            write_sgl(&g, &mut frame, Some(&mut a), false, 50, s.iter().copied()),
            Err(MpiError::BadAddress)
        );
    }
    // More than fits.
    let n = g.max_segments() + 1;
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, n, segs(n)),
        Err(MpiError::TooManySegments)
    );
    // Count and iterator disagree, both ways.
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, 3, segs(2)),
        Err(MpiError::SegmentCountMismatch)
    );
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, 2, segs(3)),
        Err(MpiError::SegmentCountMismatch)
    );
    // Zero-length and over-long segments.
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, 1, [(0x1000, 0)]),
        Err(MpiError::EmptySegment)
    );
    assert_eq!(
        write_sgl(&g, &mut frame, None, false, 1, [(0x1000, 0x100_0000)]),
        Err(MpiError::SegmentTooLong)
    );
    // A frame buffer shorter than what the request uses: its elements,
    // or the whole frame once it chains.
    let need = g.frame_bytes_for(1).unwrap();
    let mut small = vec![0u8; need - 4];
    assert_eq!(
        write_sgl(&g, &mut small, None, false, 1, segs(1)),
        Err(MpiError::BufferTooSmall)
    );
    let mut short = vec![0u8; FRAME - 4];
    let mut a = ChainArea {
        buf: &mut chains,
        dma: CHAIN_DMA,
    };
    assert_eq!(
        write_sgl(&g, &mut short, Some(&mut a), false, 50, s.iter().copied()),
        Err(MpiError::BufferTooSmall)
    );
}

#[test]
fn frame_bytes_for_a_request() {
    let g = geo(1);
    let main = g.main_slots();
    // No data still has one (empty) element.
    assert_eq!(g.frame_bytes_for(0), Ok(SGL_OFF + 12));
    assert_eq!(g.frame_bytes_for(1), Ok(SGL_OFF + 12));
    assert_eq!(g.frame_bytes_for(main), Ok(SGL_OFF + 12 * main));
    assert_eq!(
        g.frame_bytes_for(main + 1),
        Ok(FRAME),
        "chains: the whole frame"
    );
    assert_eq!(
        g.frame_bytes_for(g.max_segments() + 1),
        Err(MpiError::TooManySegments)
    );
    // A frame buffer of exactly that size takes the request, and the
    // summary says so.
    for n in [1, 3, main] {
        let mut exact = vec![0u8; g.frame_bytes_for(n).unwrap()];
        let sum = write_sgl(&g, &mut exact, None, true, n, segs(n)).unwrap();
        assert_eq!(sum.frame_bytes, exact.len());
        assert_eq!(sum.chains, 0);
    }
}
