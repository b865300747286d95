#!/usr/bin/env python3
"""Load benchmark: the ~1 GB Ubiquant-like dataset (`fastdata gen ubiquant`, 24 files of 32768
rows, snappy) served by nginx on 127.0.0.1 (path-style "S3", bench/get/nginx-server.sh), from
the object store into one Arrow table in memory, every reader in its own process, best of
--repeat runs, all in the same run:

  (a) fastdata download only   build/fdata_bench_get: the files into memory, no decoding
  (b) fastdata decode only     build/fdata_bench_decode: the files from memory, no network
  (c) fastdata load            build/fdata_bench_load: fdata_load, download and decode
                               overlapped (and the CLI, `fastdata load URL...`, in a fresh
                               process each run, as a batch job would run it)
  (d) metaflow + pyarrow       metaflow.S3.get_many into tmpfs, then pq.read_table on a
                               16-thread pool and pa.concat_tables: the reference workload
  (e) pyarrow.dataset          over pyarrow's own S3FileSystem
  (f) Polars                   pl.scan_parquet(s3 URLs, storage_options=endpoint).collect()

Targets (issue 6): (c) <= 1.15 x max((a), (b)); (c) >= 5x faster than (d), >= 2x the best of
(e), (f).
usage: bench_load.py [--files 24] [--rows 32768] [--repeat 3] [--connections 16]"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("bench_get", os.path.join(ROOT, "bench", "get", "bench_get.py"))
bench_get = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_get)

PEERS = {
    "(d) metaflow.S3.get_many + pq.read_table x16 + concat": """
import os, concurrent.futures as cf
os.environ['METAFLOW_S3_ENDPOINT_URL'] = ENDPOINT
os.environ['AWS_ACCESS_KEY_ID'] = 'x'; os.environ['AWS_SECRET_ACCESS_KEY'] = 'x'
os.environ['METAFLOW_TEMPDIR'] = TMPFS
from metaflow import S3
import pyarrow as pa, pyarrow.parquet as pq
def run():
    with S3(s3root='s3://%s/' % BUCKET, tmproot=TMPFS) as s3c:
        objs = s3c.get_many(KEYS)
        with cf.ThreadPoolExecutor(16) as ex:
            t = pa.concat_tables(list(ex.map(lambda o: pq.read_table(o.path), objs)))
    return t.num_rows
""",
    "(e) pyarrow.dataset over S3FileSystem": """
import pyarrow.dataset as ds, pyarrow.fs as pfs
fs = pfs.S3FileSystem(endpoint_override=ENDPOINT, scheme='http', access_key='x', secret_key='x',
                      region='us-east-1')
def run():
    return ds.dataset(['%s/%s' % (BUCKET, k) for k in KEYS], filesystem=fs,
                      format='parquet').to_table().num_rows
""",
    "(f) Polars scan_parquet(s3://)": """
import polars as pl
opts = {'aws_endpoint_url': ENDPOINT, 'aws_access_key_id': 'x', 'aws_secret_access_key': 'x',
        'aws_region': 'us-east-1', 'aws_allow_http': 'true'}
def run():
    return pl.scan_parquet(['s3://%s/%s' % (BUCKET, k) for k in KEYS], storage_options=opts).collect().height
""",
}


def best_of(repeat, fn):
    best, first = 1e30, None
    for _ in range(repeat):
        t = fn()
        if t is None:
            return None
        best, first = min(best, t), t if first is None else first
    return {"seconds": best, "first_seconds": first}


def run_json(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode:
        print("  %s failed: %s" % (os.path.basename(args[0]), p.stderr.strip()[-300:]), file=sys.stderr)
        return None
    return json.loads(p.stdout)


def fastdata_load(urls, conns):
    t0 = time.perf_counter()
    r = run_json([os.path.join(ROOT, "build", "fastdata"), "load", "--json", "--connections",
                  str(conns)] + urls)
    return None if r is None else time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--rows", type=int, default=32768)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-load")
    args = ap.parse_args()
    bucket = "bench"
    folder = os.path.join(args.dir, "root", bucket)
    keys = ["part-%05d.parquet" % i for i in range(args.files)]
    if not all(os.path.exists(os.path.join(folder, k)) for k in keys):
        subprocess.run([os.path.join(ROOT, "build", "fastdata"), "gen", "ubiquant", folder,
                        "--files", str(args.files), "--rows-per-file", str(args.rows)], check=True)
    paths = [os.path.join(folder, k) for k in keys]
    total = sum(os.path.getsize(p) for p in paths)
    port = bench_get.free_port()
    server = os.path.join(args.dir, "nginx")
    subprocess.run(["bash", os.path.join(ROOT, "bench", "get", "nginx-server.sh"), "start", server,
                    os.path.join(args.dir, "root"), str(port)], check=True)
    endpoint = "http://127.0.0.1:%d" % port
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="x",
                      AWS_SECRET_ACCESS_KEY="x")
    urls = ["s3://%s/%s" % (bucket, k) for k in keys]
    tmpfs = tempfile.mkdtemp(dir="/dev/shm")
    rows = []
    try:
        get = run_json([os.path.join(ROOT, "build", "fdata_bench_get"), "--connections",
                        str(args.connections), "--repeat", str(args.repeat)] + urls)
        rows.append(("(a) fastdata download only", get))
        dec = run_json([os.path.join(ROOT, "build", "fdata_bench_decode"), "--repeat",
                        str(args.repeat)] + paths)
        rows.append(("(b) fastdata decode only (from memory)", dec))
        rows.append(("(c) fastdata load (end to end)",
                     run_json([os.path.join(ROOT, "build", "fdata_bench_load"), "--connections",
                               str(args.connections), "--repeat", str(args.repeat)] + urls)))
        rows.append(("(c') fastdata load CLI, a fresh process per run",
                     best_of(args.repeat, lambda: fastdata_load(urls, args.connections))))
        for name, code in PEERS.items():
            res, err = bench_get.run_peer(code, endpoint, bucket, keys, args.connections,
                                          args.repeat, tmpfs)
            if res is None:
                print("  %s: %s" % (name, err), file=sys.stderr)
            rows.append((name, res))
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "bench", "get", "nginx-server.sh"), "stop", server])
        shutil.rmtree(tmpfs, ignore_errors=True)
    c = rows[2][1]["seconds"] if rows[2][1] else None
    lines = ["# bench/load, %s, %s, %d cores: %d files, %.0f MB of Parquet (Ubiquant-like, snappy) "
             "from nginx on 127.0.0.1, %d connections" % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(),
                 args.files, total / 1e6, args.connections),
             "", "| run | best s | first s | this / (c) |", "|---|---|---|---|"]
    for name, res in rows:
        if res is None:
            lines.append("| %s | failed | | |" % name)
            continue
        lines.append("| %s | %.3f | %.3f | %s |" % (name, res["seconds"], res["first_seconds"],
                                                    "%.2fx" % (res["seconds"] / c) if c else ""))
    a, b = rows[0][1], rows[1][1]
    if c and a and b:
        lines += ["", "(c) / max((a), (b)) = %.2f (target <= 1.15)" % (c / max(a["seconds"], b["seconds"]))]
    publish("load", lines)


if __name__ == "__main__":
    main()
