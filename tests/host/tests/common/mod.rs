// SPDX-License-Identifier: GPL-2.0

#![allow(dead_code, unused_imports)]

pub use orion_scsi_host_tests::proto::sense::{
    self, parse, AscAscq, FieldPointer, Sense, SenseKey,
};
pub use orion_scsi_host_tests::virt::emulation::{self as emu, decode, Command, LunConfig};

pub fn lun512() -> LunConfig {
    LunConfig::new(0, 0, 0, 512, 1 << 21).unwrap() // 1 GiB
}

pub fn lun4k() -> LunConfig {
    LunConfig::new(0, 1, 3, 4096, 1 << 18).unwrap() // 1 GiB
}

pub fn assert_sense(r: Result<Command, Sense>, key: SenseKey, code: AscAscq) -> Sense {
    match r {
        Ok(c) => panic!("expected {key:?} {code:?}, got Ok({c:?})"),
        Err(s) => {
            assert_eq!(s.key, key, "{s:?}");
            assert_eq!((s.asc, s.ascq), (code.asc, code.ascq), "{s:?}");
            s
        }
    }
}

pub fn assert_invalid_cdb(r: Result<Command, Sense>, byte: u16, bit: Option<u8>) {
    let s = assert_sense(r, SenseKey::IllegalRequest, sense::INVALID_FIELD_IN_CDB);
    assert_eq!(
        s.field,
        Some(FieldPointer {
            in_cdb: true,
            byte,
            bit
        }),
        "{s:?}"
    );
}

pub fn be16(b: &[u8], o: usize) -> u16 {
    u16::from_be_bytes(b[o..o + 2].try_into().unwrap())
}
pub fn be32(b: &[u8], o: usize) -> u32 {
    u32::from_be_bytes(b[o..o + 4].try_into().unwrap())
}
pub fn be64(b: &[u8], o: usize) -> u64 {
    u64::from_be_bytes(b[o..o + 8].try_into().unwrap())
}

/// Builds a 10-byte CDB with the LBA at 2..6 and length at 7..9.
pub fn cdb10(op: u8, b1: u8, lba: u32, len: u16) -> [u8; 10] {
    let mut c = [0u8; 10];
    c[0] = op;
    c[1] = b1;
    c[2..6].copy_from_slice(&lba.to_be_bytes());
    c[7..9].copy_from_slice(&len.to_be_bytes());
    c
}

pub fn cdb12(op: u8, b1: u8, lba: u32, len: u32) -> [u8; 12] {
    let mut c = [0u8; 12];
    c[0] = op;
    c[1] = b1;
    c[2..6].copy_from_slice(&lba.to_be_bytes());
    c[6..10].copy_from_slice(&len.to_be_bytes());
    c
}

pub fn cdb16(op: u8, b1: u8, lba: u64, len: u32) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[0] = op;
    c[1] = b1;
    c[2..10].copy_from_slice(&lba.to_be_bytes());
    c[10..14].copy_from_slice(&len.to_be_bytes());
    c
}

/// Simple xorshift64* generator (no external crates).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn byte(&mut self) -> u8 {
        (self.next() >> 56) as u8
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
