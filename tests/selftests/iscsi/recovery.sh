#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's session recovery with I/O in flight: the target drops the
# connection, and the error handler's target and host resets (session
# reset: the connection is failed, iscsid logs in again) run during fio
# verify. What was in flight is retried on the new connection: no error,
# no lost write. Then a logout with I/O in flight fails that I/O cleanly.
# shellcheck disable=SC2046 # $(iscsi_disks ...): one argument per disk
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../iscsi_lib.sh
. "$(dirname "$0")/../iscsi_lib.sh"

iqn=$ISCSI_IQN_PREFIX:recovery
tpg=$LIO_CFS/iscsi/$iqn/tpgt_1
export iqn tpg

# Connection errors the class has logged so far.
conn_errors() { dmesg | grep -c 'detected conn error'; }
logged_in() { [ "$(cat /sys/class/iscsi_session/"$(iscsi_sessions "$iqn" | head -1)"/state)" = LOGGED_IN ]; }
export -f conn_errors logged_in

# during_fio NAME ACTION...: runs fio verify (4k random writes at QD32 x 2,
# then the reads that check them) on the disk and ACTION one second in;
# passes when ACTION and fio pass, a connection error was logged and the
# session is logged in again.
during_fio() {
	local name=$1 errs pid rc=0
	shift
	errs=$(conn_errors)
	fio_verify "/tmp/fio-recovery-$name.out" 24M $(iscsi_disks "$iqn") &
	pid=$!
	sleep 1
	"$@" || { echo "$* failed"; rc=1; }
	wait $pid || rc=1
	echo "note: connection errors $errs -> $(conn_errors)"
	[ "$(conn_errors)" -gt "$errs" ] || { echo "no connection error logged"; rc=1; }
	wait_until 60 logged_in || { echo "session not logged in again"; rc=1; }
	return $rc
}
export -f during_fio

# The target closes every connection of its portal group for 2 s.
tpg_bounce() { echo 0 > "$tpg/enable" && sleep 2 && echo 1 > "$tpg/enable"; }
export -f tpg_bounce

# big_reads_drop: reads the first 24 MiB in 1 MiB direct reads, again and
# again while the target drops the connection (large Data-In cut short go
# back to their tasks and are retried): every pass reads the same data,
# and no command is dropped without completion.
big_reads_drop() {
	local d sum errs pid rc=0
	d=$(iscsi_disks "$iqn" | head -1) && [ -n "$d" ] || return 1
	sum=$(dd if="$d" bs=1M count=24 iflag=direct status=none | md5sum) || return 1
	errs=$(conn_errors)
	(
		for i in 1 2 3 4 5 6 7 8; do
			s=$(dd if="$d" bs=1M count=24 iflag=direct status=none | md5sum)
			if [ "$s" != "$sum" ]; then
				echo "pass $i read $s, not $sum"
				exit 1
			fi
		done
	) &
	pid=$!
	sleep 1
	tpg_bounce || rc=1
	wait $pid || rc=1
	echo "note: connection errors $errs -> $(conn_errors)"
	[ "$(conn_errors)" -gt "$errs" ] || { echo "no connection error logged"; rc=1; }
	wait_until 60 logged_in || { echo "session not logged in again"; rc=1; }
	if dmesg_since_mark | grep -q 'dropped without completion'; then
		echo "a command was dropped"
		rc=1
	fi
	return $rc
}

setup() {
	iscsi_initiator_load orion && lio_target "$iqn" 64M && iscsid_start &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null
}

ktap_print_header
ktap_set_plan 9
dmesg_mark
check "orion (iscsi=1), a LIO target with one 64 MiB LUN, iscsid, login" setup
check "the target drops the connection during fio verify: recovered, 0 errors" during_fio drop tpg_bounce
check "sg_reset -t (target reset = session reset) during fio verify: recovered, 0 errors" \
	during_fio target sg_reset -t "$(iscsi_disks "$iqn" | head -1)"
check "sg_reset -H (host reset = session reset) during fio verify: recovered, 0 errors" \
	during_fio host sg_reset -H "$(iscsi_disks "$iqn" | head -1)"
check "after the recoveries the disk reads 24 MiB with no error" bash -c \
	"d=\$(iscsi_disks '$iqn' | head -1) && [ -n \"\$d\" ] && dd if=\$d of=/dev/null bs=1M count=24 iflag=direct status=none"
check "the target drops the connection during 1 MiB reads: recovered, every pass reads the same" \
	big_reads_drop
check "logout with 4k writes in flight: fio fails its I/O, nothing hangs, the host goes" bash -c "
	d=\$(iscsi_disks '$iqn' | head -1) && [ -n \"\$d\" ] || exit 1
	timeout 120 fio --name=w --filename=\$d --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
		--iodepth=32 --time_based --runtime=60 > /tmp/fio-logout.out 2>&1 & pid=\$!
	sleep 2 && iscsi_logout_all && wait \$pid; rc=\$?
	echo \"note: fio exit \$rc\"; [ \$rc != 0 ] && [ \$rc != 124 ] && iscsi_no_session"
check "iscsid stops, the target is torn down, orion unloads" bash -c \
	'iscsid_stop && lio_teardown && iscsi_initiator_unload && [ ! -d /sys/module/orion_scsi ]'
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
