// SPDX-License-Identifier: GPL-2.0

//! Data and sense buffers with guard bytes: a known pattern right before
//! and right after the part the kernel is told about. Anything written
//! there is data beyond the transfer length (or before its start).

/// Page size the data region is aligned to, so that sg's direct I/O and
/// the block layer's user mapping can use the buffer's own pages.
const PAGE: usize = 4096;
/// Guard bytes on each side of the data region.
pub const GUARD: usize = 4096;
/// The largest `mx_sb_len` (an unsigned char).
pub const SENSE_MAX: usize = 255;
/// Guard bytes after the largest sense buffer.
const SENSE_GUARD: usize = 64;

/// The guard pattern: not a constant, so that a device writing one byte
/// value over it cannot hide.
pub fn canary(i: usize) -> u8 {
    0xA5 ^ (i as u8).wrapping_mul(0x3B)
}

/// Which side of the data region a guard byte was found changed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// In the bytes before the data region.
    Before,
    /// In the bytes after it, i.e. beyond `dxfer_len`.
    After,
}

/// A changed guard byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardHit {
    /// Which guard.
    pub side: Side,
    /// Distance from the data region: 0 is the byte right next to it.
    pub distance: usize,
    /// How many guard bytes on that side differ.
    pub changed: usize,
}

/// A page-aligned data region of up to `capacity` bytes between two guards.
pub struct GuardBuf {
    raw: Vec<u8>,
    start: usize,
    capacity: usize,
    len: usize,
}

impl GuardBuf {
    /// A buffer for transfers of up to `capacity` bytes.
    pub fn new(capacity: usize) -> GuardBuf {
        let raw = vec![0u8; capacity + 2 * GUARD + PAGE];
        let misalign = raw[GUARD..].as_ptr().align_offset(PAGE).min(PAGE - 1);
        let mut b = GuardBuf {
            raw,
            start: GUARD + misalign,
            capacity,
            len: 0,
        };
        b.prepare(0, &[], false);
        b
    }

    /// Sets the transfer length and writes both guards; when `sends`, fills
    /// the data region with `payload`, repeated.
    pub fn prepare(&mut self, len: usize, payload: &[u8], sends: bool) {
        let len = len.min(self.capacity);
        self.len = len;
        let (start, end) = (self.start, self.start + len);
        for (i, b) in self.raw[start - GUARD..start].iter_mut().rev().enumerate() {
            *b = canary(i);
        }
        for (i, b) in self.raw[end..end + GUARD].iter_mut().enumerate() {
            *b = canary(i);
        }
        if sends && !payload.is_empty() {
            for chunk in self.raw[start..end].chunks_mut(payload.len()) {
                chunk.copy_from_slice(&payload[..chunk.len()]);
            }
        }
    }

    /// The data region for the kernel; `len` must be what was prepared.
    pub fn region_mut(&mut self, len: usize) -> *mut u8 {
        debug_assert_eq!(len, self.len);
        self.raw[self.start..].as_mut_ptr()
    }

    /// The data region as it is now.
    pub fn data(&self) -> &[u8] {
        &self.raw[self.start..self.start + self.len]
    }

    /// The data region and its guards, for tests that play the device.
    #[cfg(test)]
    pub fn with_guards_mut(&mut self) -> &mut [u8] {
        &mut self.raw[self.start - GUARD..self.start + self.len + GUARD]
    }

    /// The first changed guard byte, the one closest to the data region
    /// after it first (data beyond the transfer length), then before it.
    pub fn check(&self) -> Option<GuardHit> {
        let (start, end) = (self.start, self.start + self.len);
        let after = &self.raw[end..end + GUARD];
        let before = &self.raw[start - GUARD..start];
        let hit = |side, it: &mut dyn Iterator<Item = (usize, &u8)>| {
            let bad: Vec<usize> = it
                .filter(|(i, b)| **b != canary(*i))
                .map(|(i, _)| i)
                .collect();
            bad.first().map(|&distance| GuardHit {
                side,
                distance,
                changed: bad.len(),
            })
        };
        hit(Side::After, &mut after.iter().enumerate())
            .or_else(|| hit(Side::Before, &mut before.iter().rev().enumerate()))
    }
}

/// A sense buffer of `SENSE_MAX` bytes plus a guard; before each command
/// every byte holds the guard pattern, so bytes past `sb_len_wr` must
/// still hold it afterwards.
pub struct SenseBuf {
    raw: [u8; SENSE_MAX + SENSE_GUARD],
}

impl Default for SenseBuf {
    fn default() -> Self {
        SenseBuf {
            raw: [0; SENSE_MAX + SENSE_GUARD],
        }
    }
}

impl SenseBuf {
    /// Fills the whole buffer with the guard pattern.
    pub fn prepare(&mut self) {
        for (i, b) in self.raw.iter_mut().enumerate() {
            *b = canary(i);
        }
    }

    /// The buffer for the kernel (at most `mx_sb_len` bytes of it are used).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.raw.as_mut_ptr()
    }

    /// Test access: the whole buffer.
    #[cfg(test)]
    pub fn raw_mut(&mut self) -> &mut [u8] {
        &mut self.raw
    }

    /// The sense bytes the kernel says it wrote.
    pub fn written(&self, sb_len_wr: u8) -> &[u8] {
        &self.raw[..usize::from(sb_len_wr).min(SENSE_MAX)]
    }

    /// Offset of the first byte at or after `sb_len_wr` that changed.
    pub fn check(&self, sb_len_wr: u8) -> Option<usize> {
        let from = usize::from(sb_len_wr);
        (from..self.raw.len()).find(|&i| self.raw[i] != canary(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_region_is_page_aligned() {
        let mut b = GuardBuf::new(10000);
        b.prepare(512, &[], false);
        assert_eq!(b.region_mut(512) as usize % PAGE, 0);
    }

    #[test]
    fn untouched_guards_pass() {
        let mut b = GuardBuf::new(8192);
        b.prepare(700, &[1, 2, 3], true);
        assert_eq!(b.check(), None);
        assert_eq!(&b.data()[..7], &[1, 2, 3, 1, 2, 3, 1]);
        // A full region written by "the device" is fine.
        let g = b.with_guards_mut();
        g[GUARD..GUARD + 700].fill(0xEE);
        assert_eq!(b.check(), None);
    }

    #[test]
    fn a_write_past_the_buffer_is_caught() {
        let mut b = GuardBuf::new(8192);
        b.prepare(512, &[], false);
        let g = b.with_guards_mut();
        // One byte past the end, and one further on.
        g[GUARD + 512] ^= 0xFF;
        g[GUARD + 512 + 100] ^= 0x01;
        assert_eq!(
            b.check(),
            Some(GuardHit {
                side: Side::After,
                distance: 0,
                changed: 2
            })
        );
    }

    #[test]
    fn a_write_before_the_buffer_is_caught() {
        let mut b = GuardBuf::new(8192);
        b.prepare(0, &[], false);
        let g = b.with_guards_mut();
        g[GUARD - 3] = !canary(2);
        assert_eq!(
            b.check(),
            Some(GuardHit {
                side: Side::Before,
                distance: 2,
                changed: 1
            })
        );
    }

    #[test]
    fn a_shorter_transfer_after_a_longer_one_rewrites_the_guard() {
        let mut b = GuardBuf::new(8192);
        b.prepare(4096, &[0x5A], true);
        b.prepare(100, &[], false);
        assert_eq!(b.check(), None);
    }

    #[test]
    fn sense_past_sb_len_wr_is_caught() {
        let mut s = SenseBuf::default();
        s.prepare();
        s.raw_mut()[..18].fill(0);
        assert_eq!(s.check(18), None);
        assert_eq!(s.check(10), Some(10));
        s.raw_mut()[40] = !canary(40);
        assert_eq!(s.check(18), Some(40));
    }
}
