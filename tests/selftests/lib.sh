# Sourced by the VM test programs: KTAP output through the kernel's own
# kselftest helpers, plus small orion_scsi helpers.
# shellcheck shell=bash
: "${ORION_TOP:?}" "${KERNEL_SRC:?}"
. "$KERNEL_SRC/tools/testing/selftests/kselftest/ktap_helpers.sh"

ORION_KO=$ORION_TOP/orion_scsi.ko

# check "description" command...: one KTAP result from a command's status.
check() {
	local desc=$1; shift
	if "$@"; then ktap_test_pass "$desc"; else ktap_test_fail "$desc"; fi
}

# Fails the test when the kernel log, since the last call, has a splat.
dmesg_mark() { dmesg --clear 2>/dev/null || true; }
dmesg_clean() {
	! dmesg | grep -Eq '(BUG:|Oops|WARNING:|KASAN:|UBSAN:|general protection|RUST PANIC|panicked at|circular locking)'
}

orion_loaded() { [ -d /sys/module/orion_scsi ]; }
orion_unload() { ! orion_loaded || rmmod orion_scsi; }
orion_load() { orion_unload && insmod "$ORION_KO" "$@"; }
