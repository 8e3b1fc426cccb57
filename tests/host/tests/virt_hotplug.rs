// SPDX-License-Identifier: GPL-2.0

//! The virtual adapter's run-time topology files: what `add_host`,
//! `add_lun` and `remove_lun` accept and refuse.

use orion_scsi_host_tests::virt::emulation::hotplug::*;

#[test]
fn add_host_one_takes_the_defaults() {
    assert_eq!(parse_add_host(b"1\n"), Ok(HostRequest::default()));
}

#[test]
fn add_host_keys_in_any_order() {
    let req = parse_add_host(b"capacity_mb=64 targets=3 luns=2\n").unwrap();
    assert_eq!(
        req,
        HostRequest {
            targets: Some(3),
            luns: Some(2),
            capacity_mib: Some(64),
        }
    );
    let req = parse_add_host(b"luns=8").unwrap();
    assert_eq!(req.luns, Some(8));
    assert_eq!(req.targets, None);
}

#[test]
fn add_host_refusals_name_the_word() {
    assert_eq!(parse_add_host(b""), Err((Refusal::Syntax, "")));
    assert_eq!(parse_add_host(b"0"), Err((Refusal::Syntax, "0")));
    assert_eq!(parse_add_host(b"2"), Err((Refusal::Syntax, "2")));
    assert_eq!(
        parse_add_host(b"targets=0"),
        Err((Refusal::OutOfRange(1, 16), "targets=0"))
    );
    assert_eq!(
        parse_add_host(b"targets=2 luns=9"),
        Err((Refusal::OutOfRange(1, 8), "luns=9"))
    );
    assert_eq!(
        parse_add_host(b"capacity_mb=16777217"),
        Err((Refusal::OutOfRange(1, 16 << 20), "capacity_mb=16777217"))
    );
    assert_eq!(
        parse_add_host(b"size=1"),
        Err((Refusal::UnknownKey, "size=1"))
    );
    assert_eq!(
        parse_add_host(b"luns=-1"),
        Err((Refusal::NotANumber, "luns=-1"))
    );
    assert_eq!(
        parse_add_host(b"luns=0x2"),
        Err((Refusal::NotANumber, "luns=0x2"))
    );
    assert_eq!(parse_add_host(&[0xff, 0xfe]), Err((Refusal::Syntax, "")));
}

#[test]
fn lun_addresses_within_the_host() {
    assert_eq!(parse_lun_addr(b"0:1\n", 2), Ok((0, 1)));
    assert_eq!(parse_lun_addr(b"1:7", 2), Ok((1, 7)));
    assert_eq!(parse_lun_addr(b"2:0", 2), Err(Refusal::OutOfRange(0, 1)));
    assert_eq!(parse_lun_addr(b"0:8", 2), Err(Refusal::OutOfRange(0, 7)));
    assert_eq!(parse_lun_addr(b"0", 2), Err(Refusal::Syntax));
    assert_eq!(parse_lun_addr(b"a:1", 2), Err(Refusal::NotANumber));
    assert_eq!(parse_lun_addr(b"0:1:2", 2), Err(Refusal::NotANumber));
}
