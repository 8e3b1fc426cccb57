// SPDX-License-Identifier: GPL-2.0

mod common;
use common::*;

fn list(descs: &[(u64, u32)]) -> Vec<u8> {
    let bddl = (descs.len() * 16) as u16;
    let mut v = Vec::new();
    v.extend_from_slice(&(bddl + 6).to_be_bytes());
    v.extend_from_slice(&bddl.to_be_bytes());
    v.extend_from_slice(&[0; 4]);
    for &(lba, n) in descs {
        v.extend_from_slice(&lba.to_be_bytes());
        v.extend_from_slice(&n.to_be_bytes());
        v.extend_from_slice(&[0; 4]);
    }
    v
}

fn collect(l: &LunConfig, data: &[u8]) -> Result<Vec<(u64, u32)>, Sense> {
    let mut out = Vec::new();
    emu::parse_unmap(l, data, |lba, n| {
        out.push((lba, n));
        Ok(())
    })?;
    Ok(out)
}

#[test]
fn yields_ranges_in_order_skipping_empty() {
    let l = lun512();
    let d = list(&[(0, 8), (100, 0), (l.capacity_blocks - 8, 8)]);
    assert_eq!(
        collect(&l, &d).unwrap(),
        vec![(0, 8), (l.capacity_blocks - 8, 8)]
    );
    assert_eq!(collect(&l, &[]).unwrap(), vec![]);
    assert_eq!(collect(&l, &list(&[])).unwrap(), vec![]);
}

#[test]
fn out_of_range_rejects_whole_list() {
    let l = lun512();
    let d = list(&[(0, 8), (l.capacity_blocks - 1, 2)]);
    let mut calls = 0;
    let s = emu::parse_unmap(&l, &d, |_, _| {
        calls += 1;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(calls, 0);
    assert_eq!(s.code(), sense::LBA_OUT_OF_RANGE);
    assert_eq!(
        s.field,
        Some(FieldPointer {
            in_cdb: false,
            byte: 24,
            bit: None
        })
    );
    assert_eq!(
        collect(&l, &list(&[(u64::MAX, 1)])).unwrap_err().code(),
        sense::LBA_OUT_OF_RANGE
    );
}

#[test]
fn limits() {
    let mut l = lun512();
    l.limits.max_unmap_descriptors = 2;
    l.limits.max_unmap_lba_count = 100;
    assert!(collect(&l, &list(&[(0, 50), (1000, 50)])).is_ok());
    let s = collect(&l, &list(&[(0, 50), (1000, 51)])).unwrap_err();
    assert_eq!(s.code(), sense::INVALID_FIELD_IN_PARAM_LIST);
    assert_eq!(s.field.unwrap().byte, 8 + 16 + 8);
    let s = collect(&l, &list(&[(0, 1), (1, 1), (2, 1)])).unwrap_err();
    assert_eq!(s.code(), sense::INVALID_FIELD_IN_PARAM_LIST);
    assert_eq!(s.field.unwrap().byte, 2);
}

#[test]
fn header_errors() {
    let l = lun512();
    for short in 1..8 {
        assert_eq!(
            collect(&l, &vec![0; short]).unwrap_err().code(),
            sense::PARAMETER_LIST_LENGTH_ERROR
        );
    }
    // UNMAP DATA LENGTH larger than the list.
    let mut d = list(&[(0, 1)]);
    d[1] += 16;
    assert_eq!(
        collect(&l, &d).unwrap_err().code(),
        sense::PARAMETER_LIST_LENGTH_ERROR
    );
    // Descriptor length larger than UNMAP DATA LENGTH allows.
    let mut d = list(&[(0, 1)]);
    d[3] = 32;
    let s = collect(&l, &d).unwrap_err();
    assert_eq!(s.code(), sense::INVALID_FIELD_IN_PARAM_LIST);
    assert_eq!(s.field.unwrap().byte, 2);
    // Trailing partial descriptor is ignored.
    let mut d = list(&[(0, 1)]);
    d.extend_from_slice(&[0xFF; 8]);
    d[1] += 8;
    d[3] += 8;
    assert_eq!(collect(&l, &d).unwrap(), vec![(0, 1)]);
}

#[test]
fn callback_error_propagates() {
    let l = lun512();
    let d = list(&[(0, 1), (8, 1)]);
    let mut seen = 0;
    let e = Sense::new(SenseKey::HardwareError, sense::INTERNAL_TARGET_FAILURE);
    let r = emu::parse_unmap(&l, &d, |_, _| {
        seen += 1;
        Err(e)
    });
    assert_eq!(r, Err(e));
    assert_eq!(seen, 1);
}
