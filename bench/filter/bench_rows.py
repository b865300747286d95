#!/usr/bin/env python3
"""Row filters on a warehouse table: TPC-H lineitem (bench/decode's files, tmpfs, no network)
loaded whole with a filter that only the decoded rows can answer, by fastdata and the readers
its users would otherwise pick, each called the way its users call it, at equal thread
counts, warm (one process, a warm-up, best of --repeat) and fresh (a process per call).

Readers:
  fastdata           fastdata.load(folder, filters=TEXT, threads=T)
  polars-scan        pl.scan_parquet("folder/*.parquet").filter(EXPR).collect()
  pyarrow-dataset    ds.dataset(folder).to_table(filter=pq.filters_to_expression(DNF))
  duckdb             SELECT * FROM read_parquet('folder/*.parquet') WHERE TEXT, to Arrow
Every reader returns every column of the rows kept; the table printed gives each reader's
seconds, its peak RSS above its start, the rows kept, and fastest peer / fastdata.

usage: bench_rows.py [--scale 1] [--codec snappy] [--threads 1,2] [--repeat 3]
                     [--conditions warm,fresh] [--dir /dev/shm/fastdata-bench]"""
import argparse
import datetime
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "decode"))
import bench_decode  # noqa: E402  (its TPC-H files and its timed reader processes)

# (name, SQL text for fastdata and DuckDB, the same in pyarrow's DNF: values tagged
# {"date": ...} or {"decimal": ...} where JSON has no such type)
QUERIES = [
    ("TPC-H Q6's rows (~2%: dates, decimals)",
     "l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND "
     "l_discount >= 0.05 AND l_discount <= 0.07 AND l_quantity < 24",
     [["l_shipdate", ">=", {"date": "1994-01-01"}], ["l_shipdate", "<", {"date": "1995-01-01"}],
      ["l_discount", ">=", {"decimal": "0.05"}], ["l_discount", "<=", {"decimal": "0.07"}],
      ["l_quantity", "<", {"decimal": "24"}]]),
    ("TPC-H Q1's rows (~98%: a date)", "l_shipdate <= DATE '1998-09-02'",
     [["l_shipdate", "<=", {"date": "1998-09-02"}]]),
    ("~28% by a dictionary string (l_shipmode IN ('MAIL', 'SHIP'))",
     "l_shipmode IN ('MAIL', 'SHIP')", [["l_shipmode", "in", ["MAIL", "SHIP"]]]),
    ("~30 rows by a key nothing prunes (l_partkey = 12345)", "l_partkey = 12345",
     [["l_partkey", "=", 12345]]),
]

# Each reader's setup decodes the query from the environment (BENCH_QUERY: [text, dnf]).
QUERY_SETUP = """
import datetime, decimal
TEXT, DNF = json.loads(os.environ["BENCH_QUERY"])
def value(v):
    if isinstance(v, dict):
        return datetime.date.fromisoformat(v["date"]) if "date" in v else decimal.Decimal(v["decimal"])
    return v
DNF = [(c, op, [value(x) for x in v] if isinstance(v, list) else value(v)) for c, op, v in DNF]
"""

READERS = {
    "fastdata": ("import fastdata" + QUERY_SETUP,
                 "fastdata.load(FOLDER, filters=TEXT, threads=THREADS)"),
    "polars-scan": ("import polars as pl, operator" + QUERY_SETUP +
                    "OPS = {'=': operator.eq, '<': operator.lt, '<=': operator.le,\n"
                    "       '>': operator.gt, '>=': operator.ge}\n"
                    "EXPR = pl.all_horizontal([pl.col(c).is_in(v) if op == 'in' else OPS[op](pl.col(c), v)\n"
                    "                          for c, op, v in DNF])",
                    "pl.scan_parquet(GLOB).filter(EXPR).collect()"),
    "pyarrow-dataset": ("import pyarrow as pa, pyarrow.dataset as ds, pyarrow.parquet as pq\n"
                        "pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)" + QUERY_SETUP +
                        "EXPR = pq.filters_to_expression(DNF)",
                        "ds.dataset(FOLDER, format='parquet').to_table(filter=EXPR, use_threads=THREADS > 1)"),
    "duckdb": ("import duckdb" + QUERY_SETUP +
               "con = duckdb.connect(config={'threads': THREADS})\n"
               "con.execute('SET enable_progress_bar = false')\n"
               "SQL = 'SELECT * FROM read_parquet(?) WHERE ' + TEXT",
               "(lambda r: r.fetch_arrow_table() if hasattr(r, 'fetch_arrow_table') else r.to_arrow_table())"
               "(con.execute(SQL, [GLOB]))"),
}


def rows_kept(folder, text):
    import fastdata
    return fastdata.load(folder, filters=text).num_rows


def main():
    ap = argparse.ArgumentParser()
    bench_decode.add_run_options(ap)
    ap.add_argument("--codec", default="snappy")
    args = ap.parse_args()
    import duckdb, polars, pyarrow
    import fastdata
    folder = os.path.join(args.dir, "lineitem-sf%g-%s" % (args.scale, args.codec))
    bench_decode.generate(folder, "lineitem", args.codec, args)
    print("# bench/filter rows, %s, %s, %d cores, Python %s" % (
        datetime.date.today().isoformat(), platform.processor() or platform.machine(),
        os.cpu_count(), platform.python_version()))
    print("fastdata %s; peers: polars %s, pyarrow %s, duckdb %s; TPC-H lineitem SF%g, %s, "
          "%d files, tmpfs" % (fastdata.__version__, polars.__version__, pyarrow.__version__,
                               duckdb.__version__, args.scale, args.codec, args.files))
    for name, text, dnf in QUERIES:
        os.environ["BENCH_QUERY"] = json.dumps([text, dnf])
        print("\n## %s: %d rows kept\n" % (name, rows_kept(folder, text)))
        print("| threads | condition | reader | seconds | peak MB | fastest peer / fastdata |")
        print("|---|---|---|---|---|---|")
        for t in (int(x) for x in args.threads.split(",")):
            for cond in args.conditions.split(","):
                results = {r: bench_decode.run_reader(r, folder, t, args.repeat, cond, None,
                                                      READERS) for r in READERS}
                fd = results["fastdata"][0]
                peers = [sec for r, (sec, _, _) in results.items() if r != "fastdata" and sec]
                for r, (sec, err, peak) in results.items():
                    print("| %d | %s | %s | %s | %s | |" % (
                        t, cond, r, "%.3f" % sec if sec else "error: %s" % err,
                        "%.0f" % (peak / 1e6) if peak is not None else ""))
                if fd and peers:
                    print("| %d | %s | **fastest peer / fastdata** | | | **%.2fx** |" % (
                        t, cond, min(peers) / fd))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
