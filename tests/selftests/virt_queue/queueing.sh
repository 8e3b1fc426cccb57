#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Tagged queueing: several commands outstanding per LUN (emulated latency),
# queue depth changes through sysfs take effect, the per-target cap holds.
# Hot remove/add of a LUN through sysfs, and rmmod, with no kmemleak report.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 20
dmesg_mark
debugfs_mount

peak_of() { awk '$1 == "peak_outstanding" { print $2 }' "$1"; }
# Random reads at QD64 on $1 for 3 seconds.
load() { fio --name=q --filename="$1" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
	--iodepth=64 --runtime=3 --time_based --output=/tmp/fio.out ||
	{ echo "# fio failed: $(tail -3 /tmp/fio.out)"; return 1; }; }

# 2 targets: can_queue is 512, so sysfs may ask for more than max_queue_depth.
orion_load virt_targets=2 virt_delay_us=2000 queue_depth=4 && settle
d=$(virt_disks | head -1); dev=/sys/block/${d#/dev/}/device
stats=$(ls /sys/kernel/debug/orion_scsi/host*/lun0:0:0/stats)
check "queue_depth=4 parameter: sysfs queue_depth is 4" test "$(cat "$dev/queue_depth")" = 4
load "$d"; p=$(peak_of "$stats")
check "QD64 load with queue_depth 4: peak outstanding is 4 (got $p)" test "$p" = 4
echo 16 > "$dev/queue_depth"
check "sysfs queue_depth=16 accepted" test "$(cat "$dev/queue_depth")" = 16
load "$d"; p=$(peak_of "$stats")
check "after sysfs queue_depth=16 the peak rises to 16 (got $p)" test "$p" = 16
echo 300 > "$dev/queue_depth"
check "sysfs queue_depth=300 is clamped to max_queue_depth 256" test "$(cat "$dev/queue_depth")" = 256
echo 5 > "$dev/timeout"
check "sysfs timeout is writable (5 s)" test "$(cat "$dev/timeout")" = 5

# Driver sysfs attributes (one value per file) and the hardware queues.
a=$dev
reads0=$(cat "$a/orion_reads")
check "orion_reads counts the fio reads ($reads0)" test "$reads0" -gt 1000
check "orion_read_bytes = 4096 x orion_reads (+ scan reads)" test "$(cat "$a/orion_read_bytes")" -ge $((reads0 * 4096 - 1048576))
echo 0 > "$a/orion_peak_outstanding"
check "writing 0 to orion_peak_outstanding resets it" test "$(cat "$a/orion_peak_outstanding")" = 0
check "writing junk to orion_peak_outstanding is refused (EINVAL)" bash -c "! echo junk > $a/orion_peak_outstanding"
check "host attribute orion_luns is 2" test "$(cat "/sys/class/scsi_host/host$(cut -d: -f1 <<< "$(basename "$(readlink -f "$a")")")/orion_luns")" = 2
check "one blk-mq hardware queue per CPU ($(nproc))" \
	test "$(find "/sys/block/${d#/dev/}/mq/" -mindepth 1 -maxdepth 1 | wc -l)" = "$(nproc)"

# Doorbell batching: blk-mq marks the last command of a batch (or calls
# commit_rqs); the adapter completes posted commands when the batch rings.
orion_load virt_targets=1 virt_doorbell=1 && settle
d=$(virt_disks | head -1); h=$(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[][]/, "", $1); print $1 }')
db0=$(cat "/sys/class/scsi_host/host$h/orion_doorbells"); r0=$(cat "/sys/block/${d#/dev/}/device/orion_reads")
fio --name=b --filename="$d" --ioengine=libaio --direct=1 --rw=randread --bs=4k --iodepth=32 \
	--iodepth_batch_submit=16 --iodepth_batch_complete_min=16 --runtime=3 --time_based --output=/dev/null
db=$(( $(cat "/sys/class/scsi_host/host$h/orion_doorbells") - db0 )); n=$(( $(cat "/sys/block/${d#/dev/}/device/orion_reads") - r0 ))
check "batched submission rings fewer doorbells ($db) than commands ($n)" test $((db * 2)) -lt "$n"

# Per-target cap: 4 LUNs on one target, target_max_cmds=8.
orion_load virt_targets=1 virt_luns=4 virt_delay_us=2000 target_max_cmds=8 && settle
stats=$(ls /sys/kernel/debug/orion_scsi/host*/stats)
for d in $(virt_disks); do load "$d" & done; wait
p=$(peak_of "$stats")
check "target_max_cmds=8 holds across 4 busy LUNs (largest LUN peak $p; 32 without the cap)" \
	bash -c "[ $p -le 8 ] && [ $p -ge 2 ] && awk '\$1==\"reads\" && \$2 > 100 {ok=1} END {exit !ok}' $stats"

# Hot remove and add through sysfs.
orion_load virt_targets=2 && settle
h=$(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[][]/, "", $1); print $1 }')
echo 1 > "/sys/class/scsi_device/$h:0:1:0/device/delete"; settle
gone() { ! lsscsi | grep -q "\[$h:0:1:0\]" && [ "$(virt_disks | wc -l)" = 1 ]; }
check "sysfs delete removes 0:1:0" gone
echo "0 1 0" > "/sys/class/scsi_host/host$h/scan"; settle
check "sysfs scan brings it back" bash -c "lsscsi | grep -q '\\[$h:0:1:0\\]'"
check "it still works after re-adding" sg_turs -n 2 "$(virt_sg)"

check "rmmod succeeds" orion_unload
kmemleak_check "kmemleak: no leak after load/remove/add/rmmod"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
