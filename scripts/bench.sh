#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (figures, not a test): in one VM boot, the same fio jobs on the
# orion virtual adapter, scsi_debug (delay=0) and null_blk (memory backed).
# Prints IOPS and MB/s per device and job, and the orion ratios.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
mkdir -p "$ORION_TOP/out"
bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 3G --timeout 1800 \
	--log "$ORION_TOP/out/bench-console.log" -- bash "$ORION_TOP/scripts/bench-guest.sh" "$@"
