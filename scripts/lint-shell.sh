#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs shellcheck on every shell script of the project: scripts/, tests/ (the VM
# test programs and their helpers) and .ci/run, following sourced files
# (-x). Settings, with their reasons, in .shellcheckrc. Exits non-zero on
# any finding, so `make lint` and CI can use it as it is.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v shellcheck >/dev/null ||
	{ echo "lint-shell: shellcheck is not installed (apt-get install shellcheck)" >&2; exit 2; }
mapfile -t files < <({
	find scripts tests -name '*.sh' -not -path '*/target/*'
	echo .ci/run
} | sort)
shellcheck -x "$@" "${files[@]}"
echo "lint-shell: ${#files[@]} files clean ($(shellcheck --version | sed -n 's/^version: //p'))"
