#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Store paths of the write-back cache that flushed.sh does not reach
# (issue 12, part 4), on an 8 MiB LUN never written before, with a
# 10-minute background destage: a FUA write into a cached page that was
# never stored (its durable copy starts as zeros), a cut unmapping such
# pages again, an UNMAP of two sectors inside a cached page (durable at
# once, in both copies), WRITE SAME without UNMAP (cached; a range synced
# by SYNCHRONIZE CACHE survives), and WRITEs on a 4096-byte-block LUN
# from a buffer aligned to 512 bytes only, so that every block is split
# across two pages of the buffer. A power cycle then keeps exactly what
# was made durable.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

sectors=$ORION_TOP/tests/selftests/wcache_sectors.py
debugfs_mount
# start PARAM...: loads an 8 MiB LUN; sets dbg, d and sg.
start() {
	orion_load virt_targets=1 virt_capacity_mb=8 write_back_delay_ms=600000 "$@" && settle || return 1
	local h
	h=$(hba_hosts orion_virt | head -1)
	dbg=/sys/kernel/debug/orion_scsi/host$h
	d=$(disk_at "$h" 0)
	sg=$(sg_of "$d")
}
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }
cycle() {
	settle
	echo cycle > "$dbg/power" || return 1
	sg_turs "$sg" > /dev/null 2>&1
	echo "note: the cut lost $(cache_field last_cut_lost_pages) pages"
}
# same FIRST COUNT FILE: sectors FIRST.. all hold the 512 bytes of FILE.
same() {
	python3 - "$d" "$1" "$2" "$3" <<'PY'
import sys
disk, first, count, block = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], 'rb').read()
with open(disk, 'rb', buffering=0) as f:
    f.seek(first * 512)
    data = f.read(count * 512)
bad = sum(data[i * 512:(i + 1) * 512] != block for i in range(count))
if bad:
    print(f'{bad} of {count} sectors from {first} do not hold the block')
sys.exit(1 if bad else 0)
PY
}

start
blockdev --flushbufs "$d"
# Sectors: 0-15 never stored (FUA sector 3); 64-127 with an UNMAP of
# 67-68; 256-383 WRITE SAME cached, 384-511 WRITE SAME synced.
python3 "$sectors" data 4 0 1 > /tmp/wc-block.bin
prepare() {
	python3 "$sectors" write "$d" 1 64 64 fsync && python3 "$sectors" write "$d" 1 256 256 fsync || return 1
	python3 "$sectors" write "$d" 2 0 16 && python3 "$sectors" write "$d" 2 64 64 || return 1
	python3 "$sectors" data 3 3 1 > /tmp/wc-fua.bin
	sg_raw -s 512 -i /tmp/wc-fua.bin "$sg" 2a 08 00 00 00 03 00 00 01 00 2> /dev/null || { echo "FUA write failed"; return 1; }
	sg_unmap --lba=67 --num=2 "$sg" || { echo "UNMAP failed"; return 1; }
	if ! sg_write_same --in=/tmp/wc-block.bin --lba=256 --num=128 "$sg" ||
		! sg_write_same --in=/tmp/wc-block.bin --lba=384 --num=128 "$sg"; then
		echo "WRITE SAME failed"
		return 1
	fi
	sg_sync --lba=384 --count=128 "$sg" || return 1
	echo "note: $(cache_field dirty_pages) pages dirty before the cut"
	# 2 never stored, 8 under the UNMAP, 16 of WRITE SAME.
	[ "$(cache_field dirty_pages)" = 26 ]
}
check "unflushed writes, a FUA sector into a never-stored page, UNMAP of two sectors, WRITE SAME: 26 pages dirty" \
	prepare
before() {
	blockdev --flushbufs "$d"
	python3 "$sectors" check "$d" 0 0:16:2 3:1:3 64:64:2 67:2:0 256:256:x &&
		same 256 256 /tmp/wc-block.bin
}
check "before the cut every sector holds its newest data" before
after() {
	cycle || return 1
	blockdev --flushbufs "$d"
	python3 "$sectors" check "$d" 0 3:1:3 64:64:1 67:2:0 256:128:1 384:128:x &&
		same 384 128 /tmp/wc-block.bin && [ "$(cache_field last_cut_lost_pages)" = 26 ]
}
check "after a cut: FUA sector kept in zeros, never-stored pages zeros, UNMAP kept, synced WRITE SAME kept, the rest lost" \
	after

# A WRITE of 1 MiB at byte OFF of the disk from a buffer 512 bytes past a
# page boundary; its data is the file FILE (made with SEED); FSYNC or not.
misaligned() {
	python3 - "$d" "$@" <<'PY'
import mmap, os, random, sys
disk, off, path, seed, sync = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
data = random.Random(seed).randbytes(1 << 20)
open(path, 'wb').write(data)
buf = mmap.mmap(-1, (1 << 20) + 4096)
buf[512:512 + len(data)] = data
fd = os.open(disk, os.O_WRONLY | os.O_DIRECT)
assert os.pwritev(fd, [memoryview(buf)[512:512 + len(data)]], off) == len(data)
if sync == 'fsync':
    os.fsync(fd)
os.close(fd)
PY
}
# reads MiB N of the disk into FILE.
mib() { dd if="$d" of="$2" bs=1M skip="$1" count=1 iflag=direct status=none; }
start virt_block_size=4096
split_blocks() {
	[ "$(cat "/sys/block/${d##*/}/queue/logical_block_size")" = 4096 ] || return 1
	misaligned 0 /tmp/wc-a.bin 1 fsync && misaligned $((1 << 20)) /tmp/wc-b.bin 2 fsync || return 1
	misaligned $((1 << 20)) /tmp/wc-c.bin 3 no || return 1
	mib 0 /tmp/wc-r0.bin && mib 1 /tmp/wc-r1.bin || return 1
	if ! cmp -s /tmp/wc-r0.bin /tmp/wc-a.bin || ! cmp -s /tmp/wc-r1.bin /tmp/wc-c.bin; then
		echo "data read back differs"
		return 1
	fi
	echo "note: $(cache_field dirty_pages) pages dirty"
	[ "$(cache_field dirty_pages)" = 256 ]
}
check "4096-byte blocks from a buffer aligned to 512 bytes: the data reads back, 256 pages dirty" split_blocks
split_cut() {
	cycle || return 1
	mib 0 /tmp/wc-r0.bin && mib 1 /tmp/wc-r1.bin || return 1
	if ! cmp -s /tmp/wc-r0.bin /tmp/wc-a.bin || ! cmp -s /tmp/wc-r1.bin /tmp/wc-b.bin; then
		echo "after the cut the data differs from what was flushed"
		return 1
	fi
	[ "$(cache_field last_cut_lost_pages)" = 256 ]
}
check "after a cut the flushed MiB read back, the unflushed rewrite is lost (256 pages)" split_cut
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
