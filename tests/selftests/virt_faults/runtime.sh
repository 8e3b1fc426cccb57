#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run-time management of the virtual adapter: module parameters in sysfs
# (values, a writable one taking a good value and refusing a bad one with
# a log line, a read-only one refusing writes), hosts added through debugfs
# add_host (with their disks, fio verify), a LUN added to a host and found
# by a scan, a LUN and a host removed while a disk file is held open, the
# shared statistics files (orion_adapter, host/target/LUN stats moving by
# a known dd, a counted reset), then unload with kmemleak clean.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
# Not yet measured on the debug kernel: CI's debug run (virt_faults) would
# pass its 90 minutes from a cold cache with it.
ref_kernel_only "CI budget; not yet timed on the debug kernel"
ktap_set_plan 16
dmesg_mark

P=/sys/module/orion_scsi/parameters
D=/sys/kernel/debug/orion_scsi
orion_load virt_targets=1 virt_luns=1 virt_capacity_mb=64 && settle
debugfs_mount

params_shown() {
	[ "$(cat $P/virt_targets)" = 1 ] && [ "$(cat $P/virt_capacity_mb)" = 64 ] &&
		[ "$(cat $P/queue_depth)" = 32 ] && [ "$(cat $P/write_cache)" = Y ] &&
		[ "$(cat $P/virt_adapters)" = 1 ] && [ "$(stat -c %a $P/virt_targets)" = 644 ] &&
		[ "$(stat -c %a $P/virt_adapters)" = 444 ] &&
		[ "$(find $P -mindepth 1 | wc -l)" = "$(modinfo -F parm "$ORION_KO" | wc -l)" ]
}
check "parameters readable in sysfs with their values and modes (every one modinfo lists: $(modinfo -F parm "$ORION_KO" | wc -l), 0444/0644)" params_shown

writable() {
	dmesg_mark "runtime: writable"
	echo 3 > $P/virt_targets && [ "$(cat $P/virt_targets)" = 3 ] || return 1
	if echo 17 > $P/virt_targets 2> /tmp/param.err; then echo "17 accepted"; return 1; fi
	grep -q 'Invalid argument' /tmp/param.err || { cat /tmp/param.err; return 1; }
	dmesg_since_mark | grep -q 'invalid virt_targets=17: must be 1..=16' || return 1
	[ "$(cat $P/virt_targets)" = 3 ] || return 1
	if echo 300 > $P/queue_depth 2> /dev/null; then echo "queue_depth=300 accepted"; return 1; fi
	echo 16 > $P/queue_depth && [ "$(cat $P/queue_depth)" = 16 ]
}
check "virt_targets takes 3, refuses 17 (EINVAL, logged); queue_depth takes 16, refuses 300" writable

readonly_refused() {
	if echo 2 > $P/virt_adapters 2> /dev/null; then echo "write accepted"; return 1; fi
	[ "$(cat $P/virt_adapters)" = 1 ]
}
check "read-only virt_adapters refuses a write" readonly_refused

mapfile -t before < <(hba_hosts orion_virt)
h0=${before[0]}
# The host number of the orion_virt host that is not in "$@".
new_host() {
	local h o
	for h in $(hba_hosts orion_virt); do
		for o in "$@"; do [ "$h" = "$o" ] && continue 2; done
		echo "$h"
	done
}

add_default() {
	echo 1 > $D/add_host || return 1
	# The host's scan is asynchronous (CONFIG_SCSI_SCAN_ASYNC): wait for
	# its disks, then for udev.
	h1=$(new_host "${before[@]}")
	[ -n "$h1" ] && wait_until 30 bash -c "[ \$(hba_disks orion_virt $h1 | wc -l) -ge 3 ]"
	settle
	[ "$(hba_disks orion_virt "$h1" | wc -l)" = 3 ] &&
		[ "$(cat "/sys/class/scsi_host/host$h1/orion_adapter")" = virt ] &&
		[ -f "$D/host$h1/stats" ] && [ -f "$D/host$h1/remove" ] && [ -f "$D/host$h1/add_lun" ] &&
		d=$(hba_disks orion_virt "$h1" | head -1) &&
		[ "$(cat "/sys/block/${d#/dev/}/device/queue_depth")" = 16 ]
}
check "add_host 1: a host with virt_targets=3 disks, orion_adapter virt, its debugfs files, queue_depth 16" add_default
h1=$(new_host "${before[@]}")

add_sized() {
	echo "targets=1 luns=2 capacity_mb=32" > $D/add_host || return 1
	h2=$(new_host "${before[@]}" "$h1")
	[ -n "$h2" ] && wait_until 30 bash -c "[ \$(hba_disks orion_virt $h2 | wc -l) -ge 2 ]"
	settle
	mapfile -t disks < <(hba_disks orion_virt "$h2")
	[ "${#disks[@]}" = 2 ] && [ "$(cat "/sys/block/${disks[0]#/dev/}/size")" = 65536 ] &&
		fio_verify /tmp/fio-rt-add.out 8M "${disks[@]}"
}
check "add_host targets=1 luns=2 capacity_mb=32: 2 disks of 32 MiB, fio verify passes" add_sized
h2=$(new_host "${before[@]}" "$h1")

bad_add() {
	dmesg_mark "runtime: bad add_host"
	local n w
	n=$(hba_hosts orion_virt | wc -l)
	for w in "targets=0" "luns=9" "size=1" "2" ""; do
		if echo "$w" > $D/add_host 2> /dev/null; then echo "'$w' accepted"; return 1; fi
	done
	[ "$(hba_hosts orion_virt | wc -l)" = "$n" ] && dmesg_since_mark | grep -q "add_host: OutOfRange(1, 16) in 'targets=0'"
}
check "bad add_host writes are refused (EINVAL, logged), no host added" bad_add

lun_disk() { find "/sys/class/scsi_device/$1:0:$2:$3/device/block/" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's|.*/|/dev/|'; }

add_lun() {
	[ -z "$(lun_disk "$h0" 0 3)" ] || return 1
	echo "0:3" > "$D/host$h0/add_lun" || return 1
	echo "- - -" > "/sys/class/scsi_host/host$h0/scan"
	settle
	d=$(lun_disk "$h0" 0 3)
	[ -n "$d" ] && [ "$(cat "/sys/class/scsi_host/host$h0/orion_luns")" = 2 ] &&
		head -c 1M /dev/urandom > /tmp/lun3.in &&
		dd if=/tmp/lun3.in of="$d" bs=1M oflag=direct status=none &&
		dd if="$d" of=/tmp/lun3.out bs=1M count=1 iflag=direct status=none &&
		cmp /tmp/lun3.in /tmp/lun3.out && [ -f "$D/host$h0/lun0:0:3/stats" ]
}
check "add_lun 0:3 then a scan finds the LUN; 1 MiB written and read back" add_lun

bad_lun() {
	dmesg_mark "runtime: bad add_lun"
	local w
	for w in "1:0" "0:8" "x" ""; do
		if echo "$w" > "$D/host$h0/add_lun" 2> /dev/null; then echo "'$w' accepted"; return 1; fi
	done
	! echo "0:3" > "$D/host$h0/add_lun" 2> /dev/null && ! echo "0:5" > "$D/host$h0/remove_lun" 2> /dev/null &&
		dmesg_since_mark | grep -q "add_lun: write <target>:<lun>"
}
check "bad add_lun/remove_lun writes refused (EINVAL, logged); an existing LUN is not added twice" bad_lun

remove_lun_held() {
	d=$(lun_disk "$h0" 0 3)
	exec 3< "$d"
	if echo "0:3" > "$D/host$h0/remove_lun" 2> /dev/null; then echo "removed with its device present"; return 1; fi
	echo 1 > "/sys/class/scsi_device/$h0:0:0:3/device/delete"
	echo "0:3" > "$D/host$h0/remove_lun" || return 1
	# The disk is gone: a read through the held file finds it empty.
	if [ "$(dd bs=4k count=1 iflag=direct status=none <&3 2> /dev/null | wc -c)" != 0 ]; then
		echo "read data through the held file"; exec 3<&-; return 1
	fi
	exec 3<&-
	echo "- - -" > "/sys/class/scsi_host/host$h0/scan"
	settle
	[ -z "$(lun_disk "$h0" 0 3)" ] && [ "$(cat "/sys/class/scsi_host/host$h0/orion_luns")" = 1 ]
}
check "remove_lun: EBUSY while the device exists; after delete (file held) it goes, a scan no longer finds it" remove_lun_held

readd_zero() {
	echo "0:3" > "$D/host$h0/add_lun" && echo "- - -" > "/sys/class/scsi_host/host$h0/scan" && settle &&
		d=$(lun_disk "$h0" 0 3) && [ -n "$d" ] &&
		[ "$(dd if="$d" bs=1M count=1 iflag=direct status=none | tr -d '\0' | wc -c)" = 0 ]
}
check "a LUN added again after its removal is empty (zeros)" readd_zero

remove_host_held() {
	local d
	d=$(hba_disks orion_virt "$h2" | head -1)
	exec 4< "$d"
	echo 1 > "$D/host$h2/remove" || { exec 4<&-; return 1; }
	# The disk is gone: a read through the held file finds it empty.
	if [ "$(dd bs=4k count=1 iflag=direct status=none <&4 2> /dev/null | wc -c)" != 0 ]; then
		echo "read data through the held file"; exec 4<&-; return 1
	fi
	exec 4<&-
	[ -z "$(hba_disks orion_virt "$h2")" ] && [ ! -e "/sys/class/scsi_host/host$h2" ]
}
check "a host added at run time is removed while its disk is held open" remove_host_held

# stat_of FILE KEY
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
stats_move() {
	local d l t h rl rt rh
	d=$(lun_disk "$h1" 2 0)
	l="$D/host$h1/lun0:2:0/stats" t="$D/host$h1/target0:2/stats" h="$D/host$h1/stats"
	for f in "$l" "$t" "$h"; do
		for k in reads writes read_bytes write_bytes errors_medium_error outstanding peak_outstanding \
			latency_us_lt_1 latency_us_ge_4194304 timeouts aborts resets; do
			[ -n "$(stat_of "$f" $k)" ] || { echo "$f: no $k"; return 1; }
		done
	done
	rl=$(stat_of "$l" read_bytes) rt=$(stat_of "$t" read_bytes) rh=$(stat_of "$h" read_bytes)
	dd if="$d" of=/dev/null bs=1M count=1 iflag=direct status=none || return 1
	[ "$(stat_of "$l" read_bytes)" = $((rl + 1048576)) ] && [ "$(stat_of "$t" read_bytes)" = $((rt + 1048576)) ] &&
		[ "$(stat_of "$h" read_bytes)" = $((rh + 1048576)) ] && [ "$(stat_of "$l" outstanding)" = 0 ]
}
check "stats: host, target and LUN files have every key; a 1 MiB O_DIRECT read adds 1048576 read_bytes to each" stats_move

resets_counted() {
	local d sg before
	d=$(lun_disk "$h1" 1 0) sg=$(sg_of "$d")
	before=$(stat_of "$D/host$h1/lun0:1:0/stats" resets)
	sg_reset -d "$sg" > /dev/null 2>&1 || return 1
	[ "$(stat_of "$D/host$h1/lun0:1:0/stats" resets)" = $((before + 1)) ]
}
check "a device reset (sg_reset -d) is counted in the LUN's resets" resets_counted

check "the module unloads with added hosts and a removed host" orion_unload
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 6; echo scan > /sys/kernel/debug/kmemleak
	check "kmemleak: no leak after the adds and removes" bash -c "! grep -q unreferenced /sys/kernel/debug/kmemleak"
else
	ktap_test_fail "kmemleak is not available (expected kmemleak=on)"
fi
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
