#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds orion_scsi.ko in the checkout against KDIR (default: the cached
# reference kernel, set up and built first when missing). Prints the path of
# the module on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$ORION_TOP/scripts/setup-toolchain.sh" >&2
kdir=${KDIR:-$(bash "$ORION_TOP/scripts/build-kernel.sh" ref)}
if [ ! -f "$kdir/Module.symvers" ] || [ ! -f "$kdir/include/config/auto.conf" ]; then
	die "KDIR=$kdir is not a built kernel tree (no Module.symvers)"
fi
grep -q '^CONFIG_RUST=y' "$kdir/include/config/auto.conf" ||
	die "KDIR=$kdir was built without CONFIG_RUST"

# Objects are built in the checkout: start clean when the target tree changes.
kdir=$(cd "$kdir" && pwd)
if [ "$(cat "$ORION_TOP/.kdir" 2>/dev/null)" != "$kdir" ]; then
	make -s -C "$kdir" M="$ORION_TOP" LLVM="$LLVM_SUFFIX" clean >&2 || true
	echo "$kdir" > "$ORION_TOP/.kdir"
fi
make -C "$kdir" M="$ORION_TOP" LLVM="$LLVM_SUFFIX" RUST_LIB_SRC="$RUST_LIB_SRC" \
	-j"$(nproc)" modules >&2 || die "module build failed"
echo "$ORION_TOP/orion_scsi.ko"
