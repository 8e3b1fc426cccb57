#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# orion's session recovery with I/O in flight: the target drops the
# connection, and the error handler's target and host resets (session
# reset: the connection is failed, iscsid logs in again) run during fio
# verify. What was in flight is retried on the new connection: no error,
# no lost write (also through ext4, checked by sha256 after a remount).
# A target gone past the replacement timeout takes the disk
# transport-offline (I/O fails fast) until it is back. Then a logout with
# I/O in flight fails that I/O cleanly.
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

# ext4_across_drop: a file written through ext4 before the target drops
# the connection, and one written while it does, read back after a
# remount (nothing from the page cache) with the sha256 of what was
# written: no lost write.
ext4_across_drop() {
	local d mnt=/tmp/orion-iscsi-ext4 rc=0 a b
	d=$(iscsi_disks "$iqn" | head -1) && [ -n "$d" ] || return 1
	head -c 16M /dev/urandom > /tmp/ext4-a && head -c 16M /dev/urandom > /tmp/ext4-b || return 1
	a=$(sha256sum < /tmp/ext4-a) b=$(sha256sum < /tmp/ext4-b)
	mkfs.ext4 -q -F "$d" && mkdir -p "$mnt" && mount "$d" "$mnt" || return 1
	if ! { cp /tmp/ext4-a "$mnt/a" && sync; }; then
		echo "writing before the drop failed"; rc=1
	fi
	{ sleep 1; tpg_bounce; } &
	if ! { cp /tmp/ext4-b "$mnt/b" && sync; }; then
		echo "writing during the drop failed"; rc=1
	fi
	wait $! || rc=1
	umount "$mnt" && mount "$d" "$mnt" || return 1
	[ "$(sha256sum < "$mnt/a")" = "$a" ] || { echo "the file written before the drop changed"; rc=1; }
	[ "$(sha256sum < "$mnt/b")" = "$b" ] || { echo "the file written during the drop is not what was written"; rc=1; }
	umount "$mnt" || rc=1
	rm -f /tmp/ext4-a /tmp/ext4-b
	return $rc
}

dev_state() { cat "/sys/block/${1#/dev/}/device/state"; }
session_state() { cat "/sys/class/iscsi_session/$(iscsi_sessions "$iqn" | head -1)/state"; }
export -f dev_state session_state

# replacement_timeout: with a 5 s replacement timeout, the target's portal
# disabled for 12 s: the session fails after 5 s, the disk goes
# transport-offline and I/O fails fast (no hang); the portal back, iscsid
# logs in again and the disk works.
replacement_timeout() {
	local d t0 t1 rc=0 fio_rc=0 dd_rc=0
	iscsi_logout_all && iscsi_node_set "$iqn" node.session.timeo.replacement_timeout 5 &&
		iscsi_login "$iqn" > /dev/null && d=$(iscsi_wait_disks "$iqn" 1) || return 1
	timeout 60 fio --name=r --filename="$d" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
		--iodepth=8 --time_based --runtime=30 > /tmp/fio-replacement.out 2>&1 &
	local fio_pid=$!
	sleep 1
	t0=$(date +%s%3N)
	echo 0 > "$tpg/enable" || return 1
	wait_until 30 bash -c "[ \"\$(dev_state $d)\" = transport-offline ]" ||
		{ echo "the disk is $(dev_state "$d"), session $(session_state)"; rc=1; }
	t1=$(date +%s%3N)
	echo "note: transport-offline $((t1 - t0)) ms after the portal went (session $(session_state))"
	timeout 10 dd if="$d" of=/dev/null bs=4k count=1 iflag=direct status=none 2> /dev/null || dd_rc=$?
	case $dd_rc in
	0) echo "a read succeeded with the target gone"; rc=1;;
	124) echo "a read hung"; rc=1;;
	esac
	wait $fio_pid || fio_rc=$?
	echo "note: fio exit $fio_rc ($(grep -o 'err=[^,]*' /tmp/fio-replacement.out | head -1))"
	case $fio_rc in
	0) echo "fio got no error"; rc=1;;
	124) echo "fio hung"; rc=1;;
	esac
	sleep $((12 - ($(date +%s%3N) - t0) / 1000)) 2> /dev/null
	echo 1 > "$tpg/enable" || return 1
	t1=$(date +%s%3N)
	wait_until 90 bash -c "[ \"\$(dev_state $d)\" = running ]" ||
		{ echo "the disk stays $(dev_state "$d")"; rc=1; }
	wait_until 30 logged_in || { echo "not logged in again"; rc=1; }
	dd if="$d" of=/dev/null bs=1M count=8 iflag=direct status=none || { echo "the disk does not read"; rc=1; }
	echo "note: I/O again $(($(date +%s%3N) - t1)) ms after the portal came back"
	return $rc
}

setup() {
	iscsi_initiator_load orion && lio_target "$iqn" 64M && iscsid_start &&
		iscsi_login "$iqn" > /dev/null && iscsi_wait_disks "$iqn" 1 > /dev/null
}

ktap_print_header
ktap_set_plan 11
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
check "ext4: files written before and during a connection drop read back intact (sha256)" \
	ext4_across_drop
check "portal gone past a 5 s replacement timeout: transport-offline, I/O fails fast; back after" \
	replacement_timeout
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
