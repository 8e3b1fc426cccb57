#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark of bench.sh. The three devices (orion's
# virtual adapter, scsi_debug, null_blk) are loaded together, each with
# one disk of the same size, and measured in turn (bench_loop).
# usage: bench-guest.sh RESULTS RUNS SECONDS
set -euo pipefail
: "${ORION_TOP:?}"
[ $# = 3 ] || { echo "usage: bench-guest.sh RESULTS RUNS SECONDS" >&2; exit 2; }
size_mb=256
. "$ORION_TOP/scripts/guest-lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"
BENCH_ORION_STATS_NOTE="debugfs orion_scsi/host<N>/stats" bench_guest_init "$1" "$2" "$3" $size_mb

# Each with one polled queue besides one queue per vCPU, for the polled
# jobs (BENCH_POLL_JOBS); the others use the interrupt-driven queues.
cpus=$(nproc)
insmod "$ORION_TOP/orion_scsi.ko" virt_targets=1 virt_luns=1 virt_capacity_mb=$size_mb megasas=0 lsi=0 \
	virt_poll_queues=1
modprobe scsi_debug delay=0 dev_size_mb=$size_mb max_luns=1 num_tgts=1 \
	submit_queues=$((cpus + 1)) poll_queues=1
modprobe null_blk memory_backed=1 gb=1 queue_mode=2 submit_queues="$cpus" hw_queue_depth=64 \
	poll_queues=1
BENCH_JOBS+=("${BENCH_POLL_JOBS[@]}")
settle
declare -A disk=([orion]=$(host_disk orion_virt) [scsi_debug]=$(host_disk scsi_debug) [null_blk]=/dev/nullb0)
for d in "${!disk[@]}"; do
	[ -b "${disk[$d]}" ] || { echo "bench-guest: no $d disk ('${disk[$d]}')" >&2; exit 1; }
done
echo "bench-guest: orion ${disk[orion]}, scsi_debug ${disk[scsi_debug]}, null_blk ${disk[null_blk]}"

bench_attach() { bench_dev=${disk[$1]}; }
bench_detach() { :; }
bench_loop orion scsi_debug null_blk

rmmod null_blk scsi_debug orion_scsi
