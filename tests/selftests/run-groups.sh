#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM: the groups named, one after the other, in one
# boot (run-group.sh each; GROUP.ktap in OUTDIR). Fails if any group did.
# Usage: run-groups.sh OUTDIR GROUP...
set -u
outdir=$1; shift
rc=0
for g in "$@"; do
	bash "$(dirname "$0")/run-group.sh" "$g" "$outdir/$g.ktap" || rc=1
done
exit $rc
