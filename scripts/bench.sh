#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (figures, not a test): in one VM boot, the same fio jobs on the
# orion virtual adapter, scsi_debug (delay=0) and null_blk (memory backed),
# RUNS times each in alternating order (scripts/bench-jobs.sh). Prints the
# medians with their spread and the orion ratios; writes
# out/bench/virt-<date>.json and .svg (Documentation/benchmarks.rst).
# usage: [RUNS=N] [BENCH_RUNTIME=seconds per job] [BENCH_NOTE=text]
#        [BENCH_ONLY=job,job...] [BENCH_FIO_ARGS="--opt=v..."] bench.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"

bench_settings
bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
out=$ORION_TOP/out/bench
mkdir -p "$out"
results=$out/virt-$bench_stamp.records.jsonl
bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 3G --timeout $((900 + bench_runs * bench_secs * 30)) \
	--rwdir "$out" --log "$out/virt-$bench_stamp.console.log" -- \
	env BENCH_ONLY="${BENCH_ONLY:-}" BENCH_FIO_ARGS="${BENCH_FIO_ARGS:-}" bash "$ORION_TOP/scripts/bench-guest.sh" "$results" "$bench_runs" "$bench_secs"
bench_host_report virt "make bench: orion virtual adapter vs scsi_debug vs null_blk" "$results" \
	orion scsi_debug null_blk
