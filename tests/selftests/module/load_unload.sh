#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, shows up in lsmod and sysfs, logs, and unloads cleanly.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 7
dmesg_mark
check "insmod orion_scsi.ko succeeds" insmod "$ORION_KO"
check "lsmod lists orion_scsi" bash -c 'lsmod | grep -q "^orion_scsi "'
check "/sys/module/orion_scsi exists" test -d /sys/module/orion_scsi
check "kernel log says the module loaded" bash -c 'dmesg_since_mark | grep -q "orion_scsi: loaded"'
# udev opens the new disks (blkid); on a slow kernel it may still hold them.
settle
check "rmmod orion_scsi succeeds" rmmod orion_scsi
check "/sys/module/orion_scsi is gone" test ! -e /sys/module/orion_scsi
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
