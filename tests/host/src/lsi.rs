// SPDX-License-Identifier: GPL-2.0

//! LSI53C895A (SPI) adapter logic, mirroring the kernel's `mod lsi`.
//!
//! An assembly error in a SCRIPTS program kept in a `static` (or `const`)
//! item is a build error, not something the kernel meets at run time: here
//! two NOPs (four dwords) do not fit a two-dword program.
//!
//! ```compile_fail,E0080
//! use orion_scsi_host_tests::lsi::scripts::{Asm, AsmError, Program};
//!
//! const fn build() -> Result<Program<2, 0>, AsmError> {
//!     let mut a = Asm::new();
//!     a.nop();
//!     a.nop();
//!     a.finish()
//! }
//!
//! static SCRIPT: Program<2, 0> = match build() {
//!     Ok(p) => p,
//!     Err(e) => panic!("{}", e.message()),
//! };
//! ```
//!
//! The same program with room for both builds:
//!
//! ```
//! use orion_scsi_host_tests::lsi::scripts::{Asm, AsmError, Program};
//!
//! const fn build() -> Result<Program<4, 0>, AsmError> {
//!     let mut a = Asm::new();
//!     a.nop();
//!     a.nop();
//!     a.finish()
//! }
//!
//! static SCRIPT: Program<4, 0> = match build() {
//!     Ok(p) => p,
//!     Err(e) => panic!("{}", e.message()),
//! };
//! assert_eq!(SCRIPT.words(), [0x8000_0000, 0, 0x8000_0000, 0]);
//! ```

// `#[path]` in a non-inline, non-mod.rs file resolves against `src/`.
#[path = "../../../drivers/lsi/scripts/mod.rs"]
pub mod scripts;
