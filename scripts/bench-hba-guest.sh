#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on the HBA's disk, first through the C
# driver (bound at boot), then through orion_scsi (see bench-hba.sh).
# usage: bench-hba-guest.sh DRIVER PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds per job]
#   DRIVER: the C driver's PCI driver name (unbound before orion_scsi loads;
#   also its name in the table); PROC_NAME: its hosts' proc_name;
#   ORION_PROC_NAME: orion's; ORION_PARAMS: orion_scsi's module parameters,
#   one argument, space separated.
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 4 ] || { echo "usage: bench-hba-guest.sh DRIVER PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds]" >&2; exit 2; }
driver=$1 proc=$2 orion_proc=$3
read -ra params <<< "$4"
secs=${5:-15}
size_mb=512
. "$ORION_TOP/scripts/bench-jobs.sh"
. "$ORION_TOP/scripts/guest-lib.sh"

# disk_of PROC_NAME: host_disk PROC_NAME, waiting up to 60 s for the scan.
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

: > /tmp/bench.results
udevadm settle
dev=$(disk_of "$proc")
run_jobs "$driver" "$dev" $size_mb "$secs"
release_pci_driver "$driver"
insmod "$ORION_TOP/orion_scsi.ko" ${params[@]+"${params[@]}"}
udevadm settle
dev=$(disk_of "$orion_proc")
run_jobs orion "$dev" $size_mb "$secs"
rmmod orion_scsi

report orion "$driver"
