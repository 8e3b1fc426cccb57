#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the userspace tools under tools/ (sg-fuzz, the SG_IO fuzzer) with
# `cargo build --release --locked` into $ORION_CACHE/tools/target, outside
# the checkout, and prints the path of each binary, one per line. The VM
# sees the host's files read-only, so the guest runs the binaries from
# there. Seconds when nothing changed.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

for manifest in "$ORION_TOP"/tools/*/Cargo.toml; do
	tool=$(basename "$(dirname "$manifest")")
	cargo build --release --locked --quiet --manifest-path "$manifest" \
		--target-dir "$ORION_TOOLS_TARGET" >&2 || die "building tools/$tool failed"
	echo "$ORION_TOOLS_TARGET/release/$tool"
done
