# SPDX-License-Identifier: GPL-2.0
# Shared by the orionctl group's programs: the module with a virtual
# adapter (2 targets x 2 LUNs, 64 MiB each) and the MegaRAID controller,
# and helpers that read orionctl's JSON with python3.
# shellcheck shell=bash
# shellcheck source=lib.sh
. "$(dirname "$0")/../lib.sh"

orionctl_load() {
	orion_unload && release_megaraid_sas &&
		insmod "$ORION_KO" virt_targets=2 virt_luns=2 virt_capacity_mb=64 && settle && debugfs_mount
}

# py EXPR: evaluates python EXPR with `d` the JSON document on stdin
# (its "result"), prints the value; fails when EXPR is false or raises.
py() {
	python3 -c '
import json, sys
d = json.load(sys.stdin)["result"]
v = eval(sys.argv[1])
if v is False or v is None:
    sys.exit("python: " + sys.argv[1] + " is " + repr(v))
if v is not True:
    print(v)
' "$1"
}

# dev_of H:C:T:L: the device's block node.
dev_of() { find "/sys/class/scsi_device/$1/device/block/" -mindepth 1 -maxdepth 1 | sed 's|.*/|/dev/|'; }

# The host numbers of the virtual and the MegaRAID host.
virt_host() { hba_hosts orion_virt | head -1; }
mega_host() { megasas_hosts | head -1; }

# lun_stat ADDR FIELD: one counter of a LUN from `orionctl stats -o json`.
lun_stat() {
	"$ORIONCTL" -o json stats "$1" |
		py "[l for h in d['hosts'] for t in h['targets'] for l in t['luns'] if l['address'] == '$1'][0]['stats']['$2']"
}
export -f py lun_stat
