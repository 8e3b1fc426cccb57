#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: load orion_scsi with its defaults (the virtual adapter, the
# MegaRAID driver, which takes over QEMU's megasas controller from
# megaraid_sas, and the LSI SPI driver for the lsi53c895a, which sym53c8xx
# was kept from binding) and show the disks of all three working.
set -euo pipefail
: "${ORION_TOP:?}"
. "$ORION_TOP/scripts/guest-lib.sh"
release_megaraid_sas
release_sym53c8xx
insmod "$ORION_TOP/orion_scsi.ko"
udevadm settle 2>/dev/null || sleep 1
echo "== lsmod"; lsmod | grep -E '^(Module|orion_scsi)'
echo "== SCSI hosts (lsscsi -H)"; lsscsi -H
echo "== SCSI disks (lsscsi -s)"; lsscsi -s
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 status=none
for kind in orion_virt orion_megasas orion_lsi; do
	d=$(host_disk $kind)
	echo "== $kind: write + read back through $d"
	dd if=/tmp/pattern of="$d" bs=64k oflag=direct status=none
	dd if="$d" of=/tmp/back bs=64k count=16 iflag=direct status=none
	cmp /tmp/pattern /tmp/back && echo "1 MiB written and read back identical"
	s=/sys/block/${d#/dev/}/device
	echo "statistics: $(cat "$s/orion_writes") writes, $(cat "$s/orion_reads") reads, peak outstanding $(cat "$s/orion_peak_outstanding")"
done
echo "== virtual adapter statistics (debugfs)"; mount -t debugfs none /sys/kernel/debug 2>/dev/null || true; head -5 /sys/kernel/debug/orion_scsi/host*/stats
echo "== MegaRAID controller"; for h in /sys/class/scsi_host/host*; do
	[ "$(cat "$h/proc_name")" = orion_megasas ] && echo "${h##*/}: $(cat "$h/orion_model"), $(cat "$h/orion_irq_mode"), $(cat "$h/orion_logical_drives") logical drives, can_queue $(cat "$h/can_queue"), firmware $(cat "$h/orion_fw_state")"
done
echo "== LSI 53C895A chip (SPI)"; for h in /sys/class/scsi_host/host*; do
	[ "$(cat "$h/proc_name")" = orion_lsi ] || continue
	n=${h##*host}
	echo "${h##*/}: can_queue $(cat "$h/can_queue"), interrupts $(cat "$h/orion_interrupts"), peak commands on the bus $(cat "$h/orion_peak_outstanding")"
	for t in /sys/class/spi_transport/target"$n":*; do
		# width is shown only for targets that report wide support.
		echo "${t##*/}: offset $(cat "$t/offset"), width $(cat "$t/width" 2>/dev/null || echo 0) (asynchronous narrow: QEMU does not answer SDTR)"
	done
done
echo "== kernel log"; dmesg | grep -E 'orion_scsi|orion_megasas|orion_lsi|scsi host|scsi [0-9]|sd [0-9]|target[0-9]' | grep -vi 'command line\|virtme' || true
rmmod orion_scsi
echo "== orion_scsi unloaded cleanly"
