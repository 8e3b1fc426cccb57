#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Several orion sessions at once: two targets, one session and one SCSI
# host each, I/O on both at the same time; one logs out while idle and
# the other keeps working; it logs in again. Then kmemleak finds nothing
# of orion's after the sessions and the module are gone.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

a=$ISCSI_IQN_PREFIX:alpha
b=$ISCSI_IQN_PREFIX:beta
export a b

setup() {
	iscsi_initiator_load orion && lio_target "$a" 32M 16M && lio_target "$b" 48M &&
		iscsid_start && iscsi_discover > /dev/null
}

# The SCSI host of IQN's session.
host_of() { iscsi_session_host "$(iscsi_sessions "$1" | head -1)"; }
export -f host_of

two_hosts() {
	local ha hb
	ha=$(host_of "$a") && hb=$(host_of "$b") || return 1
	echo "note: $a on host$ha, $b on host$hb"
	[ "$ha" != "$hb" ] &&
		[ "$(cat /sys/class/scsi_host/host"$ha"/proc_name)" = iscsi_tcp ] &&
		[ "$(cat /sys/class/scsi_host/host"$hb"/proc_name)" = iscsi_tcp ]
}

# fio verify on every disk of both targets at once.
both_at_once() {
	local pa pb rc=0
	fio_verify /tmp/fio-sessions-a.out 8M $(iscsi_disks "$a") > /tmp/fio-sessions-a.log 2>&1 &
	pa=$!
	fio_verify /tmp/fio-sessions-b.out 8M $(iscsi_disks "$b") > /tmp/fio-sessions-b.log 2>&1 &
	pb=$!
	wait $pa || { echo "target alpha:"; cat /tmp/fio-sessions-a.log; rc=1; }
	wait $pb || { echo "target beta:"; cat /tmp/fio-sessions-b.log; rc=1; }
	return $rc
}

logout_one() {
	local h
	h=$(host_of "$a") || return 1
	iscsiadm -m node -T "$a" -p "$ISCSI_PORTAL" --logout > /dev/null || return 1
	wait_until 30 bash -c "[ ! -d /sys/class/scsi_host/host$h ]" || { echo "host$h still there"; return 1; }
	[ -z "$(iscsi_sessions "$a")" ] && [ -n "$(iscsi_sessions "$b")" ]
}

ktap_print_header
ktap_set_plan 11
dmesg_mark
check "orion (iscsi=1), LIO targets alpha (32M, 16M) and beta (48M), iscsid, discovery" setup
check "login to both targets: two sessions" bash -c \
	"iscsi_login '$a' > /dev/null && iscsi_login '$b' > /dev/null && iscsi_wait_disks '$a' 2 > /dev/null &&
	iscsi_wait_disks '$b' 1 > /dev/null"
check "one orion host per session" two_hosts
check "fio verify on the three disks of both sessions at once: 0 errors" both_at_once
check "alpha logs out while idle: its host goes, beta's session stays" logout_one
check "beta still verifies (fio 128k): 0 errors" \
	fio_verify --bs 128k /tmp/fio-sessions-b128k.out 16M $(iscsi_disks "$b")
check "alpha logs in again: two disks, fio verify 0 errors" bash -c "
	iscsi_login '$a' > /dev/null && d=\$(iscsi_wait_disks '$a' 2) &&
	fio_verify /tmp/fio-sessions-a2.out 8M \$d"
check "logout of both sessions" iscsi_logout_all
# Only what orion allocated (its frames in the backtrace, resolved
# while the module is loaded) counts: LIO and the network stack are not
# under test here.
kmemleak_check "kmemleak: nothing of orion's unreferenced after two sessions and their logouts" orion_scsi
check "iscsid stops, the targets are torn down, orion unloads" bash -c \
	'iscsid_stop && lio_teardown && iscsi_initiator_unload && [ ! -d /sys/module/orion_scsi ]'
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
