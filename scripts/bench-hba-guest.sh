#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on the HBA's disk, first through
# orion_scsi, then through the C driver (see bench-hba.sh: the VM boots with
# the C driver blacklisted, so the chip is free; it is loaded only after
# orion_scsi is removed and never unbound).
# usage: bench-hba-guest.sh DRIVER PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds per job]
#   DRIVER: the C driver's module (and PCI driver) name, also its name in
#   the table; PROC_NAME: its hosts' proc_name; ORION_PROC_NAME: orion's;
#   ORION_PARAMS: orion_scsi's module parameters, one argument, space
#   separated.
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 4 ] || { echo "usage: bench-hba-guest.sh DRIVER PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds]" >&2; exit 2; }
driver=$1 proc=$2 orion_proc=$3
read -ra params <<< "$4"
secs=${5:-15}
size_mb=512
. "$ORION_TOP/scripts/bench-jobs.sh"
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

: > /tmp/bench.results
udevadm settle
# Unbinding here is what the blacklist avoids (sym53c8xx warns), so a C
# driver already bound means the boot was wrong: stop instead.
for d in /sys/bus/pci/drivers/"$driver"/0000:*; do
	[ -e "$d" ] || continue
	echo "bench-hba-guest: $driver is bound to ${d##*/} (boot with modprobe.blacklist=$driver)" >&2
	exit 1
done
insmod "$ORION_TOP/orion_scsi.ko" ${params[@]+"${params[@]}"}
udevadm settle
dev=$(disk_of "$orion_proc")
run_jobs orion "$dev" $size_mb "$secs"
rmmod orion_scsi
# An explicit modprobe loads a module blacklisted on the command line (the
# blacklist only stops alias loads such as udev's); the chip is free now.
modprobe "$driver"
udevadm settle
dev=$(disk_of "$proc")
run_jobs "$driver" "$dev" $size_mb "$secs"
# The C driver stays loaded: removing it would unbind it.

# orion is the base column and the ratios are orion / C driver.
report orion "$driver"
