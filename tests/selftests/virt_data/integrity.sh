#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Data integrity: fio random writes with crc32c verify on several LUNs at
# once (several jobs, queue depth 32), and ext4 mkfs + mount + write + fsck.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 7
dmesg_mark

orion_load virt_targets=2 virt_luns=2 virt_capacity_mb=128 && settle
mapfile -t disks < <(virt_disks)
check "4 disks present" test "${#disks[@]}" = 4

check "fio 4k randwrite+verify crc32c, QD32, 2 jobs x 4 LUNs: 0 errors" \
	fio_verify /tmp/fio-4k.out 32M "${disks[@]}"
orion_load virt_targets=2 virt_luns=2 virt_capacity_mb=128 virt_doorbell=1 && settle
mapfile -t disks < <(virt_disks)
check "with doorbell batching: fio 64k randwrite+verify crc32c, QD32, 2 jobs x 2 LUNs: 0 errors" \
	fio_verify --bs 64k /tmp/fio-64k.out 32M "${disks[0]}" "${disks[3]}"

d=${disks[1]}
check "mkfs.ext4 on an orion disk" mkfs.ext4 -q -F "$d"
m=$(mktemp -d)
check "mount, write 20 MiB, umount, remount, contents intact" bash -c "mount $d $m &&
	dd if=/dev/urandom of=$m/f bs=1M count=20 status=none && sha1sum $m/f > /tmp/sum && sync &&
	umount $m && mount $d $m && sha1sum -c /tmp/sum >/dev/null && umount $m"
check "fsck.ext4 -fn: clean" fsck.ext4 -fn "$d"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
