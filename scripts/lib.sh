# SPDX-License-Identifier: GPL-2.0
# Shared settings for orion_scsi scripts. Source it; do not run it.
# shellcheck shell=bash
# The settings are for the scripts that source this file:
# shellcheck disable=SC2034
# Everything built or downloaded lives under $ORION_CACHE, outside the checkout,
# so that CI runs and later sessions on the same machine reuse it.

ORION_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORION_CACHE=${ORION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/orion_scsi}

KERNEL_VERSION=7.3.4
KERNEL_SRC_PKG=linux-source-7.3
KERNEL_SRC_PKG_VERSION=7.3.4-1~bpo13+1
RUST_SRC_PKG_VERSION=1.95.0+dfsg1-2~bpo13+1
BINDGEN_VERSION=0.72.1
LLVM_SUFFIX=-19

export LIBCLANG_PATH=/usr/lib/llvm${LLVM_SUFFIX}/lib
export RUST_LIB_SRC=$ORION_CACHE/rust-src/usr/lib/rustlib/src/rust/library
export PATH=$ORION_CACHE/bin:$PATH
KERNEL_SRC=$ORION_CACHE/src/linux-source-7.3
# cargo's target directory for the userspace tools (tools/*), see
# scripts/build-tools.sh; the VM tests run the binaries from its release/.
ORION_TOOLS_TARGET=$ORION_CACHE/tools/target
# The system's Python (with Debian's python3-matplotlib for the benchmark
# charts), not whichever python3 comes first in PATH.
ORION_PYTHON=${ORION_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

die() { echo "orion: error: $*" >&2; exit 1; }
log() { echo "orion: $*" >&2; }

# Key of a kernel build: anything that changes the result changes the key.
kernel_key() {
	local flavour=$1
	{
		echo "$KERNEL_SRC_PKG_VERSION $RUST_SRC_PKG_VERSION $BINDGEN_VERSION"
		rustc --version
		"clang$LLVM_SUFFIX" --version | head -1
		cat "$ORION_TOP/scripts/kconfig/base.config"
		if [ "$flavour" = debug ]; then cat "$ORION_TOP/scripts/kconfig/debug.config"; fi
	} | sha256sum | cut -c1-12
}

kernel_build_dir() {
	local flavour=${1:-ref}
	echo "$ORION_CACHE/kernel/$flavour-$(kernel_key "$flavour")"
}

# vm_conf_args GROUP FLAVOUR: the words of the group's vm.conf, one per
# line. A line starting "ref:" or "debug:" applies to that kernel flavour
# only (the debug kernel is several times slower; a load meant to keep
# commands waiting in the device may need a slower device there).
vm_conf_args() {
	local line words
	while IFS= read -r line; do
		case $line in
		''|'#'*) continue;;
		ref:*|debug:*) [ "${line%%:*}" = "$2" ] || continue; line=${line#*:};;
		esac
		read -ra words <<< "$line"; printf '%s\n' "${words[@]}"
	done < "$ORION_TOP/tests/selftests/$1/vm.conf"
}
