// SPDX-License-Identifier: GPL-2.0

//! iSCSI framing: AHS (extended CDB, bidirectional read length), padding
//! and the PDU layout with and without digests.

use orion_scsi_host_tests::iscsi::pdu::{
    ahs::{self, Ahs, AhsIter, AhsWriter, CommandAhs, MAX_AHS_LEN, MAX_CDB_LEN},
    bhs::CommonHeader,
    request::{InitiatorSn, ScsiCommand, TaskAttr},
    segment::{pad_len, padded_len, Digests, PduLayout, DIGEST_LEN},
    Field, InitiatorPdu, Lun, PduError, BHS_LEN,
};

#[test]
fn padding_rounds_up_to_four_without_overflow() {
    for (len, pad) in [
        (0usize, 0usize),
        (1, 3),
        (2, 2),
        (3, 1),
        (4, 0),
        (5, 3),
        (8191, 1),
    ] {
        assert_eq!(pad_len(len), pad, "{len}");
        assert_eq!(padded_len(len), Some(len + pad));
    }
    assert_eq!(padded_len(usize::MAX), None);
    assert_eq!(padded_len(usize::MAX - 3), Some(usize::MAX - 3));
    assert_eq!(padded_len(usize::MAX - 2), None);
    assert_eq!(padded_len(usize::MAX & !3), Some(usize::MAX & !3));
}

fn common(ahs_words: u8, data_len: u32) -> CommonHeader {
    let cmd = ScsiCommand {
        immediate: false,
        final_bit: true,
        read: false,
        write: true,
        attr: TaskAttr::Simple,
        ahs_words,
        data_len,
        lun: Lun::default(),
        itt: 1,
        expected_data_len: data_len,
        sn: InitiatorSn {
            cmd_sn: 1,
            exp_stat_sn: 1,
        },
        cdb: [0; 16],
    };
    CommonHeader::parse(&cmd.encode().unwrap()).unwrap()
}

#[test]
fn layout_without_digests() {
    let l = PduLayout::new(&common(0, 5), Digests::default()).unwrap();
    assert_eq!(l.header_len(), Some(BHS_LEN));
    assert_eq!(l.data_offset(), Some(48));
    assert_eq!(l.data_pad_len, 3);
    assert_eq!(l.data_digest_len, 0);
    assert_eq!(l.total_len(), Some(48 + 8));
}

#[test]
fn layout_with_both_digests_and_ahs() {
    let both = Digests {
        header: true,
        data: true,
    };
    let l = PduLayout::new(&common(2, 4097), both).unwrap();
    assert_eq!(l.ahs_offset(), 48);
    assert_eq!(l.ahs_len, 8);
    assert_eq!(l.header_digest_offset(), Some(56));
    assert_eq!(l.header_len(), Some(60));
    assert_eq!(l.data_digest_offset(), Some(60 + 4097 + 3));
    assert_eq!(l.total_len(), Some(60 + 4100 + DIGEST_LEN));

    // No data: no data digest, even when negotiated.
    let l = PduLayout::new(&common(0, 0), both).unwrap();
    assert_eq!(l.data_digest_len, 0);
    assert_eq!(l.total_len(), Some(52));

    // The largest PDU the fields can describe still has a length.
    let l = PduLayout::new(&common(255, 0xff_ffff), both).unwrap();
    assert_eq!(l.total_len(), Some(48 + 1020 + 4 + 0x100_0000 + 4));
}

#[test]
fn long_cdb_goes_into_an_extended_cdb_ahs() {
    let cdb: Vec<u8> = (1..=32u8).collect();
    let (head, rest) = ahs::split_cdb(&cdb).unwrap();
    assert_eq!(&head[..], &cdb[..16]);
    assert_eq!(rest, &cdb[16..]);

    let mut area = [0xeeu8; 64];
    let mut w = AhsWriter::new(&mut area);
    w.extended_cdb(rest).unwrap();
    // AHSLength = 17 (reserved byte + 16 CDB bytes), type 1, reserved 0,
    // then the CDB, padded from 20 to 20 bytes.
    assert_eq!(w.len(), 20);
    assert_eq!(w.total_ahs_words(), 5);
    w.bidi_read_length(0x0102_0304).unwrap();
    assert_eq!(w.len(), 28);
    assert_eq!(w.total_ahs_words(), 7);
    assert_eq!(&area[..4], &[0, 17, 1, 0]);
    assert_eq!(&area[4..20], &cdb[16..]);
    assert_eq!(&area[20..28], &[0, 5, 2, 0, 1, 2, 3, 4]);

    let parsed = CommandAhs::parse(&area[..28]).unwrap();
    assert_eq!(parsed.extended_cdb, Some(&cdb[16..]));
    assert_eq!(parsed.bidi_read_length, Some(0x0102_0304));
}

#[test]
fn extended_cdb_is_padded() {
    // A 17-byte CDB: AHSLength 2, 5 bytes used, padded to 8.
    let cdb = [0x7fu8; 17];
    let (_, rest) = ahs::split_cdb(&cdb).unwrap();
    let mut area = [0xeeu8; 16];
    let mut w = AhsWriter::new(&mut area);
    w.extended_cdb(rest).unwrap();
    assert_eq!(w.len(), 8);
    assert_eq!(area[..8], [0, 2, 1, 0, 0x7f, 0, 0, 0]);
    assert_eq!(
        CommandAhs::parse(&area[..8]).unwrap().extended_cdb,
        Some(&[0x7f][..])
    );
    // A short CDB needs no AHS.
    let (head, rest) = ahs::split_cdb(&[0x12, 0, 0, 0, 36, 0]).unwrap();
    assert_eq!(head[4], 36);
    assert!(rest.is_empty());
    let mut w = AhsWriter::new(&mut area);
    w.extended_cdb(rest).unwrap();
    assert!(w.is_empty());
}

#[test]
fn cdb_length_limits() {
    assert_eq!(ahs::split_cdb(&[]), Err(PduError::BadCdbLength));
    assert!(ahs::split_cdb(&[0; MAX_CDB_LEN]).is_ok());
    assert_eq!(
        ahs::split_cdb(&[0; MAX_CDB_LEN + 1]),
        Err(PduError::BadCdbLength)
    );
    let mut area = [0u8; MAX_AHS_LEN + 64];
    let mut w = AhsWriter::new(&mut area);
    assert_eq!(
        w.extended_cdb(&[0; MAX_CDB_LEN - 15]),
        Err(PduError::BadCdbLength)
    );
    w.extended_cdb(&[0; MAX_CDB_LEN - 16]).unwrap();
    assert_eq!(w.len(), 248);
}

#[test]
fn ahs_writer_respects_buffer_and_255_words() {
    let mut small = [0u8; 12];
    let mut w = AhsWriter::new(&mut small);
    assert_eq!(w.bidi_read_length(1), Ok(()));
    assert_eq!(w.bidi_read_length(1), Err(PduError::Truncated));
    assert_eq!(w.len(), 8); // unchanged by the failure
    assert_eq!(small[8..], [0; 4]);

    let mut big = [0u8; 2048];
    let mut w = AhsWriter::new(&mut big);
    for _ in 0..127 {
        w.bidi_read_length(7).unwrap();
    }
    assert_eq!(w.len(), 1016);
    // 1016 + 8 > 1020: TotalAHSLength could not express it.
    assert_eq!(w.bidi_read_length(7), Err(PduError::BadAhs));
    assert_eq!(w.total_ahs_words(), 254);
}

#[test]
fn command_with_ahs_round_trips_through_the_bhs() {
    let cdb: Vec<u8> = (0..24u8).collect();
    let (head, rest) = ahs::split_cdb(&cdb).unwrap();
    let mut area = [0u8; 64];
    let mut w = AhsWriter::new(&mut area);
    w.extended_cdb(rest).unwrap();
    let cmd = ScsiCommand {
        immediate: false,
        final_bit: true,
        read: true,
        write: false,
        attr: TaskAttr::Ordered,
        ahs_words: w.total_ahs_words(),
        data_len: 0,
        lun: Lun::from_linux(1),
        itt: 3,
        expected_data_len: 512,
        sn: InitiatorSn {
            cmd_sn: 1,
            exp_stat_sn: 1,
        },
        cdb: head,
    };
    let ahs_len = w.len();
    let mut pdu = cmd.encode().unwrap().to_vec();
    pdu.extend_from_slice(&area[..ahs_len]);
    let InitiatorPdu::ScsiCommand(back) = InitiatorPdu::decode(&pdu).unwrap() else {
        panic!()
    };
    assert_eq!(back, cmd);
    let layout = PduLayout::new(
        &CommonHeader::parse(&cmd.encode().unwrap()).unwrap(),
        Digests::default(),
    )
    .unwrap();
    let area = &pdu[layout.ahs_offset()..layout.header_len().unwrap()];
    let parsed = CommandAhs::parse(area).unwrap();
    let mut full = back.cdb.to_vec();
    full.extend_from_slice(parsed.extended_cdb.unwrap());
    assert_eq!(full, cdb);
}

#[test]
fn malformed_ahs_is_rejected() {
    // Declared length past the area.
    assert_eq!(
        CommandAhs::parse(&[0, 9, 1, 0, 1, 2, 3, 4]),
        Err(PduError::BadAhs)
    );
    // Padding past the area: AHSLength 2 needs 8 bytes, 6 given.
    assert_eq!(
        CommandAhs::parse(&[0, 2, 1, 0, 1, 0]),
        Err(PduError::BadAhs)
    );
    // Header cut short.
    assert_eq!(CommandAhs::parse(&[0, 2]), Err(PduError::BadAhs));
    // Extended CDB with only the reserved byte.
    assert_eq!(CommandAhs::parse(&[0, 1, 1, 0]), Err(PduError::BadAhs));
    // Bidi read length with the wrong AHSLength.
    assert_eq!(
        CommandAhs::parse(&[0, 4, 2, 0, 0, 0, 1, 0]),
        Err(PduError::BadAhs)
    );
    // The same AHS twice.
    assert_eq!(
        CommandAhs::parse(&[0, 5, 2, 0, 0, 0, 0, 1, 0, 5, 2, 0, 0, 0, 0, 2]),
        Err(PduError::BadAhs)
    );
    // Reserved types 0 and 3..=63; vendor types are skipped.
    for kind in [0u8, 3, 63] {
        assert_eq!(
            CommandAhs::parse(&[0, 1, kind, 0]),
            Err(PduError::ReservedValue(Field::AhsType))
        );
    }
    assert_eq!(
        CommandAhs::parse(&[0, 1, 64, 0, 0, 5, 2, 0, 0, 0, 0, 9]),
        Ok(CommandAhs {
            extended_cdb: None,
            bidi_read_length: Some(9),
        })
    );
    // The iterator reports the error once, then stops.
    let mut it = AhsIter::new(&[0, 1, 64, 0, 0, 9, 1]);
    assert_eq!(
        it.next(),
        Some(Ok(Ahs {
            kind: 64,
            specific: &[0]
        }))
    );
    assert_eq!(it.next(), Some(Err(PduError::BadAhs)));
    assert_eq!(it.next(), None);
    // An empty area is fine.
    assert_eq!(CommandAhs::parse(&[]), Ok(CommandAhs::default()));
}
