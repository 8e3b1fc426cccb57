#!/usr/bin/env bash
# Both controller models with MSI and MSI-X switched off in QEMU: the driver
# falls back to (shared) INTx by itself, and data is intact.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
megasas_irq_fallback_test INTx
