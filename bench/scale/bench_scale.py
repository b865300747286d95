#!/usr/bin/env python3
"""Scale-out benchmark: the Ubiquant-like dataset (`fastdata gen ubiquant`, snappy) served by
nginx on 127.0.0.1 (path-style "S3", bench/get/nginx-server.sh), read by each engine's own
Parquet reader and by fastdata inside the engine, on the same local cluster, in the same run:

  Dask  LocalCluster(n_workers=2, threads_per_worker=1, processes=True) on 127.0.0.1
    (a) dd.read_parquet(s3 URLs, storage_options=endpoint)      s3fs + pyarrow
    (b) fastdata.dask.read_parquet(s3 URLs, shard_bytes=...)    fastdata.plan + load_shard
  Ray   ray.init(num_cpus=2)
    (c) ray.data.read_parquet(s3 URLs, filesystem=pyarrow S3FileSystem(endpoint))
    (d) fastdata.ray.read_parquet(s3 URLs, shard_bytes=...)

Each run times, from nothing planned, a computed len() and then the sum of 10 columns
(f_0..f_9), best of --repeat.  Target (issue 21): (b) and (d) >= 2x their engine's reader.
For a network-bound link run the whole script under ../shared/s3/netsim.sh --rate 2gbit --.
The machine's cores are shared with the cluster's workers and the server: ratios from one
run, not absolute rates, are the result.
usage: bench_scale.py [--files 8] [--rows 32768] [--repeat 2] [--shard-mb 64]"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from report import publish  # noqa: E402

COLUMNS = ["f_%d" % i for i in range(10)]


def timed(repeat, fn):
    """Best wall time of fn() over `repeat` runs, and its last result."""
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return best, out


def len_and_sum(df):
    """len() computed, then the sum of the 10 columns computed (Dask)."""
    return len(df), float(df[COLUMNS].sum().sum().compute())


def dask_runs(urls, endpoint, shard_bytes, repeat):
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster
    import fastdata.dask
    opts = {"endpoint_url": endpoint, "key": "x", "secret": "x",
            "client_kwargs": {"region_name": "us-east-1"}}
    rows = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        rows.append(("(a) Dask: dd.read_parquet (s3fs + pyarrow)", timed(repeat, lambda: len_and_sum(
            dd.read_parquet(urls, columns=COLUMNS, storage_options=opts)))))
        rows.append(("(b) Dask: fastdata.dask.read_parquet", timed(repeat, lambda: len_and_sum(
            fastdata.dask.read_parquet(urls, columns=COLUMNS, shard_bytes=shard_bytes,
                                       threads=1)))))
    return rows


def ray_runs(urls, endpoint, shard_bytes, repeat):
    import logging
    import pyarrow.fs as pafs
    import ray
    import ray.data
    import fastdata.ray
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, runtime_env={"env_vars": {
                 k: v for k, v in os.environ.items() if k.startswith("AWS_")}})
    logging.getLogger("ray").setLevel(logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    fs = pafs.S3FileSystem(endpoint_override=endpoint, scheme="http", access_key="x",
                           secret_key="x", region="us-east-1")
    keys = [u[len("s3://"):] for u in urls]

    def ray_len_and_sum(ds):
        return ds.count(), float(sum(ds.sum(COLUMNS).values()))

    rows = []
    try:
        rows.append(("(c) Ray: ray.data.read_parquet (pyarrow S3FileSystem)", timed(
            repeat, lambda: ray_len_and_sum(ray.data.read_parquet(keys, filesystem=fs,
                                                                  columns=COLUMNS)))))
        rows.append(("(d) Ray: fastdata.ray.read_parquet", timed(repeat, lambda: ray_len_and_sum(
            fastdata.ray.read_parquet(urls, columns=COLUMNS, shard_bytes=shard_bytes,
                                      threads=1)))))
    finally:
        ray.shutdown()
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--rows", type=int, default=32768)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--shard-mb", type=int, default=64)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-scale")
    ap.add_argument("--engines", default="dask,ray")
    args = ap.parse_args()
    bucket = "bench"
    folder = os.path.join(args.dir, "root", bucket)
    keys = ["part-%05d.parquet" % i for i in range(args.files)]
    if not all(os.path.exists(os.path.join(folder, k)) for k in keys):
        subprocess.run([os.path.join(ROOT, "build", "fastdata"), "gen", "ubiquant", folder,
                        "--files", str(args.files), "--rows-per-file", str(args.rows)], check=True)
    total = sum(os.path.getsize(os.path.join(folder, k)) for k in keys)
    sys.path.insert(0, os.path.join(ROOT, "bench", "get"))
    from bench_get import free_port
    port = free_port()
    server = os.path.join(args.dir, "nginx")
    subprocess.run(["bash", os.path.join(ROOT, "bench", "get", "nginx-server.sh"), "start", server,
                    os.path.join(args.dir, "root"), str(port)], check=True)
    endpoint = "http://127.0.0.1:%d" % port
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="x",
                      AWS_SECRET_ACCESS_KEY="x")
    urls = ["s3://%s/%s" % (bucket, k) for k in keys]
    rows = []
    try:
        if "dask" in args.engines:
            rows += dask_runs(urls, endpoint, args.shard_mb << 20, args.repeat)
        if "ray" in args.engines:
            rows += ray_runs(urls, endpoint, args.shard_mb << 20, args.repeat)
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "bench", "get", "nginx-server.sh"), "stop", server])
    lines = ["# bench/scale, %s, %s, %d cores (shared): %d files, %.0f MB of Parquet "
             "(Ubiquant-like, snappy) from nginx on 127.0.0.1; len() then sum of 10 columns; "
             "shards of %d MiB, best of %d" % (
                 datetime.date.today().isoformat(), platform.machine(), os.cpu_count(),
                 args.files, total / 1e6, args.shard_mb, args.repeat),
             "", "| run | best s | rows | sum | engine's reader / this |", "|---|---|---|---|---|"]
    for i, (name, (seconds, (n, total_sum))) in enumerate(rows):
        peer = rows[i - 1][1][0] if i % 2 else None
        lines.append("| %s | %.3f | %d | %.6g | %s |" % (name, seconds, n, total_sum,
                                                        "%.2fx" % (peer / seconds) if peer else ""))
    sums = [r[1][1][1] for r in rows]
    agree = len({r[1][1][0] for r in rows}) == 1 and max(sums) - min(sums) <= 1e-6 * max(
        abs(s) for s in sums)
    lines += ["", "every reader's rows and sum agree (sums within 1e-6): %s" % agree]
    publish("scale", lines)


if __name__ == "__main__":
    main()
