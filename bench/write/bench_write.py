#!/usr/bin/env python3
"""Write benchmark: the ~1 GB Ubiquant-like table (`fastdata gen ubiquant`, 24 x 32768 rows)
held in memory, written as one snappy Parquet file into tmpfs by fastdata
(build/fdata_bench_write), DuckDB (`COPY t TO ... (FORMAT parquet, COMPRESSION snappy)` from a
DuckDB table), pyarrow (`pq.write_table`) and Polars (`DataFrame.write_parquet`), each with
every core, in its own process, same run, best of --repeat; loading the table is not timed.
Target (issue 8): fastdata at least 1.5x the fastest of them.
usage: bench_write.py [--files 24] [--rows 32768] [--repeat 3]"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = {
    "duckdb COPY": """
import duckdb
con = duckdb.connect(); con.execute("SET threads TO %d" % os.cpu_count())
con.execute("CREATE TABLE t AS SELECT * FROM read_parquet('%s/*.parquet')" % SRC)
def run(): con.execute("COPY t TO '%s' (FORMAT parquet, COMPRESSION snappy)" % OUT)
""",
    "pyarrow write_table": """
import pyarrow.parquet as pq
table = pq.read_table(SRC)
def run(): pq.write_table(table, OUT, compression='snappy')
""",
    "polars write_parquet": """
import polars as pl
df = pl.read_parquet(SRC + '/*.parquet')
def run(): df.write_parquet(OUT, compression='snappy')
""",
}
TIMER = """
import json, os, sys, time

SRC, OUT, R = sys.argv[1], sys.argv[2], int(sys.argv[3])
{setup}
best, first = 1e30, None
for _ in range(R):
    t0 = time.perf_counter(); run(); t = time.perf_counter() - t0
    best = min(best, t); first = t if first is None else first
print(json.dumps({{"seconds": best, "first_seconds": first, "bytes": os.path.getsize(OUT)}}))
os.remove(OUT)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--rows", type=int, default=32768)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-write")
    args = ap.parse_args()
    src = os.path.join(args.dir, "src")
    if not os.path.exists(os.path.join(src, "part-%05d.parquet" % (args.files - 1))):
        subprocess.run([os.path.join(ROOT, "build", "fastdata"), "gen", "ubiquant", src, "--files",
                        str(args.files), "--rows-per-file", str(args.rows)], check=True)
    out = os.path.join(args.dir, "out.parquet")
    rows = []
    p = subprocess.run([os.path.join(ROOT, "build", "fdata_bench_write"), "--repeat",
                        str(args.repeat), "--out", out, src], capture_output=True, text=True)
    rows.append(("fastdata", json.loads(p.stdout) if p.returncode == 0 else None, p.stderr[-300:]))
    for name, code in PEERS.items():
        p = subprocess.run([sys.executable, "-c", TIMER.format(setup=code), src, out,
                            str(args.repeat)], capture_output=True, text=True)
        rows.append((name, json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else None,
                     p.stderr.strip()[-300:]))
    fd = rows[0][1]
    lines = ["# bench/write, %s, %s, %d cores: the Ubiquant-like table (%d x %d rows, 304 columns) "
             "from memory to one snappy Parquet file in tmpfs" % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(), args.files,
                 args.rows), "", "| writer | best s | first s | MB written | time / fastdata's |",
             "|---|---|---|---|---|"]
    for name, res, err in rows:
        if res is None:
            lines.append("| %s | failed: %s | | | |" % (name, err.replace("|", "/")[:120]))
            continue
        lines.append("| %s | %.3f | %.3f | %.0f | %s |" % (
            name, res["seconds"], res["first_seconds"], res["bytes"] / 1e6,
            "" if res is fd or not fd else "%.2fx" % (res["seconds"] / fd["seconds"])))
    publish("write", lines)


if __name__ == "__main__":
    main()
