// SPDX-License-Identifier: GPL-2.0

//! Brute force over the iSCSI codec: random, mutated and truncated input
//! to every decoder must never panic, and whatever a decoder accepts must
//! encode back to a header that decodes the same.

use orion_scsi_host_tests::iscsi::pdu::{
    ahs::{self, AhsIter, AhsWriter, CommandAhs},
    bhs::CommonHeader,
    keys::{self, Operational},
    response::ResponseData,
    segment::{Digests, PduLayout},
    serial::{self, CmdSequence, CmdWindow},
    text::{self, TextWriter},
    InitiatorPdu, TargetPdu, BHS_LEN,
};

#[path = "common/rng.rs"]
mod rng;

use rng::Rng;

/// Opcodes worth hitting often: every defined one plus a few others.
const OPCODES: [u8; 21] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31,
    0x32, 0x3f, 0x1c, 0x3e, 0x11,
];

fn random_bhs(r: &mut Rng) -> Vec<u8> {
    let len = match r.below(8) {
        0 => r.below(BHS_LEN as u64) as usize,
        1 => BHS_LEN + r.below(64) as usize,
        _ => BHS_LEN,
    };
    let mut b = vec![0u8; len];
    r.fill(&mut b);
    if let Some(first) = b.first_mut() {
        if r.below(4) != 0 {
            *first = (*first & 0xc0) | OPCODES[r.below(OPCODES.len() as u64) as usize];
        }
    }
    // Mostly keep the lengths plausible so decoding gets past them.
    if b.len() >= 8 && r.below(2) == 0 {
        b[4] = 0;
        if r.below(2) == 0 {
            b[5..8].fill(0);
        }
    }
    b
}

#[test]
fn bhs_decoders_never_panic_and_accepted_headers_round_trip() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut initiator_ok, mut target_ok) = (0u32, 0u32);
    for _ in 0..200_000 {
        let b = random_bhs(&mut r);
        if let Ok(bhs) = <&[u8; BHS_LEN]>::try_from(&b[..b.len().min(BHS_LEN)]) {
            if let Ok(c) = CommonHeader::parse(bhs) {
                for digests in [
                    Digests::default(),
                    Digests {
                        header: true,
                        data: true,
                    },
                ] {
                    let l = PduLayout::new(&c, digests).unwrap();
                    assert!(l.total_len().unwrap() >= BHS_LEN);
                    assert_eq!(l.total_len().unwrap() % 4, 0);
                }
            }
        }
        if let Ok(p) = InitiatorPdu::decode(&b) {
            initiator_ok += 1;
            let again = p.encode().expect("a decoded PDU encodes");
            assert_eq!(InitiatorPdu::decode(&again), Ok(p));
        }
        if let Ok(r) = ResponseData::parse(&b) {
            let parts = r.sense.len() + r.response.len();
            assert_eq!(if b.is_empty() { 0 } else { parts + 2 }, b.len());
        }
        if let Ok(p) = TargetPdu::decode(&b) {
            target_ok += 1;
            let again = p.encode().expect("a decoded PDU encodes");
            assert_eq!(TargetPdu::decode(&again), Ok(p));
            let _ = p.cmd_window();
        }
    }
    // The sweep must reach the decoders' success paths, not only errors.
    assert!(initiator_ok > 1000, "{initiator_ok}");
    assert!(target_ok > 1000, "{target_ok}");
}

#[test]
fn ahs_parsers_never_panic() {
    let mut r = Rng(0x1234_5678);
    let mut accepted = 0u32;
    for _ in 0..100_000 {
        let mut area = vec![0u8; r.below(1100) as usize];
        r.fill(&mut area);
        // Plausible AHS headers now and then.
        if area.len() >= 4 && r.below(2) == 0 {
            let len = r.below(area.len() as u64) as u16;
            area[..2].copy_from_slice(&len.to_be_bytes());
            area[2] = r.below(3) as u8;
        }
        for ahs in AhsIter::new(&area).flatten() {
            assert!(ahs.specific.len() <= area.len());
        }
        if let Ok(parsed) = CommandAhs::parse(&area) {
            accepted += 1;
            if let Some(cdb) = parsed.extended_cdb {
                assert!(!cdb.is_empty() && cdb.len() < area.len());
            }
        }
        // Writers with random CDBs and buffers.
        let mut cdb = vec![0u8; r.below(300) as usize];
        r.fill(&mut cdb);
        if let Ok((_, rest)) = ahs::split_cdb(&cdb) {
            let mut out = vec![0u8; r.below(300) as usize];
            let mut w = AhsWriter::new(&mut out);
            if w.extended_cdb(rest).is_ok() && !rest.is_empty() {
                let n = w.len();
                assert_eq!(n % 4, 0);
                assert_eq!(
                    CommandAhs::parse(&out[..n]).unwrap().extended_cdb,
                    Some(rest)
                );
            }
        }
    }
    assert!(accepted > 100, "{accepted}");
}

const KEY_WORDS: [&[u8]; 8] = [
    b"MaxBurstLength",
    b"ImmediateData",
    b"ErrorRecoveryLevel",
    b"DefaultTime2Wait",
    b"CHAP_C",
    b"X-a",
    b"k",
    b"",
];
const VALUE_WORDS: [&[u8]; 8] = [
    b"Yes",
    b"No",
    b"0x",
    b"512",
    b"0",
    b"Reject",
    b"18446744073709551616",
    b"",
];
const GLUE: [&[u8]; 4] = [b"=", b"\0", b"=\0", b"\xff"];

#[test]
fn text_parsers_never_panic() {
    let mut r = Rng(0xdead_beef_cafe);
    let mut pairs_ok = 0u32;
    for _ in 0..100_000 {
        let mut t: Vec<u8> = Vec::new();
        for _ in 0..r.below(12) {
            match r.below(4) {
                0 => t.extend_from_slice(KEY_WORDS[r.below(8) as usize]),
                1 => t.extend_from_slice(VALUE_WORDS[r.below(8) as usize]),
                2 => t.extend_from_slice(GLUE[r.below(4) as usize]),
                _ => t.extend(std::iter::repeat_n(b'a', r.below(300) as usize)),
            }
        }
        for p in text::pairs(&t).flatten() {
            pairs_ok += 1;
            assert!(p.key.len() <= text::MAX_KEY_LEN);
            assert!(p.value.len() <= text::max_value_len(p.key));
            let _ = keys::negotiated(p);
            // What parses can be written back identically.
            let mut buf = vec![0u8; p.key.len() + p.value.len() + 2];
            let mut w = TextWriter::new(&mut buf);
            w.push(p.key, p.value).unwrap();
            assert_eq!(w.len(), buf.len());
        }
        let (done, rest) = text::split_complete(&t);
        assert_eq!(done.len() + rest.len(), t.len());
        assert!(!rest.contains(&0));
        let s = String::from_utf8_lossy(&t);
        let _ = keys::parse_number(&s);
        let _ = Operational::parse("MaxRecvDataSegmentLength", &s);
    }
    assert!(pairs_ok > 1000, "{pairs_ok}");
}

#[test]
fn serial_window_invariants_hold_on_random_updates() {
    let mut r = Rng(0x5eed);
    for _ in 0..2_000 {
        let exp = r.next() as u32;
        let max = exp.wrapping_add(r.below(64) as u32).wrapping_sub(1);
        let mut seq = CmdSequence::new(CmdWindow::new(exp, max).unwrap());
        for _ in 0..50 {
            let w = *seq.window();
            assert!(serial::is_valid_window(w.exp_cmd_sn(), w.max_cmd_sn()));
            match r.below(3) {
                0 => {
                    let credits = seq.credits();
                    let got = seq.assign();
                    assert_eq!(got.is_some(), credits > 0);
                    if let Some(sn) = got {
                        assert!(seq.window().can_send(sn));
                    }
                }
                1 => {
                    // Near the current window, sometimes far away.
                    let base = if r.below(8) == 0 {
                        r.next() as u32
                    } else {
                        w.exp_cmd_sn()
                    };
                    let e = base.wrapping_add(r.below(16) as u32);
                    let m = e.wrapping_add(r.below(40) as u32).wrapping_sub(4);
                    let _ = seq.update(e, m);
                    // Never backwards.
                    assert!(serial::ge(seq.window().exp_cmd_sn(), w.exp_cmd_sn()));
                    assert!(serial::ge(seq.window().max_cmd_sn(), w.max_cmd_sn()));
                }
                _ => {
                    let _ = seq.immediate();
                }
            }
        }
    }
}
