#!/usr/bin/env python3
"""Hand-off benchmark: the Ubiquant-like table (`fastdata gen ubiquant`) from tmpfs into what
data scientists use, same run, best of --repeat, at two sizes (to show which hand-offs are
constant-time, i.e. zero-copy):

  fastdata.load                 the table in memory (every column)
  + to_numpy(f_0..f_299)        the float32 feature matrix from the loaded table (one copy)
  to_arrow() / column() / __arrow_c_stream__ / to_pandas()   on the loaded table
  pyarrow path                  pq.read_table -> to_pandas -> to_numpy(float32), what a user
                                would otherwise write, until the same matrix is ready

usage: bench_handoff.py [--repeat 3]"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import fastdata

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FEATURES = ["f_%d" % i for i in range(300)]


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def dataset(files, rows):
    folder = "/dev/shm/fastdata-bench-handoff/%dx%d" % (files, rows)
    if not os.path.exists(os.path.join(folder, "part-%05d.parquet" % (files - 1))):
        subprocess.run([os.path.join(ROOT, "build", "fastdata"), "gen", "ubiquant", folder,
                        "--files", str(files), "--rows-per-file", str(rows)], check=True)
    return folder


def measure(folder, repeat):
    r = {}
    r["fastdata.load"] = best(lambda: fastdata.load(folder), repeat)
    r["fastdata.load + to_numpy(f_0..f_299)"] = best(
        lambda: fastdata.load(folder).to_numpy(FEATURES, dtype="float32", order="F"), repeat)
    t = fastdata.load(folder)
    r["to_arrow()"] = best(t.to_arrow, repeat)
    r["column('f_0')"] = best(lambda: t.column("f_0"), repeat)
    r["__arrow_c_stream__() (consumed by pyarrow)"] = best(
        lambda: pa.RecordBatchReader._import_from_c_capsule(t.__arrow_c_stream__()).read_all(), repeat)
    r["to_pandas()"] = best(t.to_pandas, repeat)
    r["pyarrow: read_table -> to_pandas -> to_numpy(float32)"] = best(
        lambda: pq.read_table(folder).to_pandas()[FEATURES].to_numpy(dtype=np.float32), repeat)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [(6, 32768), (24, 32768)]
    results = [measure(dataset(f, r), args.repeat) for f, r in sizes]
    lines = ["# bench/handoff, %s, %s, %d cores: Ubiquant-like tables from tmpfs" % (
        datetime.date.today().isoformat(), platform.machine(), os.cpu_count()), "",
        "| step | %d rows s | %d rows s | growth |" % (sizes[0][0] * sizes[0][1], sizes[1][0] * sizes[1][1]),
        "|---|---|---|---|"]
    for k in results[0]:
        a, b = results[0][k], results[1][k]
        lines.append("| %s | %.4f | %.4f | %.1fx |" % (k, a, b, b / a if a else 0))
    big = results[1]
    lines += ["", "matrix path / plain load = %.2f (target <= 1.05); pyarrow path / matrix path = %.1f "
              "(target >= 3)" % (big["fastdata.load + to_numpy(f_0..f_299)"] / big["fastdata.load"],
                                 big["pyarrow: read_table -> to_pandas -> to_numpy(float32)"] /
                                 big["fastdata.load + to_numpy(f_0..f_299)"])]
    publish("handoff", lines)


if __name__ == "__main__":
    sys.exit(main())
