#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs the whole test suite, or the groups named on the command line:
#   host          cargo test of the pure-logic (no_std) code and of the
#                 userspace tools (tools/*) on the host, and the unit tests
#                 of the benchmarks' statistics (tests/bench, python3)
#   compile_fail  misuses of the SCSI abstractions must not compile
#   dkms          dkms add/build/install against the reference kernel tree
#   <group>       a VM group under tests/selftests/<group>/ (groups with the
#                 same vm.conf share a VM boot)
# Prints per-test results and ends with "N passed, N failed, N skipped".
# ORION_FLAVOUR=debug (make check FLAVOUR=debug) runs the VM groups on the
# KASAN/lockdep/kmemleak kernel, with the module built against it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"

mapfile -t all_groups < <(cd "$top/tests/selftests" && for d in */; do
	[ -f "$d/vm.conf" ] && echo "${d%/}"; done | sort)
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(host compile_fail dkms "${all_groups[@]}")

pass=0 fail=0 skip=0
logdir=${ORION_TEST_LOGS:-$top/out/test-logs}
mkdir -p "$logdir"

result() {  # result ok|fail|skip "name"
	case $1 in
	ok) pass=$((pass + 1)); echo "ok - $2";;
	skip) skip=$((skip + 1)); echo "ok - $2 # SKIP";;
	*) fail=$((fail + 1)); echo "not ok - $2";;
	esac
}

# host_cargo_test NAME LOG DIR [ARGS...]: cargo test in DIR, counted.
host_cargo_test() {
	local name=$1 out=$2 dir=$3 p f; shift 3
	if (cd "$dir" && cargo test --quiet "$@" 2>&1) > "$out"; then :; fi
	# One line per test binary: "test result: ok. 12 passed; 0 failed; ..."
	p=$(awk '/^test result:/ { s += $4 } END { print s + 0 }' "$out")
	f=$(awk '/^test result:/ { s += $6 } END { print s + 0 }' "$out")
	grep -E '^test .* (ok|FAILED)$|^---- ' "$out" | grep -v ' ok$' || true
	echo "# $name: $p passed, $f failed (log: $out)"
	pass=$((pass + p)); fail=$((fail + f))
	if ! grep -q '^test result:' "$out"; then
		tail -20 "$out"; result fail "$name did not run"
	fi
}

# host_py_test NAME LOG DIR: python3 -m unittest in DIR (the system's
# Python, $ORION_PYTHON), counted per test like the cargo tests.
host_py_test() {
	local name=$1 out=$2 dir=$3 p f
	if (cd "$dir" && PYTHONDONTWRITEBYTECODE=1 "$ORION_PYTHON" -m unittest -v 2>&1) > "$out"; then :; fi
	# One line per test: "test_x (module.Class.test_x) ... ok|FAIL|ERROR".
	p=$(grep -cE ' \.\.\. ok$' "$out")
	f=$(grep -cE ' \.\.\. (FAIL|ERROR)$' "$out")
	grep -E ' \.\.\. (FAIL|ERROR)$' "$out" || true
	echo "# $name: $p passed, $f failed (log: $out)"
	pass=$((pass + p)); fail=$((fail + f))
	if ! grep -qE '^Ran [0-9]+ tests?' "$out" || [ $((p + f)) = 0 ]; then
		tail -20 "$out"; result fail "$name did not run"
	fi
}

run_host() {
	host_cargo_test "host cargo test" "$logdir/host-cargo.log" "$top/tests/host"
	# The benchmarks' statistics (scripts/benchstat.py).
	host_py_test "benchstat unittest" "$logdir/host-benchstat.log" "$top/tests/bench"
	# The userspace tools (tools/*), built where scripts/build-tools.sh
	# builds them, outside the checkout.
	local m tool
	for m in "$top"/tools/*/Cargo.toml; do
		tool=$(basename "$(dirname "$m")")
		host_cargo_test "tools/$tool cargo test" "$logdir/host-$tool.log" "$(dirname "$m")" \
			--release --locked --target-dir "$ORION_TOOLS_TARGET"
	done
}

run_compile_fail() {
	local out=$logdir/compile-fail.log p f
	bash "$top/tests/compile-fail/run.sh" > "$out" 2>&1
	grep -E '^(not )?ok ' "$out"
	grep -E '^  # ' "$out" | head -20
	p=$(grep -c '^ok ' "$out"); f=$(grep -c '^not ok ' "$out")
	pass=$((pass + p)); fail=$((fail + f))
	[ $((p + f)) -gt 0 ] || { tail -20 "$out"; result fail "compile_fail: no case ran"; }
}

run_dkms() {
	local out=$logdir/dkms.log p f
	bash "$top/tests/dkms/run.sh" > "$out" 2>&1
	grep -E '^(not )?ok |^  # ' "$out"
	p=$(grep -c '^ok ' "$out"); f=$(grep -c '^not ok ' "$out")
	pass=$((pass + p)); fail=$((fail + f))
	[ $((p + f)) -gt 0 ] || { tail -20 "$out"; result fail "dkms: no check ran"; }
}

# run_vm_boot GROUP...: one VM boot runs the groups one after the other
# (they have the same vm.conf); each group's results are its own. The
# console log is shared: GROUP.console.log names it for each.
run_vm_boot() {
	local first=$1 g vm_args=() t=0 rc log tag
	for g in "$@"; do
		[ -f "$top/tests/selftests/$g/vm.conf" ] || { result fail "unknown test group '$g'"; return; }
	done
	mapfile -t vm_args < <(vm_conf_args "$first" "$flavour")
	tag=$(IFS=+; echo "$*")
	log=$logdir/$tag.console.log
	if [ $# -gt 1 ]; then
		# The time limit is per group: a shared boot gets the sum.
		t=$(bash "$top/scripts/vm-run.sh" --flavour "$flavour" "${vm_args[@]}" --print-timeout)
		vm_args+=(--timeout $((t * $#)))
		echo "# groups $*: booting one VM (${vm_args[*]})"
	else
		echo "# group $first: booting VM (${vm_args[*]})"
	fi
	for g in "$@"; do rm -f "$logdir/$g.ktap"; done
	bash "$top/scripts/vm-run.sh" --flavour "$flavour" "${vm_args[@]}" --log "$log" --rwdir "$logdir" -- \
		bash "$top/tests/selftests/run-groups.sh" "$logdir" "$@" 2> "$logdir/$tag.vm-run.err"
	rc=$?
	for g in "$@"; do
		[ $# = 1 ] || { ln -sf "$tag.console.log" "$logdir/$g.console.log"; ln -sf "$tag.vm-run.err" "$logdir/$g.vm-run.err"; }
		count_group "$g" "$rc" "$tag"
	done
}

# count_group GROUP RC TAG: the group's KTAP results, the VM run's (RC,
# logs named TAG) and the host's checks after the power-off.
count_group() {
	local g=$1 rc=$2 tag=$3 out=$logdir/$1.ktap line
	if [ -f "$out" ]; then
		sed 's/^/    /' "$out"
		local p f s
		# Subtest results are indented by the group runner; count those.
		p=$(grep -cE '^  +ok [0-9]+ ' "$out"); s=$(grep -cE '^  +ok [0-9]+ .*# SKIP' "$out")
		f=$(grep -cE '^  +not ok [0-9]+ ' "$out")
		pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
		# A program that died without reporting a failure counts as one.
		local crashed
		crashed=$(grep -cE '^not ok [0-9]+ .*# died' "$out")
		fail=$((fail + crashed))
	else
		result fail "$g: no test output"
	fi
	# In a shared boot, the command fails (status 3) when any group did;
	# a group with no failure of its own ran fine.
	if [ "$rc" = 3 ] && [ "$tag" != "$g" ] && [ -f "$out" ] && ! grep -q '^not ok' "$out"; then
		rc=0
	fi
	if [ "$rc" = 0 ]; then
		result ok "$g: VM run ok (group passed; no oops, warning or hang)"
	else
		sed 's/^/  # /' "$logdir/$tag.vm-run.err"
		result fail "$g: VM run ok (group passed; no oops, warning or hang)"
	fi
	# Checks of what happened after the guest's last program, at the
	# power-off (a PCI shutdown callback): run on the host over the log.
	local after=$top/tests/selftests/$g/host/after-poweroff.sh
	if [ -f "$after" ]; then
		while IFS= read -r line; do
			case $line in
			'ok - '*) result ok "$g: ${line#ok - }";;
			'not ok - '*) result fail "$g: ${line#not ok - }";;
			esac
		done < <(bash "$after" "$logdir/$tag.console.log")
	fi
}

# VM groups need the module, built against the kernel they boot: the
# reference kernel, or with ORION_FLAVOUR=debug the KASAN/lockdep one.
flavour=${ORION_FLAVOUR:-ref}
for g in "${groups[@]}"; do
	case $g in host|compile_fail|dkms) continue;; esac
	kdir=
	[ "$flavour" = ref ] || kdir=$(bash "$top/scripts/build-kernel.sh" "$flavour" 2> "$logdir/build.log") || {
		tail -30 "$logdir/build.log"; result fail "build the $flavour kernel"; break; }
	if ! KDIR=$kdir bash "$top/scripts/build-module.sh" > /dev/null 2> "$logdir/build.log"; then
		tail -30 "$logdir/build.log"
		result fail "build orion_scsi.ko"
		echo "$pass passed, $fail failed, $skip skipped"
		exit 1
	fi
	# The userspace tools the VM tests run (sg-fuzz, orionctl); seconds
	# when cached.
	if ! bash "$top/scripts/build-tools.sh" > /dev/null 2> "$logdir/build-tools.log"; then
		tail -30 "$logdir/build-tools.log"
		result fail "build tools (scripts/build-tools.sh)"
	fi
	break
done

# Groups with the same vm.conf share one boot (a boot is 10-15 s on the
# reference kernel and over 2 minutes on the debug one), in the order the
# first of them comes; a group with checks after the power-off
# (host/after-poweroff.sh) boots alone. ORION_SHARED_BOOTS=0: one boot
# per group.
declare -A boot_of=()   # vm.conf words -> the groups that share its boot
boot_keys=()
for g in "${groups[@]}"; do
	case $g in
	host) run_host;;
	compile_fail) run_compile_fail;;
	dkms) run_dkms;;
	*)
		key=$g
		if [ "${ORION_SHARED_BOOTS:-1}" != 0 ] && [ -f "$top/tests/selftests/$g/vm.conf" ] &&
			[ ! -f "$top/tests/selftests/$g/host/after-poweroff.sh" ]; then
			key=$(vm_conf_args "$g" "$flavour" | tr '\n' ' ')
		fi
		[ -n "${boot_of[$key]+set}" ] || boot_keys+=("$key")
		boot_of[$key]+="$g "
		;;
	esac
done
for key in ${boot_keys[@]+"${boot_keys[@]}"}; do
	read -ra set <<< "${boot_of[$key]}"
	run_vm_boot "${set[@]}"
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
