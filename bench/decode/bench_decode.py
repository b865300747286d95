#!/usr/bin/env python3
"""Decode benchmark: every column of a Parquet table, from memory, with fastdata and the
readers its users would otherwise pick, at equal thread counts.

Data (--dataset), written by DuckDB (PyPI) into a tmpfs folder once per codec (snappy,
zstd) and reused by later runs, --files files of --rows rows each:
  ubiquant    row_id VARCHAR ('{time_id}_{investment_id}'), time_id INT, investment_id INT,
              target FLOAT, f_0..f_299 FLOAT (the reference workload's table)
  embeddings  id BIGINT, emb FLOAT[128] as a Parquet LIST (an embedding per row), and
              meta STRUCT(a INT, b DOUBLE, c VARCHAR): the nested case

Each reader runs in its own process, best of --repeat runs:
  fastdata  build/fdata_bench_decode (files read into memory first, then decoded)
  pyarrow   pq.read_table over an in-memory buffer (the reference workload's decoder)
  polars    pl.read_parquet over in-memory bytes
  duckdb    SELECT * FROM read_parquet(files) to Arrow, and CREATE TABLE AS (tmpfs files)
and, as the physical limit, the codec alone decompressing every page on one thread.
Prints a Markdown table of MB/s (Parquet bytes and decoded Arrow bytes per second) and the
ratio of fastdata to the fastest peer at each thread count.

usage: bench_decode.py [--files 24] [--rows 32768] [--threads 1,2] [--repeat 3] [--dir /dev/shm/...]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable

PEERS = {
    "pyarrow": """
import pyarrow as pa, pyarrow.parquet as pq
pa.set_cpu_count(T); pa.set_io_thread_count(T)
bufs = [pa.py_buffer(open(f, 'rb').read()) for f in FILES]
def run():
    for b in bufs:
        pq.read_table(pa.BufferReader(b), use_threads=T > 1)
""",
    "polars": """
import polars as pl
data = [open(f, 'rb').read() for f in FILES]
def run():
    for d in data:
        pl.read_parquet(d)
""",
    "duckdb-arrow": """
import duckdb
con = duckdb.connect(config={'threads': T})
con.execute('SET enable_progress_bar = false')
def run():
    rel = con.execute('SELECT * FROM read_parquet(?)', [FILES])
    getattr(rel, 'fetch_arrow_table', None) and rel.fetch_arrow_table() or rel.to_arrow_table()
""",
    "duckdb-ctas": """
import duckdb
con = duckdb.connect(config={'threads': T})
con.execute('SET enable_progress_bar = false')
def run():
    con.execute('CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet(?)', [FILES])
""",
}

TIMER = """
import json, time, sys
FILES = json.loads(sys.argv[1]); T = int(sys.argv[2]); R = int(sys.argv[3])
{setup}
best, first = 1e30, None
for _ in range(R):
    t0 = time.perf_counter(); run(); t = time.perf_counter() - t0
    best = min(best, t); first = t if first is None else first
print(json.dumps({{"seconds": best, "first_seconds": first}}))
"""


def table_sql(dataset, i, rows):
    if dataset == "embeddings":
        return f"""SELECT {i} * {rows} + r AS id,
                   list_transform(range(128), lambda x: (random() * 2 - 1)::FLOAT) AS emb,
                   {{'a': (r % 1000)::INT, 'b': random(), 'c': 'k' || (r % 100)}} AS meta
            FROM range({rows}) t(r)"""
    feats = ", ".join("(random() * 2 - 1)::FLOAT AS f_%d" % k for k in range(300))
    return f"""SELECT time_id || '_' || investment_id AS row_id, time_id, investment_id,
                   (random() * 4 - 2)::FLOAT AS target, {feats}
            FROM (SELECT ({i} * {rows} + r) // 3000 AS time_id, (r * 7919) % 3000 AS investment_id
                  FROM range({rows}) t(r))"""


def generate(folder, dataset, codec, files, rows):
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, "part-%03d.parquet" % i) for i in range(files)]
    if all(os.path.exists(p) for p in paths):
        return paths
    import duckdb
    con = duckdb.connect()
    for i, p in enumerate(paths):
        con.execute("SELECT setseed(?)", [0.001 * (i + 1)])
        con.execute(f"""COPY ({table_sql(dataset, i, rows)})
            TO '{p}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 16384)""")
    return paths


def run_fastdata(paths, threads, repeat, mode="decode"):
    exe = os.path.join(ROOT, "build", "fdata_bench_decode")
    out = subprocess.run([exe, "--threads", str(threads), "--repeat", str(repeat),
                          "--mode", mode] + paths,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def run_peer(name, paths, threads, repeat):
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    code = TIMER.format(setup=PEERS[name])
    p = subprocess.run([PY, "-c", code, json.dumps(paths), str(threads), str(repeat)],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1]
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", choices=["ubiquant", "embeddings"], default="ubiquant")
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--rows", type=int, default=None, help="default 32768 (ubiquant), 65536 (embeddings)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--codecs", default="snappy,zstd")
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench")
    args = ap.parse_args()
    if args.rows is None:
        args.rows = 65536 if args.dataset == "embeddings" else 32768
    lines = ["# bench/decode, %s, %s, %d cores, Python %s" % (
        datetime.date.today().isoformat(), platform.processor() or platform.machine(),
        os.cpu_count(), platform.python_version())]
    import duckdb, polars, pyarrow
    lines.append("peers: pyarrow %s, polars %s, duckdb %s" % (
        pyarrow.__version__, polars.__version__, duckdb.__version__))
    for codec in args.codecs.split(","):
        folder = os.path.join(args.dir, "%s-%s-%dx%d" % (args.dataset, codec, args.files, args.rows))
        paths = generate(folder, args.dataset, codec, args.files, args.rows)
        lines.append("")
        lines.append("## %s, %s: %d files x %d rows" % (args.dataset, codec, args.files, args.rows))
        lines.append("")
        lines.append("| threads | reader | best s | first s | Parquet MB/s | decoded MB/s | peer time / fastdata time |")
        lines.append("|---|---|---|---|---|---|---|")
        for t in [int(x) for x in args.threads.split(",")]:
            start = len(lines)
            fd = run_fastdata(paths, t, args.repeat)
            pq_mb, dec_mb = fd["parquet_bytes"] / 1e6, fd["decoded_bytes"] / 1e6
            rows = [("fastdata", fd, None)]
            for name in PEERS:
                res, err = run_peer(name, paths, t, args.repeat)
                rows.append((name, res, err))
            for name, res, err in rows:
                if res is None:
                    lines.append("| %d | %s | error: %s | | | | |" % (t, name, err))
                    continue
                sec = res["seconds"]
                lines.append("| %d | %s | %.3f | %.3f | %.0f | %.0f | %s |" % (
                    t, name, sec, res["first_seconds"], pq_mb / sec, dec_mb / sec,
                    "" if name == "fastdata" else "%.2fx" % (sec / fd["seconds"])))
            if t == 1:  # the codec's own speed on the same pages: the physical limit
                limit = run_fastdata(paths, 1, args.repeat, "decompress")
                lines.append("| 1 | limit: %s decompression of every page, nothing decoded | %.3f | | %.0f | | |" % (
                    codec, limit["seconds"], pq_mb / limit["seconds"]))
            peers = [r for n, r, e in rows[1:] if r is not None]
            if peers:
                lines.append("| %d | **fastest peer / fastdata** | **%.2fx** | **%.2fx** (first run) | | | |" % (
                    t, min(r["seconds"] for r in peers) / fd["seconds"],
                    min(r["first_seconds"] for r in peers) / fd["first_seconds"]))
            print("\n".join(lines[start:]), flush=True)
    report = "\n".join(lines)
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "decode-%s.md" % args.dataset), "w") as f:
        f.write(report + "\n")
    print("\n" + report)


if __name__ == "__main__":
    main()
