#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The write-back cache under load and concurrency (issue 12, part 4). With
# a 10 ms background destage, 1 MiB written unflushed leaves the cache by
# age within seconds. With a 1 MiB cache and no destage by age, fio verify
# on two LUNs (QD32, two jobs each) keeps every byte while the cache keeps
# making room oldest first and never holds more than its 256 pages. Two
# processes write the even and the odd sectors of the same 64 pages at
# once (the pre-image of a page is saved atomically with the first write
# to it, whichever CPU makes it): flushed, then rewritten unflushed and
# cut, every sector holds its flushed data. The module unloads with pages
# in the cache (sd sees the disk as write through, so it does not flush
# them first), and kmemleak finds nothing unreferenced.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

sectors=$ORION_TOP/tests/selftests/wcache_sectors.py
debugfs_mount
# start PARAM...: loads one 8 MiB LUN per target; sets dbg and d.
start() {
	orion_load virt_capacity_mb=8 "$@" && settle || return 1
	local h
	h=$(hba_hosts orion_virt | head -1)
	dbg=/sys/kernel/debug/orion_scsi/host$h
	d=$(disk_at "$h" 0)
}
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }

start virt_targets=1 write_back_delay_ms=10
by_age() {
	python3 "$sectors" write "$d" 1 0 2048 || return 1
	wait_until 10 bash -c "grep -qx 'dirty_pages 0' $dbg/write_cache" || { cat "$dbg/write_cache"; return 1; }
	echo "note: $(cache_field destaged_age) pages destaged by age"
	[ "$(cache_field destaged_age)" -ge 256 ]
}
check "with write_back_delay_ms=10, 1 MiB written unflushed leaves the cache within 10 s" by_age

start virt_targets=2 write_back_cache_size=1048576 write_back_delay_ms=600000
room() {
	local max=0 n pid
	# shellcheck disable=SC2046 # one argument per disk
	fio_verify /tmp/fio-wcache.out 1M $(virt_disks) > /tmp/fio-wcache.log 2>&1 &
	pid=$!
	while kill -0 "$pid" 2> /dev/null; do
		# Exact under the log's lock (dirty_pages adds up the LUNs one
		# by one, with pages being destaged).
		n=$(cache_field log_live)
		[ "$n" -le "$max" ] || max=$n
		sleep 0.2
	done
	wait "$pid" || { cat /tmp/fio-wcache.log; return 1; }
	echo "note: at most $max live log entries seen; $(cache_field cached_pages) pages cached, $(cache_field destaged_room) destaged for room"
	[ "$max" -le 256 ] && [ "$(cache_field destaged_room)" -gt 0 ] && [ "$(cache_field dirty_pages)" -le 256 ]
}
check "fio verify on two LUNs through a 1 MiB cache: 0 errors, room made, at most 256 pages cached" room

# Sectors 0-511 (64 pages): even ones from one process, odd ones from
# another, at the same time.
both() {
	local pid rc=0
	python3 "$sectors" write "$d" "$1" 0 512 "${3:-}" step=2 &
	pid=$!
	python3 "$sectors" write "$d" "$2" 1 511 "${3:-}" step=2 || rc=1
	wait "$pid" || rc=1
	return $rc
}
same_pages() {
	local specs=() s x
	# What fio left in the cache (both LUNs) is flushed first.
	for x in $(virt_disks); do sg_sync "$(sg_of "$x")" || return 1; done
	[ "$(cache_field dirty_pages)" = 0 ] || { echo "dirty after the flushes"; return 1; }
	python3 "$sectors" write "$d" 1 0 16384 fsync || return 1
	both 2 3 fsync || return 1
	both 4 5 || return 1
	echo "note: $(cache_field dirty_pages) pages dirty before the cut"
	settle
	echo cycle > "$dbg/power"
	sg_turs "$(sg_of "$d")" > /dev/null 2>&1
	for ((s = 0; s < 512; s += 2)); do specs+=("$s:1:2" "$((s + 1)):1:3"); done
	python3 "$sectors" check "$d" 1 "${specs[@]}" && [ "$(cache_field last_cut_lost_pages)" = 64 ]
}
check "even and odd sectors of 64 pages from two processes: the flushed ones survive a cut, all 64 pages' unflushed data is lost" \
	same_pages
dirty_unload() {
	both 6 7 || return 1
	echo "temporary write through" > "/sys/class/scsi_disk/$(basename "$(readlink -f "/sys/block/${d##*/}/device")")/cache_type" &&
		settle || return 1
	echo "note: $(cache_field dirty_pages) pages dirty"
	[ "$(cache_field dirty_pages)" = 64 ] && orion_unload
}
check "the module unloads with 64 pages in the cache" dirty_unload
kmemleak_check "kmemleak: no leak after the unload with dirty pages"
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
