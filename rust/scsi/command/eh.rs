// SPDX-License-Identifier: GPL-2.0

//! The command token of an error-handler callback.

use super::{eh_owned, CmdStatus, Command, CommandRef, MIDLAYER};
use crate::{
    bindings,
    scsi::{device::Device, operations::EhContext, operations::HostOperations},
};
use core::{marker::PhantomData, ptr::NonNull};
use kernel::sync::atomic::Release;

/// A command reclaimed inside an error-handler callback
/// ([`CommandRef::take_parked_eh`], [`Command::into_eh`]).
///
/// It borrows the callback's [`EhContext`], so it cannot outlive the call
/// (nor leave its thread): once the callback returns success the midlayer
/// reuses the command, and a token kept past that point would complete a
/// stranger's request.
///
/// # Invariants
///
/// As for [`Command`]: a live command of `T` in state `CLAIMED`, this being
/// its only token.
pub struct EhCommand<'e, T: HostOperations> {
    // Made by `CommandRef::take_parked_eh` and `Command::into_eh` only
    // (the parent module).
    pub(super) ptr: NonNull<bindings::scsi_cmnd>,
    pub(super) _p: PhantomData<(&'e EhContext, *const T)>,
}

impl<T: HostOperations> EhCommand<'_, T> {
    fn cmd_ref(&self) -> &CommandRef<T> {
        // SAFETY: By the type invariant the command is live.
        unsafe { CommandRef::from_raw(self.ptr.as_ptr()) }
    }

    /// The device (LUN) the command is for.
    pub fn device(&self) -> &Device<T> {
        self.cmd_ref().device()
    }

    /// The unique tag (hardware queue in the upper 16 bits, tag below).
    pub fn unique_tag(&self) -> u32 {
        self.cmd_ref().unique_tag()
    }

    /// The driver's per-command data.
    pub fn data(&self) -> &T::CmdData {
        self.cmd_ref().data()
    }

    /// Whether the midlayer timed this command out (the error handler owns
    /// it) rather than it being in flight when a reset came.
    pub fn timed_out(&self) -> bool {
        // SAFETY: By the type invariant the command is live.
        unsafe { eh_owned(self.ptr.as_ptr()) }
    }

    /// Gives the command up; the device must be done with it. A command
    /// the midlayer timed out goes back to the error handler as it is (it
    /// decides about retries); any other command (in flight when a reset
    /// came, or a reset from `SG_SCSI_RESET`) is completed with `status`,
    /// usually [`super::HostByte::Reset`], so the midlayer retries it at once
    /// instead of waiting for its timeout.
    pub fn give_back(self, status: CmdStatus) {
        let timed_out = self.timed_out();
        // INVARIANT: The token moves into `owned`; `self` is forgotten.
        let mut owned = Command::<T> {
            ptr: self.ptr,
            _p: PhantomData,
        };
        core::mem::forget(self);
        if timed_out {
            owned.finished();
            owned.priv_().state.store(MIDLAYER, Release);
            core::mem::forget(owned);
        } else {
            owned.set_result(status);
            owned.finish();
        }
    }
}

impl<T: HostOperations> Drop for EhCommand<'_, T> {
    fn drop(&mut self) {
        // INVARIANT: The token moves into the `Command`, whose drop fails
        // the command loudly (it was not given back explicitly).
        let owned = Command::<T> {
            ptr: self.ptr,
            _p: PhantomData,
        };
        if self.timed_out() {
            owned.finished();
            owned.priv_().state.store(MIDLAYER, Release);
            core::mem::forget(owned);
        }
    }
}
