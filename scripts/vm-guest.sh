#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: the given command, then a check of the kernel log.
# The exit status is the command's, or 1 when the kernel log shows a splat.
set -u
export PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH
# shellcheck source=splat.sh
. "$(dirname "$0")/splat.sh"
# Splats count from here on: orion_scsi is not loaded before the command
# runs, so a report during boot is the kernel's own (the debug kernel
# under TCG has shown a KASAN report in early CPU setup); it is shown, not
# counted.
marker="orion: test command starts"
echo "$marker" > /dev/kmsg
"$@" 2>&1
rc=$?
if dmesg | sed -n "/$marker/,\$p" | grep -Eq "$ORION_SPLAT_RE"; then
	echo "vm-guest: kernel log has a splat:" >&2
	dmesg | sed -n "/$marker/,\$p" | grep -E -m1 -B5 -A25 "$ORION_SPLAT_RE" >&2
	rc=1
elif dmesg | grep -Eq "$ORION_SPLAT_RE"; then
	echo "vm-guest: note: a kernel splat during boot, before the test command (not counted):" >&2
	dmesg | grep -E -m1 -A3 "$ORION_SPLAT_RE" >&2
fi
exit $rc
