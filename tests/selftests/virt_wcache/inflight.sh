#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Commands running when the power is cut (issue 12, part 4): a command
# that was running at the cut completes only if what it promised
# survived, else it fails like a disk that lost power (DID_NO_CONNECT).
# On a 128 MiB LUN with a 10-minute background destage, 64 MiB written
# unflushed (16384 pages) take a SYNCHRONIZE CACHE long enough to cut the
# power in the middle of it: at delays spread over its duration, every
# SYNCHRONIZE CACHE that succeeded kept every page (the cut lost none),
# and some cut did land inside one (the delays are tried up to four
# times until one does). Then fio writes (QD32) on half of
# the LUN while a writer on the other half records each write it has
# fsync'd, and the power is cut under them: fio and the writer stop with
# errors within seconds, no command is left outstanding, and after power
# on every recorded write reads back. WCE cleared by MODE SELECT under
# fio leaves nothing dirty once fio is done.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

orion_load virt_targets=1 virt_capacity_mb=128 write_back_delay_ms=600000 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
dbg=/sys/kernel/debug/orion_scsi/host$h
d=$(disk_at "$h" 0)
sg=$(sg_of "$d")
cache_field() { awk -v n="$1" '$1 == n { print $2 }' "$dbg/write_cache"; }
# power_on: power back; the next command takes the unit attention.
power_on() {
	echo on > "$dbg/power" && sg_turs "$sg" > /dev/null 2>&1
	sg_turs "$sg" > /dev/null 2>&1
}
# dirty_64m: the LUN unmapped (new pages need no copy), then 64 MiB
# written unflushed.
dirty_64m() {
	blkdiscard -f "$d" 2> /dev/null && dd if=/dev/zero of="$d" bs=1M count=64 oflag=direct status=none ||
		return 1
	[ "$(cache_field dirty_pages)" = 16384 ] || { echo "dirty: $(cache_field dirty_pages)"; return 1; }
}

# sync_cut DELAY_MS: a SYNCHRONIZE CACHE (SG_IO from a thread) and, DELAY_MS
# after it was sent (none: no cut), the power cut; prints the command's
# result (good or failed) and its duration in ms.
sync_cut() {
	python3 - "$sg" "$dbg/power" "$1" <<'PY'
import ctypes, fcntl, os, sys, threading, time
SG_IO = 0x2285


class SgIoHdr(ctypes.Structure):
    _fields_ = [('interface_id', ctypes.c_int), ('dxfer_direction', ctypes.c_int),
                ('cmd_len', ctypes.c_ubyte), ('mx_sb_len', ctypes.c_ubyte),
                ('iovec_count', ctypes.c_ushort), ('dxfer_len', ctypes.c_uint),
                ('dxferp', ctypes.c_void_p), ('cmdp', ctypes.c_void_p),
                ('sbp', ctypes.c_void_p), ('timeout', ctypes.c_uint), ('flags', ctypes.c_uint),
                ('pack_id', ctypes.c_int), ('usr_ptr', ctypes.c_void_p),
                ('status', ctypes.c_ubyte), ('masked_status', ctypes.c_ubyte),
                ('msg_status', ctypes.c_ubyte), ('sb_len_wr', ctypes.c_ubyte),
                ('host_status', ctypes.c_ushort), ('driver_status', ctypes.c_ushort),
                ('resid', ctypes.c_int), ('duration', ctypes.c_uint), ('info', ctypes.c_uint)]


fd = os.open(sys.argv[1], os.O_RDWR)
cdb = (ctypes.c_ubyte * 10)(0x35)
sense = (ctypes.c_ubyte * 32)()
hdr = SgIoHdr(interface_id=ord('S'), dxfer_direction=-1, cmd_len=10, mx_sb_len=32,
              cmdp=ctypes.addressof(cdb), sbp=ctypes.addressof(sense), timeout=60000)
took = []


def flush():
    t0 = time.monotonic()
    fcntl.ioctl(fd, SG_IO, hdr)
    took.append(time.monotonic() - t0)


t = threading.Thread(target=flush)
t.start()
if sys.argv[3] != 'none':
    time.sleep(float(sys.argv[3]) / 1000)
    with open(sys.argv[2], 'w') as f:
        f.write('off')
t.join()
good = hdr.status == 0 and hdr.host_status == 0 and hdr.driver_status == 0
print('good' if good else 'failed', round(took[0] * 1000))
PY
}

# A SYNCHRONIZE CACHE alone, for its duration (ms): the shortest of three.
sync_ms() {
	local out i ms=
	for i in 1 2 3; do
		dirty_64m || return 1
		out=$(sync_cut none) || return 1
		if [ "${out% *}" != good ] || [ "$(cache_field dirty_pages)" != 0 ]; then
			echo "$out"
			return 1
		fi
		[ -n "$ms" ] && [ "$ms" -le "${out#* }" ] || ms=${out#* }
	done
	echo "$ms" > /tmp/wc-sync-ms
	echo "note: SYNCHRONIZE CACHE of 16384 pages: $ms ms"
}
check "a SYNCHRONIZE CACHE destages 64 MiB" sync_ms

# Cuts at 1/10 .. 9/10 of that duration, again until one landed inside a
# SYNCHRONIZE CACHE (at most four times): a SYNCHRONIZE CACHE that
# succeeded must have lost nothing.
sync_vs_cut() {
	local ms k out lost inside=0 good=0 failed=0 bad=0 round
	ms=$(cat /tmp/wc-sync-ms)
	for round in 1 2 3 4; do
		[ "$round" = 1 ] || [ "$inside" = 0 ] || break
		for k in 1 2 3 4 5 6 7 8 9; do
			dirty_64m 2> /dev/null || return 1
			out=$(sync_cut "$(awk -v m="$ms" -v k="$k" 'BEGIN { print m * k / 10 }')") || return 1
			lost=$(cache_field last_cut_lost_pages)
			if [ "${out% *}" = good ]; then
				good=$((good + 1))
				[ "$lost" = 0 ] || { bad=$((bad + 1)); echo "cut at $k/10: SYNCHRONIZE CACHE succeeded, the cut lost $lost pages"; }
			else
				failed=$((failed + 1))
			fi
			[ "$lost" -gt 0 ] && [ "$lost" -lt 16384 ] && inside=$((inside + 1))
			power_on
		done
	done
	echo "note: $good SYNCHRONIZE CACHE succeeded, $failed failed; $inside cuts landed inside one"
	[ "$bad" = 0 ] && [ "$inside" -gt 0 ]
}
check "a SYNCHRONIZE CACHE cut in the middle fails; one that succeeds lost nothing" sync_vs_cut

# fio (random writes, QD32) on the first 64 MiB, a writer on the second
# that fsyncs every 4 writes of 64 KiB and records them, the power cut
# after 3 s.
writer() {
	python3 - "$d" /tmp/wc-acked <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 65536)
acked = open(sys.argv[2], 'w')
base, slots, pending, n = 64 << 20, 1024, [], 0
try:
    while True:
        slot = n % slots
        buf.seek(0)
        buf.write((b'%08d' % n) * 8192)
        os.pwrite(fd, buf, base + slot * 65536)
        pending.append((slot, n))
        n += 1
        if len(pending) == 4:
            os.fsync(fd)
            for s, v in pending:
                acked.write(f'{s} {v}\n')
            acked.flush()
            pending = []
except OSError as e:
    print(f'writer stopped after {n} writes: {e}')
PY
}
in_flight() {
	local fpid wpid rc=0 out w0
	power_on
	: > /tmp/wc-acked
	w0=$(awk '$1 == "writes" { print $2 }' "$dbg/lun0:0:0/stats")
	fio --name=cut --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
		--size=64M --iodepth=32 --time_based --runtime=60 > /tmp/wc-fio.out 2>&1 &
	fpid=$!
	writer > /tmp/wc-writer.out &
	wpid=$!
	# Both at work (slow to start under TCG), then the cut.
	wait_until 60 bash -c "[ \$(wc -l < /tmp/wc-acked) -ge 40 ]" || { echo "the writer did not start"; rc=1; }
	wait_until 60 bash -c "[ \$(awk '\$1 == \"writes\" { print \$2 }' $dbg/lun0:0:0/stats) -ge $((w0 + 2000)) ]" ||
		{ echo "fio did not start"; rc=1; }
	sleep 1
	echo off > "$dbg/power"
	# Both stop on their own (the host fails every command).
	wait_until 30 bash -c "! kill -0 $fpid 2> /dev/null && ! kill -0 $wpid 2> /dev/null" ||
		{ echo "still running 30 s after the cut"; kill "$fpid" "$wpid"; rc=1; }
	wait "$fpid" && { echo "fio did not fail"; rc=1; }
	wait "$wpid"
	out=$(cat /tmp/wc-writer.out)
	echo "note: $out; $(wc -l < /tmp/wc-acked) writes fsync'd; the cut lost $(cache_field last_cut_lost_pages) pages"
	case $out in "writer stopped"*) ;; *) rc=1;; esac
	grep -qx "outstanding 0" "$dbg/lun0:0:0/stats" || { grep outstanding "$dbg/lun0:0:0/stats"; rc=1; }
	[ "$(wc -l < /tmp/wc-acked)" -gt 0 ] || rc=1
	return $rc
}
check "fio and an fsync'ing writer under a cut: both fail within seconds, nothing outstanding" in_flight
acked_kept() {
	power_on
	# sd read the capacity as 0 while the host was off.
	echo 1 > "/sys/block/${d##*/}/device/rescan"
	blockdev --flushbufs "$d"
	python3 - "$d" /tmp/wc-acked <<'PY'
import os, sys
last = {}
for line in open(sys.argv[2]):
    s, v = map(int, line.split())
    last[s] = v
bad = 0
with open(sys.argv[1], 'rb') as f:
    for s, v in last.items():
        f.seek((64 << 20) + s * 65536)
        got = f.read(8)
        # A later write, acknowledged or not, may have replaced it.
        if not got.isdigit() or int(got) < v:
            bad += 1
            if bad <= 5:
                print(f'slot {s}: {got!r}, fsync\'d {v}')
print(f'note: {len(last) - bad} of {len(last)} fsync\'d slots intact')
sys.exit(1 if bad else 0)
PY
}
check "after power on every fsync'd write reads back" acked_kept
# WCE cleared by MODE SELECT (sdparm) while fio writes: once fio is done,
# nothing is dirty (a write that saw WCE on but logged its page after the
# MODE SELECT's destage makes the page durable itself).
wce_off_under_fio() {
	local i pid n bad=0
	power_on
	for i in 1 2 3 4; do
		sdparm -q --set=WCE "$d" || return 1
		fio --name=wce --filename="$d" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
			--size=64M --iodepth=32 --time_based --runtime=3 > /tmp/wc-wce.out 2>&1 &
		pid=$!
		sleep 1.5
		sdparm -q --clear=WCE "$d" || { echo "MODE SELECT failed"; bad=1; }
		wait "$pid" || { echo "fio failed"; cat /tmp/wc-wce.out; return 1; }
		n=$(cache_field dirty_pages)
		[ "$n" = 0 ] || { echo "round $i: $n pages dirty with WCE off"; bad=1; }
	done
	echo "note: $(cache_field cached_pages) pages cached in all"
	sdparm -q --set=WCE "$d" && [ "$bad" = 0 ]
}
check "WCE cleared under fio, four times: nothing stays dirty" wce_off_under_fio
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
