#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The iSCSI test environment, end to end with the kernel's own initiator
# (iscsi_tcp), the reference the orion initiator will be held to: a LIO
# target with two RAM LUNs on 127.0.0.1, iscsid, SendTargets discovery,
# login, the session's disks with the node settings the tests rely on, a
# fio verify, logout, and a teardown that unloads every module. Then the
# switch orion tests need: with iscsi_tcp blacklisted, iscsiadm no longer
# loads it by itself.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:env
# session_attr NAME VALUE: the session to $iqn has that attribute value.
session_attr() {
	local s v
	s=$(iscsi_sessions "$iqn")
	v=$(cat "/sys/class/iscsi_session/$s/$1")
	echo "note: $s $1 = $v"
	[ "$v" = "$2" ]
}
# disk_sizes_mb: the sizes of $iqn's disks in MiB, by LUN.
disk_sizes_mb() {
	local d
	for d in $(iscsi_disks "$iqn"); do
		echo $(($(blockdev --getsize64 "$d") >> 20))
	done | paste -sd' '
}

ktap_print_header
ktap_set_plan 15
dmesg_mark
check "the kernel's iscsi_tcp registers the transport tcp" iscsi_initiator_load iscsi_tcp
check "LIO target $iqn with two RAM LUNs (64M, 32M) on $ISCSI_PORTAL" lio_target "$iqn" 64M 32M
check "iscsid starts and listens" iscsid_start
check "SendTargets discovery finds $iqn" bash -c "iscsi_discover | grep -F '$ISCSI_PORTAL,1 $iqn'"
check "login to $iqn" iscsi_login "$iqn"
check "the session has two disks" iscsi_wait_disks "$iqn" 2
check "the disks are 64 and 32 MiB ($(disk_sizes_mb))" test "$(disk_sizes_mb)" = "64 32"
check "the session's host is an iscsi_tcp host" \
	test "$(cat "/sys/class/scsi_host/host$(iscsi_session_host "$(iscsi_sessions "$iqn")")/proc_name")" = iscsi_tcp
check "node settings applied: replacement timeout $ISCSI_REPLACEMENT_TIMEOUT s" \
	session_attr recovery_tmo "$ISCSI_REPLACEMENT_TIMEOUT"
# shellcheck disable=SC2046 # one argument per disk
check "fio verify on both disks (QD32, 2 jobs each): 0 errors" fio_verify /tmp/fio-iscsi.out 8M $(iscsi_disks "$iqn")
check "logout of all sessions; the disks are gone" \
	bash -c "iscsi_logout_all && [ -z \"\$(iscsi_disks '$iqn')\" ] && ! compgen -G '/sys/class/iscsi_session/*'"
check "iscsi_tcp unloads" iscsi_initiator_unload
# What orion tests do before loading orion_scsi: blacklist iscsi_tcp so
# that iscsiadm, finding no tcp transport, does not load it (discovery
# itself may then fail).
check "with iscsi_tcp blacklisted, discovery does not load it" bash -c "
	echo 'blacklist iscsi_tcp' > '$ISCSI_TCP_BLACKLIST'
	iscsiadm -m discovery -t st -p '$ISCSI_PORTAL' > /tmp/disc-blacklisted.out 2>&1
	echo \"note: discovery status \$?: \$(head -2 /tmp/disc-blacklisted.out | paste -sd' ')\"
	rm -f '$ISCSI_TCP_BLACKLIST'
	[ ! -d /sys/module/iscsi_tcp ]"
check "iscsid stops, the target is torn down, LIO's modules unload" \
	bash -c 'iscsid_stop && lio_teardown && [ ! -d /sys/module/target_core_mod ] && [ ! -d /sys/module/iscsi_target_mod ]'
echo "# iscsid log:"; sed 's/^/#   /' "$ISCSID_LOG" | tail -30
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
