#!/usr/bin/env bash
# Inside the VM: load orion_scsi with its defaults and show the disks working.
set -euo pipefail
: "${ORION_TOP:?}"
insmod "$ORION_TOP/orion_scsi.ko"
udevadm settle 2>/dev/null || sleep 1
echo "== lsmod"; lsmod | grep -E '^(Module|orion_scsi)'
echo "== SCSI hosts (lsscsi -H)"; lsscsi -H
echo "== SCSI disks (lsscsi -s)"; lsscsi -s
echo "== kernel log"; dmesg | grep -E 'orion_scsi|scsi host|scsi [0-9]|sd [0-9]' || true
rmmod orion_scsi
echo "== orion_scsi unloaded cleanly"
