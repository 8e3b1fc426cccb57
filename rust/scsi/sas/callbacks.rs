// SPDX-License-Identifier: GPL-2.0

//! The C function table's trampolines to [`SasOperations`].

use super::{common::write_once, RateLimits, SasOperations, SasPhyRef, SasRphyRef};
use crate::bindings;
use crate::scsi::host::HostRef;
use kernel::prelude::*;

/// The host of a SAS object of a host of `T`.
///
/// # Safety
///
/// `dev` must be a registered phy or remote phy of a host of `T`, inside a
/// callback of the class (its sysfs files exist, so the host has not been
/// removed and its data is live).
unsafe fn host_of<'a, T: SasOperations>(dev: *mut bindings::device) -> Option<&'a HostRef<T>> {
    // SAFETY: `dev` is live; `dev_to_shost` walks up to the host.
    let shost = unsafe { bindings::orion_helper_dev_to_shost(dev) };
    if shost.is_null() {
        return None;
    }
    // SAFETY: The host is live and belongs to `T`, with initialised data
    // (safety requirements).
    Some(unsafe { HostRef::<T>::from_raw(shost) })
}

/// # Safety
///
/// `phy` must be a registered phy of a host of `T`, in a class callback.
unsafe fn phy_cb<'a, T: SasOperations>(
    phy: *mut bindings::sas_phy,
) -> Option<(&'a T::HostData, &'a SasPhyRef)> {
    // SAFETY: As the caller guarantees.
    let host = unsafe { host_of::<T>(&raw mut (*phy).dev) }?;
    // SAFETY: The phy was added, so its identify data is final.
    Some((host.data(), unsafe { SasPhyRef::from_raw(phy) }))
}

/// # Safety
///
/// `rphy` must be a registered remote phy of a host of `T`, in a class
/// callback.
unsafe fn rphy_cb<'a, T: SasOperations>(
    rphy: *mut bindings::sas_rphy,
) -> Option<(&'a T::HostData, &'a SasRphyRef)> {
    // SAFETY: As the caller guarantees.
    let host = unsafe { host_of::<T>(&raw mut (*rphy).dev) }?;
    // SAFETY: The remote phy was added.
    Some((host.data(), unsafe { SasRphyRef::from_raw(rphy) }))
}

/// `get_linkerrors` of the C function table.
///
/// # Safety
///
/// Called by the SAS class, from the sysfs files of a registered phy of a
/// host of `T`.
pub(super) unsafe extern "C" fn get_linkerrors<T: SasOperations>(
    phy: *mut bindings::sas_phy,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_linkerrors(host, p) {
        Ok(e) => {
            // SAFETY: The phy is live; sysfs reads the counters
            // concurrently (another reader's callback), hence `write_once`.
            unsafe {
                write_once(&raw mut (*phy).invalid_dword_count, e.invalid_dword_count);
                write_once(
                    &raw mut (*phy).running_disparity_error_count,
                    e.running_disparity_error_count,
                );
                write_once(
                    &raw mut (*phy).loss_of_dword_sync_count,
                    e.loss_of_dword_sync_count,
                );
                write_once(
                    &raw mut (*phy).phy_reset_problem_count,
                    e.phy_reset_problem_count,
                );
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `get_enclosure_identifier` of the C function table.
///
/// # Safety
///
/// Called by the SAS class, from the sysfs files of a registered remote
/// phy of a host of `T`, with `id` valid for a write.
pub(super) unsafe extern "C" fn get_enclosure_identifier<T: SasOperations>(
    rphy: *mut bindings::sas_rphy,
    id: *mut u64,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, r)) = (unsafe { rphy_cb::<T>(rphy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_enclosure_identifier(host, r) {
        Ok(v) => {
            // SAFETY: The class passes its local variable.
            unsafe { id.write(v) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// `get_bay_identifier` of the C function table.
///
/// # Safety
///
/// As for [`get_enclosure_identifier`].
pub(super) unsafe extern "C" fn get_bay_identifier<T: SasOperations>(
    rphy: *mut bindings::sas_rphy,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, r)) = (unsafe { rphy_cb::<T>(rphy) }) else {
        return ENODEV.to_errno();
    };
    match T::get_bay_identifier(host, r).and_then(|v| c_int::try_from(v).map_err(|_| ERANGE)) {
        Ok(v) => v,
        Err(e) => e.to_errno(),
    }
}

/// `phy_reset` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`].
pub(super) unsafe extern "C" fn phy_reset<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    hard: c_int,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::phy_reset(host, p, hard != 0) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `phy_enable` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`].
pub(super) unsafe extern "C" fn phy_enable<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    enable: c_int,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    match T::phy_enable(host, p, enable != 0) {
        Ok(()) => 0,
        Err(e) => {
            // The class's `enable` file drops the error: say it here.
            dev_err!(p.as_dev(), "phy enable={enable} failed: {e:?}\n");
            e.to_errno()
        }
    }
}

/// `set_phy_speed` of the C function table.
///
/// # Safety
///
/// As for [`get_linkerrors`], with `rates` valid for reads.
pub(super) unsafe extern "C" fn set_phy_speed<T: SasOperations>(
    phy: *mut bindings::sas_phy,
    rates: *mut bindings::sas_phy_linkrates,
) -> c_int {
    // SAFETY: See the function's safety section.
    let Some((host, p)) = (unsafe { phy_cb::<T>(phy) }) else {
        return ENODEV.to_errno();
    };
    // SAFETY: The class passes its local variable.
    let req = unsafe { *rates };
    let limits = match RateLimits::check(req.minimum_linkrate, req.maximum_linkrate, &p.rates()) {
        Ok(l) => l,
        Err(e) => {
            dev_err!(
                p.as_dev(),
                "link rate request (min {}, max {}) refused: {e:?}\n",
                req.minimum_linkrate,
                req.maximum_linkrate
            );
            return EINVAL.to_errno();
        }
    };
    match T::set_phy_speed(host, p, limits) {
        Ok(()) => {
            // SAFETY: The phy is live; sysfs reads these concurrently.
            unsafe {
                if let Some(min) = limits.minimum {
                    write_once(&raw mut (*phy).minimum_linkrate, min.code());
                }
                if let Some(max) = limits.maximum {
                    write_once(&raw mut (*phy).maximum_linkrate, max.code());
                }
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}
