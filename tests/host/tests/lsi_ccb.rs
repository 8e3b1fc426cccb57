// SPDX-License-Identifier: GPL-2.0
//! The CCB header builder (`drivers/lsi/scripts/ccb.rs`): where the
//! scatter-gather entries go, what the header holds, and what it refuses.

use orion_scsi_host_tests::lsi::scripts::{
    ccb::{header, sg_entry, DataMoves, Job},
    layout as l,
    program::Labels,
};

/// A job with a one-byte message, a 6-byte CDB and no data.
const NO_DATA: Job<'static> = Job {
    id: 0,
    msgout: &[0x80],
    cdb: &[0; 6],
    xfer: 0,
    flags: 0,
    data: DataMoves::None,
};

fn labels() -> Labels {
    Labels {
        select: 0x1000,
        resume: 0x1100,
        overrun: 0x1200,
        data_in_end: 0x2000,
        data_out_end: 0x3000,
        ..Labels::default()
    }
}

#[test]
fn sg_entries_fill_the_end_of_the_table() {
    let last = l::CCB_SG + (l::SG_ENTRIES as u32 - 1) * l::SG_ENTRY_LEN;
    assert_eq!(sg_entry(1, 0), Some(last));
    assert_eq!(sg_entry(3, 0), Some(last - 2 * l::SG_ENTRY_LEN));
    assert_eq!(sg_entry(3, 2), Some(last));
    assert_eq!(sg_entry(l::SG_ENTRIES, 0), Some(l::CCB_SG));
    assert_eq!(sg_entry(3, 3), None);
    assert_eq!(sg_entry(l::SG_ENTRIES + 1, 0), None);
    assert_eq!(sg_entry(0, 0), None);
}

#[test]
fn header_of_a_tagged_read() {
    let lb = labels();
    let bus = 0x10_0000;
    let msgout = [0xc0, 0x20, 5];
    let cdb = [0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0];
    let job = Job {
        id: 5,
        msgout: &msgout,
        cdb: &cdb,
        xfer: 4096,
        flags: l::FLAG_NEGOTIATE,
        data: DataMoves::In(2),
    };
    let h = header(&lb, bus, &job).unwrap();
    let w = |off| l::get_u32(&h, off).unwrap();
    assert_eq!(w(l::CCB_GO_START), lb.select);
    assert_eq!(w(l::CCB_GO_RESTART), lb.resume);
    assert_eq!(w(l::CCB_GOALP), lb.overrun);
    // The data pointer starts at the first of the array's last two moves.
    assert_eq!(w(l::CCB_SAVEP), lb.data_in_end - 16);
    assert_eq!(w(l::CCB_LASTP), lb.data_in_end - 16);
    assert_eq!(w(l::CCB_SELECT), l::select_dword(5, 0, 0));
    assert_eq!(w(l::CCB_MSGOUT_TBL), 3);
    assert_eq!(w(l::CCB_MSGOUT_TBL + 4), bus + l::CCB_MSGOUT);
    assert_eq!(w(l::CCB_CMD_TBL), 10);
    assert_eq!(w(l::CCB_CMD_TBL + 4), bus + l::CCB_CDB);
    assert_eq!(w(l::CCB_STATUS_TBL + 4), bus + l::CCB_STATUS_BYTE);
    assert_eq!(w(l::CCB_MSGIN_TBL + 4), bus + l::CCB_MSGIN);
    assert_eq!(w(l::CCB_EXTIN_TBL + 4), bus + l::CCB_MSGIN + 1);
    assert_eq!(h[l::CCB_STATUS_BYTE as usize], 0xff);
    assert_eq!(w(l::CCB_STATUS), 0, "not done");
    assert_eq!(w(l::CCB_FLAGS), l::FLAG_NEGOTIATE);
    assert_eq!(w(l::CCB_XFER_LEN), 4096);
    let mo = l::CCB_MSGOUT as usize;
    assert_eq!(&h[mo..mo + 3], &msgout);
    let co = l::CCB_CDB as usize;
    assert_eq!(&h[co..co + 10], &cdb);
}

#[test]
fn data_pointer_by_direction() {
    let lb = labels();
    let mut job = NO_DATA;
    let savep = |job: &Job<'_>| l::get_u32(&header(&lb, 0, job).unwrap(), l::CCB_SAVEP);
    assert_eq!(
        savep(&job),
        Some(lb.overrun),
        "no data: straight to the overrun stub"
    );
    job.data = DataMoves::Out(1);
    assert_eq!(savep(&job), Some(lb.data_out_end - 8));
    job.data = DataMoves::In(l::SG_ENTRIES);
    assert_eq!(savep(&job), Some(lb.data_in_end - 8 * l::SG_ENTRIES as u32));
}

#[test]
fn what_does_not_fit_is_refused() {
    let lb = labels();
    let long_msg = [0u8; l::MSGOUT_LEN + 1];
    let long_cdb = [0u8; l::CDB_LEN + 1];
    let ok = NO_DATA;
    assert!(header(&lb, 0, &ok).is_some());
    assert!(header(
        &lb,
        0,
        &Job {
            msgout: &long_msg,
            ..ok
        }
    )
    .is_none());
    assert!(header(
        &lb,
        0,
        &Job {
            cdb: &long_cdb,
            ..ok
        }
    )
    .is_none());
    let too_many = DataMoves::In(l::SG_ENTRIES + 1);
    assert!(header(
        &lb,
        0,
        &Job {
            data: too_many,
            ..ok
        }
    )
    .is_none());
    // A CCB address whose table entries would wrap.
    assert!(header(&lb, u32::MAX - 8, &ok).is_none());
}
