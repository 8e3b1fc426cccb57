#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# With WCE off nothing acknowledged is lost (issue 12, part 4), on an
# 8 MiB LUN with a 10-minute background destage: loaded with
# write_cache=0, unflushed writes survive a power cycle; with WCE on, data
# written unflushed and then made durable by a MODE SELECT that clears WCE
# (sdparm), and data written after it, survive; set again, the same
# unflushed writes are lost (the check can fail). With
# write_back_cache_size=0 there is no cache to lose even with WCE on. Bad
# write_back_cache_size and write_back_delay_ms values fail the load with
# a log line naming them.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

sectors=$ORION_TOP/tests/selftests/wcache_sectors.py
debugfs_mount
# start PARAM...: loads an 8 MiB LUN; sets h, dbg, d and sg (so it runs
# outside the checks, which run in subshells).
start() {
	orion_load virt_targets=1 virt_capacity_mb=8 write_back_delay_ms=600000 "$@" && settle || return 1
	h=$(hba_hosts orion_virt | head -1)
	dbg=/sys/kernel/debug/orion_scsi/host$h
	d=$(disk_at "$h" 0)
	sg=$(sg_of "$d")
}
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }
# cycle: a power cycle; the next command takes the unit attention.
cycle() {
	echo cycle > "$dbg/power" || return 1
	sg_turs "$sg" > /dev/null 2>&1
	echo "note: the cut lost $(cache_field last_cut_lost_pages) pages"
}
# gens REST SPEC...: the disk holds those generations.
gens() { python3 "$sectors" check "$d" "$@"; }
w() { python3 "$sectors" write "$d" "$@"; }

wce_off_at_load() {
	sdparm --get=WCE "$d" | grep -qE 'WCE +0' || { sdparm --get=WCE "$d"; return 1; }
	w 1 0 16384 fsync && w 2 0 4096 || return 1
	[ "$(cache_field dirty_pages)" = 0 ] || { echo "dirty pages with WCE off"; return 1; }
	cycle && gens 1 0:4096:2
}
start write_cache=0
check "write_cache=0: unflushed writes survive a power cycle" wce_off_at_load

mode_select_off() {
	w 1 0 16384 fsync && w 2 0 4096 || return 1
	echo "note: $(cache_field dirty_pages) pages dirty before the MODE SELECT"
	[ "$(cache_field dirty_pages)" -gt 0 ] || return 1
	sdparm -q --clear=WCE "$d" || return 1
	sdparm --get=WCE "$d" | grep -qE 'WCE +0' || { sdparm --get=WCE "$d"; return 1; }
	[ "$(cache_field dirty_pages)" = 0 ] || { echo "still dirty after WCE=0"; return 1; }
	w 3 8192 4096 || return 1
	cycle && gens 1 0:4096:2 8192:4096:3 && [ "$(cache_field last_cut_lost_pages)" = 0 ]
}
start
check "WCE cleared by MODE SELECT: what was cached is made durable, later writes are durable; a cycle loses nothing" \
	mode_select_off
wce_on_again() {
	sdparm -q --set=WCE "$d" && w 4 8192 4096 || return 1
	cycle
	gens 1 0:4096:2 8192:4096:3 && [ "$(cache_field last_cut_lost_pages)" = 512 ]
}
check "WCE set again: the same unflushed writes are lost (512 pages)" wce_on_again

no_cache() {
	sdparm --get=WCE "$d" | grep -qE 'WCE +1' || return 1
	grep -qx "size_bytes 0" "$dbg/write_cache" || { cat "$dbg/write_cache"; return 1; }
	w 1 0 16384 fsync && w 2 0 4096 && cycle && gens 1 0:4096:2
}
start write_back_cache_size=0
check "write_back_cache_size=0: WCE on, nothing to lose" no_cache

refused() {
	local p
	for p in write_back_cache_size=12345 write_back_cache_size=4096 write_back_cache_size=2147483648 \
		write_back_delay_ms=5; do
		if orion_load "$p" 2> /dev/null; then echo "$p accepted"; return 1; fi
		dmesg_since_mark | grep -q "invalid $p: must be" || { echo "no log line for $p"; return 1; }
	done
	dmesg_since_mark | grep "invalid write_back_cache_size=12345" | sed 's/^.*\] /note: /'
}
check "bad write_back_cache_size and write_back_delay_ms values are refused, logged" refused
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
