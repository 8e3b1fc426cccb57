#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SG_IO fuzzer (tools/sg-fuzz, Documentation/sg-fuzz.rst) against a
# virtual LUN (issue 12, third part): 100,000 random and mutated CDBs
# through its sg node (every data direction, buffers up to 1 MiB, sg's
# direct I/O allowed), 20,000 more through its block device (whose SG_IO
# maps aligned user buffers directly), each with a fixed seed; zero
# malformed replies, nothing written outside the buffers, every command
# finished; then TEST UNIT READY, fio verify and a clean kernel log.
#
# Arguments (for the long mode, scripts/sg-fuzz-vm.sh): the number of
# CDBs through the sg node and the seed; the suite passes none.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

count=${1:-100000} seed=${2:-20261127}
ktap_print_header
ktap_set_plan 7
dmesg_mark

orion_load virt_targets=1 virt_capacity_mb=64 && settle
debugfs_mount
h=$(hba_hosts orion_virt | head -1)
d=$(disk_at "$h" 0)
sg=$(sg_of "$d")
stats=/sys/kernel/debug/orion_scsi/host$h/lun0:0:0/stats
# Let sg map the user buffer itself (SG_FLAG_DIRECT_IO): a device write
# past the transfer then lands in the fuzzer's guard bytes.
dio=$(cat /sys/module/sg/parameters/allow_dio)
echo 1 > /sys/module/sg/parameters/allow_dio
# The LUN's count of commands started and not finished.
outstanding() {
	local n
	n=$(awk '$1 == "outstanding" { print $2 }' "$stats")
	echo "note: outstanding ${n:-(no such line in $stats)}"
	[ "$n" = 0 ]
}
echo "# seed $seed: replay a case with: $SG_FUZZ $sg --seed $seed --healthy --only INDEX (Documentation/sg-fuzz.rst)"

check "sg-fuzz is built ($SG_FUZZ)" test -x "$SG_FUZZ"
check "$count CDBs through $sg (seed $seed): 0 malformed replies" fuzz_run "$sg" "$count" --seed "$seed" --healthy
check "20000 CDBs through $d (seed $((seed + 1))): 0 malformed replies" \
	fuzz_run "$d" 20000 --seed $((seed + 1)) --healthy
echo "$dio" > /sys/module/sg/parameters/allow_dio
check "every command finished (outstanding 0)" outstanding
check "sg_turs $sg" sg_turs "$sg"
check "fio verify after the fuzzing: 0 errors" fio_verify /tmp/fio-fuzz.out 16M "$d"
orion_unload
check "kernel log has no warning or oops" dmesg_clean
ktap_finished
