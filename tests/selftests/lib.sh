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

# MegaRAID (orion_megasas) helpers. The reference kernel has megaraid_sas
# built in and it binds the controllers at boot: release_megaraid_sas (from
# scripts/guest-lib.sh) hands them over first.
. "$ORION_TOP/scripts/guest-lib.sh"

# Host numbers of orion_megasas hosts, one per line.
megasas_hosts() {
	local h
	for h in /sys/class/scsi_host/host*; do
		[ "$(cat "$h/proc_name" 2>/dev/null)" = orion_megasas ] && echo "${h##*host}"
	done
}

# Block devices of orion_megasas hosts (optionally of host $1), sorted.
megasas_disks() {
	local h
	for h in ${1:-$(megasas_hosts)}; do
		ls -d /sys/class/scsi_host/host$h/device/target*/*/block/* 2>/dev/null | sed 's|.*/|/dev/|'
	done | sort
}

# sg device of a block device.
sg_of() { ls "/sys/block/${1#/dev/}/device/scsi_generic" | sed 's|^|/dev/|'; }

# PCI address of host $1.
megasas_pci() { basename "$(readlink -f /sys/class/scsi_host/host$1/device/..)"; }

# Writes 32-bit $3 at register offset $2 of the controller at PCI address $1
# (through its register BAR's sysfs resource file).
megasas_reg_write() {
	python3 - "$@" <<'PY'
import mmap, os, struct, sys
pci, off, val = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
dev = open(f'/sys/bus/pci/devices/{pci}/device').read().strip()
bar = 0 if dev == '0x0060' else 1
fd = os.open(f'/sys/bus/pci/devices/{pci}/resource{bar}', os.O_RDWR | os.O_SYNC)
m = mmap.mmap(fd, 4096)
m[off:off + 4] = struct.pack('<I', val)
PY
}

# fio_verify OUT SIZE DISK...: random 4k writes then crc32c verify, QD32 and
# two jobs per disk (each on its own region); passes on zero errors.
fio_verify() {
	local out=$1 size=$2 args=() d; shift 2
	for d in "$@"; do args+=(--name="${d##*/}" --filename="$d"); done
	fio --ioengine=libaio --direct=1 --rw=randwrite --bs=4k --size="$size" --iodepth=32 \
		--numjobs=2 --offset_increment=64M --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--verify_state_save=0 --randrepeat=0 --group_reporting --output="$out" "${args[@]}" &&
		grep -q 'err= 0' "$out" && ! grep -q 'verify:' "$out"
}

megasas_load() { orion_unload && release_megaraid_sas && insmod "$ORION_KO" virt_adapters=0 "$@"; }
# The helpers are also used inside `bash -c` checks.
export ORION_KO
export -f fio_verify orion_loaded orion_unload release_megaraid_sas megasas_hosts megasas_disks sg_of megasas_pci megasas_load

# The body of the megasas_msi and megasas_intx groups: QEMU offers fewer
# interrupt kinds, the driver picks the expected one by itself ($1: MSI or
# INTx), and data stays intact on all disks.
megasas_irq_fallback_test() {
	local mode=$1
	ktap_print_header
	ktap_set_plan 3
	dmesg_mark
	megasas_load && settle
	check "both hosts use $mode" bash -c "[ \$(megasas_hosts | wc -l) = 2 ] &&
		for h in \$(megasas_hosts); do [ \$(cat /sys/class/scsi_host/host\$h/orion_irq_mode) = $mode ] || exit 1; done"
	check "fio verify on all four disks (QD32, 2 jobs each): 0 errors" \
		fio_verify "/tmp/fio-$mode.out" 32M $(megasas_disks)
	orion_unload
	check "kernel log has no warning or oops" dmesg_clean
	ktap_finished
}
