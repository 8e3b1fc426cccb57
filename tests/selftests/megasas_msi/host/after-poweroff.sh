#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on the host after the group's VM powered off (tests/run-all.sh):
# the power-off that followed shutdown.sh called orion_megasas's PCI
# shutdown on both controllers. Prints "ok - ..." / "not ok - ..." lines.
#
# QEMU's megasas_dcmd_enter trace ("... DCMD <name> len L") is in the log,
# but not in order with the guest's console (QEMU's stderr is written
# apart), so it is counted: every controller bring-up (one CTRL_GET_INFO
# each) must be matched by a CTRL_CACHE_FLUSH and a CTRL_SHUTDOWN. The
# unloads in irq.sh account for one pair per controller; the power-off
# must send the pairs for the controllers shutdown.sh left bound.
set -u
log=$1
result() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }
count() { grep -c "megasas_dcmd_enter .* DCMD $1 " "$log"; }

after=$(sed -n '/orion: powering off with orion_megasas bound/,$p' "$log")
n=$(grep -c "shutdown: cache flushed, firmware stopped" <<< "$after")
[ "$n" = 2 ]; result $? "power-off: orion_megasas's shutdown ran on both controllers (got $n)"
up=$(count CTRL_GET_INFO) flush=$(count CTRL_CACHE_FLUSH) stop=$(count CTRL_SHUTDOWN)
[ "$up" -ge 4 ] && [ "$flush" = "$up" ] && [ "$stop" = "$up" ]
result $? "power-off: QEMU saw a cache flush and a shutdown DCMD for every bring-up, the last at power-off ($up bring-ups, $flush flushes, $stop shutdowns)"
