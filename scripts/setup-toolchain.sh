#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs, as root on Debian 12, everything orion_scsi needs to build and test:
# build packages, clang 19, QEMU 10 (bookworm-backports), the guest tools, and,
# unpacked into $ORION_CACHE rather than installed, linux-source-7.3 and the
# rust-src matching rustc 1.95 (trixie-backports), plus bindgen-cli via cargo
# and the crates of the userspace tools (cargo fetch).
# Idempotent: a second run checks stamps and returns in seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "setup must run as root (it installs Debian packages)"
mkdir -p "$ORION_CACHE"/{pkgs,src,bin}

BUILD_PKGS="build-essential bc flex bison libelf-dev libssl-dev cpio kmod rsync
	clang-19 libclang-19-dev llvm-19 lld-19 python3-venv zstd xz-utils shellcheck dkms"
GUEST_PKGS="udev busybox-static sg3-utils sdparm lsscsi fio e2fsprogs util-linux
	open-iscsi tgt"
# The benchmarks' charts (scripts/benchstat.py, with $ORION_PYTHON). Checked
# by importing it rather than through the stamp, whose name every checkout
# sharing the cache must agree on.
HOST_PKGS="python3-matplotlib"
STAMP=$ORION_CACHE/.setup-$(echo "$BUILD_PKGS $GUEST_PKGS $KERNEL_SRC_PKG_VERSION \
	$RUST_SRC_PKG_VERSION $BINDGEN_VERSION $(rustc --version)" | sha256sum | cut -c1-12)

# The crates of the userspace tools (tools/*/Cargo.lock), so that their
# builds need no network later; a fraction of a second once cached.
for manifest in "$ORION_TOP"/tools/*/Cargo.toml; do
	cargo fetch --locked --quiet --manifest-path "$manifest" ||
		die "cargo fetch for ${manifest%/Cargo.toml} failed"
done

if [ -f "$STAMP" ] && [ -d "$KERNEL_SRC" ] && [ -d "$RUST_LIB_SRC" ] &&
   command -v bindgen >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
   [ -x "$ORION_CACHE/venv/bin/vng" ] && "$ORION_PYTHON" -c 'import matplotlib' 2>/dev/null; then
	log "toolchain already set up ($STAMP)"
	exit 0
fi

rustc --version | grep -q '^rustc 1\.95\.' ||
	die "rustc 1.95 is required (found: $(rustc --version 2>&1))"

# Backports suites reuse the mirror of the machine's own Debian source.
SRC_LIST=/etc/apt/sources.list.d/orion-backports.sources
if [ ! -f "$SRC_LIST" ]; then
	uri=$(awk '/^URIs:/ { u=$2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1=="deb" && $3=="bookworm" { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "cannot find the Debian mirror URI in /etc/apt/sources.list.d/debian.sources"
	log "adding bookworm-backports and trixie-backports from $uri"
	cat > "$SRC_LIST" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	rm -f "$ORION_CACHE"/.apt-updated
fi
if [ ! -f "$ORION_CACHE/.apt-updated" ]; then
	apt-get update -q >/dev/null || die "apt-get update failed"
	touch "$ORION_CACHE/.apt-updated"
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $BUILD_PKGS $GUEST_PKGS $HOST_PKGS >/dev/null ||
	die "installing build/guest/host packages failed: $BUILD_PKGS $GUEST_PKGS $HOST_PKGS"
qemu_ver=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\).*/\1/p' || true)
if [ "${qemu_ver:-0}" -lt 10 ]; then
	apt-get install -y -q --no-install-recommends -t bookworm-backports \
		qemu-system-x86 >/dev/null || die "qemu-system-x86 10 from bookworm-backports not available"
fi

# Kernel source and rust-src: downloaded and unpacked privately.
cd "$ORION_CACHE/pkgs"
if [ ! -d "$RUST_LIB_SRC" ]; then
	apt-get download -q -o APT::Sandbox::User=root "rust-src=$RUST_SRC_PKG_VERSION" >/dev/null ||
		die "rust-src $RUST_SRC_PKG_VERSION not found in trixie-backports"
	rm -rf "$ORION_CACHE/rust-src"
	dpkg -x rust-src_*.deb "$ORION_CACHE/rust-src"
fi
if [ ! -d "$KERNEL_SRC" ]; then
	apt-get download -q -o APT::Sandbox::User=root "$KERNEL_SRC_PKG=$KERNEL_SRC_PKG_VERSION" >/dev/null ||
		die "$KERNEL_SRC_PKG $KERNEL_SRC_PKG_VERSION not found in trixie-backports"
	tmp=$(mktemp -d "$ORION_CACHE/pkgs/x.XXXX")
	dpkg -x "${KERNEL_SRC_PKG}"_*.deb "$tmp"
	log "unpacking kernel source"
	tar -C "$ORION_CACHE/src" -xf "$tmp/usr/src/$KERNEL_SRC_PKG.tar.xz"
	rm -rf "$tmp"
	[ -f "$KERNEL_SRC/Makefile" ] || die "kernel source did not unpack to $KERNEL_SRC"
fi

if ! bindgen --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	log "building bindgen-cli $BINDGEN_VERSION"
	cargo install -q --locked --root "$ORION_CACHE" bindgen-cli --version "$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli $BINDGEN_VERSION failed"
fi

VNG_VERSION=1.42
if ! "$ORION_CACHE/venv/bin/vng" --version 2>/dev/null | grep -q "$VNG_VERSION"; then
	log "installing virtme-ng $VNG_VERSION (PyPI) into $ORION_CACHE/venv"
	python3 -m venv "$ORION_CACHE/venv" || die "python3 -m venv failed"
	"$ORION_CACHE/venv/bin/pip" install -q "virtme-ng==$VNG_VERSION" ||
		die "pip install virtme-ng==$VNG_VERSION failed"
fi

rm -f "$ORION_CACHE"/.setup-*
touch "$STAMP"
log "toolchain ready in $ORION_CACHE"
