#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on the HBA's disk, first through
# orion_scsi, then through the C driver (see bench-hba.sh: the VM boots with
# the C driver blacklisted, so the chip is free; it is loaded only after
# orion_scsi is removed and never unbound).
# usage: bench-hba-guest.sh RESULTS DRIVER DRIVER_PARAMS PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds per job]
#   RESULTS: a file (in a directory the guest may write) the results of
#   this boot are appended to, in bench-jobs.sh's format;
#   DRIVER: the C driver's module (and PCI driver) name, also its name in
#   the table; DRIVER_PARAMS: its module parameters; PROC_NAME: its hosts' proc_name; ORION_PROC_NAME: orion's;
#   ORION_PARAMS: orion_scsi's module parameters, one argument, space
#   separated.
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 6 ] || { echo "usage: bench-hba-guest.sh RESULTS DRIVER DRIVER_PARAMS PROC_NAME ORION_PROC_NAME ORION_PARAMS [seconds]" >&2; exit 2; }
results=$1 driver=$2 proc=$4 orion_proc=$5
read -ra driver_params <<< "$3"
read -ra params <<< "$6"
secs=${7:-15}
# Both drivers run the disk at the same queue depth: set through sysfs
# where the driver allows it, else by DRIVER_PARAMS (sym53c8xx has no
# change_queue_depth: cmd_per_lun=32, its default being 16), and checked.
depth=32
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

# set_depth DEV: the disk's queue depth to $depth, checked.
set_depth() {
	local qd=/sys/block/${1#/dev/}/device/queue_depth
	# Read-only without change_queue_depth (root's test -w cannot tell).
	[[ $(stat -c %A "$qd") != ??w* ]] || echo $depth > "$qd"
	[ "$(cat "$qd")" = $depth ] || { echo "bench-hba-guest: $1 queue_depth $(cat "$qd"), not $depth" >&2; return 1; }
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
set_depth "$dev"
run_jobs orion "$dev" $size_mb "$secs"
rmmod orion_scsi
# An explicit modprobe loads a module blacklisted on the command line (the
# blacklist only stops alias loads such as udev's); the chip is free now.
modprobe "$driver" ${driver_params[@]+"${driver_params[@]}"}
udevadm settle
dev=$(disk_of "$proc")
set_depth "$dev"
run_jobs "$driver" "$dev" $size_mb "$secs"
# The C driver stays loaded: removing it would unbind it.

cat /tmp/bench.results >> "$results"
# This boot's table; bench-hba.sh prints the medians over all boots.
report /tmp/bench.results orion "$driver"
