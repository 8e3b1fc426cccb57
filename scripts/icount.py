#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest kernel instructions per command, by function, from the counts the
icount plugin (tools/qemu-icount) wrote around each measured run of
profile-hba-guest.sh: OUTDIR/icount.<n>, and OUTDIR/icount-runs naming
the runs in mark order (run k is between marks 2k and 2k+1, so its counts
are icount.<2k+1>). Prints, per job, each driver's instructions and
translation blocks per command split into its driver module and the rest
of the kernel, then the functions whose counts differ most between the
two drivers.

usage: icount.py OUTDIR [TOP]"""
import bisect
import collections
import json
import re
import sys


def short(name):
    """A Rust v0 symbol as its last few identifiers (crate names and
    disambiguators dropped); C names as they are."""
    sym, _, mod = name.partition(" ")
    if sym.startswith("_R"):
        # Disambiguators (`s<base62>_` after a crate or impl tag) are not names.
        rest = re.sub(r"(?<=[CMXY])s[0-9A-Za-z]*_", "", sym)
        idents, i = [], 0
        while i < len(rest):
            m = re.match(r"(\d+)_?", rest[i:])
            if m and (i == 0 or not rest[i - 1].isdigit()):
                n, j = int(m.group(1)), i + m.end()
                word = rest[j:j + n]
                if n and len(word) == n and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                    idents.append(word)
                    i = j + n
                    continue
            i += 1
        idents = [w for w in idents if w not in ("orion_scsi_main", "kernel", "core")]
        sym = "::".join(idents[-4:]) or sym
    return f"{sym} {mod}".strip()


def main():
    out = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    syms = []
    for line in open(f"{out}/kallsyms"):
        f = line.split()
        if len(f) >= 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), " ".join(f[2:4])))
    syms.sort()
    starts = [a for a, _ in syms]
    runs = open(f"{out}/icount-runs").read().split()
    per = {}
    for k, tag in enumerate(runs):
        job = json.load(open(f"{out}/{tag}.fio.json"))["jobs"][0]
        ios = job["read"]["total_ios"] + job["write"]["total_ios"]
        insns, tbs = collections.Counter(), collections.Counter()
        try:
            lines = open(f"{out}/icount.{2 * k + 1}").read().splitlines()
        except OSError:
            print(f"icount: no counts for {tag}")
            continue
        for line in lines:
            addr, n, runs_of = line.split()
            i = bisect.bisect_right(starts, int(addr, 16)) - 1
            name = syms[i][1] if i >= 0 else "?"
            insns[name] += int(n) * int(runs_of)
            tbs[name] += int(runs_of)
        if ios:
            per[tag] = (ios, insns, tbs)
    jobs = collections.OrderedDict()
    for tag in per:
        drv, _, job = tag.partition("-")
        jobs.setdefault(job, []).append(drv)
    for job, drivers in jobs.items():
        print(f"\n== {job}: guest kernel instructions (blocks) per command, counted by the icount plugin")
        for drv in drivers:
            ios, insns, tbs = per[f"{drv}-{job}"]
            mod = [k for k in insns if k.endswith("]")]
            own = sum(insns[k] for k in mod if k.split()[-1] not in ("[kernel]",))
            print(f"{drv:<14} {sum(insns.values()) / ios:9.0f} ({sum(tbs.values()) / ios:.0f})"
                  f"  in modules {own / ios:.0f}"
                  f" ({sum(tbs[k] for k in mod) / ios:.0f}),"
                  f" in the kernel's rust_helper_* C wrappers:"
                  f" {sum(v for k, v in insns.items() if k.startswith('rust_helper_')) / ios:.0f}")
        if len(drivers) != 2:
            continue
        (na, a, ta), (nb, b, tb) = per[f"{drivers[0]}-{job}"], per[f"{drivers[1]}-{job}"]
        rows = sorted(set(a) | set(b), key=lambda k: -abs(a[k] / na - b[k] / nb))
        print(f"{'':<2}{drivers[0]:>10} {drivers[1]:>12}  function (largest differences first;"
              " work per second, such as samplers, shows up per command too)")
        for k in rows[:top]:
            print(f"  {a[k] / na:8.1f} ({ta[k] / na:4.1f}) {b[k] / nb:7.1f} ({tb[k] / nb:4.1f})  {short(k)[:100]}")


main()
