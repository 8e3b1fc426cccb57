#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Profile (not a test, not a benchmark): where the guest's CPU time goes
# while an orion HBA driver and the kernel's C driver each run the same fio
# job on the same emulated controller model, in one boot (the set-up of
# bench-hba.sh: two identical controllers, one per driver). For each driver:
# IOPS, interrupts per command (from /proc/interrupts), the guest's CPU time
# split (/proc/stat: busy or idle; idle means waiting for the emulated
# device), and a perf profile (cpu-clock samples, all CPUs, call graphs;
# TCG has no hardware counters) with its top symbols.
# Writes out/profile/<adapter>-<date>/ (summary.txt, and per driver and
# job <driver>-<job>.perf.txt, .callers.txt, .fio.json and .perf.data,
# with the guest's kallsyms for perf report --kallsyms) and prints the
# summary. Default jobs: randread-4k (QD32 x 2) and lat-randread-4k (QD1).
# usage: [PROFILE_RUNTIME=seconds] [PROFILE_JOBS=names in BENCH_JOBS, comma list]
#        [PROFILE_SCHED=none|default|bench] [BENCH_ORION_PARAMS="param=value..."]
#        [PROFILE_QEMU_TRACE=events-file] [PROFILE_ICOUNT=1]
#        profile-hba.sh ADAPTER
#   ADAPTER: megasas, megasas-gen2, lsi53c895a, lsi53c810, mptsas1068
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"

[ $# = 1 ] || die "usage: [PROFILE_RUNTIME=S] [PROFILE_JOBS=JOB,...] profile-hba.sh ADAPTER"
adapter=$1
[ "$adapter" != iscsi ] || die "profile-hba: iscsi has no controller to profile"
bench_hba_spec "$adapter" ||
	die "profile-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810, mptsas1068)"
secs=${PROFILE_RUNTIME:-20}
jobs=${PROFILE_JOBS:-randread-4k,lat-randread-4k}
bench_check_number PROFILE_RUNTIME "$secs"
bench_hba_vm_args "$adapter"
bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
out=$ORION_TOP/out/profile/$adapter-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# PROFILE_QEMU_TRACE=FILE: QEMU trace events (one name or pattern per
# line, e.g. megasas_mmio_writel) logged with thread id and time in µs
# to OUTDIR/qemu-trace.log: what the device model does per command.
if [ -n "${PROFILE_QEMU_TRACE:-}" ]; then
	[ -r "$PROFILE_QEMU_TRACE" ] || die "profile-hba: PROFILE_QEMU_TRACE: cannot read '$PROFILE_QEMU_TRACE'"
	vm_args+=(--qemu-opt -trace --qemu-opt "events=$(realpath "$PROFILE_QEMU_TRACE")"
		--qemu-opt -D --qemu-opt "$out/qemu-trace.log" --qemu-opt -msg --qemu-opt timestamp=on)
fi
# PROFILE_ICOUNT=1: count the guest kernel's instructions per command and
# function in each measured run (tools/qemu-icount, a QEMU TCG plugin;
# scripts/icount.py prints them). Exact and repeatable where times under
# TCG are not; the plugin slows the guest, so the run's other figures
# are not comparable with a run without it.
icount_mark=
if [ "${PROFILE_ICOUNT:-0}" = 1 ]; then
	icount_dir=$ORION_CACHE/icount
	icount_addr=0x13370000
	mkdir -p "$icount_dir"
	gcc -O2 -Wall -shared -fPIC -fvisibility=hidden -o "$icount_dir/icount.so" \
		"$ORION_TOP/tools/qemu-icount/icount.c" -lpthread ||
		die "profile-hba: cannot build the icount plugin"
	gcc -nostdlib -static -Wl,-Ttext=$icount_addr -o "$icount_dir/mark" \
		"$ORION_TOP/tools/qemu-icount/mark.S" ||
		die "profile-hba: cannot build the icount mark"
	icount_mark=$icount_dir/mark
	vm_args+=(--qemu-opt -plugin --qemu-opt "$icount_dir/icount.so,mark=$icount_addr,out=$out/icount")
fi
bash "$ORION_TOP/scripts/vm-run.sh" --timeout $((900 + secs * 20)) \
	"${vm_args[@]}" --rwdir "$out" --log "$out/console.log" -- \
	env BENCH_SWAP_HBAS="${BENCH_SWAP_HBAS:-0}" BENCH_ORION_PARAMS="${BENCH_ORION_PARAMS:-}" BENCH_IRQ_CPU="${BENCH_IRQ_CPU:-}" \
	PROFILE_SCHED="${PROFILE_SCHED:-none}" PROFILE_MARK="$icount_mark" bash "$ORION_TOP/scripts/profile-hba-guest.sh" "$out" "$secs" "$jobs" "$adapter" orion "$c_driver"
[ -z "$icount_mark" ] || python3 "$ORION_TOP/scripts/icount.py" "$out" >> "$out/summary.txt"
cat "$out/summary.txt"
log "profile-hba: perf reports in $out"
