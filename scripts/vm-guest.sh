#!/usr/bin/env bash
# Runs inside the test VM: the given command, then a check of the kernel log.
# The exit status is the command's, or 1 when the kernel log shows a splat.
set -u
export PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH
"$@" 2>&1
rc=$?
splat='(BUG:|Oops|WARNING:|general protection fault|KASAN:|UBSAN:|possible recursive locking|circular locking dependency|INFO: task .* blocked|RUST PANIC|panicked at)'
if dmesg | grep -Eq "$splat"; then
	echo "vm-guest: kernel log has a splat:" >&2
	dmesg | grep -E -m1 -B5 -A25 "$splat" >&2
	rc=1
fi
exit $rc
