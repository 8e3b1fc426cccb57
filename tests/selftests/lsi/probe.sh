#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion_lsi binds both QEMU models (lsi53c895a, lsi53c810; disks at
# scsi-ids 0, 2, 5): one SPI host per chip, exactly the attached disks, a
# missing id scanned in well under a second (selection timeout), the SPI
# transport attributes showing the asynchronous narrow agreement QEMU's
# silence leads to, the sg3_utils basics, the driver's own REQUEST SENSE
# (no autosense on this chip), tagged queueing on the bus, and the module
# parameters.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 24
dmesg_mark

lsi_load && settle
mapfile -t hosts < <(lsi_hosts)
check "two orion_lsi hosts (one per chip)" test "${#hosts[@]}" = 2
check "lsscsi -H names them orion_lsi" bash -c "[ \$(lsscsi -H | grep -c orion_lsi) = 2 ]"
check "six disks, 268435456 bytes each" bash -c '
	n=0; for d in $(lsi_disks); do
		[ "$(blockdev --getsize64 $d)" = 268435456 ] || exit 1; n=$((n + 1)); done; [ $n = 6 ]'
targets=$(for h in "${hosts[@]}"; do lsscsi "$h:*:*:*" | awk '{print $1}'; done | sed 's/.*:\([0-9]*\):\([0-9]*\)\]/\1:\2/' | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')
check "targets 0, 2, 5 (LUN 0) on each chip (got: $targets)" test "$targets" = "2x0:0 2x2:0 2x5:0 "
h=${hosts[0]}
check "limits: 64 command slots, 128 SG entries, 512 KiB per command" bash -c "
	[ \$(cat /sys/class/scsi_host/host$h/can_queue) = 64 ] &&
	[ \$(cat /sys/class/scsi_host/host$h/sg_tablesize) = 128 ] &&
	d=\$(lsi_disks $h | head -1) && [ \$(cat /sys/block/\${d#/dev/}/queue/max_hw_sectors_kb) = 512 ]"
before=$(cat "/sys/class/scsi_host/host$h/orion_selection_timeouts")
start=${EPOCHREALTIME/[.,]/}
echo "0 1 0" > "/sys/class/scsi_host/host$h/scan"
ms=$(((${EPOCHREALTIME/[.,]/} - start) / 1000))
check "scanning missing id 1 takes well under a second (${ms} ms) and finds nothing" \
	bash -c "[ $ms -lt 1000 ] && [ ! -e /sys/class/scsi_device/$h:0:1:0 ]"
check "the missing id was a selection timeout (orion_selection_timeouts rose)" \
	test "$(cat "/sys/class/scsi_host/host$h/orion_selection_timeouts")" -gt "$before"
t=/sys/class/spi_transport/target$h:0:0
# width is only shown for targets that report wide support (QEMU's disks
# do not): absent or 0.
check "SPI transport attributes: offset 0 (asynchronous), narrow, limits shown" bash -c "
	[ \$(cat $t/offset) = 0 ] && { [ ! -e $t/width ] || [ \$(cat $t/width) = 0 ]; } &&
	[ -e $t/period ] && [ \$(cat $t/max_offset) = 31 ] && [ -e $t/min_period ]"
check "domain validation ran and the agreement is logged as asynchronous" \
	bash -c "dmesg_since_mark | grep -q 'target$h:0:0: Ending Domain Validation' &&
		dmesg_since_mark | grep -q 'target$h:0:0: asynchronous'"
check "an offset written through sysfs renegotiates (SDTR sent again), QEMU does not answer: offset stays 0" bash -c "
	n=\$(cat /sys/class/scsi_host/host$h/orion_negotiations) && [ \$n -ge 1 ] &&
	echo 16 > $t/offset && echo 12 > $t/period &&
	dd if=\$(disk_at $h 0) of=/dev/null bs=4k count=1 skip=77 iflag=direct status=none &&
	[ \$(cat /sys/class/scsi_host/host$h/orion_negotiations) -gt \$n ] && [ \$(cat $t/offset) = 0 ]"
check "spi_host signalling is reported (LVD)" \
	bash -c "[ \$(cat /sys/class/spi_host/host$h/signalling) = LVD ]"
d=$(lsi_disks "$h" | head -1); sg=$(sg_of "$d")
check "sg_inq: QEMU HARDDISK, tagged queueing (CmdQue)" \
	bash -c "sg_inq $sg | grep -q 'Product identification: QEMU HARDDISK' && sg_inq $sg | grep -q 'CmdQue=1'"
check "sg_readcap: 524288 blocks of 512 bytes" bash -c "sg_readcap $sg | grep -q 'Number of logical blocks=524288' && sg_readcap $sg | grep -q 'Logical block length=512'"
check "sg_luns and sg_vpd answer" bash -c "sg_luns $sg | grep -q '^    0000000000000000' && sg_vpd -p 0 $sg | grep -q 'Device identification'"
check "a bad opcode: CHECK CONDITION, ILLEGAL REQUEST / invalid opcode (driver's REQUEST SENSE)" \
	bash -c "sg_raw -r 16 $sg ff 00 00 00 00 00 2>&1 | grep -qi 'Invalid command operation code'"
check "an out-of-range LBA: ILLEGAL REQUEST / LBA out of range" \
	bash -c "sg_raw -r 512 $sg 28 00 7f ff ff ff 00 00 01 00 2>&1 | grep -qi 'Logical block address out of range'"
check "tagged queueing on the bus: fio randread QD32 keeps more than one command outstanding at once" bash -c "
	fio --name=tcq --filename=$d --rw=randread --bs=4k --iodepth=32 --ioengine=libaio --direct=1 \
		--runtime=3 --time_based --output=/dev/null &&
	p=\$(cat /sys/class/scsi_host/host$h/orion_peak_outstanding) && echo \"note: peak outstanding \$p\" && [ \$p -gt 1 ]"
check "stats files for the LSI host, target and LUN move by a 1 MiB write; orion_adapter lsi" \
	stats_move_by_write lsi "$d"
check "completions arrive on the orion_lsi interrupt" \
	bash -c "awk '/orion_lsi/ { for (i = 2; i <= NF; i++) if (\$i ~ /^[0-9]+\$/) s += \$i } END { exit !(s > 0) }' /proc/interrupts"
orion_unload

dmesg_mark "lsi probe: parameters"
check "target_sync_transfer_enabled=0: no negotiation, no domain validation; disks work" bash -c "
	lsi_load target_sync_transfer_enabled=0 target_disconnect_enabled=0 && udevadm settle &&
	[ \$(lsi_disks | wc -l) = 6 ] && ! dmesg_since_mark | grep -q 'Domain Validation' &&
	dd if=\$(lsi_disks | head -1) of=/dev/null bs=64k count=64 iflag=direct status=none"
h=$(lsi_hosts | head -1)
check "  ... and no command carried SDTR (orion_negotiations 0)" \
	test "$(cat "/sys/class/scsi_host/host$h/orion_negotiations")" = 0
orion_unload
check "target_max_cmds=4: at most 4 tags per target, fio QD32 keeps 2 to 4 outstanding" bash -c "
	lsi_load target_max_cmds=4 && udevadm settle && h=\$(lsi_hosts | head -1) && d=\$(disk_at \$h 0) &&
	pk=/sys/block/\${d#/dev/}/device/orion_peak_outstanding && echo 0 > \$pk &&
	fio --name=cap --filename=\$d --rw=randread --bs=4k --iodepth=32 --ioengine=libaio --direct=1 \
		--runtime=3 --time_based --output=/dev/null &&
	p=\$(cat \$pk) && echo \"note: peak outstanding \$p\" &&
	[ \$p -gt 1 ] && [ \$p -le 4 ]"
orion_unload
check "lsi=0 leaves the chips alone" \
	bash -c "insmod $ORION_KO lsi=0 megasas=0 virt_adapters=0 && udevadm settle && [ -z \"\$(lsi_hosts)\" ] && rmmod orion_scsi"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
