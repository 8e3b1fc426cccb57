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
BENCH_ORION_STATS_NOTE="debugfs orion_scsi/host<N>/stats" bench_guest_init "$1" "$2" "$3" $size_mb
shift 4

bench_hba_bind

bench_attach() { bench_dev=${disk[$1]}; }
bench_detach() { :; }
bench_loop "$@"
