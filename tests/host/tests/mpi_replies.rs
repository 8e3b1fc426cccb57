// SPDX-License-Identifier: GPL-2.0

//! Reply FIFO descriptors and frame pools (`lsi/mpi.h` "Message Frame
//! Descriptors"), SCSI_IO completion mapping (`lsi/mpi_init.h`
//! `MSG_SCSI_IO_REPLY`), the SAS topology pages (`lsi/mpi_cnfg.h`
//! `CONFIG_PAGE_SAS_IO_UNIT_0`, `_SAS_DEVICE_0`, `_SAS_PHY_0`, `_SAS_PHY_1`,
//! `CONFIG_PAGE_MANUFACTURING_5`) as QEMU's `mptconfig.c` fills them, and
//! limits from IOC_FACTS; then garbage into every decoder.
use orion_scsi_host_tests::mptsas::mpi::facts::IocFacts;
use orion_scsi_host_tests::mptsas::mpi::limits::{self, Budget};
use orion_scsi_host_tests::mptsas::mpi::reply::{self, FramePool, ReplyDescriptor};
use orion_scsi_host_tests::mptsas::mpi::sas_pages::{
    self, SasDevice0, SasIoUnit0, SasPhy0, SasPhy1,
};
use orion_scsi_host_tests::mptsas::mpi::scsi_reply::{Completion, HostStatus, ScsiIoReply};
use orion_scsi_host_tests::mptsas::mpi::{config, event, task_mgmt, MpiError};

#[path = "common/rng.rs"]
mod rng;

#[test]
fn reply_descriptors_and_contexts() {
    assert_eq!(ReplyDescriptor::decode(0xffff_ffff), ReplyDescriptor::Empty);
    assert_eq!(ReplyDescriptor::decode(17), ReplyDescriptor::Context(17));
    // QEMU: 0x80000000 | frame_low >> 1.
    let frame_low = 0xfedc_ba98u32;
    assert_eq!(
        ReplyDescriptor::decode(0x8000_0000 | (frame_low >> 1)),
        ReplyDescriptor::Address(frame_low)
    );
    assert_eq!(reply::encode_context(0x1fff_ffff), Ok(0x1fff_ffff));
    assert_eq!(
        reply::encode_context(0x2000_0000),
        Err(MpiError::InvalidParam)
    );
    assert_eq!(reply::decode_context(5, 6), Ok(5));
    assert_eq!(reply::decode_context(6, 6), Err(MpiError::BadIndex));
    assert_eq!(
        reply::decode_context(0x2000_0001, 8),
        Err(MpiError::BadIndex)
    );
}

#[test]
fn frame_pools() {
    let p = FramePool::new(0x1_8000_0000, 0x50, 128).unwrap();
    assert_eq!((p.high(), p.count()), (1, 128));
    assert_eq!(p.addr(2), Ok(0x1_8000_00a0));
    assert_eq!(p.fifo_word(2), Ok(0x8000_00a0));
    assert_eq!(p.offset(127), Ok(127 * 0x50));
    assert_eq!(p.offset(128), Err(MpiError::BadIndex));
    // An address reply names a frame start of this pool, nothing else.
    for i in [0, 1, 127] {
        let low = p.fifo_word(i).unwrap();
        let raw = 0x8000_0000 | (low >> 1);
        let ReplyDescriptor::Address(a) = ReplyDescriptor::decode(raw) else {
            panic!()
        };
        assert_eq!(p.index_of(a), Ok(i));
    }
    for low in [0x8000_0008, 0x7fff_fff8, 0x8000_2800, 0] {
        assert_eq!(p.index_of(low), Err(MpiError::BadIndex), "{low:#x}");
    }
    // Pools must be aligned and inside one 4 GiB window.
    assert_eq!(
        FramePool::new(0xffff_ff00, 0x50, 4),
        Err(MpiError::BadAddress)
    );
    assert_eq!(FramePool::new(0x1004, 0x50, 4), Err(MpiError::BadAddress));
    assert_eq!(FramePool::new(0, 0x50, 4), Err(MpiError::BadAddress));
    assert_eq!(FramePool::new(0x1000, 0x4c, 4), Err(MpiError::InvalidParam));
    assert_eq!(FramePool::new(0x1000, 0x50, 0), Err(MpiError::InvalidParam));
    assert!(
        FramePool::new(0xffff_ff00, 0x80, 2).is_ok(),
        "ends at 4 GiB - 1"
    );
}

fn scsi_reply(ioc_status: u16, scsi_status: u8, state: u8, xfer: u32, sense: u32) -> Vec<u8> {
    let mut r = vec![0u8; 0x24];
    r[2] = 9;
    r[8] = 7;
    r[0x0c] = scsi_status;
    r[0x0d] = state;
    r[0x0e..0x10].copy_from_slice(&ioc_status.to_le_bytes());
    r[0x14..0x18].copy_from_slice(&xfer.to_le_bytes());
    r[0x18..0x1c].copy_from_slice(&sense.to_le_bytes());
    r
}

fn complete(ioc: u16, status: u8, state: u8, xfer: u32, sense: u32) -> Completion {
    let r = ScsiIoReply::parse(&scsi_reply(ioc, status, state, xfer, sense)).unwrap();
    Completion::from_reply(&r, 4096, 96)
}

#[test]
fn scsi_io_completions_as_qemu_sends_them() {
    let ok = Completion::context_reply();
    assert_eq!(
        (ok.host, ok.scsi_status, ok.residual),
        (HostStatus::Ok, 0, 0)
    );
    // GOOD with residual: DATA_UNDERRUN, TransferCount = bytes moved.
    let c = complete(0x45, 0, 0, 1024, 0);
    assert_eq!((c.host, c.residual, c.sense_len), (HostStatus::Ok, 3072, 0));
    // CHECK CONDITION: AUTOSENSE_VALID, SenseCount, TransferCount 0.
    let c = complete(0x45, 2, 1, 0, 18);
    assert_eq!(
        (c.host, c.scsi_status, c.residual, c.sense_len),
        (HostStatus::Ok, 2, 4096, 18)
    );
    // Sense longer than the buffer is clipped; no AUTOSENSE_VALID, no sense.
    assert_eq!(complete(0x45, 2, 1, 0, 252).sense_len, 96);
    assert_eq!(complete(0x45, 2, 0, 0, 18).sense_len, 0);
    // Refusals (SCSIState NO_SCSI_STATUS).
    assert_eq!(complete(0x43, 0, 4, 0, 0).host, HostStatus::NoConnect);
    assert_eq!(complete(0x42, 0, 4, 0, 0).host, HostStatus::BadTarget);
    assert_eq!(complete(0x41, 0, 4, 0, 0).host, HostStatus::BadTarget);
    assert_eq!(complete(0x03, 0, 4, 0, 0).host, HostStatus::Error);
    assert_eq!(complete(0x44, 0, 4, 0, 0).host, HostStatus::Error);
    // Cancelled by task management or reset.
    let c = complete(0x48, 0, 4, 0, 0);
    assert_eq!((c.host, c.residual), (HostStatus::Reset, 4096));
    assert_eq!(complete(0x4b, 0, 0, 0, 0).host, HostStatus::Reset);
    assert_eq!(complete(0x00, 0, 8, 0, 0).host, HostStatus::Reset);
    assert_eq!(complete(0x06, 0, 0, 0, 0).host, HostStatus::Busy);
    assert_eq!(complete(0x47, 0, 0, 0, 0).host, HostStatus::SoftError);
    assert_eq!(complete(0x45, 0, 2, 0, 0).host, HostStatus::SoftError);
    // An overrun that ran, per Linux: status kept, no residual.
    assert_eq!(
        (
            complete(0x44, 0, 0, 0, 0).host,
            complete(0x44, 0, 0, 0, 0).residual
        ),
        (HostStatus::Ok, 0)
    );
    // More transferred than asked: an impossible reply.
    assert_eq!(complete(0x45, 0, 0, 4097, 0).host, HostStatus::Error);
    // The log-info flag does not change the status.
    assert_eq!(complete(0x8045, 0, 0, 0, 0).host, HostStatus::Ok);
    // Truncated and foreign replies.
    let r = scsi_reply(0, 0, 0, 0, 0);
    assert_eq!(
        ScsiIoReply::parse(&r[..0x20]),
        Err(MpiError::BufferTooSmall)
    );
    let mut bad = r.clone();
    bad[3] = 1;
    assert_eq!(ScsiIoReply::parse(&bad), Err(MpiError::BadReply));
    assert_eq!(ScsiIoReply::parse(&r).unwrap().msg_context, 7);
}

/// Extended page data as `MPTSAS_CONFIG_PACK_EXT` writes it.
fn ext_page(ext_type: u8, number: u8, version: u8, len: usize) -> Vec<u8> {
    let mut p = vec![0u8; len];
    p[0] = version;
    p[2] = number;
    p[3] = 0x0f;
    p[4..6].copy_from_slice(&((len / 4) as u16).to_le_bytes());
    p[6] = ext_type;
    p
}

#[test]
fn sas_io_unit_page_0() {
    // Two phys: a disk on phy 0 (handle 9), nothing on phy 1.
    let mut p = ext_page(0x10, 0, 4, 0x10 + 2 * 16);
    p[0x0c] = 2;
    let phy0 = [0u8, 0, 0, 0x09, 0x01, 0x04, 0, 0, 9, 0, 9, 0, 0, 0, 0, 0];
    let phy1 = [1u8, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    p[0x10..0x20].copy_from_slice(&phy0);
    p[0x20..0x30].copy_from_slice(&phy1);
    let u = SasIoUnit0::parse(&p).unwrap();
    assert_eq!(u.num_phys, 2);
    let a = u.phy(&p, 0).unwrap();
    assert_eq!(
        (
            a.port,
            a.negotiated_link_rate,
            a.controller_phy_device_info,
            a.attached_dev_handle
        ),
        (0, sas_pages::RATE_3_0, 0x401, 9)
    );
    let b = u.phy(&p, 1).unwrap();
    assert_eq!((b.port, b.attached_dev_handle), (1, 0));
    assert_eq!(b.negotiated_link_rate, sas_pages::RATE_FAILED_NEGOTIATION);
    assert_eq!(u.phy(&p, 2), Err(MpiError::BadIndex));
    // NumPhys beyond the page, a truncated table, another page.
    let mut bad = p.clone();
    bad[0x0c] = 3;
    assert_eq!(SasIoUnit0::parse(&bad), Err(MpiError::BadReply));
    assert_eq!(SasIoUnit0::parse(&p[..0x28]), Err(MpiError::BadReply));
    let mut bad = p.clone();
    bad[6] = 0x13;
    assert_eq!(SasIoUnit0::parse(&bad), Err(MpiError::BadReply));
}

#[test]
fn sas_device_and_phy_pages() {
    // QEMU SAS device page 0 for target 3 with wwn 0x5000c50012345678.
    let mut p = ext_page(0x12, 0, 5, 0x24);
    p[0x0c..0x14].copy_from_slice(&0x5000_c500_1234_5678u64.to_le_bytes());
    p[0x14] = 4; // ParentDevHandle = phy handle 3 + 1
    p[0x16] = 3; // PhyNum
    p[0x18] = 12; // DevHandle 9 + 3
    p[0x1a] = 3; // TargetID
    p[0x1c..0x20].copy_from_slice(&0x401u32.to_le_bytes());
    p[0x20] = 7;
    p[0x22] = 3;
    let d = SasDevice0::parse(&p).unwrap();
    assert_eq!(d.sas_address, 0x5000_c500_1234_5678);
    assert_eq!(
        (
            d.parent_dev_handle,
            d.phy_num,
            d.dev_handle,
            d.target_id,
            d.bus
        ),
        (4, 3, 12, 3, 0)
    );
    assert_eq!((d.flags, d.physical_port), (7, 3));
    assert!(d.is_ssp_end_device());
    p[0x1c] = 0x02; // an edge expander
    assert!(!SasDevice0::parse(&p).unwrap().is_ssp_end_device());
    assert_eq!(SasDevice0::parse(&p[..0x20]), Err(MpiError::BufferTooSmall));

    // SAS phy page 0: the HBA address, attached handle and rates.
    let mut p = ext_page(0x13, 0, 1, 0x24);
    p[0x08] = 9;
    p[0x0c..0x14].copy_from_slice(&0x5254_0000_0000_0100u64.to_le_bytes());
    p[0x14] = 9;
    p[0x18] = 1;
    p[0x1c] = 0x98;
    p[0x1d] = 0x98;
    let s = SasPhy0::parse(&p).unwrap();
    assert_eq!(
        (
            s.owner_dev_handle,
            s.sas_address,
            s.attached_dev_handle,
            s.attached_device_info
        ),
        (9, 0x5254_0000_0000_0100, 9, 1)
    );
    assert_eq!((s.programmed_link_rate, s.hw_link_rate), (0x98, 0x98));
    // SAS phy page 1 counters.
    let mut p = ext_page(0x13, 1, 0, 0x1c);
    p[0x0c] = 1;
    p[0x10] = 2;
    p[0x14] = 3;
    p[0x18] = 4;
    let e = SasPhy1::parse(&p).unwrap();
    assert_eq!(
        [
            e.invalid_dword_count,
            e.running_disparity_error_count,
            e.loss_dword_synch_count,
            e.phy_reset_problem_count
        ],
        [1, 2, 3, 4]
    );
    // Manufacturing page 5 (a normal page): BaseWWID at 4.
    let mut m = vec![0u8; 0x20];
    m[0] = 2;
    m[1] = 8;
    m[2] = 5;
    m[3] = 0x09;
    m[4..12].copy_from_slice(&0x3525_4000_0000_1800u64.to_le_bytes());
    assert_eq!(
        sas_pages::parse_manufacturing_5(&m),
        Ok(0x3525_4000_0000_1800)
    );
    m[2] = 4;
    assert_eq!(
        sas_pages::parse_manufacturing_5(&m),
        Err(MpiError::BadReply)
    );
}

#[test]
fn end_device_addresses_when_qemu_reports_zero() {
    let hba = 0x3525_4000_0000_1800;
    assert_eq!(sas_pages::end_device_address(0x5000_1, hba, 0), 0x5000_1);
    let derived: Vec<u64> = (0..8)
        .map(|i| sas_pages::end_device_address(0, hba, i))
        .collect();
    for (i, a) in derived.iter().enumerate() {
        assert_ne!(*a, hba);
        assert_ne!(*a, 0);
        assert_eq!(derived.iter().filter(|b| *b == a).count(), 1, "phy {i}");
    }
    assert_eq!(derived[0], 0x3525_4001_0000_1800);
}

fn qemu_facts() -> IocFacts {
    let mut r = vec![0u8; 0x50];
    r[2] = 0x14;
    r[3] = 0x03;
    r[0x14] = 34;
    r[0x18] = 128;
    r[0x1a] = 128;
    r[0x24] = 128;
    IocFacts::parse(&r).unwrap()
}

#[test]
fn limits_for_qemu() {
    let budget = Budget {
        max_frame_size: 512,
        max_chains: 4,
        internal_slots: 2,
        max_slots: 1024,
        max_sectors: 8192,
        page_size: 4096,
    };
    let l = limits::compute(&qemu_facts(), &budget).unwrap();
    assert_eq!((l.frame_size, l.reply_frames, l.slots), (512, 128, 127));
    assert_eq!(l.can_queue, 125);
    assert_eq!(l.sg_tablesize, 37 + 3 * 41 + 42);
    assert_eq!(l.max_sectors, 202 * 8);
    // Fewer credits than reply frames bound the slots; the driver's caps
    // bound the rest.
    let mut f = qemu_facts();
    f.global_credits = 32;
    f.max_chain_depth = 0;
    let l = limits::compute(
        &f,
        &Budget {
            max_sectors: 128,
            ..budget
        },
    )
    .unwrap();
    assert_eq!(
        (l.slots, l.can_queue, l.sg_tablesize, l.max_sectors),
        (31, 29, 38, 128)
    );
    let l = limits::compute(
        &qemu_facts(),
        &Budget {
            max_frame_size: 256,
            ..budget
        },
    )
    .unwrap();
    assert_eq!((l.frame_size, l.sgl.main_slots()), (256, 17));
    // No room for a single I/O, or frames too small for an SGL.
    f.global_credits = 3;
    assert_eq!(limits::compute(&f, &budget), Err(MpiError::InvalidParam));
    let mut f = qemu_facts();
    f.request_frame_size = 15;
    assert_eq!(limits::compute(&f, &budget), Err(MpiError::InvalidParam));
}

#[test]
fn garbage_never_panics_and_accepted_values_are_bounded() {
    let mut rng = rng::Rng(0x6d70_7473);
    let mut buf = vec![0u8; 0x80];
    for round in 0..20_000 {
        let len = rng.below(buf.len() as u64 + 1) as usize;
        rng.fill(&mut buf[..len]);
        if round % 3 == 0 && len > 7 {
            buf[3] = 0x0f; // extended page header more often
        }
        let b = &buf[..len];
        let _ = IocFacts::parse(b);
        let _ = event::EventReply::parse(b).map(|e| {
            assert!(e.data_dwords <= len.saturating_sub(0x1c) / 4);
            assert!(e.data(b, e.data_dwords).is_none());
        });
        let _ = task_mgmt::TaskMgmtReply::parse(b);
        let _ = config::ConfigReply::parse(b);
        let _ = SasDevice0::parse(b);
        let _ = SasPhy0::parse(b);
        let _ = sas_pages::parse_manufacturing_5(b);
        if let Ok(u) = SasIoUnit0::parse(b) {
            for i in 0..u.num_phys {
                assert!(u.phy(b, i).is_ok(), "every phy counted is readable");
            }
        }
        if let Ok(r) = ScsiIoReply::parse(b) {
            let c = Completion::from_reply(&r, 4096, 96);
            assert!(c.residual <= 4096 && c.sense_len <= 96);
        }
        let raw = rng.next() as u32;
        let p = FramePool::new(0x8000_0000, 0x50, 128).unwrap();
        if let ReplyDescriptor::Address(a) = ReplyDescriptor::decode(raw) {
            if let Ok(i) = p.index_of(a) {
                assert!(i < 128);
                assert_eq!(p.fifo_word(i), Ok(a));
            }
        }
    }
}
