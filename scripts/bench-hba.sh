#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): an orion HBA driver against the kernel's C driver
# on the same emulated controller and disk (or orion's iSCSI initiator
# against iscsi_tcp on the same target), same fio jobs. Each boot
# measures one driver; a round is one boot of each, and the order flips
# every round so that neither driver always goes first. ROUNDS rounds
# (default 3: TCG varies 10-30 % between runs); prints the medians over the
# rounds with the IOPS range, MB/s and the ratios orion / C.
# usage: [ROUNDS=N] bench-hba.sh ADAPTER [seconds per job] (default 15)
#   ADAPTER: megasas, megasas-gen2 (orion_megasas against megaraid_sas),
#            lsi53c895a, lsi53c810 (orion_lsi against sym53c8xx) or
#            iscsi (orion's initiator against iscsi_tcp, on a RAM LUN of a
#            LIO target in the guest, over 127.0.0.1; no emulated adapter)
# One driver per boot: the C drivers need not be unbound (unbinding
# sym53c8xx warns in 7.3: dma_free_attrs with interrupts disabled, in
# sym_hcb_free, which fails the run) and neither inherits the other's state.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: bench-hba.sh ADAPTER [seconds per job]"
adapter=$1
secs=${2:-15}
# Per adapter: the console log's name, the C driver's module (also its
# name in the table) and proc_name, orion's proc_name, the command that
# loads each (orion_scsi with the parameters that leave only that driver
# on), and the disk's queue depth for both: MegaRAID drives get 256 from
# both drivers; sym53c8xx gives 16 tags by default, orion_lsi 32, and both
# take 32 (sym53c8xx through cmd_per_lun); iscsid gives both initiators
# node.session.queue_depth, 32. Then the guest script and the VM's disks.
ko=$ORION_TOP/orion_scsi.ko
guest=bench-hba-guest.sh vm_disks=(--adapters "$adapter" --disks 1 --disk-size 1G)
case $adapter in
megasas|megasas-gen2)
	name=megasas c_driver=megaraid_sas c_proc=megaraid_sas orion_proc=orion_megasas
	c_load=(modprobe megaraid_sas) orion_load=(insmod "$ko" virt_adapters=0 lsi=0) depth=256;;
lsi53c895a|lsi53c810)
	name=lsi c_driver=sym53c8xx c_proc=sym53c8xx orion_proc=orion_lsi
	c_load=(modprobe sym53c8xx cmd_per_lun=32) orion_load=(insmod "$ko" virt_adapters=0 megasas=0) depth=32;;
iscsi)
	# Both initiators register the transport "tcp" with iscsi_tcp hosts
	# (the names iscsid knows); the library loads either one.
	. "$ORION_TOP/tests/selftests/iscsi_lib.sh"
	name=iscsi c_driver=iscsi_tcp c_proc=iscsi_tcp orion_proc=iscsi_tcp
	c_load=(iscsi_initiator_load iscsi_tcp) orion_load=(iscsi_initiator_load orion) depth=32
	guest=bench-iscsi-guest.sh vm_disks=(--adapters none);;
*) die "bench-hba: unknown adapter '$adapter' (megasas, megasas-gen2, lsi53c895a, lsi53c810, iscsi)";;
esac
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "bench-hba: ROUNDS must be a positive number, not '$rounds'"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "bench-hba: seconds per job must be a positive number, not '$secs'"
. "$ORION_TOP/scripts/bench-jobs.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
drivers=(orion "$c_driver")
if [ "$adapter" = iscsi ] && ! orion_has_iscsi "$ko"; then
	log "bench-hba: orion side skipped: $ko has no '$ORION_ISCSI_PARAM' parameter"
	drivers=("$c_driver")
fi
out=$ORION_TOP/out/bench-$name
mkdir -p "$out"
: > "$out/results.tsv"

# boot ROUND DRIVER: one boot measuring DRIVER (orion or the C driver).
boot() {
	local load
	if [ "$2" = orion ]; then
		load=(orion "$orion_proc" "$secs" "$depth" "${orion_load[@]}")
	else
		load=("$c_driver" "$c_proc" "$secs" "$depth" "${c_load[@]}")
	fi
	echo "== $adapter: round $1 of $rounds, $2"
	bash "$ORION_TOP/scripts/vm-run.sh" --cpus 2 --memory 2G --timeout 1800 "${vm_disks[@]}" \
		--append "modprobe.blacklist=$c_driver" --rwdir "$out" \
		--log "$out/console-$1-$2.log" -- \
		bash "$ORION_TOP/scripts/$guest" "$out/results.tsv" "${load[@]}"
}

for ((i = 1; i <= rounds; i++)); do
	order=("${drivers[@]}")
	((i % 2)) || order=("${drivers[@]:1}" "${drivers[0]}")
	for d in "${order[@]}"; do boot "$i" "$d"; done
done
echo "== $adapter: $rounds round(s), one boot per driver, alternating order"
report "$out/results.tsv" "${drivers[@]}"
