#!/usr/bin/env python3
"""Decode benchmark: Parquet tables from tmpfs into Arrow, with fastdata and the readers its
users would otherwise pick, each called the way its users call it, at equal thread counts,
beside the memory-bandwidth limit for the bytes read and written (measured in the same run).

Datasets (--datasets), written into a tmpfs folder once per codec and reused by later runs:
  lineitem, orders  TPC-H at scale factor --scale (default 1; 0.1 for a quick run), written by
                    PyPI tpchgen-cli in --files parts: int64 keys, decimal(15,2), dictionary
                    strings, dates, a free-text comment
  ubiquant          row_id VARCHAR, time_id INT, investment_id INT, target FLOAT, f_0..f_299
                    FLOAT (the reference workload's table; DuckDB writes it)
  embeddings        id BIGINT, emb FLOAT[128] (a Parquet LIST), meta STRUCT(a INT, b DOUBLE,
                    c VARCHAR): the nested case (DuckDB writes it)
Codecs (--codecs): snappy, zstd, uncompressed.

Readers, each given the folder (or its glob) as a user would:
  fastdata               fastdata.load(folder, threads=T)
  fastdata-view          the same with strings="view" (string_view, as Polars holds strings)
  fastdata-dictionary    the same with strings="dictionary" (not peers: the ratios compare
                         the fastest peer with fastdata's default, plain strings)
  polars                 pl.read_parquet("folder/*.parquet")      (POLARS_MAX_THREADS=T)
  polars-scan            pl.scan_parquet("folder/*.parquet").collect()
  pyarrow-dataset        pyarrow.dataset.dataset(folder).to_table() (pa.set_cpu_count(T))
  pyarrow-read_table     pq.read_table(folder)
  duckdb                 duckdb read_parquet('folder/*.parquet') to Arrow (threads=T)
Conditions: "warm" is one Python process per reader, a warm-up call, then the best of
--repeat calls; "fresh" starts a new process per call (what a batch job pays: first-touch
page faults, no reused memory) and times the call alone, best of --repeat processes.
Whole tables in both conditions; per column group (lineitem, orders, ubiquant) warm only.

The limit: the machine's memcpy rate at T threads (NumPy copies of 256 MiB per thread, in
this run) turned into the time to read the Parquet bytes and write the Arrow bytes once;
"% of limit" = that time / the reader's time.  Memory: each reader's peak RSS (VmHWM)
less its RSS after its imports, before its first call, beside the table's Arrow bytes.  And
the codec alone: fastdata's C driver decompressing every page on one thread, nothing decoded
(bench/decode/fdata_decode.c).

usage: bench_decode.py [--datasets lineitem,orders,ubiquant,embeddings] [--scale 1]
                       [--codecs snappy,zstd,uncompressed] [--threads 1,2] [--repeat 3]
                       [--conditions warm,fresh] [--no-groups] [--dir /dev/shm/fastdata-bench]
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = sys.executable

# Each reader: setup code (THREADS, FOLDER, GLOB and COLUMNS are defined) and one call that
# returns something holding the whole result in memory.
READERS = {
    "fastdata": ("import fastdata",
                 "fastdata.load(FOLDER, columns=COLUMNS, threads=THREADS)"),
    "fastdata-view": ("import fastdata",
                      "fastdata.load(FOLDER, columns=COLUMNS, threads=THREADS, strings='view')"),
    "fastdata-dictionary": ("import fastdata",
                            "fastdata.load(FOLDER, columns=COLUMNS, threads=THREADS, strings='dictionary')"),
    "polars": ("import polars as pl",
               "pl.read_parquet(GLOB, columns=COLUMNS)"),
    "polars-scan": ("import polars as pl",
                    "(pl.scan_parquet(GLOB).select(COLUMNS) if COLUMNS else pl.scan_parquet(GLOB)).collect()"),
    "pyarrow-dataset": ("import pyarrow as pa, pyarrow.dataset as ds\n"
                        "pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)",
                        "ds.dataset(FOLDER, format='parquet').to_table(columns=COLUMNS, use_threads=THREADS > 1)"),
    "pyarrow-read_table": ("import pyarrow as pa, pyarrow.parquet as pq\n"
                           "pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)",
                           "pq.read_table(FOLDER, columns=COLUMNS, use_threads=THREADS > 1)"),
    "duckdb": ("import duckdb\n"
               "con = duckdb.connect(config={'threads': THREADS})\n"
               "con.execute('SET enable_progress_bar = false')\n"
               "SQL = 'SELECT %s FROM read_parquet(?)' % (', '.join('\"%s\"' % c for c in COLUMNS) if COLUMNS else '*')",
               "(lambda r: r.fetch_arrow_table() if hasattr(r, 'fetch_arrow_table') else r.to_arrow_table())"
               "(con.execute(SQL, [GLOB]))"),
}

TIMER = """
import json, os, sys, time
FOLDER, THREADS, REPEAT, WARM = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "warm"
COLUMNS = json.loads(sys.argv[5]) or None
GLOB = FOLDER + "/*.parquet"
{setup}
def run():
    return {call}
BEFORE = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
if WARM:
    run()
best = 1e30
for _ in range(REPEAT if WARM else 1):
    t0 = time.perf_counter(); r = run(); t = time.perf_counter() - t0
    del r
    best = min(best, t)
PEAK = [int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM")][0] - BEFORE
print(json.dumps({{"seconds": best, "peak_bytes": max(PEAK, 0)}}))
"""

GROUPS = {
    "lineitem": {
        "int keys": ["l_orderkey", "l_partkey", "l_suppkey", "l_linenumber"],
        "decimals": ["l_quantity", "l_extendedprice", "l_discount", "l_tax"],
        "dictionary strings": ["l_returnflag", "l_linestatus", "l_shipinstruct", "l_shipmode"],
        "free text": ["l_comment"],
        "dates": ["l_shipdate", "l_commitdate", "l_receiptdate"],
    },
    "orders": {
        "int keys": ["o_orderkey", "o_custkey", "o_shippriority"],
        "decimals": ["o_totalprice"],
        "dictionary strings": ["o_orderstatus", "o_orderpriority", "o_clerk"],
        "free text": ["o_comment"],
        "dates": ["o_orderdate"],
    },
    "ubiquant": {
        "floats": ["target"] + ["f_%d" % k for k in range(300)],
        "int ids": ["time_id", "investment_id"],
        "strings": ["row_id"],
    },
}

TPCH_CODEC = {"snappy": "SNAPPY", "zstd": "ZSTD(1)", "uncompressed": "UNCOMPRESSED"}


def duckdb_table_sql(dataset, i, rows):
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


def generate(folder, dataset, codec, args):
    """The dataset's Parquet files in `folder` (made once)."""
    done = os.path.join(folder, "_complete")
    if os.path.exists(done):
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    if dataset in ("lineitem", "orders"):
        tpchgen = os.path.join(os.path.dirname(PY), "tpchgen-cli")
        tmp = folder + ".tmp"
        subprocess.run([tpchgen, "parquet", "-s", str(args.scale), "--tables", dataset,
                        "--parts", str(args.files), "--compression", TPCH_CODEC[codec],
                        "--output-dir", tmp], check=True, capture_output=True)
        for p in glob.glob(os.path.join(tmp, dataset, "*.parquet")):
            os.rename(p, os.path.join(folder, os.path.basename(p)))
        shutil.rmtree(tmp)
    else:
        import duckdb
        con = duckdb.connect()
        files, rows = (12, 20000) if dataset == "ubiquant" else (8, 65536)
        for i in range(files):
            con.execute("SELECT setseed(?)", [0.001 * (i + 1)])
            con.execute(f"""COPY ({duckdb_table_sql(dataset, i, rows)})
                TO '{folder}/part-{i:03d}.parquet' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 16384)""")
    open(done, "w").close()


def run_reader(name, folder, threads, repeat, condition, columns, readers=READERS):
    """Seconds (best of repeat), an error line or None, peak bytes: reader `name` of readers."""
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    setup, call = readers[name]
    code = TIMER.format(setup=setup, call=call)
    argv = [PY, "-c", code, folder, str(threads), str(repeat), condition, json.dumps(columns)]
    best = peak = None
    for _ in range(1 if condition == "warm" else repeat):
        p = subprocess.run(argv, capture_output=True, text=True, env=env)
        if p.returncode != 0:
            return None, (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1][:120], None
        r = json.loads(p.stdout.strip().splitlines()[-1])
        best = r["seconds"] if best is None else min(best, r["seconds"])
        peak = r["peak_bytes"] if peak is None else min(peak, r["peak_bytes"])
    return best, None, peak


def table_bytes(folder, columns):
    """Parquet bytes of the files and Arrow bytes of the table in its most compact layout
    (fastdata's default: strings as utf8, not the 16-byte views pyarrow 26 reads them into)."""
    import fastdata
    import pyarrow as pa
    files = sorted(glob.glob(os.path.join(folder, "*.parquet")))
    t = pa.table(fastdata.load(folder, columns=columns))
    if columns:  # the share of the file bytes the columns occupy, from the footers
        import pyarrow.parquet as pq
        pq_bytes = 0
        for f in files:
            md = pq.ParquetFile(f).metadata
            for rg in range(md.num_row_groups):
                for c in range(md.num_columns):
                    col = md.row_group(rg).column(c)
                    if col.path_in_schema.split(".")[0] in columns:
                        pq_bytes += col.total_compressed_size
    else:
        pq_bytes = sum(os.path.getsize(f) for f in files)
    return pq_bytes, t.nbytes


def memcpy_rate(threads):
    """Bytes per second that `threads` threads copy (each byte read once and written once)."""
    import threading
    import numpy as np
    n = 256 << 20
    src = [np.ones(n, dtype=np.uint8) for _ in range(threads)]
    dst = [np.ones(n, dtype=np.uint8) for _ in range(threads)]
    import time
    best = 1e30
    for _ in range(5):
        ts = [threading.Thread(target=np.copyto, args=(dst[i], src[i])) for i in range(threads)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        best = min(best, time.perf_counter() - t0)
    return n * threads / best


def codec_limit(folder, codec):
    """Seconds of fdata_bench_decode's decompression of every page (one thread)."""
    if codec == "uncompressed":
        return None
    exe = os.path.join(ROOT, "build", "fdata_bench_decode")
    files = sorted(glob.glob(os.path.join(folder, "*.parquet")))
    out = subprocess.run([exe, "--threads", "1", "--repeat", "3", "--mode", "decompress"] + files,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["seconds"]


def measure(lines, folder, what, columns, threads, args, conditions, rates):
    pq_b, arrow_b = table_bytes(folder, columns)
    for t in threads:
        limit = (pq_b + arrow_b) / 2 / rates[t]  # memcpy moves 2 bytes per byte copied
        for cond in conditions:
            start = len(lines)
            results = {}
            for name in args.readers.split(","):
                results[name] = run_reader(name, folder, t, args.repeat, cond, columns)
            fd = results.get("fastdata", (None,))[0]
            peers = [r[0] for n, r in results.items() if not n.startswith("fastdata") and r[0] is not None]
            for name, (sec, err, peak) in results.items():
                if sec is None:
                    lines.append("| %s | %d | %s | %s | error: %s | | | | |" % (what, t, cond, name, err))
                    continue
                if name.startswith("fastdata-"):  # fastest peer / this variant, in brackets
                    ratio = "(%.2fx)" % (min(peers) / sec) if peers else ""
                else:
                    ratio = "%.2fx" % (sec / fd) if fd and name != "fastdata" else ""
                lines.append("| %s | %d | %s | %s | %.3f | %.0f | %.0f%% | %s | %.0f (%.2fx) |" % (
                    what, t, cond, name, sec, (pq_b + arrow_b) / 1e6 / sec, 100 * limit / sec, ratio,
                    peak / 1e6, peak / arrow_b))
            if fd and peers:
                lines.append("| %s | %d | %s | **fastest peer / fastdata** | | | | **%.2fx** | |" % (
                    what, t, cond, min(peers) / fd))
            lines.append("| %s | %d | %s | limit: memcpy of %.0f MB read + %.0f MB written | %.3f | | 100%% | | |" % (
                what, t, cond, pq_b / 1e6, arrow_b / 1e6, limit))
            print("\n".join(lines[start:]), flush=True)


def add_run_options(ap):
    """The options bench/decode shares with bench/filter's rows: its TPC-H files, threads,
    repeats, conditions and folder."""
    ap.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor")
    ap.add_argument("--files", type=int, default=4, help="TPC-H files per table")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--conditions", default="warm,fresh")
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench")


def main():
    ap = argparse.ArgumentParser()
    add_run_options(ap)
    ap.add_argument("--datasets", default="lineitem,orders,ubiquant,embeddings")
    ap.add_argument("--codecs", default="snappy,zstd,uncompressed")
    ap.add_argument("--readers", default=",".join(READERS))
    ap.add_argument("--no-groups", action="store_true", help="whole tables only")
    args = ap.parse_args()
    threads = [int(x) for x in args.threads.split(",")]
    conditions = args.conditions.split(",")
    import duckdb, numpy, polars, pyarrow
    import fastdata
    lines = ["# bench/decode, %s, %s, %d cores, Python %s" % (
        datetime.date.today().isoformat(), platform.processor() or platform.machine(),
        os.cpu_count(), platform.python_version()),
        "fastdata %s; peers: polars %s, pyarrow %s, duckdb %s (numpy %s)" % (
            fastdata.__version__, polars.__version__, pyarrow.__version__, duckdb.__version__,
            numpy.__version__)]
    rates = {t: memcpy_rate(t) for t in threads}
    lines.append("memcpy: " + ", ".join("%.1f GB/s at %d thread%s" % (r / 1e9, t, "s" * (t > 1))
                                        for t, r in rates.items()))
    for dataset in args.datasets.split(","):
        for codec in args.codecs.split(","):
            tag = "sf%g" % args.scale if dataset in ("lineitem", "orders") else "std"
            folder = os.path.join(args.dir, "%s-%s-%s" % (dataset, tag, codec))
            generate(folder, dataset, codec, args)
            lines += ["", "## %s (%s), %s" % (dataset, tag, codec), ""]
            lim = codec_limit(folder, codec)
            if lim:
                lines.append("%s alone (fdata_bench_decode --mode decompress, 1 thread): %.3f s" % (codec, lim))
                lines.append("")
            lines.append("| columns | threads | condition | reader | best s | MB/s (read + written) | % of limit | peer / fastdata | peak MB above the start (/ Arrow bytes) |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            print("\n".join(lines[-6:]), flush=True)
            measure(lines, folder, "all", None, threads, args, conditions, rates)
            if not args.no_groups:
                for what, cols in GROUPS.get(dataset, {}).items():
                    measure(lines, folder, what, cols, threads, args, ["warm"], rates)
    report = "\n".join(lines)
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "decode.md"), "w") as f:
        f.write(report + "\n")
    print("\n" + report)


if __name__ == "__main__":
    main()
