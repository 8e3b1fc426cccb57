// SPDX-License-Identifier: GPL-2.0

//! iSCSI BHS codec: a round trip for every PDU type, byte-exact layouts
//! hand-computed from RFC 7143's figures, and rejection of malformed
//! headers with the specific error.

use orion_scsi_host_tests::iscsi::pdu::{
    bhs::{CommonHeader, MAX_DATA_SEGMENT_LEN},
    request::*,
    response::*,
    Field, FlagConflict, InitiatorPdu, Lun, Opcode, PduError, TargetPdu, BHS_LEN, RESERVED_TAG,
};

fn sn(stat: u32, exp: u32, max: u32) -> TargetSn {
    TargetSn {
        stat_sn: stat,
        exp_cmd_sn: exp,
        max_cmd_sn: max,
    }
}

fn isn(cmd: u32, exp_stat: u32) -> InitiatorSn {
    InitiatorSn {
        cmd_sn: cmd,
        exp_stat_sn: exp_stat,
    }
}

fn lun3() -> Lun {
    Lun::from_linux(3)
}

fn initiator_samples() -> Vec<InitiatorPdu> {
    vec![
        InitiatorPdu::NopOut(NopOut {
            immediate: true,
            data_len: 0,
            lun: Lun::default(),
            itt: 7,
            ttt: RESERVED_TAG,
            sn: isn(0x1000, 0x2000),
        }),
        InitiatorPdu::NopOut(NopOut {
            immediate: false,
            data_len: 13,
            lun: lun3(),
            itt: RESERVED_TAG,
            ttt: 0x55aa_0001,
            sn: isn(u32::MAX, 0),
        }),
        InitiatorPdu::ScsiCommand(ScsiCommand {
            immediate: false,
            final_bit: true,
            read: true,
            write: false,
            attr: TaskAttr::Simple,
            ahs_words: 0,
            data_len: 0,
            lun: lun3(),
            itt: 0x10,
            expected_data_len: 4096,
            sn: isn(42, 9),
            cdb: [0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0],
        }),
        InitiatorPdu::ScsiCommand(ScsiCommand {
            immediate: true,
            final_bit: false,
            read: true,
            write: true,
            attr: TaskAttr::Aca,
            ahs_words: 5,
            data_len: MAX_DATA_SEGMENT_LEN,
            lun: Lun([0x40, 0x12, 1, 2, 3, 4, 5, 6]),
            itt: u32::MAX - 1,
            expected_data_len: u32::MAX,
            sn: isn(0x8000_0000, 0x7fff_ffff),
            cdb: [0x7f; 16],
        }),
        InitiatorPdu::TaskMgmtRequest(TaskMgmtRequest {
            immediate: true,
            function: TmfFunction::AbortTask,
            lun: lun3(),
            itt: 0x99,
            referenced_task_tag: 0x10,
            sn: isn(43, 10),
            ref_cmd_sn: 42,
            exp_data_sn: 0,
        }),
        InitiatorPdu::TaskMgmtRequest(TaskMgmtRequest {
            immediate: false,
            function: TmfFunction::TaskReassign,
            lun: Lun::default(),
            itt: 1,
            referenced_task_tag: RESERVED_TAG,
            sn: isn(1, 2),
            ref_cmd_sn: 3,
            exp_data_sn: 4,
        }),
        InitiatorPdu::LoginRequest(LoginRequest {
            transit_to: Some(Stage::Operational),
            cont: false,
            current: Stage::Security,
            version_max: 0,
            version_min: 0,
            data_len: 200,
            isid: [0x80, 0, 0x02, 0x3d, 0, 1],
            tsih: 0,
            itt: 0,
            cid: 0,
            sn: isn(1, 0),
        }),
        InitiatorPdu::LoginRequest(LoginRequest {
            transit_to: None,
            cont: true,
            current: Stage::Operational,
            version_max: 0,
            version_min: 0,
            data_len: 8192,
            isid: [1, 2, 3, 4, 5, 6],
            tsih: 0xbeef,
            itt: 5,
            cid: 0xffff,
            sn: isn(1, 77),
        }),
        InitiatorPdu::LoginRequest(LoginRequest {
            transit_to: Some(Stage::FullFeature),
            cont: false,
            current: Stage::Operational,
            version_max: 0,
            version_min: 0,
            data_len: 0,
            isid: [0; 6],
            tsih: 1,
            itt: 6,
            cid: 1,
            sn: isn(2, 78),
        }),
        InitiatorPdu::TextRequest(TextRequest {
            immediate: true,
            final_bit: true,
            cont: false,
            data_len: 16,
            lun: Lun::default(),
            itt: 0x20,
            ttt: RESERVED_TAG,
            sn: isn(5, 6),
        }),
        InitiatorPdu::TextRequest(TextRequest {
            immediate: false,
            final_bit: false,
            cont: true,
            data_len: 4,
            lun: lun3(),
            itt: 0x21,
            ttt: 0x1234,
            sn: isn(5, 6),
        }),
        InitiatorPdu::DataOut(DataOut {
            final_bit: true,
            data_len: 8192,
            lun: lun3(),
            itt: 0x10,
            ttt: 0xabcd,
            exp_stat_sn: 11,
            data_sn: 3,
            buffer_offset: 3 * 8192,
        }),
        InitiatorPdu::LogoutRequest(LogoutRequest {
            immediate: true,
            reason: LogoutReason::CloseSession,
            itt: 0x30,
            cid: 0,
            sn: isn(100, 200),
        }),
        InitiatorPdu::LogoutRequest(LogoutRequest {
            immediate: false,
            reason: LogoutReason::RemoveForRecovery,
            itt: 0x31,
            cid: 2,
            sn: isn(100, 200),
        }),
        InitiatorPdu::Snack(Snack {
            kind: SnackType::DataAck,
            lun: lun3(),
            itt: 0x10,
            ttt_or_snack_tag: 0x44,
            exp_stat_sn: 9,
            beg_run: 12,
            run_length: 0,
        }),
    ]
}

fn target_samples() -> Vec<TargetPdu> {
    vec![
        TargetPdu::NopIn(NopIn {
            data_len: 0,
            lun: Lun::default(),
            itt: RESERVED_TAG,
            ttt: 0x77,
            sn: sn(1, 2, 33),
        }),
        TargetPdu::NopIn(NopIn {
            data_len: 13,
            lun: lun3(),
            itt: 7,
            ttt: RESERVED_TAG,
            sn: sn(u32::MAX, 0, u32::MAX),
        }),
        TargetPdu::ScsiResponse(ScsiResponse {
            response: ScsiResponseCode::Completed,
            status: 0x02,
            bidi_read_residual: Residual::None,
            residual: Residual::Underflow(512),
            data_len: 20,
            itt: 0x10,
            snack_tag: 0,
            sn: sn(9, 43, 70),
            exp_data_sn: 1,
        }),
        TargetPdu::ScsiResponse(ScsiResponse {
            response: ScsiResponseCode::Vendor(0x80),
            status: 0,
            bidi_read_residual: Residual::Overflow(3),
            residual: Residual::Overflow(u32::MAX),
            data_len: 0,
            itt: 0x11,
            snack_tag: 5,
            sn: sn(1, 2, 3),
            exp_data_sn: 0,
        }),
        TargetPdu::ScsiResponse(ScsiResponse {
            response: ScsiResponseCode::TargetFailure,
            status: 0,
            bidi_read_residual: Residual::Underflow(1),
            residual: Residual::None,
            data_len: 0,
            itt: 0x12,
            snack_tag: 0,
            sn: sn(1, 2, 3),
            exp_data_sn: 0,
        }),
        TargetPdu::TaskMgmtResponse(TaskMgmtResponse {
            response: TmfResponseCode::TaskDoesNotExist,
            itt: 0x99,
            sn: sn(10, 44, 80),
        }),
        TargetPdu::TaskMgmtResponse(TaskMgmtResponse {
            response: TmfResponseCode::Rejected,
            itt: 0x98,
            sn: sn(10, 44, 80),
        }),
        TargetPdu::LoginResponse(LoginResponse {
            transit_to: Some(Stage::FullFeature),
            cont: false,
            current: Stage::Operational,
            version_max: 0,
            version_active: 0,
            data_len: 300,
            isid: [0x80, 0, 0x02, 0x3d, 0, 1],
            tsih: 0x0102,
            itt: 6,
            sn: sn(0x1234_5678, 2, 65),
            status_class: 0,
            status_detail: 0,
        }),
        TargetPdu::LoginResponse(LoginResponse {
            transit_to: None,
            cont: true,
            current: Stage::Security,
            version_max: 0,
            version_active: 0,
            data_len: 8192,
            isid: [9; 6],
            tsih: 0,
            itt: 5,
            sn: sn(0, 1, 1),
            status_class: 2,
            status_detail: 1,
        }),
        TargetPdu::TextResponse(TextResponse {
            final_bit: true,
            cont: false,
            data_len: 77,
            lun: Lun::default(),
            itt: 0x20,
            ttt: RESERVED_TAG,
            sn: sn(5, 6, 7),
        }),
        TargetPdu::TextResponse(TextResponse {
            final_bit: false,
            cont: true,
            data_len: 8192,
            lun: Lun::default(),
            itt: 0x21,
            ttt: 0x1234,
            sn: sn(5, 6, 7),
        }),
        TargetPdu::DataIn(DataIn {
            final_bit: false,
            ack: false,
            status: None,
            data_len: 8192,
            lun: Lun::default(),
            itt: 0x10,
            ttt: RESERVED_TAG,
            exp_cmd_sn: 43,
            max_cmd_sn: 70,
            data_sn: 0,
            buffer_offset: 0,
        }),
        TargetPdu::DataIn(DataIn {
            final_bit: true,
            ack: true,
            status: Some(DataInStatus {
                status: 0,
                stat_sn: 9,
                residual: Residual::Underflow(100),
            }),
            data_len: 3996,
            lun: lun3(),
            itt: 0x10,
            ttt: 0x55,
            exp_cmd_sn: 43,
            max_cmd_sn: 70,
            data_sn: 1,
            buffer_offset: 8192,
        }),
        TargetPdu::DataIn(DataIn {
            final_bit: true,
            ack: false,
            status: Some(DataInStatus {
                status: 0x08,
                stat_sn: u32::MAX,
                residual: Residual::Overflow(7),
            }),
            data_len: 0,
            lun: Lun::default(),
            itt: 0x10,
            ttt: RESERVED_TAG,
            exp_cmd_sn: 0,
            max_cmd_sn: 0,
            data_sn: 2,
            buffer_offset: 0,
        }),
        TargetPdu::LogoutResponse(LogoutResponse {
            response: LogoutResponseCode::Closed,
            itt: 0x30,
            sn: sn(200, 101, 130),
            time2wait: 2,
            time2retain: 20,
        }),
        TargetPdu::LogoutResponse(LogoutResponse {
            response: LogoutResponseCode::CleanupFailed,
            itt: 0x31,
            sn: sn(200, 101, 130),
            time2wait: 0xffff,
            time2retain: 0,
        }),
        TargetPdu::R2t(R2t {
            lun: lun3(),
            itt: 0x10,
            ttt: 0xabcd,
            sn: sn(9, 43, 70),
            r2t_sn: 0,
            buffer_offset: 65536,
            desired_len: 262144,
        }),
        TargetPdu::AsyncMessage(AsyncMessage {
            data_len: 0,
            lun: Lun::default(),
            sn: sn(12, 44, 80),
            event: AsyncEvent::RequestLogout,
            vcode: 0,
            param1: 0,
            param2: 0,
            param3: 10,
        }),
        TargetPdu::AsyncMessage(AsyncMessage {
            data_len: 20,
            lun: lun3(),
            sn: sn(12, 44, 80),
            event: AsyncEvent::ScsiEvent,
            vcode: 0,
            param1: 1,
            param2: 2,
            param3: 3,
        }),
        TargetPdu::Reject(Reject {
            reason: 0x04,
            data_len: 48,
            sn: sn(13, 44, 80),
            data_sn_or_r2t_sn: 0,
        }),
    ]
}

#[test]
fn every_initiator_pdu_round_trips() {
    let samples = initiator_samples();
    let mut opcodes: Vec<u8> = Vec::new();
    for pdu in &samples {
        let bhs = pdu.encode().unwrap();
        assert_eq!(InitiatorPdu::decode(&bhs).unwrap(), *pdu, "{pdu:?}");
        // Extra bytes after the BHS (AHS, data) do not matter.
        let mut longer = bhs.to_vec();
        longer.extend_from_slice(&[0xee; 20]);
        assert_eq!(InitiatorPdu::decode(&longer).unwrap(), *pdu);
        // The target-side decoder refuses initiator opcodes.
        assert_eq!(
            TargetPdu::decode(&bhs),
            Err(PduError::WrongSender(bhs[0] & 0x3f))
        );
        opcodes.push(bhs[0] & 0x3f);
    }
    opcodes.sort();
    opcodes.dedup();
    assert_eq!(opcodes, [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10]);
}

#[test]
fn every_target_pdu_round_trips() {
    let samples = target_samples();
    let mut opcodes: Vec<u8> = Vec::new();
    for pdu in &samples {
        let bhs = pdu.encode().unwrap();
        assert_eq!(TargetPdu::decode(&bhs).unwrap(), *pdu, "{pdu:?}");
        assert_eq!(
            InitiatorPdu::decode(&bhs),
            Err(PduError::WrongSender(bhs[0] & 0x3f))
        );
        // Target PDUs never carry the I bit.
        assert_eq!(bhs[0] & 0xc0, 0);
        opcodes.push(bhs[0] & 0x3f);
    }
    opcodes.sort();
    opcodes.dedup();
    assert_eq!(
        opcodes,
        [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f]
    );
}

#[test]
fn common_header_matches_every_sample() {
    for pdu in initiator_samples() {
        let bhs = pdu.encode().unwrap();
        let c = CommonHeader::parse(&bhs).unwrap();
        assert!(c.opcode.is_initiator());
        assert_eq!(c.data_len, u32::from_be_bytes([0, bhs[5], bhs[6], bhs[7]]));
        assert_eq!(c.ahs_words, bhs[4]);
    }
    for pdu in target_samples() {
        let bhs = pdu.encode().unwrap();
        let c = CommonHeader::parse(&bhs).unwrap();
        assert!(!c.opcode.is_initiator());
        assert!(!c.immediate);
    }
}

/// SCSI Command, READ(10) of 8 blocks at LBA 8 to LUN 3, RFC 7143 11.3.
#[test]
fn scsi_command_layout_is_byte_exact() {
    let cmd = ScsiCommand {
        immediate: false,
        final_bit: true,
        read: true,
        write: false,
        attr: TaskAttr::Simple,
        ahs_words: 0,
        data_len: 0,
        lun: Lun::from_linux(3),
        itt: 0x0102_0304,
        expected_data_len: 4096,
        sn: isn(0x0a0b_0c0d, 0x1122_3344),
        cdb: [0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0],
    };
    #[rustfmt::skip]
    let expected: [u8; BHS_LEN] = [
        0x01, 0xc1, 0x00, 0x00,             // opcode, F|R|ATTR=simple, reserved
        0x00, 0x00, 0x00, 0x00,             // TotalAHSLength, DataSegmentLength
        0x00, 0x03, 0, 0, 0, 0, 0, 0,       // LUN 3 (single level)
        0x01, 0x02, 0x03, 0x04,             // ITT
        0x00, 0x00, 0x10, 0x00,             // Expected Data Transfer Length
        0x0a, 0x0b, 0x0c, 0x0d,             // CmdSN
        0x11, 0x22, 0x33, 0x44,             // ExpStatSN
        0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, // CDB
    ];
    assert_eq!(cmd.encode().unwrap(), expected);
}

/// Login Request from SecurityNegotiation to LoginOperational, RFC 7143
/// 11.12: byte 0 is always 0x43 (I bit and opcode 3).
#[test]
fn login_request_layout_is_byte_exact() {
    let req = LoginRequest {
        transit_to: Some(Stage::Operational),
        cont: false,
        current: Stage::Security,
        version_max: 0,
        version_min: 0,
        data_len: 0x0102,
        isid: [0x80, 0x00, 0x02, 0x3d, 0x00, 0x01],
        tsih: 0,
        itt: 0x0000_0001,
        cid: 0x0005,
        sn: isn(1, 0),
    };
    #[rustfmt::skip]
    let expected: [u8; BHS_LEN] = [
        0x43, 0x81, 0x00, 0x00,             // I|0x03, T|CSG=0|NSG=1, Version-max/min
        0x00, 0x00, 0x01, 0x02,             // TotalAHSLength, DataSegmentLength 258
        0x80, 0x00, 0x02, 0x3d, 0x00, 0x01, // ISID
        0x00, 0x00,                         // TSIH
        0x00, 0x00, 0x00, 0x01,             // ITT
        0x00, 0x05, 0x00, 0x00,             // CID, reserved
        0x00, 0x00, 0x00, 0x01,             // CmdSN
        0x00, 0x00, 0x00, 0x00,             // ExpStatSN
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(req.encode().unwrap(), expected);
    // Operational to FullFeature: CSG=1 (0x04), NSG=3.
    let ffp = LoginRequest {
        transit_to: Some(Stage::FullFeature),
        current: Stage::Operational,
        ..req
    };
    assert_eq!(ffp.encode().unwrap()[1], 0x87);
}

/// NOP-Out ping, immediate, RFC 7143 11.18.
#[test]
fn nop_out_layout_is_byte_exact() {
    let nop = NopOut {
        immediate: true,
        data_len: 0,
        lun: Lun::default(),
        itt: 0xdead_beef,
        ttt: RESERVED_TAG,
        sn: isn(0x0000_0100, 0x0000_0200),
    };
    let b = nop.encode().unwrap();
    assert_eq!(&b[..4], &[0x40, 0x80, 0, 0]);
    assert_eq!(
        &b[16..32],
        &[0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0, 0, 0, 2, 0]
    );
    assert!(b[4..16].iter().chain(&b[32..]).all(|&x| x == 0));
}

/// A Data-In with phase-collapsed GOOD status and an underflow, built by
/// hand from RFC 7143 11.7.
#[test]
fn data_in_with_status_decodes_from_hand_made_bytes() {
    let mut b = [0u8; BHS_LEN];
    b[0] = 0x25;
    b[1] = 0x80 | 0x02 | 0x01; // F, U, S
    b[3] = 0x00; // GOOD
    b[5..8].copy_from_slice(&[0x00, 0x02, 0x00]); // 512 bytes
    b[16..20].copy_from_slice(&0x10u32.to_be_bytes());
    b[20..24].copy_from_slice(&RESERVED_TAG.to_be_bytes());
    b[24..28].copy_from_slice(&9u32.to_be_bytes()); // StatSN
    b[28..32].copy_from_slice(&43u32.to_be_bytes()); // ExpCmdSN
    b[32..36].copy_from_slice(&70u32.to_be_bytes()); // MaxCmdSN
    b[36..40].copy_from_slice(&1u32.to_be_bytes()); // DataSN
    b[40..44].copy_from_slice(&512u32.to_be_bytes()); // Buffer Offset
    b[44..48].copy_from_slice(&3072u32.to_be_bytes()); // Residual Count
    let TargetPdu::DataIn(d) = TargetPdu::decode(&b).unwrap() else {
        panic!("not a Data-In");
    };
    assert!(d.final_bit && !d.ack);
    assert_eq!(
        d.status,
        Some(DataInStatus {
            status: 0,
            stat_sn: 9,
            residual: Residual::Underflow(3072),
        })
    );
    assert_eq!((d.data_len, d.data_sn, d.buffer_offset), (512, 1, 512));
    assert_eq!((d.exp_cmd_sn, d.max_cmd_sn), (43, 70));
    assert_eq!(TargetPdu::DataIn(d).cmd_window(), (43, 70));
    assert_eq!(TargetPdu::DataIn(d).encode().unwrap(), b);

    // Without S, byte 3, StatSN, O/U and the residual are reserved: ignored.
    b[1] = 0x80 | 0x04 | 0x02;
    let TargetPdu::DataIn(d) = TargetPdu::decode(&b).unwrap() else {
        panic!("not a Data-In");
    };
    assert_eq!(d.status, None);
}

/// R2T from hand-made bytes, RFC 7143 11.8.
#[test]
fn r2t_decodes_from_hand_made_bytes() {
    #[rustfmt::skip]
    let b: [u8; BHS_LEN] = [
        0x31, 0x80, 0, 0, 0, 0, 0, 0,
        0, 3, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0x10,                      // ITT
        0, 0, 0xab, 0xcd,                   // TTT
        0, 0, 0, 9, 0, 0, 0, 43, 0, 0, 0, 70, // StatSN, ExpCmdSN, MaxCmdSN
        0, 0, 0, 2,                         // R2TSN
        0, 1, 0, 0,                         // Buffer Offset 65536
        0, 4, 0, 0,                         // Desired Data Transfer Length
    ];
    assert_eq!(
        TargetPdu::decode(&b).unwrap(),
        TargetPdu::R2t(R2t {
            lun: Lun::from_linux(3),
            itt: 0x10,
            ttt: 0xabcd,
            sn: sn(9, 43, 70),
            r2t_sn: 2,
            buffer_offset: 65536,
            desired_len: 262144,
        })
    );
}

/// SCSI Response with CHECK CONDITION, residual underflow, RFC 7143 11.4.
#[test]
fn scsi_response_layout_is_byte_exact() {
    let rsp = ScsiResponse {
        response: ScsiResponseCode::Completed,
        status: 0x02,
        bidi_read_residual: Residual::Overflow(0x0102),
        residual: Residual::Underflow(0x0304),
        data_len: 20,
        itt: 0x10,
        snack_tag: 0,
        sn: sn(1, 2, 3),
        exp_data_sn: 4,
    };
    let b = rsp.encode().unwrap();
    assert_eq!(
        &b[..8],
        &[0x21, 0x80 | 0x10 | 0x02, 0x00, 0x02, 0, 0, 0, 20]
    );
    assert_eq!(
        &b[24..48],
        &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 1, 2, 0, 0, 3, 4]
    );
}

#[test]
fn logout_response_and_async_fields_sit_where_the_rfc_puts_them() {
    let b = LogoutResponse {
        response: LogoutResponseCode::CidNotFound,
        itt: 1,
        sn: sn(0, 0, 0),
        time2wait: 0x0102,
        time2retain: 0x0304,
    }
    .encode()
    .unwrap();
    assert_eq!((b[0], b[1], b[2]), (0x26, 0x80, 1));
    assert_eq!(&b[40..44], &[1, 2, 3, 4]);

    let b = AsyncMessage {
        data_len: 0,
        lun: Lun::default(),
        sn: sn(0, 0, 0),
        event: AsyncEvent::DroppingConnection,
        vcode: 0x11,
        param1: 0x2233,
        param2: 0x4455,
        param3: 0x6677,
    }
    .encode()
    .unwrap();
    assert_eq!(&b[16..20], &[0xff; 4]); // ITT is the reserved tag
    assert_eq!(&b[36..44], &[2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);

    let b = Reject {
        reason: 9,
        data_len: 48,
        sn: sn(0, 0, 0),
        data_sn_or_r2t_sn: 0x0a0b0c0d,
    }
    .encode()
    .unwrap();
    assert_eq!((b[0], b[1], b[2]), (0x3f, 0x80, 9));
    assert_eq!(&b[16..20], &[0xff; 4]);
    assert_eq!(&b[36..40], &[0x0a, 0x0b, 0x0c, 0x0d]);
}

#[test]
fn tmf_and_logout_put_their_codes_in_byte_1() {
    let b = TaskMgmtRequest {
        immediate: true,
        function: TmfFunction::LogicalUnitReset,
        lun: Lun::from_linux(1),
        itt: 2,
        referenced_task_tag: RESERVED_TAG,
        sn: isn(3, 4),
        ref_cmd_sn: 0,
        exp_data_sn: 0,
    }
    .encode()
    .unwrap();
    assert_eq!(&b[..2], &[0x42, 0x85]);
    assert_eq!(&b[20..24], &[0xff; 4]);

    let b = LogoutRequest {
        immediate: true,
        reason: LogoutReason::CloseConnection,
        itt: 2,
        cid: 0x0304,
        sn: isn(0, 0),
    }
    .encode()
    .unwrap();
    assert_eq!(&b[..2], &[0x46, 0x81]);
    assert_eq!(&b[20..22], &[3, 4]);
}

#[test]
fn lun_matches_linux_int_to_scsilun() {
    assert_eq!(Lun::from_linux(0).0, [0; 8]);
    assert_eq!(Lun::from_linux(5).0, [0, 5, 0, 0, 0, 0, 0, 0]);
    assert_eq!(Lun::from_linux(0x4001).0, [0x40, 0x01, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        Lun::from_linux(0x1122_3344_5566_7788).0,
        [0x77, 0x88, 0x55, 0x66, 0x33, 0x44, 0x11, 0x22]
    );
    for lun in [0u64, 1, 255, 256, 0x4001, u64::MAX, 0x0123_4567_89ab_cdef] {
        assert_eq!(Lun::from_linux(lun).to_linux(), lun);
    }
}

#[test]
fn short_input_is_truncated() {
    let bhs = initiator_samples()[0].encode().unwrap();
    for len in 0..BHS_LEN {
        assert_eq!(InitiatorPdu::decode(&bhs[..len]), Err(PduError::Truncated));
        assert_eq!(TargetPdu::decode(&bhs[..len]), Err(PduError::Truncated));
    }
}

#[test]
fn undefined_opcodes_are_rejected() {
    let defined = [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
        0x31, 0x32, 0x3f,
    ];
    for op in 0u8..0x40 {
        let mut b = [0u8; BHS_LEN];
        b[0] = op;
        let r = Opcode::from_byte0(op);
        if defined.contains(&op) {
            assert_eq!(r.unwrap().value(), op);
        } else {
            assert_eq!(r, Err(PduError::UnknownOpcode(op)));
            assert_eq!(TargetPdu::decode(&b), Err(PduError::UnknownOpcode(op)));
            assert_eq!(InitiatorPdu::decode(&b), Err(PduError::UnknownOpcode(op)));
        }
    }
    // Vendor-specific initiator opcodes are not supported either.
    assert_eq!(Opcode::from_byte0(0x1c), Err(PduError::UnknownOpcode(0x1c)));
    // The I bit and the reserved top bit do not change the opcode.
    assert_eq!(Opcode::from_byte0(0xc1), Ok(Opcode::ScsiCommand));
}

fn target_bhs(op: u8, flags: u8) -> [u8; BHS_LEN] {
    let mut b = [0u8; BHS_LEN];
    b[0] = op;
    b[1] = flags;
    b
}

#[test]
fn reserved_values_in_defined_fields_are_rejected() {
    // TMF response code 7.
    let mut b = target_bhs(0x22, 0x80);
    b[2] = 7;
    assert_eq!(
        TargetPdu::decode(&b),
        Err(PduError::ReservedValue(Field::TmfResponse))
    );
    // Logout response code 4.
    let mut b = target_bhs(0x26, 0x80);
    b[2] = 4;
    assert_eq!(
        TargetPdu::decode(&b),
        Err(PduError::ReservedValue(Field::LogoutResponse))
    );
    // SCSI Response code 2 and 0x7f are reserved; 0x80 is vendor.
    for (code, ok) in [(2u8, false), (0x7f, false), (0x80, true), (0xff, true)] {
        let mut b = target_bhs(0x21, 0x80);
        b[2] = code;
        let r = TargetPdu::decode(&b);
        if ok {
            assert!(r.is_ok());
        } else {
            assert_eq!(r, Err(PduError::ReservedValue(Field::ScsiResponse)));
        }
    }
    // AsyncEvent 5.
    let mut b = target_bhs(0x32, 0x80);
    b[36] = 5;
    assert_eq!(
        TargetPdu::decode(&b),
        Err(PduError::ReservedValue(Field::AsyncEvent))
    );
    // Login stage 2 in CSG, and in NSG with T.
    assert_eq!(
        TargetPdu::decode(&target_bhs(0x23, 0x08)),
        Err(PduError::ReservedValue(Field::LoginStage))
    );
    assert_eq!(
        TargetPdu::decode(&target_bhs(0x23, 0x80 | 0x02)),
        Err(PduError::ReservedValue(Field::LoginStage))
    );
    // Without T, NSG is reserved and ignored.
    let TargetPdu::LoginResponse(l) = TargetPdu::decode(&target_bhs(0x23, 0x02)).unwrap() else {
        panic!()
    };
    assert_eq!(l.transit_to, None);
    // TMF function 0 and 9, task attribute 5, logout reason 3, SNACK 4.
    for (op, flags, field) in [
        (0x02, 0x80, Field::TmfFunction),
        (0x02, 0x89, Field::TmfFunction),
        (0x01, 0x85, Field::TaskAttribute),
        (0x06, 0x83, Field::LogoutReason),
        (0x10, 0x84, Field::SnackType),
    ] {
        assert_eq!(
            InitiatorPdu::decode(&target_bhs(op, flags)),
            Err(PduError::ReservedValue(field)),
            "op {op:#x}"
        );
    }
}

#[test]
fn forbidden_flag_combinations_are_rejected() {
    use FlagConflict::*;
    let target = [
        (0x23, 0xc0 | 0x05, TransitWithContinue),  // Login T and C
        (0x24, 0xc0, FinalWithContinue),           // Text F and C
        (0x25, 0x01, StatusWithoutFinal),          // Data-In S without F
        (0x25, 0x80 | 0x07, OverflowAndUnderflow), // Data-In O and U
        (0x21, 0x80 | 0x06, OverflowAndUnderflow), // SCSI Response O and U
        (0x21, 0x80 | 0x18, OverflowAndUnderflow), // SCSI Response o and u
    ];
    for (op, flags, want) in target {
        assert_eq!(
            TargetPdu::decode(&target_bhs(op, flags)),
            Err(PduError::Conflict(want)),
            "op {op:#x} flags {flags:#x}"
        );
    }
    let initiator = [
        (0x43, 0xc0 | 0x01, TransitWithContinue), // Login T and C
        (0x04, 0xc0, FinalWithContinue),          // Text F and C
    ];
    for (op, flags, want) in initiator {
        assert_eq!(
            InitiatorPdu::decode(&target_bhs(op, flags)),
            Err(PduError::Conflict(want)),
            "op {op:#x} flags {flags:#x}"
        );
    }

    // The encoders refuse the same combinations.
    let conflict = PduError::Conflict;
    let login = LoginRequest {
        transit_to: Some(Stage::Operational),
        cont: true,
        current: Stage::Security,
        version_max: 0,
        version_min: 0,
        data_len: 0,
        isid: [0; 6],
        tsih: 0,
        itt: 0,
        cid: 0,
        sn: isn(0, 0),
    };
    assert_eq!(
        login.encode().unwrap_err(),
        conflict(FlagConflict::TransitWithContinue)
    );
    let text = TextRequest {
        immediate: false,
        final_bit: true,
        cont: true,
        data_len: 0,
        lun: Lun::default(),
        itt: 0,
        ttt: RESERVED_TAG,
        sn: isn(0, 0),
    };
    assert_eq!(
        text.encode().unwrap_err(),
        conflict(FlagConflict::FinalWithContinue)
    );
    let data_in = DataIn {
        final_bit: false,
        ack: false,
        status: Some(DataInStatus {
            status: 0,
            stat_sn: 0,
            residual: Residual::None,
        }),
        data_len: 0,
        lun: Lun::default(),
        itt: 0,
        ttt: RESERVED_TAG,
        exp_cmd_sn: 0,
        max_cmd_sn: 0,
        data_sn: 0,
        buffer_offset: 0,
    };
    assert_eq!(
        data_in.encode().unwrap_err(),
        conflict(FlagConflict::StatusWithoutFinal)
    );
    let rsp = ScsiResponse {
        response: ScsiResponseCode::Vendor(0x7f),
        status: 0,
        bidi_read_residual: Residual::None,
        residual: Residual::None,
        data_len: 0,
        itt: 0,
        snack_tag: 0,
        sn: sn(0, 0, 0),
        exp_data_sn: 0,
    };
    assert_eq!(
        rsp.encode(),
        Err(PduError::ReservedValue(Field::ScsiResponse))
    );
}

#[test]
fn segments_where_the_pdu_has_none_are_rejected() {
    // Data on TMF request/response, Logout request/response, R2T, SNACK.
    for op in [0x02u8, 0x06, 0x10] {
        let mut b = target_bhs(op, 0x81);
        b[7] = 4;
        assert_eq!(InitiatorPdu::decode(&b), Err(PduError::UnexpectedData));
    }
    for op in [0x22u8, 0x26, 0x31] {
        let mut b = target_bhs(op, 0x80);
        b[7] = 1;
        assert_eq!(TargetPdu::decode(&b), Err(PduError::UnexpectedData));
    }
    // AHS anywhere but on a SCSI Command.
    for op in [0x00u8, 0x04, 0x05, 0x06] {
        let mut b = target_bhs(op, 0x80);
        b[4] = 1;
        assert_eq!(InitiatorPdu::decode(&b), Err(PduError::UnexpectedAhs));
    }
    for op in [0x20u8, 0x21, 0x22, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f] {
        let mut b = target_bhs(op, 0x80);
        b[4] = 1;
        assert_eq!(
            TargetPdu::decode(&b),
            Err(PduError::UnexpectedAhs),
            "{op:#x}"
        );
    }
    let mut b = target_bhs(0x01, 0x81);
    b[4] = 255;
    assert!(InitiatorPdu::decode(&b).is_ok());
}

#[test]
fn oversized_data_segment_length_is_refused_by_encoders() {
    let nop = NopOut {
        immediate: false,
        data_len: MAX_DATA_SEGMENT_LEN + 1,
        lun: Lun::default(),
        itt: 0,
        ttt: RESERVED_TAG,
        sn: isn(0, 0),
    };
    assert_eq!(nop.encode(), Err(PduError::DataSegmentTooLong));
    let nop = NopOut {
        data_len: u32::MAX,
        ..nop
    };
    assert_eq!(nop.encode(), Err(PduError::DataSegmentTooLong));
}

#[test]
fn reserved_bits_and_fields_are_ignored_on_receipt() {
    // NOP-In with garbage in the reserved bytes 36..48 and byte 2..4.
    let pdu = target_samples()[0];
    let mut b = pdu.encode().unwrap();
    b[0] |= 0x80; // reserved top bit
    b[2] = 0xaa;
    b[3] = 0x55;
    b[36..48].fill(0xcc);
    assert_eq!(TargetPdu::decode(&b).unwrap(), pdu);
}

#[test]
fn scsi_response_data_splits_sense_and_response() {
    // SenseLength 18, fixed-format sense (ILLEGAL REQUEST), then 2 bytes.
    let mut data = vec![0, 18, 0x70, 0, 0x05];
    data.extend_from_slice(&[0; 15]);
    data.extend_from_slice(&[0xaa, 0xbb]);
    let r = ResponseData::parse(&data).unwrap();
    assert_eq!(r.sense.len(), 18);
    assert_eq!(&r.sense[..3], &[0x70, 0, 0x05]);
    assert_eq!(r.response, &[0xaa, 0xbb]);

    assert_eq!(
        ResponseData::parse(&[]),
        Ok(ResponseData {
            sense: &[],
            response: &[]
        })
    );
    assert_eq!(ResponseData::parse(&[0, 0]).unwrap().sense, &[] as &[u8]);
    assert_eq!(ResponseData::parse(&[0]), Err(PduError::Truncated));
    assert_eq!(ResponseData::parse(&[0, 3, 1, 2]), Err(PduError::Truncated));
    assert_eq!(ResponseData::parse(&[0xff, 0xff]), Err(PduError::Truncated));
}

#[test]
fn reject_carries_the_rejected_header() {
    let rejected = initiator_samples()[2].encode().unwrap();
    let mut data = rejected.to_vec();
    data.extend_from_slice(&[1, 2, 3, 4]); // vendor data may follow
    let header = Reject::rejected_header(&data).unwrap();
    let InitiatorPdu::ScsiCommand(cmd) = InitiatorPdu::decode(header).unwrap() else {
        panic!()
    };
    assert_eq!(cmd.itt, 0x10);
    assert_eq!(
        Reject::rejected_header(&data[..47]),
        Err(PduError::Truncated)
    );
}

#[test]
fn opcode_table_matches_the_wire_values() {
    for op in Opcode::ALL {
        assert_eq!(Opcode::from_byte0(op.value() | 0xc0), Ok(op));
    }
    for v in 0..=0x3fu8 {
        let defined = Opcode::ALL.iter().any(|o| o.value() == v);
        assert_eq!(Opcode::from_byte0(v).is_ok(), defined, "{v:#x}");
        if !defined {
            assert_eq!(Opcode::from_byte0(v), Err(PduError::UnknownOpcode(v)));
        }
    }
}
