#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Module unload with a disk mounted is refused, then clean; reload finds the
# disks again; PCI remove through sysfs detaches one chip (with its device
# files held open, closed after) while the other keeps working; kmemleak
# finds nothing.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 8
dmesg_mark

lsi_load && settle
d=$(lsi_disks | head -1); m=$(mktemp -d)
mkfs.ext4 -q -F "$d" && mount "$d" "$m"
check "rmmod is refused while a disk is mounted" bash -c "! rmmod orion_scsi 2>/dev/null && orion_loaded"
umount "$m"
check "rmmod succeeds once the disk is free" orion_unload
lsi_load && settle
check "reload finds the six disks again" wait_until 30 bash -c '[ "$(lsi_disks | wc -l)" = 6 ]'

h=$(lsi_hosts | head -1); pci=$(basename "$(readlink -f "/sys/class/scsi_host/host$h/device/..")")
other=$(lsi_hosts | tail -1)
d=$(lsi_disks "$h" | head -1); sg=$(sg_of "$d")
exec 3<"$d" 4<"$sg"
echo 1 > "/sys/bus/pci/devices/$pci/remove"
settle
exec 3<&- 4<&-
settle
check "PCI remove with $d and $sg held open detaches that chip's host" \
	wait_until 30 bash -c '[ "$(lsi_hosts | wc -l)" = 1 ] && [ "$(lsi_disks | wc -l)" = 3 ]'
check "the other chip still does I/O" \
	bash -c "dd if=\$(lsi_disks $other | head -1) of=/dev/null bs=64k count=64 iflag=direct status=none"
check "rmmod succeeds afterwards" orion_unload
echo 1 > /sys/bus/pci/rescan
settle
kmemleak_check "kmemleak: no leak after load/unload/PCI remove"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
