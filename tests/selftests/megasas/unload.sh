#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Module unload with disks in use is refused, then clean; reload finds the
# disks again; PCI remove through sysfs of a controller while /dev/sdX and
# /dev/sgN of one of its disks are held open (closed after the remove: the
# last references to its SCSI devices go then), the other controller keeps
# working and is then removed too; SG_SCSI_RESET on the files held open is
# refused; kmemleak finds nothing.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 11
dmesg_mark

unload_reload_checks megasas_load megasas_disks 6

h=$(megasas_hosts | head -1); pci=$(megasas_pci "$h"); other=$(megasas_hosts | tail -1)
d=$(megasas_disks "$h" | head -1); sg=$(sg_of "$d")
dmesg_mark "megasas unload: PCI remove with $d and $sg open"
pci_remove_held_open "$pci" "$d"
check "PCI remove with $d and $sg held open detaches that controller's host" \
	wait_until 30 bash -c '[ "$(megasas_hosts | wc -l)" = 1 ] && [ "$(megasas_disks | wc -l)" = 3 ]'
check "the kernel log has no warning or oops once the files are closed" dmesg_clean
check "the other controller still does I/O" \
	bash -c "dd if=\$(megasas_disks $other | head -1) of=/dev/null bs=64k count=100 iflag=direct status=none"
pci2=$(megasas_pci "$other")
echo 1 > "/sys/bus/pci/devices/$pci2/remove"
settle
check "PCI remove of the other controller (nothing open) detaches its host" \
	wait_until 30 bash -c '[ -z "$(megasas_hosts)" ]'
check "rmmod succeeds with no controller left" orion_unload
echo 1 > /sys/bus/pci/rescan
settle
kmemleak_check "kmemleak: no leak after load/unload/PCI remove"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
