#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): an orion HBA driver against the kernel's C driver
# on the same emulated controller and disk, in one VM boot, each driver
# bound in turn, same fio jobs. Prints IOPS, MB/s and ratios.
# usage: bench-hba.sh ADAPTER [seconds per job] (default 15)
#   ADAPTER: megasas, megasas-gen2 (megaraid_sas, then orion_megasas) or
#            lsi53c895a, lsi53c810 (sym53c8xx, then orion_lsi)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: bench-hba.sh ADAPTER [seconds per job]"
adapter=$1
shift
# Per adapter: the name of the console log, then bench-hba-guest.sh's
# arguments: the C driver (PCI driver name, its hosts' proc_name), orion's
# proc_name, and orion_scsi's parameters that leave only that driver on.
case $adapter in
megasas|megasas-gen2)
	name=megasas
	guest=(megaraid_sas megaraid_sas orion_megasas "virt_adapters=0 lsi=0");;
lsi53c895a|lsi53c810)
	name=lsi
	guest=(sym53c8xx sym53c8xx orion_lsi "virt_adapters=0 megasas=0");;
*) die "bench-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810)";;
esac

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
mkdir -p "$ORION_TOP/out"
bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 2G --timeout 1800 \
	--adapters "$adapter" --disks 1 --disk-size 1G \
	--log "$ORION_TOP/out/bench-$name-console.log" -- \
	bash "$ORION_TOP/scripts/bench-hba-guest.sh" "${guest[@]}" "$@"
