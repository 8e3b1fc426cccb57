#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): an orion HBA driver against the kernel's C driver
# on the same emulated controller and disk, same fio jobs. Each boot
# measures one driver; a round is one boot of each, and the order flips
# every round so that neither driver always goes first. ROUNDS rounds
# (default 3: TCG varies 10-30 % between runs); prints the medians over the
# rounds with the IOPS range, MB/s and the ratios orion / C.
# usage: [ROUNDS=N] bench-hba.sh ADAPTER [seconds per job] (default 15)
#   ADAPTER: megasas, megasas-gen2 (orion_megasas against megaraid_sas) or
#            lsi53c895a, lsi53c810 (orion_lsi against sym53c8xx)
# One driver per boot: the C drivers need not be unbound (unbinding
# sym53c8xx warns in 7.3: dma_free_attrs with interrupts disabled, in
# sym_hcb_free, which fails the run) and neither inherits the other's state.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: bench-hba.sh ADAPTER [seconds per job]"
adapter=$1
secs=${2:-15}
# Per adapter: the console log's name, the C driver's module (also its
# proc_name and its name in the table) with its parameters, orion's
# proc_name and orion_scsi's parameters that leave only that driver on, and
# the disk's queue depth for both: MegaRAID drives get 256 from both
# drivers; sym53c8xx gives 16 tags by default, orion_lsi 32, and both take
# 32 (sym53c8xx through cmd_per_lun).
case $adapter in
megasas|megasas-gen2)
	name=megasas c_driver=megaraid_sas c_params=() orion_proc=orion_megasas
	orion_params=(virt_adapters=0 lsi=0) depth=256;;
lsi53c895a|lsi53c810)
	name=lsi c_driver=sym53c8xx c_params=(cmd_per_lun=32) orion_proc=orion_lsi
	orion_params=(virt_adapters=0 megasas=0) depth=32;;
*) die "bench-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810)";;
esac
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "bench-hba: ROUNDS must be a positive number, not '$rounds'"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "bench-hba: seconds per job must be a positive number, not '$secs'"
. "$ORION_TOP/scripts/bench-jobs.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
out=$ORION_TOP/out/bench-$name
mkdir -p "$out"
: > "$out/results.tsv"

# boot ROUND DRIVER: one boot measuring DRIVER (orion or the C driver).
boot() {
	local load
	if [ "$2" = orion ]; then
		load=(orion "$orion_proc" "$secs" "$depth" insmod "$ORION_TOP/orion_scsi.ko" ${orion_params[@]+"${orion_params[@]}"})
	else
		load=("$c_driver" "$c_driver" "$secs" "$depth" modprobe "$c_driver" ${c_params[@]+"${c_params[@]}"})
	fi
	echo "== $adapter: round $1 of $rounds, $2"
	bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 2G --timeout 1800 \
		--adapters "$adapter" --disks 1 --disk-size 1G \
		--append "modprobe.blacklist=$c_driver" --rwdir "$out" \
		--log "$out/console-$1-$2.log" -- \
		bash "$ORION_TOP/scripts/bench-hba-guest.sh" "$out/results.tsv" "${load[@]}"
}

for ((i = 1; i <= rounds; i++)); do
	if ((i % 2)); then
		boot "$i" orion
		boot "$i" "$c_driver"
	else
		boot "$i" "$c_driver"
		boot "$i" orion
	fi
done
echo "== $adapter: $rounds round(s), one boot per driver, alternating order"
report "$out/results.tsv" orion "$c_driver"
