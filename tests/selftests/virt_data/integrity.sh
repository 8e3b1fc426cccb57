#!/usr/bin/env bash
# Data integrity: fio random writes with crc32c verify on several LUNs at
# once (several jobs, queue depth 32), and ext4 mkfs + mount + write + fsck.
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6

orion_load virt_targets=2 virt_luns=2 virt_capacity_mb=128 && settle
mapfile -t disks < <(virt_disks)
check "4 disks present" test "${#disks[@]}" = 4

fio_verify() {  # bs disk...
	local bs=$1 args=() i=0 d; shift
	for d in "$@"; do args+=(--name=j$i --filename="$d"); i=$((i + 1)); done
	fio --ioengine=libaio --direct=1 --rw=randwrite --bs="$bs" --size=32M --iodepth=32 \
		--numjobs=2 --verify=crc32c --verify_fatal=1 --do_verify=1 --randrepeat=0 \
		--offset_increment=48M --group_reporting --output=/tmp/fio.out "${args[@]}" &&
	grep -q 'err= 0' /tmp/fio.out && ! grep -qi 'verify:.*bad\|crc32c.*mismatch' /tmp/fio.out
}
check "fio 4k randwrite+verify crc32c, QD32, 2 jobs x 4 LUNs: 0 errors" fio_verify 4k "${disks[@]}"
orion_load virt_targets=2 virt_luns=2 virt_capacity_mb=128 virt_doorbell=1 && settle
mapfile -t disks < <(virt_disks)
check "with doorbell batching: fio 64k randwrite+verify crc32c, QD32, 2 jobs x 2 LUNs: 0 errors" \
	fio_verify 64k "${disks[0]}" "${disks[3]}"

d=${disks[1]}
check "mkfs.ext4 on an orion disk" mkfs.ext4 -q -F "$d"
m=$(mktemp -d)
check "mount, write 20 MiB, umount, remount, contents intact" bash -c "mount $d $m &&
	dd if=/dev/urandom of=$m/f bs=1M count=20 status=none && sha1sum $m/f > /tmp/sum && sync &&
	umount $m && mount $d $m && sha1sum -c /tmp/sum >/dev/null && umount $m"
check "fsck.ext4 -fn: clean" fsck.ext4 -fn "$d"
orion_unload
ktap_finished
