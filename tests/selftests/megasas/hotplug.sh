#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# PCI remove of a MegaRAID controller under load (8 commands or more in
# flight on one of its disks): fio writing to that disk
# fails (no hang) while fio verify on the other controller's disk
# passes; the removal leaves nothing behind (kernel log, kmemleak); a PCI
# rescan binds orion_megasas to the controller again and its disks pass
# fio verify.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 5
dmesg_mark

megasas_load && settle
mapfile -t hosts < <(megasas_hosts)
# Disk 1 of each (disk 2 is slowed down by QEMU for recovery.sh).
keep=$(megasas_disk_at "${hosts[0]}" 1) gone=$(megasas_disk_at "${hosts[1]}" 1)
pci=$(megasas_pci "${hosts[1]}")

remove_under_io() {
	local pid vpid vrc rc=0 t0
	fio_verify /tmp/fio-hp-keep.out 32M "$keep" > /tmp/fio-hp-keep.log 2>&1 &
	pid=$!
	timeout 180 fio --name=victim --filename="$gone" --ioengine=libaio --direct=1 --rw=randwrite \
		--bs=4k --iodepth=32 --time_based --runtime=60 --output=/tmp/fio-hp-victim.out > /dev/null 2>&1 &
	vpid=$!
	wait_inflight "$gone" 8 60 || rc=1
	t0=$SECONDS
	finishes_within 120 bash -c "echo 1 > /sys/bus/pci/devices/$pci/remove" || { echo "the remove failed or hung"; rc=1; }
	pid_within 120 "$vpid"; vrc=$?
	echo "note: the remove took $((SECONDS - t0)) s; the victim fio exited $vrc"
	case $vrc in 0|124) echo "the victim fio did not fail, or hung ($vrc)"; rc=1;; esac
	pid_within 120 "$pid" || { echo "fio verify on the other controller failed:"; cat /tmp/fio-hp-keep.log; rc=1; }
	settle
	[ "$(megasas_hosts | wc -l)" = 1 ] || { echo "hosts left: $(megasas_hosts | tr '\n' ' ')"; rc=1; }
	return $rc
}
check "PCI remove under fio: that fio fails, no hang; fio verify on the other controller passes" remove_under_io
kmemleak_check "kmemleak: no leak after the remove"
rescan() {
	echo 1 > /sys/bus/pci/rescan
	settle
	wait_until 60 bash -c '[ "$(megasas_hosts | wc -l)" = 2 ] && [ "$(megasas_disks | wc -l)" = 6 ]' ||
		{ echo "hosts $(megasas_hosts | tr '\n' ' '), disks $(megasas_disks | tr '\n' ' ')"; return 1; }
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$pci/driver")")" = orion_megasas ] ||
		{ echo "$pci is bound to $(readlink "/sys/bus/pci/devices/$pci/driver")"; return 1; }
	fio_verify /tmp/fio-hp-back.out 32M "$(megasas_disk_at "$(megasas_hosts | tail -1)" 1)"
}
check "a PCI rescan binds orion_megasas again; fio verify on the controller passes" rescan
check "the module unloads" orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
