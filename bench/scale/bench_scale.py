#!/usr/bin/env python3
"""Scale-out benchmark: the ~1 GB Ubiquant-like dataset (`fastdata gen ubiquant`, 24 files of
32768 rows, snappy: bench/load's, in the same folder) served by nginx (path-style "S3",
bench/get/nginx-server.sh), read by each engine's own Parquet reader and by fastdata inside
the engine, on the same local cluster, in the same run:

  Dask  LocalCluster(n_workers=2, threads_per_worker=1, processes=True) on 127.0.0.1
    (a) dd.read_parquet(s3 URLs, storage_options=endpoint)      s3fs + pyarrow
    (b) fastdata.dask.read_parquet(s3 URLs, shard_bytes=...)    fastdata.plan + load_shard
  Ray   ray.init(num_cpus=2)
    (c) ray.data.read_parquet(s3 URLs, filesystem=pyarrow S3FileSystem(endpoint))
    (d) fastdata.ray.read_parquet(s3 URLs, shard_bytes=...)

Each reader is timed, from nothing planned, to a computed len() and, from nothing again, to
the sum of 10 columns (f_0..f_9), best of --repeat.  Beside each: the link's own time for the
10 columns' compressed bytes (bytes x 8 / rate) under a capped condition, and the engine's
reader's time over fastdata's in the same engine.  The venv's s3fs is 0.4.2 (newer ones pin a
botocore older than boto3's; fsspec warns 0.4 is slow): its checksum() reads an ETag as hex,
which nginx's are not, so the driver's s3fs tokenizes the file's info instead (Dask's
pyarrow-filesystem path lists each file as a folder, which nginx refuses).  A reader that
fails is a row saying so; the run goes on.  A reader may answer len() from the footers' row
counts without reading columns (fastdata.ray does when no filter removes rows).  Target (issue 21): (b) and (d) >= 2x their engine's reader.
Network conditions (bench/netcond.py): --conditions loopback,net2 measures each in the same
run (net2: ../shared/s3/netsim.sh at 2 Gbit/s, nginx capping each connection at 40 MB/s; the
clusters start inside the capped namespace).  The machine's cores are shared with the
clusters' workers and the server: ratios from one run, not absolute rates, are the result.
usage: bench_scale.py [--files 24] [--rows 32768] [--repeat 2] [--shard-mb 2]
                      [--conditions loopback] [--engines dask,ray]"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402
import netcond  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLUMNS = ["f_%d" % i for i in range(10)]
BUCKET = "bench"


def best(repeat, fn):
    """Best wall time of fn() over `repeat` runs, and its last result."""
    seconds, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
        seconds = took if seconds is None else min(seconds, took)
    return seconds, out


def timed_pair(repeat, read, count, total):
    """[len() s, rows, sum() s, sum]: each from a fresh read(); Nones (with the reason on
    stderr) when the reader fails."""
    try:
        len_s, n = best(repeat, lambda: count(read()))
        sum_s, s = best(repeat, lambda: total(read()))
    except Exception as e:  # a peer that cannot read the server is a row, not the end
        print("bench/scale: failed: %s" % str(e).strip().splitlines()[-1][:300], file=sys.stderr)
        return [None] * 4
    return [len_s, n, sum_s, s]


def arrow_fs(endpoint):
    import pyarrow.fs as pafs
    return pafs.S3FileSystem(endpoint_override=endpoint, scheme="http", access_key="x",
                             secret_key="x", region="us-east-1")


def s3fs_options(endpoint):
    """dd.read_parquet's storage_options for s3fs 0.4 (the endpoint in client_kwargs), whose
    checksum() reads an ETag as hex: nginx's ("mtime-size") are not, so the driver, where
    Dask calls it to name the graph, tokenizes the file's info instead (the workers only
    read)."""
    import s3fs
    from dask.base import tokenize
    s3fs.S3FileSystem.checksum = lambda self, path: int(tokenize(self.info(path)), 16)
    return {"key": "x", "secret": "x",
            "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}


def dask_runs(urls, endpoint, shard_bytes, repeat):
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster
    import fastdata.dask

    def total(df):
        return float(df[COLUMNS].sum().sum().compute())
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        return [
            ["(a) Dask: dd.read_parquet (s3fs + pyarrow)"] + timed_pair(
                repeat, lambda: dd.read_parquet(urls, columns=COLUMNS,
                                                storage_options=s3fs_options(endpoint)),
                len, total),
            ["(b) Dask: fastdata.dask.read_parquet"] + timed_pair(
                repeat, lambda: fastdata.dask.read_parquet(
                    urls, columns=COLUMNS, shard_bytes=shard_bytes, threads=1), len, total)]


def ray_runs(urls, endpoint, shard_bytes, repeat):
    import logging
    import ray
    import ray.data
    import fastdata.ray
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, runtime_env={"env_vars": {
                 k: v for k, v in os.environ.items() if k.startswith("AWS_")}})
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    fs = arrow_fs(endpoint)
    keys = [u[len("s3://"):] for u in urls]

    def total(ds):
        return float(sum(ds.sum(COLUMNS).values()))
    try:
        return [
            ["(c) Ray: ray.data.read_parquet (pyarrow S3FileSystem)"] + timed_pair(
                repeat, lambda: ray.data.read_parquet(keys, filesystem=fs).select_columns(COLUMNS),
                lambda ds: ds.count(), total),
            ["(d) Ray: fastdata.ray.read_parquet"] + timed_pair(
                repeat, lambda: fastdata.ray.read_parquet(urls, columns=COLUMNS,
                                                          shard_bytes=shard_bytes, threads=1),
                lambda ds: ds.count(), total)]
    finally:
        ray.shutdown()


def measure(args, keys, condition):
    """The four readers against nginx under `condition`: rows [run, len s, rows, sum s, sum]."""
    cap = netcond.CONDITIONS[condition]
    nginx = netcond.Nginx(args.dir, os.path.join(args.dir, "root"), cap and cap[1])
    os.environ.update(AWS_ENDPOINT_URL=nginx.http, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="x",
                      AWS_SECRET_ACCESS_KEY="x", RAY_USAGE_STATS_ENABLED="0")
    urls = ["s3://%s/%s" % (BUCKET, k) for k in keys]
    rows = []
    try:
        if "dask" in args.engines:
            rows += dask_runs(urls, nginx.http, int(args.shard_mb * (1 << 20)), args.repeat)
        if "ray" in args.engines:
            rows += ray_runs(urls, nginx.http, int(args.shard_mb * (1 << 20)), args.repeat)
    finally:
        nginx.stop()
    return rows


def engine(name):
    """"Dask" of "(a) Dask: ..." """
    return name.split(":")[0].split()[-1]


def table(results, column_bytes):
    lines = ["| condition | run | len() s | sum() s | link s | rows | sum | this / fastdata "
             "in the engine: len(), sum() |", "|---|---|---|---|---|---|---|---|"]
    sums, counts = [], set()
    for cond, rows in results.items():
        cap = netcond.CONDITIONS[cond]
        link = "%.3f" % netcond.link_seconds(column_bytes, cap[0]) if cap else ""
        ours = {engine(name): r for name, *r in rows if "fastdata" in name}
        for name, len_s, n, sum_s, total in rows:
            if len_s is None:
                lines.append("| %s | %s | failed | | | | | |" % (cond, name))
                continue
            mine = ours.get(engine(name))
            mine = mine if mine and mine[0] else None
            ratio = "%.2fx, %.2fx" % (len_s / mine[0], sum_s / mine[2]) if mine and \
                "fastdata" not in name else ""
            lines.append("| %s | %s | %.3f | %.3f | %s | %d | %.6g | %s |" % (
                cond, name, len_s, sum_s, link, n, total, ratio))
            sums.append(total)
            counts.add(n)
    agree = len(counts) == 1 and max(sums) - min(sums) <= 1e-6 * max(abs(s) for s in sums)
    return lines + ["", "every reader's rows and sum agree (sums within 1e-6): %s" % agree]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--rows", type=int, default=32768)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--shard-mb", type=float, default=2,
                    help="fastdata's shards, in MiB of the 10 columns' compressed bytes (the "
                         "1 GB table holds ~33 MB of them: 2 MiB makes ~16 shards, as many "
                         "tasks as the engines' readers' one per file, within 2x)")
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-load")
    ap.add_argument("--engines", default="dask,ray")
    netcond.add_arguments(ap, https=False)
    args = ap.parse_args()
    conditions = netcond.parse_conditions(args.conditions)
    folder = os.path.join(args.dir, "root", BUCKET)
    keys = netcond.ubiquant_keys(folder, args.files, args.rows)
    if args.inside:  # one netsim condition, for the outer run
        print(json.dumps(measure(args, keys, args.inside)))
        return
    import fastdata
    paths = [os.path.join(folder, k) for k in keys]
    total = sum(os.path.getsize(p) for p in paths)
    column_bytes = sum(s.bytes for s in fastdata.plan(paths, columns=COLUMNS))
    results = netcond.measure_all(conditions, lambda c: measure(args, keys, c))
    lines = [netcond.heading(
        "scale", "%d files, %.0f MB of Parquet (Ubiquant-like, snappy), %.1f MB in the 10 "
        "columns read, from nginx; Dask LocalCluster of 2 processes and ray.init(num_cpus=2) "
        "on 127.0.0.1; len() and the sum of 10 columns, each from a fresh read; shards of %g "
        "MiB; best of %d" % (args.files, total / 1e6, column_bytes / 1e6, args.shard_mb,
                             args.repeat), conditions), ""] + table(results, column_bytes)
    publish(netcond.report_name("scale", conditions, False), lines)


if __name__ == "__main__":
    main()
