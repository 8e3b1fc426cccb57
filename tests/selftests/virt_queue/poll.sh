#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Polled I/O: with virt_poll_queues, io_uring IOPOLL (fio --hipri) reads and
# writes go to the polled hardware queue and complete from the driver's
# mq_poll, with their data intact; interrupt-driven I/O does not touch it.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 12
dmesg_mark

# polled: completions through mq_poll so far (orion_poll_completions: "N polls").
polled() { read -r n _ < "/sys/class/scsi_host/host$h/orion_poll_completions"; echo "$n"; }
# ios OUT: the I/Os fio issued (reads + writes, verify reads included).
ios() { python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["jobs"]
print(sum(x["read"]["total_ios"] + x["write"]["total_ios"] for x in j))' "$1"; }
# hipri OUT QD RW: a polled fio run with crc32c verify on $d.
hipri() { fio --name=poll --filename="$d" --ioengine=io_uring --hipri=1 --direct=1 --rw="$3" \
	--bs=4k --size=8M --iodepth="$2" --verify=crc32c --verify_fatal=1 --do_verify=1 \
	--randrepeat=0 --output-format=json --output="$1" 2> "$1.err" ||
	{ echo "# fio failed: $(tail -3 "$1.err")"; return 1; }; }

check "virt_poll_queues=17 is refused with a message" \
	bash -c "! insmod $ORION_KO virt_poll_queues=17 2>/dev/null && dmesg_since_mark | grep -q 'invalid virt_poll_queues=17'"
orion_load virt_adapters=1 virt_hw_queues=1 virt_poll_queues=1 && settle
d=$(virt_disks | head -1) h=$(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[\[\]]/, "", $1); print $1; exit }')
check "two hardware queues, one polled: the disk's queue supports polling (io_poll 1)" \
	bash -c "[ \$(cat /sys/class/scsi_host/host$h/nr_hw_queues) = 2 ] && [ \$(cat /sys/block/${d#/dev/}/queue/io_poll) = 1 ]"
# No merging: each fio I/O is one command, so the counts compare exactly
# (at QD32 two random blocks next to each other would merge otherwise).
echo 2 > "/sys/block/${d#/dev/}/queue/nomerges"

export -f polled hipri; export d h
p0=$(polled)
check "fio io_uring --hipri QD1 random writes, crc32c verify: 0 errors" hipri /tmp/poll-qd1.json 1 randwrite
n=$(ios /tmp/poll-qd1.json) p1=$(polled)
check "every one of its $n I/Os completed through mq_poll (polled completions +$((p1 - p0)))" \
	test $((p1 - p0)) -ge "$n" -a "$n" -gt 2000
check "fio io_uring --hipri QD32 random writes, crc32c verify: 0 errors" hipri /tmp/poll-qd32.json 32 randwrite
n=$(ios /tmp/poll-qd32.json) p2=$(polled)
check "  ... all $n through mq_poll (+$((p2 - p1)))" test $((p2 - p1)) -ge "$n"
check "interrupt-driven I/O (libaio) does not use the polled queue" bash -c "
	fio --name=irq --filename=$d --ioengine=libaio --direct=1 --rw=randread --bs=4k --size=8M \
		--iodepth=8 --output=/dev/null && [ \$(polled) = $p2 ]"
echo 300 > "/sys/class/scsi_host/host$h/orion_delay_us"
p3=$(polled)
check "with 300 us of emulated latency a polled read still verifies and is polled" bash -c "
	hipri /tmp/poll-delay.json 4 randread && [ \$(polled) -gt $p3 ]"
# A polled command that times out: the error handler aborts it (taking it
# back from the poll list) and the midlayer retries it, polled again. With
# 8 s of latency and a 2 s timeout the first try is aborted (blk-mq checks
# timeouts to the second, so the margin is wide); the latency is
# dropped once it was aborted, so a retry completes. Nothing may stay in the
# poll list: a stale entry would later reclaim whatever command reuses
# its tag.
debugfs_mount
aborts() { awk '$1 == "aborts" { print $2 }' "/sys/kernel/debug/orion_scsi/host$h/stats"; }
pending() { read -r _ _ n < "/sys/class/scsi_host/host$h/orion_poll_completions"; echo "$n"; }
export -f aborts pending
abort_polled() {
	local a0 pid rc=0
	a0=$(aborts)
	echo 2 > "/sys/block/${d#/dev/}/device/timeout"
	echo 8000000 > "/sys/class/scsi_host/host$h/orion_delay_us"
	fio --name=slow --filename="$d" --ioengine=io_uring --hipri=1 --direct=1 --rw=read --bs=4k \
		--size=4k --output=/tmp/poll-abort.out &
	pid=$!
	# Dropped once the read waited for a poll and was aborted.
	wait_until 30 bash -c '[ "$(pending)" = 1 ]' || { echo "# the read never waited for a poll"; rc=1; }
	wait_until 30 bash -c "[ \$(aborts) -gt $a0 ]" || { echo "# no abort"; rc=1; }
	echo 0 > "/sys/class/scsi_host/host$h/orion_delay_us"
	wait $pid || { echo "# the polled read failed: $(tail -3 /tmp/poll-abort.out)"; rc=1; }
	echo 30 > "/sys/block/${d#/dev/}/device/timeout"
	echo "# note: aborts $a0 -> $(aborts), waiting for a poll: $(pending)"
	[ "$(aborts)" -gt "$a0" ] || { echo "# no abort"; rc=1; }
	return $rc
}
check "a polled read that times out is aborted, retried, polled again and completes" abort_polled
check "  ... and leaves nothing in the poll list" test "$(pending)" = 0
check "rmmod succeeds" orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
