#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on the host after the group's VM powered off (tests/run-all.sh):
# the power-off that followed zz_shutdown.sh called orion_mptsas's PCI
# shutdown, which reset the IOC and read READY back from it. Prints
# "ok - ..." / "not ok - ..." lines.
set -u
log=$1
result() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }

after=$(sed -n '/orion: powering off with orion_mptsas bound/,$p' "$log")
[ -n "$after" ]; result $? "power-off: the guest left the IOC bound (marker in the log)"
n=$(grep -c "orion_mptsas .*shutdown: IOC stopped (READY)" <<< "$after")
[ "$n" = 1 ]; result $? "power-off: orion_mptsas's shutdown stopped the IOC, READY read back (got $n)"
