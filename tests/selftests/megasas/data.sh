#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Data integrity through orion_megasas: fio crc32c verify (random writes,
# QD32, two jobs per disk) on a disk of each controller at once, a forced
# INTx run on an MSI-X capable controller, and ext4 mkfs + fsck.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 6
dmesg_mark

megasas_load && settle
mapfile -t hosts < <(megasas_hosts)
# Disk 1 of each (disk 2 is slowed down by QEMU for recovery.sh).
d1=$(megasas_disk_at "${hosts[0]}" 1); d2=$(megasas_disk_at "${hosts[1]}" 1)
check "fio verify on both controllers at once (QD32, 2 jobs each): 0 errors" fio_verify /tmp/fio-m1.out 16M "$d1" "$d2"
check "fio 128k sequential verify: 0 errors" bash -c "fio --name=seq --filename=$d1 --ioengine=libaio --direct=1 \
	--rw=write --bs=128k --size=32M --iodepth=16 --verify=crc32c --verify_fatal=1 --output=/tmp/fio-m2.out 2>/tmp/fio-m2.err &&
	grep -q 'err= 0' /tmp/fio-m2.out && ! grep -h verify: /tmp/fio-m2.out /tmp/fio-m2.err"

m=$(mktemp -d)
check "mkfs.ext4, mount, write, umount, fsck clean" bash -c "
	mkfs.ext4 -q -F $d2 && mount $d2 $m && dd if=/dev/urandom of=$m/f bs=1M count=32 status=none &&
	sha=\$(sha256sum < $m/f) && umount $m && mount $d2 $m && [ \"\$(sha256sum < $m/f)\" = \"\$sha\" ] &&
	umount $m && fsck.ext4 -fn $d2"
orion_unload

megasas_load megasas_irq=3 && settle
check "megasas_irq=3 forces INTx" bash -c "for h in \$(megasas_hosts); do [ \$(cat /sys/class/scsi_host/host\$h/orion_irq_mode) = INTx ] || exit 1; done"
check "fio verify under forced INTx: 0 errors" fio_verify /tmp/fio-m3.out 16M "$(megasas_disks | head -1)"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
