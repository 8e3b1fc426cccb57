#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prints the clang flags the kernel in $1 used for its own Rust bindings
# (taken from its saved bindgen command line), so orion_scsi's SCSI bindings
# are generated exactly as the kernel's are. Called from Kbuild.
set -euo pipefail
kdir=$(cd "$1" && pwd)
cmd=$kdir/rust/bindings/.bindings_generated.rs.cmd
[ -f "$cmd" ] || { echo "no $cmd: the kernel tree has no Rust bindings" >&2; exit 1; }
sed -n '1{s/^.* -- //; s/ *; *sed .*$//; p}' "$cmd" |
	tr ' ' '\n' |
	grep -vE "^(-Wp,-MMD,.*|-DKBUILD_[A-Z]+=.*|-D__KBUILD_MODNAME=.*|-DMODULE)$" |
	grep -v '^$' |
	# Relative include paths are relative to the kernel's object tree.
	sed -E "s#^-I\./#-I$kdir/#; s#^-I([^/])#-I$kdir/\1#; s#^\./#$kdir/#" |
	tr '\n' ' '
