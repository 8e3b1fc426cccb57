#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SG_IO fuzzer (tools/sg-fuzz, Documentation/sg-fuzz.rst) through
# orion_megasas (issue 12, third part): 10,000 random and mutated CDBs to
# disk 0 of each controller (megasas and megasas-gen2) with a fixed seed,
# behind the IOMMU; zero malformed replies; then both disks of each
# controller answer TEST UNIT READY and pass fio verify (disk 1 shows the
# controller still serves its other disk), and the kernel log is clean
# (no oops, no DMAR fault).
#
# QEMU's megasas moves data in the direction the CDB implies, whatever
# the request's mapping, so commands that move data are sent with their
# own direction or none (--match-direction; a mismatch would be a DMA
# fault, the IOMMU doing its job); and it reports no residual, so the
# bytes returned cannot be compared with the allocation length
# (--no-transfer-check).
#
# Arguments (for the long mode, scripts/sg-fuzz-vm.sh): the number of
# CDBs per controller and the seed; the suite passes none.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

count=${1:-10000} seed=${2:-20261128}
ktap_print_header
ktap_set_plan 7
dmesg_mark

megasas_load && settle
mapfile -t hosts < <(megasas_hosts)
dio=$(cat /sys/module/sg/parameters/allow_dio)
echo 1 > /sys/module/sg/parameters/allow_dio
check "sg-fuzz is built ($SG_FUZZ)" test -x "$SG_FUZZ"
disks=()
for i in 0 1; do
	h=${hosts[i]:-none}
	d=$(megasas_disk_at "$h" 0)
	sg=$(sg_of "$d")
	s=$((seed + i))
	echo "# host$h: replay a case with: $SG_FUZZ $sg --seed $s --match-direction --no-transfer-check --healthy --only INDEX"
	check "$count CDBs through host$h $sg (seed $s): 0 malformed replies" \
		fuzz_run "$sg" "$count" --seed "$s" --match-direction --no-transfer-check --healthy
	disks+=("$d" "$(megasas_disk_at "$h" 1)")
done
echo "$dio" > /sys/module/sg/parameters/allow_dio
check "sg_turs on all four disks" bash -c "for d in ${disks[*]}; do sg_turs \$d || exit 1; done"
check "fio verify on all four disks after the fuzzing: 0 errors" fio_verify /tmp/fio-mfuzz.out 16M "${disks[@]}"
check "both controllers still behind the IOMMU (strict DMA domains)" megasas_behind_iommu "${hosts[@]}"
orion_unload
check "kernel log has no warning, oops or DMAR fault" dmesg_clean
ktap_finished
