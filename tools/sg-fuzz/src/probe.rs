// SPDX-License-Identifier: GPL-2.0

//! The device's state before and after a run: its geometry (READ
//! CAPACITY), and whether it is ready (TEST UNIT READY).

use crate::buffer::{GuardBuf, SenseBuf};
use crate::cdb::{get_be, READ_CAPACITY_10, SAI_READ_CAPACITY_16, SERVICE_ACTION_IN_16};
use crate::check::describe;
use crate::generate::Geometry;
use crate::sgio::{Device, Direction, Reply, Request};

/// Tries per command: a unit attention (power on, reset, parameters
/// changed) is reported once and then cleared.
const TRIES: usize = 4;

/// Sends `cdb` until it gives anything but UNIT ATTENTION (or `TRIES`
/// times); returns the reply and the data that came back.
fn command(
    dev: &Device,
    cdb: &[u8],
    dir: Direction,
    len: usize,
    timeout_ms: u32,
) -> (Reply, Vec<u8>, Vec<u8>) {
    let mut data = GuardBuf::new(len);
    let mut sense = SenseBuf::default();
    let mut last = (Reply::default(), Vec::new(), Vec::new());
    for _ in 0..TRIES {
        data.prepare(len, &[], false);
        sense.prepare();
        let req = Request {
            cdb,
            dir,
            len,
            sense_max: 252,
            flags: 0,
            timeout_ms,
        };
        let r = dev.issue(&req, &mut data, &mut sense);
        let s = sense.written(r.sb_len_wr).to_vec();
        let unit_attention = r.errno.is_none()
            && r.status == 0x02
            && match s.first().map(|b| b & 0x7F) {
                Some(0x70 | 0x71) => s.get(2).is_some_and(|k| k & 0x0F == 0x06),
                Some(0x72 | 0x73) => s.get(1).is_some_and(|k| k & 0x0F == 0x06),
                _ => false,
            };
        last = (r, data.data().to_vec(), s);
        if !unit_attention {
            break;
        }
    }
    last
}

/// True for a GOOD reply without host error.
fn good(r: &Reply) -> bool {
    r.errno.is_none() && r.status == 0 && r.host_status == 0
}

/// READ CAPACITY(16), or (10) when that fails.
pub fn geometry(dev: &Device, timeout_ms: u32) -> Result<Geometry, String> {
    let mut c16 = [0u8; 16];
    c16[0] = SERVICE_ACTION_IN_16;
    c16[1] = SAI_READ_CAPACITY_16;
    c16[13] = 32;
    let (r, d, _) = command(dev, &c16, Direction::FromDev, 32, timeout_ms);
    if good(&r) && r.resid <= 20 {
        return Ok(Geometry {
            last_lba: get_be(&d, 0, 8),
            block_size: get_be(&d, 8, 4) as u32,
        });
    }
    let c10 = [READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let (r10, d, s) = command(dev, &c10, Direction::FromDev, 8, timeout_ms);
    if good(&r10) && r10.resid == 0 {
        return Ok(Geometry {
            last_lba: get_be(&d, 0, 4),
            block_size: get_be(&d, 4, 4) as u32,
        });
    }
    Err(format!("READ CAPACITY failed: {}", describe(&r10, &s)))
}

/// TEST UNIT READY must be GOOD (after at most a few unit attentions).
pub fn ready(dev: &Device, timeout_ms: u32) -> Result<(), String> {
    let (r, _, s) = command(dev, &[0; 6], Direction::None, 0, timeout_ms);
    if good(&r) {
        Ok(())
    } else {
        Err(format!("TEST UNIT READY: {}", describe(&r, &s)))
    }
}
