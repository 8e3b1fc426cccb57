# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts that run inside the VM.
# shellcheck shell=bash

# host_disk PROC_NAME: the first disk (/dev/sdX) of the first SCSI host
# whose proc_name is PROC_NAME.
host_disk() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name")" = "$1" ] || continue
		find "$h"/device/target*/*/block/ -mindepth 1 -maxdepth 1 2>/dev/null |
			sed 's|.*/|/dev/|' | sort | head -1
		return
	done
}

# release_megaraid_sas: unbinds the built-in megaraid_sas from every
# controller so orion_scsi can take them.
release_megaraid_sas() {
	local d
	for d in /sys/bus/pci/drivers/megaraid_sas/0000:*; do
		[ -e "$d" ] && echo "${d##*/}" > /sys/bus/pci/drivers/megaraid_sas/unbind
	done
	return 0
}
