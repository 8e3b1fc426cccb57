#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: set everything up, boot the test VM with the default
# adapters, load orion_scsi and show what it found (scripts/main-guest.sh).
# sym53c8xx is kept from binding the LSI chip at boot: unbinding it warns in
# 7.3 (dma_free_attrs with interrupts disabled, in sym_hcb_free), and such a
# kernel warning fails the run. The C mptsas is kept off the SAS1068 too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
# orionctl, shown in the guest (built into the cache, outside the checkout).
bash "$ORION_TOP/scripts/build-tools.sh" > /dev/null
mkdir -p "$ORION_TOP/out"
bash "$ORION_TOP/scripts/vm-run.sh" --log "$ORION_TOP/out/main-console.log" \
	--adapters megasas,lsi53c895a,mptsas1068 --disks 2 \
	--append modprobe.blacklist=sym53c8xx,mptsas \
	-- bash "$ORION_TOP/scripts/main-guest.sh"
