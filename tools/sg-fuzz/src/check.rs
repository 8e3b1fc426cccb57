// SPDX-License-Identifier: GPL-2.0

//! The checks on each reply: the ioctl's result, a defined SAM status,
//! known host and driver status values, well-formed sense with CHECK
//! CONDITION, a residual within the buffer, no more data than the CDB
//! allowed, and nothing written outside the data and sense buffers.

use crate::buffer::{GuardHit, Side};
use crate::cdb::hex;
use crate::generate::Case;
use crate::sense::{self, SenseError, SenseInfo, KEY_NAMES};
use crate::sgio::{NodeKind, Reply};
use std::fmt;

/// SAM status codes (SAM-5), the ones a device may return.
pub const STATUS_NAMES: &[(u8, &str)] = &[
    (0x00, "GOOD"),
    (0x02, "CHECK CONDITION"),
    (0x04, "CONDITION MET"),
    (0x08, "BUSY"),
    (0x18, "RESERVATION CONFLICT"),
    (0x28, "TASK SET FULL"),
    (0x30, "ACA ACTIVE"),
    (0x40, "TASK ABORTED"),
];

/// `DID_*` (include/scsi/scsi_status.h).
pub const HOST_NAMES: &[(u16, &str)] = &[
    (0x00, "DID_OK"),
    (0x01, "DID_NO_CONNECT"),
    (0x02, "DID_BUS_BUSY"),
    (0x03, "DID_TIME_OUT"),
    (0x04, "DID_BAD_TARGET"),
    (0x05, "DID_ABORT"),
    (0x06, "DID_PARITY"),
    (0x07, "DID_ERROR"),
    (0x08, "DID_RESET"),
    (0x09, "DID_BAD_INTR"),
    (0x0A, "DID_PASSTHROUGH"),
    (0x0B, "DID_SOFT_ERROR"),
    (0x0C, "DID_IMM_RETRY"),
    (0x0D, "DID_REQUEUE"),
    (0x0E, "DID_TRANSPORT_DISRUPTED"),
    (0x0F, "DID_TRANSPORT_FAILFAST"),
    (0x14, "DID_TRANSPORT_MARGINAL"),
];

/// `DID_TIME_OUT`: the command did not complete within the SG_IO timeout.
const DID_TIME_OUT: u16 = 0x03;
/// `DRIVER_SENSE`, the only driver status a 7.x kernel reports.
const DRIVER_SENSE: u16 = 0x08;

/// Name of a status byte.
pub fn status_name(s: u8) -> Option<&'static str> {
    STATUS_NAMES.iter().find(|(v, _)| *v == s).map(|(_, n)| *n)
}

/// Name of a host status.
pub fn host_name(h: u16) -> Option<&'static str> {
    HOST_NAMES.iter().find(|(v, _)| *v == h).map(|(_, n)| *n)
}

/// What the checks know about the path to the device.
#[derive(Clone, Copy, Debug)]
pub struct Path {
    /// sg or block device node.
    pub node: NodeKind,
    /// The queue's largest transfer (`max_hw_sectors_kb`), if known.
    pub max_hw_bytes: Option<usize>,
    /// Check the transferred bytes against the CDB's allocation length.
    pub transfer_check: bool,
    /// The medium cannot fail (a RAM disk, a disk image): MEDIUM ERROR and
    /// HARDWARE ERROR are wrong answers.
    pub healthy: bool,
}

/// How a reply is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// GOOD, host DID_OK.
    Good,
    /// CHECK CONDITION (with the sense key, when there is one).
    Check(Option<u8>),
    /// Another status byte.
    Status(u8),
    /// A host status other than DID_OK.
    Host(u16),
    /// The kernel refused the request with an expected errno.
    Refused(i32),
    /// The ioctl failed with an unexpected errno.
    Errno(i32),
}

/// Something wrong with a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The ioctl failed with an errno the request does not explain.
    UnexpectedErrno(i32),
    /// A status byte SAM does not define (or only as obsolete).
    UndefinedStatus(u8),
    /// `masked_status` is not `status >> 1`.
    MaskedStatus { status: u8, masked: u8 },
    /// A host status the kernel does not define.
    UnknownHost(u16),
    /// DID_TIME_OUT: the command hung past the SG_IO timeout.
    TimedOut,
    /// A driver status other than 0 and DRIVER_SENSE.
    UnknownDriver(u16),
    /// More sense bytes written than `mx_sb_len`.
    SenseTooLong { written: u8, max: u8 },
    /// A sense byte past `sb_len_wr` changed.
    SenseGuard(usize),
    /// CHECK CONDITION without sense data.
    NoSense,
    /// Malformed sense data.
    Sense(SenseError),
    /// A field pointer into the CDB past its end.
    FieldBeyondCdb { byte: u16, len: usize },
    /// `resid` outside `0..=dxfer_len`.
    Resid { resid: i32, len: usize },
    /// More bytes came back (GOOD status) than the CDB's allocation length
    /// allows.
    OverAllocation { transferred: usize, limit: usize },
    /// A guard byte around the data buffer changed.
    DataGuard(GuardHit),
    /// MEDIUM ERROR or HARDWARE ERROR from a device that cannot have them.
    DeviceError { key: u8, asc: Option<(u8, u8)> },
}

impl Problem {
    /// Short name, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::UnexpectedErrno(_) => "unexpected errno",
            Problem::UndefinedStatus(_) => "undefined status",
            Problem::MaskedStatus { .. } => "masked status mismatch",
            Problem::UnknownHost(_) => "unknown host status",
            Problem::TimedOut => "timed out",
            Problem::UnknownDriver(_) => "unknown driver status",
            Problem::SenseTooLong { .. } => "sense longer than mx_sb_len",
            Problem::SenseGuard(_) => "sense written past sb_len_wr",
            Problem::NoSense => "check condition without sense",
            Problem::Sense(_) => "malformed sense",
            Problem::FieldBeyondCdb { .. } => "field pointer past the CDB",
            Problem::Resid { .. } => "resid out of range",
            Problem::OverAllocation { .. } => "more data than the allocation length",
            Problem::DataGuard(_) => "data outside the buffer",
            Problem::DeviceError { .. } => "medium or hardware error",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnexpectedErrno(e) => write!(
                f,
                "SG_IO failed: {} (errno {e})",
                std::io::Error::from_raw_os_error(*e)
            ),
            Problem::UndefinedStatus(s) => write!(f, "undefined SCSI status {s:#04x}"),
            Problem::MaskedStatus { status, masked } => {
                write!(
                    f,
                    "masked_status {masked:#04x} does not match status {status:#04x}"
                )
            }
            Problem::UnknownHost(h) => write!(f, "unknown host_status {h:#06x}"),
            Problem::TimedOut => write!(f, "DID_TIME_OUT: the command timed out"),
            Problem::UnknownDriver(d) => write!(f, "unknown driver_status {d:#06x}"),
            Problem::SenseTooLong { written, max } => {
                write!(f, "sb_len_wr {written} is more than mx_sb_len {max}")
            }
            Problem::SenseGuard(at) => {
                write!(f, "sense buffer byte {at} changed, past sb_len_wr")
            }
            Problem::NoSense => write!(f, "CHECK CONDITION without sense data"),
            Problem::Sense(e) => write!(f, "malformed sense: {e}"),
            Problem::FieldBeyondCdb { byte, len } => {
                write!(
                    f,
                    "sense field pointer to CDB byte {byte} of a {len}-byte CDB"
                )
            }
            Problem::Resid { resid, len } => {
                write!(f, "resid {resid} outside 0..={len}")
            }
            Problem::OverAllocation { transferred, limit } => write!(
                f,
                "{transferred} bytes transferred, the CDB allows at most {limit}"
            ),
            Problem::DataGuard(h) => write!(
                f,
                "{} guard bytes changed {} the data buffer, the first {} bytes {}",
                h.changed,
                if h.side == Side::After {
                    "after"
                } else {
                    "before"
                },
                h.distance,
                if h.side == Side::After {
                    "past its end"
                } else {
                    "before its start"
                }
            ),
            Problem::DeviceError { key, asc } => {
                write!(
                    f,
                    "{} from a device that cannot fail",
                    KEY_NAMES[usize::from(*key & 0x0F)]
                )?;
                match asc {
                    Some((a, q)) => write!(f, " (ASC/ASCQ {a:02x}/{q:02x})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The result of checking one reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// How it is counted.
    pub class: Class,
    /// The sense data's contents, when well formed.
    pub sense: Option<SenseInfo>,
    /// What is wrong; empty for a good reply.
    pub problems: Vec<Problem>,
}

/// Errnos with which the kernel refuses a request it cannot take: EINVAL
/// (a bad header, e.g. a direction with data on a block device), ENOMEM (a
/// buffer sg cannot allocate), EMSGSIZE (CDB length), and on a block
/// device EIO for a transfer over the queue's limit.
fn expected_errno(e: i32, case: &Case, path: &Path) -> bool {
    match e {
        libc::EINVAL | libc::ENOMEM | libc::EMSGSIZE => true,
        libc::EIO => {
            path.node == NodeKind::Block && path.max_hw_bytes.is_some_and(|m| case.len > m)
        }
        _ => false,
    }
}

/// Checks one reply. `sense` is what the kernel says it wrote.
pub fn check(
    case: &Case,
    reply: &Reply,
    sense: &[u8],
    sense_guard: Option<usize>,
    data_guard: Option<GuardHit>,
    path: &Path,
) -> Verdict {
    let mut problems = Vec::new();
    if let Some(hit) = data_guard {
        problems.push(Problem::DataGuard(hit));
    }
    if let Some(at) = sense_guard {
        problems.push(Problem::SenseGuard(at));
    }
    if let Some(e) = reply.errno {
        let class = if expected_errno(e, case, path) {
            Class::Refused(e)
        } else {
            problems.push(Problem::UnexpectedErrno(e));
            Class::Errno(e)
        };
        return Verdict {
            class,
            sense: None,
            problems,
        };
    }

    let status = reply.status;
    if status_name(status).is_none() {
        problems.push(Problem::UndefinedStatus(status));
    }
    if reply.masked_status != (status >> 1) & 0x7F {
        problems.push(Problem::MaskedStatus {
            status,
            masked: reply.masked_status,
        });
    }
    match reply.host_status {
        DID_TIME_OUT => problems.push(Problem::TimedOut),
        h if host_name(h).is_none() => problems.push(Problem::UnknownHost(h)),
        _ => {}
    }
    if reply.driver_status != 0 && reply.driver_status != DRIVER_SENSE {
        problems.push(Problem::UnknownDriver(reply.driver_status));
    }
    if reply.sb_len_wr > case.sense_max {
        problems.push(Problem::SenseTooLong {
            written: reply.sb_len_wr,
            max: case.sense_max,
        });
    }

    let check_condition = status == 0x02;
    let mut info = None;
    if sense.is_empty() {
        if check_condition && case.sense_max > 0 {
            problems.push(Problem::NoSense);
        }
    } else {
        match sense::parse(sense) {
            Ok(i) => {
                if let Some(f) = i.field.filter(|f| f.in_cdb) {
                    if usize::from(f.byte) >= case.cdb.len() {
                        problems.push(Problem::FieldBeyondCdb {
                            byte: f.byte,
                            len: case.cdb.len(),
                        });
                    }
                }
                if let (true, Some(key @ (0x03 | 0x04))) = (path.healthy, i.key) {
                    problems.push(Problem::DeviceError { key, asc: i.asc });
                }
                info = Some(i);
            }
            Err(e) => problems.push(Problem::Sense(e)),
        }
    }

    let resid_ok = usize::try_from(reply.resid).is_ok_and(|r| r <= case.len);
    if !resid_ok {
        problems.push(Problem::Resid {
            resid: reply.resid,
            len: case.len,
        });
    }
    if let (true, true, Some(limit)) = (path.transfer_check, resid_ok, case.alloc_limit) {
        let transferred = case.len - reply.resid as usize;
        // Only GOOD replies: on errors drivers often leave resid at 0.
        if transferred > limit && reply.host_status == 0 && status == 0 {
            problems.push(Problem::OverAllocation { transferred, limit });
        }
    }

    let class = if reply.host_status != 0 {
        Class::Host(reply.host_status)
    } else if status == 0 {
        Class::Good
    } else if check_condition {
        Class::Check(info.and_then(|i| i.key))
    } else {
        Class::Status(status)
    };
    Verdict {
        class,
        sense: info,
        problems,
    }
}

/// The reply in one line, for reports.
pub fn describe(reply: &Reply, sense: &[u8]) -> String {
    if let Some(e) = reply.errno {
        return format!("SG_IO failed: {}", std::io::Error::from_raw_os_error(e));
    }
    let mut s = format!(
        "status {:#04x} ({}), host {:#04x} ({}), driver {:#04x}, resid {}, {} ms, info {:#x}, sb_len_wr {}",
        reply.status,
        status_name(reply.status).unwrap_or("undefined"),
        reply.host_status,
        host_name(reply.host_status).unwrap_or("unknown"),
        reply.driver_status,
        reply.resid,
        reply.duration,
        reply.info,
        reply.sb_len_wr,
    );
    if !sense.is_empty() {
        s.push_str(&format!(", sense {}", hex(sense)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Origin;
    use crate::sgio::Direction;

    const SG: Path = Path {
        node: NodeKind::Sg,
        max_hw_bytes: Some(1 << 20),
        transfer_check: true,
        healthy: true,
    };

    fn inquiry(len: usize, alloc: usize) -> Case {
        Case {
            index: 0,
            origin: Origin::Known,
            name: "INQUIRY",
            cdb: vec![0x12, 0, 0, (alloc >> 8) as u8, alloc as u8, 0],
            dir: Direction::FromDev,
            len,
            payload: Vec::new(),
            flags: 0,
            sense_max: 252,
            alloc_limit: Some(alloc),
            sanitized: None,
            redraws: 0,
        }
    }

    fn good(resid: i32) -> Reply {
        Reply {
            resid,
            ..Reply::default()
        }
    }

    fn check_condition(sb_len_wr: u8) -> Reply {
        Reply {
            status: 0x02,
            masked_status: 0x01,
            driver_status: 0x08,
            sb_len_wr,
            ..Reply::default()
        }
    }

    const SENSE: [u8; 18] = [0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0];

    #[test]
    fn a_good_reply_passes() {
        let v = check(&inquiry(96, 36), &good(60), &[], None, None, &SG);
        assert_eq!(v.class, Class::Good);
        assert!(v.problems.is_empty());
    }

    #[test]
    fn a_check_condition_with_sense_passes() {
        let v = check(
            &inquiry(96, 36),
            &check_condition(18),
            &SENSE,
            None,
            None,
            &SG,
        );
        assert_eq!(v.class, Class::Check(Some(5)));
        assert!(v.problems.is_empty(), "{:?}", v.problems);
    }

    #[test]
    fn malformed_replies_are_caught() {
        let c = inquiry(96, 36);
        let p = |r: &Reply, s: &[u8]| check(&c, r, s, None, None, &SG).problems;
        assert_eq!(p(&check_condition(0), &[]), vec![Problem::NoSense]);
        assert_eq!(
            p(&good(-1), &[]),
            vec![Problem::Resid { resid: -1, len: 96 }]
        );
        assert_eq!(
            p(&good(97), &[]),
            vec![Problem::Resid { resid: 97, len: 96 }]
        );
        assert_eq!(
            p(&good(0), &[]),
            vec![Problem::OverAllocation {
                transferred: 96,
                limit: 36
            }]
        );
        let odd = Reply {
            status: 0x22,
            masked_status: 0x11,
            ..Reply::default()
        };
        assert_eq!(p(&odd, &[]), vec![Problem::UndefinedStatus(0x22)]);
        let masked = Reply {
            status: 0x08,
            masked_status: 0x08,
            resid: 96,
            ..Reply::default()
        };
        assert!(matches!(
            p(&masked, &[])[..],
            [Problem::MaskedStatus { .. }]
        ));
        let host = Reply {
            host_status: 0x42,
            resid: 96,
            ..Reply::default()
        };
        assert_eq!(p(&host, &[]), vec![Problem::UnknownHost(0x42)]);
        let timeout = Reply {
            host_status: 0x03,
            resid: 96,
            ..Reply::default()
        };
        assert_eq!(p(&timeout, &[]), vec![Problem::TimedOut]);
        let mut bad = SENSE;
        bad[0] = 0x00;
        assert!(matches!(
            p(&check_condition(18), &bad)[..],
            [Problem::Sense(SenseError::ResponseCode(0))]
        ));
        let mut small = c.clone();
        small.sense_max = 8;
        let v = check(&small, &check_condition(18), &SENSE, None, None, &SG);
        assert!(v.problems.contains(&Problem::SenseTooLong {
            written: 18,
            max: 8
        }));
    }

    #[test]
    fn a_field_pointer_past_the_cdb_is_caught() {
        let mut s = SENSE;
        s[15] = 0xC0;
        s[17] = 9; // byte 9 of a 6-byte INQUIRY
        let v = check(&inquiry(96, 36), &check_condition(18), &s, None, None, &SG);
        assert_eq!(
            v.problems,
            vec![Problem::FieldBeyondCdb { byte: 9, len: 6 }]
        );
    }

    #[test]
    fn medium_errors_from_a_healthy_device_are_caught() {
        let mut s = SENSE;
        s[2] = 0x03;
        s[12] = 0x11;
        let c = inquiry(96, 36);
        let v = check(&c, &check_condition(18), &s, None, None, &SG);
        assert_eq!(v.class, Class::Check(Some(3)));
        assert_eq!(
            v.problems,
            vec![Problem::DeviceError {
                key: 3,
                asc: Some((0x11, 0))
            }]
        );
        let any = Path {
            healthy: false,
            ..SG
        };
        assert!(check(&c, &check_condition(18), &s, None, None, &any)
            .problems
            .is_empty());
    }

    #[test]
    fn errnos() {
        let c = inquiry(96, 36);
        let err = |e| Reply {
            errno: Some(e),
            ..Reply::default()
        };
        let v = check(&c, &err(libc::EINVAL), &[], None, None, &SG);
        assert_eq!(
            (v.class, v.problems.len()),
            (Class::Refused(libc::EINVAL), 0)
        );
        let v = check(&c, &err(libc::EIO), &[], None, None, &SG);
        assert_eq!(v.class, Class::Errno(libc::EIO));
        assert_eq!(v.problems, vec![Problem::UnexpectedErrno(libc::EIO)]);
        // A block device refuses more than its queue takes with EIO.
        let blk = Path {
            node: NodeKind::Block,
            max_hw_bytes: Some(64),
            ..SG
        };
        let v = check(&c, &err(libc::EIO), &[], None, None, &blk);
        assert_eq!(v.class, Class::Refused(libc::EIO));
    }

    #[test]
    fn guard_hits_are_problems_even_on_good_replies() {
        let hit = GuardHit {
            side: Side::After,
            distance: 0,
            changed: 4,
        };
        let v = check(&inquiry(96, 36), &good(60), &[], Some(20), Some(hit), &SG);
        assert_eq!(
            v.problems,
            vec![Problem::DataGuard(hit), Problem::SenseGuard(20)]
        );
    }
}
