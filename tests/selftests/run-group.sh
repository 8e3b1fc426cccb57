#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: every test program of one group, kselftest style.
# Each program prints KTAP; its output is nested (indented) under one
# top-level result line. Writes the whole KTAP stream to $2 and stdout.
set -u
group=$1 out=$2
dir=$(cd "$(dirname "$0")/$group" && pwd)
# Time limit per program; the debug kernel (vm-run.sh --flavour debug) is
# several times slower.
limit=600
[ "${ORION_FLAVOUR:-ref}" != debug ] || limit=1800
mapfile -t progs < <(cd "$dir" && find . -maxdepth 1 -name '*.sh' -printf '%f\n' | sort)
# ORION_SKIP_PROGS: GROUP/PROGRAM words to report as skipped, not run (CI
# runs a program the debug kernel repeats only there: .ci/run).
skip_progs=" ${ORION_SKIP_PROGS:-} "
{
	echo "TAP version 13"
	echo "1..${#progs[@]}"
	n=0
	for p in "${progs[@]}"; do
		n=$((n + 1))
		echo "# selftests: orion_scsi/$group: $p"
		if [[ $skip_progs == *" $group/$p "* ]]; then
			printf '  1..1\n  ok 1 %s # SKIP not run here (ORION_SKIP_PROGS)\n' "$group/$p"
			echo "ok $n selftests: orion_scsi/$group: $p # SKIP"
			continue
		fi
		start=$SECONDS
		(cd "$dir" && timeout "$limit" bash "./$p" 2>&1) > /tmp/orion-prog.out
		rc=$?
		sed 's/^/  /' /tmp/orion-prog.out
		# The time a program takes, for the CI budget (Documentation/testing.rst).
		echo "# $group/$p: $((SECONDS - start)) s"
		# "# died" marks a program that failed without a failing subtest
		# (crash, timeout, wrong plan), so the host counts it once.
		died=
		[ $rc != 0 ] && [ $rc != 4 ] && ! grep -q '^not ok' /tmp/orion-prog.out && died=" # died"
		case $rc in
		0) echo "ok $n selftests: orion_scsi/$group: $p";;
		4) echo "ok $n selftests: orion_scsi/$group: $p # SKIP";;
		*) echo "not ok $n selftests: orion_scsi/$group: $p # exit=$rc$died";;
		esac
	done
} | tee "$out"
! grep -q '^not ok' "$out"
