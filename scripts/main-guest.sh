#!/usr/bin/env bash
# Inside the VM: load orion_scsi with its defaults and show the disks working.
set -euo pipefail
: "${ORION_TOP:?}"
insmod "$ORION_TOP/orion_scsi.ko"
udevadm settle 2>/dev/null || sleep 1
echo "== lsmod"; lsmod | grep -E '^(Module|orion_scsi)'
echo "== SCSI hosts (lsscsi -H)"; lsscsi -H
echo "== SCSI disks (lsscsi -s)"; lsscsi -s
echo "== write + read back through /dev/sda"; dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 status=none; dd if=/tmp/pattern of=/dev/sda bs=64k oflag=direct status=none; dd if=/dev/sda of=/tmp/back bs=64k count=16 iflag=direct status=none; cmp /tmp/pattern /tmp/back && echo "1 MiB written and read back identical"
echo "== statistics (debugfs)"; mount -t debugfs none /sys/kernel/debug 2>/dev/null || true; head -5 /sys/kernel/debug/orion_scsi/host*/stats
echo "== kernel log"; dmesg | grep -E 'orion_scsi|scsi host|scsi [0-9]|sd [0-9]' | grep -vi 'command line\|virtme' || true
rmmod orion_scsi
echo "== orion_scsi unloaded cleanly"
