#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# CHAP through orion's connection (issue 11): iscsid does the CHAP
# exchange in userspace and the kernel carries the login PDUs. A LIO
# target that requires CHAP refuses a login without credentials or with a
# wrong secret, cleanly (no session or host left behind); one-way and
# mutual CHAP log in and carry data; a target that answers mutual CHAP
# with the wrong secret is refused by the initiator.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:chap
tpg=$LIO_CFS/iscsi/$iqn/tpgt_1
user=orion-initiator secret=orion-secret-0123
target_user=orion-target target_secret=target-secret-4567
export iqn

# auth METHOD [USER SECRET [TARGET_USER TARGET_SECRET]]: the node record's CHAP settings.
auth() {
	iscsi_node_set "$iqn" node.session.auth.authmethod "$1" &&
		iscsi_node_set "$iqn" node.session.auth.username "${2:-}" &&
		iscsi_node_set "$iqn" node.session.auth.password "${3:-}" &&
		iscsi_node_set "$iqn" node.session.auth.username_in "${4:-}" &&
		iscsi_node_set "$iqn" node.session.auth.password_in "${5:-}"
}

no_iscsi_host() { ! grep -qx iscsi_tcp /sys/class/scsi_host/host*/proc_name 2> /dev/null; }
# nothing_left: no session, and no iSCSI host of orion's (iscsid removes
# a failed login's session shortly after).
nothing_left() {
	wait_until 10 iscsi_no_session || { echo "a session is left"; return 1; }
	wait_until 10 no_iscsi_host || { echo "a host is left"; return 1; }
}

# refused: the login fails, nothing is left behind.
refused() {
	if iscsi_login "$iqn" > /tmp/iscsi-chap-login.out 2>&1; then
		echo "the login succeeded"
		iscsi_logout_all
		return 1
	fi
	sed -n 's/^iscsiadm: /note: /p' /tmp/iscsi-chap-login.out | tail -2
	nothing_left
}

setup() {
	iscsi_initiator_load orion && lio_target "$iqn" 64M || return 1
	# printf: LIO keeps a trailing newline as part of a name or secret.
	echo 1 > "$tpg/attrib/authentication" && printf %s "$user" > "$tpg/auth/userid" &&
		printf %s "$secret" > "$tpg/auth/password" && iscsid_start && iscsi_discover > /dev/null
}

login_verify() {
	iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null &&
		fio_verify /tmp/fio-chap.out 8M $(iscsi_disks "$iqn") && iscsi_logout_all
}

wrong_secret() { auth CHAP "$user" wrong-secret-000000 && refused; }
one_way() { auth CHAP "$user" "$secret" && login_verify; }
mutual() {
	printf %s "$target_user" > "$tpg/auth/userid_mutual" &&
		printf %s "$target_secret" > "$tpg/auth/password_mutual" &&
		auth CHAP "$user" "$secret" "$target_user" "$target_secret" && login_verify
}
wrong_target_secret() { auth CHAP "$user" "$secret" "$target_user" wrong-target-secret-00 && refused; }
teardown() { iscsid_stop && lio_teardown && iscsi_initiator_unload && [ ! -d /sys/module/orion_scsi ]; }

ktap_print_header
ktap_set_plan 8
dmesg_mark
check "orion, a LIO target that requires CHAP, iscsid, discovery" setup
check "no credentials: the login is refused, no session or host is left" refused
check "a wrong CHAP secret: refused the same way" wrong_secret
check "one-way CHAP: login, fio verify 4k: 0 errors, logout" one_way
check "mutual CHAP: login, fio verify 4k: 0 errors, logout" mutual
check "mutual CHAP, the target's secret is not the expected one: the initiator refuses" wrong_target_secret
check "iscsid stops, the target is torn down, orion unloads" teardown
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
