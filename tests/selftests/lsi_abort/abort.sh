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
#    meanwhile waits in the start queue and times out (0.5 s); the
#    midlayer's abort work asks for an abort while the WRITE still runs:
#    the driver stops the SCRIPTS (they stop once the WRITE is done) and
#    takes the read off the start queue. Both complete.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 11
dmesg_mark

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
dd if="$slow" of=/dev/null bs=128k count=1 iflag=direct status=none
echo 500 > "$fq/io_timeout"
start=$SECONDS
timeout 120 dd if=/dev/zero of="$slow" bs=128k count=1 seek=80 oflag=direct status=none &
wpid=$!
sleep 0.3
echo "# note: the WRITE holds the bus: disk 1 inflight $(cat "/sys/block/${slow#/dev/}/inflight")"
timeout 120 dd if="$fast" of=/dev/null bs=4k count=1 skip=10 iflag=direct status=none
rc=$?
wait "$wpid"; wrc=$?
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
