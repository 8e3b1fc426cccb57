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

megasas_load && settle
d=$(megasas_disks | head -1); m=$(mktemp -d)
mkfs.ext4 -q -F "$d" && mount "$d" "$m"
check "rmmod is refused while a disk is mounted" bash -c "! rmmod orion_scsi 2>/dev/null && orion_loaded"
umount "$m"
check "rmmod succeeds once the disk is free (cache flushed, firmware shut down)" orion_unload
megasas_load && settle
check "reload finds the six disks again" wait_until 30 bash -c '[ "$(megasas_disks | wc -l)" = 6 ]'

h=$(megasas_hosts | head -1); pci=$(megasas_pci "$h"); other=$(megasas_hosts | tail -1)
d=$(megasas_disks "$h" | head -1); sg=$(sg_of "$d")
dmesg_mark "megasas unload: PCI remove with $d and $sg open"
exec 3<"$d" 4<"$sg"
echo 1 > "/sys/bus/pci/devices/$pci/remove"
settle
# SG_SCSI_RESET (device, target, bus, host) on the files still open: the
# devices are deleted and the driver's host data gone, so every reset must
# be refused; it used to reach the driver's reset callbacks.
check "SG_SCSI_RESET on $d and $sg held open after the remove is refused" python3 -c '
import fcntl, struct, sys
SG_SCSI_RESET = 0x2284
accepted = []
for fd in (3, 4):
    for kind in (1, 4, 2, 3):
        try:
            fcntl.ioctl(fd, SG_SCSI_RESET, struct.pack("i", kind))
            accepted.append((fd, kind))
        except OSError:
            pass
print("accepted:", accepted)
sys.exit(1 if accepted else 0)'
exec 3<&- 4<&-
settle
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
