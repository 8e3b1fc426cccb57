#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark of bench-hba.sh iscsi. A LIO target in the
# guest with one RAM LUN (rd_mcp) on 127.0.0.1 stays up for the whole boot;
# the two initiators cannot coexist (both register the transport "tcp"),
# so each measurement loads one, starts iscsid, logs in, measures the
# session's disk, and undoes all that (bench_loop's attach and detach).
# The VM boots with iscsi_tcp blacklisted, so that only the load decides
# who serves the transport.
# usage: bench-iscsi-guest.sh RESULTS RUNS SECONDS iscsi DRIVER...
#   DRIVER: orion and/or iscsi_tcp (bench_hba_spec iscsi).
set -euo pipefail
: "${ORION_TOP:?}"
[ $# -ge 5 ] || { echo "usage: bench-iscsi-guest.sh RESULTS RUNS SECONDS iscsi DRIVER..." >&2; exit 2; }
size_mb=512
. "$ORION_TOP/tests/selftests/iscsi_lib.sh"
. "$ORION_TOP/scripts/bench-jobs.sh"
bench_hba_spec "$4"
BENCH_ORION_STATS_NOTE="debugfs orion_scsi/host<N>/stats" bench_guest_init "$1" "$2" "$3" $size_mb
shift 4
iqn=$ISCSI_IQN_PREFIX:bench
lio_target "$iqn" ${size_mb}M

bench_attach() {
	local host
	if [ "$1" = orion ]; then "${orion_load[@]}"; else "${c_load[@]}"; fi
	iscsid_start
	# iscsiadm's progress lines go; its errors (stderr) stay.
	iscsi_login "$iqn" > /dev/null
	bench_dev=$(iscsi_wait_disks "$iqn" 1)
	host=/sys/class/scsi_host/host$(iscsi_session_host "$(iscsi_sessions "$iqn")")
	[ "$(cat "$host/proc_name")" = "$orion_proc" ] ||
		{ echo "bench-iscsi-guest: $bench_dev is on a $(cat "$host/proc_name") host" >&2; return 1; }
	bench_set_depth "$bench_dev" "$depth"
	echo "bench-iscsi-guest: $1: $bench_dev on ${host##*/}; modules: $(lsmod | awk 'NR > 1 { print $1 }' | paste -sd' ')"
}
bench_detach() {
	iscsi_logout_all > /dev/null
	iscsid_stop
	iscsi_initiator_unload
}
bench_loop "$@"
lio_teardown
