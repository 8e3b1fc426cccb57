// SPDX-License-Identifier: GPL-2.0

//! MFI reply decoders (CTRL_GET_INFO, LD_GET_LIST, PD_GET_LIST) and the
//! reply ring, against replies laid out as QEMU's `megasas.c` fills them.
use orion_scsi_host_tests::megasas::mfi::{
    ctrl_info::{self, CtrlInfo},
    ld_list::{self, LdEntry, LdList, LdState},
    pd_list::{self, PdList},
    reply::{self, ReplyRing},
    MfiError,
};

fn put(b: &mut [u8], o: usize, v: &[u8]) {
    b[o..o + v.len()].copy_from_slice(v);
}

/// A CTRL_GET_INFO reply as QEMU's gen2 model writes it.
fn qemu_ctrl_info() -> Vec<u8> {
    let mut b = vec![0u8; 2048];
    put(&mut b, 0, &0x1000u16.to_le_bytes());
    put(&mut b, 2, &0x0079u16.to_le_bytes());
    put(&mut b, 4, &0x1000u16.to_le_bytes());
    put(&mut b, 6, &0x9261u16.to_le_bytes());
    b[0x20] = 2; // host type PCIE
    b[0x68] = 2; // device type SAS3G
    b[0x6f] = 8; // device port count
    put(&mut b, 0x70, &0x1221_0000_0000_0000u64.to_le_bytes());
    put(&mut b, 0x78, &0x1221_0001_0000_0000u64.to_le_bytes());
    b[0x53c] = 32; // max_arms
    b[0x53f] = 64; // max_lds
    put(&mut b, 0x540, b"LSI MegaRAID SAS 9260-8i");
    put(&mut b, 0x590, b"QEMU123456");
    put(&mut b, 0x5b8, &1008u16.to_le_bytes());
    put(&mut b, 0x5ba, &80u16.to_le_bytes());
    put(&mut b, 0x5bc, &0xffffu32.to_le_bytes());
    put(&mut b, 0x5c0, &2u16.to_le_bytes());
    put(&mut b, 0x5c6, &2u16.to_le_bytes());
    b
}

#[test]
fn ctrl_info_layout_from_struct_sizes() {
    // Recompute mfi_ctrl_info offsets from the member sizes in mfi.h.
    let pci = 8 + 24;
    let iface = 1 + 6 + 1 + 8 * 8;
    let component = 8 + 32 + 16 + 16;
    let max_arms = pci + 2 * iface + 4 + 4 + 8 * component + 4 + 8 * component;
    assert_eq!(ctrl_info::OFF_MAX_LDS, max_arms + 3);
    assert_eq!(ctrl_info::OFF_PRODUCT_NAME, max_arms + 4);
    assert_eq!(ctrl_info::OFF_SERIAL, ctrl_info::OFF_PRODUCT_NAME + 80);
    assert_eq!(ctrl_info::OFF_MAX_CMDS, ctrl_info::OFF_SERIAL + 32 + 4 + 4);
    assert_eq!(ctrl_info::OFF_MAX_SGE, ctrl_info::OFF_MAX_CMDS + 2);
    assert_eq!(ctrl_info::OFF_MAX_REQUEST_SIZE, ctrl_info::OFF_MAX_CMDS + 4);
    assert_eq!(ctrl_info::OFF_LDS_PRESENT, ctrl_info::OFF_MAX_CMDS + 8);
    assert_eq!(ctrl_info::OFF_PD_PRESENT, ctrl_info::OFF_LDS_PRESENT + 6);
    assert_eq!(ctrl_info::OFF_HOST_PORT_ADDR, pci + 8);
    assert_eq!(ctrl_info::OFF_DEVICE_PORT_COUNT, pci + iface + 7);
    assert_eq!(ctrl_info::OFF_DEVICE_PORT_ADDR, pci + iface + 8);
}

#[test]
fn ctrl_info_parses_qemu_reply() {
    let b = qemu_ctrl_info();
    let c = CtrlInfo::parse(&b).unwrap();
    assert_eq!(
        (c.pci_vendor, c.pci_device, c.pci_subvendor, c.pci_subdevice),
        (0x1000, 0x79, 0x1000, 0x9261)
    );
    assert_eq!(
        (c.max_cmds, c.max_sge, c.max_request_sectors),
        (1008, 80, 0xffff)
    );
    assert_eq!((c.max_lds, c.lds_present, c.pd_present), (64, 2, 2));
    assert_eq!(c.product_name(), b"LSI MegaRAID SAS 9260-8i");
    assert_eq!(c.serial(), b"QEMU123456");
    assert_eq!(c.sas_address, None, "QEMU reports no host ports");
    assert_eq!(c.device_port_count, 8);
    assert_eq!(c.device_ports[1], 0x1221_0001_0000_0000);
    assert_eq!(c.device_ports[2], 0);

    let mut b = qemu_ctrl_info();
    b[0x27] = 1;
    put(&mut b, 0x28, &0x5254_0000_1234_5678u64.to_le_bytes());
    // Trailing spaces dropped; a full-width field without NUL kept whole.
    put(&mut b, 0x540, &[b'X'; 80]);
    put(&mut b, 0x590, b"AB  \0junk");
    let c = CtrlInfo::parse(&b).unwrap();
    assert_eq!(c.sas_address, Some(0x5254_0000_1234_5678));
    assert_eq!(c.product_name(), &[b'X'; 80][..]);
    assert_eq!(c.serial(), b"AB");
    b[0x27] = 0;
    assert_eq!(CtrlInfo::parse(&b).unwrap().sas_address, None);
    put(&mut b, 0x590, &[b' '; 32]);
    assert_eq!(CtrlInfo::parse(&b).unwrap().serial(), b"");

    assert_eq!(CtrlInfo::parse(&b[..2047]), Err(MfiError::BufferTooSmall));
    assert_eq!(CtrlInfo::parse(&[]), Err(MfiError::BufferTooSmall));
    assert!(CtrlInfo::parse(&vec![0xff; 4096]).is_ok());
}

fn ld_reply(entries: &[(u8, u8, u64)]) -> Vec<u8> {
    let mut b = vec![0u8; ld_list::LD_LIST_SIZE];
    put(&mut b, 0, &(entries.len() as u32).to_le_bytes());
    for (i, &(t, st, sz)) in entries.iter().enumerate() {
        let o = 8 + 16 * i;
        b[o] = t;
        b[o + 2] = 0xaa; // seq
        b[o + 4] = st;
        put(&mut b, o + 8, &sz.to_le_bytes());
    }
    b
}

#[test]
fn ld_list_parses() {
    assert_eq!(ld_list::LD_LIST_SIZE, 8 + 64 * 16);
    let b = ld_reply(&[(0, 3, 2_097_152), (5, 2, 1), (63, 0, u64::MAX), (9, 7, 0)]);
    let l = LdList::parse(&b).unwrap();
    assert_eq!(l.len(), 4);
    assert!(!l.is_empty());
    let v: Vec<LdEntry> = l.iter().collect();
    assert_eq!(
        v[0],
        LdEntry {
            target_id: 0,
            state: LdState::Optimal,
            size_blocks: 2_097_152
        }
    );
    assert_eq!(v[1].state, LdState::Degraded);
    assert_eq!(
        (v[2].target_id, v[2].state, v[2].size_blocks),
        (63, LdState::Offline, u64::MAX)
    );
    assert_eq!(v[3].state, LdState::Other(7));
    assert_eq!(l.get(4), None);
    assert_eq!(LdState::from_u8(1), LdState::PartiallyDegraded);
    assert!(LdState::Degraded.is_usable() && !LdState::Offline.is_usable());

    let full: Vec<_> = (0..64u8).map(|i| (i, 3, i as u64)).collect();
    let b = ld_reply(&full);
    assert_eq!(LdList::parse(&b).unwrap().iter().count(), 64);
    let empty = ld_reply(&[]);
    assert!(LdList::parse(&empty).unwrap().is_empty());
    assert!(LdList::parse(&empty[..8]).unwrap().is_empty());

    let mut bad = ld_reply(&[]);
    put(&mut bad, 0, &65u32.to_le_bytes());
    assert_eq!(LdList::parse(&bad).unwrap_err(), MfiError::BadCount);
    put(&mut bad, 0, &u32::MAX.to_le_bytes());
    assert_eq!(LdList::parse(&bad).unwrap_err(), MfiError::BadCount);
    let b = ld_reply(&[(1, 3, 1), (2, 3, 1)]);
    assert_eq!(
        LdList::parse(&b[..39]).unwrap_err(),
        MfiError::BufferTooSmall
    );
    assert_eq!(LdList::parse(&b[..40]).unwrap().len(), 2);
    assert_eq!(
        LdList::parse(&b[..3]).unwrap_err(),
        MfiError::BufferTooSmall
    );
}

fn pd_reply(ids: &[(u8, u8)], len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    put(&mut b, 0, &((8 + 24 * ids.len()) as u32).to_le_bytes());
    put(&mut b, 4, &(ids.len() as u32).to_le_bytes());
    for (i, &(id, lun)) in ids.iter().enumerate() {
        let o = 8 + 24 * i;
        let dev = (id as u16) << 8 | lun as u16;
        put(&mut b, o, &dev.to_le_bytes());
        put(&mut b, o + 2, &0xffffu16.to_le_bytes());
        b[o + 5] = id;
        b[o + 6] = 0;
        b[o + 7] = 1;
        put(
            &mut b,
            o + 8,
            &(0x1221u64 << 48 | (dev as u64) << 24).to_le_bytes(),
        );
    }
    b
}

#[test]
fn pd_list_parses() {
    assert_eq!(pd_list::PD_LIST_MIN_SIZE, 32);
    assert_eq!(pd_list::PD_LIST_MAX_SIZE, 5768);
    let b = pd_reply(&[(0, 0), (3, 2), (255, 255)], 4096);
    let l = PdList::parse(&b).unwrap();
    assert_eq!((l.len(), l.size()), (3, 8 + 72));
    let e = l.get(1).unwrap();
    assert_eq!((e.device_id, e.scsi_id, e.lun), (0x0302, 3, 2));
    assert_eq!((e.encl_device_id, e.slot, e.scsi_dev_type), (0xffff, 3, 0));
    assert_eq!(e.sas_addr, 0x1221_0000_0000_0000 | 0x0302 << 24);
    let last = l.iter().last().unwrap();
    assert_eq!((last.scsi_id, last.lun), (255, 255));
    assert_eq!(l.get(3), None);
    assert!(PdList::parse(&pd_reply(&[], 8)).unwrap().is_empty());

    let max: Vec<_> = (0..240u32)
        .map(|i| ((i >> 2) as u8, (i & 3) as u8))
        .collect();
    let b = pd_reply(&max, pd_list::PD_LIST_MAX_SIZE);
    assert_eq!(PdList::parse(&b).unwrap().iter().count(), 240);
    let mut bad = b.clone();
    put(&mut bad, 4, &241u32.to_le_bytes());
    assert_eq!(PdList::parse(&bad).unwrap_err(), MfiError::BadCount);
    assert_eq!(
        PdList::parse(&b[..5767]).unwrap_err(),
        MfiError::BufferTooSmall
    );
    assert_eq!(
        PdList::parse(&b[..7]).unwrap_err(),
        MfiError::BufferTooSmall
    );
}

#[test]
fn reply_ring_arithmetic() {
    let r = ReplyRing::new(1008).unwrap();
    assert_eq!(
        (r.entries(), r.ring_bytes(), r.max_outstanding()),
        (1008, 4032, 1007)
    );
    assert_eq!(r.next(0), Ok(1));
    assert_eq!(r.next(1007), Ok(0), "wraps at fw_cmds");
    assert_eq!(r.next(1008), Err(MfiError::BadIndex));
    assert_eq!(r.pending(5, 5), Ok(0));
    assert_eq!(r.pending(10, 4), Ok(6));
    assert_eq!(r.pending(2, 1005), Ok(5));
    assert_eq!(r.pending(1008, 0), Err(MfiError::BadIndex));
    assert_eq!(r.pending(0, 1008), Err(MfiError::BadIndex));
    assert_eq!(r.slot_offset(1007), Ok(4028));
    assert_eq!(r.slot_offset(1008), Err(MfiError::BadIndex));
    let slots: Vec<u32> = r.drain(2, 1005).unwrap().collect();
    assert_eq!(slots, [1005, 1006, 1007, 0, 1]);
    assert_eq!(r.drain(2, 1005).unwrap().size_hint(), (5, Some(5)));
    assert_eq!(r.drain(7, 7).unwrap().count(), 0);
    assert!(r.drain(9999, 0).is_err());
    assert_eq!(ReplyRing::new(0), Err(MfiError::InvalidParam));
    assert_eq!(ReplyRing::new(1), Err(MfiError::InvalidParam));
    let r = ReplyRing::new(2).unwrap();
    assert_eq!(
        (r.max_outstanding(), r.next(1), r.pending(0, 1)),
        (1, Ok(0), Ok(1))
    );
    let r = ReplyRing::new(u16::MAX).unwrap();
    assert_eq!(r.next(65534), Ok(0));
}

#[test]
fn contexts_and_ring_entries() {
    let mut ring = vec![0u8; 16];
    ring[8..12].copy_from_slice(&reply::encode_context(37).to_le_bytes());
    let ctx = reply::read_entry(&ring, 2).unwrap();
    assert_eq!(reply::decode_context(ctx, 1000), Ok(37));
    assert_eq!(reply::decode_context(1000, 1000), Err(MfiError::BadIndex));
    assert_eq!(
        reply::decode_context(u32::MAX, 1000),
        Err(MfiError::BadIndex)
    );
    assert_eq!(reply::decode_context(0, 0), Err(MfiError::BadIndex));
    assert_eq!(reply::read_entry(&ring, 4), None);
    assert_eq!(reply::read_entry(&ring, u32::MAX), None);
}
