#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What a power cut keeps (issue 12, part 4): an 8 MiB LUN with the default
# 128 MiB write-back cache and a 10-minute background destage, so that
# nothing leaves the cache unless a command makes it. After a baseline
# made durable by fsync (a cache flush), regions of 1 MiB get new data:
# flushed by fsync, unflushed before and after the syncs, flushed by a
# SYNCHRONIZE CACHE of their range only, written with FUA, written
# unflushed and then read with FUA (which SBC makes write the cached blocks
# first), written unflushed and then discarded; and 16 pages written
# unflushed whose first sector is then rewritten with FUA. A power cycle
# then loses exactly the unflushed data: every flushed sector reads back,
# every unflushed one holds the baseline (all of them: the parameters leave
# the cache no other way out), the FUA sectors of the mixed pages keep
# their data while the rest of those pages is lost, the discarded region
# reads zeros, and the cut reports the 528 pages it lost. The LUN reports
# POWER ON OCCURRED to the next command.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

sectors=$ORION_TOP/tests/selftests/wcache_sectors.py
orion_load virt_targets=1 virt_capacity_mb=8 write_back_delay_ms=600000 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
dbg=/sys/kernel/debug/orion_scsi/host$h
d=$(disk_at "$h" 0)
sg=$(sg_of "$d")

# cache_field NAME: a line of the host's write_cache file.
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }
# be32/be16 N: N as big-endian hex bytes for a CDB.
be32() { printf '%02x %02x %02x %02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
be16() { printf '%02x %02x' $(($1 >> 8 & 255)) $(($1 & 255)); }
# fua_write FILE FIRST COUNT [SKIP]: WRITE(10) with FUA of sectors
# FIRST.. (COUNT at most 2048), their data from FILE after SKIP sectors.
fua_write() {
	# shellcheck disable=SC2046 # one CDB byte per word
	sg_raw -s $(($3 * 512)) -i "$1" -k $((${4:-0} * 512)) "$sg" 2a 08 $(be32 "$2") 00 $(be16 "$3") 00 2> /dev/null
}
# fua_read FIRST COUNT: READ(10) with FUA.
fua_read() {
	# shellcheck disable=SC2046 # one CDB byte per word
	sg_raw -r $(($2 * 512)) -o /dev/null "$sg" 28 08 $(be32 "$1") 00 $(be16 "$2") 00 2> /dev/null
}

# Regions, in 512-byte sectors (2048 = 1 MiB).
F=0 U0=2048 R=4096 P=6144 M=8192 FR=9216 D=10240 U1=12288

prepare() {
	python3 "$sectors" write "$d" 1 0 16384 fsync || return 1
	python3 "$sectors" write "$d" 2 $F 2048 fsync || return 1
	python3 "$sectors" write "$d" 2 $U0 2048 || return 1
	python3 "$sectors" write "$d" 2 $R 2048 || return 1
	sg_sync --lba=$R --count=2048 "$sg" || { echo "sg_sync of the range failed"; return 1; }
	python3 "$sectors" data 2 $P 2048 > /tmp/wc-p.bin || return 1
	fua_write /tmp/wc-p.bin $P 2048 || { echo "FUA write failed"; return 1; }
	python3 "$sectors" write "$d" 2 $M 128 || return 1
	python3 "$sectors" data 3 $M 128 > /tmp/wc-m.bin || return 1
	local s
	for ((s = M; s < M + 128; s += 8)); do
		fua_write /tmp/wc-m.bin $s 1 $((s - M)) || { echo "FUA write of sector $s failed"; return 1; }
	done
	python3 "$sectors" write "$d" 2 $FR 512 || return 1
	fua_read $FR 512 || { echo "FUA read failed"; return 1; }
	python3 "$sectors" write "$d" 2 $D 2048 || return 1
	blkdiscard -o $((D * 512)) -l $((2048 * 512)) "$d" || return 1
	python3 "$sectors" write "$d" 2 $U1 2048 || return 1
	echo "note: before the cut: $(cache_field dirty_pages) dirty pages, $(cache_field flushes) flushes, $(cache_field destaged_sync) pages destaged by them"
	[ "$(cache_field dirty_pages)" -gt 0 ]
}
check "baseline flushed, then flushed, range-synced, FUA, FUA-read, discarded and unflushed regions written" prepare

# Nothing else may take the unit attention: udev probes the disk after
# writes, so it must be done.
settle
echo cycle > "$dbg/power"
ua() {
	local out
	out=$(sg_turs -v "$sg" 2>&1) && { echo "TEST UNIT READY passed: $out"; return 1; }
	echo "$out" | grep -q "Power on occurred" || { echo "$out"; return 1; }
	sg_turs "$sg"
}
check "after the power cycle the LUN reports POWER ON OCCURRED once" ua

survived() {
	local specs=("$F:2048:2" "$R:2048:2" "$P:2048:2" "$FR:512:2" "$D:2048:0") s
	for ((s = M; s < M + 128; s += 8)); do specs+=("$s:1:3"); done
	python3 "$sectors" check "$d" 1 "${specs[@]}"
}
check "flushed sectors read back; unflushed ones hold the baseline; FUA sectors of dirty pages kept, the rest lost; discarded ones zeros" \
	survived
lost() {
	local u0 u1 m
	u0=$(python3 "$sectors" count "$d" $U0 2048 1)
	u1=$(python3 "$sectors" count "$d" $U1 2048 1)
	m=$(python3 "$sectors" count "$d" $M 128 1)
	echo "note: unflushed sectors lost: $u0 of 2048 before the syncs, $u1 of 2048 after them, $m of 112 in the FUA pages"
	echo "note: the cut lost $(cache_field last_cut_lost_pages) pages ($(cache_field last_cut_lost_bytes) bytes)"
	[ "$u0" = 2048 ] && [ "$u1" = 2048 ] && [ "$m" = 112 ] &&
		[ "$(cache_field last_cut_lost_pages)" = 528 ] && [ "$(cache_field dirty_pages)" = 0 ]
}
check "the cut lost the unflushed data, 528 pages, and left the cache empty" lost
again() {
	python3 "$sectors" write "$d" 4 $U0 2048 fsync &&
		python3 "$sectors" write "$d" 5 $U1 2048 &&
		echo cycle > "$dbg/power" && sg_turs "$sg" > /dev/null 2>&1
	python3 "$sectors" count "$d" $U0 2048 4 | grep -qx 2048 &&
		python3 "$sectors" count "$d" $U1 2048 1 | grep -qx 2048
}
check "after the cut the LUN works: a flushed rewrite survives a second cut, an unflushed one does not" again
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
