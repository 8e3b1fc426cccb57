#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Removal under load on the virtual adapter (commands take 20 ms, 100 ms
# on the debug kernel, and each
# removal waits for 8 or more in flight): rmmod during fio is refused
# and fio verifies; `echo 1 > delete` of a LUN under fio fails that fio
# (no hang) while fio verify on a LUN beside it passes, and a rescan brings
# the LUN back; hot-removing a whole host (debugfs `remove`) under fio with
# its disk also held open, a read parked by a timeout rule and a second
# remove racing the first fails that fio (the parked read ends either
# way), the second
# remove waits and gets ENODEV, a read through the held file finds the
# disk empty (end of file), the other host's fio verify passes, and
# closing the file frees the rest; the
# module then unloads, kmemleak finds nothing, and a reload works.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 8
dmesg_mark

# Commands take 20 ms (100 ms on the slow debug kernel, where fio also
# takes longer to get going), so that a removal finds some in flight.
hold_us=20000 ramp=60
[ "${ORION_FLAVOUR:-ref}" != debug ] || hold_us=100000 ramp=180
orion_load virt_adapters=2 virt_targets=1 virt_luns=2 virt_capacity_mb=64 virt_delay_us=$hold_us && settle
debugfs_mount
mapfile -t hosts < <(hba_hosts orion_virt)
h0=${hosts[0]} h1=${hosts[1]}

# lun_disk H L: the block device of LUN 0:L of host H.
lun_disk() {
	find "/sys/class/scsi_device/$1:0:0:$2/device/block/" -mindepth 1 -maxdepth 1 2>/dev/null |
		sed 's|.*/|/dev/|'
}
# victim OUT DISK: a minute of random writes on DISK that stops at its
# first error, in the background; sets victim_pid.
victim() {
	timeout 180 fio --name=victim --filename="$2" --ioengine=libaio --direct=1 --rw=randwrite \
		--bs=4k --iodepth=32 --time_based --runtime=60 --output="$1" > /dev/null 2>&1 &
	victim_pid=$!
}
export -f lun_disk

rmmod_in_use() {
	local d pid rc=0
	d=$(lun_disk "$h0" 0)
	fio_verify /tmp/fio-rm-rmmod.out 16M "$d" > /tmp/fio-rm-rmmod.log 2>&1 &
	pid=$!
	wait_inflight "$d" 8 "$ramp" || rc=1
	if rmmod orion_scsi 2> /tmp/rmmod.err; then echo "rmmod succeeded under fio"; return 1; fi
	echo "note: $(cat /tmp/rmmod.err)"
	orion_loaded || { echo "the module is gone"; rc=1; }
	wait "$pid" || { echo "fio verify failed:"; cat /tmp/fio-rm-rmmod.log; rc=1; }
	return $rc
}
check "rmmod while fio runs is refused (in use); fio verify passes" rmmod_in_use

delete_under_io() {
	local d0 d1 pid rc=0 vrc t0
	d0=$(lun_disk "$h0" 0) d1=$(lun_disk "$h0" 1)
	fio_verify /tmp/fio-rm-beside.out 16M "$d0" > /tmp/fio-rm-beside.log 2>&1 &
	pid=$!
	victim /tmp/fio-rm-victim.out "$d1"
	wait_inflight "$d1" 8 "$ramp" || rc=1
	t0=$SECONDS
	finishes_within 120 bash -c "echo 1 > /sys/class/scsi_device/$h0:0:0:1/device/delete" ||
		{ echo "delete failed or hung"; rc=1; }
	pid_within 120 "$victim_pid"; vrc=$?
	echo "note: delete took $((SECONDS - t0)) s; the victim fio exited $vrc"
	case $vrc in 0|124) echo "the victim fio did not fail, or hung ($vrc)"; rc=1;; esac
	pid_within 120 "$pid" || { echo "fio verify beside failed:"; cat /tmp/fio-rm-beside.log; rc=1; }
	[ ! -e "/sys/class/scsi_device/$h0:0:0:1" ] || { echo "LUN 0:1 still there"; rc=1; }
	return $rc
}
check "delete of a LUN under fio: that fio fails, no hang; fio verify beside passes" delete_under_io
rescan() {
	echo "0 0 1" > "/sys/class/scsi_host/host$h0/scan"
	settle
	wait_until 30 bash -c "[ -n \"\$(lun_disk $h0 1)\" ]" || { echo "LUN 0:1 did not come back"; return 1; }
	fio_verify /tmp/fio-rm-rescan.out 16M "$(lun_disk "$h0" 1)"
}
check "a rescan brings the LUN back; fio verify on it passes" rescan

host_remove_under_io() {
	local d0 d1 pid rc=0 vrc t0 parked r1 r2
	d0=$(lun_disk "$h0" 0) d1=$(lun_disk "$h1" 0)
	fio_verify /tmp/fio-rm-host0.out 16M "$d0" > /tmp/fio-rm-host0.log 2>&1 &
	pid=$!
	victim /tmp/fio-rm-host1.out "$d1"
	exec 3< "$(lun_disk "$h1" 1)"
	# A read of LUN 0:1 parked by a timeout rule (the remove clears the
	# rules; the error handler then takes it back).
	echo 5 > "/sys/class/scsi_device/$h1:0:0:1/device/timeout"
	echo "add lun=0:1 op=read lba=4000 action=timeout" > "/sys/kernel/debug/orion_scsi/host$h1/faults"
	dd if="$(lun_disk "$h1" 1)" bs=512 skip=4000 count=1 iflag=direct of=/dev/null status=none 2> /dev/null &
	parked=$!
	wait_until 30 grep -q 'fired=1' "/sys/kernel/debug/orion_scsi/host$h1/faults" || { echo "nothing parked"; rc=1; }
	wait_inflight "$d1" 8 "$ramp" || rc=1
	t0=$SECONDS
	# Two removes at once: one removes, the other waits for it and gets
	# ENODEV.
	finishes_within 120 bash -c "echo 1 > /sys/kernel/debug/orion_scsi/host$h1/remove" & r1=$!
	finishes_within 120 bash -c "echo 1 > /sys/kernel/debug/orion_scsi/host$h1/remove 2> /dev/null" & r2=$!
	wait "$r1"; r1=$?
	wait "$r2"; r2=$?
	echo "note: two removes at once: exit $r1 and $r2 after $((SECONDS - t0)) s"
	[ $((r1 + r2)) = 1 ] || { echo "the removes exited $r1 and $r2 (one 0, one 1 expected)"; rc=1; }
	dmesg_since_mark | grep -q "host$h1: remove: already removed" || { echo "no log line for the second remove"; rc=1; }
	pid_within 120 "$victim_pid"; vrc=$?
	echo "note: the victim fio exited $vrc"
	case $vrc in 0|124) echo "the victim fio did not fail, or hung ($vrc)"; rc=1;; esac
	# Retried after the abort, it may fail (the device is going) or not.
	pid_within 60 "$parked"
	[ $? != 124 ] || { echo "the parked read hung"; rc=1; }
	# A direct read through the descriptor held open (its node is gone)
	# returns no data: the disk now has size 0.
	python3 - > /tmp/held.out 2>&1 <<'PY'
import fcntl, mmap, os
fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_DIRECT)
try:
    n = os.preadv(3, [mmap.mmap(-1, 4096)], 0)
    print("end of file" if n == 0 else f"read {n} bytes")
except OSError as e:
    print("failed:", os.strerror(e.errno))
PY
	echo "note: a direct read through the held file: $(cat /tmp/held.out)"
	grep -q '^end of file' /tmp/held.out || { cat /tmp/held.out; rc=1; }
	exec 3<&-
	pid_within 120 "$pid" || { echo "fio verify on the other host failed:"; cat /tmp/fio-rm-host0.log; rc=1; }
	settle
	[ ! -e "/sys/class/scsi_host/host$h1" ] || { echo "host$h1 still there"; rc=1; }
	[ "$(virt_disks | wc -l)" = 2 ] || { echo "disks left: $(virt_disks | tr '\n' ' ')"; rc=1; }
	return $rc
}
check "host remove under fio (a disk held open, a read parked by a timeout rule, a second remove at once): no hang, the other host verifies" \
	host_remove_under_io
bad_remove() {
	if echo 2 > "/sys/kernel/debug/orion_scsi/host$h0/remove" 2> /dev/null; then
		echo "'2' accepted"; return 1
	fi
	dmesg_since_mark | grep -q "host$h0: remove: write 1" || { echo "no log line"; return 1; }
	[ -e "/sys/class/scsi_host/host$h0" ]
}
check "a bad write to remove is refused (EINVAL, logged); the host stays" bad_remove
check "the module unloads after the host remove" orion_unload
kmemleak_check "kmemleak: no leak after the deletes and removes"
reload() {
	orion_load virt_adapters=2 virt_targets=1 virt_capacity_mb=64 && settle || return 1
	# shellcheck disable=SC2046 # one argument per disk
	fio_verify /tmp/fio-rm-reload.out 16M $(virt_disks) && dmesg_clean
}
check "reload: fio verify on both hosts; the kernel log has no warning or oops" reload
ktap_finished
