# SPDX-License-Identifier: GPL-2.0
"""Host tests of scripts/benchstat.py, the benchmarks' statistics: median
and spread, ratios, fio JSON extraction (a committed fio 3.33 fixture),
orion's latency histogram, the summary and the report's files. Run by
make check's host group (tests/run-all.sh): python3 -m unittest."""

import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import benchstat  # noqa: E402 (after the path is set)

FIXTURE = os.path.join(HERE, "fio-randread-qd1.json")
try:
    import matplotlib  # noqa: F401 (only whether it is there)
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


def fixture():
    with open(FIXTURE, encoding="utf-8") as f:
        return benchstat.load_fio(f.read())


def orion_stats(buckets):
    """An orion debugfs stats file with BUCKETS (24 counts) as histogram."""
    lines = ["reads 10", "writes 0", "outstanding 0", "peak_outstanding 1"]
    for i, n in enumerate(buckets):
        if i + 1 < len(buckets):
            lines.append(f"latency_us_lt_{1 << i} {n}")
        else:
            lines.append(f"latency_us_ge_{1 << (i - 1)} {n}")
    return "\n".join(lines) + "\n"


def run(driver, job, sched, iops, run_no=1, clat=None, hist=None, iodepth=32):
    return {"type": "run", "driver": driver, "run": run_no, "position": 1, "job": job,
            "rw": "randread", "bs": "4k", "iodepth": iodepth, "numjobs": 2, "size_mb": 256,
            "sched": sched, "scheduler": "none" if sched == "none" else "mq-deadline",
            "device": "/dev/sda", "iops": iops, "mbps": iops * 4096 / 1e6,
            "clat_mean_us": 0.0, "clat_us": clat or {}, "lat_us": {}, "runtime_ms": 3000, "io_errors": 0,
            "orion_hist": hist}


class Statistics(unittest.TestCase):
    def test_spread_odd(self):
        self.assertEqual(benchstat.spread([3, 1, 2]), {"median": 2, "min": 1, "max": 3, "n": 3})

    def test_spread_even_is_mean_of_middle(self):
        s = benchstat.spread([10, 40, 20, 30])
        self.assertEqual((s["median"], s["min"], s["max"], s["n"]), (25, 10, 40, 4))

    def test_spread_one(self):
        self.assertEqual(benchstat.spread(iter([7.5]))["median"], 7.5)

    def test_spread_empty_refused(self):
        with self.assertRaises(ValueError):
            benchstat.spread([])

    def test_ratio(self):
        self.assertAlmostEqual(benchstat.ratio(150, 100), 1.5)
        self.assertIsNone(benchstat.ratio(150, 0))

    def test_pct_key(self):
        self.assertEqual([benchstat.pct_key(p) for p in benchstat.PERCENTILES], ["p50", "p99", "p99.9"])


class Fio(unittest.TestCase):
    def test_record_of_fixture(self):
        r = benchstat.fio_record(fixture(), "randread")
        self.assertAlmostEqual(r["iops"], 13808.191808, places=5)
        self.assertAlmostEqual(r["mbps"], 56.558353, places=6)
        self.assertEqual(r["clat_us"], {"p50": 30.848, "p99": 522.24, "p99.9": 3555.328})
        self.assertEqual(r["lat_us"], {"p50": 45.824, "p99": 552.96, "p99.9": 3588.096})
        self.assertAlmostEqual(r["clat_mean_us"], 56.314753943, places=6)
        self.assertAlmostEqual(r["lat_mean_us"], 71.869955867, places=6)
        self.assertAlmostEqual(r["slat_mean_us"], 15.555201924, places=6)
        self.assertEqual(r["io_errors"], 0)

    def test_write_side_for_write_jobs(self):
        fio = fixture()
        job = fio["jobs"][0]
        job["write"] = copy.deepcopy(job["read"])
        job["write"]["iops"] = 123.0
        self.assertEqual(benchstat.fio_record(fio, "randwrite")["iops"], 123.0)
        self.assertNotEqual(benchstat.fio_record(fio, "randread")["iops"], 123.0)

    def test_warning_before_json_skipped(self):
        with open(FIXTURE, encoding="utf-8") as f:
            text = "fio: some warning\n" + f.read()
        self.assertEqual(benchstat.load_fio(text)["jobs"][0]["jobname"], "bench")

    def test_no_json_refused(self):
        with self.assertRaises(ValueError):
            benchstat.load_fio("fio: file not found\n")

    def test_missing_percentile_left_out(self):
        side = {"clat_ns": {"percentile": {"50.000000": 2000}}}
        self.assertEqual(benchstat.percentiles_us(side), {"p50": 2.0})
        self.assertEqual(benchstat.percentiles_us(side, "lat"), {})

    def test_fio2_clat_in_us(self):
        side = {"clat": {"percentile": {"99.900000": 250}}}
        self.assertEqual(benchstat.percentiles_us(side), {"p99.9": 250.0})


class Histogram(unittest.TestCase):
    def test_parse(self):
        h = benchstat.parse_orion_hist(orion_stats([0] * 3 + [5] + [0] * 19 + [1]))
        self.assertEqual(len(h), 24)
        self.assertEqual(h[3], [8, 5, False])
        self.assertEqual(h[-1], [4194304, 1, True])

    def test_diff_and_percentiles(self):
        before = benchstat.parse_orion_hist(orion_stats([0] * 24))
        after_counts = [0] * 24
        after_counts[5], after_counts[6], after_counts[10] = 90, 9, 1  # <32, <64, <1024 us
        d = benchstat.hist_diff(before, benchstat.parse_orion_hist(orion_stats(after_counts)))
        self.assertEqual(benchstat.hist_percentile(d, 50), "<32")
        self.assertEqual(benchstat.hist_percentile(d, 99), "<64")
        self.assertEqual(benchstat.hist_percentile(d, 99.9), "<1024")

    def test_diff_subtracts(self):
        a = benchstat.parse_orion_hist(orion_stats([1] * 24))
        b = benchstat.parse_orion_hist(orion_stats([3] * 24))
        self.assertEqual({c for _, c, _ in benchstat.hist_diff(a, b)}, {2})

    def test_diff_shape_mismatch_refused(self):
        with self.assertRaises(ValueError):
            benchstat.hist_diff([[1, 0, False]], [])

    def test_empty_percentile(self):
        self.assertIsNone(benchstat.hist_percentile(benchstat.parse_orion_hist(orion_stats([0] * 24)), 50))

    def test_sum(self):
        h = benchstat.parse_orion_hist(orion_stats([1] * 24))
        self.assertEqual({c for _, c, _ in benchstat.hist_sum([h, h, h])}, {3})


class Summary(unittest.TestCase):
    RUNS = [run("orion", "randread-4k", "none", v, i) for i, v in enumerate([100, 300, 200], 1)] + \
        [run("c", "randread-4k", "none", v, i) for i, v in enumerate([100, 100, 160], 1)] + \
        [run("orion", "randread-4k", "default", 50), run("c", "randread-4k", "default", 200)]

    def test_rows(self):
        rows = benchstat.summarize(self.RUNS, ["orion", "c"], "orion")
        self.assertEqual([(r["job"], r["sched"], r["driver"]) for r in rows],
                         [("randread-4k", "none", "orion"), ("randread-4k", "none", "c"),
                          ("randread-4k", "default", "orion"), ("randread-4k", "default", "c")])
        o, c = rows[0], rows[1]
        self.assertEqual((o["iops"]["median"], o["iops"]["min"], o["iops"]["max"]), (200, 100, 300))
        self.assertIsNone(o["ratio_iops"])
        self.assertAlmostEqual(c["ratio_iops"], 2.0)
        self.assertAlmostEqual(rows[3]["ratio_iops"], 0.25)
        self.assertEqual(rows[2]["schedulers"], ["mq-deadline"])

    def test_boots_pooled_and_ratio_per_boot(self):
        # Boot 1: orion 100/120/110 against c 100 x 3 (1.10); boot 2: orion
        # 90 x 3 against c 100/180/200 (0.50). Pooled over six runs each:
        # orion median 95, c median 100.
        runs = [run("orion", "randread-4k", "none", v, i) | {"boot": 1} for i, v in enumerate([100, 120, 110], 1)] + \
            [run("c", "randread-4k", "none", 100, i) | {"boot": 1} for i in (1, 2, 3)] + \
            [run("orion", "randread-4k", "none", 90, i) | {"boot": 2} for i in (1, 2, 3)] + \
            [run("c", "randread-4k", "none", v, i) | {"boot": 2} for i, v in enumerate([100, 180, 200], 1)]
        o, c = benchstat.summarize(runs, ["orion", "c"], "orion", boots=2)
        self.assertEqual((o["iops"]["median"], o["iops"]["n"]), (95, 6))
        self.assertEqual((c["iops"]["median"], c["iops"]["n"]), (100, 6))
        self.assertAlmostEqual(c["ratio_iops"], 0.95)
        self.assertEqual(o["ratio_iops_by_boot"], [])
        self.assertEqual(len(c["ratio_iops_by_boot"]), 2)
        self.assertAlmostEqual(c["ratio_iops_by_boot"][0], 1.10)
        self.assertAlmostEqual(c["ratio_iops_by_boot"][1], 0.50)

    def test_boot_without_runs_keeps_its_place(self):
        # Three boots; the second recorded nothing, the third has no base
        # runs: each keeps its column.
        runs = [run("orion", "randread-4k", "none", 120) | {"boot": 1},
                run("c", "randread-4k", "none", 100) | {"boot": 1},
                run("c", "randread-4k", "none", 100) | {"boot": 3}]
        c = benchstat.summarize(runs, ["orion", "c"], "orion", boots=3)[1]
        self.assertEqual(len(c["ratio_iops_by_boot"]), 3)
        self.assertAlmostEqual(c["ratio_iops_by_boot"][0], 1.2)
        self.assertEqual(c["ratio_iops_by_boot"][1:], [None, None])

    def test_one_boot_has_no_ratio_per_boot(self):
        rows = benchstat.summarize(self.RUNS, ["orion", "c"], "orion")
        self.assertEqual([r["ratio_iops_by_boot"] for r in rows], [[], [], [], []])

    def test_latency_percentiles_spread(self):
        runs = [run("orion", "lat", "none", 10, i, clat={"p50": v, "p99": v * 2}, iodepth=1)
                for i, v in enumerate([30.0, 10.0, 20.0], 1)]
        row = benchstat.summarize(runs, ["orion"], "orion")[0]
        self.assertEqual(row["clat_us"]["p50"]["median"], 20.0)
        self.assertEqual(row["clat_us"]["p99"]["max"], 60.0)
        self.assertNotIn("p99.9", row["clat_us"])


class Report(unittest.TestCase):
    """The command line end to end: record in the "guest", report on the "host"."""

    def test_record_and_report(self):
        script = os.path.join(TOP, "scripts", "benchstat.py")
        with tempfile.TemporaryDirectory() as tmp:
            before, after = os.path.join(tmp, "b"), os.path.join(tmp, "a")
            with open(before, "w", encoding="utf-8") as f:
                f.write(orion_stats([0] * 24))
            with open(after, "w", encoding="utf-8") as f:
                f.write(orion_stats([0] * 6 + [40] + [0] * 17))
            results = os.path.join(tmp, "x-1.records.jsonl")
            with open(results, "w", encoding="utf-8") as out:
                out.write(json.dumps({"type": "meta", "kernel": "7.3.4", "fio": "fio-3.33"}) + "\n")
                for drv, hist in (("orion", ["--orion-before", before, "--orion-after", after]), ("c", [])):
                    for n in (1, 2):
                        subprocess.run([sys.executable, script, "record", "--fio", FIXTURE,
                                        "--driver", drv, "--run", str(n), "--job", "lat", "--rw", "randread",
                                        "--bs", "4k", "--iodepth", "1", "--numjobs", "1", "--sched", "none",
                                        "--scheduler", "none"] + hist, stdout=out, check=True)
            res = subprocess.run([sys.executable, script, "report", "--records", results, "--bench", "x",
                                  "--drivers", "orion,c", "--runs", "2", "--runtime", "1",
                                  "--out", os.path.join(tmp, "x-1")],
                                 capture_output=True, text=True, check=True)
            with open(os.path.join(tmp, "x-1.json"), encoding="utf-8") as f:
                doc = json.load(f)
            svg = os.path.join(tmp, "x-1.svg")
            if HAVE_MATPLOTLIB:
                with open(svg, encoding="utf-8") as f:
                    self.assertIn("<svg", f.read())
                self.assertIn("chart: " + svg, res.stdout)
            else:
                self.assertFalse(os.path.exists(svg))
        self.assertEqual(doc["schema"], 1)
        self.assertEqual(doc["guest"]["kernel"], "7.3.4")
        self.assertEqual(len(doc["records"]), 4)
        self.assertEqual(doc["jobs"], [{"name": "lat", "rw": "randread", "bs": "4k", "iodepth": 1,
                                        "numjobs": 1, "size_mb": 0}])
        c = [r for r in doc["summary"] if r["driver"] == "c"][0]
        self.assertAlmostEqual(c["ratio_iops"], 1.0)
        self.assertIn("80 commands; p50 <64", res.stdout)
        self.assertIn("30.85 [30.85-30.85]", res.stdout)
        self.assertIn("45.82 [45.82-45.82]", res.stdout)
        self.assertIn("2 run(s) per driver in one VM boot,", res.stdout)
        self.assertNotIn("per boot", res.stdout)
        self.assertNotIn("of all boots", res.stdout)

    def test_report_pools_boots(self):
        """Two results files (two boots) make one table with a ratio per boot."""
        script = os.path.join(TOP, "scripts", "benchstat.py")
        with tempfile.TemporaryDirectory() as tmp:
            files = []
            for boot, (o, c) in enumerate(((120, 100), (80, 100)), 1):
                path = os.path.join(tmp, f"x-1.boot{boot}.records.jsonl")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(json.dumps({"type": "meta", "kernel": f"7.3.{boot}"}) + "\n")
                    for n in (1, 2):
                        f.write(json.dumps(run("orion", "randread-4k", "none", o, n)) + "\n")
                        f.write(json.dumps(run("c", "randread-4k", "none", c, n)) + "\n")
                files.append(path)
            res = subprocess.run([sys.executable, script, "report", "--records"] + files +
                                 ["--bench", "x", "--drivers", "orion,c", "--runs", "2", "--runtime", "1",
                                  "--out", os.path.join(tmp, "x-1")],
                                 capture_output=True, text=True, check=True)
            with open(os.path.join(tmp, "x-1.json"), encoding="utf-8") as f:
                doc = json.load(f)
        self.assertEqual(doc["boots"], 2)
        self.assertEqual(doc["guest"]["kernel"], "7.3.1")
        self.assertEqual(sorted({r["boot"] for r in doc["records"]}), [1, 2])
        c = [r for r in doc["summary"] if r["driver"] == "c"][0]
        self.assertEqual(c["iops"]["n"], 4)
        self.assertAlmostEqual(c["ratio_iops"], 1.0)
        self.assertIn("in each of 2 VM boots", res.stdout)
        self.assertIn("1.00  1.20 0.80", res.stdout)


if __name__ == "__main__":
    unittest.main()
