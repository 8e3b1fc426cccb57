#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's connection checks (issue 11), against a LIO target reached
# through a proxy of the test's own (../iscsi_proxy.py), with CRC32C
# digests and 1 s NOP-Outs: an idle and a busy session stay up; a target
# that stops answering (the proxy stopped, the connection still open)
# fails the connection by ping timeout and the session comes back once it
# answers again; one bit flipped in a PDU from the target is a digest
# error: the connection fails, the session recovers and fio verifies; the
# TCP connection killed (the proxy killed) during fio verify: recovered.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:faults
target_portal=$ISCSI_PORTAL
# The initiator's portal: the proxy's.
ISCSI_PORTAL=127.0.0.1:$ISCSI_PROXY_PORT
flip=$ISCSI_PROXY_FLIP
export iqn ISCSI_PORTAL

trap iscsi_proxy_stop EXIT

setup() {
	iscsi_initiator_load orion && ISCSI_PORTAL=$target_portal lio_target "$iqn" 64M && iscsid_start ||
		return 1
	iscsi_proxy_start "${target_portal##*:}" || return 1
	iscsiadm -m node -o new -T "$iqn" -p "$ISCSI_PORTAL" > /dev/null &&
		iscsi_node_set "$iqn" node.session.timeo.replacement_timeout 60 &&
		iscsi_node_set "$iqn" 'node.conn[0].timeo.noop_out_interval' 1 &&
		iscsi_node_set "$iqn" 'node.conn[0].timeo.noop_out_timeout' 2 &&
		iscsi_node_set "$iqn" 'node.conn[0].iscsi.HeaderDigest' CRC32C &&
		iscsi_node_set "$iqn" 'node.conn[0].iscsi.DataDigest' CRC32C &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null
}

# negotiated: digests on, NOP-Outs every 1 s with a 2 s timeout.
negotiated() {
	local c v kv
	c=$(basename /sys/class/iscsi_session/"$(iscsi_sessions "$iqn" | head -1)"/device/connection*/iscsi_connection/connection*)
	for kv in header_digest=1 data_digest=1 recv_tmo=1 ping_tmo=2; do
		v=$(cat "/sys/class/iscsi_connection/$c/${kv%%=*}") || return 1
		echo "note: ${kv%%=*} = $v"
		[ "$v" = "${kv#*=}" ] || return 1
	done
}

# idle_pings: 15 s without I/O; NOP-Outs go out and are answered, nothing
# fails. A ping goes 1 s after the last PDU, seen by a checker that looks
# every second: one every 1-2 s, so at least 7 in 15 s.
idle_pings() {
	local errs out0 in0 out1 in1
	errs=$(iscsi_conn_errors) out0=$(iscsi_counter noptx_pdus) in0=$(iscsi_counter noprx_pdus)
	sleep 15
	out1=$(iscsi_counter noptx_pdus) in1=$(iscsi_counter noprx_pdus)
	echo "note: $((out1 - out0)) NOP-Outs, $((in1 - in0)) NOP-Ins in 15 s"
	[ $((out1 - out0)) -ge 7 ] && [ $((in1 - in0)) -ge 7 ] && [ "$(iscsi_conn_errors)" = "$errs" ] && iscsi_logged_in "$iqn"
}

# busy_pings: fio verify at QD32 x 2 with the pings on: no connection error.
busy_pings() {
	local errs
	errs=$(iscsi_conn_errors)
	fio_verify /tmp/fio-faults-busy.out 24M $(iscsi_disks "$iqn") || return 1
	[ "$(iscsi_conn_errors)" = "$errs" ] || { echo "connection errors: $errs -> $(iscsi_conn_errors)"; return 1; }
}

# target_silent: the proxy stops (the connection stays open, nothing
# passes): the ping times out within interval + timeout (+ the checker's
# second, + TCG slack); the proxy goes on and the session comes back.
target_silent() {
	local pid errs t0 t1 rc=0
	pid=$(cat "$ISCSI_PROXY_PIDFILE") && errs=$(iscsi_conn_errors) || return 1
	t0=$(date +%s)
	kill -STOP "$pid" || return 1
	wait_until 20 bash -c "dmesg_since_mark | grep -q 'ping timeout of 2 s expired'" || rc=1
	t1=$(date +%s)
	kill -CONT "$pid"
	echo "note: ping timeout after $((t1 - t0)) s"
	[ $rc = 0 ] || { echo "no ping timeout logged"; return 1; }
	wait_until 10 bash -c '[ "$(iscsi_conn_errors)" -gt '"$errs"' ]' || { echo "no connection error"; return 1; }
	wait_until 60 iscsi_logged_in "$iqn" || { echo "not logged in again"; return 1; }
	echo "note: logged in again $(($(date +%s) - t1)) s after the target answered"
	dd if="$(iscsi_disks "$iqn" | head -1)" of=/dev/null bs=1M count=8 iflag=direct status=none &&
		iscsi_proxy_alive
}

# flipped_bit: during fio verify, one bit of the target's stream flips:
# a digest error fails the connection, the session recovers, fio verifies.
flipped_bit() {
	local errs pid rc=0
	errs=$(iscsi_conn_errors)
	fio_verify /tmp/fio-faults-flip.out 24M $(iscsi_disks "$iqn") &
	pid=$!
	sleep 2
	touch "$flip"
	wait $pid || rc=1
	wait_until 5 test ! -e "$flip" || { echo "the proxy passed nothing after the flip was asked"; rc=1; }
	dmesg_since_mark | grep -E 'iSCSI: (HeaderDigest|DataDigest) error' | tail -1 | sed 's/^/note: /'
	dmesg_since_mark | grep -qE 'iSCSI: (HeaderDigest|DataDigest) error' || { echo "no digest error logged"; rc=1; }
	[ "$(iscsi_conn_errors)" -gt "$errs" ] || { echo "no connection error"; rc=1; }
	wait_until 60 iscsi_logged_in "$iqn" || { echo "not logged in again"; rc=1; }
	iscsi_proxy_alive || rc=1
	return $rc
}

# connection_killed: during fio verify the proxy is killed (SIGKILL: both
# TCP connections go) and started again: the connection fails, iscsid
# logs in again through the new proxy, fio verifies (nothing lost).
connection_killed() {
	local errs pid rc=0 t0
	errs=$(iscsi_conn_errors)
	fio_verify /tmp/fio-faults-kill.out 24M $(iscsi_disks "$iqn") &
	pid=$!
	sleep 2
	t0=$(date +%s%3N)
	kill -KILL "$(cat "$ISCSI_PROXY_PIDFILE")" || rc=1
	iscsi_proxy_start "${target_portal##*:}" || rc=1
	wait_until 60 bash -c '[ "$(iscsi_conn_errors)" -gt '"$errs"' ]' || { echo "no connection error"; rc=1; }
	wait_until 60 iscsi_logged_in "$iqn" || { echo "not logged in again"; rc=1; }
	echo "note: logged in again $(($(date +%s%3N) - t0)) ms after the kill"
	wait $pid || rc=1
	return $rc
}


ktap_print_header
ktap_set_plan 9
dmesg_mark
check "orion, a LIO target, iscsid, a proxy on :$ISCSI_PROXY_PORT; login through it" setup
check "CRC32C digests both ways and NOP-Outs every 1 s (2 s timeout) negotiated" negotiated
check "idle 15 s: NOP-Outs go out and are answered, the connection stays up" idle_pings
check "busy (fio verify QD32 x 2) with 1 s NOP-Outs: 0 errors, no connection error" busy_pings
check "the target stops answering: ping timeout, the session comes back after" target_silent
check "a bit flipped in a PDU from the target: digest error, recovered, fio verifies" flipped_bit
check "the TCP connection killed (proxy killed, restarted) during fio verify: recovered" connection_killed
check "logout, the proxy and iscsid stop, the target is torn down, orion unloads" iscsi_teardown
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
