#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): an orion HBA driver against the kernel's C driver
# on the same emulated controller and disk, in one VM boot, each driver
# bound in turn, same fio jobs, repeated over ROUNDS boots (default 3: TCG
# varies 10-30 % between runs). Prints per boot, then the medians over all
# boots: IOPS (with their range), MB/s and ratios (orion / C).
# usage: [ROUNDS=N] bench-hba.sh ADAPTER [seconds per job] (default 15)
#   ADAPTER: megasas, megasas-gen2 (orion_megasas, then megaraid_sas) or
#            lsi53c895a, lsi53c810 (orion_lsi, then sym53c8xx)
# The C driver is blacklisted at boot and loaded only after orion_scsi is
# removed, so it is never unbound: unbinding sym53c8xx warns in 7.3
# (dma_free_attrs with interrupts disabled, in sym_hcb_free), which fails
# the run. megaraid_sas could be unbound, but one order for both keeps one
# code path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: bench-hba.sh ADAPTER [seconds per job]"
adapter=$1
shift
# Per adapter: the name of the console log, then bench-hba-guest.sh's
# arguments: the C driver (module name, which is also its PCI driver name;
# its module parameters; its hosts' proc_name), orion's proc_name, and orion_scsi's parameters
# that leave only that driver on.
case $adapter in
megasas|megasas-gen2)
	name=megasas
	guest=(megaraid_sas "" megaraid_sas orion_megasas "virt_adapters=0 lsi=0");;
lsi53c895a|lsi53c810)
	name=lsi
	guest=(sym53c8xx cmd_per_lun=32 sym53c8xx orion_lsi "virt_adapters=0 megasas=0");;
*) die "bench-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810)";;
esac

rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "bench-hba: ROUNDS must be a positive number, not '$rounds'"
. "$ORION_TOP/scripts/bench-jobs.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
out=$ORION_TOP/out/bench-$name
mkdir -p "$out"
: > "$out/results.tsv"
for ((i = 1; i <= rounds; i++)); do
	echo "== $adapter: boot $i of $rounds"
	bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 2G --timeout 1800 \
		--adapters "$adapter" --disks 1 --disk-size 1G \
		--append "modprobe.blacklist=${guest[0]}" --rwdir "$out" \
		--log "$out/console-$i.log" -- \
		bash "$ORION_TOP/scripts/bench-hba-guest.sh" "$out/results.tsv" "${guest[@]}" "$@"
done
echo "== $adapter: $rounds boot(s), orion_scsi then ${guest[0]} in each"
report "$out/results.tsv" orion "${guest[0]}"
