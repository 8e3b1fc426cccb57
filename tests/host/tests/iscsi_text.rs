// SPDX-License-Identifier: GPL-2.0

//! iSCSI login/text key=value text: parsing, building, the RFC 7143
//! limits, and the typed operational keys.

use orion_scsi_host_tests::iscsi::pdu::{
    keys::{self, Negotiated, Operational, SpecialValue},
    text::{self, Pair, TextError, TextWriter, MAX_KEY_LEN, MAX_LARGE_VALUE_LEN, MAX_VALUE_LEN},
};

fn all(data: &[u8]) -> Result<Vec<(String, String)>, TextError> {
    text::pairs(data)
        .map(|p| p.map(|p| (p.key.to_string(), p.value.to_string())))
        .collect()
}

#[test]
fn parses_a_login_response() {
    let data = b"TargetPortalGroupTag=1\0HeaderDigest=None\0MaxRecvDataSegmentLength=262144\0X-com.example.Foo=a=b\0Empty=\0";
    let got = all(data).unwrap();
    assert_eq!(
        got,
        [
            ("TargetPortalGroupTag", "1"),
            ("HeaderDigest", "None"),
            ("MaxRecvDataSegmentLength", "262144"),
            ("X-com.example.Foo", "a=b"),
            ("Empty", ""),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(text::find(data, "HeaderDigest"), Ok(Some("None")));
    assert_eq!(text::find(data, "DataDigest"), Ok(None));
    assert_eq!(all(b""), Ok(vec![]));
}

#[test]
fn malformed_text_is_rejected_with_the_specific_error() {
    let first_err = |d: &[u8]| text::pairs(d).find_map(|p| p.err());
    assert_eq!(first_err(b"A=1"), Some(TextError::Unterminated));
    assert_eq!(first_err(b"A=1\0B=2"), Some(TextError::Unterminated));
    assert_eq!(first_err(b"A=1\0\0"), Some(TextError::EmptyPair));
    assert_eq!(first_err(b"\0"), Some(TextError::EmptyPair));
    assert_eq!(first_err(b"A\0"), Some(TextError::MissingEquals));
    assert_eq!(first_err(b"=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"abc=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"1A=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"A B=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"A/B=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"X-=1\0"), Some(TextError::BadKey));
    assert_eq!(first_err(b"A=\xff\xfe\0"), Some(TextError::BadValue));
    // The iterator stops after the first error.
    let mut it = text::pairs(b"A\0B=1\0");
    assert_eq!(it.next(), Some(Err(TextError::MissingEquals)));
    assert_eq!(it.next(), None);
    // Allowed key characters and vendor prefixes.
    assert!(all(b"A.b-c+d@e_f9=1\0X#com.example=2\0X-lower=3\0").is_ok());
}

#[test]
fn key_and_value_length_limits() {
    let key63 = format!("K{}", "k".repeat(MAX_KEY_LEN - 1));
    let key64 = format!("K{}", "k".repeat(MAX_KEY_LEN));
    assert!(all(format!("{key63}=1\0").as_bytes()).is_ok());
    assert_eq!(
        all(format!("{key64}=1\0").as_bytes()),
        Err(TextError::KeyTooLong)
    );
    let v255 = "v".repeat(MAX_VALUE_LEN);
    let v256 = "v".repeat(MAX_VALUE_LEN + 1);
    assert!(all(format!("TargetAlias={v255}\0").as_bytes()).is_ok());
    assert_eq!(
        all(format!("TargetAlias={v256}\0").as_bytes()),
        Err(TextError::ValueTooLong)
    );
    // CHAP challenges and responses may be large binary values.
    let chap = format!("0x{}", "ab".repeat(1000));
    assert!(all(format!("CHAP_C={chap}\0").as_bytes()).is_ok());
    let too_big = "a".repeat(MAX_LARGE_VALUE_LEN + 1);
    assert_eq!(
        all(format!("CHAP_R={too_big}\0").as_bytes()),
        Err(TextError::ValueTooLong)
    );
    assert_eq!(text::max_value_len("CHAP_N"), MAX_VALUE_LEN);
}

#[test]
fn split_complete_keeps_a_partial_pair_for_the_next_pdu() {
    let (done, rest) = text::split_complete(b"A=1\0B=2\0Ta");
    assert_eq!((done, rest), (&b"A=1\0B=2\0"[..], &b"Ta"[..]));
    let (done, rest) = text::split_complete(b"A=1\0");
    assert_eq!((done, rest), (&b"A=1\0"[..], &b""[..]));
    let (done, rest) = text::split_complete(b"TargetNa");
    assert_eq!((done, rest), (&b""[..], &b"TargetNa"[..]));
    // Joining the tail with the next PDU's text gives the whole pair.
    let mut joined = rest.to_vec();
    joined.extend_from_slice(b"me=iqn.2003-01.org.linux-iscsi:t1\0");
    assert_eq!(
        all(&joined).unwrap(),
        [(
            "TargetName".to_string(),
            "iqn.2003-01.org.linux-iscsi:t1".to_string()
        )]
    );
}

#[test]
fn writer_builds_nul_terminated_pairs() {
    let mut buf = [0xeeu8; 256];
    let mut w = TextWriter::new(&mut buf);
    w.push("InitiatorName", "iqn.2005-03.org.open-iscsi:x")
        .unwrap();
    w.push("SessionType", "Normal").unwrap();
    w.push_number("MaxBurstLength", 262144).unwrap();
    w.push_bool("ImmediateData", true).unwrap();
    w.push_number("Zero", 0).unwrap();
    w.push_number("Big", u64::MAX).unwrap();
    let expected: &[u8] = b"InitiatorName=iqn.2005-03.org.open-iscsi:x\0SessionType=Normal\0MaxBurstLength=262144\0ImmediateData=Yes\0Zero=0\0Big=18446744073709551615\0";
    assert_eq!(w.written(), expected);
    assert_eq!(w.len(), expected.len());
    let len = w.len();
    assert_eq!(buf[len], 0xee);
}

#[test]
fn writer_refuses_bad_input_and_leaves_the_buffer_unchanged() {
    let mut buf = [0u8; 16];
    let mut w = TextWriter::new(&mut buf);
    w.push("A", "12345").unwrap();
    let before = w.len();
    assert_eq!(w.push("B", "0123456789"), Err(TextError::NoSpace));
    assert_eq!(w.push("b", "1"), Err(TextError::BadKey));
    assert_eq!(w.push("B", "1\u{0}2"), Err(TextError::BadValue));
    assert_eq!(
        w.push("B", &"v".repeat(MAX_VALUE_LEN + 1)),
        Err(TextError::ValueTooLong)
    );
    assert_eq!(w.len(), before);
    // Exactly filling the buffer works.
    w.push("B", "12345").unwrap();
    assert_eq!(w.len(), 16);
    assert_eq!(w.written(), b"A=12345\0B=12345\0");
}

#[test]
fn numbers_follow_the_rfc_syntax() {
    assert_eq!(keys::parse_number("0"), Ok(0));
    assert_eq!(keys::parse_number("262144"), Ok(262144));
    assert_eq!(keys::parse_number("0x40000"), Ok(262144));
    assert_eq!(keys::parse_number("0XfFfF"), Ok(0xffff));
    assert_eq!(keys::parse_number("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(keys::parse_number("0xffffffffffffffff"), Ok(u64::MAX));
    for bad in [
        "",
        "012",
        "0x",
        "0xg",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1e3",
        "18446744073709551616",
        "0x10000000000000000",
        "0b AA==",
    ] {
        assert_eq!(
            keys::parse_number(bad),
            Err(TextError::BadNumber),
            "{bad:?}"
        );
    }
    assert_eq!(keys::parse_bool("Yes"), Ok(true));
    assert_eq!(keys::parse_bool("No"), Ok(false));
    assert_eq!(keys::parse_bool("yes"), Err(TextError::BadBoolean));
    assert_eq!(keys::parse_bool(""), Err(TextError::BadBoolean));
}

#[test]
fn operational_keys_parse_within_their_ranges() {
    use Operational as O;
    let ok = |k, v| O::parse(k, v).unwrap().unwrap();
    assert_eq!(
        ok("MaxRecvDataSegmentLength", "8192"),
        O::MaxRecvDataSegmentLength(8192)
    );
    assert_eq!(
        ok("MaxRecvDataSegmentLength", "512"),
        O::MaxRecvDataSegmentLength(512)
    );
    assert_eq!(
        ok("FirstBurstLength", "16777215"),
        O::FirstBurstLength(16777215)
    );
    assert_eq!(ok("MaxBurstLength", "0x40000"), O::MaxBurstLength(262144));
    assert_eq!(ok("ImmediateData", "No"), O::ImmediateData(false));
    assert_eq!(ok("InitialR2T", "Yes"), O::InitialR2T(true));
    assert_eq!(
        ok("MaxOutstandingR2T", "65535"),
        O::MaxOutstandingR2T(65535)
    );
    assert_eq!(ok("DataPDUInOrder", "Yes"), O::DataPduInOrder(true));
    assert_eq!(
        ok("DataSequenceInOrder", "No"),
        O::DataSequenceInOrder(false)
    );
    assert_eq!(ok("ErrorRecoveryLevel", "2"), O::ErrorRecoveryLevel(2));
    assert_eq!(ok("DefaultTime2Wait", "0"), O::DefaultTime2Wait(0));
    assert_eq!(
        ok("DefaultTime2Retain", "3600"),
        O::DefaultTime2Retain(3600)
    );

    for (k, v) in [
        ("MaxRecvDataSegmentLength", "511"),
        ("MaxRecvDataSegmentLength", "16777216"),
        ("FirstBurstLength", "0"),
        ("MaxBurstLength", "4294967296"),
        ("MaxOutstandingR2T", "0"),
        ("MaxOutstandingR2T", "65536"),
        ("ErrorRecoveryLevel", "3"),
        ("DefaultTime2Wait", "3601"),
        ("DefaultTime2Retain", "0xffffffff"),
    ] {
        assert_eq!(O::parse(k, v), Err(TextError::OutOfRange), "{k}={v}");
    }
    assert_eq!(O::parse("ImmediateData", "1"), Err(TextError::BadBoolean));
    assert_eq!(O::parse("MaxBurstLength", "Yes"), Err(TextError::BadNumber));
    assert_eq!(O::parse("TargetName", "iqn.x"), Ok(None));
    assert_eq!(O::parse("maxburstlength", "512"), Ok(None));
}

#[test]
fn operational_keys_round_trip_through_text() {
    use Operational as O;
    let offer = [
        O::MaxRecvDataSegmentLength(262144),
        O::FirstBurstLength(65536),
        O::MaxBurstLength(16776192),
        O::ImmediateData(true),
        O::InitialR2T(false),
        O::MaxOutstandingR2T(1),
        O::DataPduInOrder(true),
        O::DataSequenceInOrder(true),
        O::ErrorRecoveryLevel(0),
        O::DefaultTime2Wait(2),
        O::DefaultTime2Retain(20),
    ];
    let mut buf = [0u8; 1024];
    let mut w = TextWriter::new(&mut buf);
    for o in offer {
        o.write(&mut w).unwrap();
    }
    let len = w.len();
    let back: Vec<Operational> = text::pairs(&buf[..len])
        .map(|p| match keys::negotiated(p.unwrap()).unwrap() {
            Negotiated::Value(o) => o,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(back, offer);
    assert!(String::from_utf8_lossy(&buf[..len]).contains("DataPDUInOrder=Yes\0"));

    // Out-of-range offers are refused before they reach the wire.
    let mut w = TextWriter::new(&mut buf);
    assert_eq!(
        O::MaxBurstLength(100).write(&mut w),
        Err(TextError::OutOfRange)
    );
    assert_eq!(
        O::ErrorRecoveryLevel(3).write(&mut w),
        Err(TextError::OutOfRange)
    );
    assert_eq!(
        O::MaxOutstandingR2T(0).write(&mut w),
        Err(TextError::OutOfRange)
    );
    assert_eq!(
        O::DefaultTime2Wait(3601).write(&mut w),
        Err(TextError::OutOfRange)
    );
    assert!(w.is_empty());
}

#[test]
fn special_answers_are_recognized_for_any_key() {
    let data = b"InitialR2T=Reject\0X-vendor=NotUnderstood\0OFMarker=Irrelevant\0AuthMethod=None\0";
    let got: Vec<Negotiated<'_>> = text::pairs(data)
        .map(|p| keys::negotiated(p.unwrap()).unwrap())
        .collect();
    assert_eq!(
        got,
        [
            Negotiated::Special {
                key: "InitialR2T",
                answer: SpecialValue::Reject
            },
            Negotiated::Special {
                key: "X-vendor",
                answer: SpecialValue::NotUnderstood
            },
            Negotiated::Special {
                key: "OFMarker",
                answer: SpecialValue::Irrelevant
            },
            Negotiated::Other(Pair {
                key: "AuthMethod",
                value: "None"
            }),
        ]
    );
}
