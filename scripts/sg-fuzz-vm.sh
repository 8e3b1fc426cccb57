#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The SG_IO fuzzer's long mode, outside CI (Documentation/sg-fuzz.rst):
# boots the VM of a fuzz group and runs its program with as many CDBs and
# the seed one likes, then the suite's own checks (no malformed reply,
# TEST UNIT READY, fio verify, a clean kernel log).
#
# usage: scripts/sg-fuzz-vm.sh [virt|megasas] [COUNT] [SEED]
#   virt     a virtual LUN (tests/selftests/virt_fuzz), COUNT CDBs through
#            its sg node (default 10000000)
#   megasas  both MegaRAID models behind the IOMMU
#            (tests/selftests/megasas_fuzz), COUNT per controller
#            (default 1000000)
#   SEED     default: from the clock; printed either way
# COUNT and SEED can also be given in the environment (make fuzz FUZZ=virt
# COUNT=... SEED=...).
# The VM's time limit grows with COUNT (the suite measured 900 to 1500
# CDBs/s under TCG). The KTAP output goes to stdout, the guest console
# (with sg-fuzz's progress lines) to out/sg-fuzz-GROUP.console.log.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# COUNT and SEED may come from the environment too (make fuzz).
count=${2:-${COUNT:-}} seed=${3:-${SEED:-}}
case ${1:-virt} in
virt) group=virt_fuzz count=${count:-10000000} per_cdb=1;;
megasas) group=megasas_fuzz count=${count:-1000000} per_cdb=2;;
*) die "usage: $0 [virt|megasas] [COUNT] [SEED]";;
esac
seed=${seed:-$(date +%s)}
[[ $count =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] || die "COUNT and SEED are numbers"

bash "$ORION_TOP/scripts/build-module.sh" >/dev/null
bash "$ORION_TOP/scripts/build-tools.sh" >/dev/null
mapfile -t vm_args < <(vm_conf_args "$group" ref)
# 300 CDBs/s at worst, plus boot, the block-device run and fio.
timeout=$((count * per_cdb / 300 + 900))
mkdir -p "$ORION_TOP/out"
log "$group: $count CDBs, seed $seed, time limit ${timeout}s"
exec bash "$ORION_TOP/scripts/vm-run.sh" "${vm_args[@]}" --timeout "$timeout" \
	--log "$ORION_TOP/out/sg-fuzz-$group.console.log" -- \
	bash "$ORION_TOP/tests/selftests/$group/fuzz.sh" "$count" "$seed"
