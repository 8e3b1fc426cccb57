// SPDX-License-Identifier: GPL-2.0

//! MPI request builders and reply decoders: bytes at the offsets of the
//! kernel's `fusion/lsi/mpi_ioc.h`, `mpi_init.h` and `mpi_cnfg.h` (struct
//! named per test), the values QEMU's `mptsas1068` answers, and truncated
//! or inconsistent replies rejected.
use orion_scsi_host_tests::mptsas::mpi::sgl::{ChainArea, SglGeometry};
use orion_scsi_host_tests::mptsas::mpi::{
    config, event, facts, init, msg, scsi_io, task_mgmt, MpiError,
};
use orion_scsi_host_tests::proto::cdb::DataDirection;

#[path = "common/rng.rs"]
mod rng;

use rng::{Outcomes, Rng};

fn le16(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}
fn le32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}

/// A reply as QEMU builds it: `MsgLength` dwords, function, context,
/// IOCStatus; the caller fills the rest.
fn reply(len: usize, function: u8, ctx: u32, status: u16) -> Vec<u8> {
    let mut r = vec![0u8; len];
    r[2] = (len / 4) as u8;
    r[3] = function;
    r[8..12].copy_from_slice(&ctx.to_le_bytes());
    r[0x0e..0x10].copy_from_slice(&status.to_le_bytes());
    r
}

#[test]
fn ioc_facts_request_and_qemu_reply() {
    // MSG_IOC_FACTS: Function @3, MsgContext @8, 12 bytes; stale bytes of
    // a reused frame are cleared.
    let mut f = [0xffu8; 16];
    assert_eq!(facts::build_ioc_facts(&mut f, 0x1234_5678), Ok(12));
    assert_eq!(&f[..12], &[0, 0, 0, 3, 0, 0, 0, 0, 0x78, 0x56, 0x34, 0x12]);
    assert_eq!(&f[12..], &[0xff; 4], "nothing written past the message");

    // MSG_IOC_FACTS_REPLY with QEMU's values.
    let mut r = reply(0x50, 0x03, 7, 0);
    r[0..2].copy_from_slice(&0x0105u16.to_le_bytes()); // MsgVersion
    r[0x14] = 34; // MaxChainDepth
    r[0x15] = 4; // WhoInit
    r[0x18..0x1a].copy_from_slice(&128u16.to_le_bytes()); // ReplyQueueDepth
    r[0x1a..0x1c].copy_from_slice(&128u16.to_le_bytes()); // RequestFrameSize
    r[0x1e..0x20].copy_from_slice(&0x2102u16.to_le_bytes()); // ProductID
    r[0x24..0x26].copy_from_slice(&128u16.to_le_bytes()); // GlobalCredits
    r[0x26] = 8; // NumberOfPorts
    r[0x2c..0x2e].copy_from_slice(&0x50u16.to_le_bytes()); // CurReplyFrameSize
    r[0x2e] = 8; // MaxDevices
    r[0x2f] = 1; // MaxBuses
    r[0x38..0x3c].copy_from_slice(&0x0132_9200u32.to_le_bytes()); // FWVersion
    let f = facts::IocFacts::parse(&r).unwrap();
    assert_eq!(
        (f.msg_version, f.max_chain_depth, f.who_init),
        (0x0105, 34, 4)
    );
    assert_eq!(
        (f.reply_queue_depth, f.request_frame_size, f.global_credits),
        (128, 128, 128)
    );
    assert_eq!((f.product_id, f.number_of_ports), (0x2102, 8));
    assert_eq!(
        (
            f.cur_reply_frame_size,
            f.max_devices,
            f.max_buses,
            f.fw_version
        ),
        (0x50, 8, 1, 0x0132_9200)
    );
    assert_eq!(f.ioc_capabilities, 0);

    // Truncated, wrong function, short MsgLength, failed status.
    assert_eq!(
        facts::IocFacts::parse(&r[..0x3c]),
        Err(MpiError::BufferTooSmall)
    );
    let mut bad = r.clone();
    bad[3] = 0x05;
    assert_eq!(facts::IocFacts::parse(&bad), Err(MpiError::BadReply));
    let mut bad = r.clone();
    bad[2] = 0x0c;
    assert_eq!(facts::IocFacts::parse(&bad), Err(MpiError::BadReply));
    let mut bad = r.clone();
    bad[0x0e] = 0x01;
    bad[0x0f] = 0x80; // INVALID_FUNCTION with the log-info flag
    assert_eq!(facts::IocFacts::parse(&bad), Err(MpiError::IocStatus(1)));
    assert_eq!(facts::IocFacts::parse(&[]), Err(MpiError::BufferTooSmall));
}

#[test]
fn port_facts() {
    // MSG_PORT_FACTS: PortNumber @6.
    let mut f = [0u8; 12];
    assert_eq!(facts::build_port_facts(&mut f, 9, 3), Ok(12));
    assert_eq!((f[3], f[6], le32(&f, 8)), (0x05, 3, 9));
    // MSG_PORT_FACTS_REPLY: PortType @15h, MaxDevices @16h, PortSCSIID
    // @18h, ProtocolFlags @1Ah.
    let mut r = reply(0x28, 0x05, 9, 0);
    r[6] = 3;
    r[0x15] = 0x30;
    r[0x16] = 8;
    r[0x18] = 8;
    r[0x1a] = 0x09;
    let p = facts::PortFacts::parse(&r).unwrap();
    assert_eq!(
        (
            p.port_number,
            p.port_type,
            p.max_devices,
            p.port_scsi_id,
            p.protocol_flags
        ),
        (3, 0x30, 8, 8, 9)
    );
    assert!(p.is_sas_initiator());
    r[0x15] = 0; // a port beyond QEMU's 8: inactive
    assert!(!facts::PortFacts::parse(&r).unwrap().is_sas_initiator());
    assert_eq!(
        facts::PortFacts::parse(&r[..0x24]),
        Err(MpiError::BufferTooSmall)
    );
}

#[test]
fn ioc_init_request_and_reply() {
    // MSG_IOC_INIT: WhoInit @0, Function @3, MaxDevices @5, MaxBuses @6,
    // MsgContext @8, ReplyFrameSize @0Ch, HostMfaHighAddr @10h,
    // SenseBufferHighAddr @14h, MsgVersion @28h, HeaderVersion @2Ah.
    let mut f = [0xaau8; 0x30];
    let req = init::IocInit {
        max_devices: 8,
        max_buses: 1,
        reply_frame_size: init::REPLY_FRAME_SIZE,
        host_mfa_high: 0x1,
        sense_buffer_high: 0x2,
    };
    assert_eq!(init::build_ioc_init(&mut f, 5, &req), Ok(0x2c));
    assert_eq!(&f[0..8], &[4, 0, 0, 2, 0, 8, 1, 0]);
    assert_eq!(le32(&f, 8), 5);
    assert_eq!(le16(&f, 0x0c), 0x50);
    assert_eq!((le32(&f, 0x10), le32(&f, 0x14)), (1, 2));
    assert_eq!(
        &f[0x18..0x28],
        &[0; 16],
        "no signalling, no host page buffer"
    );
    assert_eq!((le16(&f, 0x28), le16(&f, 0x2a)), (0x0105, 0x1300));
    // ReplyFrameSize 0 would make QEMU write empty replies; odd sizes and
    // frames too small for a SCSI_IO reply are refused as well.
    for size in [0, 0x20, 0x26] {
        let r = init::IocInit {
            reply_frame_size: size,
            ..req
        };
        assert_eq!(
            init::build_ioc_init(&mut f, 5, &r),
            Err(MpiError::InvalidParam)
        );
    }
    assert_eq!(
        init::build_ioc_init(&mut [0u8; 0x28], 5, &req),
        Err(MpiError::BufferTooSmall)
    );
    // MSG_IOC_INIT_REPLY.
    let mut r = reply(0x14, 0x02, 5, 0);
    r[0] = 4;
    r[5] = 8;
    r[6] = 1;
    assert_eq!(
        init::IocInitReply::parse(&r),
        Ok(init::IocInitReply {
            who_init: 4,
            max_devices: 8,
            max_buses: 1
        })
    );
    assert_eq!(
        init::IocInitReply::parse(&r[..0x10]),
        Err(MpiError::BufferTooSmall)
    );
    // PORT_ENABLE and its default reply.
    let mut f = [0u8; 12];
    assert_eq!(init::build_port_enable(&mut f, 6, 0), Ok(12));
    assert_eq!(f[3], 0x06);
    assert_eq!(
        init::parse_port_enable_reply(&reply(0x14, 0x06, 6, 0)),
        Ok(())
    );
    assert_eq!(
        init::parse_port_enable_reply(&reply(0x14, 0x06, 6, 0x0008)),
        Err(MpiError::IocStatus(8))
    );
}

#[test]
fn event_notification() {
    // MSG_EVENT_NOTIFY: Switch @0.
    let mut f = [0u8; 12];
    assert_eq!(event::build_event_notification(&mut f, 3, true), Ok(12));
    assert_eq!((f[0], f[3]), (1, 0x07));
    // MSG_EVENT_NOTIFY_REPLY as QEMU sends it: EventDataLength 1,
    // MsgFlags continuation, Event 0x0A @14h, Data[0] @1Ch.
    let mut r = reply(0x20, 0x07, 3, 0);
    r[0] = 1;
    r[7] = 0x80;
    r[0x14] = 0x0a;
    r[0x1c] = 1;
    let e = event::EventReply::parse(&r).unwrap();
    assert_eq!(
        (e.event, e.continuation, e.ack_required, e.data_dwords),
        (event::EVENT_EVENT_CHANGE, true, false, 1)
    );
    assert_eq!((e.data(&r, 0), e.data(&r, 1)), (Some(1), None));
    // A data length beyond the reply is bounded by the reply.
    r[0] = 200;
    assert_eq!(event::EventReply::parse(&r).unwrap().data_dwords, 1);
    assert_eq!(
        event::EventReply::parse(&r[..0x1b]),
        Err(MpiError::BufferTooSmall)
    );
}

#[test]
fn scsi_io_request_layout() {
    // MSG_SCSI_IO_REQUEST: TargetID @0, Bus @1, ChainOffset @2, Function
    // @3, CDBLength @4, SenseBufferLength @5, MsgContext @8, LUN @0Ch,
    // Control @14h, CDB @18h, DataLength @28h, SenseBufferLowAddr @2Ch,
    // SGL @30h.
    let g = SglGeometry::new(0x30, 512, 512, 2).unwrap();
    let mut f = vec![0xeeu8; 512];
    let cdb = [0x28, 0, 0, 0, 0, 0x10, 0, 0, 8, 0];
    let io = scsi_io::ScsiIo {
        target: 3,
        bus: 0,
        lun: 1,
        cdb: &cdb,
        dir: DataDirection::FromDevice,
        data_len: 4096,
        sense_addr: 0x1_0000_2000,
        sense_len: 96,
    };
    let sum = scsi_io::build_scsi_io(&mut f, 42, &io, 1, &g, None, 1, [(0x5000, 4096)]).unwrap();
    assert_eq!(sum.frame_bytes, 0x3c);
    assert_eq!(&f[0..8], &[3, 0, 0, 0, 10, 96, 0, 0]);
    assert_eq!(le32(&f, 8), 42);
    assert_eq!(&f[0x0c..0x14], &[0, 1, 0, 0, 0, 0, 0, 0], "LUN 1 in byte 1");
    assert_eq!(le32(&f, 0x14), 0x0200_0000, "read, simple queue");
    assert_eq!(&f[0x18..0x22], &cdb);
    assert_eq!(&f[0x22..0x28], &[0; 6], "CDB padding cleared");
    assert_eq!((le32(&f, 0x28), le32(&f, 0x2c)), (4096, 0x2000));
    assert_eq!(le32(&f, 0x30), 0xd300_1000, "one element, end of list");

    // A chained write: ChainOffset lands in the header.
    let mut chains = vec![0u8; 1024];
    let segs: Vec<(u64, u32)> = (0..40).map(|i| (0x10_0000 + i * 0x1000, 512)).collect();
    let w = scsi_io::ScsiIo {
        dir: DataDirection::ToDevice,
        data_len: 40 * 512,
        cdb: &[0x2a, 0, 0, 0, 0, 0, 0, 0, 40, 0],
        ..io
    };
    let mut area = ChainArea {
        buf: &mut chains,
        dma: 0x2000_0000,
    };
    let sum = scsi_io::build_scsi_io(&mut f, 43, &w, 1, &g, Some(&mut area), 40, segs).unwrap();
    assert_eq!(sum.chains, 1);
    assert_eq!(f[2], sum.chain_offset);
    assert_eq!(usize::from(f[2]) * 4, 0x30 + 37 * 12);
    assert_eq!(le32(&f, 0x14), 0x0100_0000, "write");

    // No data: one empty element, no direction.
    let tur = scsi_io::ScsiIo {
        dir: DataDirection::None,
        data_len: 0,
        cdb: &[0; 6],
        ..io
    };
    scsi_io::build_scsi_io(&mut f, 44, &tur, 1, &g, None, 0, []).unwrap();
    assert_eq!((f[4], le32(&f, 0x14), le32(&f, 0x30)), (6, 0, 0xd300_0000));
}

#[test]
fn scsi_io_errors() {
    let g = SglGeometry::new(0x30, 512, 512, 0).unwrap();
    let mut f = vec![0u8; 512];
    let base = scsi_io::ScsiIo {
        target: 0,
        bus: 0,
        lun: 0,
        cdb: &[0x12, 0, 0, 0, 36, 0],
        dir: DataDirection::FromDevice,
        data_len: 36,
        sense_addr: 0x2000,
        sense_len: 96,
    };
    let one = [(0x4000u64, 36u32)];
    let cases: [(scsi_io::ScsiIo<'_>, usize, MpiError); 8] = [
        (
            scsi_io::ScsiIo { cdb: &[], ..base },
            1,
            MpiError::InvalidCdb,
        ),
        (
            scsi_io::ScsiIo {
                cdb: &[0; 17],
                ..base
            },
            1,
            MpiError::InvalidCdb,
        ),
        (
            scsi_io::ScsiIo {
                dir: DataDirection::None,
                ..base
            },
            1,
            MpiError::InvalidParam,
        ),
        (
            scsi_io::ScsiIo {
                data_len: 0,
                ..base
            },
            1,
            MpiError::InvalidParam,
        ),
        (base, 0, MpiError::NoSegments),
        (
            scsi_io::ScsiIo {
                data_len: 37,
                ..base
            },
            1,
            MpiError::SglTooShort,
        ),
        (
            scsi_io::ScsiIo {
                sense_addr: 0,
                ..base
            },
            1,
            MpiError::BadAddress,
        ),
        // The sense buffer must share IOC_INIT's SenseBufferHighAddr (0).
        (
            scsi_io::ScsiIo {
                sense_addr: 0x1_0000_2000,
                ..base
            },
            1,
            MpiError::BadAddress,
        ),
    ];
    for (io, n, want) in cases {
        let segs = &one[..n];
        assert_eq!(
            scsi_io::build_scsi_io(&mut f, 1, &io, 0, &g, None, n, segs.iter().copied()),
            Err(want),
            "{io:?}"
        );
    }
    assert_eq!(
        scsi_io::build_scsi_io(&mut [0u8; 0x2f], 1, &base, 0, &g, None, 1, one),
        Err(MpiError::BufferTooSmall)
    );
}

/// The one-segment builder the I/O path uses must be the general builder
/// for at most one segment: the same result, the same error, the same
/// bytes, and nothing else set in its buffer.
#[test]
fn one_segment_builder_matches_general_builder() {
    let g = SglGeometry::new(scsi_io::OFF_SGL, 256, 256, 2).unwrap();
    let mut r = Rng(0x6d70_695f_6f6e_6531);
    let mut outcomes = Outcomes::default();
    for _ in 0..200_000 {
        let mut cdb = [0u8; 17];
        let cdb_len = r.cdb(&mut cdb);
        let dir = match r.below(3) {
            0 => DataDirection::None,
            1 => DataDirection::FromDevice,
            _ => DataDirection::ToDevice,
        };
        let small = r.below(8) != 0;
        let data_len = match (dir, small) {
            (DataDirection::None, true) => 0,
            (_, true) => (r.below(8) as u32 + 1) * 512,
            _ => r.num() as u32,
        };
        let sense_high = if small { 0 } else { r.next() as u32 };
        let io = scsi_io::ScsiIo {
            target: r.byte(),
            bus: r.byte(),
            lun: if small { r.below(2) } else { r.num() },
            cdb: &cdb[..cdb_len],
            dir,
            data_len,
            sense_addr: if small {
                r.below(1 << 32) | 0x10
            } else {
                r.num()
            },
            sense_len: r.byte(),
        };
        let sge = match (dir, small) {
            (DataDirection::None, true) => None,
            (_, true) => Some((
                r.below(1 << 40) | 8,
                data_len.max(1) + r.below(2) as u32 * 512,
            )),
            _ if r.below(4) == 0 => None,
            _ => Some((r.num(), r.num() as u32)),
        };
        let count = usize::from(sge.is_some());
        let ctx = r.next() as u32;
        let mut general = [0xa5u8; 256];
        let mut one = [0x5au8; 64];
        let want = scsi_io::build_scsi_io(&mut general, ctx, &io, sense_high, &g, None, count, sge)
            .map(|sum| sum.frame_bytes);
        let got = scsi_io::build_scsi_io_one(&mut one, ctx, &io, sense_high, sge);
        assert_eq!(got, want, "{io:?} {sge:?}");
        if let Ok(n) = want {
            assert_eq!(n, scsi_io::ONE_SGE_BYTES);
            assert_eq!(one[..n], general[..n], "{io:?} {sge:?}");
            assert!(one[n..].iter().all(|&b| b == 0));
        }
        outcomes.count(&want);
    }
    outcomes.assert_both(100_000, 10_000);
}

#[test]
fn task_management() {
    // MSG_SCSI_TASK_MGMT: TargetID @0, Bus @1, Function @3, TaskType @5,
    // LUN @0Ch, TaskMsgContext @30h; 52 bytes.
    let mut f = [0xffu8; 0x40];
    let tm = task_mgmt::TaskMgmt {
        task: task_mgmt::TaskType::AbortTask,
        target: 2,
        bus: 0,
        lun: 1,
        task_context: Some(77),
    };
    assert_eq!(task_mgmt::build_task_mgmt(&mut f, 100, &tm), Ok(0x34));
    assert_eq!(&f[0..8], &[2, 0, 0, 1, 0, 1, 0, 0]);
    assert_eq!(le32(&f, 8), 100);
    assert_eq!(f[0x0d], 1);
    assert_eq!(&f[0x14..0x30], &[0; 28]);
    assert_eq!(le32(&f, 0x30), 77);
    let codes = [
        (task_mgmt::TaskType::AbortTaskSet, 2),
        (task_mgmt::TaskType::TargetReset, 3),
        (task_mgmt::TaskType::ResetBus, 4),
        (task_mgmt::TaskType::LogicalUnitReset, 5),
        (task_mgmt::TaskType::ClearTaskSet, 6),
        (task_mgmt::TaskType::QueryTask, 7),
    ];
    for (t, c) in codes {
        assert_eq!(t.code(), c);
        let ctx = t.needs_task().then_some(1);
        let r = task_mgmt::TaskMgmt {
            task: t,
            task_context: ctx,
            ..tm
        };
        task_mgmt::build_task_mgmt(&mut f, 1, &r).unwrap();
        assert_eq!(f[5], c);
        // The task context is required exactly for ABORT_TASK/QUERY_TASK.
        let wrong = task_mgmt::TaskMgmt {
            task_context: if ctx.is_some() { None } else { Some(1) },
            ..r
        };
        assert_eq!(
            task_mgmt::build_task_mgmt(&mut f, 1, &wrong),
            Err(MpiError::InvalidParam)
        );
    }
    // MSG_SCSI_TASK_MGMT_REPLY: ResponseCode @4, TaskType @5,
    // TerminationCount @14h.
    let mut r = reply(0x18, 0x01, 100, 0);
    r[5] = 1;
    r[0x14] = 1;
    let p = task_mgmt::TaskMgmtReply::parse(&r).unwrap();
    assert_eq!(
        (p.msg_context, p.task_type, p.termination_count),
        (100, 1, 1)
    );
    assert!(p.succeeded() && !p.task_present());
    r[4] = task_mgmt::RSP_TM_SUCCEEDED;
    assert!(task_mgmt::TaskMgmtReply::parse(&r).unwrap().task_present());
    // QEMU's NOT_SUPPORTED and INVALID_LUN come with IOCStatus SUCCESS:
    // still failures.
    for rsp in [
        task_mgmt::RSP_TM_NOT_SUPPORTED,
        task_mgmt::RSP_TM_INVALID_LUN,
    ] {
        r[4] = rsp;
        assert!(!task_mgmt::TaskMgmtReply::parse(&r).unwrap().succeeded());
    }
    r[4] = 0;
    r[0x0e] = 0x43; // DEVICE_NOT_THERE
    assert!(!task_mgmt::TaskMgmtReply::parse(&r).unwrap().succeeded());
    assert_eq!(
        task_mgmt::TaskMgmtReply::parse(&r[..0x14]),
        Err(MpiError::BufferTooSmall)
    );
}

#[test]
fn config_requests_and_replies() {
    // MSG_CONFIG: Action @0, ExtPageLength @4, ExtPageType @6, Header @14h
    // (PageVersion, PageLength, PageNumber, PageType), PageAddress @18h,
    // PageBufferSGE @1Ch; 40 bytes.
    let mut f = [0xffu8; 0x30];
    let addr = config::sas_device_by_handle(9);
    assert_eq!(addr, 0x2000_0009);
    assert_eq!(
        config::build_header_request(&mut f, 11, config::SAS_DEVICE_0, addr),
        Ok(0x28)
    );
    assert_eq!(&f[0..8], &[0, 0, 0, 4, 0, 0, 0x12, 0]);
    assert_eq!(&f[0x14..0x18], &[0, 0, 0, 0x0f]);
    assert_eq!(le32(&f, 0x18), addr);
    assert_eq!(le32(&f, 0x1c), 0xd300_0000, "zero-length SGE");

    // CONFIG_EXTENDED_PAGE_HEADER in the reply: ExtPageLength 9 dwords.
    let mut r = reply(0x18, 0x04, 11, 0);
    r[4] = 9;
    r[6] = 0x12;
    r[0x14] = 5;
    r[0x17] = 0x0f;
    let c = config::ConfigReply::parse(&r).unwrap();
    let h = c.header_for(config::SAS_DEVICE_0).unwrap();
    assert_eq!((h.version, h.length, h.bytes()), (5, 9, 36));
    assert_eq!(c.header_for(config::SAS_PHY_0), Err(MpiError::BadReply));
    config::build_read_request(&mut f, 12, &h, addr, 0x3000, 64).unwrap();
    assert_eq!((f[0], f[0x14], le16(&f, 4), f[6]), (1, 5, 9, 0x12));
    assert_eq!(le32(&f, 0x1c), 0xd300_0024, "SGE of the page's 36 bytes");
    assert_eq!(
        config::build_read_request(&mut f, 12, &h, addr, 0x3000, 32),
        Err(MpiError::BufferTooSmall)
    );
    assert_eq!(
        config::build_read_request(&mut f, 12, &h, addr, 0, 64),
        Err(MpiError::BadAddress)
    );

    // Normal page: the length is the header's PageLength byte.
    config::build_header_request(&mut f, 13, config::MANUFACTURING_5, 0).unwrap();
    assert_eq!((f[6], f[0x17], f[0x16]), (0, 0x09, 5));
    let mut r = reply(0x18, 0x04, 13, 0);
    r[0x15] = 0x0e;
    r[0x16] = 5;
    r[0x17] = 0x09;
    let h = config::ConfigReply::parse(&r)
        .unwrap()
        .header_for(config::MANUFACTURING_5)
        .unwrap();
    assert_eq!(h.bytes(), 56);

    // End of a handle walk, and a type QEMU lacks.
    r[0x0e] = 0x22;
    assert_eq!(
        config::ConfigReply::parse(&r)
            .unwrap()
            .header_for(config::MANUFACTURING_5),
        Err(MpiError::IocStatus(msg::IOCSTATUS_CONFIG_INVALID_PAGE))
    );
    assert_eq!(
        config::ConfigReply::parse(&r[..0x16]),
        Err(MpiError::BufferTooSmall)
    );

    // Page addresses (mpi_cnfg.h *_PGAD_*).
    assert_eq!(
        config::sas_device_next(config::SAS_DEVICE_WALK_START),
        0xffff
    );
    assert_eq!(config::sas_device_by_bus_target(0, 5), 0x1000_0005);
    assert_eq!(config::sas_phy_by_number(7), 7);
}
