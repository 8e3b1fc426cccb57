#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The write-back cache goes with its host (issue 12, part 4): two hosts
# with unflushed data in their caches; one is hot-removed through debugfs
# while its cache is dirty, the other is cut off (its disks fail I/O) and
# the module unloads; kmemleak then finds nothing unreferenced (pre-images,
# the logs, the background destage). A reload works.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 5
dmesg_mark

sectors=$ORION_TOP/tests/selftests/wcache_sectors.py
orion_load virt_adapters=2 virt_targets=1 virt_capacity_mb=32 write_back_delay_ms=600000 && settle
debugfs_mount
mapfile -t hosts < <(hba_hosts orion_virt)
dirty() { awk '$1 == "dirty_pages" { print $2 }' "/sys/kernel/debug/orion_scsi/host$1/write_cache"; }

both_dirty() {
	local h
	for h in "${hosts[@]}"; do
		# A flushed baseline, so that the pre-images are copies.
		python3 "$sectors" write "$(disk_at "$h" 0)" 1 0 8192 fsync || return 1
		python3 "$sectors" write "$(disk_at "$h" 0)" 2 0 8192 || return 1
		echo "note: host$h: $(dirty "$h") dirty pages"
		[ "$(dirty "$h")" = 1024 ] || return 1
	done
}
check "both hosts hold 4 MiB of unflushed writes" both_dirty
remove_dirty() {
	echo 1 > "/sys/kernel/debug/orion_scsi/host${hosts[1]}/remove" || return 1
	settle
	[ ! -e "/sys/class/scsi_host/host${hosts[1]}" ]
}
check "a host with a dirty cache is removed through debugfs" remove_dirty
off_unload() {
	echo off > "/sys/kernel/debug/orion_scsi/host${hosts[0]}/power" &&
		! dd if="$(disk_at "${hosts[0]}" 0)" of=/dev/null bs=4k count=1 iflag=direct status=none 2> /dev/null &&
		orion_unload
}
check "the other host, off (I/O fails), unloads with the module" off_unload
kmemleak_check "kmemleak: no leak after the remove and the unload"
reload() {
	orion_load virt_targets=1 virt_capacity_mb=32 && settle || return 1
	# shellcheck disable=SC2046 # one argument per disk
	fio_verify /tmp/fio-wcache-reload.out 8M $(virt_disks) && orion_unload && dmesg_clean
}
check "a reload works (fio verify); kernel log has no warning or oops" reload
ktap_finished
