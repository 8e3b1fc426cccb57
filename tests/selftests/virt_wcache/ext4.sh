#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Crash consistency of ext4 over the write-back cache (issue 12, part 4):
# a 128 MiB LUN with a 10-minute background destage (only flushes and FUA
# make data durable), ext4 with a 4 MiB journal (checkpoints write
# metadata in place often), commits only on fsync (commit=300) and
# writeback of dirty pages after 1 s. A metadata-heavy workload creates
# small files in 16 directories, fsyncs every fifth with its directory
# (recording its checksum once both fsyncs returned), renames and unlinks
# the others, and appends to an unsynced log that it has written back (no
# flush) every fifth file. Two power cuts: by a fault rule on the 300th
# write, then by the debugfs knob while 1 MiB of an unsynced file was just
# written back (so the cut must lose at least those 256 pages). Each time
# the workload stops at its first error (the host is off), ext4 is
# unmounted with errors, the power comes back, a mount replays the
# journal, every file fsync'd before the cut holds its recorded data, and
# after unmounting `fsck.ext4 -fn` finds nothing to fix.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 9
dmesg_mark

orion_load virt_targets=1 virt_capacity_mb=128 write_back_delay_ms=600000 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
dbg=/sys/kernel/debug/orion_scsi/host$h
d=$(disk_at "$h" 0)
mnt=/tmp/wcache-ext4
synced=/tmp/wcache-synced
mkdir -p "$mnt"
: > "$synced"
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }
old_expire=$(cat /proc/sys/vm/dirty_expire_centisecs)
old_wb=$(cat /proc/sys/vm/dirty_writeback_centisecs)
echo 100 > /proc/sys/vm/dirty_expire_centisecs
echo 50 > /proc/sys/vm/dirty_writeback_centisecs

# workload ROUND [PAUSE]: at most 4000 files under $mnt/rROUND; prints
# how it ended. Appends "path sha256" of each file fsync'd (with its
# directory) to $synced. With PAUSE, after that many files it writes
# 1 MiB to an unsynced file and has it written back (sync_file_range: no
# flush), creates $paused and waits (a minute at most) for $go.
paused=/tmp/wcache-paused go=/tmp/wcache-go
workload() {
	python3 - "$mnt" "$1" "$synced" 4000 "${2:-0}" "$paused" "$go" <<'PY'
import ctypes, hashlib, os, random, sys, time
root, rnd, log, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
pause, paused, go = int(sys.argv[5]), sys.argv[6], sys.argv[7]
rng = random.Random(rnd)
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]


def write_back(f, at, n):
    """Writes a range of f to the disk and waits, without a cache flush."""
    f.flush()
    # SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER
    if libc.sync_file_range(f.fileno(), at, n, 7) != 0:
        raise OSError(ctypes.get_errno(), 'sync_file_range')


n = 0
os.makedirs(os.path.join(root, f'r{rnd}'), exist_ok=True)
with open(log, 'a') as synced, open(os.path.join(root, f'r{rnd}', 'log'), 'wb') as logf:
    try:
        for i in range(limit):
            # An unsynced log grows 4 KiB a file, written back (no flush)
            # every fifth: data in the disk's cache between the fsyncs.
            logf.write(rng.randbytes(4096))
            if i % 5 == 3:
                write_back(logf, 0, 0)
            if pause and i == pause:
                with open(os.path.join(root, f'r{rnd}', 'bulk'), 'wb') as f:
                    f.write(rng.randbytes(1 << 20))
                    write_back(f, 0, 1 << 20)
                open(paused, 'w').close()
                end = time.time() + 60
                while not os.path.exists(go) and time.time() < end:
                    time.sleep(0.05)
            d = os.path.join(root, f'r{rnd}', f'd{i % 16}')
            os.makedirs(d, exist_ok=True)
            p = os.path.join(d, f'f{i}')
            data = rng.randbytes(rng.randint(100, 8192))
            with open(p, 'wb') as f:
                f.write(data)
                if i % 5 == 0:
                    f.flush()
                    os.fsync(f.fileno())
            if i % 5 == 0:
                fd = os.open(d, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
                synced.write(f'{p} {hashlib.sha256(data).hexdigest()}\n')
                synced.flush()
            elif i % 5 == 1:
                os.rename(p, p + '.renamed')
            elif i % 5 == 2 and i >= 10:
                os.unlink(os.path.join(root, f'r{rnd}', f'd{(i - 8) % 16}', f'f{i - 8}'))
            n += 1
    except OSError as e:
        print(f'stopped after {n} files: {e}')
        sys.exit(0)
print(f'all {n} files written')
PY
}

# verify: every fsync'd file reads back with its checksum.
verify() {
	python3 - "$synced" <<'PY'
import hashlib, sys
bad = total = 0
for line in open(sys.argv[1]):
    path, want = line.split()
    total += 1
    try:
        got = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    except OSError as e:
        got = str(e)
    if got != want:
        bad += 1
        if bad <= 5:
            print(f'{path}: {got}')
print(f'note: {total - bad} of {total} fsync\'d files intact')
sys.exit(1 if bad or not total else 0)
PY
}

fs_mount() { mount -o commit=300 "$d" "$mnt"; }
fs_ready() {
	mkfs.ext4 -q -F -J size=4 -E lazy_itable_init=0,lazy_journal_init=0,nodiscard "$d" && fs_mount
}
check "mkfs.ext4 (4 MiB journal) and mount" fs_ready

# after_cut ROUND OUTPUT: the workload stopped at an error, the host is
# off; unmounts (writes fail) and powers the host on.
after_cut() {
	local rc=0
	echo "note: round $1: $2; the cut lost $(cache_field last_cut_lost_pages) pages"
	[ "$(cat "$dbg/power")" = off ] || { echo "power is $(cat "$dbg/power")"; rc=1; }
	case $2 in "stopped after"*) ;; *) echo "the workload ended before the cut"; rc=1;; esac
	umount "$mnt" || { echo "umount failed"; rc=1; }
	echo clear > "$dbg/faults"
	echo on > "$dbg/power"
	return $rc
}
# by_rule ROUND NTH: the workload with a power cut on the NTH write from now.
by_rule() {
	local out
	echo "add id=1 lun=0:0 op=write nth=$2 action=power-cut" > "$dbg/faults" || return 1
	out=$(workload "$1")
	grep -q "fired=1" "$dbg/faults" || { echo "the rule did not fire: $(cat "$dbg/faults")"; return 1; }
	after_cut "$1" "$out"
}
# by_knob ROUND: the workload pauses after 300 files, the host is cut
# while 1 MiB just written back is in the cache.
by_knob() {
	local pid dirty rc=0
	rm -f "$paused" "$go"
	workload "$1" 300 > /tmp/wcache-workload.out &
	pid=$!
	wait_until 60 test -e "$paused" || { echo "the workload did not pause"; rc=1; }
	dirty=$(cache_field dirty_pages)
	echo off > "$dbg/power"
	touch "$go"
	wait "$pid"
	cache_field last_cut_lost_pages > /tmp/wcache-knob-lost
	echo "note: $dirty pages dirty at the cut"
	after_cut "$1" "$(cat /tmp/wcache-workload.out)" || rc=1
	return $rc
}
recovered() {
	fs_mount || { echo "mount after the cut failed"; return 1; }
	dmesg_since_mark | grep -E "EXT4-fs \($(basename "$d")\): recovery complete" | tail -1 | sed 's/^/note: /'
	verify
}
clean() {
	umount "$mnt" || return 1
	fsck.ext4 -fn "$d"
}
for r in 1:rule:300 2:knob; do
	IFS=: read -r n how nth <<< "$r"
	if [ "$how" = rule ]; then
		check "round $n: a power cut on write $nth stops the workload; ext4 unmounts" by_rule "$n" "$nth"
	else
		check "round $n: a power cut through debugfs stops the workload; ext4 unmounts" by_knob "$n"
		check "round $n: the cut lost the 1 MiB written back unflushed (256 pages or more)" \
			bash -c '[ "$(cat /tmp/wcache-knob-lost)" -ge 256 ]'
	fi
	check "round $n: the mount replays the journal; every fsync'd file intact" recovered
	check "round $n: fsck.ext4 -fn is clean" clean
	[ "$n" = 2 ] || fs_mount
done
echo "$old_expire" > /proc/sys/vm/dirty_expire_centisecs
echo "$old_wb" > /proc/sys/vm/dirty_writeback_centisecs
orion_unload
# ext4 and the block layer report the errors after the cuts; no splat.
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
