#!/usr/bin/env bash
# Error-handler resets (device, target, bus, host) through sg_reset, idle and
# during I/O: each completes, outstanding commands are retried, and fio's
# verify still finds zero errors.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 16

# With emulated latency, commands are outstanding when the reset lands.
orion_load virt_targets=2 virt_delay_us=1000 virt_capacity_mb=64 && settle
sg=$(virt_sg); d=$(virt_disks | head -1)

for kind in d t b H; do
	check "idle sg_reset -$kind completes and the LUN answers" \
		bash -c "sg_reset -$kind $sg && sg_turs -n 3 $sg >/dev/null 2>&1; sg_turs $sg"
done

fio --name=eh --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k --size=16M \
	--iodepth=32 --numjobs=2 --offset_increment=24M --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --randrepeat=0 --output=/tmp/fio-eh.out &
fio_pid=$!
sleep 2
for kind in d t b H; do
	check "sg_reset -$kind during fio" sg_reset -$kind "$sg"
	sleep 1
done
wait $fio_pid
rc=$?
check "fio verify after resets: exit 0, no verify errors" \
	bash -c "[ $rc = 0 ] && grep -q 'err= 0' /tmp/fio-eh.out || { tail -20 /tmp/fio-eh.out; false; }"
check "the midlayer logged the resets" bash -c "dmesg | grep -qiE 'reset|attention'"
orion_unload

# Timeouts: a device slower than the command timeout. Each attempt times
# out, the abort handler takes the command back from its completion timer,
# the midlayer retries and finally fails it; nothing hangs or completes twice.
orion_load virt_targets=1 && settle
d=$(virt_disks | head -1); dev=/sys/block/${d#/dev/}/device
h=$(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[][]/, "", $1); print $1 }')
echo junk > /sys/class/scsi_host/host$h/orion_delay_us 2>/dev/null
check "orion_delay_us refuses junk and keeps 0" test "$(cat /sys/class/scsi_host/host$h/orion_delay_us)" = 0
echo 3000000 > /sys/class/scsi_host/host$h/orion_delay_us
echo 1 > $dev/timeout
echo 5 > $dev/eh_timeout
check "sysfs eh_timeout is writable (5 s)" test "$(cat $dev/eh_timeout)" = 5
dmesg --clear
start=$SECONDS
timeout 120 dd if="$d" of=/dev/null bs=4k count=1 iflag=direct status=none
rc=$?
check "a read slower than the timeout fails with an error, no hang (rc $rc, $((SECONDS - start)) s)" \
	test "$rc" != 0 -a "$rc" != 124
check "the abort handler took the command back" bash -c "dmesg | grep -q 'abort: took back command'"
# sd offlines a disk after repeated medium access timeouts (its policy);
# an administrator brings it back through sysfs.
check "sd offlined the timing-out disk (medium access timeout policy)" \
	bash -c "dmesg | grep -q 'Medium access timeout failure. Offlining disk' && [ \"\$(cat $dev/state)\" = offline ]"
echo 30 > $dev/timeout
echo 1000 > /sys/class/scsi_host/host$h/orion_delay_us
echo running > $dev/state
check "back online, reads complete with the longer timeout" \
	timeout 60 dd if="$d" of=/dev/null bs=4k count=1 iflag=direct status=none
orion_unload
ktap_finished
