#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Error-handler resets (device, target, bus, host) through sg_reset, idle and
# with commands in flight that have not timed out: each reset completes, the
# LUN reports it (unit attention), the in-flight commands are completed for
# retry at once (not left to time out), and fio's verify finds zero errors.
# Then timeouts: the abort handler takes a slow command back.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 20
dmesg_mark

orion_load virt_targets=2 virt_capacity_mb=64 && settle
sg=$(virt_sg)

# The first command after a reset gets the reset unit attention (29/xx);
# sg_turs shows it, then the LUN answers.
for kind in d t b H; do
	check "idle sg_reset -$kind succeeds, the LUN then reports the reset (unit attention) and answers" \
		bash -c "sg_reset -$kind $sg || { echo 'sg_reset -$kind failed'; exit 1; }
			out=\$(sg_turs $sg 2>&1)
			echo \"\$out\" | grep -qi 'unit attention' || { echo \"first TUR after the reset: \$out\"; exit 1; }
			sg_turs $sg"
done
check "kernel log has no warning or oops after the idle resets" dmesg_clean

# Commands in flight: each takes 100 ms in the adapter (long enough for
# fio under the debug kernel, which submits slowly, to keep 16 in flight)
# and the command timeout is 60 s, so none has timed out when the reset
# lands; the reset must complete them for retry (DID_RESET), not leave
# them to the timeout.
# The latency limit is the time sg_reset took (after a bus or host reset
# the midlayer holds the host for a 10 s settle time unless the driver
# sets skip_settle_delay) plus 5 s.
orion_load virt_targets=2 virt_delay_us=100000 virt_capacity_mb=64 && settle
sg=$(virt_sg); d=$(virt_disks | head -1)
echo 60 > "/sys/block/${d#/dev/}/device/timeout"
for kind in d t b H; do
	dmesg_mark "virt_eh: sg_reset -$kind during fio"
	check "sg_reset -$kind with commands in flight (100 ms each, 60 s timeout): completed or retried at once (max latency < sg_reset time + 5 s), fio verify 0 errors" \
		io_reset_during_fio "$kind" "$sg" "/tmp/fio-eh-$kind.out" 2M "$d"
	check "the kernel log shows the reset ('Power-on or device reset occurred') and no warning or oops" \
		bash -c "dmesg_since_mark | grep -q 'Power-on or device reset occurred' || { echo 'no reset unit attention logged'; exit 1; }
			! dmesg_since_mark | grep -E -A12 \"\$ORION_SPLAT_RE\""
done
orion_unload

# Timeouts: a device slower than the command timeout. Each attempt times
# out, the abort handler takes the command back from its completion timer,
# the midlayer retries and finally fails it; nothing hangs or completes twice.
orion_load virt_targets=1 && settle
d=$(virt_disks | head -1); dev=/sys/block/${d#/dev/}/device
h=$(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[][]/, "", $1); print $1 }')
echo junk > "/sys/class/scsi_host/host$h/orion_delay_us" 2>/dev/null
check "orion_delay_us refuses junk and keeps 0" test "$(cat "/sys/class/scsi_host/host$h/orion_delay_us")" = 0
echo 3000000 > "/sys/class/scsi_host/host$h/orion_delay_us"
echo 1 > "$dev/timeout"
echo 5 > "$dev/eh_timeout"
check "sysfs eh_timeout is writable (5 s)" test "$(cat "$dev/eh_timeout")" = 5
dmesg_mark "virt_eh: timeouts"
start=$SECONDS
timeout 120 dd if="$d" of=/dev/null bs=4k count=1 iflag=direct status=none
rc=$?
took=$((SECONDS - start))
# On the disk (not a missing node), failing only after the 1 s timeout.
check "a read slower than the timeout fails with an error, no hang (rc $rc, $took s)" \
	test -b "$d" -a "$rc" != 0 -a "$rc" != 124 -a "$took" -ge 1
check "the abort handler took the command back" bash -c "dmesg_since_mark | grep -q 'abort: took back command'"
# sd offlines a disk after repeated medium access timeouts (its policy);
# an administrator brings it back through sysfs.
check "sd offlined the timing-out disk (medium access timeout policy)" \
	bash -c "dmesg_since_mark | grep -q 'Medium access timeout failure. Offlining disk' && [ \"\$(cat $dev/state)\" = offline ]"
echo 30 > "$dev/timeout"
echo 1000 > "/sys/class/scsi_host/host$h/orion_delay_us"
echo running > "$dev/state"
check "back online, reads complete with the longer timeout" \
	timeout 60 dd if="$d" of=/dev/null bs=4k count=1 iflag=direct status=none
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
