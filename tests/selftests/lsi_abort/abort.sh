#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# eh_abort on the LSI chip, both ways a command can be held. QEMU throttles
# disk 1 to 32 KiB/s (vm.conf) and moves data in 128 KiB pieces, so a 4 KiB
# command right after a 128 KiB read waits about 4 s inside QEMU, and each
# further 128 KiB of a command about 4 s more (the module's command timeout
# is 60 s so that udev's first reads of the disk do not time out). Timeouts are set in ms
# (queue/io_timeout); the block layer's timer fires on the next whole
# second after a deadline.
# 1. A READ disconnects while QEMU holds it: with a 0.5 s timeout the
#    midlayer asks for an abort and the driver sends IDENTIFY + ABORT as a
#    message job (QEMU cancels the request); the read is retried and
#    completes, with no chip or bus reset.
# 2. A WRITE holds the bus while QEMU works on it (QEMU's lsi does not
#    disconnect on writes; 128 KiB: about 4 s). A read to disk 0 issued
#    meanwhile (by a process started beforehand, so that it is issued at
#    once) waits in the start queue and times out (0.5 s); the
#    midlayer's abort work asks for an abort while the WRITE still runs:
#    the driver stops the SCRIPTS (they stop once the WRITE is done) and
#    takes the read off the start queue. Both complete.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 11
dmesg_mark

udev_skip_blkid
lsi_load cmd_timeout_ms=60000 && settle
h=$(lsi_hosts | head -1); hs=/sys/class/scsi_host/host$h
fast=$(disk_at "$h" 0); slow=$(disk_at "$h" 1)
fq=/sys/block/${fast#/dev/}/queue; sq=/sys/block/${slow#/dev/}/queue
tmo=$(cat "$fq/io_timeout")
check "QEMU throttles disk 1 ($slow) so a command can wait seconds" throttled_disk "$slow"

settle; sleep 5   # udev is done with the disk, the throttle bucket drains
aborts=$(cat "$hs/orion_aborts")
dmesg_mark "lsi abort of a disconnected read"
held_read "$slow" 128k "$sq/io_timeout" 500
check "a disconnected read held past its 0.5 s timeout is aborted, retried and completes (rc $held_rc, $held_s s)" \
	test "$held_rc" = 0
check "the driver aborted it with an ABORT message (orion_aborts $aborts -> $(cat "$hs/orion_aborts"))" \
	bash -c "[ \$(cat $hs/orion_aborts) -gt $aborts ] && dmesg_since_mark | grep -q 'ABORT message to target 1 LUN 0'"
check "no chip or bus reset was needed" bash -c "! dmesg_since_mark | grep -q 'resetting the chip'"
check "the throttled disk reads and writes afterwards" rw_ok "$slow"

settle; sleep 5
aborts=$(cat "$hs/orion_aborts")
dmesg_mark "lsi abort of a command not started"
# One process, started beforehand, issues the three commands back to back
# once told to: starting a process can take seconds on the debug kernel,
# while the throttle bucket refills and the WRITE's hold shrinks.
go=/tmp/lsi-abort-go; ready=/tmp/lsi-abort-ready; res=/tmp/lsi-abort-res
rm -f "$go" "$ready" "$res"; mkfifo "$go"
timeout 180 python3 - "$slow" "$fast" "$go" "$ready" "$res" <<'PY' &
import mmap, os, sys, threading, time
slow_dev, fast_dev, go, ready, res = sys.argv[1:]
slow = os.open(slow_dev, os.O_RDWR | os.O_DIRECT)
fast = os.open(fast_dev, os.O_RDONLY | os.O_DIRECT)
big, small, out = mmap.mmap(-1, 128 << 10), mmap.mmap(-1, 4096), {}
open(ready, "w").close()
with open(go) as g:
    g.readline()
def run(name, f):
    try:
        out[name] = f()
    except OSError as e:
        out[name] = -e.errno
os.preadv(slow, [big], 0)  # empties the throttle bucket
writer = threading.Thread(target=run, args=("write", lambda: os.pwritev(slow, [big], 80 << 17)))
writer.start()
time.sleep(0.3)
run("read", lambda: os.preadv(fast, [small], 10 * 4096))
writer.join()
with open(res, "w") as f:
    f.write(f"{int(out['read'] != 4096)} {int(out['write'] != 128 << 10)}\n")
PY
pypid=$!
wait_until 60 test -e "$ready"
echo 500 > "$fq/io_timeout"
start=$SECONDS
timeout 30 bash -c "echo go > $go"
wait "$pypid"
read -r rc wrc < "$res" || { rc=1; wrc=1; }
rm -f "$go" "$ready" "$res"
echo "$tmo" > "$fq/io_timeout"
check "a read queued behind a WRITE holding the bus times out, is aborted, retried and completes (rc $rc, $((SECONDS - start)) s)" \
	test "$rc" = 0
check "the WRITE holding the bus completes too (rc $wrc)" test "$wrc" = 0
check "the read was taken off the start queue (orion_aborts $aborts -> $(cat "$hs/orion_aborts"))" \
	bash -c "[ \$(cat $hs/orion_aborts) -gt $aborts ] && dmesg_since_mark | grep -q 'not started, taken off the start queue'"
check "no chip or bus reset was needed" bash -c "! dmesg_since_mark | grep -q 'resetting the chip'"
check "fio verify on both disks afterwards: 0 errors" bash -c "
	fio_verify /tmp/fio-abort-0.out 8M $fast && fio_verify /tmp/fio-abort-1.out 256k $slow"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
