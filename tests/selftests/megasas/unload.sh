#!/usr/bin/env bash
# Module unload with disks in use is refused, then clean; reload finds the
# disks again; PCI remove through sysfs detaches one controller while the
# other keeps working; kmemleak finds nothing.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 7
dmesg_mark

megasas_load && settle
d=$(megasas_disks | head -1); m=$(mktemp -d)
mkfs.ext4 -q -F "$d" && mount "$d" "$m"
check "rmmod is refused while a disk is mounted" bash -c "! rmmod orion_scsi 2>/dev/null && orion_loaded"
umount "$m"
check "rmmod succeeds once the disk is free (cache flushed, firmware shut down)" orion_unload
check "reload finds the six disks again" bash -c "megasas_load && sleep 1 && [ \$(megasas_disks | wc -l) = 6 ]"
h=$(megasas_hosts | head -1); pci=$(megasas_pci "$h"); other=$(megasas_hosts | tail -1)
echo 1 > /sys/bus/pci/devices/$pci/remove
settle
check "PCI remove through sysfs detaches that controller's host" \
	bash -c "[ \$(megasas_hosts | wc -l) = 1 ] && [ \$(megasas_disks | wc -l) = 3 ]"
check "the other controller still does I/O" \
	bash -c "dd if=\$(megasas_disks $other | head -1) of=/dev/null bs=64k count=100 iflag=direct status=none"
orion_unload
echo 1 > /sys/bus/pci/rescan
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 6; echo scan > /sys/kernel/debug/kmemleak
	check "kmemleak: no leak after load/unload/PCI remove" bash -c "! grep -q unreferenced /sys/kernel/debug/kmemleak"
else
	ktap_test_fail "kmemleak is not available (expected kmemleak=on)"
fi
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
