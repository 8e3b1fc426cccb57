#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# eh_abort through ABORT_TASK. QEMU throttles the disk on phy 1 to 64 KiB/s
# (vm.conf), so a 4 KiB read issued right after a 256 KiB one waits about
# 4 s inside "the IOC". With a 1 s command timeout the midlayer asks the
# driver to abort it: ABORT_TASK with the request's context goes through
# the request FIFO; QEMU cancels the request, answers it TASK_TERMINATED
# (its slot is freed, the timed-out command stays parked) and then the task
# management request. So the abort succeeds (orion_aborts rises, no IOC
# reset), the command goes back to the midlayer once, is retried and
# completes, and the IOC keeps working.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 7
dmesg_mark

udev_skip_blkid
mptsas_load && settle
h=$(mptsas_hosts | head -1); hs=/sys/class/scsi_host/host$h
fast=$(sas_disk_on_phy "$h" 0); slow=$(sas_disk_on_phy "$h" 1)
check "QEMU throttles the disk on phy 1 ($slow) so a command can wait seconds in the IOC" \
	throttled_disk "$slow"
sleep 5   # the throttle bucket drains
aborts=$(cat "$hs/orion_aborts"); resets=$(cat "$hs/orion_resets")
dmesg_mark "mptsas abort"
held_read "$slow" 256k "/sys/block/${slow#/dev/}/device/timeout" 1
check "a read held past its 1 s timeout is aborted, retried and completes (rc $held_rc, $held_s s)" \
	test "$held_rc" = 0
check "eh_abort sent ABORT_TASK and it succeeded (orion_aborts $aborts -> $(cat "$hs/orion_aborts"), log)" \
	bash -c "[ \$(cat $hs/orion_aborts) -gt $aborts ] && dmesg_since_mark | grep -q 'abort of tag [0-9]*: done' &&
	! dmesg_since_mark | grep -qE 'not accepted|AbortTask failed'"
check "no IOC reset was needed (orion_resets $resets -> $(cat "$hs/orion_resets"))" \
	test "$(cat "$hs/orion_resets")" = "$resets"
check "the throttled disk reads and writes afterwards" rw_ok "$slow"
check "fio verify on the disk on phy 0 afterwards: 0 errors" fio_verify /tmp/fio-mpt-abort.out 8M "$fast"
settle
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
