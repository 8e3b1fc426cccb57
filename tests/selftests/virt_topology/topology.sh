#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Module parameters give exactly the hosts, targets and LUNs asked for, with
# the right sizes and block sizes; bad values are refused with a message.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

ktap_print_header
ktap_set_plan 20
dmesg_mark

# load PARAMS...; then expect HOSTS DISKS
topology_is() {
	local want_hosts=$1 want_disks=$2
	[ "$(lsscsi -H | grep -c orion_virt)" = "$want_hosts" ] && [ "$(virt_disks | wc -l)" = "$want_disks" ]
}

orion_load && settle
check "defaults: 1 orion_virt host with 2 disks" topology_is 1 2
d=$(virt_disks | head -1)
check "defaults: 256 MiB of 512-byte blocks" \
	test "$(cat "/sys/block/${d#/dev/}/size")" = 524288 -a "$(cat "/sys/block/${d#/dev/}/queue/logical_block_size")" = 512
check "defaults: vendor ORION, model VIRTUAL DISK" \
	bash -c "lsscsi | grep -q 'ORION    VIRTUAL DISK'"

orion_load virt_adapters=2 virt_targets=4 virt_luns=2 virt_capacity_mb=64 virt_block_size=4096 && settle
check "2x4x2: 2 hosts, 16 disks" topology_is 2 16
d=$(virt_disks | tail -1)
check "4096-byte blocks reported by sd" test "$(cat "/sys/block/${d#/dev/}/queue/logical_block_size")" = 4096
check "64 MiB capacity" test "$(cat "/sys/block/${d#/dev/}/size")" = 131072
check "LUN 1 of target 3 exists" bash -c "lsscsi | grep -qE '\\[[0-9]+:0:3:1\\]'"
unique_vpd() {  # page: every disk has one, and no two are equal
	local u f
	u=$(for f in /sys/class/scsi_disk/*/device/"vpd_pg$1"; do od -An -tx1 "$f" | tr -d ' \n'; echo; done | sort -u | wc -l)
	[ "$u" = 16 ] && [ "$(find /sys/class/scsi_disk/ -mindepth 1 -maxdepth 1 | wc -l)" = 16 ]
}
check "unique serials (VPD 0x80) on all 16 disks" unique_vpd 80
check "unique NAA designators (VPD 0x83) on all 16 disks" unique_vpd 83

# The maximum: the midlayer scans all 1024 LUNs, but sd binds only the
# last one (by hand). sd and udev on 1024 disks took 3.5 minutes of the
# suite and test sd and udev, not the adapter; the 16-disk case above
# has sd on every disk.
echo 0 > /sys/bus/scsi/drivers_autoprobe
orion_load virt_adapters=8 virt_targets=16 virt_luns=8 virt_capacity_mb=1 && settle
max_topology() {
	[ "$(lsscsi -H | grep -c orion_virt)" = 8 ] && [ "$(lsscsi | grep -c 'ORION    VIRTUAL DISK')" = 1024 ]
}
luns_per_host() {
	local h
	for h in $(lsscsi -H | awk '$2 == "orion_virt" { gsub(/[][]/, "", $1); print $1 }'); do
		lsscsi "$h:*:*:*" | grep -c disk
	done | sort -u
}
check "maximum 8x16x8: 8 hosts, 1024 LUNs, each a disk" max_topology
check "each maximum host has 128 LUNs" test "$(luns_per_host)" = 128
last=$(lsscsi | awk '/ORION    VIRTUAL DISK/ { gsub(/[][]/, "", $1); print $1 }' | sort -t: -k1,1n -k3,3n -k4,4n | tail -1)
echo "$last" > /sys/bus/scsi/drivers/sd/bind && settle
check "the last LUN ($last) is a 1 MiB disk once sd binds it" \
	test "$(cat /sys/class/scsi_device/"$last"/device/block/*/size 2>/dev/null)" = 2048
orion_unload
echo 1 > /sys/bus/scsi/drivers_autoprobe

orion_load virt_adapters=0 && settle
check "virt_adapters=0 loads with no virtual host" topology_is 0 0
orion_unload
check "kernel log has no warning or oops" dmesg_clean

# Bad values: the load fails and the log names the parameter.
refused() {
	local param=$1; shift
	dmesg_mark "virt_topology: $*"
	! insmod "$ORION_KO" "$@" 2>/dev/null && dmesg_since_mark | grep -q "invalid $param" && ! orion_loaded
}
check "virt_targets=17 refused" refused virt_targets virt_targets=17
check "virt_luns=0 refused" refused virt_luns virt_luns=0
check "virt_block_size=1024 refused" refused virt_block_size virt_block_size=1024
check "virt_adapters=9 refused" refused virt_adapters virt_adapters=9
check "queue_depth above max_queue_depth refused" refused queue_depth queue_depth=64 max_queue_depth=32
check "max_queue_depth=257 refused" refused max_queue_depth max_queue_depth=257
ktap_finished
