#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Module unload with a disk in use is refused, then clean; reload finds the
# disks again; PCI remove through sysfs with /dev/sdX and /dev/sgN of a disk
# held open (closed after the remove) detaches the host; rmmod with no IOC
# left; rescan binds the IOC again; kmemleak finds nothing.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 9
dmesg_mark

unload_reload_checks mptsas_load mptsas_disks 4

h=$(mptsas_hosts | head -1); pci=$(megasas_pci "$h")
d=$(mptsas_disks "$h" | head -1); sg=$(sg_of "$d")
pci_remove_held_open "$pci" "$d"
check "PCI remove with $d and $sg held open detaches the host" \
	wait_until 30 bash -c '[ -z "$(mptsas_hosts)" ] && [ -z "$(mptsas_disks)" ]'
check "rmmod succeeds with no IOC left" orion_unload
echo 1 > /sys/bus/pci/rescan
settle
check "after a rescan a new load binds the IOC and finds the four disks" bash -c '
	mptsas_load && udevadm settle && wait_until 30 bash -c "[ \$(mptsas_disks | wc -l) = 4 ]" &&
	dd if=$(mptsas_disks | head -1) of=/dev/null bs=64k count=16 iflag=direct status=none'
orion_unload
kmemleak_check "kmemleak: no leak after load/unload/PCI remove"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
