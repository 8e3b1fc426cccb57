#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Writes orionctl's man pages (orionctl.1, orionctl-host-scan.1, ...) and
# its bash, zsh and fish completions into DIR (default out/orionctl-docs),
# generated from the tool's clap definitions (clap_mangen, clap_complete).
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

dir=${1:-$ORION_TOP/out/orionctl-docs}
bash "$ORION_TOP/scripts/build-tools.sh" >/dev/null
"$ORION_TOOLS_TARGET/release/orionctl" gen-docs "$dir"
echo "$dir:"
ls "$dir"
