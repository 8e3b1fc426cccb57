#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on one HBA's disk through one driver
# (see bench-hba.sh: each boot measures one driver, the VM boots with the
# C driver blacklisted so that nothing binds the chip before LOAD runs).
# usage: bench-hba-guest.sh RESULTS NAME PROC_NAME SECONDS DEPTH LOAD...
#   RESULTS: a file (in a directory the guest may write) the results are
#   appended to, in bench-jobs.sh's format, under NAME;
#   PROC_NAME: the proc_name of the driver's hosts (whose disk is used);
#   SECONDS: per job; DEPTH: the disk's queue depth, the same for every
#   driver (set through sysfs where the driver allows it, else by its load
#   command: sym53c8xx has no change_queue_depth), checked;
#   LOAD...: the command that loads the driver.
set -euo pipefail
: "${ORION_TOP:?}"
size_mb=512
. "$ORION_TOP/scripts/bench-jobs.sh"
bench_guest_args "$@"
. "$ORION_TOP/scripts/guest-lib.sh"

# disk_of PROC_NAME: host_disk PROC_NAME (the disk of a host of that
# driver, not just any sd), waiting up to 60 s for the scan.
disk_of() {
	local d i
	for ((i = 0; i < 60; i++)); do
		d=$(host_disk "$1")
		[ -z "$d" ] || { echo "$d"; return; }
		sleep 1
	done
	echo "bench-hba-guest: no disk on a $1 host" >&2
	return 1
}

udevadm settle
"${load[@]}"
udevadm settle
dev=$(disk_of "$proc")
bench_disk "$results" "$name" "$dev" "$depth" $size_mb "$secs"
