// SPDX-License-Identifier: GPL-2.0

//! SCSI message builders and the message-in parser: the bytes of SPI
//! messages (as Linux's `include/scsi/scsi.h` numbers them and QEMU's
//! `lsi53c895a` decodes them), round trips, every error, and a sweep over
//! random bytes.
use orion_scsi_host_tests::lsi::scripts::msg::{self, Extended, Message, MsgError, TagType};

#[test]
fn message_codes() {
    assert_eq!(
        [
            msg::COMMAND_COMPLETE,
            msg::EXTENDED,
            msg::SAVE_DATA_POINTER,
            msg::RESTORE_POINTERS,
            msg::DISCONNECT,
            msg::INITIATOR_DETECTED_ERROR,
            msg::ABORT,
            msg::MESSAGE_REJECT,
            msg::NOP,
            msg::MESSAGE_PARITY_ERROR,
            msg::LINKED_COMMAND_COMPLETE,
            msg::LINKED_COMMAND_COMPLETE_FLAG,
            msg::BUS_DEVICE_RESET,
            msg::ABORT_TAG,
            msg::CLEAR_QUEUE,
        ],
        [
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
            0x0e
        ]
    );
    assert_eq!(
        [
            msg::SIMPLE_QUEUE_TAG,
            msg::HEAD_OF_QUEUE_TAG,
            msg::ORDERED_QUEUE_TAG,
            msg::IGNORE_WIDE_RESIDUE
        ],
        [0x20, 0x21, 0x22, 0x23]
    );
    assert_eq!(
        [
            msg::EXT_MODIFY_DATA_POINTER,
            msg::EXT_SDTR,
            msg::EXT_WDTR,
            msg::EXT_PPR
        ],
        [0, 1, 3, 4]
    );
    assert_eq!(
        [msg::PPR_OPT_IU, msg::PPR_OPT_DT, msg::PPR_OPT_QAS],
        [1, 2, 4]
    );
}

#[test]
fn builders() {
    assert_eq!(msg::identify(0, false), Some(0x80));
    assert_eq!(msg::identify(0, true), Some(0xc0));
    assert_eq!(msg::identify(7, true), Some(0xc7));
    assert_eq!(msg::identify(8, false), None);
    assert_eq!(msg::identify(255, true), None);
    assert_eq!(msg::queue_tag(TagType::Simple, 0x42), [0x20, 0x42]);
    assert_eq!(msg::queue_tag(TagType::HeadOfQueue, 0), [0x21, 0]);
    assert_eq!(msg::queue_tag(TagType::Ordered, 0xff), [0x22, 0xff]);
    // SDTR for fast-20 (period factor 12), offset 16; WDTR 16-bit; PPR DT.
    assert_eq!(msg::sdtr(12, 16), [0x01, 0x03, 0x01, 12, 16]);
    assert_eq!(msg::wdtr(msg::WIDTH_16), [0x01, 0x02, 0x03, 0x01]);
    assert_eq!(
        msg::ppr(9, 31, msg::WIDTH_16, msg::PPR_OPT_DT),
        [0x01, 0x06, 0x04, 9, 0, 31, 1, 2]
    );
}

#[test]
fn builders_round_trip_through_the_parser() {
    for period in [0u8, 10, 12, 25, 255] {
        for offset in [0u8, 1, 16, 31] {
            let m = msg::sdtr(period, offset);
            assert_eq!(
                msg::parse(&m),
                Ok((Message::Extended(Extended::Sdtr { period, offset }), 5))
            );
            let m = msg::ppr(period, offset, 1, 7);
            assert_eq!(
                msg::parse_extended(&m),
                Ok((
                    Extended::Ppr {
                        period,
                        offset,
                        width: 1,
                        options: 7
                    },
                    8
                ))
            );
        }
    }
    for width in 0..3 {
        assert_eq!(
            msg::parse(&msg::wdtr(width)),
            Ok((Message::Extended(Extended::Wdtr { width }), 4))
        );
    }
    for lun in 0..8 {
        for disconnect in [false, true] {
            let b = msg::identify(lun, disconnect).unwrap();
            assert_eq!(
                msg::parse(&[b]),
                Ok((Message::Identify { lun, disconnect }, 1))
            );
        }
    }
    for kind in [TagType::Simple, TagType::HeadOfQueue, TagType::Ordered] {
        assert_eq!(
            msg::parse(&msg::queue_tag(kind, 9)),
            Ok((Message::QueueTag { kind, tag: 9 }, 2))
        );
    }
}

#[test]
fn parses_what_qemu_sends() {
    // Command completion: status phase, then COMMAND COMPLETE.
    assert_eq!(msg::parse(&[0x00]), Ok((Message::CommandComplete, 1)));
    // Disconnect after the command: SAVE DATA POINTER, DISCONNECT.
    let buf = [0x02, 0x04];
    let (m, n) = msg::parse(&buf).unwrap();
    assert_eq!((m, n), (Message::SaveDataPointer, 1));
    assert_eq!(msg::parse(&buf[n..]), Ok((Message::Disconnect, 1)));
    // Reselection of a tagged command: IDENTIFY 0x80, SIMPLE QUEUE TAG.
    let buf = [0x80, 0x20, 0x05];
    let (m, n) = msg::parse(&buf).unwrap();
    assert_eq!(
        m,
        Message::Identify {
            lun: 0,
            disconnect: false
        }
    );
    assert_eq!(
        msg::parse(&buf[n..]),
        Ok((
            Message::QueueTag {
                kind: TagType::Simple,
                tag: 5
            },
            2
        ))
    );
    // Its answer to an unsupported message.
    assert_eq!(msg::parse(&[0x07]), Ok((Message::MessageReject, 1)));
}

#[test]
fn other_messages() {
    assert_eq!(msg::parse(&[0x03]), Ok((Message::RestorePointers, 1)));
    assert_eq!(msg::parse(&[0x08]), Ok((Message::Nop, 1)));
    assert_eq!(
        msg::parse(&[0x0a]),
        Ok((Message::LinkedCommandComplete { flag: false }, 1))
    );
    assert_eq!(
        msg::parse(&[0x0b]),
        Ok((Message::LinkedCommandComplete { flag: true }, 1))
    );
    assert_eq!(msg::parse(&[0x11]), Ok((Message::Other(0x11), 1)));
    assert_eq!(
        msg::parse(&[0x23, 1]),
        Ok((Message::IgnoreWideResidue { count: 1 }, 2))
    );
    assert_eq!(
        msg::parse(&[0x2f, 9]),
        Ok((Message::OtherTwoByte(0x2f, 9), 2))
    );
    // MODIFY DATA POINTER: signed, most significant byte first.
    assert_eq!(
        msg::parse(&[0x01, 0x05, 0x00, 0xff, 0xff, 0xff, 0xfe]),
        Ok((Message::Extended(Extended::ModifyDataPointer(-2)), 7))
    );
    // An unknown extended message is skipped whole.
    assert_eq!(
        msg::parse(&[0x01, 0x02, 0x55, 0xaa, 0x00]),
        Ok((Message::Extended(Extended::Other { code: 0x55 }), 4))
    );
}

#[test]
fn errors() {
    assert_eq!(msg::parse(&[]), Err(MsgError::Truncated { needed: 1 }));
    assert_eq!(msg::length(&[]), Err(MsgError::Truncated { needed: 1 }));
    assert_eq!(msg::parse(&[0x01]), Err(MsgError::Truncated { needed: 2 }));
    assert_eq!(msg::parse(&[0x20]), Err(MsgError::Truncated { needed: 2 }));
    assert_eq!(
        msg::parse(&[0x01, 0x03, 0x01, 12]),
        Err(MsgError::Truncated { needed: 5 })
    );
    // Length byte 0 means 256 bytes follow.
    assert_eq!(msg::length(&[0x01, 0x00]), Ok(258));
    assert_eq!(
        msg::parse(&[0x01, 0x00, 0x01]),
        Err(MsgError::Truncated { needed: 258 })
    );
    // Known codes with the wrong length.
    assert_eq!(
        msg::parse(&[0x01, 0x02, 0x01, 12]),
        Err(MsgError::BadLength { code: 1, len: 2 })
    );
    assert_eq!(
        msg::parse(&[0x01, 0x03, 0x03, 1, 0]),
        Err(MsgError::BadLength { code: 3, len: 3 })
    );
    let mut long = vec![0x01, 0x00, 0x04];
    long.resize(258, 0);
    assert_eq!(
        msg::parse(&long),
        Err(MsgError::BadLength { code: 4, len: 256 })
    );
    long[2] = 0x7f;
    assert_eq!(
        msg::parse(&long),
        Ok((Message::Extended(Extended::Other { code: 0x7f }), 258))
    );
    assert_eq!(msg::parse_extended(&[0x80]), Err(MsgError::NotExtended));
    assert_eq!(
        msg::parse_extended(&[]),
        Err(MsgError::Truncated { needed: 1 })
    );
    // What SCRIPTS read next: one byte, then the length byte, then the rest.
    assert_eq!(msg::length(&[0x00]), Ok(1));
    assert_eq!(msg::length(&[0x21]), Ok(2));
    assert_eq!(msg::length(&[0x01, 0x03]), Ok(5));
}

#[test]
fn parser_never_panics_on_random_bytes() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut buf = [0u8; 300];
    for round in 0..100_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 300) as usize;
        let mut y = x;
        for b in buf.iter_mut().take(len) {
            y = y
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (y >> 56) as u8;
        }
        // Bias towards extended messages with short lengths.
        if round % 3 == 0 && len > 2 {
            buf[0] = msg::EXTENDED;
            buf[1] = (x >> 8) as u8 % 8;
        }
        let b = &buf[..len];
        match msg::parse(b) {
            Ok((m, n)) => {
                assert!(n >= 1 && n <= len, "{m:?} {n} {len}");
                assert_eq!(msg::length(b), Ok(n));
                if let Message::Extended(e) = m {
                    assert_eq!(msg::parse_extended(b), Ok((e, n)));
                }
            }
            Err(MsgError::Truncated { needed }) => assert!(needed > len),
            Err(MsgError::BadLength { code, len: l }) => {
                assert_eq!(b[0], msg::EXTENDED);
                assert!(code <= 4 && l >= 1);
            }
            Err(MsgError::NotExtended) => panic!("parse never says NotExtended"),
        }
        let _ = msg::parse_extended(b);
    }
}
