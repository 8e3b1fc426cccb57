#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Both controller models with MSI and MSI-X switched off in QEMU: the driver
# falls back to (shared) INTx by itself, and data is intact.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
megasas_irq_fallback_test INTx
