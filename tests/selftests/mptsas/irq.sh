#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Interrupt kinds: mptsas_irq=3 forces INTx (shared line: the handler checks
# the IOC raised it) with data intact on two disks, 2 forces MSI (what auto
# picks, so the other programs run on it), 1 (MSI-X, which QEMU's IOC
# lacks) leaves the IOC without a host.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

# INTx: data on two disks (one at LUN 1) through the shared-line handler.
mptsas_load mptsas_irq=3 && settle
h=$(mptsas_hosts | head -1); sysh=/sys/class/scsi_host/host$h
lun1=$(sas_disk_on_phy "$h" 0 1)
check "mptsas_irq=3: the host uses INTx" test "$(cat "$sysh/orion_irq_mode")" = INTx
check "INTx: fio verify on targets 1 and 0 LUN 1 (QD32, 2 jobs each): 0 errors" \
	fio_verify /tmp/fio-mpt-intx.out 8M "$(sas_disk_on_phy "$h" 1)" "$lun1"
check "INTx: completions arrive on the IO-APIC line and are counted" bash -c "
	grep -q 'IO-APIC.*orion_mptsas' /proc/interrupts && [ \$(cat $sysh/orion_interrupts) -gt 0 ]"
# MSI (the automatic choice: data.sh runs on it) forced by the parameter.
mptsas_load mptsas_irq=2 && settle
h=$(mptsas_hosts | head -1); sysh=/sys/class/scsi_host/host$h
check "mptsas_irq=2: the host uses MSI and reads complete" bash -c "
	[ \$(cat $sysh/orion_irq_mode) = MSI ] && grep -q 'PCI-MSI.*orion_mptsas' /proc/interrupts &&
	dd if=$(sas_disk_on_phy "$h" 0) of=/dev/null bs=64k count=64 iflag=direct status=none &&
	[ \$(cat $sysh/orion_interrupts) -gt 0 ]"
check "mptsas_irq=1 (MSI-X only): no host, 'no usable interrupt' logged" bash -c "
	mptsas_load mptsas_irq=1 && udevadm settle && [ -z \"\$(mptsas_hosts)\" ] &&
	dmesg_since_mark | grep -q 'no usable interrupt (MsiX)'"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
