// SPDX-License-Identifier: GPL-2.0

//! The RAM-backed virtual adapter (`orion_virt`): SBC-3 disks emulated in
//! memory, the default adapter when no hardware is present.

pub mod emulation;

mod adapter;
mod config;
mod faults;
mod hosts;
mod io;
mod lun;
mod poll;
mod power;
mod remove;
mod topology;
mod wcache;

pub(crate) use config::VirtConfig;
pub(crate) use hosts::VirtAdapters;
