#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: load orion_scsi with its defaults (the virtual adapter, the
# MegaRAID driver, which takes over QEMU's megasas controller from
# megaraid_sas, the LSI SPI driver for the lsi53c895a, which sym53c8xx
# was kept from binding, and the Fusion-MPT driver for the mptsas1068, which
# mptsas was kept from binding), with its iSCSI initiator on (iscsi=1: the
# `tcp` transport, in place of iscsi_tcp), log in to a LIO target in the
# guest with open-iscsi, and show the disks of all five working.
set -euo pipefail
: "${ORION_TOP:?}"
. "$ORION_TOP/tests/selftests/lib.sh"
. "$ORION_TOP/tests/selftests/iscsi_lib.sh"
release_megaraid_sas
release_sym53c8xx
release_pci_driver mptsas
# iscsi_tcp would register the same transport name.
mkdir -p "${ISCSI_TCP_BLACKLIST%/*}"
echo "blacklist iscsi_tcp" > "$ISCSI_TCP_BLACKLIST"
# The kernel log shown at the end starts here: megaraid_sas's messages
# from boot (before orion takes the controller) are not orion's.
dmesg_mark "main job: insmod orion_scsi"
insmod "$ORION_TOP/orion_scsi.ko" iscsi=1
udevadm settle 2>/dev/null || sleep 1
iqn=$ISCSI_IQN_PREFIX:main
echo "== iSCSI: LIO target $iqn (64 MiB RAM LUN) on $ISCSI_PORTAL, iscsid, login through orion's tcp transport"
lio_target "$iqn" 64M
iscsid_start
iscsi_login "$iqn"
iscsi_wait_disks "$iqn" 1 > /dev/null
iscsiadm -m session -P 1 | grep -E 'Target:|Current Portal|iSCSI Session State|Attached scsi disk' | sed 's/^\s*/  /'
echo "== lsmod"; lsmod | grep -E '^(Module|orion_scsi)'
echo "== SCSI hosts (lsscsi -H)"; lsscsi -H
echo "== SCSI disks (lsscsi -s)"; lsscsi -s
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 status=none
# write_read_back NAME DISK: 1 MiB through DISK, compared, and its
# per-device statistics.
write_read_back() {
	local d=$2 s
	echo "== $1: write + read back through $d"
	dd if=/tmp/pattern of="$d" bs=64k oflag=direct status=none
	dd if="$d" of=/tmp/back bs=64k count=16 iflag=direct status=none
	cmp /tmp/pattern /tmp/back && echo "1 MiB written and read back identical"
	s=/sys/block/${d#/dev/}/device
	echo "statistics: $(cat "$s/orion_writes") writes, $(cat "$s/orion_reads") reads, peak outstanding $(cat "$s/orion_peak_outstanding")"
}
for kind in orion_virt orion_megasas orion_lsi orion_mptsas; do
	write_read_back "$kind" "$(host_disk $kind)"
done
write_read_back "orion iSCSI (host proc_name iscsi_tcp)" "$(iscsi_disks "$iqn" | head -1)"
iscsiadm -m session -s | grep -E 'scsicmd_pdus|dataout_pdus|datain_pdus|r2t_pdus' | sed 's/^\s*/  /'
mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
echo "== orionctl host info (every SCSI host; orion's with their adapter data)"; "$ORIONCTL" host info
echo "== orionctl stats (per LUN, from the driver's counters and latency histograms)"; "$ORIONCTL" stats
echo "== MegaRAID controller"; for h in /sys/class/scsi_host/host*; do
	[ "$(cat "$h/proc_name")" = orion_megasas ] && echo "${h##*/}: $(cat "$h/orion_model"), $(cat "$h/orion_irq_mode"), $(cat "$h/orion_logical_drives") logical drives, can_queue $(cat "$h/can_queue"), firmware $(cat "$h/orion_fw_state")"
done
echo "== LSI SAS1068 IOC (Fusion-MPT)"; for h in /sys/class/scsi_host/host*; do
	[ "$(cat "$h/proc_name")" = orion_mptsas ] || continue
	echo "${h##*/}: IOC $(cat "$h/orion_ioc_state"), $(cat "$h/orion_irq_mode"), can_queue $(cat "$h/can_queue"), sg_tablesize $(cat "$h/sg_tablesize"), chained requests $(cat "$h/orion_chained_requests")"
	n=${h##*host}
	echo "SAS transport: $(find /sys/class/sas_phy/ -maxdepth 1 -name "phy-$n:*" | wc -l) phys, end devices (lsscsi -t):"
	lsscsi -t "$n:*:*:*"
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
echo "== kernel log from orion_scsi's load on"; dmesg_since_mark | grep -E 'orion_scsi|orion_megasas|orion_mptsas|orion_lsi|scsi host|scsi [0-9]|sd [0-9]|target[0-9]|session[0-9]|connection[0-9]' | grep -vi 'command line\|virtme' || true
echo "== iSCSI logout"
iscsi_logout_all
iscsid_stop
lio_teardown
rmmod orion_scsi
echo "== orion_scsi unloaded cleanly"
