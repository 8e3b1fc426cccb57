# SPDX-License-Identifier: GPL-2.0
"""Host tests of scripts/qemu-trace-mptsas.py (where an mptsas1068
benchmark's requests are, from QEMU's trace): a synthetic trace of two
controllers with known request timings. Run by make check's host group
(tests/run-all.sh): python3 -m unittest."""

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts", "qemu-trace-mptsas.py")
spec = importlib.util.spec_from_file_location("qemu_trace_mptsas", SCRIPT)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)


def line(t_us, event, args, tid=7):
    return f"{tid}@{t_us // 1_000_000}.{t_us % 1_000_000:06d}:{event} {args}\n"


def controller(dev, start, count, period, done_after, read_after):
    """Requests every `period` µs from `start`: written, completed
    `done_after` later, the reply read `read_after` after the write and
    the empty FIFO 10 µs after that."""
    out = []
    for i in range(count):
        t = start + i * period
        ctx = 0x100 + i
        out.append((t, line(t, "mptsas_mmio_write", f"dev {dev} addr 0x00000040 value 0x{0x1000 + i:08x}")))
        out.append((t + done_after, line(t + done_after, "mptsas_command_complete",
                                         f"dev {dev} context 0x{ctx:08x} status 0x0 resid 0")))
        out.append((t + read_after, line(t + read_after, "mptsas_mmio_read",
                                         f"dev {dev} addr 0x00000044 value 0x{ctx:08x}")))
        out.append((t + read_after + 10, line(t + read_after + 10, "mptsas_mmio_read",
                                              f"dev {dev} addr 0x00000044 value 0xffffffff")))
    return out


class QemuTraceMptsas(unittest.TestCase):
    def write_trace(self, parts):
        f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
        self.addCleanup(os.unlink, f.name)
        for _, text in sorted(parts):
            f.write(text)
        f.write("garbage line\n")
        f.close()
        return f.name

    def test_runs_named_in_start_order_with_their_states(self):
        # The second controller's run starts first: it is the first name.
        a = controller("0xa", 10_000_000, 3000, 1000, 100, 160)
        b = controller("0xb", 1_000_000, 3000, 1000, 300, 400)
        path = self.write_trace(a + b)
        evs = list(mod.events(path))
        found, order = mod.runs(evs)
        self.assertEqual(order, ["0xb", "0xa"])
        (start, end), = found["0xa"]
        text = mod.run_figures(evs, "0xa", start, end, 4)
        # 100 of every 1000 µs in the device, 60 posted, the rest of
        # the depth of 4 in the guest (no mean on a rounding boundary).
        self.assertIn("1000 commands/s", text)
        self.assertIn("requests in the device  0.1, posted  0.1, in the guest  3.8", text)
        self.assertIn("device empty 90.0 %", text)
        self.assertIn("post to read p50 60 p90 60 us", text)
        self.assertIn("1.0 replies per drain in 10 us", text)
        (start, end), = found["0xb"]
        text = mod.run_figures(evs, "0xb", start, end, 4)
        self.assertIn("requests in the device  0.3, posted  0.1, in the guest  3.6", text)
        self.assertIn("post to read p50 100 p90 100 us", text)

    def test_gap_splits_runs_and_short_ones_are_dropped(self):
        first = controller("0xa", 1_000_000, 2500, 1000, 100, 150)
        short = controller("0xa", 6_000_000, 1000, 1000, 100, 150)
        found, _ = mod.runs(list(mod.events(self.write_trace(first + short))))
        self.assertEqual(len(found["0xa"]), 1)
        self.assertEqual(found["0xa"][0][0], 1_000_000)

    def test_command_line_prints_one_line_per_run(self):
        path = self.write_trace(controller("0xa", 1_000_000, 3000, 1000, 100, 150))
        out = subprocess.run([sys.executable, SCRIPT, path, "2", "orion"],
                             capture_output=True, text=True, check=True).stdout
        self.assertEqual(len(out.splitlines()), 1)
        self.assertTrue(out.startswith("orion"))
        usage = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True)
        self.assertNotEqual(usage.returncode, 0)


if __name__ == "__main__":
    unittest.main()
