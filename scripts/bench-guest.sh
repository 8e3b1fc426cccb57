#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: runs the benchmark jobs on each device kind (see bench.sh).
# usage: bench-guest.sh [seconds per job]
set -euo pipefail
: "${ORION_TOP:?}"
secs=${1:-15}
size_mb=256
jobs=$(nproc)

. "$ORION_TOP/scripts/bench-jobs.sh"

: > /tmp/bench.results
insmod "$ORION_TOP/orion_scsi.ko" virt_targets=1 virt_luns=1 virt_capacity_mb=$size_mb
udevadm settle
orion=/dev/$(find /sys/class/scsi_host/host*/device/target*/*/block/ -mindepth 1 -maxdepth 1 2>/dev/null |
	sed 's|.*/||' | head -1)
run_jobs orion "$orion" $size_mb "$secs"
rmmod orion_scsi

modprobe scsi_debug delay=0 dev_size_mb=$size_mb max_luns=1 num_tgts=1
udevadm settle
sdebug=/dev/$(find /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/ -mindepth 1 -maxdepth 1 |
	sed 's|.*/||' | head -1)
run_jobs scsi_debug "$sdebug" $size_mb "$secs"
rmmod scsi_debug

modprobe null_blk memory_backed=1 gb=1 queue_mode=2 submit_queues="$jobs" hw_queue_depth=64
udevadm settle
run_jobs null_blk /dev/nullb0 $size_mb "$secs"
rmmod null_blk

report /tmp/bench.results orion scsi_debug null_blk
