#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A forced MegaRAID abort through eh_abort, on both models. QEMU throttles
# disk 1 of each controller to 64 KiB/s (vm.conf), so a 4 KiB read issued
# right after a 256 KiB one waits about 4 s inside "the firmware". With a
# 1 s command timeout it times out there and the midlayer asks the driver
# to abort it: the driver sends MFI ABORT. QEMU's megasas cancels the
# request synchronously (scsi_req_cancel -> blk_aio_cancel): the write that
# posts the abort frame returns only once the throttled request has been
# dispatched; the victim frame then completes with SCSI_IO_FAILED, before
# the abort frame completes with status OK. So the abort must succeed
# (orion_aborts rises, no controller reset), the read be retried and
# complete, nothing hang, and the controller keep working.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 17
dmesg_mark

udev_skip_blkid
megasas_load && settle
mapfile -t hosts < <(megasas_hosts)
check "two controllers, both behind the IOMMU" \
	bash -c "[ ${#hosts[@]} = 2 ] && megasas_behind_iommu ${hosts[*]}"

for h in "${hosts[@]}"; do
	hs=/sys/class/scsi_host/host$h
	model=$(cat "$hs/orion_model")
	fast=$(megasas_disk_at "$h" 0); slow=$(megasas_disk_at "$h" 1)
	dev=/sys/block/${slow#/dev/}/device
	check "$model: QEMU throttles disk 1 ($slow) so a command can wait seconds in the firmware" throttled_disk "$slow"
	sleep 5   # the throttle bucket drains
	aborts=$(cat "$hs/orion_aborts"); resets=$(cat "$hs/orion_resets")
	dmesg_mark "megasas eh test on $model"
	held_read "$slow" 256k "$dev/timeout" 1
	check "$model: a read held past its 1 s timeout is aborted, retried and completes, no hang (rc $held_rc, $held_s s)" \
		test "$held_rc" = 0
	check "$model: eh_abort sent MFI ABORT (orion_aborts $aborts -> $(cat "$hs/orion_aborts"))" \
		test "$(cat "$hs/orion_aborts")" -gt "$aborts"
	check "$model: the kernel log shows the abort" bash -c "dmesg_since_mark | grep -i 'abort'"
	check "$model: the abort succeeded, no controller reset was needed (orion_resets $resets -> $(cat "$hs/orion_resets"))" \
		test "$(cat "$hs/orion_resets")" = "$resets"
	check "$model: the throttled disk reads and writes afterwards" rw_ok "$slow"
	check "$model: fio verify on disk 0 afterwards: 0 errors" fio_verify "/tmp/fio-abort-$h.out" 8M "$fast"
	check "$model: kernel log has no warning or oops" dmesg_clean
done
settle   # udev reads the throttled disks after the writes
orion_unload
ktap_finished
