// SPDX-License-Identifier: GPL-2.0

//! Known commands (SPC-5, SBC-4), built field by field with boundary
//! values: LBAs at and past the end of the medium and at the 32/64-bit
//! limits, transfer and allocation lengths of 0, 1, the field's maximum or
//! more than the buffer, flags and service actions both valid and not.

use crate::cdb::*;
use crate::generate::{Ctx, Known};
use crate::sgio::Direction;

type Builder = fn(&mut Ctx) -> Known;

/// Every builder; the I/O commands are listed twice so that they come up
/// about as often as the rest together.
const BUILDERS: &[Builder] = &[
    test_unit_ready,
    request_sense,
    inquiry,
    inquiry,
    mode_sense,
    mode_sense,
    mode_select,
    mode_select,
    log_sense,
    log_select,
    read_capacity_10,
    service_action_in_16,
    report_luns,
    read_write_6,
    read_write,
    read_write,
    read_write,
    read_write,
    verify,
    write_verify,
    prefetch_sync,
    write_same,
    unmap,
    compare_and_write,
    report_supported_opcodes,
    maintenance_in,
    set_timestamp,
    persistent_reserve_in,
    read_buffer,
    write_buffer,
    variable_length,
    start_stop_unit,
    prevent_allow,
    diagnostics,
    reserve_release,
    read_defect_data,
    read_long,
    security_protocol_in,
    report_zones,
    receive_copy_results,
];

/// A known command, chosen uniformly from the builders.
pub fn build(g: &mut Ctx) -> Known {
    let b = g.pick(BUILDERS);
    b(g)
}

/// A data-in command with an allocation length.
fn data_in(name: &'static str, cdb: Vec<u8>, alloc: u64) -> Known {
    let alloc = usize::try_from(alloc).unwrap_or(usize::MAX);
    Known {
        name,
        cdb,
        dir: Some(Direction::FromDev),
        xfer: alloc,
        payload: Vec::new(),
        alloc_limit: Some(alloc),
    }
}

/// A data-out command sending `payload` (or `xfer` random bytes).
fn data_out(name: &'static str, cdb: Vec<u8>, xfer: usize, payload: Vec<u8>) -> Known {
    Known {
        name,
        cdb,
        dir: Some(Direction::ToDev),
        xfer,
        payload,
        alloc_limit: None,
    }
}

/// A command without data.
fn no_data(name: &'static str, cdb: Vec<u8>) -> Known {
    Known {
        name,
        cdb,
        dir: None,
        ..Known::default()
    }
}

/// Bytes for `blocks` blocks, saturating.
fn block_bytes(g: &Ctx, blocks: u64) -> usize {
    usize::try_from(blocks)
        .unwrap_or(usize::MAX)
        .saturating_mul(g.geo.bs())
}

fn test_unit_ready(_: &mut Ctx) -> Known {
    no_data("TEST UNIT READY", vec![TEST_UNIT_READY, 0, 0, 0, 0, 0])
}

fn request_sense(g: &mut Ctx) -> Known {
    let desc = u8::from(g.chance(30));
    let alloc = g.alloc(8);
    data_in(
        "REQUEST SENSE",
        vec![REQUEST_SENSE, desc, 0, 0, alloc as u8, 0],
        alloc,
    )
}

fn inquiry(g: &mut Ctx) -> Known {
    let evpd = g.chance(50);
    let page = if evpd {
        if g.chance(85) {
            g.pick(&[0x00, 0x80, 0x83, 0x86, 0x89, 0xB0, 0xB1, 0xB2, 0xB3])
        } else {
            g.byte()
        }
    } else if g.chance(90) {
        0
    } else {
        g.byte()
    };
    let alloc = g.alloc(16);
    let mut c = vec![INQUIRY, u8::from(evpd), page, 0, 0, 0];
    put_be(&mut c, 3, 2, alloc);
    data_in("INQUIRY", c, alloc)
}

fn mode_sense(g: &mut Ctx) -> Known {
    let ten = g.chance(50);
    let dbd = if g.chance(30) { 0x08 } else { 0 };
    let llbaa = if ten && g.chance(20) { 0x10 } else { 0 };
    let pc = g.span(0, 3) as u8;
    let page = if g.chance(80) {
        g.pick(&[0x01, 0x08, 0x0A, 0x1C, 0x3F])
    } else {
        g.span(0, 0x3F) as u8
    };
    let sub = g.pick(&[0, 0, 0, 0xFF, 0x01]);
    if ten {
        let alloc = g.alloc(16);
        let mut c = vec![
            MODE_SENSE_10,
            dbd | llbaa,
            pc << 6 | page,
            sub,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        put_be(&mut c, 7, 2, alloc);
        data_in("MODE SENSE(10)", c, alloc)
    } else {
        let alloc = g.alloc(8);
        let c = vec![MODE_SENSE_6, dbd, pc << 6 | page, sub, alloc as u8, 0];
        data_in("MODE SENSE(6)", c, alloc)
    }
}

/// MODE SELECT with a parameter list: a header, sometimes a block
/// descriptor (the screening sets its length to 0 again), then the
/// Caching or Control page with random changeable bits, or a random page.
fn mode_select(g: &mut Ctx) -> Known {
    let ten = g.chance(50);
    let hdr = if ten { 8 } else { 4 };
    let mut p = vec![0u8; hdr];
    if g.chance(10) {
        let bdl = 8;
        if ten {
            p[7] = bdl;
        } else {
            p[3] = bdl;
        }
        let mut bd = vec![0u8; 8];
        put_be(&mut bd, 5, 3, g.pick(&[512, 4096, 1024, 0]));
        p.extend_from_slice(&bd);
    }
    match g.span(0, 3) {
        0 => {
            // Caching: WCE (byte 2 bit 2) and RCD (bit 0) random.
            let mut page = vec![0u8; 20];
            page[0] = 0x08;
            page[1] = 0x12;
            page[2] = g.byte() & 0x05;
            p.extend_from_slice(&page);
        }
        1 => {
            // Control: D_SENSE (byte 2 bit 2) random.
            let mut page = vec![0u8; 12];
            page[0] = 0x0A;
            page[1] = 0x0A;
            page[2] = g.byte() & 0x04;
            page[8] = 0xFF;
            page[9] = 0xFF;
            p.extend_from_slice(&page);
        }
        2 => {
            let n = g.span(0, 40) as usize;
            let mut page = vec![g.byte() & 0x7F, n as u8];
            page.extend_from_slice(&g.bytes(n));
            p.extend_from_slice(&page);
        }
        _ => {}
    }
    let pf = if g.chance(90) { 0x10 } else { 0 };
    let sp = u8::from(g.chance(10));
    let len = if g.chance(75) {
        p.len() as u64
    } else {
        g.alloc(if ten { 16 } else { 8 })
    };
    let xfer = usize::try_from(len).unwrap_or(usize::MAX);
    if ten {
        let mut c = vec![MODE_SELECT_10, pf | sp, 0, 0, 0, 0, 0, 0, 0, 0];
        put_be(&mut c, 7, 2, len);
        data_out("MODE SELECT(10)", c, xfer, p)
    } else {
        let c = vec![MODE_SELECT_6, pf | sp, 0, 0, len as u8, 0];
        data_out("MODE SELECT(6)", c, xfer, p)
    }
}

fn log_sense(g: &mut Ctx) -> Known {
    let pc = g.span(0, 3) as u8;
    let page = if g.chance(70) {
        g.pick(&[0x00, 0x02, 0x03, 0x0D, 0x0E, 0x10, 0x15, 0x2F])
    } else {
        g.span(0, 0x3F) as u8
    };
    let alloc = g.alloc(16);
    let mut c = vec![
        LOG_SENSE,
        g.byte() & 0x01,
        pc << 6 | page,
        g.pick(&[0, 0xFF, 1]),
    ];
    c.extend_from_slice(&[0; 6]);
    put_be(&mut c, 5, 2, if g.chance(80) { 0 } else { g.u64() });
    put_be(&mut c, 7, 2, alloc);
    data_in("LOG SENSE", c, alloc)
}

fn log_select(g: &mut Ctx) -> Known {
    let len = g.alloc(16);
    let mut c = vec![
        LOG_SELECT,
        g.byte() & 0x03,
        g.byte(),
        g.byte(),
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    put_be(&mut c, 7, 2, len);
    let xfer = usize::try_from(len).unwrap_or(usize::MAX);
    data_out("LOG SELECT", c, xfer, Vec::new())
}

fn read_capacity_10(g: &mut Ctx) -> Known {
    let mut c = vec![READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    if g.chance(15) {
        let lba = g.lba(32);
        put_be(&mut c, 2, 4, lba);
        c[8] = g.byte() & 0x01;
    }
    Known {
        alloc_limit: Some(8),
        ..data_in("READ CAPACITY(10)", c, 8)
    }
}

/// READ CAPACITY(16), GET LBA STATUS, or another service action.
fn service_action_in_16(g: &mut Ctx) -> Known {
    let sa = match g.span(0, 9) {
        0..=6 => SAI_READ_CAPACITY_16,
        7 | 8 => SAI_GET_LBA_STATUS,
        _ => g.span(0, 0x1F) as u8,
    };
    let mut c = vec![0u8; 16];
    c[0] = SERVICE_ACTION_IN_16;
    c[1] = sa;
    if sa != SAI_READ_CAPACITY_16 || g.chance(10) {
        let lba = g.lba(64);
        put_be(&mut c, 2, 8, lba);
    }
    let alloc = if sa == SAI_READ_CAPACITY_16 && g.chance(50) {
        g.pick(&[12, 32])
    } else {
        g.alloc(32)
    };
    put_be(&mut c, 10, 4, alloc);
    if g.chance(10) {
        c[14] = 0x01;
    }
    let name = match sa {
        SAI_READ_CAPACITY_16 => "READ CAPACITY(16)",
        SAI_GET_LBA_STATUS => "GET LBA STATUS",
        _ => "SERVICE ACTION IN(16)",
    };
    data_in(name, c, alloc)
}

fn report_luns(g: &mut Ctx) -> Known {
    let sel = g.pick(&[0, 0, 1, 2, 0x10, 0x11, 0x12, 0xFF]);
    let alloc = g.alloc(32);
    let mut c = vec![REPORT_LUNS, 0, sel, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 6, 4, alloc);
    data_in("REPORT LUNS", c, alloc)
}

fn read_write_6(g: &mut Ctx) -> Known {
    let write = g.chance(50);
    let (lba, blocks) = g.lba_blocks(21, 8);
    // 0 blocks means 256 in a 6-byte READ or WRITE.
    let n = if blocks == 0 { 256 } else { blocks };
    let mut c = vec![
        if write { WRITE_6 } else { READ_6 },
        0,
        0,
        0,
        blocks as u8,
        0,
    ];
    put_be(&mut c, 1, 3, lba);
    let bytes = block_bytes(g, n);
    if write {
        data_out("WRITE(6)", c, bytes, Vec::new())
    } else {
        data_in("READ(6)", c, n).with_bytes(bytes)
    }
}

impl Known {
    /// Sets the transfer and its limit to `bytes`.
    fn with_bytes(mut self, bytes: usize) -> Known {
        self.xfer = bytes;
        if self.alloc_limit.is_some() {
            self.alloc_limit = Some(bytes);
        }
        self
    }
}

/// Flags byte 1 of READ/WRITE/VERIFY(10/12/16): DPO, FUA, and rarely a
/// protection field (no PI on these disks: refused).
fn rw_flags(g: &mut Ctx) -> u8 {
    let mut f = g.byte() & 0x18;
    if g.chance(8) {
        f |= g.byte() & 0xE0;
    }
    f
}

/// Builds an LBA + length CDB of 10, 12 or 16 bytes.
fn lba_len_cdb(g: &mut Ctx, op10: u8, op12: u8, op16: u8) -> (Vec<u8>, u64) {
    match g.span(0, 2) {
        0 => {
            let (lba, blocks) = g.lba_blocks(32, 16);
            let mut c = vec![op10, rw_flags(g), 0, 0, 0, 0, 0, 0, 0, 0];
            put_be(&mut c, 2, 4, lba);
            put_be(&mut c, 7, 2, blocks);
            (c, blocks)
        }
        1 if op12 != 0 => {
            let (lba, blocks) = g.lba_blocks(32, 32);
            let mut c = vec![op12, rw_flags(g), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            put_be(&mut c, 2, 4, lba);
            put_be(&mut c, 6, 4, blocks);
            (c, blocks)
        }
        _ => {
            let (lba, blocks) = g.lba_blocks(64, 32);
            let mut c = vec![0u8; 16];
            c[0] = op16;
            c[1] = rw_flags(g);
            put_be(&mut c, 2, 8, lba);
            put_be(&mut c, 10, 4, blocks);
            (c, blocks)
        }
    }
}

fn read_write(g: &mut Ctx) -> Known {
    let write = g.chance(50);
    let (c, blocks) = if write {
        lba_len_cdb(g, WRITE_10, WRITE_12, WRITE_16)
    } else {
        lba_len_cdb(g, READ_10, READ_12, READ_16)
    };
    let bytes = block_bytes(g, blocks);
    let name = match (write, c.len()) {
        (true, 10) => "WRITE(10)",
        (true, 12) => "WRITE(12)",
        (true, _) => "WRITE(16)",
        (false, 10) => "READ(10)",
        (false, 12) => "READ(12)",
        (false, _) => "READ(16)",
    };
    if write {
        data_out(name, c, bytes, Vec::new())
    } else {
        data_in(name, c, blocks).with_bytes(bytes)
    }
}

/// VERIFY(10/12/16) with BYTCHK 0 (no data), 1 (the blocks' data), 2
/// (reserved) or 3 (one block for every block).
fn verify(g: &mut Ctx) -> Known {
    let (mut c, blocks) = lba_len_cdb(g, VERIFY_10, VERIFY_12, VERIFY_16);
    let bytchk = g.span(0, 3) as u8;
    c[1] = (c[1] & !0x06) | bytchk << 1;
    let xfer = match bytchk {
        0 => 0,
        3 => g.geo.bs(),
        _ => block_bytes(g, blocks),
    };
    if xfer == 0 {
        no_data("VERIFY", c)
    } else {
        data_out("VERIFY", c, xfer, Vec::new())
    }
}

fn write_verify(g: &mut Ctx) -> Known {
    let (mut c, blocks) = lba_len_cdb(g, WRITE_VERIFY_10, 0, WRITE_VERIFY_16);
    c[1] &= !0x08;
    let bytes = block_bytes(g, blocks);
    data_out("WRITE AND VERIFY", c, bytes, Vec::new())
}

/// PRE-FETCH and SYNCHRONIZE CACHE (10/16), IMMED random.
fn prefetch_sync(g: &mut Ctx) -> Known {
    let sync = g.chance(60);
    let (mut c, _) = if sync {
        lba_len_cdb(g, SYNCHRONIZE_CACHE_10, 0, SYNCHRONIZE_CACHE_16)
    } else {
        lba_len_cdb(g, PRE_FETCH_10, 0, PRE_FETCH_16)
    };
    c[1] = g.byte() & 0x02;
    if g.chance(10) {
        c[1] |= g.byte();
    }
    no_data(
        if sync {
            "SYNCHRONIZE CACHE"
        } else {
            "PRE-FETCH"
        },
        c,
    )
}

/// WRITE SAME(10/16), UNMAP and ANCHOR random, NDOB rarely.
fn write_same(g: &mut Ctx) -> Known {
    let (mut c, _) = lba_len_cdb(g, WRITE_SAME_10, 0, WRITE_SAME_16);
    // Mostly small counts: a large one writes the whole disk.
    if g.chance(80) {
        let n = g.span(1, 64);
        if c.len() == 10 {
            put_be(&mut c, 7, 2, n);
        } else {
            put_be(&mut c, 10, 4, n);
        }
    }
    c[1] = g.byte() & 0x08;
    if g.chance(10) {
        c[1] |= 0x10;
    }
    let ndob = c.len() == 16 && g.chance(10);
    if ndob {
        c[1] |= 0x01;
        return no_data("WRITE SAME", c);
    }
    let bs = g.geo.bs();
    data_out("WRITE SAME", c, bs, Vec::new())
}

/// UNMAP with a parameter list of 0..=4 block descriptors, whose lengths
/// are sometimes inconsistent.
fn unmap(g: &mut Ctx) -> Known {
    let n = g.span(0, 4) as usize;
    let mut p = vec![0u8; 8 + 16 * n];
    put_be(&mut p, 0, 2, (6 + 16 * n) as u64);
    put_be(&mut p, 2, 2, (16 * n) as u64);
    for i in 0..n {
        let (lba, blocks) = g.lba_blocks(64, 32);
        put_be(&mut p, 8 + 16 * i, 8, lba);
        put_be(&mut p, 16 + 16 * i, 4, blocks);
    }
    if g.chance(15) {
        put_be(&mut p, 0, 2, g.u64());
    }
    if g.chance(15) {
        put_be(&mut p, 2, 2, g.u64());
    }
    let len = if g.chance(80) {
        p.len() as u64
    } else {
        g.alloc(16)
    };
    let mut c = vec![UNMAP, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    if g.chance(5) {
        c[1] = 0x01;
    }
    put_be(&mut c, 7, 2, len);
    let xfer = usize::try_from(len).unwrap_or(usize::MAX);
    data_out("UNMAP", c, xfer, p)
}

fn compare_and_write(g: &mut Ctx) -> Known {
    let (lba, blocks) = g.lba_blocks(64, 8);
    let mut c = vec![0u8; 16];
    c[0] = COMPARE_AND_WRITE;
    c[1] = rw_flags(g);
    put_be(&mut c, 2, 8, lba);
    c[13] = blocks as u8;
    let bytes = block_bytes(g, blocks & 0xFF).saturating_mul(2);
    data_out("COMPARE AND WRITE", c, bytes, Vec::new())
}

/// REPORT SUPPORTED OPERATION CODES: every reporting option (0..=7, of
/// which 4..=7 are reserved), RCTD, any requested opcode and action.
fn report_supported_opcodes(g: &mut Ctx) -> Known {
    let opts = g.span(0, 7) as u8 | if g.chance(30) { 0x80 } else { 0 };
    let op = if g.chance(60) {
        g.pick(&[
            READ_10,
            INQUIRY,
            SERVICE_ACTION_IN_16,
            MAINTENANCE_IN,
            WRITE_16,
            UNMAP,
            0x00,
        ])
    } else {
        g.byte()
    };
    let sa = if g.chance(70) {
        g.pick(&[
            0,
            u64::from(SAI_READ_CAPACITY_16),
            u64::from(MI_REPORT_SUPPORTED_OPCODES),
        ])
    } else {
        g.u64()
    };
    let alloc = g.alloc(32);
    let mut c = vec![
        MAINTENANCE_IN,
        MI_REPORT_SUPPORTED_OPCODES,
        opts,
        op,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    put_be(&mut c, 4, 2, sa);
    put_be(&mut c, 6, 4, alloc);
    data_in("REPORT SUPPORTED OPERATION CODES", c, alloc)
}

/// The other MAINTENANCE IN service actions, or a random one.
fn maintenance_in(g: &mut Ctx) -> Known {
    let sa = if g.chance(75) {
        g.pick(&[
            MI_REPORT_TARGET_PORT_GROUPS,
            MI_REPORT_SUPPORTED_TMFS,
            MI_REPORT_TIMESTAMP,
            0x05,
        ])
    } else {
        g.span(0, 0x1F) as u8
    };
    let alloc = g.alloc(32);
    let mut c = vec![MAINTENANCE_IN, sa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 6, 4, alloc);
    data_in("MAINTENANCE IN", c, alloc)
}

/// SET TIMESTAMP (MAINTENANCE OUT): a 12-byte parameter list.
fn set_timestamp(g: &mut Ctx) -> Known {
    let mut p = vec![0u8; 12];
    put_be(&mut p, 4, 6, g.u64());
    let len = if g.chance(80) { 12 } else { g.alloc(32) };
    let mut c = vec![
        MAINTENANCE_OUT,
        MO_SET_TIMESTAMP,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    put_be(&mut c, 6, 4, len);
    let xfer = usize::try_from(len).unwrap_or(usize::MAX);
    data_out("SET TIMESTAMP", c, xfer, p)
}

fn persistent_reserve_in(g: &mut Ctx) -> Known {
    let sa = if g.chance(80) {
        g.span(0, 3) as u8
    } else {
        g.span(0, 0x1F) as u8
    };
    let alloc = g.alloc(16);
    let mut c = vec![PERSISTENT_RESERVE_IN, sa, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 7, 2, alloc);
    data_in("PERSISTENT RESERVE IN", c, alloc)
}

fn read_buffer(g: &mut Ctx) -> Known {
    let mode = if g.chance(80) {
        g.pick(&[0x00, 0x02, 0x03, 0x0A, 0x0B, 0x1C])
    } else {
        g.span(0, 0x1F) as u8
    };
    let alloc = g.alloc(24);
    let mut c = vec![
        READ_BUFFER,
        mode,
        g.pick(&[0, 0, 1, 0xFF]),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    if g.chance(20) {
        put_be(&mut c, 3, 3, g.alloc(24));
    }
    put_be(&mut c, 6, 3, alloc);
    data_in("READ BUFFER", c, alloc)
}

/// WRITE BUFFER, mostly the data and echo modes (the screening turns
/// the download modes into the data mode).
fn write_buffer(g: &mut Ctx) -> Known {
    let mode = if g.chance(80) {
        g.pick(&[0x00, 0x02, 0x0A])
    } else {
        g.span(0, 0x1F) as u8
    };
    let len = g.alloc(24);
    let mut c = vec![WRITE_BUFFER, mode, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 6, 3, len);
    let xfer = usize::try_from(len).unwrap_or(usize::MAX);
    data_out("WRITE BUFFER", c, xfer, Vec::new())
}

/// VARIABLE LENGTH (7Fh) CDBs: READ/WRITE/VERIFY/WRITE AND VERIFY/WRITE
/// SAME(32) or any service action.
fn variable_length(g: &mut Ctx) -> Known {
    let sa: u16 = if g.chance(80) {
        g.pick(&[0x0009, 0x000B, 0x000A, 0x000C, 0x000D])
    } else {
        g.u64() as u16
    };
    let mut c = vec![0u8; 32];
    c[0] = VARIABLE_LENGTH;
    c[7] = if g.chance(90) { 0x18 } else { g.byte() };
    put_be(&mut c, 8, 2, u64::from(sa));
    c[10] = rw_flags(g);
    let (lba, blocks) = g.lba_blocks(64, 32);
    put_be(&mut c, 12, 8, lba);
    put_be(&mut c, 28, 4, blocks);
    let bytes = block_bytes(g, blocks);
    match sa {
        0x0009 => data_in("READ(32)", c, blocks).with_bytes(bytes),
        0x000A => no_data("VERIFY(32)", c),
        0x000D => {
            let bs = g.geo.bs();
            data_out("WRITE SAME(32)", c, bs, Vec::new())
        }
        _ => data_out("VARIABLE LENGTH", c, bytes, Vec::new()),
    }
}

/// START STOP UNIT with any fields (the screening keeps only starts).
fn start_stop_unit(g: &mut Ctx) -> Known {
    let b4 = if g.chance(70) { 0x01 } else { g.byte() };
    no_data(
        "START STOP UNIT",
        vec![START_STOP_UNIT, g.byte() & 0x01, 0, 0, b4, 0],
    )
}

fn prevent_allow(g: &mut Ctx) -> Known {
    no_data(
        "PREVENT ALLOW MEDIUM REMOVAL",
        vec![PREVENT_ALLOW, 0, 0, 0, g.byte() & 0x03, 0],
    )
}

/// RECEIVE DIAGNOSTIC RESULTS, or SEND DIAGNOSTIC with a page (the
/// screening clears the self-test and offline bits).
fn diagnostics(g: &mut Ctx) -> Known {
    if g.chance(50) {
        let alloc = g.alloc(16);
        let mut c = vec![RECEIVE_DIAGNOSTIC, g.byte() & 0x01, g.byte(), 0, 0, 0];
        put_be(&mut c, 3, 2, alloc);
        data_in("RECEIVE DIAGNOSTIC RESULTS", c, alloc)
    } else {
        let len = g.alloc(16);
        let mut c = vec![SEND_DIAGNOSTIC, g.byte(), 0, 0, 0, 0];
        put_be(&mut c, 3, 2, len);
        let xfer = usize::try_from(len).unwrap_or(usize::MAX);
        data_out("SEND DIAGNOSTIC", c, xfer, Vec::new())
    }
}

/// RESERVE and RELEASE (6/10): the same I_T nexus sends everything, so a
/// reservation does not lock the test out.
fn reserve_release(g: &mut Ctx) -> Known {
    let op = g.pick(&[RESERVE_6, RELEASE_6, RESERVE_10, RELEASE_10]);
    let mut c = vec![0u8; if op < 0x20 { 6 } else { 10 }];
    c[0] = op;
    if g.chance(20) {
        c[1] = g.byte();
    }
    no_data("RESERVE/RELEASE", c)
}

fn read_defect_data(g: &mut Ctx) -> Known {
    if g.chance(50) {
        let alloc = g.alloc(16);
        let mut c = vec![READ_DEFECT_10, 0, g.byte() & 0x1F, 0, 0, 0, 0, 0, 0, 0];
        put_be(&mut c, 7, 2, alloc);
        data_in("READ DEFECT DATA(10)", c, alloc)
    } else {
        let alloc = g.alloc(32);
        let mut c = vec![
            READ_DEFECT_12,
            g.byte() & 0x1F,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        put_be(&mut c, 6, 4, alloc);
        data_in("READ DEFECT DATA(12)", c, alloc)
    }
}

fn read_long(g: &mut Ctx) -> Known {
    let lba = g.lba(32);
    let len = if g.chance(50) {
        g.geo.bs() as u64
    } else {
        g.alloc(16)
    };
    let mut c = vec![READ_LONG_10, g.byte() & 0x06, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 2, 4, lba);
    put_be(&mut c, 7, 2, len);
    data_in("READ LONG(10)", c, len)
}

fn security_protocol_in(g: &mut Ctx) -> Known {
    let proto = if g.chance(70) { 0x00 } else { g.byte() };
    let alloc = g.alloc(32);
    let mut c = vec![SECURITY_PROTOCOL_IN, proto, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    put_be(&mut c, 2, 2, g.pick(&[0, 1, 0xFFFF]));
    put_be(&mut c, 6, 4, alloc);
    data_in("SECURITY PROTOCOL IN", c, alloc)
}

fn report_zones(g: &mut Ctx) -> Known {
    let lba = g.lba(64);
    let alloc = g.alloc(32);
    let mut c = vec![0u8; 16];
    c[0] = ZBC_IN;
    c[1] = if g.chance(80) { 0 } else { g.byte() & 0x1F };
    put_be(&mut c, 2, 8, lba);
    put_be(&mut c, 10, 4, alloc);
    c[14] = g.byte() & 0xBF;
    data_in("REPORT ZONES", c, alloc)
}

fn receive_copy_results(g: &mut Ctx) -> Known {
    let alloc = g.alloc(32);
    let mut c = vec![0u8; 16];
    c[0] = RECEIVE_COPY_RESULTS;
    c[1] = g.pick(&[0x00, 0x03, 0x04, 0x05, 0x07]);
    put_be(&mut c, 10, 4, alloc);
    data_in("RECEIVE COPY RESULTS", c, alloc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{Config, Geometry};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_builder_makes_a_sane_cdb() {
        let geo = Geometry {
            last_lba: 1000,
            block_size: 512,
        };
        let cfg = Config {
            max_buffer: 65536,
            dangerous: false,
            match_direction: false,
        };
        let mut g = Ctx {
            rng: ChaCha8Rng::seed_from_u64(0),
            geo: &geo,
            cfg: &cfg,
        };
        for b in BUILDERS {
            for _ in 0..200 {
                let k = b(&mut g);
                assert!((6..=32).contains(&k.cdb.len()), "{}: {:?}", k.name, k.cdb);
                assert_eq!(
                    group_len(k.cdb[0]).unwrap_or(k.cdb.len()),
                    k.cdb.len(),
                    "{}",
                    k.name
                );
                if k.dir != Some(Direction::FromDev) {
                    assert!(k.alloc_limit.is_none(), "{}", k.name);
                }
            }
        }
    }

    #[test]
    fn read_10_fields_are_where_sbc_puts_them() {
        let geo = Geometry {
            last_lba: 99,
            block_size: 512,
        };
        let cfg = Config {
            max_buffer: 1 << 20,
            dangerous: false,
            match_direction: false,
        };
        let mut g = Ctx {
            rng: ChaCha8Rng::seed_from_u64(1),
            geo: &geo,
            cfg: &cfg,
        };
        let mut seen = 0;
        for _ in 0..2000 {
            let k = read_write(&mut g);
            if k.name == "READ(10)" {
                let blocks = get_be(&k.cdb, 7, 2) as usize;
                assert_eq!(k.xfer, blocks * 512);
                assert_eq!(k.alloc_limit, Some(blocks * 512));
                seen += 1;
            }
        }
        assert!(seen > 100);
    }
}
