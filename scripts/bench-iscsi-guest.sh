#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on an iSCSI disk through one initiator
# (see bench-hba.sh iscsi): a LIO target in the guest with one RAM LUN
# (rd_mcp) on 127.0.0.1, the initiator logged in by iscsid, the session's
# disk measured, then everything undone. The VM boots with iscsi_tcp
# blacklisted, so that only LOAD decides who serves the transport "tcp".
# usage: bench-iscsi-guest.sh RESULTS NAME PROC_NAME SECONDS DEPTH LOAD...
#   as bench-hba-guest.sh; PROC_NAME (iscsi_tcp for both initiators) is
#   checked on the session's host; LOAD is "iscsi_initiator_load
#   iscsi_tcp|orion" (tests/selftests/iscsi_lib.sh).
set -euo pipefail
: "${ORION_TOP:?}"
size_mb=512
. "$ORION_TOP/scripts/bench-jobs.sh"
bench_guest_args "$@"
. "$ORION_TOP/tests/selftests/iscsi_lib.sh"
iqn=$ISCSI_IQN_PREFIX:bench

"${load[@]}"
lio_target "$iqn" ${size_mb}M
iscsid_start
# iscsiadm's progress lines go; its errors (stderr) stay.
iscsi_login "$iqn" > /dev/null
dev=$(iscsi_wait_disks "$iqn" 1)
host=/sys/class/scsi_host/host$(iscsi_session_host "$(iscsi_sessions "$iqn")")
[ "$(cat "$host/proc_name")" = "$proc" ] ||
	{ echo "bench-iscsi-guest: $dev is on a $(cat "$host/proc_name") host, not $proc" >&2; exit 1; }
echo "bench-iscsi-guest: $name: $dev on ${host##*/}; modules: $(lsmod | awk 'NR > 1 { print $1 }' | paste -sd' ')"
bench_disk "$results" "$name" "$dev" "$depth" $size_mb "$secs"
iscsi_logout_all > /dev/null
iscsid_stop
lio_teardown
iscsi_initiator_unload
