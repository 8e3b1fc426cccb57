#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# CHAP through orion's initiator (issue 11): iscsid authenticates, orion
# carries the login PDUs. LIO asks for CHAP (its TPG-wide credentials, as
# for dynamic ACLs); one-way CHAP logs in and the disk works; mutual CHAP
# too; a wrong secret, ours or the target's, fails the login cleanly (no
# session left, the next good login works).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:chap
tpg=$LIO_CFS/iscsi/$iqn/tpgt_1
user=orion-initiator
secret=initiator-secret-1
target_user=orion-target
target_secret=target-secret-22

# lio_chap USER SECRET [MUTUAL_USER MUTUAL_SECRET]: the target asks for
# CHAP with these credentials (mutual when given). printf: LIO keeps a
# trailing newline as part of the value.
lio_chap() {
	{ echo 0 > "$tpg/enable" &&
		printf %s "$1" > "$tpg/auth/userid" && printf %s "$2" > "$tpg/auth/password" &&
		printf %s "${3:-NULL}" > "$tpg/auth/userid_mutual" &&
		printf %s "${4:-NULL}" > "$tpg/auth/password_mutual" &&
		echo 1 > "$tpg/attrib/authentication" && echo 1 > "$tpg/enable"; }
}

# node_chap USER SECRET [TARGET_USER TARGET_SECRET]: the node's CHAP
# settings (mutual when the target's are given).
node_chap() {
	iscsi_node_set "$iqn" node.session.auth.authmethod CHAP &&
		iscsi_node_set "$iqn" node.session.auth.username "$1" &&
		iscsi_node_set "$iqn" node.session.auth.password "$2" &&
		iscsi_node_set "$iqn" node.session.auth.username_in "${3:-}" &&
		iscsi_node_set "$iqn" node.session.auth.password_in "${4:-}"
}

# login_works: a login, then a write and read back through the disk.
login_works() {
	local disk pattern
	iscsi_login "$iqn" > /dev/null && disk=$(iscsi_wait_disks "$iqn" 1) || return 1
	pattern=$(head -c 4096 /dev/urandom | base64 -w0 | head -c 4096)
	printf %s "$pattern" | dd of="$disk" bs=4k count=1 iflag=fullblock oflag=direct status=none &&
		[ "$(dd if="$disk" bs=4k count=1 iflag=direct status=none)" = "$pattern" ] || return 1
	iscsi_logout_all
}

# login_refused CODE: the login fails with iscsiadm's error CODE (24:
# the target refused our credentials; 19: a non-retryable failure, what
# iscsid reports when the target fails mutual CHAP), iscsid logs the
# authentication failure, and no session is left behind.
login_refused() {
	local out rc=0 lines
	lines=$(wc -l < "$ISCSID_LOG")
	out=$(iscsiadm -m node -T "$iqn" -p "$ISCSI_PORTAL" --login 2>&1) || rc=$?
	echo "note: iscsiadm exit $rc: $(echo "$out" | grep -m1 -iE 'auth|fail')"
	[ $rc != 0 ] || { echo "the login succeeded"; iscsi_logout_all; return 1; }
	[ $rc = "$1" ] || { echo "not error $1: $out"; return 1; }
	tail -n +"$((lines + 1))" "$ISCSID_LOG" | grep -m2 -iE 'auth|chap' | sed 's/^/note: iscsid: /' |
		grep . || { echo "iscsid logged no authentication failure"; return 1; }
	# iscsid removes a failed login's session shortly after; its host
	# (orion's, named iscsi_tcp) goes with it.
	wait_until 10 iscsi_no_session || { echo "a session is left"; return 1; }
	wait_until 10 no_iscsi_host || { echo "a host is left: $(grep -l iscsi_tcp /sys/class/scsi_host/*/proc_name)"; return 1; }
}

no_iscsi_host() { ! grep -qx iscsi_tcp /sys/class/scsi_host/*/proc_name 2> /dev/null; }
export -f no_iscsi_host

setup() {
	iscsi_initiator_load orion && lio_target "$iqn" 16M && lio_chap "$user" "$secret" &&
		iscsid_start && iscsi_discover > /dev/null
}

one_way() { node_chap "$user" "$secret" && login_works; }
wrong_secret() { node_chap "$user" "not-the-secret-3" && login_refused 24; }
mutual() {
	lio_chap "$user" "$secret" "$target_user" "$target_secret" &&
		node_chap "$user" "$secret" "$target_user" "$target_secret" && login_works
}
# The target proves itself with a secret the initiator does not expect.
wrong_target_secret() { node_chap "$user" "$secret" "$target_user" "not-the-target-4" && login_refused 19; }
# After the refusals, the right credentials still log in.
good_again() { node_chap "$user" "$secret" "$target_user" "$target_secret" && login_works; }


ktap_print_header
ktap_set_plan 8
dmesg_mark
check "orion, a LIO target asking for CHAP, iscsid, discovery" setup
check "one-way CHAP: login, write and read back" one_way
check "a wrong initiator secret: login refused (authentication failure), no session" wrong_secret
check "mutual CHAP: login, write and read back" mutual
check "the target answers with a wrong secret: login refused, no session" wrong_target_secret
check "the right credentials log in again after the refusals" good_again
check "logout, iscsid stops, the target is torn down, orion unloads" iscsi_teardown
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
