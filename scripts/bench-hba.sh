#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): an orion HBA driver against the kernel's C driver
# on the same emulated controller model and disk (or orion's iSCSI
# initiator against iscsi_tcp on the same target), same fio jobs, in each
# of BOOTS VM boots (default 1), RUNS times each in alternating order
# (scripts/bench-jobs.sh). Prints the medians with their spread over all
# runs, the ratios orion / C, and, with BOOTS > 1, the ratio in each boot;
# writes
# out/bench/<adapter>-<date>.json and .svg (Documentation/benchmarks.rst).
# usage: [RUNS=N] [BOOTS=N] [BENCH_RUNTIME=seconds per job] [BENCH_NOTE=text]
#        [BENCH_SWAP_HBAS=1] [BENCH_ORION_PARAMS="param=value..."]
#        [BENCH_ONLY=job,job...] [BENCH_IRQ_CPU=N] [BENCH_FIO_ARGS="--opt=v..."]
#        bench-hba.sh ADAPTER
#   ADAPTER: megasas, megasas-gen2 (orion_megasas against megaraid_sas),
#            lsi53c895a, lsi53c810 (orion_lsi against sym53c8xx),
#            mptsas1068 (orion_mptsas against mptsas) or
#            iscsi (orion's initiator against iscsi_tcp, on a RAM LUN of a
#            LIO target in the guest, over 127.0.0.1; no emulated adapter)
# The HBA VMs have two identical controllers, each with its own disk: each
# driver gets one (driver_override) for the whole boot, so neither is
# ever unbound (unbinding sym53c8xx warns in 7.3: dma_free_attrs with
# interrupts disabled, in sym_hcb_free, which fails the run). The two
# initiators cannot coexist (both register the transport "tcp"): they are
# loaded and unloaded in turn. The C driver is blacklisted at boot, so that
# nothing binds before the guest script decides who gets what. Orion gets
# the first controller by PCI address; BENCH_SWAP_HBAS=1 gives it the
# second, to check that the controller does not favour a driver.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"

[ $# = 1 ] || die "usage: [RUNS=N] [BENCH_RUNTIME=S] bench-hba.sh ADAPTER"
adapter=$1
bench_hba_spec "$adapter" ||
	die "bench-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810, mptsas1068, iscsi)"
bench_settings
bench_hba_vm_args "$adapter"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
drivers=(orion "$c_driver")
if [ "$adapter" = iscsi ]; then
	. "$ORION_TOP/tests/selftests/iscsi_lib.sh"
	if ! orion_has_iscsi "$ORION_TOP/orion_scsi.ko"; then
		log "bench-hba: orion side skipped: orion_scsi.ko has no '$ORION_ISCSI_PARAM' parameter"
		drivers=("$c_driver")
	fi
fi
out=$ORION_TOP/out/bench
mkdir -p "$out"
for ((boot = 1; boot <= bench_boots; boot++)); do
	bench_boot_files "$name" "$boot"
	bash "$ORION_TOP/scripts/vm-run.sh" --timeout $((900 + bench_runs * bench_secs * 30)) \
		"${vm_args[@]}" --rwdir "$out" --log "$boot_log" -- \
		env BENCH_SWAP_HBAS="${BENCH_SWAP_HBAS:-0}" BENCH_ORION_PARAMS="${BENCH_ORION_PARAMS:-}" \
		BENCH_ONLY="${BENCH_ONLY:-}" BENCH_IRQ_CPU="${BENCH_IRQ_CPU:-}" BENCH_FIO_ARGS="${BENCH_FIO_ARGS:-}" \
		bash "$ORION_TOP/scripts/$guest" "$boot_results" "$bench_runs" "$bench_secs" "$adapter" "${drivers[@]}"
done
bench_host_report "$name" "bench-hba.sh $adapter: orion${BENCH_ORION_PARAMS:+ ($BENCH_ORION_PARAMS)} vs $c_driver" "${drivers[@]}"
