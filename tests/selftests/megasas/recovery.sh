#!/usr/bin/env bash
# Error handling: sg_reset device and host resets idle and during fio verify
# (each resets the controller: outstanding commands complete once, INIT is
# re-sent, I/O resumes), and a controller driven into FAULT (IDB bit 5) is
# detected by the health check and recovered.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 9
dmesg_mark

megasas_load && settle
h=$(megasas_hosts | head -1); d=$(megasas_disks "$h" | head -1); sg=$(sg_of "$d")
hs=/sys/class/scsi_host/host$h
for kind in d H; do
	check "idle sg_reset -$kind resets the controller and the disk answers" \
		bash -c "before=\$(cat $hs/orion_resets); sg_reset -$kind $sg && sg_turs -n 3 $sg >/dev/null 2>&1;
			sg_turs $sg && [ \$(cat $hs/orion_resets) -gt \$before ]"
done

fio --name=eh --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k --size=64M \
	--iodepth=32 --numjobs=2 --offset_increment=96M --verify=crc32c --verify_fatal=1 \
	--do_verify=1 --randrepeat=0 --time_based=0 --output=/tmp/fio-eh.out &
fio_pid=$!
sleep 2
check "sg_reset -d during fio" sg_reset -d "$sg"
sleep 1
check "sg_reset -H during fio" sg_reset -H "$sg"
wait $fio_pid
rc=$?
check "fio verify after resets: exit 0, no verify errors" \
	bash -c "[ $rc = 0 ] && grep -q 'err= 0' /tmp/fio-eh.out || { tail -20 /tmp/fio-eh.out; false; }"

pci=$(megasas_pci "$h")
megasas_reg_write "$pci" 0x20 0x20   # IDB bit 5: firmware goes to FAULT
sleep 3
check "the health check saw the FAULT and reset the controller" \
	bash -c "[ \$(cat $hs/orion_faults) = 1 ] && dmesg | grep -q 'controller in FAULT' && dmesg | grep -q 'recovered from FAULT'"
check "firmware is operational again" test "$(cat $hs/orion_fw_state)" = Operational
check "I/O works after the recovery" bash -c "dd if=$d of=/dev/null bs=64k count=200 iflag=direct status=none && sg_turs $sg"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
