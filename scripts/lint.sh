#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: the checks upstream Rust-for-Linux review expects, on the
# hand-written code of the checkout:
#   - rustfmt --check with the kernel tree's .rustfmt.toml (the module,
#     tests/host and the userspace tools under tools/; not the generated
#     bindings);
#   - clippy: the module built with CLIPPY=1, i.e. clippy-driver with the
#     kernel's lint settings (a warning of any kind counts);
#   - clippy on the userspace tools (cargo clippy --all-targets, every
#     warning an error), built outside the checkout like build-tools.sh;
#   - the kernel's scripts/checkpatch.pl on the C helpers;
#   - scripts/lint-shell.sh when it exists, else shellcheck -x on the shell
#     scripts.
# Prints the findings, then one line per tool with its finding count, and
# exits non-zero on any finding. Full outputs: out/lint/<tool>.log.
set -uo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

# KDIR may be relative to the caller's directory.
# On a fresh machine (CI with a cold cache runs lint first) the toolchain and
# the reference kernel come first.
if [ -z "${KDIR:-}" ]; then
	bash "$ORION_TOP/scripts/setup-toolchain.sh" >&2 || die "toolchain setup failed"
fi
kdir=${KDIR:-$(bash "$ORION_TOP/scripts/build-kernel.sh" ref)} || die "no kernel tree to lint against"
kdir=$(cd "$kdir" && pwd) || die "KDIR=$kdir does not exist"
cd "$ORION_TOP" || exit 1
logdir=$ORION_TOP/out/lint
mkdir -p "$logdir"
declare -A found=()
tools=(rustfmt clippy clippy-tools checkpatch shellcheck)

# report <tool> <count> <log>: the findings of a tool, shown on stderr.
report() {
	found[$1]=$2
	if [ "$2" -gt 0 ]; then
		echo "---- $1: $2 finding(s) (log: $3)" >&2
		head -200 "$3" >&2
	fi
}

# Builds the module once the normal way: sets up the toolchain and the
# reference kernel, follows a KDIR change and generates the bindings.
# Failing that, nothing else can be checked.
build_log=$logdir/build.log
if ! KDIR=$kdir bash scripts/build-module.sh >/dev/null 2>"$build_log"; then
	tail -40 "$build_log" >&2
	die "the module does not build (log: $build_log)"
fi

# rustfmt. Every file is named, so files reached through `mod` are checked
# more than once: count distinct hunks.
lint_rustfmt() {
	local log=$logdir/rustfmt.log n files
	local cfg=$KERNEL_SRC/.rustfmt.toml
	[ -f "$cfg" ] || die "missing $cfg (run make setup)"
	mapfile -t files < <(find orion_scsi_main.rs rust drivers tests/host tests/compile-fail tools \
		-path tests/host/target -prune -o -path 'tools/*/target' -prune -o \
		-name '*.rs' ! -name '*_generated.rs' -print | sort)
	rustfmt --version >"$log" 2>&1
	rustfmt --config-path "$cfg" --edition 2021 --check --color never \
		"${files[@]}" >>"$log" 2>&1
	local rc=$?
	n=$(grep -E '^Diff in ' "$log" | sort -u | wc -l)
	# A file rustfmt cannot parse is a finding too.
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then n=1; fi
	report rustfmt "$n" "$log"
}

# clippy: rebuild the crate and the C helpers (so their compiler warnings
# count too) with CLIPPY=1. kbuild runs clippy only on what it rebuilds.
lint_clippy() {
	local log=$logdir/clippy.log n
	rm -f orion_scsi_main.o rust/helpers/scsi_helpers.o
	make -C "$kdir" M="$ORION_TOP" LLVM="$LLVM_SUFFIX" RUST_LIB_SRC="$RUST_LIB_SRC" \
		CLIPPY=1 -j"$(nproc)" modules >"$log" 2>&1
	local rc=$?
	n=$(grep -E '^warning: |: warning: ' "$log" | grep -cvE '^warning: [0-9]+ warnings? emitted')
	n=$((n + $(grep -cE '^error|: error: ' "$log")))
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then n=1; fi
	# Only the diagnostics, not kbuild's progress lines.
	grep -vE '^  [A-Z]+ |^make(\[[0-9]+\])?: ' "$log" >"$log.findings"
	report clippy "$n" "$log.findings"
}

# clippy on the userspace tools: ordinary crates, so cargo clippy with
# every warning denied.
lint_clippy_tools() {
	local log=$logdir/clippy-tools.log n rc=0 m
	: >"$log"
	for m in tools/*/Cargo.toml; do
		cargo clippy --release --locked --all-targets --quiet --manifest-path "$m" \
			--target-dir "$ORION_TOOLS_TARGET" -- -D warnings >>"$log" 2>&1 || rc=1
	done
	n=$(grep -cE '^(warning|error)(\[|:)' "$log")
	n=$((n - $(grep -cE '^error: could not compile' "$log")))
	if [ "$rc" -ne 0 ] && [ "$n" -le 0 ]; then n=1; fi
	report clippy-tools "$n" "$log"
}

lint_checkpatch() {
	local log=$logdir/checkpatch.log n
	local checkpatch=$KERNEL_SRC/scripts/checkpatch.pl
	[ -f "$checkpatch" ] || die "missing $checkpatch (run make setup)"
	perl "$checkpatch" --no-tree --terse --file \
		rust/helpers/*.c rust/helpers/*.h rust/bindings/*.h >"$log" 2>&1
	local rc=$?
	n=$(grep -cE ': (ERROR|WARNING|CHECK):' "$log")
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then n=1; fi
	report checkpatch "$n" "$log"
}

lint_shellcheck() {
	local log=$logdir/shellcheck.log n rc
	if [ -f scripts/lint-shell.sh ]; then
		bash scripts/lint-shell.sh >"$log" 2>&1
		rc=$?
	elif command -v shellcheck >/dev/null; then
		shopt -s nullglob
		shellcheck -x -f gcc scripts/*.sh tests/run-all.sh tests/selftests/*.sh \
			tests/selftests/*/*.sh .ci/run >"$log" 2>&1
		rc=$?
		shopt -u nullglob
	else
		echo "shellcheck is not installed (apt-get install shellcheck)" >"$log"
		rc=1
	fi
	# One line per finding in shellcheck's gcc and tty formats alike.
	n=$(grep -cE 'SC[0-9]{4} \(|\[SC[0-9]{4}\]' "$log")
	if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then n=1; fi
	report shellcheck "$n" "$log"
}

lint_rustfmt
lint_clippy
lint_clippy_tools
lint_checkpatch
lint_shellcheck

total=0
for t in "${tools[@]}"; do
	printf '%-12s %d finding(s)\n' "$t" "${found[$t]}"
	total=$((total + found[$t]))
done
[ "$total" -eq 0 ]
