// SPDX-License-Identifier: GPL-2.0

//! The SG_IO ioctl: the `sg_io_hdr` of `include/scsi/sg.h` (v3 interface,
//! shared by `/dev/sgN` and the block devices), and one call of it with a
//! data buffer and a sense buffer that both carry guard bytes.

use crate::buffer::{GuardBuf, SenseBuf};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// `SG_IO` request number.
const SG_IO: libc::c_ulong = 0x2285;

/// `SG_FLAG_DIRECT_IO`: map the user buffer (honoured by sg only with
/// `allow_dio=1`, reported in `info`).
pub const SG_FLAG_DIRECT_IO: u32 = 0x1;
/// `SG_FLAG_Q_AT_TAIL`.
pub const SG_FLAG_Q_AT_TAIL: u32 = 0x10;
/// `SG_FLAG_Q_AT_HEAD`.
pub const SG_FLAG_Q_AT_HEAD: u32 = 0x20;
/// `SG_FLAG_NO_DXFER`: sg moves no data between its buffer and the user's.
pub const SG_FLAG_NO_DXFER: u32 = 0x10000;
/// `SG_INFO_DIRECT_IO` in `info`: the transfer used the user pages.
pub const SG_INFO_DIRECT_IO: u32 = 0x2;

/// Data transfer direction (`dxfer_direction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// `SG_DXFER_NONE`.
    None,
    /// `SG_DXFER_TO_DEV`.
    ToDev,
    /// `SG_DXFER_FROM_DEV`.
    FromDev,
    /// `SG_DXFER_TO_FROM_DEV`: sg copies the buffer in, then reads into it.
    ToFromDev,
    /// `SG_DXFER_UNKNOWN`.
    Unknown,
}

impl Direction {
    /// Every direction, for counting.
    pub const ALL: [Direction; 5] = [
        Direction::None,
        Direction::ToDev,
        Direction::FromDev,
        Direction::ToFromDev,
        Direction::Unknown,
    ];

    /// The `SG_DXFER_*` value.
    pub fn raw(self) -> libc::c_int {
        match self {
            Direction::None => -1,
            Direction::ToDev => -2,
            Direction::FromDev => -3,
            Direction::ToFromDev => -4,
            Direction::Unknown => -5,
        }
    }

    /// True when the buffer's contents go to the device (sg copies them in).
    pub fn sends(self) -> bool {
        matches!(self, Direction::ToDev | Direction::ToFromDev)
    }

    /// Name as in `include/scsi/sg.h` without the prefix.
    pub fn name(self) -> &'static str {
        match self {
            Direction::None => "NONE",
            Direction::ToDev => "TO_DEV",
            Direction::FromDev => "FROM_DEV",
            Direction::ToFromDev => "TO_FROM_DEV",
            Direction::Unknown => "UNKNOWN",
        }
    }
}

/// `struct sg_io_hdr` (`sg_io_hdr_t`), the native (64-bit) layout.
#[repr(C)]
#[derive(Debug)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: u32,
    dxferp: *mut libc::c_void,
    cmdp: *const u8,
    sbp: *mut u8,
    timeout: u32,
    flags: u32,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: libc::c_int,
    duration: u32,
    info: u32,
}

/// What a request asks for, besides its buffers.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The CDB (6..=32 bytes here; the kernel accepts up to 32).
    pub cdb: &'a [u8],
    /// Data direction.
    pub dir: Direction,
    /// `dxfer_len`: the data buffer's length.
    pub len: usize,
    /// `mx_sb_len`.
    pub sense_max: u8,
    /// `SG_FLAG_*`.
    pub flags: u32,
    /// SG_IO timeout in milliseconds.
    pub timeout_ms: u32,
}

/// The output fields of `sg_io_hdr`, or the ioctl's errno.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// errno when the ioctl failed (the other fields are then zero).
    pub errno: Option<i32>,
    /// SCSI status byte.
    pub status: u8,
    /// `(status >> 1) & 0x7f`.
    pub masked_status: u8,
    /// Messaging-level status.
    pub msg_status: u8,
    /// Sense bytes written.
    pub sb_len_wr: u8,
    /// `DID_*`.
    pub host_status: u16,
    /// `DRIVER_*`.
    pub driver_status: u16,
    /// `dxfer_len` minus the bytes transferred.
    pub resid: i32,
    /// Milliseconds the command took.
    pub duration: u32,
    /// `SG_INFO_*`.
    pub info: u32,
}

/// How the device node was reached; the kernel paths differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// `/dev/sgN` (drivers/scsi/sg.c).
    Sg,
    /// A SCSI block device (drivers/scsi/scsi_ioctl.c).
    Block,
}

/// An open device node.
pub struct Device {
    file: File,
    /// sg or block.
    pub kind: NodeKind,
}

impl Device {
    /// Opens `path` read-write (non-blocking, as sg3_utils do).
    pub fn open(path: &Path) -> io::Result<Device> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        let kind = if file.metadata()?.file_type().is_block_device() {
            NodeKind::Block
        } else {
            NodeKind::Sg
        };
        Ok(Device { file, kind })
    }

    /// Issues one SG_IO. The data buffer's first `req.len` bytes are the
    /// transfer; the guard bytes around them stay outside it.
    pub fn issue(&self, req: &Request<'_>, data: &mut GuardBuf, sense: &mut SenseBuf) -> Reply {
        let region = data.region_mut(req.len);
        let mut hdr = SgIoHdr {
            interface_id: i32::from(b'S'),
            dxfer_direction: req.dir.raw(),
            cmd_len: u8::try_from(req.cdb.len()).unwrap_or(u8::MAX),
            mx_sb_len: req.sense_max,
            iovec_count: 0,
            dxfer_len: u32::try_from(req.len).unwrap_or(u32::MAX),
            dxferp: region.cast(),
            cmdp: req.cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: req.timeout_ms,
            flags: req.flags,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: `hdr` is a valid sg_io_hdr for the duration of the call;
        // `dxferp` points to at least `dxfer_len` writable bytes (the
        // buffer's data region, followed by its guard), `cmdp` to `cmd_len`
        // readable bytes and `sbp` to at least `mx_sb_len` writable bytes.
        // The kernel writes nothing else.
        let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO, &mut hdr as *mut SgIoHdr) };
        if rc < 0 {
            return Reply {
                errno: Some(io::Error::last_os_error().raw_os_error().unwrap_or(0)),
                ..Reply::default()
            };
        }
        Reply {
            errno: None,
            status: hdr.status,
            masked_status: hdr.masked_status,
            msg_status: hdr.msg_status,
            sb_len_wr: hdr.sb_len_wr,
            host_status: hdr.host_status,
            driver_status: hdr.driver_status,
            resid: hdr.resid,
            duration: hdr.duration,
            info: hdr.info,
        }
    }
}

/// The largest transfer the block layer takes for the node, from sysfs
/// (`queue/max_hw_sectors_kb`): a block device's SG_IO refuses more with
/// EIO. None when sysfs does not say.
pub fn max_hw_bytes(path: &Path) -> Option<usize> {
    let name = std::fs::canonicalize(path).ok()?;
    let name = name.file_name()?.to_str()?.to_owned();
    let candidates = [
        format!("/sys/class/block/{name}/queue/max_hw_sectors_kb"),
        format!("/sys/class/scsi_generic/{name}/device/block"),
    ];
    let kb = match std::fs::read_to_string(&candidates[0]) {
        Ok(s) => s,
        Err(_) => {
            // An sg node: the queue of its disk, if it has one.
            let disk = std::fs::read_dir(&candidates[1]).ok()?.next()?.ok()?;
            std::fs::read_to_string(disk.path().join("queue/max_hw_sectors_kb")).ok()?
        }
    };
    kb.trim().parse::<usize>().ok()?.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_has_the_kernel_layout() {
        // sizeof(sg_io_hdr_t) on LP64 (include/scsi/sg.h).
        if std::mem::size_of::<usize>() == 8 {
            assert_eq!(std::mem::size_of::<SgIoHdr>(), 88);
            assert_eq!(std::mem::offset_of!(SgIoHdr, dxferp), 16);
            assert_eq!(std::mem::offset_of!(SgIoHdr, timeout), 40);
            assert_eq!(std::mem::offset_of!(SgIoHdr, usr_ptr), 56);
            assert_eq!(std::mem::offset_of!(SgIoHdr, status), 64);
            assert_eq!(std::mem::offset_of!(SgIoHdr, resid), 72);
            assert_eq!(std::mem::offset_of!(SgIoHdr, info), 80);
        }
    }

    #[test]
    fn directions_have_sg_values() {
        let raw: Vec<_> = Direction::ALL.iter().map(|d| d.raw()).collect();
        assert_eq!(raw, [-1, -2, -3, -4, -5]);
    }
}
