#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion_megasas binds both QEMU models at once (megasas = SAS1078,
# megasas-gen2 = SAS2108, three disks each at scsi-id 0..2): one host per
# controller with limits from the firmware, exactly the attached disks, and
# the sg3_utils basics through the driver, DMA through the (emulated)
# IOMMU. Parameters: megasas=0 and a bad megasas_irq.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 20
dmesg_mark

megasas_load && settle
mapfile -t hosts < <(megasas_hosts)
check "two orion_megasas hosts (one per controller)" test "${#hosts[@]}" = 2
check "both controllers are behind the IOMMU (DMA remapping unit, strict DMA domain)" \
	megasas_behind_iommu "${hosts[@]}"
models=$(for h in "${hosts[@]}"; do cat "/sys/class/scsi_host/host$h/orion_model"; done | sort | tr '\n' ' ')
check "models: SAS1078 and SAS2108 (got: $models)" test "$models" = "SAS1078 SAS2108 "
check "lsscsi -H names them orion_megasas" bash -c "[ \$(lsscsi -H | grep -c orion_megasas) = 2 ]"
check "six disks, 268435456 bytes each" bash -c '
	n=0; for d in $(megasas_disks); do
		[ "$(blockdev --getsize64 $d)" = 268435456 ] || exit 1; n=$((n + 1)); done; [ $n = 6 ]'
targets=$(for h in "${hosts[@]}"; do lsscsi "$h:*:*:*" | awk '{print $1}'; done | sed 's/.*:\([0-9]*\):\([0-9]*\)\]/\1:\2/' | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')
check "targets 0, 1, 2 (LUN 0) on each controller (got: $targets)" test "$targets" = "2x0:0 2x1:0 2x2:0 "
h=${hosts[0]}
check "can_queue, sg_tablesize and max_sectors come from the firmware" bash -c "
	[ \$(cat /sys/class/scsi_host/host$h/can_queue) -ge 900 ] &&
	[ \$(cat /sys/class/scsi_host/host$h/sg_tablesize) = 80 ] &&
	d=\$(megasas_disks $h | head -1) && [ \$(cat /sys/block/\${d#/dev/}/queue/max_hw_sectors_kb) = 316 ]"
check "MSI-X chosen automatically on both" bash -c "
	for h in ${hosts[*]}; do [ \$(cat /sys/class/scsi_host/host\$h/orion_irq_mode) = MSI-X ] || exit 1; done"
check "logical drives reported by the firmware: 3 per controller" bash -c "
	for h in ${hosts[*]}; do [ \$(cat /sys/class/scsi_host/host\$h/orion_logical_drives) = 3 ] || exit 1; done"

check "sas_address per disk from the firmware's PD list (QEMU: 0x1221 << 48 | id << 32)" bash -c "
	for h in ${hosts[*]}; do for t in 0 1 2; do
		[ \$(cat /sys/class/scsi_device/\$h:0:\$t:0/device/sas_address) = \$(printf '%#018x' \$(( (0x1221 << 48) | (t << 32) ))) ] || exit 1
	done; done"
d=$(megasas_disks "$h" | head -1); sg=$(sg_of "$d")
check "sg_inq: QEMU HARDDISK" bash -c "sg_inq $sg | grep -q 'Product identification: QEMU HARDDISK'"
check "sg_readcap: 524288 blocks of 512 bytes" bash -c "sg_readcap $sg | grep -q 'Number of logical blocks=524288' && sg_readcap $sg | grep -q 'Logical block length=512'"
check "sg_luns: LUN 0" bash -c "sg_luns $sg | grep -q '^    0000000000000000'"
check "sg_vpd: supported pages and device identification" bash -c "sg_vpd -p 0 $sg | grep -q 'Device identification' && sg_vpd -p 0x83 $sg | grep -q designator"
check "an unsupported opcode gets CHECK CONDITION with ILLEGAL REQUEST sense" \
	bash -c "sg_raw -r 16 $sg ff 00 00 00 00 00 2>&1 | grep -qi 'illegal request'"
check "completions arrive on the orion_megasas interrupt" \
	bash -c "awk '/orion_megasas/ { for (i = 2; i <= NF; i++) if (\$i ~ /^[0-9]+\$/) s += \$i } END { exit !(s > 0) }' /proc/interrupts"
check "stats files for the megasas host, target and LUN move by a 1 MiB write; orion_adapter megasas" \
	stats_move_by_write megasas "$d"
orion_unload

orion_unload; release_megaraid_sas
check "megasas_irq=7 is refused with a message" \
	bash -c "! insmod $ORION_KO megasas_irq=7 2>/dev/null && dmesg_since_mark | grep -q 'invalid megasas_irq=7'"
check "megasas=0 leaves the controllers alone" \
	bash -c "insmod $ORION_KO megasas=0 virt_adapters=0 && udevadm settle && [ -z \"\$(megasas_hosts)\" ] && rmmod orion_scsi"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
