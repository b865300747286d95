#!/usr/bin/env python3
"""Huge pages on or off, as a one-shot job meets them: each run is a fresh process started
after --idle seconds of quiet (the state a batch job on a VM starts from), with
FASTDATA_HUGE_PAGES=1 or 0, the two settings alternating (which goes first alternates too).
Each process times fastdata.load of the Ubiquant-like table (`fastdata gen ubiquant`, in
tmpfs), then load(matrix=f_0..f_299), then the next large NumPy allocation a user makes
(np.ones of --numpy-mb MB: the kernel zeroes and maps its pages after fastdata's; NumPy
advises huge pages for it itself, so the setting reaches it only through what fastdata's
buffers left the kernel).  The table reports every run and the medians of fastdata's two
steps; the faster setting is fastdata's default.

usage: bench_huge_pages.py [--runs 3] [--idle 20] [--numpy-mb 943]"""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402
from handoff.bench_handoff import dataset  # noqa: E402

ONE_SHOT = """
import sys, time
import numpy as np, fastdata
folder, mb = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
t = fastdata.load(folder)
t1 = time.perf_counter()
m = fastdata.load(folder, matrix=["f_%d" % i for i in range(300)]).matrix
t2 = time.perf_counter()
a = np.ones(mb * 1000000 // 8)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""
STEPS = ("load", "load(matrix=)", "np.ones after")


def one_shot(folder, huge, numpy_mb):
    env = dict(os.environ, FASTDATA_HUGE_PAGES="1" if huge else "0")
    out = subprocess.run([sys.executable, "-c", ONE_SHOT, folder, str(numpy_mb)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return [float(x) for x in out.split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--numpy-mb", type=int, default=943)
    args = ap.parse_args()
    folder = dataset(8, 16384)  # 152 MB, the size of the runs
    runs = {True: [], False: []}
    for r in range(args.runs):
        for huge in ((True, False) if r % 2 == 0 else (False, True)):
            time.sleep(args.idle)
            runs[huge].append(one_shot(folder, huge, args.numpy_mb))
            print("huge pages %s: %s" % ("on " if huge else "off", " ".join(
                "%s %.3f s" % (s, v) for s, v in zip(STEPS, runs[huge][-1]))), flush=True)
    lines = ["# bench/huge_pages, %s, %s, %d cores: fresh processes after %.0f s idle, %s" % (
        datetime.date.today().isoformat(), platform.machine(), os.cpu_count(), args.idle, folder),
        "", "| FASTDATA_HUGE_PAGES | %s | load + load(matrix=) (median) |" % " | ".join(
            "%s s (runs)" % s for s in STEPS), "|---|---|---|---|---|"]
    totals = {}
    for huge in (True, False):
        cols = list(zip(*runs[huge]))
        totals[huge] = statistics.median(run[0] + run[1] for run in runs[huge])
        lines.append("| %d | %s | %.3f |" % (huge, " | ".join(
            ", ".join("%.3f" % v for v in c) for c in cols), totals[huge]))
    lines += ["", "off / on (medians of load + load(matrix=)): %.2f; the faster: %s" % (
        totals[False] / totals[True], "on" if totals[True] < totals[False] else "off")]
    publish("huge_pages", lines)


if __name__ == "__main__":
    sys.exit(main())
