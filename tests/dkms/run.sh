#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS packaging test: dkms add, build and install of the checkout (as it
# is, uncommitted changes too) against the reference kernel's build tree,
# in private DKMS trees (nothing touches /var/lib/dkms or /lib/modules),
# and a kernel tree without Rust refused by BUILD_EXCLUSIVE_CONFIG.
# Prints one KTAP-style line per check; exits non-zero on a failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"

kdir=${KDIR:-$(bash "$top/scripts/build-kernel.sh" ref)} || die "no reference kernel"
command -v dkms > /dev/null || die "dkms is not installed (scripts/setup-toolchain.sh installs it)"
kver=$(cat "$kdir/include/config/kernel.release")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
work=$(mktemp -d "${TMPDIR:-/tmp}/orion-dkms.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/src dkmstree=$work/dkms install=$work/install
# dkms install wants the kernel's module directory to exist.
mkdir -p "$src/orion_scsi-$version" "$dkmstree" "$install/$kver"
trees=(--sourcetree "$src" --dkmstree "$dkmstree" --installtree "$install")
pass=0 fail=0
check() {  # check NAME CMD...: one line, the command's output on failure
	local name=$1 log=$work/check.log; shift
	if "$@" > "$log" 2>&1; then
		pass=$((pass + 1)); echo "ok - $name"
	else
		fail=$((fail + 1)); echo "not ok - $name"; tail -25 "$log" | sed 's/^/  # /'
	fi
}

# What `dkms add` is given: the sources, without build output.
tar -C "$top" --exclude=.git --exclude=out --exclude=target --exclude='*.o' \
	--exclude='*.ko' --exclude='.*.cmd' --exclude=.kdir -cf - . |
	tar -C "$src/orion_scsi-$version" -xf -

check "dkms add orion_scsi/$version" dkms add -m orion_scsi -v "$version" "${trees[@]}"
check "dkms build for $kver (the reference kernel's tree)" \
	dkms build -m orion_scsi -v "$version" -k "$kver" --kernelsourcedir "$kdir" "${trees[@]}"
built=$(find "$dkmstree/orion_scsi/$version/$kver" -name 'orion_scsi.ko*' 2> /dev/null | head -n 1)
vermagic_is_kver() {
	[ -n "$built" ] || { echo "no orion_scsi.ko under $dkmstree/orion_scsi/$version/$kver"; return 1; }
	local v
	v=$(modinfo -F vermagic "$built") || return 1
	echo "vermagic: $v"
	[ "${v%% *}" = "$kver" ] && modinfo -F description "$built" | grep -q 'Rust SCSI driver stack'
}
check "the built module's vermagic is $kver" vermagic_is_kver
installed() {
	find "$install" -name 'orion_scsi.ko*' | grep -q . && dkms status "${trees[@]}" | grep -q 'installed'
}
check "dkms install places the module" \
	dkms install -m orion_scsi -v "$version" -k "$kver" --kernelsourcedir "$kdir" --no-depmod "${trees[@]}"
check "the module is in the install tree and dkms status says installed" installed

# A kernel tree built without Rust: refused before any compilation.
norust=$work/norust
mkdir -p "$norust"
grep -v '^CONFIG_RUST=' "$kdir/.config" > "$norust/.config"
refused() {
	local out
	if out=$(dkms build -m orion_scsi -v "$version" -k "$kver-norust" --kernelsourcedir "$norust" \
		--sourcetree "$src" --dkmstree "$dkmstree" 2>&1); then
		echo "dkms built orion_scsi against a kernel without CONFIG_RUST"
		return 1
	fi
	echo "$out"
	grep -q 'BUILD_EXCLUSIVE' <<< "$out" || { echo "refused, but not by BUILD_EXCLUSIVE_CONFIG"; return 1; }
	! find "$dkmstree/orion_scsi/$version/$kver-norust" -name 'orion_scsi.ko*' 2> /dev/null | grep -q .
}
check "a kernel tree without CONFIG_RUST is refused (BUILD_EXCLUSIVE_CONFIG)" refused
echo "# dkms: $pass passed, $fail failed"
[ "$fail" = 0 ]
