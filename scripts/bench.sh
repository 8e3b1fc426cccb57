#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (figures, not a test): in each of BOOTS VM boots (default 1),
# the same fio jobs on the orion virtual adapter, scsi_debug (delay=0) and
# null_blk (memory backed), RUNS times each in alternating order
# (scripts/bench-jobs.sh). Prints the medians with their spread over all
# runs and the orion ratios (with BOOTS > 1, also in each boot); writes
# out/bench/virt-<date>.json and .svg (Documentation/benchmarks.rst).
# usage: [RUNS=N] [BOOTS=N] [BENCH_RUNTIME=seconds per job] [BENCH_NOTE=text]
#        [BENCH_ONLY=job,job...] [BENCH_FIO_ARGS="--opt=v..."] bench.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"

bench_settings
bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
out=$ORION_TOP/out/bench
mkdir -p "$out"
for ((boot = 1; boot <= bench_boots; boot++)); do
	bench_boot_files virt "$boot"
	bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 3G --timeout $((900 + bench_runs * bench_secs * 30)) \
		--rwdir "$out" --log "$boot_log" -- \
		env BENCH_ONLY="${BENCH_ONLY:-}" BENCH_FIO_ARGS="${BENCH_FIO_ARGS:-}" \
		bash "$ORION_TOP/scripts/bench-guest.sh" "$boot_results" "$bench_runs" "$bench_secs"
done
bench_host_report virt "make bench: orion virtual adapter vs scsi_debug vs null_blk" \
	orion scsi_debug null_blk
