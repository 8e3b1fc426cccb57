// SPDX-License-Identifier: GPL-2.0

//! Backing stores for software adapters.

pub mod sparse_pages;

pub use sparse_pages::{Persist, SparsePages};
