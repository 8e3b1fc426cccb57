#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): orion's MegaRAID driver against the kernel's
# megaraid_sas on the same QEMU megasas controller and disk, in one VM boot,
# each driver bound in turn, same fio jobs. Prints IOPS, MB/s and ratios.
# usage: bench-megasas.sh [seconds per job] (default 15); MODEL=megasas-gen2
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
mkdir -p "$ORION_TOP/out"
bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 2G --timeout 1800 \
	--adapters "${MODEL:-megasas}" --disks 1 --disk-size 1G \
	--log "$ORION_TOP/out/bench-megasas-console.log" -- bash "$ORION_TOP/scripts/bench-megasas-guest.sh" "$@"
