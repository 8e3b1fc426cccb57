#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile-fail tests of the SCSI abstractions: builds the module with the
# cases of one stage (typeck, borrowck) added to the crate and checks that
# the build fails exactly at every line marked `// ~ERROR <text>`, with
# <text> in the error. Rust stops before borrow checking when type checking
# fails, hence one build per stage. Prints one KTAP-style line per case and
# "N passed, N failed"; exits non-zero on a failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"

kdir=${KDIR:-$(bash "$top/scripts/build-kernel.sh" ref)} || die "no reference kernel"
work=$(mktemp -d "${TMPDIR:-/tmp}/orion-cf.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

for stage in typeck borrowck; do
	tree=$work/$stage
	mkdir -p "$tree"
	# The checkout as it is (uncommitted changes too), without build output.
	tar -C "$top" --exclude=.git --exclude=out --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude=.kdir -cf - . | tar -C "$tree" -xf -
	printf '\n#[path = "tests/compile-fail/%s/mod.rs"]\nmod compile_fail_cases;\n' "$stage" \
		>> "$tree/orion_scsi_main.rs"
	log=$work/$stage.log
	if make -C "$kdir" M="$tree" LLVM="$LLVM_SUFFIX" RUST_LIB_SRC="$RUST_LIB_SRC" \
		-j"$(nproc)" modules > "$log" 2>&1; then
		echo "not ok - $stage: the module with the $stage cases built (it must not)"
		fail=$((fail + 1))
		continue
	fi
	for case in "$top"/tests/compile-fail/"$stage"/*.rs; do
		name=$(basename "$case" .rs)
		[ "$name" = mod ] && continue
		marker=$(grep -n '// ~ERROR ' "$case" | head -1)
		line=${marker%%:*}
		want=${marker#*// ~ERROR }
		# rustc: "error[E0599]: ..." or "error: ..." then " --> path:line:col".
		if awk -v loc="$stage/$name.rs:$line:" -v want="$want" '
			/^error/ { err = $0 }
			index($0, "--> ") && index($0, loc) && index(err, want) { found = 1 }
			END { exit !found }' "$log"; then
			echo "ok - compile-fail $stage/$name: refused at line $line ($want)"
			pass=$((pass + 1))
		else
			echo "not ok - compile-fail $stage/$name: no '$want' error at line $line"
			grep -E '^error|-->' "$log" | sed 's/^/  # /' | head -20
			fail=$((fail + 1))
		fi
	done
	# Nothing else may fail: every error must come from a marked line.
	others=$(grep -A1 -E '^error(\[E[0-9]+\])?:' "$log" | grep -- '-->' |
		grep -vc "tests/compile-fail/$stage/" || true)
	if [ "$others" != 0 ]; then
		echo "not ok - compile-fail $stage: $others error(s) outside the cases"
		grep -A1 -E '^error' "$log" | sed 's/^/  # /' | head -20
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
