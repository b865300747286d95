#!/usr/bin/env python3
"""Hand-off benchmark: the Ubiquant-like table (`fastdata gen ubiquant`) from tmpfs into what
data scientists use, same run, best of --repeat, at two sizes (to show which hand-offs are
constant-time, i.e. zero-copy):

  fastdata.load                 the table in memory (every column)
  load(matrix=f_0..f_299)       the decoders write the float32 feature matrix themselves
                                (Fortran order; and C order), the other columns as a table
  + to_numpy(f_0..f_299)        the float32 feature matrix from the loaded table (one copy)
  to_arrow() / column() / __arrow_c_stream__ / to_pandas()   on the loaded table
  pyarrow path                  pq.read_table -> to_pandas -> to_numpy(float32), what a user
                                would otherwise write, until the same matrix is ready
The steps that end with a table or a matrix are also timed in a fresh process each (best of
--repeat), as a batch job runs them.

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


# The steps that end with the matrix or the table, as code run in this process and in a fresh
# one: a batch job loads once, in a fresh process, where every buffer is new memory; repeated
# in one process the plain load reuses the heap the previous table left (glibc keeps freed
# chunk-sized buffers), while a matrix is one new mapping each time.
WHOLE = {
    "fastdata.load": "fastdata.load(folder)",
    "fastdata.load(matrix=f_0..f_299)": "fastdata.load(folder, matrix=FEATURES).matrix",
    "fastdata.load(matrix=f_0..f_299, matrix_order='C')":
        "fastdata.load(folder, matrix=FEATURES, matrix_order='C').matrix",
    "fastdata.load + to_numpy(f_0..f_299)":
        "fastdata.load(folder).to_numpy(FEATURES, dtype='float32', order='F')",
    "pyarrow: read_table -> to_pandas -> to_numpy(float32)":
        "pq.read_table(folder).to_pandas()[FEATURES].to_numpy(dtype=np.float32)",
}
FRESH = """
import sys, time
import numpy as np, pyarrow.parquet as pq, fastdata
folder, FEATURES = sys.argv[1], ["f_%d" % i for i in range(300)]
t0 = time.perf_counter()
STEP
print(time.perf_counter() - t0)
"""


def fresh(folder, code, repeat):
    return min(float(subprocess.run([sys.executable, "-c", FRESH.replace("STEP", code), folder],
                                    check=True, capture_output=True, text=True).stdout)
               for _ in range(repeat))


def measure(folder, repeat):
    r, f = {}, {}
    for name, code in WHOLE.items():
        r[name] = best(lambda: eval(code, {"fastdata": fastdata, "pq": pq, "np": np, "folder": folder,
                                           "FEATURES": FEATURES}), repeat)
        f[name] = fresh(folder, code, repeat)
    t = fastdata.load(folder)
    r["to_arrow()"] = best(t.to_arrow, repeat)
    r["column('f_0')"] = best(lambda: t.column("f_0"), repeat)
    r["__arrow_c_stream__() (consumed by pyarrow)"] = best(
        lambda: pa.RecordBatchReader._import_from_c_capsule(t.__arrow_c_stream__()).read_all(), repeat)
    r["to_pandas()"] = best(t.to_pandas, repeat)
    return r, f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [(6, 32768), (6, 131072)]  # the same batches, 4x the rows: zero-copy stays flat
    results = [measure(dataset(f, r), args.repeat) for f, r in sizes]
    lines = ["# bench/handoff, %s, %s, %d cores: Ubiquant-like tables from tmpfs" % (
        datetime.date.today().isoformat(), platform.machine(), os.cpu_count()), "",
        "| step | %d rows s | %d rows s | growth | %d rows, fresh process s |" % (
            sizes[0][0] * sizes[0][1], sizes[1][0] * sizes[1][1], sizes[1][0] * sizes[1][1]),
        "|---|---|---|---|---|"]
    for k in results[0][0]:
        a, b = results[0][0][k], results[1][0][k]
        fr = results[1][1].get(k)
        lines.append("| %s | %.4f | %.4f | %.1fx | %s |" % (k, a, b, b / a if a else 0,
                                                           "%.4f" % fr if fr else ""))
    big, cold = results[1]
    matrix, load = "fastdata.load(matrix=f_0..f_299)", "fastdata.load"
    arrow = "pyarrow: read_table -> to_pandas -> to_numpy(float32)"
    lines += ["", "matrix path / plain load: %.2f in a fresh process (target <= 1.05), %.2f repeated in "
              "one process; to_numpy after the load: %.2f (fresh); pyarrow path / matrix path: %.1f "
              "fresh, %.1f repeated (target >= 3)" % (
                  cold[matrix] / cold[load], big[matrix] / big[load],
                  cold["fastdata.load + to_numpy(f_0..f_299)"] / cold[load],
                  cold[arrow] / cold[matrix], big[arrow] / big[matrix])]
    publish("handoff", lines)


if __name__ == "__main__":
    sys.exit(main())
