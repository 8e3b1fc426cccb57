#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Data through orion_mptsas: fio crc32c verify at QD32 with two jobs on two
# disks (targets 0 and 1), 128k sequential, the largest requests (SG lists
# chained into the slot's chain buffers), the LUN 1 disk; an ext4 round
# trip; a host reset (sg_reset) and an IOC FAULT recovered by the health
# check, both with I/O working after and the SAS fabric read again.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 10
dmesg_mark

mptsas_load && settle
h=$(mptsas_hosts | head -1); sysh=/sys/class/scsi_host/host$h
d0=$(sas_disk_on_phy "$h" 0) d1=$(sas_disk_on_phy "$h" 1) d3=$(sas_disk_on_phy "$h" 3)
lun1=$(sas_disk_on_phy "$h" 0 1)
fabric=$(sas_fabric "$h")
check "fio verify, 4k random, on targets 0 and 1 (QD32, 2 jobs each): 0 errors" \
	fio_verify /tmp/fio-mpt-rand.out 8M "$d0" "$d1"
check "fio verify, 128k sequential, on target 3: 0 errors" \
	fio_verify --seq --bs 128k /tmp/fio-mpt-seq.out 16M "$d3"
chained=$(cat "$sysh/orion_chained_requests")
# 15M: a whole number of 480k blocks, so the jobs' regions do not overlap.
check "fio verify, 480k sequential (chained SG lists), on the LUN 1 disk: 0 errors" \
	fio_verify --seq --bs 480k /tmp/fio-mpt-big.out 15M "$lun1"
check "requests with chained SG lists were sent (orion_chained_requests moved)" \
	bash -c "[ \$(cat $sysh/orion_chained_requests) -gt $chained ]"

m=$(mktemp -d)
check "ext4 round trip on target 1: written files read back identical after a remount" bash -c "
	mkfs.ext4 -q -F $d1 && mount $d1 $m &&
	head -c 16M /dev/urandom > /tmp/mpt-src && cp /tmp/mpt-src $m/a && mkdir $m/dir &&
	for i in \$(seq 1 50); do echo \$i > $m/dir/f\$i; done && umount $m &&
	mount $d1 $m && cmp /tmp/mpt-src $m/a && [ \$(cat $m/dir/f50) = 50 ] && umount $m"

resets=$(cat "$sysh/orion_resets")
check "sg_reset --host: the IOC is reset (orion_resets moved) and reads work after" bash -c "
	sg_reset --host $(sg_of "$d0") && [ \$(cat $sysh/orion_resets) -gt $resets ] &&
	dd if=$d0 of=/dev/null bs=64k count=64 iflag=direct status=none"
# One reply frame more than the free FIFO holds (128, all posted): QEMU
# faults the IOC (INSUFFICIENT_RESOURCES); the health check recovers it.
pci=$(megasas_pci "$h")
megasas_reg_write "$pci" 0x44 0x1000
check "an IOC FAULT is found and recovered by the health check (orion_faults 1)" \
	wait_until 20 bash -c "[ \$(cat $sysh/orion_faults) = 1 ] && [ \$(cat $sysh/orion_ioc_state) = Operational ]"
check "fio verify after the recovery: 0 errors" fio_verify /tmp/fio-mpt-after.out 4M "$d0"
# The resets mark the fabric stale; the health check reads it again and
# keeps every end device (same addresses, same block devices).
check "the SAS fabric is read again after the resets and unchanged" bash -c "
	wait_until 5 bash -c 'dmesg_since_mark | grep -q \"SAS fabric read again: 3 end devices, 0 changed\"' &&
	! dmesg_since_mark | grep -q 'SAS topology' && [ \"\$(sas_fabric $h)\" = '$fabric' ] && [ \$(sas_disk_on_phy $h 3) = $d3 ]"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
