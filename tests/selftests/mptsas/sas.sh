#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SAS fabric of orion_mptsas on the SAS transport class, as the IOC's
# configuration pages give it for vm.conf (disks on phys 0, 1 and 3, the
# first two with a wwn, a second LUN on phy 0): 8 phys with the HBA's
# address, a narrow port and an end device per disk, targets under the end
# devices, lsscsi -t; the same addresses after a host reset and a reload.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 12
dmesg_mark

mptsas_load && settle
h=$(mptsas_hosts | head -1)
hba=$(cat "/sys/class/sas_phy/phy-$h:0/sas_address" 2>/dev/null)
check "a SAS host; 8 phys (phy-$h:0..7) with the HBA's address $hba, SSP initiator" bash -c "
	[ -d /sys/class/sas_host/host$h ] && [ \$(ls -d /sys/class/sas_phy/phy-$h:* | wc -l) = 8 ] &&
	[ -n '$hba' ] && [ '$hba' != 0x0000000000000000 ] &&
	for p in /sys/class/sas_phy/phy-$h:*; do
		[ \$(cat \$p/sas_address) = '$hba' ] && [ \"\$(cat \$p/device_type)\" = 'end device' ] &&
		[ \$(cat \$p/initiator_port_protocols) = ssp ] || exit 1; done"
check "link rates: 3.0 Gbit on phys 0, 1, 3, negotiation failed elsewhere; hardware 1.5-3.0 Gbit" bash -c "
	for i in 0 1 2 3 4 5 6 7; do p=/sys/class/sas_phy/phy-$h:\$i
		case \$i in 0|1|3) want='3.0 Gbit';; *) want='Link Rate failed';; esac
		[ \"\$(cat \$p/negotiated_linkrate)\" = \"\$want\" ] &&
		[ \"\$(cat \$p/minimum_linkrate_hw)\" = '1.5 Gbit' ] &&
		[ \"\$(cat \$p/maximum_linkrate_hw)\" = '3.0 Gbit' ] || exit 1; done"
check "link error counters from SAS phy page 1: 0" bash -c "
	for f in invalid_dword_count running_disparity_error_count loss_of_dword_sync_count phy_reset_problem_count; do
		[ \$(cat /sys/class/sas_phy/phy-$h:0/\$f) = 0 ] || exit 1; done"
check "3 narrow ports, on phys 0, 1 and 3" bash -c "
	[ \$(ls -d /sys/class/sas_port/port-$h:* | wc -l) = 3 ] &&
	for p in /sys/class/sas_port/port-$h:*; do [ \$(cat \$p/num_phys) = 1 ] || exit 1; done &&
	for i in 0 1 3; do ls -d /sys/class/sas_port/port-$h:*/device/phy-$h:\$i >/dev/null || exit 1; done"
fabric=$(sas_fabric "$h")
line=$(echo "$fabric" | tr '\n' ' ')
echo "# fabric: $line"
check "3 SSP end devices (sas_device and sas_end_device) on phys 0, 1, 3: wwn on 0 and 1, a derived address on 3" bash -c "
	[ \$(ls -d /sys/class/sas_end_device/end_device-$h:* | wc -l) = 3 ] &&
	for e in /sys/class/sas_device/end_device-$h:*; do
		[ \"\$(cat \$e/device_type)\" = 'end device' ] && [ \$(cat \$e/target_port_protocols) = ssp ] || exit 1; done &&
	[ '$line' = '0=0x5000c50000000001 1=0x5000c50000000002 3=$(printf '0x%016x' $((hba ^ (4 << 32)))) ' ]"
check "SAS addresses non-zero, unique, none the HBA's" bash -c "
	a=\$(sas_fabric $h | cut -d= -f2); [ \$(echo \"\$a\" | sort -u | wc -l) = 3 ] &&
	! echo \"\$a\" | grep -q -e '^0x0000000000000000\$' -e '^$hba\$'"
check "every disk's target is a child of its end device" bash -c "
	n=0; for d in /sys/class/scsi_disk/$h:*; do
		readlink -f \$d/device | grep -q '/port-$h:[0-9]*/end_device-$h:[0-9]*/target$h:0:[0-9]*/' || exit 1
		n=\$((n + 1)); done; [ \$n = 4 ]"
check "lsscsi -t: sas:<end device address> for each disk (LUN 1 shares phy 0's); -tH: the HBA's" bash -c "
	out=\$(lsscsi -t '$h:*:*:*'); echo \"\$out\"
	for e in /sys/class/sas_device/end_device-$h:*; do
		a=\$(cat \$e/sas_address)
		for t in \$e/device/target*/$h:0:*; do
			echo \"\$out\" | grep -q \"^\\[\$(basename \$t)\\] *disk *sas:\$a \" || exit 1; done; done &&
	[ \$(echo \"\$out\" | grep -c ' sas:0x') = 4 ] && lsscsi -tH | grep -q \"^\\[$h\\] *orion_mptsas *sas:$hba\""

resets=$(cat "/sys/class/scsi_host/host$h/orion_resets")
check "after sg_reset --host the firmware addresses (before I/O resumes) and the fabric are read again, unchanged, and the disks read" bash -c "
	sg_reset --host $(sg_of "$(sas_disk_on_phy "$h" 3)") &&
	dmesg_since_mark | grep -q 'firmware addresses read again after the reset: 3 kept, 0 renumbered, 0 gone' &&
	wait_until 10 bash -c 'dmesg_since_mark | grep -q \"SAS fabric read again: 3 end devices, 0 changed\"' &&
	[ \$(cat /sys/class/scsi_host/host$h/orion_resets) -gt $resets ] &&
	[ \"\$(sas_fabric $h)\" = '$fabric' ] &&
	for p in 0 1 3; do dd if=\$(sas_disk_on_phy $h \$p) of=/dev/null bs=64k count=16 iflag=direct status=none || exit 1; done"

mptsas_load && settle
h=$(mptsas_hosts | head -1)
check "after rmmod and reload: the same phys, addresses and disks" bash -c "
	[ \"\$(sas_fabric $h)\" = '$fabric' ] && [ \$(cat /sys/class/sas_phy/phy-$h:7/sas_address) = '$hba' ] &&
	[ \$(lsscsi -t '$h:*:*:*' | grep -c ' sas:0x') = 4 ]"
orion_unload
check "rmmod released the SAS transport (no handle or host left)" \
	bash -c "! orion_loaded && ! dmesg_since_mark | grep -q 'SAS transport still in use'"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
