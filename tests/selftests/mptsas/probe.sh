#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion_mptsas binds QEMU's mptsas1068: one host with limits from the IOC
# facts, the four disks at their targets and LUNs, MSI picked by itself,
# the sg3_utils basics through the driver, sense through an address reply,
# a request QEMU refuses, the shared statistics. Parameters: mptsas=0 and a
# bad mptsas_irq.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 19
dmesg_mark

mptsas_load && settle
mapfile -t hosts < <(mptsas_hosts)
check "one orion_mptsas host" test "${#hosts[@]}" = 1
h=${hosts[0]}
sysh=/sys/class/scsi_host/host$h
check "lsscsi -H names it orion_mptsas" bash -c "lsscsi -H | grep -q '^\[$h\] *orion_mptsas'"
check "the IOC is Operational" test "$(cat "$sysh/orion_ioc_state")" = Operational
check "four disks, 268435456 bytes each" bash -c '
	n=0; for d in $(mptsas_disks); do
		[ "$(blockdev --getsize64 $d)" = 268435456 ] || exit 1; n=$((n + 1)); done; [ $n = 4 ]'
luns=$(lsscsi "$h:*:*:*" | awk '{ print $1 }' | sed 's/.*:\([0-9]*\):\([0-9]*\)\]/\1:\2/' | sort | tr '\n' ' ')
# The SAS class numbers the targets (0, 1, 2 for the end devices on phys
# 0, 1 and 3, in the order the driver adds them).
check "targets:LUNs 0:0 0:1 1:0 2:0 behind the end devices on phys 0, 0, 1, 3 (got: $luns)" bash -c "
	[ '$luns' = '0:0 0:1 1:0 2:0 ' ] && [ -n \"\$(sas_disk_on_phy $h 0 1)\" ] &&
	for p in 0 1 3; do [ -n \"\$(sas_disk_on_phy $h \$p)\" ] || exit 1; done"
# QEMU: 128 credits and reply frames, one reply frame spare, two internal
# slots; 512-byte frames and two chain buffers: 37 + 41 + 42 segments.
d=$(sas_disk_on_phy "$h" 0); sg=$(sg_of "$d")
check "can_queue 125, sg_tablesize 120, max_hw_sectors_kb 480 (from the IOC facts)" bash -c "
	[ \$(cat $sysh/can_queue) = 125 ] && [ \$(cat $sysh/sg_tablesize) = 120 ] &&
	[ \$(cat /sys/block/${d#/dev/}/queue/max_hw_sectors_kb) = 480 ]"
check "MSI chosen automatically (QEMU offers no MSI-X)" test "$(cat "$sysh/orion_irq_mode")" = MSI

check "sg_inq: QEMU HARDDISK" bash -c "sg_inq $sg | grep -q 'Product identification: QEMU HARDDISK'"
check "sg_readcap: 524288 blocks of 512 bytes" bash -c "sg_readcap $sg | grep -q 'Number of logical blocks=524288' && sg_readcap $sg | grep -q 'Logical block length=512'"
check "sg_luns on target 0: LUNs 0 and 1" bash -c "sg_luns $sg | grep -q '^    0000000000000000' && sg_luns $sg | grep -q '^    0001000000000000'"
check "sg_vpd: supported pages and device identification" bash -c "sg_vpd -p 0 $sg | grep -q 'Device identification' && sg_vpd -p 0x83 $sg | grep -q designator"
check "an unsupported opcode gets CHECK CONDITION with ILLEGAL REQUEST sense (address reply, autosense)" \
	bash -c "out=\$(sg_raw -v $sg ff 00 00 00 00 00 2>&1); echo \"\$out\" | tail -8
		grep -q 'Check Condition' <<< \"\$out\" && grep -q 'Invalid command operation code' <<< \"\$out\""
# A 36-byte INQUIRY into a 512-byte buffer: QEMU moves the 36 bytes the
# CDB asks for, the reply's TransferCount gives the residual (476). QEMU
# pads emulated responses to the CDB's allocation length, so only a buffer
# larger than the CDB asks for leaves one.
check "an INQUIRY into a larger buffer reports its residual (address reply, TransferCount)" \
	bash -c "out=\$(sg_raw -v -r 512 $sg 12 00 00 00 24 00 2>&1); echo \"\$out\" | grep -v '^ '
		grep -q '^Received 36 bytes' <<< \"\$out\""
# Data-in for a CDB that moves none: QEMU refuses the request
# (DATA_OVERRUN, no SCSI status); a driver or caller bug, logged.
check "a request QEMU refuses fails with DID_ERROR and a log line" bash -c "
	sg_raw -r 16 $sg ff 00 00 00 00 00 2>&1 | grep -q DID_ERROR && dmesg_since_mark | grep -q 'IOCStatus 0x44'"
check "completions arrive on the orion_mptsas interrupt" \
	bash -c "awk '/orion_mptsas/ { for (i = 2; i <= NF; i++) if (\$i ~ /^[0-9]+\$/) s += \$i } END { exit !(s > 0) }' /proc/interrupts &&
		[ \$(cat $sysh/orion_interrupts) -gt 0 ]"
check "stats files for the mptsas host, target and LUN move by a 1 MiB write; orion_adapter mptsas" \
	stats_move_by_write mptsas "$d"
orion_unload

check "mptsas_irq=7 is refused with a message" \
	bash -c "! insmod $ORION_KO mptsas_irq=7 2>/dev/null && dmesg_since_mark | grep -q 'invalid mptsas_irq=7'"
check "mptsas=0 leaves the controller alone" \
	bash -c "insmod $ORION_KO mptsas=0 virt_adapters=0 && udevadm settle && [ -z \"\$(mptsas_hosts)\" ] && rmmod orion_scsi"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
