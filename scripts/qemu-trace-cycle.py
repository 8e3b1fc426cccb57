#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The doorbell cycle of MegaRAID frames, per driver, from a QEMU trace log
of `make profile PROFILE_QEMU_TRACE=FILE` (lines `tid@sec.usec:event
args`, FILE naming megasas_mmio_writel, megasas_handle_scsi,
megasas_handle_io and thread_pool_submit_aio).

A cycle is the time between two consecutive frame posts (writes to
MFI_IQP) on one vCPU thread, under 1 ms apart: in a dispatch batch, one
request's whole submission. It is split where QEMU submits the read to
its thread pool: before it, QEMU decoding the frame (the same work for
both drivers' frame kinds); after it, QEMU's return and the guest's work
up to the next post. A cycle is the driver's whose frame QEMU handled:
LD SCSI IO (orion) or LD READ/WRITE (megaraid_sas).

usage: qemu-trace-cycle.py QEMU-TRACE-LOG"""
import collections
import re
import sys

LINE = re.compile(r"^(\d+)@(\d+)\.(\d+):(\w+)(.*)$")
DRIVER = {"megasas_handle_scsi": "orion", "megasas_handle_io": "megaraid_sas"}


def main():
    last = {}
    parts = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(sys.argv[1], errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        tid, sec, usec, event, args = m.groups()
        t = int(sec) * 1000000 + int(usec)
        if event == "megasas_mmio_writel":
            if "MFI_IQP" not in args:
                continue
            prev = last.get(tid)
            if prev and prev.get("driver") and "submit" in prev and t - prev["t"] < 1000:
                p = parts[prev["driver"]]
                p["cycle"].append(t - prev["t"])
                p["QEMU to submission"].append(prev["submit"] - prev["t"])
                p["after submission"].append(t - prev["submit"])
            last[tid] = {"t": t}
        elif tid in last:
            if event in DRIVER:
                last[tid]["driver"] = DRIVER[event]
            elif event == "thread_pool_submit_aio":
                last[tid].setdefault("submit", t)
    if not parts:
        sys.exit("qemu-trace-cycle: no frame posts with their handling in the log")
    print(f"{'driver':<14} {'part':<20} {'cycles':>7}   µs at p5 p10 p25 p50 p75")
    for drv, p in parts.items():
        for name, v in p.items():
            v.sort()
            q = [v[min(len(v) - 1, int(len(v) * f))] for f in (0.05, 0.1, 0.25, 0.5, 0.75)]
            print(f"{drv:<14} {name:<20} {len(v):7d}   " + " ".join(f"{x:3d}" for x in q))


main()
