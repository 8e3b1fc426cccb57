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

# bench_guest_args RESULTS NAME PROC_NAME SECONDS DEPTH LOAD...: the
# arguments of the one-device guest scripts (bench-hba-guest.sh,
# bench-iscsi-guest.sh; described there), into the variables results,
# name, proc, secs, depth and the array load; exits with the usage when
# they are short.
# shellcheck disable=SC2034 # set for the script that calls it
bench_guest_args() {
	[ $# -ge 6 ] || { echo "usage: ${0##*/} RESULTS NAME PROC_NAME SECONDS DEPTH LOAD..." >&2; exit 2; }
	results=$1 name=$2 proc=$3 secs=$4 depth=$5
	shift 5
	load=("$@")
}

# bench_disk RESULTS NAME DEVICE DEPTH SIZE_MB SECONDS: the jobs on one
# device, measured as NAME, its queue depth first set to DEPTH (the same
# for every driver compared) and checked; the results are appended to
# RESULTS (a file in a directory the guest may write).
bench_disk() {
	local results=$1 name=$2 dev=$3 depth=$4 qd=/sys/block/${3#/dev/}/device/queue_depth
	# Read-only without change_queue_depth (root's test -w cannot tell):
	# then the driver's load command must have set it.
	[[ $(stat -c %A "$qd") != ??w* ]] || echo "$depth" > "$qd"
	[ "$(cat "$qd")" = "$depth" ] || { echo "bench: $dev queue_depth $(cat "$qd"), not $depth" >&2; return 1; }
	: > /tmp/bench.results
	run_jobs "$name" "$dev" "$5" "$6"
	cat /tmp/bench.results >> "$results"
}

# report FILE BASE OTHER...: the table of a results file (lines appended
# by run_jobs, by one or several boots): per driver and job the median IOPS
# over the runs with their range when there are several, the ratio of
# BASE's median to each other driver's, and median MB/s.
report() {
	python3 - "$@" <<'PY'
import statistics, sys
path, base, others = sys.argv[1], sys.argv[2], sys.argv[3:]
res = {}
jobs = []
for line in open(path):
    name, job, iops, mbs = line.rstrip("\n").split("\t")
    res.setdefault((name, job), []).append((float(iops), float(mbs)))
    if name == base and job not in jobs:
        jobs.append(job)
names = [base] + others
runs = min(len(v) for v in res.values())
print(f"median of {runs} run(s)" + (", IOPS range min-max in brackets" if runs > 1 else ""))
head = f"{'job (QD32 x nproc jobs)':<24}" + "".join(f"{n + ' IOPS':>26}" for n in names)
head += "".join(f"{base[:5] + '/' + o[:8]:>16}" for o in others) + "   MB/s " + " / ".join(names)
print(head)
for j in jobs:
    med, cells = [], []
    for n in names:
        v = res[(n, j)]
        iops = [x[0] for x in v]
        med.append((statistics.median(iops), statistics.median(x[1] for x in v)))
        rng = f" [{min(iops):.0f}-{max(iops):.0f}]" if len(v) > 1 else ""
        cells.append(f"{med[-1][0]:.0f}{rng}")
    line = f"{j:<24}" + "".join(f"{c:>26}" for c in cells)
    line += "".join(f"{med[0][0] / m[0]:>16.2f}" for m in med[1:])
    print(line + "   " + " / ".join(f"{m[1]:.1f}" for m in med))
PY
}
