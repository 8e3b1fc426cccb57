#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Error handling: sg_reset device, target, bus and host resets, idle and
# with commands in flight that have not timed out (each resets the
# controller: INIT is re-sent, the outstanding commands are completed once
# for retry at once rather than left to time out, data stays intact), and
# a controller driven into FAULT (IDB bit 5) is detected by the health check
# and recovered.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 15
dmesg_mark

megasas_load && settle
# Disk 2 (scsi-id 2): QEMU serves it at 1000 IOPS (vm.conf), so fio at QD32
# keeps commands in flight, waiting in "the firmware", when a reset lands.
h=$(megasas_hosts | head -1); d=$(megasas_disk_at "$h" 2); sg=$(sg_of "$d")
hs=/sys/class/scsi_host/host$h
for kind in d H; do
	check "idle sg_reset -$kind resets the controller and the disk answers" \
		bash -c "before=\$(cat $hs/orion_resets)
			sg_reset -$kind $sg || { echo 'sg_reset -$kind failed'; exit 1; }
			sg_turs -n 3 $sg >/dev/null 2>&1
			sg_turs $sg && [ \$(cat $hs/orion_resets) -gt \$before ]"
done

# fio at QD32 (2 jobs) on that disk; the reset lands once 16 commands or
# more are in flight. The command timeout is the driver's (30 s):
# a command the reset leaves to time out shows up as a latency of 30 s or
# more, well above the limit (the time sg_reset took, which includes the
# midlayer's 10 s settle after a bus or host reset, plus 5 s).
for kind in d t b H; do
	before=$(cat "$hs/orion_resets")
	check "sg_reset -$kind with commands in flight: completed or retried at once (max latency < sg_reset time + 5 s), fio verify 0 errors" \
		io_reset_during_fio "$kind" "$sg" "/tmp/fio-eh-$kind.out" 2M "$d"
	check "sg_reset -$kind during I/O reset the controller once (orion_resets +1)" \
		test "$(cat "$hs/orion_resets")" = $((before + 1))
done

check "kernel log has no warning or oops after the resets" dmesg_clean

dmesg_mark "megasas recovery: FAULT"
pci=$(megasas_pci "$h")
megasas_reg_write "$pci" 0x20 0x20   # IDB bit 5: firmware goes to FAULT
sleep 3
check "the health check saw the FAULT and reset the controller" \
	bash -c "[ \$(cat $hs/orion_faults) = 1 ] && dmesg_since_mark | grep -q 'controller in FAULT' &&
		dmesg_since_mark | grep -q 'recovered from FAULT'"
check "firmware is operational again" test "$(cat "$hs/orion_fw_state")" = Operational
check "I/O works after the recovery" bash -c "dd if=$d of=/dev/null bs=64k count=200 iflag=direct status=none && sg_turs $sg"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
