#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Statistics, JSON and charts of the benchmark scripts (one implementation
for make bench, bench-megasas, bench-lsi and bench-iscsi).

In the guest, `record` turns one fio run (--output-format=json) into one
JSON line of the results file (`guest-meta` writes the guest's versions).
On the host, `report` reads those lines and prints the table (median and
min-max over the runs of each job, scheduler and driver, the ratio of the
base driver's median to each other's, fio's completion-latency percentiles
of the QD1 job and orion's own command-latency histogram), writes
out/bench/<bench>-<date>.json (schema in Documentation/benchmarks.rst) and
a chart next to it (matplotlib, when installed).

Standard library only, except the chart.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

SCHEMA = 1
# fio's latency percentiles the jobs report (fio keys them as "%f"
# strings: "99.900000"), of the completion latency (clat: from the
# submission's return to the completion) and of the total latency (lat:
# from before the submission; with libaio, a command completed inside
# io_submit, as orion's virtual adapter and scsi_debug delay=0 do, shows
# in lat but hardly in clat).
PERCENTILES = (50.0, 99.0, 99.9)
LATENCIES = ("clat", "lat")
# Latency histogram lines of orion's debugfs stats files
# (drivers/common/stats.rs): bucket "lt_N" counts latencies below N us,
# the last one "ge_N" everything from N us on.
HIST_RE = re.compile(r"^latency_us_(lt|ge)_(\d+) (\d+)$")


# ---- statistics -------------------------------------------------------

def spread(values):
    """The median, minimum and maximum of VALUES (not empty), and their count."""
    vals = list(values)
    if not vals:
        raise ValueError("spread of no values")
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


def ratio(num, den):
    """NUM / DEN, or None when DEN is zero (a driver that did no I/O)."""
    return num / den if den else None


def pct_key(p):
    """The name of percentile P in records and tables: p50, p99, p99.9."""
    return "p" + (f"{p:g}")


# ---- fio --------------------------------------------------------------

def load_fio(text):
    """fio's JSON output, ignoring anything before the first "{" (fio
    may print warnings to the same stream)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in fio output")
    return json.loads(text[start:])


def fio_side(job, rw):
    """The "read" or "write" section of one fio job, by the job's rw."""
    return job["write"] if "write" in rw else job["read"]


def percentiles_us(side, kind="clat", wanted=PERCENTILES):
    """fio's KIND ("clat" or "lat") latency percentiles of SIDE in
    microseconds, as {"p50": us, ...}; a percentile fio did not report is
    left out. Reads KIND_ns (fio 3) or, failing that, KIND in us (fio 2)."""
    lat = side.get(kind + "_ns")
    scale = 1000.0
    if lat is None:
        lat, scale = side.get(kind, {}), 1.0
    table = lat.get("percentile", {})
    out = {}
    for p in wanted:
        for key, val in table.items():
            if abs(float(key) - p) < 1e-6:
                out[pct_key(p)] = val / scale
                break
    return out


def fio_record(fio, rw):
    """The figures of a fio run (group_reporting: the first job is the
    group): IOPS, MB/s (10^6 bytes), mean submission, completion and total
    latency and the completion and total latency percentiles in us,
    runtime in ms."""
    job = fio["jobs"][0]
    side = fio_side(job, rw)

    def mean_us(kind):
        return (side.get(kind + "_ns") or {}).get("mean", 0.0) / 1000.0
    return {
        "iops": side["iops"],
        "mbps": side["bw_bytes"] / 1e6,
        "slat_mean_us": mean_us("slat"),
        "clat_mean_us": mean_us("clat"),
        "lat_mean_us": mean_us("lat"),
        "clat_us": percentiles_us(side, "clat"),
        "lat_us": percentiles_us(side, "lat"),
        "runtime_ms": side.get("runtime", job.get("job_runtime", 0)),
        "io_errors": job.get("error", 0),
    }


# ---- orion's latency histogram ----------------------------------------

def parse_orion_hist(text):
    """The latency histogram of an orion debugfs stats file, as a list of
    [bound_us, count, open]: count commands below bound_us, or (open, the
    last bucket) from bound_us on."""
    out = []
    for line in text.splitlines():
        m = HIST_RE.match(line.strip())
        if m:
            out.append([int(m.group(2)), int(m.group(3)), m.group(1) == "ge"])
    return out


def hist_diff(before, after):
    """AFTER - BEFORE, bucket by bucket (the commands of one fio run)."""
    if len(before) != len(after):
        raise ValueError("histograms of different shapes")
    return [[a[0], a[1] - b[1], a[2]] for b, a in zip(before, after)]


def hist_sum(hists):
    """The bucket-wise sum of histograms of one shape."""
    total = None
    for h in hists:
        total = [list(b) for b in h] if total is None else \
            [[t[0], t[1] + b[1], t[2]] for t, b in zip(total, h)]
    return total


def hist_percentile(hist, p):
    """The bucket bound under which P % of HIST's commands completed, as
    a string ("<64", ">=8388608"), or None for an empty histogram."""
    total = sum(b[1] for b in hist)
    if not total:
        return None
    seen = 0
    for bound, count, is_open in hist:
        seen += count
        if seen * 100.0 >= p * total:
            return (">=" if is_open else "<") + str(bound)
    return None


# ---- records ----------------------------------------------------------

def read_records(paths):
    """The JSON lines of results files, one per VM boot: (run records,
    each with its "boot" (1..), guest metadata of the first boot)."""
    runs, meta = [], {}
    for boot, path in enumerate(paths, 1):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                if rec.get("type") == "meta":
                    if not meta:
                        meta = {k: v for k, v in rec.items() if k != "type"}
                else:
                    runs.append(rec | {"boot": boot})
    return runs, meta


def ordered(values):
    """VALUES without repeats, in first-seen order."""
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def median_iops(runs):
    """The median IOPS of RUNS, or None when there are none."""
    return spread(r["iops"] for r in runs)["median"] if runs else None


def summarize(runs, drivers, base, boots=1):
    """Per job, scheduler mode and driver: IOPS, MB/s and (when reported)
    completion-latency percentiles as spreads over the runs of all boots,
    the ratio of BASE's median IOPS to the driver's, and that ratio
    within each boot (a ranking that holds in every boot is not one
    boot's luck). BOOTS is how many boots there were: one without runs
    of a driver gets None in its place."""
    groups = {}
    for r in runs:
        groups.setdefault((r["job"], r["sched"], r["driver"]), []).append(r)
    rows = []
    for job in ordered(r["job"] for r in runs):
        for sched in ordered(r["sched"] for r in runs):
            base_runs = groups.get((job, sched, base), [])
            base_iops = median_iops(base_runs)
            for drv in drivers:
                rs = groups.get((job, sched, drv))
                if not rs:
                    continue
                row = {"job": job, "sched": sched, "driver": drv,
                       "schedulers": ordered(r["scheduler"] for r in rs),
                       "iops": spread(r["iops"] for r in rs),
                       "mbps": spread(r["mbps"] for r in rs)}
                for kind in LATENCIES:
                    row[kind + "_us"] = {}
                    for p in PERCENTILES:
                        k = pct_key(p)
                        vals = [r[kind + "_us"][k] for r in rs if k in r.get(kind + "_us", {})]
                        if vals:
                            row[kind + "_us"][k] = spread(vals)
                row["ratio_iops"] = None if drv == base or base_iops is None else \
                    ratio(base_iops, row["iops"]["median"])
                row["ratio_iops_by_boot"] = []
                for b in range(1, boots + 1) if drv != base and boots > 1 else ():
                    num = median_iops([r for r in base_runs if r.get("boot", 1) == b])
                    den = median_iops([r for r in rs if r.get("boot", 1) == b])
                    row["ratio_iops_by_boot"].append(
                        None if num is None or den is None else ratio(num, den))
                hists = [r["orion_hist"] for r in rs if r.get("orion_hist")]
                row["orion_hist"] = hist_sum(hists) if hists else None
                rows.append(row)
    return rows


# ---- table ------------------------------------------------------------

def fmt_num(v):
    """A figure with as many digits as it needs: 12345, 123.4, 1.23."""
    if v >= 1000:
        return f"{v:.0f}"
    if v >= 100:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_spread(s):
    """median [min-max], or the value alone for a single run."""
    if s["n"] == 1:
        return fmt_num(s["median"])
    return f"{fmt_num(s['median'])} [{fmt_num(s['min'])}-{fmt_num(s['max'])}]"


def sched_label(row):
    """none, or default:<the scheduler the kernel picked>."""
    return row["sched"] if row["sched"] == "none" else "default:" + ",".join(row["schedulers"])


def fmt_share(count, total):
    """COUNT as a percentage of TOTAL, "<0.1%" for a small non-zero one."""
    share = count * 100.0 / total
    return "<0.1%" if share < 0.05 else f"{share:.1f}%"


def table(doc):
    """The printed report of a benchmark document (see build_doc)."""
    base, rows = doc["base"], doc["summary"]
    out = []
    boots = doc.get("boots", 1)
    where = "in one VM boot" if boots == 1 else f"in each of {boots} VM boots"
    head = f"{doc['title']}: {doc['runs']} run(s) per driver {where}, {doc['runtime_s']} s per job, " \
           f"driver order alternating between runs"
    out.append(head)
    if doc.get("note"):
        out.append(f"NOTE: {doc['note']}")
    g = doc.get("guest", {})
    out.append(f"kernel {g.get('kernel', '?')}, fio {g.get('fio', '?')}, "
               f"{doc['host'].get('qemu', '?')}, host CPU {doc['host'].get('cpu', '?')}")
    scheds = ", ".join(f"{d} {s}" for d, s in doc.get("default_scheduler", {}).items())
    out.append("sched: none = no I/O scheduler on every disk; default = the kernel's choice "
               f"({scheds})")
    out.append(f"cells: median [min-max] over the runs{' of all boots' if boots > 1 else ''}; "
               f"ratio = median IOPS of {base} / median IOPS of the driver"
               + ("; per boot: that ratio within each boot" if boots > 1 else ""))
    jobs = {j["name"]: j for j in doc["jobs"]}
    w = max(len(d) for d in doc["drivers"])
    out.append("")
    out.append(f"{'job':<22}{'sched':<21}{'driver':<{w + 2}}{'IOPS':>24}{'MB/s':>24}"
               f"{'ratio':>8}" + ("  per boot" if boots > 1 else ""))
    for r in rows:
        j = jobs.get(r["job"], {})
        label = f"{r['job']} QD{j.get('iodepth', '?')}x{j.get('numjobs', '?')}"
        sched = sched_label(r)
        rt = "" if r["ratio_iops"] is None else f"{r['ratio_iops']:.2f}"
        by_boot = " ".join("-" if x is None else f"{x:.2f}" for x in r.get("ratio_iops_by_boot", []))
        out.append(f"{label:<22}{sched:<21}{r['driver']:<{w + 2}}{fmt_spread(r['iops']):>24}"
                   f"{fmt_spread(r['mbps']):>24}{rt:>8}" + (f"  {by_boot}" if by_boot else ""))
    lat = [r for r in rows if jobs.get(r["job"], {}).get("iodepth") == 1]
    for kind, what in (("clat", "completion latency (fio clat: from io_submit's return)"),
                       ("lat", "total latency (fio lat: from before io_submit)")):
        if not any(r[kind + "_us"] for r in lat):
            continue
        out.append("")
        out.append(f"QD1 {what}, us: median [min-max] over the runs"
                   + (" of all boots" if boots > 1 else ""))
        out.append(f"{'job':<22}{'sched':<21}{'driver':<{w}}" +
                   "".join(f" {pct_key(p):>24}" for p in PERCENTILES))
        for r in lat:
            cells = r[kind + "_us"]
            out.append(f"{r['job']:<22}{sched_label(r):<21}{r['driver']:<{w}}" +
                       "".join(f" {fmt_spread(cells[pct_key(p)]) if pct_key(p) in cells else '-':>24}"
                               for p in PERCENTILES))
    if lat:
        out.append("")
        out.append(f"{base}'s own command latency (driver histogram, queuecommand to completion, "
                   "the QD1 job's commands over all runs; bucket bounds in us)")
        for r in lat:
            if r["driver"] != base:
                continue
            h = r["orion_hist"]
            if not h:
                out.append(f"  {r['job']} {sched_label(r)}: not exposed by this adapter "
                           f"({doc.get('orion_stats', 'no debugfs stats file')})")
                continue
            total = sum(b[1] for b in h)
            pcts = ", ".join(f"{pct_key(p)} {hist_percentile(h, p)}" for p in PERCENTILES)
            buckets = ", ".join(f"{'>=' if o else '<'}{b}: {fmt_share(c, total)}"
                                for b, c, o in h if c)
            out.append(f"  {r['job']} {sched_label(r)}: {total} commands; {pcts}; {buckets}")
    return "\n".join(out)


# ---- document ---------------------------------------------------------

def command_line(args):
    """The first line of a command's output, or "?" when it fails."""
    try:
        res = subprocess.run(args, capture_output=True, text=True, check=False, timeout=30)
        lines = res.stdout.strip().splitlines()
        return lines[0] if lines else "?"
    except OSError:
        return "?"


def host_cpu():
    """The host's CPU model (/proc/cpuinfo), and its count."""
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} x {os.cpu_count()}"


def build_doc(args, runs, meta):
    """The JSON document of one benchmark (schema: Documentation/benchmarks.rst)."""
    drivers = args.drivers.split(",")
    jobs = []
    for r in runs:
        if r["job"] not in [j["name"] for j in jobs]:
            jobs.append({k: r[k] for k in ("rw", "bs", "iodepth", "numjobs", "size_mb")} | {"name": r["job"]})
    default_sched = {}
    for r in runs:
        if r["sched"] == "default":
            default_sched.setdefault(r["driver"], r["scheduler"])
    return {
        "schema": SCHEMA,
        "bench": args.bench,
        "title": args.title or args.bench,
        "date": args.date or time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "note": args.note or "",
        "runs": args.runs,
        "boots": len(args.records),
        "runtime_s": args.runtime,
        "base": args.base,
        "drivers": drivers,
        "jobs": jobs,
        "default_scheduler": default_sched,
        "orion_stats": meta.get("orion_stats", ""),
        "host": {"cpu": host_cpu(), "kernel": platform.release(),
                 "qemu": command_line(["qemu-system-x86_64", "--version"])},
        "guest": meta,
        "summary": summarize(runs, drivers, args.base, len(args.records)),
        "records": runs,
    }


# ---- chart ------------------------------------------------------------

def chart(doc, path):
    """IOPS per job and driver (median bar, min-max error bar), one row of
    panels per scheduler mode, and the QD1 job's latency percentiles.
    Returns False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows, drivers = doc["summary"], doc["drivers"]
    jobs = {j["name"]: j for j in doc["jobs"]}
    scheds = ordered(r["sched"] for r in rows)
    tput = [j for j in jobs if jobs[j]["iodepth"] != 1]
    lat = [j for j in jobs if jobs[j]["iodepth"] == 1]
    ncol = 2 if lat else 1
    fig, axes = plt.subplots(len(scheds), ncol, figsize=(6.5 * ncol, 3.8 * len(scheds)), squeeze=False)
    width = 0.8 / len(drivers)

    def bars(ax, labels, get):
        """Bars of get(driver, label) spreads; returns how many were drawn."""
        drawn = 0
        for i, d in enumerate(drivers):
            xs, med, lo, hi = [], [], [], []
            for x, label in enumerate(labels):
                s = get(d, label)
                if s is None:
                    continue
                xs.append(x + (i - (len(drivers) - 1) / 2) * width)
                med.append(s["median"])
                lo.append(s["median"] - s["min"])
                hi.append(s["max"] - s["median"])
            ax.bar(xs, med, width, yerr=[lo, hi], capsize=3, label=d)
            drawn += sum(1 for m in med if m > 0)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels)
        return drawn

    def find(d, job, sched):
        return next((r for r in rows if r["driver"] == d and r["job"] == job and r["sched"] == sched), None)

    for k, sched in enumerate(scheds):
        ax = axes[k][0]
        bars(ax, tput, lambda d, j, s=sched: (find(d, j, s) or {}).get("iops"))
        ax.set_ylabel("IOPS (median, min-max)")
        ax.set_title(f"throughput, scheduler {sched}")
        ax.legend(fontsize="small")
        if lat:
            ax = axes[k][1]
            labels = [pct_key(p) for p in PERCENTILES]
            # Total latency (comparable whether a driver completes inside
            # io_submit or not); completion latency for records without it.
            kind = "lat" if any(r.get("lat_us") for r in rows) else "clat"
            if bars(ax, labels, lambda d, p, s=sched: (find(d, lat[0], s) or {}).get(kind + "_us", {}).get(p)):
                ax.set_yscale("log")
            ax.set_ylabel(f"fio {kind}, us (median, min-max)")
            ax.set_title(f"{lat[0]} QD1, scheduler {sched}")
            ax.legend(fontsize="small")
    g = doc.get("guest", {})
    boots = doc.get("boots", 1)
    runs = f"{doc['runs']} runs" + (f" x {boots} boots" if boots > 1 else "")
    fig.suptitle(f"{doc['title']} ({doc['date'][:10]}, {runs}, {doc['runtime_s']} s/job; "
                 f"kernel {g.get('kernel', '?')}, fio {g.get('fio', '?')})"
                 + (f"\n{doc['note']}" if doc.get("note") else ""), fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)
    plt.close(fig)
    return True


# ---- commands ---------------------------------------------------------

def cmd_record(args):
    with open(args.fio, encoding="utf-8") as f:
        fio = load_fio(f.read())
    rec = {"type": "run", "driver": args.driver, "run": args.run, "position": args.position,
           "job": args.job, "rw": args.rw, "bs": args.bs, "iodepth": args.iodepth,
           "numjobs": args.numjobs, "size_mb": args.size_mb, "sched": args.sched,
           "scheduler": args.scheduler, "device": args.device}
    rec |= fio_record(fio, args.rw)
    rec["orion_hist"] = None
    if args.orion_before and args.orion_after:
        with open(args.orion_before, encoding="utf-8") as b, open(args.orion_after, encoding="utf-8") as a:
            rec["orion_hist"] = hist_diff(parse_orion_hist(b.read()), parse_orion_hist(a.read()))
    print(json.dumps(rec, sort_keys=True))


def cmd_guest_meta(args):
    cpu = host_cpu()
    meta = {"type": "meta", "kernel": platform.release(), "cpu": cpu,
            "fio": command_line(["fio", "--version"]), "orion_stats": args.orion_stats}
    print(json.dumps(meta, sort_keys=True))


def cmd_report(args):
    runs, meta = read_records(args.records)
    if not runs:
        sys.exit(f"benchstat: no run records in {', '.join(args.records)}")
    doc = build_doc(args, runs, meta)
    with open(args.out + ".json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(table(doc))
    print(f"\nJSON: {args.out}.json")
    if chart(doc, args.out + ".svg"):
        print(f"chart: {args.out}.svg")
    else:
        print("chart: none (python3-matplotlib is not installed: make setup)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="one fio run as a JSON line (in the guest)")
    r.add_argument("--fio", required=True)
    r.add_argument("--driver", required=True)
    r.add_argument("--run", type=int, required=True)
    r.add_argument("--position", type=int, default=0)
    r.add_argument("--job", required=True)
    r.add_argument("--rw", required=True)
    r.add_argument("--bs", required=True)
    r.add_argument("--iodepth", type=int, required=True)
    r.add_argument("--numjobs", type=int, required=True)
    r.add_argument("--size-mb", type=int, default=0)
    r.add_argument("--sched", required=True, choices=["none", "default"])
    r.add_argument("--scheduler", required=True)
    r.add_argument("--device", default="")
    r.add_argument("--orion-before")
    r.add_argument("--orion-after")
    r.set_defaults(func=cmd_record)
    m = sub.add_parser("guest-meta", help="the guest's versions as a JSON line")
    m.add_argument("--orion-stats", default="")
    m.set_defaults(func=cmd_guest_meta)
    p = sub.add_parser("report", help="table, JSON and chart of a results file (on the host)")
    p.add_argument("--records", required=True, nargs="+",
                   help="results files, one per VM boot, pooled")
    p.add_argument("--bench", required=True)
    p.add_argument("--title", default="")
    p.add_argument("--drivers", required=True, help="comma list, the base first")
    p.add_argument("--base", default="orion")
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--runtime", type=int, required=True)
    p.add_argument("--note", default="")
    p.add_argument("--date", default="")
    p.add_argument("--out", required=True, help="path prefix of the .json and .svg")
    p.set_defaults(func=cmd_report)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
