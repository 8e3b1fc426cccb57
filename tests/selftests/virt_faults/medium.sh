#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A persistent medium error (a `pending` rule: reads of LBAs 20484-20491
# fail until written) seen by an application reading the whole disk with
# O_DIRECT in 4 KiB blocks while fio verifies the other LUN: exactly the
# two blocks holding those LBAs fail, with ENODATA (the block layer's
# "critical medium error"; other I/O errors are EIO), every other block
# holds what was
# written, the log names the first bad LBA of each failed read; after the
# two blocks are rewritten the whole disk reads back and the rule shows
# nothing pending.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
# The driver paths this reaches (sense faults, pending sectors, the abort
# of a parked command) run on the debug kernel in rules.sh.
ref_kernel_only "CI budget; rules.sh covers these driver paths on the debug kernel"
ktap_set_plan 5
dmesg_mark

orion_load virt_targets=1 virt_luns=2 virt_capacity_mb=32 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
faults=/sys/kernel/debug/orion_scsi/host$h/faults
d=$(disk_at "$h" 0)
other=$(find "/sys/class/scsi_device/$h:0:0:1/device/block/" -mindepth 1 -maxdepth 1 | sed 's|.*/|/dev/|')

# blocks MODE DISK [BLOCK...]: MODE fill writes every 4 KiB block with its
# own pattern (its number, repeated); write rewrites only the BLOCKs;
# check reads every block with O_DIRECT and prints "eio N..." (the blocks
# that failed with EIO) and "bad N..." (blocks with other data); it fails
# on any other error.
blocks() {
	python3 - "$@" <<'PY'
import errno, mmap, os, sys
mode, disk, only = sys.argv[1], sys.argv[2], [int(b) for b in sys.argv[3:]]
bs = 4096
fd = os.open(disk, os.O_RDWR | os.O_DIRECT)
n = os.lseek(fd, 0, os.SEEK_END) // bs
buf = mmap.mmap(-1, bs)
def pattern(i):
    return (b'%016x' % i) * (bs // 16)
if mode in ('fill', 'write'):
    for i in (range(n) if mode == 'fill' else only):
        buf[:] = pattern(i)
        os.pwrite(fd, buf, i * bs)
    os.fsync(fd)
    sys.exit(0)
eio, bad, errs = [], [], set()
for i in range(n):
    try:
        os.preadv(fd, [buf], i * bs)
    except OSError as e:
        # A medium error reaches a direct read as ENODATA (the block
        # layer's BLK_STS_MEDIUM), any other I/O error as EIO.
        if e.errno not in (errno.EIO, errno.ENODATA):
            raise
        eio.append(i)
        errs.add(errno.errorcode[e.errno])
        continue
    if buf[:] != pattern(i):
        bad.append(i)
print('eio', *eio)
print('bad', *bad)
print('errors', *sorted(errs))
PY
}

check "fill the 32 MiB disk, 8192 blocks of 4 KiB each with its own pattern" blocks fill "$d"
echo "add id=1 lun=0:0 lba=20484-20491 action=pending" > "$faults"

whole_disk_read() {
	local out pid rc=0
	fio_verify /tmp/fio-medium-other.out 8M "$other" > /tmp/fio-medium-other.log 2>&1 &
	pid=$!
	out=$(blocks check "$d") || { echo "$out"; rc=1; }
	wait "$pid" || { echo "fio verify on the other LUN failed:"; cat /tmp/fio-medium-other.log; rc=1; }
	echo "note: $(echo "$out" | head -1) ($(echo "$out" | sed -n 3p))"
	[ "$(echo "$out" | sed -n 1p)" = "eio 2560 2561" ] || { echo "EIO on other blocks: $out"; rc=1; }
	[ "$(echo "$out" | sed -n 2p)" = "bad" ] || { echo "blocks with other data: $out"; rc=1; }
	[ "$(echo "$out" | sed -n 3p)" = "errors ENODATA" ] || { echo "not a medium error: $out"; rc=1; }
	return $rc
}
check "a whole-disk read (fio verify on the other LUN meanwhile): ENODATA for exactly blocks 2560-2561, all others intact" \
	whole_disk_read
logged() {
	local s
	for s in 20484 20488; do
		dmesg_since_mark | grep -q "critical medium error, dev ${d#/dev/}, sector $s " ||
			{ echo "no medium error logged for sector $s"; return 1; }
	done
	dmesg_since_mark | grep "critical medium error" | tail -1 | sed 's/^.*\] /note: /'
}
check "the log names the first bad LBA of each failed read (20484, 20488)" logged
healed() {
	local out
	blocks write "$d" 2560 2561 || return 1
	out=$(blocks check "$d") || { echo "$out"; return 1; }
	[ "$out" = "$(printf 'eio\nbad\nerrors')" ] || { echo "after the rewrite: $out"; return 1; }
	grep -q 'pending=0' "$faults" || { cat "$faults"; return 1; }
}
check "after rewriting the two blocks the whole disk reads back; nothing pending" healed
echo clear > "$faults"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
