#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Data integrity through orion_lsi: fio crc32c verify (random writes, QD32,
# two jobs) on two disks of the two chips at once, a 128 KiB sequential
# verify, and ext4 across a remount.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 5
dmesg_mark

lsi_load && settle
mapfile -t hosts < <(lsi_hosts)
d1=$(disk_at "${hosts[0]}" 0); d2=$(disk_at "${hosts[1]}" 2)
check "fio verify on two disks of both chips at once (QD32, 2 jobs each): 0 errors" \
	fio_verify /tmp/fio-l1.out 8M "$d1" "$d2"
check "128 KiB sequential write + verify: 0 errors" \
	fio_verify --bs 128k /tmp/fio-l2.out 16M "$(disk_at "${hosts[0]}" 2)"
m=$(mktemp -d)
check "ext4: mkfs, write 8 MiB, remount, same sha256, fsck clean" bash -c "
	mkfs.ext4 -q -F $d1 && mount $d1 $m &&
	dd if=/dev/urandom of=$m/f bs=1M count=8 status=none && sum=\$(sha256sum < $m/f) &&
	umount $m && mount $d1 $m && [ \"\$(sha256sum < $m/f)\" = \"\$sum\" ] && umount $m &&
	fsck.ext4 -n -f $d1 >/dev/null"
check "per-device statistics counted the I/O (reads, writes, bytes)" bash -c "
	s=/sys/block/${d1#/dev/}/device
	[ \$(cat \$s/orion_reads) -gt 0 ] && [ \$(cat \$s/orion_writes) -gt 0 ] &&
	[ \$(cat \$s/orion_write_bytes) -ge 8388608 ]"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
