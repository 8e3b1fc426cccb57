// SPDX-License-Identifier: GPL-2.0

//! The virtual adapter's fault-injection rules: request syntax, refusals
//! naming the field, matching, counters, probability and pending sectors.

use orion_scsi_host_tests::proto::sense::SenseKey;
use orion_scsi_host_tests::virt::emulation::faults::*;

fn rule(line: &str) -> ActiveRule {
    match parse(line) {
        Ok(Request::Add(r)) => ActiveRule::new(r),
        other => panic!("{line}: {other:?}"),
    }
}

fn refused(line: &str) -> RuleError {
    match parse(line) {
        Err(e) => e,
        Ok(r) => panic!("{line} accepted as {r:?}"),
    }
}

const READ10: u8 = 0x28;
const WRITE10: u8 = 0x2a;
const TUR: u8 = 0x00;

fn io(op: u8, lba: u64, n: u32) -> CmdView {
    CmdView {
        target: 0,
        lun: 0,
        opcode: op,
        blocks: Some((lba, n)),
    }
}

fn fired(v: Verdict) -> bool {
    matches!(v, Verdict::Fire { .. })
}

#[test]
fn requests_parse() {
    assert_eq!(parse("clear"), Ok(Request::Clear));
    assert_eq!(parse("  del 7 "), Ok(Request::Del(7)));
    let Ok(Request::Add(r)) = parse(
        "add id=3 lun=0:1 op=read lba=100-107 every=2 count=5 prob=50% seed=7 action=medium-error",
    ) else {
        panic!()
    };
    assert_eq!(r.id, 3);
    assert_eq!(r.lun, Some((0, 1)));
    assert_eq!(r.op, OpMatch::Read);
    assert_eq!(r.lba, Some((100, 107)));
    assert_eq!(
        (r.every, r.count, r.prob, r.seed),
        (Some(2), Some(5), Some(50), 7)
    );
    assert_eq!(
        r.action,
        Action::Sense {
            key: SenseKey::MediumError,
            asc: 0x11,
            ascq: 0,
            info_lba: true
        }
    );
    for (a, want) in [
        ("timeout", Action::Timeout),
        ("delay:2500", Action::Delay(2500)),
        ("busy", Action::Status(STATUS_BUSY)),
        ("task-set-full", Action::Status(STATUS_TASK_SET_FULL)),
        (
            "reservation-conflict",
            Action::Status(STATUS_RESERVATION_CONFLICT),
        ),
        ("did-bus-busy", Action::Host(HostCode::BusBusy)),
        ("device-busy", Action::QueueBusy { device: true }),
        ("short:512", Action::Short(512)),
        ("fail-target-reset", Action::FailEh(EhStep::TargetReset)),
        ("power-cut", Action::PowerCut),
    ] {
        let Ok(Request::Add(r)) = parse(&format!("add action={a}")) else {
            panic!("{a}")
        };
        assert_eq!(r.action, want, "{a}");
        // The listing gives the same request back.
        assert!(rule(&format!("add action={a}"))
            .to_string()
            .contains(&format!("action={a} ")));
    }
    let Ok(Request::Add(r)) = parse("add op=0x35 action=sense:b/47/03") else {
        panic!()
    };
    assert_eq!(r.op, OpMatch::Opcode(0x35));
    assert_eq!(
        r.action,
        Action::Sense {
            key: SenseKey::AbortedCommand,
            asc: 0x47,
            ascq: 3,
            info_lba: false
        }
    );
}

#[test]
fn bad_requests_name_the_field() {
    for (line, field) in [
        ("", "request"),
        ("frobnicate", "request"),
        ("add", "action"),
        ("add action=explode", "action"),
        ("add action=delay", "action"),
        ("add action=timeout:3", "action"),
        ("add action=sense:3/11", "action"),
        ("add action=sense:f/11/0", "action"),
        ("add action=sense:3/zz/0", "action"),
        ("add lun=0 action=timeout", "lun"),
        ("add lun=x:1 action=timeout", "lun"),
        ("add op=0x100 action=timeout", "op"),
        ("add lba=9-3 action=timeout", "lba"),
        ("add nth=0 action=timeout", "nth"),
        ("add nth=2 every=3 action=timeout", "nth"),
        ("add prob=101 action=timeout", "prob"),
        ("add count=-1 action=timeout", "count"),
        ("add colour=red action=timeout", "request"),
        ("add action=pending", "lba"),
        ("add lba=0-4096 action=pending", "lba"),
        ("del", "del"),
        ("del 1 2", "del"),
        ("clear now", "request"),
    ] {
        assert_eq!(refused(line).field, field, "{line:?}");
    }
}

#[test]
fn matches_lun_op_and_range() {
    let mut r = rule("add lun=0:1 op=read lba=100-107 action=medium-error");
    // Other LUN, other op, outside the range: not even counted.
    let other_lun = CmdView {
        lun: 0,
        ..io(READ10, 100, 8)
    };
    assert_eq!(r.check(&other_lun), Verdict::Pass);
    let on = |op, lba, n| CmdView {
        lun: 1,
        ..io(op, lba, n)
    };
    assert_eq!(r.check(&on(WRITE10, 100, 8)), Verdict::Pass);
    assert_eq!(r.check(&on(READ10, 92, 8)), Verdict::Pass);
    assert_eq!(r.check(&on(READ10, 108, 1)), Verdict::Pass);
    assert_eq!(r.matched, 0);
    // Overlapping from below: INFORMATION is the first failing block.
    assert_eq!(
        r.check(&on(READ10, 96, 8)),
        Verdict::Fire {
            action: Action::Sense {
                key: SenseKey::MediumError,
                asc: 0x11,
                ascq: 0,
                info_lba: true
            },
            lba: Some(100)
        }
    );
    assert!(fired(r.check(&on(READ10, 105, 100))));
    // A command without blocks never matches an LBA rule.
    assert_eq!(
        r.check(&CmdView {
            blocks: None,
            ..on(READ10, 0, 0)
        }),
        Verdict::Pass
    );
    assert_eq!((r.matched, r.fired), (2, 2));
}

#[test]
fn only_rules_naming_a_lun_go_with_it() {
    let named = rule("add lun=1:2 action=busy");
    let any = rule("add action=busy");
    assert!(named.names_lun(1, 2));
    assert!(!named.names_lun(1, 3) && !named.names_lun(2, 2));
    assert!(!any.names_lun(1, 2));
}

#[test]
fn nth_every_count() {
    let mut nth = rule("add nth=3 action=busy");
    let hits: Vec<bool> = (0..6).map(|_| fired(nth.check(&io(TUR, 0, 0)))).collect();
    assert_eq!(hits, [false, false, true, false, false, false]);
    let mut every = rule("add every=2 count=2 action=did-reset");
    let hits: Vec<bool> = (0..8)
        .map(|_| fired(every.check(&io(READ10, 0, 1))))
        .collect();
    assert_eq!(hits, [false, true, false, true, false, false, false, false]);
    assert_eq!((every.matched, every.fired), (8, 2));
    assert!(every
        .to_string()
        .ends_with("action=did-reset matched=8 fired=2"));
}

#[test]
fn probability_is_seeded() {
    let run = |seed: u64| -> Vec<bool> {
        let mut r = rule(&format!("add prob=30 seed={seed} action=aborted-command"));
        (0..1000)
            .map(|_| fired(r.check(&io(READ10, 5, 1))))
            .collect()
    };
    let a = run(42);
    assert_eq!(a, run(42), "same seed, same faults");
    assert_ne!(a, run(43));
    let n = a.iter().filter(|&&f| f).count();
    assert!((220..=380).contains(&n), "30% of 1000 fired {n} times");
}

#[test]
fn pending_sectors_heal_on_write() {
    let mut r = rule("add lba=1000-1003 action=pending");
    assert!(r.to_string().contains("pending=4"));
    // A read over the range fails at its first pending block.
    match r.check(&io(READ10, 998, 8)) {
        Verdict::Fire { lba, .. } => assert_eq!(lba, Some(1000)),
        v => panic!("{v:?}"),
    }
    // Writing 1000..=1001 heals those two; the read now fails at 1002.
    assert_eq!(r.check(&io(WRITE10, 999, 3)), Verdict::Pass);
    assert_eq!(r.pending_blocks(), 2);
    match r.check(&io(READ10, 1000, 4)) {
        Verdict::Fire { lba, .. } => assert_eq!(lba, Some(1002)),
        v => panic!("{v:?}"),
    }
    assert_eq!(r.check(&io(READ10, 1000, 2)), Verdict::Pass);
    assert_eq!(r.check(&io(WRITE10, 1002, 2)), Verdict::Pass);
    assert_eq!(r.check(&io(READ10, 990, 64)), Verdict::Pass);
    assert_eq!(r.pending_blocks(), 0);
}

#[test]
fn eh_failures() {
    let mut r = rule("add lun=1:0 action=fail-device-reset");
    assert!(!r.fails_eh(EhStep::DeviceReset, 0, 0));
    assert!(!r.fails_eh(EhStep::Abort, 1, 0));
    assert!(r.fails_eh(EhStep::DeviceReset, 1, 0));
    // Not a per-command rule.
    assert_eq!(
        r.check(&CmdView {
            target: 1,
            ..io(READ10, 0, 1)
        }),
        Verdict::Pass
    );
    let mut once = rule("add count=1 action=fail-abort");
    assert!(once.fails_eh(EhStep::Abort, 3, 2));
    assert!(!once.fails_eh(EhStep::Abort, 3, 2));
}

#[test]
fn hostile_lines_do_not_panic() {
    for line in [
        "add lba=18446744073709551615 action=pending",
        "add lba=0-18446744073709551615 action=medium-error",
        "add lun=4294967296:0 action=timeout",
        "add every=18446744073709551615 count=18446744073709551615 action=timeout",
        "add action=delay:99999999999",
        "add action=short:4294967296",
        "add id=0 action=timeout",
        "add ==== action=timeout",
        "add action=sense:///",
        "del 99999999999",
    ] {
        let _ = parse(line);
    }
    let mut r = rule("add lba=18446744073709551615 action=pending");
    let _ = r.check(&io(READ10, u64::MAX, u32::MAX));
    let mut r = rule("add lba=0-18446744073709551615 action=medium-error");
    let _ = r.check(&io(READ10, u64::MAX - 1, 8));
}

/// Random requests built from the syntax's own pieces: parsed or refused,
/// never a panic; what parses runs against random commands.
#[test]
fn random_requests_never_panic() {
    let pieces = [
        "add",
        "del",
        "clear",
        "id=",
        "lun=",
        "op=",
        "lba=",
        "nth=",
        "every=",
        "count=",
        "prob=",
        "seed=",
        "action=",
        "pending",
        "medium-error",
        "sense:",
        "delay:",
        "short:",
        "read",
        "write",
        "any",
        "0x",
        "ff",
        "-",
        ":",
        "/",
        "%",
        "0",
        "1",
        "7",
        "4095",
        "4096",
        "18446744073709551615",
        " ",
        " ",
        "=",
    ];
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let n = (next() % 12) as usize;
        let line: String = (0..n)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect();
        if let Ok(Request::Add(r)) = parse(&line) {
            let mut a = ActiveRule::new(r);
            for _ in 0..4 {
                let v = CmdView {
                    target: (next() % 2) as u32,
                    lun: next() % 2,
                    opcode: [READ10, WRITE10, TUR, 0x88][(next() % 4) as usize],
                    blocks: Some((next() % 5000, (next() % 300) as u32)),
                };
                let _ = a.check(&v);
            }
            let _ = a.to_string();
        }
    }
}

#[test]
fn views_from_cdbs() {
    let v = CmdView::of(1, 2, &[0x28, 0, 0, 0, 0, 0x10, 0, 0, 8, 0]);
    assert_eq!(
        (v.target, v.lun, v.opcode, v.blocks),
        (1, 2, 0x28, Some((16, 8)))
    );
    assert_eq!(
        CmdView::of(0, 0, &[0x08, 0xff, 0xff, 0xff, 0, 0]).blocks,
        Some((0x1f_ffff, 256))
    );
    let mut c16 = [0u8; 16];
    c16[0] = 0x8a;
    c16[2..10].copy_from_slice(&0x1_0000_0000u64.to_be_bytes());
    c16[10..14].copy_from_slice(&7u32.to_be_bytes());
    assert_eq!(CmdView::of(0, 0, &c16).blocks, Some((0x1_0000_0000, 7)));
    assert_eq!(CmdView::of(0, 0, &[0x00, 0, 0, 0, 0, 0]).blocks, None);
    assert_eq!(CmdView::of(0, 0, &[0x28, 0, 0]).blocks, None);
    assert_eq!(CmdView::of(0, 0, &[]).opcode, 0);
}

#[test]
fn a_power_cut_fires_on_the_nth_write_only() {
    let mut r = rule("add lun=0:0 op=write nth=3 action=power-cut");
    let got: Vec<bool> = (0..6u64)
        .map(|i| {
            let op = if i == 1 { READ10 } else { WRITE10 };
            fired(r.check(&io(op, i * 8, 8)))
        })
        .collect();
    // Writes are commands 0, 2, 3, 4, 5: the third is command 3.
    assert_eq!(got, [false, false, false, true, false, false]);
    assert!(matches!(r.check(&io(WRITE10, 0, 8)), Verdict::Pass));
}
