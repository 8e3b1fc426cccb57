// SPDX-License-Identifier: GPL-2.0

//! Serial number arithmetic (RFC 1982, 32 bits) and the CmdSN window.

use core::cmp::Ordering;
use orion_scsi_host_tests::iscsi::pdu::serial::{
    self, is_valid_window, CmdSequence, CmdWindow, WindowUpdate, MAX_ADD,
};

const HALF: u32 = 1 << 31;

#[test]
fn comparison_across_the_wrap() {
    assert!(serial::lt(0, 1));
    assert!(serial::lt(u32::MAX, 0));
    assert!(serial::gt(0, u32::MAX));
    assert!(serial::lt(0xffff_fff0, 0x10));
    assert!(serial::lt(5, 5 + (HALF - 1)));
    assert!(serial::gt(5 + (HALF - 1), 5));
    // HALF + 1 apart: the order flips.
    assert!(serial::gt(5, 5u32.wrapping_add(HALF + 1)));
    assert!(serial::le(7, 7) && serial::ge(7, 7));
    assert!(!serial::lt(7, 7) && !serial::gt(7, 7));
}

#[test]
fn exactly_half_apart_is_undefined() {
    for a in [0u32, 1, HALF - 1, HALF, u32::MAX] {
        let b = a.wrapping_add(HALF);
        assert_eq!(serial::compare(a, b), None);
        assert_eq!(serial::compare(b, a), None);
        assert!(!serial::lt(a, b) && !serial::gt(a, b));
        assert!(!serial::le(a, b) && !serial::ge(a, b));
    }
    assert_eq!(serial::compare(1, 2), Some(Ordering::Less));
    assert_eq!(serial::compare(2, 1), Some(Ordering::Greater));
    assert_eq!(serial::compare(3, 3), Some(Ordering::Equal));
}

#[test]
fn comparison_is_antisymmetric_on_a_sweep() {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = x as u32;
        let b = (x >> 32) as u32;
        let ab = serial::compare(a, b);
        let ba = serial::compare(b, a);
        assert_eq!(ab.map(Ordering::reverse), ba);
        assert_eq!(ab.is_none(), a.wrapping_sub(b) == HALF);
    }
}

#[test]
fn addition_is_defined_up_to_half_minus_one() {
    assert_eq!(serial::add(u32::MAX, 1), Some(0));
    assert_eq!(serial::add(10, MAX_ADD), Some(10u32.wrapping_add(MAX_ADD)));
    assert_eq!(serial::add(10, HALF), None);
    assert_eq!(serial::add(10, u32::MAX), None);
    assert!(serial::gt(serial::add(77, MAX_ADD).unwrap(), 77));
}

#[test]
fn window_validity() {
    // MaxCmdSN = ExpCmdSN - 1: valid but closed.
    assert!(is_valid_window(10, 9));
    assert_eq!(CmdWindow::new(10, 9).unwrap().size(), 0);
    // MaxCmdSN < ExpCmdSN - 1: invalid.
    assert!(!is_valid_window(10, 8));
    assert!(CmdWindow::new(10, 8).is_none());
    assert!(!is_valid_window(0, u32::MAX - 1));
    // Across the wrap.
    assert!(is_valid_window(u32::MAX, 5));
    assert_eq!(CmdWindow::new(u32::MAX, 5).unwrap().size(), 7);
    assert!(is_valid_window(0, u32::MAX));
    // The largest window (2^31 - 1 commands); one more reaches the
    // undefined comparison and is refused.
    assert!(is_valid_window(100, 100 + HALF - 2));
    assert_eq!(
        CmdWindow::new(100, 100 + HALF - 2).unwrap().size(),
        HALF - 1
    );
    assert!(!is_valid_window(100, 100 + HALF - 1));
}

#[test]
fn can_send_only_inside_the_window() {
    let w = CmdWindow::new(0xffff_fffe, 1).unwrap();
    assert_eq!(w.size(), 4);
    for sn in [0xffff_fffe, 0xffff_ffff, 0, 1] {
        assert!(w.can_send(sn), "{sn:#x}");
    }
    for sn in [0xffff_fffd, 2, 0x8000_0000, 0x7fff_ffff] {
        assert!(!w.can_send(sn), "{sn:#x}");
    }
    let closed = CmdWindow::new(10, 9).unwrap();
    assert!(!closed.can_send(10) && !closed.can_send(9));
    let one = CmdWindow::new(10, 10).unwrap();
    assert!(one.can_send(10) && !one.can_send(11) && !one.can_send(9));
}

#[test]
fn updates_only_move_forward_and_ignore_invalid_windows() {
    let mut w = CmdWindow::new(10, 20).unwrap();
    assert_eq!(w.update(12, 8), WindowUpdate::Invalid);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (10, 20));
    assert_eq!(w.update(11, 25), WindowUpdate::Advanced);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (11, 25));
    // Stale values (an older response) do not shrink the window.
    assert_eq!(w.update(10, 20), WindowUpdate::Unchanged);
    assert_eq!(w.update(11, 25), WindowUpdate::Unchanged);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (11, 25));
    // ExpCmdSN moves, MaxCmdSN stays: the window closes.
    assert_eq!(w.update(26, 25), WindowUpdate::Advanced);
    assert_eq!(w.size(), 0);
    // Wrap-around.
    let mut w = CmdWindow::new(u32::MAX - 1, u32::MAX).unwrap();
    assert_eq!(w.update(1, 40), WindowUpdate::Advanced);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (1, 40));
    // A value 2^31 away is neither newer nor older: not taken.
    assert_eq!(w.update(1, 40u32.wrapping_add(HALF)), WindowUpdate::Invalid);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (1, 40));
}

#[test]
fn each_number_is_taken_only_when_newer() {
    let mut w = CmdWindow::new(0, 100).unwrap();
    // ExpCmdSN far ahead with an older MaxCmdSN: invalid by itself.
    assert_eq!(w.update(0x7000_0000, 50), WindowUpdate::Invalid);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (0, 100));
    // An older ExpCmdSN with a newer MaxCmdSN: only MaxCmdSN moves.
    assert_eq!(w.update(0xffff_fff0, 200), WindowUpdate::Advanced);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (0, 200));
    // A newer ExpCmdSN with an older MaxCmdSN: only ExpCmdSN moves.
    assert_eq!(w.update(150, 160), WindowUpdate::Advanced);
    assert_eq!((w.exp_cmd_sn(), w.max_cmd_sn()), (150, 200));
}

#[test]
fn cmd_sequence_assigns_within_the_window() {
    let mut s = CmdSequence::new(CmdWindow::new(u32::MAX - 1, 0).unwrap());
    assert_eq!(s.credits(), 3);
    // Immediate commands carry the next CmdSN without using it.
    assert_eq!(s.immediate(), u32::MAX - 1);
    assert_eq!(s.assign(), Some(u32::MAX - 1));
    assert_eq!(s.assign(), Some(u32::MAX));
    assert_eq!(s.immediate(), 0);
    assert_eq!(s.assign(), Some(0));
    assert_eq!(s.credits(), 0);
    assert_eq!(s.assign(), None);
    assert_eq!(s.next_cmd_sn(), 1);
    // The target acknowledges two and opens the window by four.
    assert_eq!(s.update(0, 4), WindowUpdate::Advanced);
    assert_eq!(s.window().size(), 5);
    assert_eq!(s.credits(), 4);
    assert_eq!(s.assign(), Some(1));
    // An invalid update changes nothing.
    assert_eq!(s.update(9, 2), WindowUpdate::Invalid);
    assert_eq!(s.credits(), 3);
}

#[test]
fn unchecked_assignment_passes_a_closed_window() {
    // ExpCmdSN 10, MaxCmdSN 10: room for one command.
    let window = CmdWindow::new(10, 10).unwrap();
    let mut seq = CmdSequence::new(window);
    assert_eq!(seq.assign(), Some(10));
    assert_eq!(seq.assign(), None);
    // A logout still gets the next number, and the numbering goes on.
    assert_eq!(seq.assign_unchecked(), 11);
    assert_eq!(seq.next_cmd_sn(), 12);
    assert_eq!(seq.immediate(), 12);
    assert_eq!(seq.credits(), 0);
}
