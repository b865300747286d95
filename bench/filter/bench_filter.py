#!/usr/bin/env python3
"""Filter and many-files benchmark (issue 16): data lakes as they are written, from an "S3"
endpoint into Arrow, every reader in a fresh process per run, best of --repeat, same run.

Datasets (written by pyarrow into --dir and kept: a second run reuses them):
  lake   a Hive-partitioned Ubiquant-like table (time_id, investment_id, target, f_0..f_299
         float32), one folder per time_id bucket (tb=time_id // 10, 100 buckets), sorted by
         investment_id inside each file, row groups of a quarter file, page index on, snappy;
         ~100 MB by default, ~2 GB with --full
  many   files of ~1 MB of the same schema (550 rows, one row group, as writers leave small
         files): 300 by default, 10,000 with --full, or --many N
  keys   keys listed only (no bytes): 20,000 by default, 100,000 with --full, served in pages
         of 1,000 by a small ListObjectsV2 server (bench/filter/list_server.py)
lake and many are served by nginx (../shared/s3/nginx-s3.sh, access log on: the bytes and
requests of every reader are counted there). nginx cannot list: fastdata lists each prefix
through one static page (index.html in the bucket: ListObjectsV2 XML, all keys, one page),
the peers are given the keys (they list nothing, which favours them).

Readers: fastdata (`fastdata load s3://... --columns --filter --json`: first batch from its
report; the whole table in memory, skipped when ~1.3x the files' bytes exceed MemAvailable),
fastdata's stream (Python `fastdata.load_stream(..., filters=)`, batches counted and dropped
as the peers' are), Polars `scan_parquet(urls, hive_partitioning=True).filter(...).collect()` (first
batch: `collect_batches()`), pyarrow.dataset over S3FileSystem with `filter=` (first batch:
`to_batches()`), DuckDB `read_parquet` over the same files on local disk (its httpfs extension
is downloaded at run time, which these machines cannot; first batch: a record batch reader).
Listing alone: `fastdata ls -r`, pyarrow `S3FileSystem.get_file_info(recursive)`, boto3's
ListObjectsV2 paginator.

--network runs everything inside ../shared/s3/netsim.sh (a private loopback capped at --rate,
nginx capping each connection at --conn-rate, as S3 does): each network-bound figure is
printed beside the link's own time for the bytes that reader fetched.
usage: bench_filter.py [--full] [--many N] [--repeat 1] [--network] [--rate 2gbit] [--conn-rate 40m]
                       [--dir /dev/shm/fastdata-bench-filter]"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


sys.path.insert(0, os.path.dirname(HERE))
from report import publish  # noqa: E402
from netcond import free_port, link_seconds, shared_s3  # noqa: E402
SHARED_S3 = shared_s3()

FASTDATA = os.path.join(ROOT, "build", "fastdata")
FEATURES = 300
COLUMNS = ["time_id", "investment_id", "target", "f_0", "f_1", "f_2", "tb"]
# (name, fastdata/SQL text, the same as (column, op, value) for Polars and pyarrow)
FILTERS = [
    ("~1% by partition (tb = 50)", "tb = 50", ("tb", "==", 50)),
    ("~1% by row groups and pages (investment_id = 7)", "investment_id = 7", ("investment_id", "==", 7)),
    ("~1% nothing can prune (target > 2.33)", "target > 2.33", ("target", ">", 2.33)),
    ("~20% (investment_id < 20)", "investment_id < 20", ("investment_id", "<", 20)),
]


def table(rows, seed, time_base, investments=100):
    """Ubiquant-like rows sorted by investment_id: row_id-free, 300 float32 features."""
    rng = np.random.default_rng(seed)
    inv = np.sort(rng.integers(0, investments, rows)).astype(np.int32)
    cols = {"time_id": (time_base + rng.integers(0, 10, rows)).astype(np.int32),
            "investment_id": inv, "target": rng.standard_normal(rows).astype(np.float32)}
    feats = rng.standard_normal((FEATURES, rows)).astype(np.float32)
    for i in range(FEATURES):
        cols["f_%d" % i] = feats[i]
    return pa.table(cols)


def listing_page(keys, root):
    items = "".join("<Contents><Key>%s</Key><Size>%d</Size></Contents>" % (
        k, os.path.getsize(os.path.join(root, k))) for k in keys)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult>%s"
            "<IsTruncated>false</IsTruncated></ListBucketResult>" % items)


def make_bucket(root, bucket, files, row_groups):
    """files: {key: table}, each written in `row_groups` row groups unless there (files of an
    earlier run's larger count removed: DuckDB reads the folder); the bucket's static listing
    page."""
    folder = os.path.join(root, bucket)
    for d, _, names in os.walk(folder):
        for name in names:
            key = os.path.relpath(os.path.join(d, name), folder)
            if name.endswith(".parquet") and key not in files:
                os.remove(os.path.join(d, name))
    for key, make in files.items():
        path = os.path.join(folder, key)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            t = make()
            pq.write_table(t, path + ".tmp", row_group_size=max(1, t.num_rows // row_groups),
                           write_page_index=True, compression="snappy")
            os.rename(path + ".tmp", path)
    with open(os.path.join(folder, "index.html"), "w") as f:
        f.write(listing_page(sorted(files), folder))
    return sorted(files)


def datasets(root, full, n_many):
    lake_rows = 16000 if full else 800
    lake = make_bucket(root, "lake", {
        "data/tb=%d/part-0.parquet" % b: (lambda b=b: table(lake_rows, b, 10 * b)) for b in range(100)}, 4)
    base = table(550, 12345, 0)
    many = make_bucket(root, "many", {
        "data/part-%05d.parquet" % i: (lambda i=i: base.set_column(
            0, "time_id", pa.array(np.full(550, i, np.int32)))) for i in range(n_many)}, 1)
    return lake, many


class Nginx:
    """nginx-s3.sh with its access log: requests and bytes per reader."""

    def __init__(self, root, workdir, conn_rate=None):
        self.dir, self.port = os.path.join(workdir, "nginx"), free_port()
        env = dict(os.environ, NGINX_S3_PORT=str(self.port), NGINX_S3_ACCESS_LOG="1")
        if conn_rate:
            env["NGINX_S3_RATE"] = conn_rate
        subprocess.run(["bash", os.path.join(SHARED_S3, "nginx-s3.sh"), "start", self.dir, root],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        self.log = os.path.join(self.dir, "access.log")
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def clear(self):
        open(self.log, "w").close()  # nginx appends (O_APPEND): the log starts over

    def counted(self):
        """(GETs of objects, bytes of their bodies) since clear(); the listing page aside."""
        gets, body = 0, 0
        for line in open(self.log):
            m = re.search(r'"GET (\S+) [^"]*" (\d+) (\d+)', line)
            if m and "list-type" not in m.group(1):
                gets, body = gets + 1, body + int(m.group(3))
        return gets, body

    def stop(self):
        subprocess.run(["bash", os.path.join(SHARED_S3, "nginx-s3.sh"), "stop", self.dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


PEER = """
import json, sys, time
ENDPOINT, BUCKET, KEYS, LOCAL, COLUMNS, FILTER = json.loads(sys.stdin.read())
{setup}
t0 = time.perf_counter()
first, rows = run()
print(json.dumps({{"seconds": time.perf_counter() - t0, "first_batch_seconds": first - t0,
                  "rows": rows}}))
"""

POLARS = """
import polars as pl
opts = {'aws_endpoint_url': ENDPOINT, 'aws_access_key_id': 'x', 'aws_secret_access_key': 'x',
        'aws_region': 'us-east-1', 'aws_allow_http': 'true'}
def run():
    lf = pl.scan_parquet(['s3://%s/%s' % (BUCKET, k) for k in KEYS], storage_options=opts,
                         hive_partitioning=True)
    if FILTER:
        c, op, v = FILTER
        lf = lf.filter({'==': pl.col(c) == v, '>': pl.col(c) > v, '<': pl.col(c) < v}[op])
    if COLUMNS:
        lf = lf.select(COLUMNS)
    first, rows = None, 0
    for df in lf.collect_batches():
        first = first or time.perf_counter()
        rows += df.height
    return first or time.perf_counter(), rows
"""

PYARROW = """
import pyarrow.dataset as ds, pyarrow.fs as pfs
fs = pfs.S3FileSystem(endpoint_override=ENDPOINT, scheme='http', access_key='x', secret_key='x',
                      region='us-east-1')
def run():
    d = ds.dataset(['%s/%s' % (BUCKET, k) for k in KEYS], filesystem=fs, format='parquet',
                   partitioning=ds.partitioning(flavor='hive'), partition_base_dir=BUCKET + '/data')
    f = None
    if FILTER:
        c, op, v = FILTER
        f = {'==': ds.field(c) == v, '>': ds.field(c) > v, '<': ds.field(c) < v}[op]
    first, rows = None, 0
    for b in d.to_batches(columns=COLUMNS or None, filter=f):
        first = first or time.perf_counter()
        rows += b.num_rows
    return first or time.perf_counter(), rows
"""

FASTDATA_STREAM = """
import fastdata, pyarrow  # (its batches are pyarrow's: imported before the clock, as the peers')
def run():
    filters = [tuple(FILTER)] if FILTER else None
    stream = fastdata.load_stream('s3://%s/data/' % BUCKET, columns=COLUMNS or None, filters=filters)
    first, rows = None, 0
    for b in stream:
        first = first or time.perf_counter()
        rows += b.num_rows
    return first or time.perf_counter(), rows
"""

DUCKDB = """
import duckdb
def run():
    cols = ', '.join(COLUMNS) if COLUMNS else '*'
    where = ' WHERE %s %s %r' % (FILTER[0], '=' if FILTER[1] == '==' else FILTER[1], FILTER[2]) if FILTER else ''
    r = duckdb.connect().sql("SELECT %s FROM read_parquet('%s/data/**/*.parquet', "
                                 "hive_partitioning=1)%s" % (cols, LOCAL, where)).fetch_arrow_reader()
    first, rows = None, 0
    for b in r:
        first = first or time.perf_counter()
        rows += b.num_rows
    return first or time.perf_counter(), rows
"""


def run_peer(code, args):
    p = subprocess.run([sys.executable, "-c", PEER.format(setup=code)], input=json.dumps(args),
                       capture_output=True, text=True)  # (10,000 keys: too long for argv)
    if p.returncode:
        print("  peer failed: %s" % (p.stderr.strip().splitlines() or ["?"])[-1][:200], file=sys.stderr)
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_fastdata(bucket, columns, filt, env):
    args = [FASTDATA, "load", "s3://%s/data/" % bucket, "--json"]
    if columns:
        args += ["--columns", ",".join(columns)]
    if filt:
        args += ["--filter", filt]
    t0 = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    if p.returncode:
        print("  fastdata failed: %s" % p.stderr.strip()[-200:], file=sys.stderr)
        return None
    r = json.loads(p.stdout)
    return {"seconds": time.perf_counter() - t0, "first_batch_seconds": r["first_batch_seconds"],
            "rows": r["rows"]}


def fits_in_memory(local, keys):
    """Whether a whole table of these files fits beside everything else (fastdata load holds
    it; the other readers stream their batches): ~1.3x the files' bytes, in MemAvailable."""
    size = sum(os.path.getsize(os.path.join(local, k)) for k in keys)
    avail = [int(line.split()[1]) << 10 for line in open("/proc/meminfo")
             if line.startswith("MemAvailable:")][0]
    return 1.3 * size < avail


def measure(nginx, bucket, keys, local, columns, filt, repeat, env):
    """{reader: (best result, GETs, bytes)} for one query; None for a reader skipped (the
    whole table would not fit in memory) or failed."""
    out = {}
    readers = [("fastdata", None), ("fastdata stream (Python)", FASTDATA_STREAM),
               ("Polars", POLARS), ("pyarrow.dataset", PYARROW), ("DuckDB (local files)", DUCKDB)]
    for name, code in readers:
        best = None
        if code is None and not fits_in_memory(local, keys):
            print("  fastdata load: skipped, the table would not fit in memory", file=sys.stderr)
            out[name] = None
            continue
        for _ in range(repeat):
            nginx.clear()
            if code is None:
                r = run_fastdata(bucket, columns, filt[1] if filt else None, env)
            else:
                r = run_peer(code, [nginx.endpoint, bucket, keys, local, columns,
                                    list(filt[2]) if filt else None])
            gets, body = nginx.counted()
            if r and (best is None or r["seconds"] < best[0]["seconds"]):
                best = (r, gets, body)
        out[name] = best
    return out


def rows_of(results, label, files, args):
    lines = []
    base = results.get("fastdata") or results.get("fastdata stream (Python)")
    fast = base[0]["seconds"] if base else None
    for name, res in results.items():
        if res is None:
            lines.append("| %s | %s | failed or skipped | | | | | |" % (label, name))
            continue
        r, gets, body = res
        link = " (link %.2f s)" % link_seconds(body, args.rate) if args.network else ""
        local = name.startswith("DuckDB")
        lines.append("| %s | %s | %.3f%s | %.3f | %d | %s | %s | %s |" % (
            label, name, r["seconds"], link, r["first_batch_seconds"], r["rows"],
            "local" if local else "%.1f" % (body / 1e6),
            "local" if local else "%.2f" % (gets / files),
            "%.2fx" % (r["seconds"] / fast) if fast else ""))
    return lines


def list_alone(count, repeat):
    """Listing `count` keys in pages of 1,000 from list_server.py: seconds per lister."""
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "list_server.py"), str(port),
                               "keys", str(count)], stdout=subprocess.PIPE)
    server.stdout.readline()  # "ready"
    env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % port)
    listers = {
        "fastdata ls -r": lambda: subprocess.run([FASTDATA, "ls", "-r", "s3://keys/data/"], env=env,
                                                 stdout=subprocess.DEVNULL, check=True),
        "pyarrow S3FileSystem.get_file_info": lambda: subprocess.run([sys.executable, "-c", (
            "import pyarrow.fs as f; s = f.S3FileSystem(endpoint_override='127.0.0.1:%d', scheme='http', "
            "access_key='x', secret_key='x', region='us-east-1'); "
            "print(len(s.get_file_info(f.FileSelector('keys/data', recursive=True))))") % port],
            check=True, stdout=subprocess.DEVNULL),
        "boto3 list_objects_v2 paginator": lambda: subprocess.run([sys.executable, "-c", (
            "import boto3, botocore.config as bc; c = boto3.client('s3', endpoint_url='http://127.0.0.1:%d', "
            "aws_access_key_id='x', aws_secret_access_key='x', region_name='us-east-1', "
            "config=bc.Config(s3={'addressing_style': 'path'})); "
            "print(sum(len(p.get('Contents', [])) for p in "
            "c.get_paginator('list_objects_v2').paginate(Bucket='keys', Prefix='data/')))") % port],
            check=True, stdout=subprocess.DEVNULL),
    }
    out = {}
    try:
        for name, fn in listers.items():
            best = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                try:
                    fn()
                except (subprocess.CalledProcessError, OSError):
                    break
                t = time.perf_counter() - t0
                best = t if best is None else min(best, t)
            out[name] = best
    finally:
        server.kill()
        server.wait()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--many", type=int, help="the small files' count (300; 10,000 with --full)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--network", action="store_true")
    ap.add_argument("--rate", default="2gbit")
    ap.add_argument("--conn-rate", default="40m")
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-filter")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = os.path.join(args.dir, "full" if args.full else "small")
    os.makedirs(root, exist_ok=True)
    t0 = time.perf_counter()
    lake, many = datasets(root, args.full, args.many or (10000 if args.full else 300))
    made = time.perf_counter() - t0
    if args.network and not args.inside:  # again inside the capped namespace
        os.execvp("bash", ["bash", os.path.join(SHARED_S3, "netsim.sh"), "--rate", args.rate, "--",
                           sys.executable] + sys.argv + ["--inside"])
    nginx = Nginx(root, args.dir, args.conn_rate if args.network else None)
    env = dict(os.environ, AWS_ENDPOINT_URL=nginx.endpoint, AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_EC2_METADATA_DISABLED="true")
    os.environ.update(env)
    lines = []
    try:
        size = sum(os.path.getsize(os.path.join(root, "lake", k)) for k in lake)
        msize = sum(os.path.getsize(os.path.join(root, "many", k)) for k in many)
        load = os.getloadavg()
        cond = ("netsim %s, %s per connection" % (args.rate, args.conn_rate) if args.network
                else "loopback, no cap")
        lines += ["# bench/filter, %s, %s, %d cores, load average %.1f/%.1f/%.1f, %s" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(), os.cpu_count(), *load, cond),
            "", "lake: %d files, %.0f MB; many: %d files, %.0f MB (datasets made or found in %.0f s)" % (
                len(lake), size / 1e6, len(many), msize / 1e6, made), "",
            "| query | reader | seconds | first batch s | rows | MB fetched | GETs per file | this / fastdata |",
            "|---|---|---|---|---|---|---|---|"]
        for filt in FILTERS:
            res = measure(nginx, "lake", lake, os.path.join(root, "lake"), COLUMNS, filt, args.repeat, env)
            lines += rows_of(res, "lake " + filt[0], len(lake), args)
        res = measure(nginx, "many", many, os.path.join(root, "many"), None, None, args.repeat, env)
        lines += rows_of(res, "many: %d files, all columns" % len(many), len(many), args)
    finally:
        nginx.stop()
    count = 100000 if args.full else 20000
    listed = list_alone(count, args.repeat)
    fast = listed.get("fastdata ls -r")
    lines += ["", "Listing alone, %d keys in pages of 1,000 (bench/filter/list_server.py):" % count, "",
              "| lister | seconds | this / fastdata |", "|---|---|---|"]
    for name, t in listed.items():
        lines.append("| %s | %s | %s |" % (name, "failed" if t is None else "%.3f" % t,
                                           "%.2fx" % (t / fast) if t and fast else ""))
    publish("filter-network" if args.network else "filter", lines)


if __name__ == "__main__":
    main()
