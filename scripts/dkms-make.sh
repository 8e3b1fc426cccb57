#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# DKMS's build command (dkms.conf MAKE and CLEAN): builds orion_scsi.ko in
# the current directory (DKMS's copy of the sources) against kernel build
# tree $1, with the compiler that tree was built with.
#   dkms-make.sh KERNEL_BUILD_DIR modules|clean
# A kernel built with clang N is built against with LLVM=-N when clang-N is
# installed (Debian's versioned LLVM), else LLVM=1. bindgen and rustc come
# from PATH; RUST_LIB_SRC is passed on when set.
set -euo pipefail
kdir=${1:?usage: dkms-make.sh KERNEL_BUILD_DIR modules|clean}
target=${2:-modules}
config=$kdir/.config
[ -f "$config" ] || { echo "dkms-make: $kdir has no .config: not a kernel build tree" >&2; exit 1; }
grep -q '^CONFIG_RUST=y' "$config" || {
	echo "dkms-make: the kernel in $kdir was built without CONFIG_RUST; orion_scsi needs Rust support" >&2
	exit 1; }

llvm=
if grep -q '^CONFIG_CC_IS_CLANG=y' "$config"; then
	major=$(sed -n 's/^CONFIG_CLANG_VERSION=\([0-9]*\)[0-9]\{4\}$/\1/p' "$config")
	if [ -n "$major" ] && command -v "clang-$major" > /dev/null; then
		llvm=-$major
	else
		llvm=1
	fi
fi
for tool in rustc bindgen; do
	command -v "$tool" > /dev/null ||
		{ echo "dkms-make: $tool is not in PATH; it is needed to build Rust modules" >&2; exit 1; }
done
args=(-C "$kdir" M="$PWD")
[ -z "$llvm" ] || args+=(LLVM="$llvm")
[ -z "${RUST_LIB_SRC:-}" ] || args+=(RUST_LIB_SRC="$RUST_LIB_SRC")
[ "$target" = clean ] || args+=(-j"$(nproc)")
exec make "${args[@]}" "$target"
