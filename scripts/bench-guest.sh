#!/usr/bin/env bash
# Inside the VM: runs the benchmark jobs on each device kind (see bench.sh).
# usage: bench-guest.sh [seconds per job]
set -euo pipefail
: "${ORION_TOP:?}"
secs=${1:-15}
size_mb=256
jobs=$(nproc)

# Each device is prefilled so reads hit written data on every kind.
# Same block-layer set-up for every device: no I/O scheduler (the default
# for multi-queue devices, what fast SSD/NVMe set-ups use), so the figures
# compare drivers, not elevators.
run_jobs() {  # name device
	local name=$1 dev=$2
	echo none > "/sys/block/${dev#/dev/}/queue/scheduler"
	fio --name=fill --filename="$dev" --rw=write --bs=1M --size=${size_mb}M --direct=1 \
		--ioengine=libaio --iodepth=8 --output=/dev/null
	for job in "randread 4k" "randwrite 4k" "read 128k"; do
		set -- $job
		fio --name="$1-$2" --filename="$dev" --rw="$1" --bs="$2" --size=${size_mb}M --direct=1 \
			--ioengine=libaio --iodepth=32 --numjobs="$jobs" --group_reporting \
			--time_based --runtime="$secs" --output-format=json --output=/tmp/bench.json
		python3 - "$name" "$1 $2" <<'PY' >> /tmp/bench.results
import json, sys
j = json.load(open("/tmp/bench.json"))["jobs"][0]
side = j["read"] if j["read"]["io_bytes"] else j["write"]
print(f"{sys.argv[1]}\t{sys.argv[2]}\t{side['iops']:.0f}\t{side['bw_bytes'] / 1e6:.1f}")
PY
	done
}

: > /tmp/bench.results
insmod "$ORION_TOP/orion_scsi.ko" virt_targets=1 virt_luns=1 virt_capacity_mb=$size_mb
udevadm settle
orion=/dev/$(ls /sys/class/scsi_host/host*/device/target*/*/block 2>/dev/null | head -1)
run_jobs orion "$orion"
rmmod orion_scsi

modprobe scsi_debug delay=0 dev_size_mb=$size_mb max_luns=1 num_tgts=1
udevadm settle
sdebug=/dev/$(ls /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block | head -1)
run_jobs scsi_debug "$sdebug"
rmmod scsi_debug

modprobe null_blk memory_backed=1 gb=1 queue_mode=2 submit_queues="$jobs" hw_queue_depth=64
udevadm settle
run_jobs null_blk /dev/nullb0
rmmod null_blk

python3 - <<'PY'
rows = [l.rstrip("\n").split("\t") for l in open("/tmp/bench.results")]
res = {(r[0], r[1]): (float(r[2]), float(r[3])) for r in rows}
jobs = [r[1] for r in rows if r[0] == "orion"]
print(f"{'job (QD32 x nproc jobs)':<24}{'orion IOPS':>12}{'scsi_debug':>12}{'null_blk':>12}{'o/sdebug':>10}{'o/null':>8}   MB/s o / sd / null")
for j in jobs:
    o, s, n = res[("orion", j)], res[("scsi_debug", j)], res[("null_blk", j)]
    print(f"{j:<24}{o[0]:>12.0f}{s[0]:>12.0f}{n[0]:>12.0f}{o[0]/s[0]:>10.2f}{o[0]/n[0]:>8.2f}   {o[1]:.1f} / {s[1]:.1f} / {n[1]:.1f}")
PY
