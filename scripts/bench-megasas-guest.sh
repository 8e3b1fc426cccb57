#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the VM: the benchmark jobs on the megasas disk, first through
# megaraid_sas (bound at boot), then through orion_scsi (see bench-megasas.sh).
# usage: bench-megasas-guest.sh [seconds per job]
set -euo pipefail
: "${ORION_TOP:?}"
secs=${1:-15}
size_mb=512
. "$ORION_TOP/scripts/bench-jobs.sh"
. "$ORION_TOP/scripts/guest-lib.sh"

: > /tmp/bench.results
udevadm settle
run_jobs megaraid_sas "$(host_disk megaraid_sas)" $size_mb "$secs"
release_megaraid_sas
insmod "$ORION_TOP/orion_scsi.ko" virt_adapters=0
udevadm settle
run_jobs orion "$(host_disk orion_megasas)" $size_mb "$secs"
rmmod orion_scsi

report orion megaraid_sas
