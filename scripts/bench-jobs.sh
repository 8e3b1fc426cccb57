# SPDX-License-Identifier: GPL-2.0
# Sourced by the benchmark guest scripts: the fio jobs every device runs.
# shellcheck shell=bash
#
# run_jobs NAME DEVICE SIZE_MB SECONDS: prefills the device (so reads hit
# written data), then 4k random read, 4k random write and 128k sequential
# read, QD32 with one job per vCPU, appending "name<TAB>job<TAB>IOPS<TAB>MB/s"
# lines to /tmp/bench.results. Same block-layer set-up for every device: no
# I/O scheduler, so the figures compare drivers, not elevators.
run_jobs() {
	local name=$1 dev=$2 size_mb=$3 secs=$4 jobs
	jobs=$(nproc)
	echo none > "/sys/block/${dev#/dev/}/queue/scheduler"
	fio --name=fill --filename="$dev" --rw=write --bs=1M --size="${size_mb}M" --direct=1 \
		--ioengine=libaio --iodepth=8 --output=/dev/null
	for job in "randread 4k" "randwrite 4k" "read 128k"; do
		# shellcheck disable=SC2086 # "rw bs": split into $1 and $2
		set -- $job
		fio --name="$1-$2" --filename="$dev" --rw="$1" --bs="$2" --size="${size_mb}M" --direct=1 \
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

# report BASE OTHER...: the table of /tmp/bench.results, IOPS of every
# driver, the ratio of BASE to each other one, and MB/s.
report() {
	python3 - "$@" <<'PY'
import sys
base, others = sys.argv[1], sys.argv[2:]
rows = [l.rstrip("\n").split("\t") for l in open("/tmp/bench.results")]
res = {(r[0], r[1]): (float(r[2]), float(r[3])) for r in rows}
jobs = [r[1] for r in rows if r[0] == base]
names = [base] + others
head = f"{'job (QD32 x nproc jobs)':<24}" + "".join(f"{n + ' IOPS':>18}" for n in names)
head += "".join(f"{base[:5] + '/' + o[:8]:>16}" for o in others) + "   MB/s " + " / ".join(names)
print(head)
for j in jobs:
    v = [res[(n, j)] for n in names]
    line = f"{j:<24}" + "".join(f"{x[0]:>18.0f}" for x in v)
    line += "".join(f"{v[0][0] / x[0]:>16.2f}" for x in v[1:])
    print(line + "   " + " / ".join(f"{x[1]:.1f}" for x in v))
PY
}
