# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The kernel log lines that fail a test run: an oops, BUG, WARNING,
# KASAN/UBSAN report, lockdep splat, hung task, kmemleak report, Rust panic
# or an IOMMU (DMAR) fault, i.e. a device access to memory it does not own.
# One list for the host's check of the guest console (vm-run.sh), the
# guest's own check (vm-guest.sh) and the tests' dmesg_clean. Source it.
# shellcheck disable=SC2034 # used by the scripts that source this file
ORION_SPLAT_RE='(BUG:|Oops|WARNING:|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak:.*new suspected|possible recursive locking|circular locking dependency|INFO: task .* blocked|Call Trace:|RUST PANIC|panicked at|DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault)'
