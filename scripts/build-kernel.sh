#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the reference kernel (flavour "ref", default) or the reliability
# flavour ("debug") into $ORION_CACHE/kernel/<flavour>-<key>, where the key
# hashes the kernel and toolchain versions, the config fragments and this
# script. An existing build with the same key is reused as it is.
# Prints the build directory on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:-ref}
case $flavour in ref|debug) ;; *) die "unknown kernel flavour '$flavour' (ref or debug)";; esac
[ -f "$KERNEL_SRC/Makefile" ] || die "no kernel source in $KERNEL_SRC: run scripts/setup-toolchain.sh"

out=$(kernel_build_dir "$flavour")
if [ -f "$out/.orion-built" ]; then
	echo "$out"
	exit 0
fi

frags=("$ORION_TOP/scripts/kconfig/base.config")
[ "$flavour" = debug ] && frags+=("$ORION_TOP/scripts/kconfig/debug.config")

kmake() {
	make -C "$KERNEL_SRC" O="$out" LLVM="$LLVM_SUFFIX" RUST_LIB_SRC="$RUST_LIB_SRC" "$@"
}

log "building $flavour kernel $KERNEL_VERSION in $out (about 9 minutes on 2 cores)"
mkdir -p "$out"
start=$SECONDS
kmake -s tinyconfig >&2
KCONFIG_CONFIG="$out/.config" "$KERNEL_SRC/scripts/kconfig/merge_config.sh" \
	-m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
kmake -s olddefconfig >&2

# Refuse a config that silently dropped a requested symbol. A later fragment
# overrides an earlier one, so only each symbol's last request counts.
bad=0
while IFS= read -r line; do
	sym=${line%%=*}; want=${line#*=}
	if [ "$want" = n ]; then
		grep -q "^$sym=" "$out/.config" && { log "config: $sym should be unset"; bad=1; }
	else
		grep -qx "$line" "$out/.config" || {
			log "config: wanted $line, got: $(grep "^$sym=\|# $sym " "$out/.config" || echo absent)"; bad=1; }
	fi
done < <(cat "${frags[@]}" | grep '^CONFIG_' | tac | awk -F= '!seen[$1]++')
[ $bad = 0 ] || die "kernel config does not match the fragments (see above)"

kmake -j"$(($(nproc) + 1))" bzImage modules >&2 || die "kernel build failed"
kmake -s rust-analyzer >/dev/null 2>&1 || true
touch "$out/.orion-built"
log "$flavour kernel built in $((SECONDS - start)) s"
echo "$out"
