#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Resets through sg_reset (device, target, bus, host), idle and with fio
# verify running: each reset returns every outstanding command exactly once
# (retried by the midlayer), the data stays intact, the bus is usable
# afterwards, and the reset counter rises.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 11
dmesg_mark

lsi_load && settle
h=$(lsi_hosts | head -1); hs=/sys/class/scsi_host/host$h
d=$(disk_at "$h" 0); sg=$(sg_of "$d")
# Device and target resets send BUS DEVICE RESET, bus and host resets
# reset the chip and the bus.
for kind in d t b H; do
	case $kind in
	d | t) how="BUS DEVICE RESET to target 0" ;;
	*) how="resetting the chip and the SCSI bus" ;;
	esac
	dmesg_mark "lsi idle sg_reset -$kind"
	check "idle sg_reset -$kind succeeds ($how), the disk answers" bash -c "
		before=\$(cat $hs/orion_resets)
		sg_reset -$kind $sg || exit 1
		sg_turs -n 3 $sg >/dev/null 2>&1
		sg_turs $sg && [ \$(cat $hs/orion_resets) -gt \$before ] &&
			dmesg_since_mark | grep -q '$how'"
done
# QEMU's lsi serves READs asynchronously (they disconnect) but a WRITE
# holds the bus until it is done: the disk is filled first and the reset
# lands during a read-and-verify load with 16 or more commands outstanding
# on the disk QEMU serves at 250 IOPS (scsi-id 5).
d=$(disk_at "$h" 5); sg=$(sg_of "$d")
for kind in d t b H; do
	check "sg_reset -$kind during fio read verify: 0 errors, nothing left to time out (max latency < sg_reset time + 5 s)" \
		io_reset_during_fio "$kind" "$sg" "/tmp/fio-lsi-$kind.out" 2M "$d" read
done
check "the device and target resets during I/O sent BUS DEVICE RESET to target 5" bash -c "
	[ \$(dmesg_since_mark | grep -c 'BUS DEVICE RESET to target 5') -ge 2 ]"
check "I/O works after the resets" \
	bash -c "dd if=$d of=/dev/null bs=64k count=64 iflag=direct status=none"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
