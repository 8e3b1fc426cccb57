// SPDX-License-Identifier: GPL-2.0

//! The parameters iscsid sets on a session or connection (negotiated at
//! login, or from the node's settings), kept as the strings it sent so
//! sysfs shows them back unchanged, with the numbers the data path needs
//! parsed from them.

use crate::scsi::iscsi::Param;
use kernel::prelude::*;

/// Longest value kept (target names are at most 223 bytes, RFC 7143).
const MAX_VALUE: usize = 256;

/// Parameter numbers kept (`ISCSI_PARAM_MAX` is below this).
const SLOTS: usize = 96;

/// Values by parameter number.
pub(crate) struct ParamStore {
    values: KVec<Option<KVec<u8>>>,
}

impl ParamStore {
    pub(crate) fn new() -> Result<Self> {
        let mut values = KVec::with_capacity(SLOTS, GFP_KERNEL)?;
        for _ in 0..SLOTS {
            values.push(None, GFP_KERNEL)?;
        }
        Ok(Self { values })
    }

    /// Records `value` for `param`; `EINVAL` if it is too long or not text.
    pub(crate) fn set(&mut self, param: Param, value: &[u8]) -> Result {
        if value.len() > MAX_VALUE || core::str::from_utf8(value).is_err() {
            return Err(EINVAL);
        }
        let slot = self.values.get_mut(param.raw() as usize).ok_or(ENOSYS)?;
        let mut v = KVec::with_capacity(value.len(), GFP_KERNEL)?;
        v.extend_from_slice(value, GFP_KERNEL)?;
        *slot = Some(v);
        Ok(())
    }

    /// The value recorded for `param`, if any.
    pub(crate) fn get(&self, param: Param) -> Option<&str> {
        let v = self.values.get(param.raw() as usize)?.as_ref()?;
        core::str::from_utf8(v).ok()
    }
}
