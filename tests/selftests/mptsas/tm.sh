#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Task management: sg_reset device, target and bus resets become
# LOGICAL_UNIT_RESET, TARGET_RESET and RESET_BUS through the request FIFO,
# idle and with commands in flight (QEMU terminates them first; they are
# completed once, for retry at once), data intact, no IOC reset needed.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 8
dmesg_mark

mptsas_load && settle
# The disk on phy 3: QEMU serves it at 1000 IOPS (250 on the debug kernel;
# vm.conf), so fio at QD32
# keeps commands in flight, waiting in "the IOC", when a reset lands.
h=$(mptsas_hosts | head -1); d=$(sas_disk_on_phy "$h" 3); sg=$(sg_of "$d")
hs=/sys/class/scsi_host/host$h
declare -A what=([d]="LogicalUnitReset: done" [t]="TargetReset: done" [b]="RESET_BUS of channel 0: done")
for kind in d t b; do
	check "idle sg_reset -$kind: task management (${what[$kind]%%:*}) done, orion_resets moved, the disk answers" \
		bash -c "before=\$(cat $hs/orion_resets)
			sg_reset -$kind $sg || { echo 'sg_reset -$kind failed'; exit 1; }
			sg_turs -n 3 $sg >/dev/null 2>&1
			sg_turs $sg && [ \$(cat $hs/orion_resets) -gt \$before ] &&
			dmesg_since_mark | grep -q '${what[$kind]}'"
done
for kind in d t b; do
	check "sg_reset -$kind with commands in flight: completed or retried at once, fio verify 0 errors" \
		io_reset_during_fio "$kind" "$sg" "/tmp/fio-tm-$kind.out" 2M "$d"
done
check "no IOC reset was needed (task management only)" \
	bash -c "! dmesg_since_mark | grep -q 'resetting the controller'"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
