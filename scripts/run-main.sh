#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: set everything up, boot the test VM with the default
# adapters, load orion_scsi and show what it found (scripts/main-guest.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ORION_TOP/scripts/build-module.sh" > /dev/null
mkdir -p "$ORION_TOP/out"
bash "$ORION_TOP/scripts/vm-run.sh" --log "$ORION_TOP/out/main-console.log" \
	--adapters megasas,lsi53c895a --disks 2 \
	-- bash "$ORION_TOP/scripts/main-guest.sh"
