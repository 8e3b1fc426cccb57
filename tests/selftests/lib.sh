# Sourced by the VM test programs: KTAP output through the kernel's own
# kselftest helpers, plus small orion_scsi helpers.
# shellcheck shell=bash
: "${ORION_TOP:?}" "${KERNEL_SRC:?}"
. "$KERNEL_SRC/tools/testing/selftests/kselftest/ktap_helpers.sh"

ORION_KO=$ORION_TOP/orion_scsi.ko

# check "description" command...: one KTAP result from a command's status.
# On failure the command's output is shown as KTAP diagnostics.
check() {
	local desc=$1 out; shift
	if out=$("$@" 2>&1); then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
		printf '%s\n' "$out" | tail -15 | sed 's/^/# /'
	fi
}

# Fails the test when the kernel log, since the last call, has a splat.
dmesg_mark() { dmesg --clear 2>/dev/null || true; }
dmesg_clean() {
	! dmesg | grep -Eq '(BUG:|Oops|WARNING:|KASAN:|UBSAN:|general protection|RUST PANIC|panicked at|circular locking)'
}

orion_loaded() { [ -d /sys/module/orion_scsi ]; }
orion_unload() { ! orion_loaded || rmmod orion_scsi; }
orion_load() { orion_unload && insmod "$ORION_KO" "$@"; }

# Waits for the kernel to finish attaching disks after a load or scan.
settle() { udevadm settle 2>/dev/null || sleep 1; }

# Counts the orion_virt disks lsscsi lists.
virt_disk_count() { lsscsi -H | awk '$2 == "orion_virt" { print substr($1, 2, length($1) - 2) }' |
	while read -r h; do lsscsi "$h:*:*:*"; done | grep -c disk; }

# The block devices of orion_virt hosts, one per line (/dev/sdX).
virt_disks() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ -e "$h/proc_name" ] && [ "$(cat "$h/proc_name")" = orion_virt ] || continue
		ls -d "$h"/device/target*/*/block/* 2>/dev/null | sed 's|.*/|/dev/|'
	done | sort
}

# sg device of the first orion_virt disk.
virt_sg() {
	local d
	d=$(virt_disks | head -1)
	ls "/sys/block/${d#/dev/}/device/scsi_generic" | sed 's|^|/dev/|'
}

debugfs_mount() { mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug; }
