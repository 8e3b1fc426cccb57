#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's task management from the SCSI error handler (issue 11), against
# a LIO target whose LUN 0 can be made slow: iblock on a device-mapper
# "delay" target over a RAM disk (reloaded to "linear" when it should be
# fast again; the reload flushes what the delay held). LUN 1 is a RAM LUN
# that keeps fio verify running through the resets.
#  - A read held past its 4 s timeout: ABORT TASK is sent; LIO answers it
#    once the backend lets go; the read is retried and returns its data;
#    the connection stays up.
#  - sg_reset -d during a held read: LOGICAL UNIT RESET, answered; the read
#    is retried at once.
#  - sg_reset -t: TARGET WARM RESET; LIO rejects it, so the session is
#    reset: a new login, fio verify unharmed.
#  - With 2 s TMF timeouts, an abort LIO cannot answer in time: the
#    session is recovered, the read retried after the new login.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:eh
dm=orion-slow
# The RAM disk: 64 MiB (brd counts KiB), in 512-byte sectors.
ram_kib=65536
sectors=$((ram_kib * 2))
export iqn

session() { iscsi_sessions "$iqn" | head -1; }
counter_above() { [ "$(iscsi_counter "$1")" -gt "$2" ]; }
slow_disk() { iscsi_disks "$iqn" | head -1; }
now_ms() { date +%s%3N; }
export -f counter_above

# delay MS: LUN 0's reads and writes take MS ms (0: none).
delay() {
	if [ "$1" = 0 ]; then
		dmsetup reload "$dm" --table "0 $sectors linear /dev/ram0 0"
	else
		dmsetup reload "$dm" --table "0 $sectors delay /dev/ram0 0 $1"
	fi && dmsetup --noudevsync resume "$dm"
}

# 4 KiB block N of LUN 0 as the target has it and as the initiator reads it.
block_at_target() { dd if=/dev/ram0 bs=4k skip="$1" count=1 status=none | sha256sum; }
block_read() { dd if="$(slow_disk)" bs=4k skip="$1" count=1 iflag=direct status=none | sha256sum; }

setup() {
	modprobe brd rd_nr=1 rd_size=$ram_kib &&
		dd if=/dev/urandom of=/dev/ram0 bs=1M count=$((ram_kib / 1024)) status=none &&
		dmsetup --noudevsync create "$dm" --table "0 $sectors linear /dev/ram0 0" &&
		dmsetup mknodes "$dm" && [ -b /dev/mapper/$dm ] || return 1
	iscsi_initiator_load orion && lio_target "$iqn" /dev/mapper/$dm 64M && iscsid_start &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 2 > /dev/null || return 1
	# Timeouts short enough for the test, long enough for TCG.
	echo 4 > "/sys/block/$(basename "$(slow_disk)")/device/timeout"
}

# tmf_timeouts: iscsid set open-iscsi's defaults, visible in sysfs.
tmf_timeouts() {
	local s kv v
	s=/sys/class/iscsi_session/$(session)
	for kv in abort_tmo=15 lu_reset_tmo=30 tgt_reset_tmo=30; do
		v=$(cat "$s/${kv%%=*}") || return 1
		echo "note: ${kv%%=*} = $v"
		[ "$v" = "${kv#*=}" ] || return 1
	done
}

# held_read_then KIND: reads block 100 of LUN 0 with the delay on (60 s)
# while KIND happens, waits for counter eh_KIND_cnt to move, takes the
# delay off and checks the read returns the block. Prints timings.
# KIND: abort (the read's own timeout), lu_reset (sg_reset -d).
held_read_then() {
	local kind=$1 want before t0 t1 got rc=0 reset_pid="" pid
	want=$(block_at_target 100) before=$(iscsi_counter "eh_${kind}_cnt") || return 1
	delay 60000 || return 1
	t0=$(now_ms)
	block_read 100 > /tmp/eh-read.out &
	pid=$!
	if [ "$kind" = lu_reset ]; then
		# The read's own timeout must not start an abort first: LIO would
		# answer it only once the delay goes, which this waits on.
		echo 60 > "/sys/block/$(basename "$(slow_disk)")/device/timeout"
		sleep 1
		sg_reset -d "$(slow_disk)" > /tmp/eh-sg_reset.out 2>&1 &
		reset_pid=$!
	fi
	wait_until 30 counter_above "eh_${kind}_cnt" "$before" || { echo "no eh_${kind}_cnt after 30 s"; rc=1; }
	t1=$(now_ms)
	delay 0 || rc=1
	wait_until 30 bash -c "! kill -0 $pid 2> /dev/null" || { echo "the read still hangs 30 s after the delay went"; rc=1; }
	wait $pid || { echo "the read failed"; rc=1; }
	if [ -n "$reset_pid" ]; then
		wait "$reset_pid" || { echo "sg_reset -d failed:"; cat /tmp/eh-sg_reset.out; rc=1; }
		echo 4 > "/sys/block/$(basename "$(slow_disk)")/device/timeout"
	fi
	echo "note: $kind sent $((t1 - t0)) ms after the read started; read done $(($(now_ms) - t1)) ms after the delay went"
	got=$(cat /tmp/eh-read.out)
	[ "$got" = "$want" ] || { echo "the read returned other data"; rc=1; }
	return $rc
}

# abort_answered: ABORT TASK for the held read, answered, read retried;
# the connection stays up (no session recovery).
abort_answered() {
	local errs tmf0 rsp0
	errs=$(iscsi_conn_errors) tmf0=$(iscsi_counter tmfcmd_pdus) rsp0=$(iscsi_counter tmfrsp_pdus)
	held_read_then abort || return 1
	echo "note: TMF requests $tmf0 -> $(iscsi_counter tmfcmd_pdus), responses $rsp0 -> $(iscsi_counter tmfrsp_pdus)"
	[ "$(iscsi_counter tmfrsp_pdus)" -gt "$rsp0" ] || { echo "no TMF response counted"; return 1; }
	[ "$(iscsi_conn_errors)" = "$errs" ] || { echo "the connection failed"; return 1; }
	# The abort did it, not an escalation.
	if [ "$(iscsi_counter eh_lu_reset_cnt)" != 0 ] || [ "$(iscsi_counter eh_tgt_reset_cnt)" != 0 ] ||
		[ "$(iscsi_counter eh_session_reset_cnt)" != 0 ]; then
		echo "the midlayer escalated: $(iscsiadm -m session -s | grep eh_ | tr -s '\t\n' ' ')"
		return 1
	fi
}

# lu_reset_answered: sg_reset -d with a held read: LOGICAL UNIT RESET,
# answered "function complete"; the read retried at once; fio verify on
# LUN 1 meanwhile unharmed; no session recovery.
lu_reset_answered() {
	local errs fio_pid rc=0
	errs=$(iscsi_conn_errors)
	fio_verify /tmp/fio-eh-lu.out 8M "$(iscsi_disks "$iqn" | sed -n 2p)" &
	fio_pid=$!
	held_read_then lu_reset || rc=1
	wait "$fio_pid" || { echo "fio verify on LUN 1 failed"; rc=1; }
	dmesg_since_mark | grep -q 'LOGICAL UNIT RESET answered' && { echo "the LU reset was refused"; rc=1; }
	[ "$(iscsi_conn_errors)" = "$errs" ] || { echo "the connection failed"; rc=1; }
	return $rc
}

# target_reset: sg_reset -t during fio verify on LUN 1: TARGET WARM RESET
# is sent, LIO rejects it, the session is reset (a new login); sg_reset
# succeeds once the new connection runs; fio verifies.
target_reset() {
	local errs before fio_pid t0 rc=0
	errs=$(iscsi_conn_errors) before=$(iscsi_counter eh_tgt_reset_cnt)
	fio_verify /tmp/fio-eh-tgt.out 8M "$(iscsi_disks "$iqn" | sed -n 2p)" &
	fio_pid=$!
	sleep 2
	t0=$(now_ms)
	sg_reset -t "$(slow_disk)" || { echo "sg_reset -t failed"; rc=1; }
	echo "note: sg_reset -t took $(($(now_ms) - t0)) ms (fault to I/O resumed)"
	wait "$fio_pid" || { echo "fio verify on LUN 1 failed"; rc=1; }
	# Sent and answered (the answer is logged; the counters of the
	# connection it went on are gone with it).
	dmesg_since_mark | grep 'TARGET WARM RESET answered' | tail -1 | sed 's/^.*\] /note: /' | grep . ||
		{ echo "no answer to TARGET WARM RESET logged"; rc=1; }
	[ "$(iscsi_counter eh_tgt_reset_cnt)" -gt "$before" ] || { echo "eh_tgt_reset_cnt did not move"; rc=1; }
	[ "$(iscsi_conn_errors)" -gt "$errs" ] || { echo "no session reset (connection error)"; rc=1; }
	wait_until 30 iscsi_logged_in "$iqn" || { echo "not logged in again"; rc=1; }
	[ "$(block_read 7)" = "$(block_at_target 7)" ] || { echo "LUN 0 reads other data"; rc=1; }
	return $rc
}

# relogin_with OPTION VALUE...: log out, set node options, log in again.
relogin_with() {
	iscsi_logout_all || return 1
	while [ $# -gt 1 ]; do
		iscsi_node_set "$iqn" "$1" "$2" || return 1
		shift 2
	done
	iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 2 > /dev/null &&
		echo 4 > "/sys/block/$(basename "$(slow_disk)")/device/timeout"
}

# abort_unanswered: with 2 s TMF timeouts, LIO holds its answer to the
# abort while the backend holds the read: the abort times out, the
# session is recovered (a new login, which LIO also holds until the read
# is let go), the read is retried and returns its data.
abort_unanswered() {
	local errs resets want t0 t1 rc=0 pid
	relogin_with node.session.err_timeo.abort_timeout 2 node.session.err_timeo.lu_reset_timeout 2 \
		node.session.err_timeo.tgt_reset_timeout 2 || return 1
	errs=$(iscsi_conn_errors) resets=$(iscsi_counter eh_session_reset_cnt) want=$(block_at_target 200)
	delay 60000 || return 1
	t0=$(now_ms)
	block_read 200 > /tmp/eh-read.out &
	pid=$!
	wait_until 30 bash -c "dmesg_since_mark | grep -q 'AbortTask .* unanswered after 2000 ms'" ||
		{ echo "no unanswered abort logged"; rc=1; }
	t1=$(now_ms)
	delay 0 || rc=1
	wait_until 60 bash -c "! kill -0 $pid 2> /dev/null" || { echo "the read still hangs 60 s after the delay went"; rc=1; }
	wait $pid || { echo "the read failed"; rc=1; }
	echo "note: abort given up $((t1 - t0)) ms after the read started; read done $(($(now_ms) - t1)) ms after the delay went"
	[ "$(cat /tmp/eh-read.out)" = "$want" ] || { echo "the read returned other data"; rc=1; }
	[ "$(iscsi_conn_errors)" -gt "$errs" ] || { echo "no connection error"; rc=1; }
	wait_until 60 iscsi_logged_in "$iqn" || { echo "not logged in again"; rc=1; }
	# A fresh session (after the logout above) counts from 0.
	[ "$(iscsi_counter eh_session_reset_cnt)" -ge 1 ] || { echo "eh_session_reset_cnt stayed $resets"; rc=1; }
	return $rc
}

teardown() {
	local rc=0
	iscsi_teardown || rc=1
	dmsetup --noudevsync remove "$dm" && modprobe -r brd || rc=1
	return $rc
}

ktap_print_header
ktap_set_plan 8
dmesg_mark
check "orion, a LIO target with a slow LUN (iblock, dm-delay) and a RAM LUN; login" setup
check "TMF timeouts from iscsid in sysfs (abort 15 s, LU and target reset 30 s)" tmf_timeouts
check "a read held past its timeout: ABORT TASK answered, read retried, connection up" abort_answered
check "sg_reset -d with a held read: LU RESET answered, read retried, fio on LUN 1 verifies" lu_reset_answered
check "sg_reset -t during fio: TARGET WARM RESET rejected by LIO, session reset, fio verifies" target_reset
check "2 s TMF timeouts, abort unanswered: session recovered, the read retried" abort_unanswered
check "logout, iscsid stops, the target and the slow device go, orion unloads" teardown
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
