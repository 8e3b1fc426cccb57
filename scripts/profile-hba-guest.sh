#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: profile-hba.sh's measurements. The controllers are handed
# out as for the benchmark (bench_hba_bind); each driver then runs the job
# once without perf (IOPS, interrupts, CPU split) and once under perf
# record (the profile; sampling costs IOPS, so its figures are not used).
# usage: profile-hba-guest.sh OUTDIR SECONDS JOB[,JOB...] ADAPTER DRIVER...
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 5 ] || { echo "usage: profile-hba-guest.sh OUTDIR SECONDS JOB[,JOB...] ADAPTER DRIVER..." >&2; exit 2; }
out=$1 secs=$2 jobs=$3
# PROFILE_SCHED: none; default (the kernel's choice, left alone); or
# bench (the kernel's choice set again after none, as every benchmark
# measurement does: the elevator is torn down and set up anew).
sched=${PROFILE_SCHED:-none}
. "$ORION_TOP/scripts/guest-lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"
bench_hba_spec "$4"
shift 4
bench_secs=$secs bench_size_mb=512
bench_hba_bind
debugfs_mount

# irq_count PCIDEV: interrupts taken so far by the function's vectors,
# all CPUs.
irq_count() {
	local irqs=() n
	mapfile -t irqs < <(irq_numbers "$1")
	n=0
	for i in "${irqs[@]}"; do
		n=$((n + $(awk -v irq="$i:" '$1 == irq { s = 0; for (c = 2; c <= NF && $c ~ /^[0-9]+$/; c++) s += $c; print s }' /proc/interrupts)))
	done
	echo "$n"
}

# fio_cpu_sampler OUT: until killed, every 0.1 s, the CPU each fio job
# process last ran on (the CPU its requests are submitted from, where
# blk-mq completes them: an interrupt elsewhere costs an IPI).
fio_cpu_sampler() {
	local main
	while sleep 0.1; do
		main=$(pgrep -xo fio) || continue
		ps -o ppid=,psr= -C fio | awk -v main="$main" '$1 == main { print $2 }'
	done > "$1"
}

# inflight_sampler DEV OUT: until killed, every 0.05 s, a line with the
# requests of DEV issued to the driver and not completed (sysfs inflight,
# reads plus writes), and those the block layer holds in all (field 9 of
# sysfs stat: also the ones waiting in the I/O scheduler).
inflight_sampler() {
	local reads writes stat
	# The read builtin, not a process per look: the sampler must not
	# take the CPU it measures.
	while sleep 0.05; do
		read -r reads writes < "/sys/block/${1#/dev/}/inflight"
		read -r -a stat < "/sys/block/${1#/dev/}/stat"
		echo $((reads + writes)) "${stat[8]}"
	done > "$2"
}

# SW_EVENTS: scheduler events counted by perf stat over the measured run
# (the reference kernel has no tracepoints).
SW_EVENTS=context-switches,cpu-migrations

# scsi_counts DEV: the midlayer's counters of DEV: commands handed to
# the driver's queuecommand (a "busy" answer counts too), completed.
scsi_counts() {
	local d=/sys/block/${1#/dev/}/device
	echo $(($(cat "$d/iorequest_cnt"))) $(($(cat "$d/iodone_cnt")))
}

# cpu_ticks: total and idle (idle + iowait) jiffies of all CPUs.
cpu_ticks() { awk '$1 == "cpu" { print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6 }' /proc/stat; }

# profile_job JOB DRIVER...: JOB (a BENCH_JOBS line) on each driver's disk,
# once measured, once under perf: the flat profile, and the callers of
# the top symbols.
profile_job() {
	local drv dev irq0 irq1 t0 t1 i0 i1 name rw bs qd nj ioengine tag sampler counter inflight
	# shellcheck disable=SC2086 # "name rw bs qd jobs engine" into $1..$6
	set -- $1 "${@:2}"
	name=$1 rw=$2 bs=$3 qd=$4 nj=$5 ioengine=$6
	shift 6
	[ "$nj" != 0 ] || nj=$(nproc)
	{
		echo
		echo "== $name ($rw $bs, QD$qd x $nj, $ioengine), ${secs} s, scheduler $sched ($(bench_scheduler "${disk[$1]}"))"
		printf '%-14s %9s %10s %8s %9s\n' driver IOPS irqs/cmd busy% us/cmd
	} >> "$out/summary.txt"
	for drv in "$@"; do
		dev=${disk[$drv]} tag=$drv-$name
		case $sched in
		default) ;;
		bench)
			echo none > "/sys/block/${dev#/dev/}/queue/scheduler"
			cat "/tmp/default-sched-$drv" > "/sys/block/${dev#/dev/}/queue/scheduler";;
		*) echo "$sched" > "/sys/block/${dev#/dev/}/queue/scheduler";;
		esac
		irq0=$(irq_count "${hba[$drv]}")
		cp /proc/interrupts /tmp/irqs-before
		read -r t0 i0 < <(cpu_ticks)
		fio_cpu_sampler /tmp/fio-cpus &
		sampler=$!
		inflight_sampler "$dev" /tmp/inflight &
		inflight=$!
		scsi_counts "$dev" > /tmp/scsi-before
		perf stat -a -x, -o /tmp/sw-events -e "$SW_EVENTS" -- sleep "$secs" &
		counter=$!
		# PROFILE_MARK: the icount plugin's mark, run around the measured
		# run so that its counts are the run's alone.
		[ -z "${PROFILE_MARK:-}" ] || { "$PROFILE_MARK"; echo "$tag" >> "$out/icount-runs"; }
		bench_fio "$dev" "$rw" "$bs" "$qd" "$nj" "$ioengine"
		[ -z "${PROFILE_MARK:-}" ] || "$PROFILE_MARK"
		kill "$sampler" "$inflight"; wait "$sampler" "$inflight" 2> /dev/null || true
		wait "$counter"
		scsi_counts "$dev" > /tmp/scsi-after
		read -r t1 i1 < <(cpu_ticks)
		cp /proc/interrupts /tmp/irqs-after
		irq1=$(irq_count "${hba[$drv]}")
		cp /tmp/bench-fio.json "$out/$tag.fio.json"
		python3 - "$out/$tag.fio.json" "$drv" $((irq1 - irq0)) $((t1 - t0)) $((i1 - i0)) \
			"$(nproc)" "$secs" /tmp/irqs-before /tmp/irqs-after \
			"$(irq_numbers "${hba[$drv]}" | tr '\n' ,)" /tmp/fio-cpus /tmp/sw-events /tmp/scsi-before /tmp/scsi-after /tmp/inflight \
			>> "$out/summary.txt" <<'PY'
import json, sys
fio, drv = sys.argv[1], sys.argv[2]
irqs, ticks, idle, cpus, secs = map(int, sys.argv[3:8])
job = json.load(open(fio))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
iops = job["read"]["iops"] + job["write"]["iops"]
busy = 100.0 * (ticks - idle) / ticks if ticks else 0.0
# Busy CPU time per command, all vCPUs: what each command costs the guest.
us = cpus * secs * 1e6 * busy / 100.0 / ios if ios else 0.0
print(f"{drv:<14} {iops:9.0f} {irqs / ios if ios else 0:10.3f} {busy:8.1f} {us:9.1f}")
def rows(path, per_cpu=False):
    out = {}
    for line in open(path).read().splitlines()[1:]:
        f = line.split()
        counts = [int(x) for x in f[1:1 + cpus] if x.isdigit()]
        name = " ".join(f[1 + len(counts):]) or f[0]
        out[f[0] + " " + name] = counts if per_cpu else sum(counts)
    return out
before, after = rows(sys.argv[8]), rows(sys.argv[9])
# Where the controller's interrupts landed and where fio's jobs ran: at
# QD1 every completion on another CPU than the submitter's is an IPI.
vectors = {v + ":" for v in sys.argv[10].split(",") if v}
b, a = rows(sys.argv[8], True), rows(sys.argv[9], True)
on = [0] * cpus
for k in a:
    if k.split()[0] in vectors:
        for c, (x, y) in enumerate(zip(b.get(k, [0] * cpus), a[k])):
            on[c] += y - x
samples = [int(x) for x in open(sys.argv[11]).read().split() if x.isdigit()]
share = lambda n, t: f"{100.0 * n / t:.0f}%" if t else "-"
print(" " * 15 + "controller interrupts by CPU: "
      + ", ".join(f"cpu{c} {share(n, sum(on))}" for c, n in enumerate(on))
      + "; fio jobs by CPU (" + str(len(samples)) + " looks): "
      + ", ".join(f"cpu{c} {share(samples.count(c), len(samples))}" for c in range(cpus)))
# Every interrupt source (device vectors, IPIs, timers) per command.
per = {k: (v - before.get(k, 0)) / ios for k, v in after.items() if ios}
busy_rows = [f"{k.split()[0]} {per[k]:.3f}" for k in sorted(per, key=per.get, reverse=True) if per[k] >= 0.01]
print(" " * 15 + "per command: " + ", ".join(busy_rows))
# Scheduler events per command (perf stat, all CPUs, over the run), and
# queuecommand calls per completed command (over 1: "busy" answers).
ev = {}
for line in open(sys.argv[12]).read().splitlines():
    f = line.split(",")
    if len(f) > 2 and f[0].strip().isdigit():
        ev[f[2]] = int(f[0])
(rq0, done0), (rq1, done1) = (map(int, open(p).read().split()) for p in sys.argv[13:15])
if ios:
    print(" " * 15 + "per command: "
          + ", ".join(f"{k} {v / ios:.3f}" for k, v in ev.items())
          + f", queuecommand calls per completion {(rq1 - rq0) / max(done1 - done0, 1):.4f}")
looks = [l.split() for l in open(sys.argv[15]).read().splitlines()]
looks = [(int(a), int(b)) for a, b in (l for l in looks if len(l) == 2) if a.isdigit() and b.isdigit()]
def spread(name, xs):
    xs = sorted(xs)
    return (f"{name} mean {sum(xs) / len(xs):.1f}, median {xs[len(xs) // 2]}, "
            + f"min {xs[0]}, max {xs[-1]}")
if looks:
    print(" " * 15 + f"requests ({len(looks)} looks): "
          + spread("in the driver (sysfs inflight)", [a for a, _ in looks]) + "; "
          + spread("in the block layer (stat in_flight)", [b for _, b in looks]))
PY
		# perf.data in the guest's /tmp: perf cannot write it on the
		# shared directory.
		perf record -q -e cpu-clock -F 999 -a -g -o "/tmp/$tag.perf.data" -- \
			fio --name=profile --filename="$dev" --rw="$rw" --bs="$bs" --size="${bench_size_mb}M" \
			--direct=1 --ioengine="$ioengine" --iodepth="$qd" --numjobs="$nj" --group_reporting \
			--time_based --runtime="$secs" --output-format=json --output=/tmp/perf-fio.json
		cp /tmp/perf-fio.json "$out/$tag.perf-fio.json"
		# The perf run's own command count: a symbol's share of the
		# samples (all CPUs, idle included) is CPU time per command.
		python3 - /tmp/perf-fio.json "$drv" "$(nproc)" "$secs" >> "$out/summary.txt" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
cpus, secs = int(sys.argv[3]), int(sys.argv[4])
if ios:
    print(" " * 15 + f"perf run ({sys.argv[2]}): {ios / secs:.0f} IOPS; 1 % of its samples is "
          + f"{cpus * secs * 1e6 / 100.0 / ios:.2f} us of CPU per command")
PY
		perf report -i "/tmp/$tag.perf.data" --stdio --no-children --sort dso,sym -g none \
			--percent-limit 0.1 > "$out/$tag.perf.txt" 2> /dev/null
		perf report -i "/tmp/$tag.perf.data" --stdio --no-children --sort sym \
			-g caller,2,callee --percent-limit 2 > "$out/$tag.callers.txt" 2> /dev/null
		# Kept for more reports on the host: perf report -i FILE
		# --kallsyms OUTDIR/kallsyms.
		cp "/tmp/$tag.perf.data" "$out/"
		rm -f "/tmp/$tag.perf.data"
		echo "profile: $name on $drv done"
	done
}

{
	echo "profile: $(uname -r), fio $(fio --version)"
	[ -z "${BENCH_ORION_PARAMS:-}" ] || echo "orion_scsi loaded with $BENCH_ORION_PARAMS"
} > "$out/summary.txt"
for drv in "$@"; do
	bench_scheduler "${disk[$drv]}" > "/tmp/default-sched-$drv"
	fio --name=fill --filename="${disk[$drv]}" --rw=write --bs=1M --size="${bench_size_mb}M" \
		--direct=1 --ioengine=libaio --iodepth=8 --output=/dev/null
done
cat /proc/kallsyms > "$out/kallsyms"
IFS=, read -ra names <<< "$jobs"
for n in "${names[@]}"; do
	job=""
	for j in "${BENCH_JOBS[@]}"; do
		[ "${j%% *}" != "$n" ] || job=$j
	done
	[ -n "$job" ] || { echo "profile: no job '$n' in BENCH_JOBS" >&2; exit 2; }
	profile_job "$job" "$@"
done
for n in "${names[@]}"; do
	for drv in "$@"; do
		{
			echo
			echo "== $n on $drv: top symbols but idle (cpu-clock samples, all CPUs; $drv-$n.perf.txt has the rest)"
			grep -E '^ +[0-9.]+%' "$out/$drv-$n.perf.txt" | grep -v default_idle | head -25
		} >> "$out/summary.txt"
	done
done
