#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The write-back cache goes with its host (issue 12, part 4): two hosts
# with unflushed data in their caches, which sd is told to see as write
# through ("temporary write through": no MODE SELECT), so that it sends no
# SYNCHRONIZE CACHE when it lets the disks go; one is hot-removed through
# debugfs and keeps its 1024 dirty pages until unload, the other unloads
# with its 1024; kmemleak then finds nothing unreferenced (pre-images, the
# logs, the background destage). A reload works.
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
# write_through H: sd of host H's disk sees no write cache from now on.
write_through() { echo "temporary write through" > "/sys/class/scsi_disk/$1:0:0:0/cache_type"; }
remove_dirty() {
	write_through "${hosts[1]}" || return 1
	echo 1 > "/sys/kernel/debug/orion_scsi/host${hosts[1]}/remove" || return 1
	settle
	[ ! -e "/sys/class/scsi_host/host${hosts[1]}" ] || return 1
	# The host's data, and its cache, stay until unload.
	echo "note: host${hosts[1]}: $(dirty "${hosts[1]}") dirty pages after the remove"
	[ "$(dirty "${hosts[1]}")" = 1024 ]
}
check "a host with 1024 dirty pages is removed through debugfs; they stay dirty" remove_dirty
dirty_unload() {
	write_through "${hosts[0]}" && settle || return 1
	[ "$(dirty "${hosts[0]}")" = 1024 ] && [ "$(dirty "${hosts[1]}")" = 1024 ] || return 1
	orion_unload
}
check "the module unloads with 2048 dirty pages in the two caches" dirty_unload
kmemleak_check "kmemleak: no leak after the remove and the unload"
reload() {
	orion_load virt_targets=1 virt_capacity_mb=32 && settle || return 1
	# shellcheck disable=SC2046 # one argument per disk
	fio_verify /tmp/fio-wcache-reload.out 8M $(virt_disks) && orion_unload && dmesg_clean
}
check "a reload works (fio verify); kernel log has no warning or oops" reload
ktap_finished
