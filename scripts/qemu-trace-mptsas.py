#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where an mptsas1068 benchmark's requests are, from a QEMU trace log of
`make profile ADAPTER=mptsas1068 PROFILE_QEMU_TRACE=FILE` (lines
`tid@sec.usec:event args`, FILE naming mptsas_mmio_write,
mptsas_mmio_read and mptsas_command_complete).

A request is in the device from the guest's write of its frame to the
request FIFO until QEMU completes it (mptsas_command_complete), then
posted until the guest reads its reply from the reply FIFO; the rest of
the queue depth is in the guest (completion, fio, the next submission).
For each measured run (request writes of one controller, no gap over a
second, at least two seconds long) it prints the commands per second,
the time-weighted mean number of requests in each state, how long the
device held none, the time from a reply's post to its read, and the
guest's reply drains (reads up to the FIFO's empty value).

The controllers are named in the order their first run starts (the
profile runs orion's job first).

usage: qemu-trace-mptsas.py QEMU-TRACE-LOG QUEUE-DEPTH NAME..."""
import collections
import re
import sys

LINE = re.compile(r"^(\d+)@(\d+)\.(\d+):(\w+) ?(.*)$")
REQUEST_FIFO = 0x40
REPLY_FIFO = 0x44
EMPTY = 0xFFFFFFFF
RUN_GAP_US = 1_000_000
MIN_RUN_US = 2_000_000


def events(path):
    """(time in µs, event, controller, register, value) of the trace's
    mptsas events."""
    with open(path, errors="replace") as log:
        for line in log:
            m = LINE.match(line)
            if not m:
                continue
            _, sec, usec, event, args = m.groups()
            if not event.startswith("mptsas_"):
                continue
            f = dict(re.findall(r"(\w+) (0x[0-9a-fA-F]+)", args))
            t = int(sec) * 1_000_000 + int(usec)
            value = f.get("value", f.get("context"))
            yield (t, event, f.get("dev"),
                   int(f["addr"], 16) if "addr" in f else None,
                   int(value, 16) if value else None)


def runs(evs):
    """{controller: [(start, end)]} of the measured runs, and the
    controllers in the order their first run starts."""
    writes = collections.defaultdict(list)
    for t, event, dev, addr, _ in evs:
        if event == "mptsas_mmio_write" and addr == REQUEST_FIFO:
            writes[dev].append(t)
    found = {}
    for dev, ts in writes.items():
        spans, start, prev = [], ts[0], ts[0]
        for t in ts[1:] + [None]:
            if t is None or t - prev > RUN_GAP_US:
                if prev - start >= MIN_RUN_US:
                    spans.append((start, prev))
                if t is None:
                    break
                start = t
            prev = t
        if spans:
            found[dev] = spans
    return found, sorted(found, key=lambda d: found[d][0][0])


def pct(xs, p):
    return xs[min(len(xs) - 1, len(xs) * p // 100)] if xs else 0


def run_figures(evs, dev, start, end, depth):
    """The figures of one run as a printable line."""
    in_dev = posted = 0
    acc = collections.Counter()
    last = start
    pending = {}
    post_to_read, drains = [], []
    drain_start, drain_n = None, 0
    writes = 0
    for t, event, d, addr, value in evs:
        if d != dev or t < start or t > end:
            continue
        dt, last = t - last, t
        acc["device"] += in_dev * dt
        acc["posted"] += posted * dt
        if in_dev == 0:
            acc["empty"] += dt
        if event == "mptsas_mmio_write" and addr == REQUEST_FIFO:
            in_dev += 1
            writes += 1
        elif event == "mptsas_command_complete":
            in_dev = max(in_dev - 1, 0)
            posted += 1
            pending[value] = t
        elif event == "mptsas_mmio_read" and addr == REPLY_FIFO:
            if value == EMPTY:
                if drain_start is not None:
                    drains.append((drain_n, t - drain_start))
                drain_start, drain_n = None, 0
                continue
            posted = max(posted - 1, 0)
            if drain_start is None:
                drain_start = t
            drain_n += 1
            if value in pending:
                post_to_read.append(t - pending.pop(value))
    span = max(end - start, 1)
    post_to_read.sort()
    device, waiting = acc["device"] / span, acc["posted"] / span
    per_drain = sum(n for n, _ in drains) / max(len(drains), 1)
    drain_us = sum(us for _, us in drains) / max(len(drains), 1)
    return (f"{writes * 1_000_000 / span:7.0f} commands/s; requests in the device {device:4.1f}, "
            f"posted {waiting:4.1f}, in the guest {depth - device - waiting:4.1f}; "
            f"device empty {100 * acc['empty'] / span:4.1f} %; "
            f"post to read p50 {pct(post_to_read, 50)} p90 {pct(post_to_read, 90)} us; "
            f"{per_drain:.1f} replies per drain in {drain_us:.0f} us")


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, depth, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    evs = list(events(path))
    found, order = runs(evs)
    for dev, name in zip(order, names):
        for start, end in found[dev]:
            print(f"{name:<8} {(end - start) / 1e6:5.1f} s: "
                  + run_figures(evs, dev, start, end, depth))


if __name__ == "__main__":
    main()
