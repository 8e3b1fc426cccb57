#!/usr/bin/env bash
# Error-handler resets (device, target, bus, host) through sg_reset, idle and
# during I/O: each completes, outstanding commands are retried, and fio's
# verify still finds zero errors.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 10

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
ktap_finished
