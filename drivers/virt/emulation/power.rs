// SPDX-License-Identifier: GPL-2.0

//! A virtual host's power state as one word, so that a single atomic load
//! tells a command whether the host is on and which power-on it runs in.
//!
//! The low 32 bits are the power generation: even when on, odd when off;
//! every cut of a powered host and every power-on moves it by one. The
//! high 32 bits count the cuts in progress (a fault rule may cut on one
//! CPU while the `power` file cuts on another). A command that saw the
//! host on completes only if the generation is still the same when it is
//! done ([`PowerState::unbroken`]): otherwise a cut ran while it did, and
//! what it made durable (SYNCHRONIZE CACHE, FUA, WCE turned off) may be
//! gone. Power-on waits until no cut is in progress
//! ([`PowerState::powered_on`]), so that no command runs while a cut
//! still rolls pages back.
//!
//! Everything here is `core`-only and panic-free.

/// A host's power state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerState(pub u64);

impl PowerState {
    /// A new host: on, generation 0, no cut in progress.
    pub const ON: Self = PowerState(0);

    fn generation(self) -> u32 {
        self.0 as u32
    }

    /// Whether the host has power.
    pub fn is_on(self) -> bool {
        self.generation() & 1 == 0
    }

    /// Cuts in progress.
    pub fn cutting(self) -> u32 {
        (self.0 >> 32) as u32
    }

    fn with(generation: u32, cutting: u32) -> Self {
        PowerState((u64::from(cutting) << 32) | u64::from(generation))
    }

    /// A cut starts: the host is off (a new generation if it was on) and
    /// one more cut is in progress.
    pub fn cut_started(self) -> Self {
        let g = self.generation();
        let g = if self.is_on() { g.wrapping_add(1) } else { g };
        Self::with(g, self.cutting().saturating_add(1))
    }

    /// A cut is done.
    pub fn cut_done(self) -> Self {
        Self::with(self.generation(), self.cutting().saturating_sub(1))
    }

    /// Power on: the new state, itself when already on, `None` while a
    /// cut is in progress (try again when it is done).
    pub fn powered_on(self) -> Option<Self> {
        if self.cutting() > 0 {
            return None;
        }
        if self.is_on() {
            return Some(self);
        }
        Some(Self::with(self.generation().wrapping_add(1), 0))
    }

    /// Whether a command that started in `self` may complete as it ran,
    /// the state now being `now`: the host was on then and no cut has
    /// started since.
    pub fn unbroken(self, now: Self) -> bool {
        self.is_on() && now.generation() == self.generation()
    }
}
