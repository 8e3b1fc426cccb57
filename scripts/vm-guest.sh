#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: the given command, then a check of the kernel log.
# The exit status is the command's, or 1 when the kernel log shows a splat.
set -u
export PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH
# shellcheck source=splat.sh
. "$(dirname "$0")/splat.sh"
"$@" 2>&1
rc=$?
if dmesg | grep -Eq "$ORION_SPLAT_RE"; then
	echo "vm-guest: kernel log has a splat:" >&2
	dmesg | grep -E -m1 -B5 -A25 "$ORION_SPLAT_RE" >&2
	rc=1
fi
exit $rc
