#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark of bench-hba.sh on two identical HBAs (the
# VM boots with the C driver blacklisted): the first goes to orion, the
# second to the C driver (driver_override), both are loaded, and the two
# disks are measured in turn (bench_loop) at the same queue depth.
# usage: bench-hba-guest.sh RESULTS RUNS SECONDS ADAPTER DRIVER...
#   DRIVER: orion and the C driver (bench_hba_spec ADAPTER).
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 5 ] || { echo "usage: bench-hba-guest.sh RESULTS RUNS SECONDS ADAPTER DRIVER..." >&2; exit 2; }
size_mb=512
. "$ORION_TOP/scripts/guest-lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"
bench_hba_spec "$4"
BENCH_ORION_STATS_NOTE="$orion_proc has no debugfs stats file yet" bench_guest_init "$1" "$2" "$3" $size_mb
shift 4

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

# The two controllers: the emulated ones are LSI Logic's (vendor 0x1000).
mapfile -t hbas < <(grep -l '^0x1000$' /sys/bus/pci/devices/*/vendor | sed 's|/vendor$||' | sort)
[ ${#hbas[@]} = 2 ] || { echo "bench-hba-guest: ${#hbas[@]} LSI PCI functions, not 2" >&2; exit 1; }
for h in "${hbas[@]}"; do
	[ ! -e "$h/driver" ] || { echo "bench-hba-guest: ${h##*/} is bound to $(basename "$(readlink "$h/driver")")" >&2; exit 1; }
done
# BENCH_SWAP_HBAS=1: the other way round, to check that the controller
# (its PCI slot, its disk image) does not favour a driver.
[ "${BENCH_SWAP_HBAS:-0}" != 1 ] || hbas=("${hbas[1]}" "${hbas[0]}")
echo "$orion_pci" > "${hbas[0]}/driver_override"
echo "$c_pci" > "${hbas[1]}/driver_override"
settle
"${orion_load[@]}"
"${c_load[@]}"
settle
declare -A disk=([orion]=$(disk_of "$orion_proc") [$c_driver]=$(disk_of "$c_proc"))
for d in "${!disk[@]}"; do
	[ -b "${disk[$d]}" ] || { echo "bench-hba-guest: no $d disk" >&2; exit 1; }
	bench_set_depth "${disk[$d]}" "$depth"
done
echo "bench-hba-guest: orion ${disk[orion]} (${hbas[0]##*/}), $c_driver ${disk[$c_driver]} (${hbas[1]##*/}), queue depth $depth"

bench_attach() { bench_dev=${disk[$1]}; }
bench_detach() { :; }
bench_loop "$@"
