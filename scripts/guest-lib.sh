# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts that run inside the VM.
# shellcheck shell=bash

# wait_until SECONDS command...: runs the command every 0.2 s until it
# succeeds (status 0) or SECONDS have passed (status 1).
wait_until() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# wait_inflight DISK N SECS: returns as soon as N commands or more are in
# flight on DISK (builtins only, so that what the caller does next finds
# them still there); fails after SECS seconds, or at once when DISK has no
# inflight file (no such disk).
wait_inflight() {
	local r w end=$((SECONDS + $3)) f=/sys/block/${1#/dev/}/inflight
	if [ -z "${1#/dev/}" ] || [ ! -r "$f" ]; then echo "no disk '$1'"; return 1; fi
	while read -r r w < "$f" && [ $((r + w)) -lt "$2" ]; do
		[ $SECONDS -lt $end ] || { echo "not $2 commands in flight on $1 within $3 s"; return 1; }
		sleep 0.02
	done
	[ -r "$f" ] || { echo "$1 went away"; return 1; }
}

# pid_within SECS PID: the exit status of background job PID, or 124 when
# it is still running after SECS seconds. Unlike `timeout`, this returns
# even when the job is stuck in an uninterruptible sleep (a hang in the
# kernel), which no signal ends.
pid_within() {
	local end=$((SECONDS + $1))
	while kill -0 "$2" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 124
		sleep 0.2
	done
	wait "$2"
}

# finishes_within SECS COMMAND...: COMMAND's status, or 124 (see pid_within).
finishes_within() {
	local secs=$1; shift
	"$@" &
	pid_within "$secs" $!
}

# debugfs_mount: debugfs on /sys/kernel/debug (orion's per-host files).
debugfs_mount() { mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug; }

# Waits for the kernel to finish attaching disks after a load or scan.
settle() { udevadm settle 2>/dev/null || sleep 1; }

# host_disk PROC_NAME: the first disk (/dev/sdX) of the first SCSI host
# whose proc_name is PROC_NAME.
host_disk() {
	local h d
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name")" = "$1" ] || continue
		# By H:C:T:L, not under the host's device: a SAS host's targets
		# hang under its ports' end devices.
		for d in /sys/class/scsi_disk/"${h##*/host}":*; do
			find "$d"/device/block/ -mindepth 1 -maxdepth 1 2>/dev/null
		done | sed 's|.*/|/dev/|' | sort | head -1
		return
	done
}

# release_pci_driver DRIVER: unbinds the C driver DRIVER (built in or a
# module) from every device it drives, so orion_scsi can take them.
release_pci_driver() {
	local d
	for d in /sys/bus/pci/drivers/"$1"/0000:*; do
		[ -e "$d" ] && echo "${d##*/}" > "/sys/bus/pci/drivers/$1/unbind"
	done
	return 0
}

# release_megaraid_sas: hands every MegaRAID controller to orion_scsi.
release_megaraid_sas() { release_pci_driver megaraid_sas; }

# release_sym53c8xx: hands every LSI 53C8xx chip to orion_scsi.
release_sym53c8xx() { release_pci_driver sym53c8xx; }
