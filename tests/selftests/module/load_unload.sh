#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module loads, shows up in lsmod and sysfs, logs, and unloads cleanly;
# an open debugfs file holds the module, as a C driver's does.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 13
dmesg_mark
check "insmod orion_scsi.ko succeeds" insmod "$ORION_KO"
check "lsmod lists orion_scsi" bash -c 'lsmod | grep -q "^orion_scsi "'
check "/sys/module/orion_scsi exists" test -d /sys/module/orion_scsi
check "kernel log says the module loaded" bash -c 'dmesg_since_mark | grep -q "orion_scsi: loaded"'
# udev opens the new disks (blkid); on a slow kernel it may still hold them.
settle

# A debugfs file open across rmmod: its file operations name the module as
# owner, so rmmod refuses while it is open (without an owner, debugfs
# would call the unloaded module's release when the file is closed).
dbg=/sys/kernel/debug/orion_scsi
stats=$(find "$dbg" -path '*/host*/stats' -print -quit)
check "a virtual host has a debugfs stats file" test -n "$stats"
refs=$(cat /sys/module/orion_scsi/refcnt)
exec 3<"$stats" 4>>"$dbg/add_host"
check "each open debugfs file holds one module reference ($refs before, 2 more expected)" \
	bash -c "[ \$(cat /sys/module/orion_scsi/refcnt) = $((refs + 2)) ]"
check "rmmod is refused while debugfs files are open" \
	bash -c 'out=$(rmmod orion_scsi 2>&1); [ $? != 0 ] && [[ $out == *"in use"* ]]'
check "the module stays loaded" test -d /sys/module/orion_scsi
check "the open stats file still reads" bash -c 'grep -q "^reads " <&3'
exec 3<&- 4>&-
check "closing them gives the references back ($refs)" \
	bash -c "[ \$(cat /sys/module/orion_scsi/refcnt) = $refs ]"
check "rmmod orion_scsi succeeds" rmmod orion_scsi
check "/sys/module/orion_scsi is gone" test ! -e /sys/module/orion_scsi
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
