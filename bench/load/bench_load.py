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
Network conditions and HTTPS (bench/netcond.py): --conditions loopback,net2,net8 runs (a), (c),
(c') and the peers under each condition in the same run, the link's own time beside each
figure; (b) runs once, outside (it has no network). --https also serves the files over TLS and
measures every run but (b) there too, the peers trusting the bench's CA through AWS_CA_BUNDLE
(metaflow's boto3), tls_ca_file_path (pyarrow) or SSL_CERT_FILE (Polars' object_store), with
curl over https as the download's ceiling (to /dev/null; and into tmpfs files, which lands the
bytes in RAM as (a) does) and the clients' CPU seconds per GB (user + system,
the client's processes only): the cost of TLS per GB is the https row's minus the http row's,
for fastdata and for each peer. Targets (issue 17):
net2: (c) <= 1.05 x the link's time; net8: (c) >= 0.85 of the link's rate and >= 2x the
fastest of (e), (f); https on loopback: (a) >= curl, (c) <= 1.15 x ((a) + (b)).
usage: bench_load.py [--files 24] [--rows 32768] [--repeat 3] [--connections 16]
                     [--conditions loopback] [--https]"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402
import netcond  # noqa: E402

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
import os, pyarrow.dataset as ds, pyarrow.fs as pfs
scheme = ENDPOINT.split(':')[0]  # https: the bench's CA (AWS_CA_BUNDLE) in pyarrow's option
fs = pfs.S3FileSystem(endpoint_override=ENDPOINT.split('//')[1], scheme=scheme, access_key='x',
                      secret_key='x', region='us-east-1',
                      **({'tls_ca_file_path': os.environ['AWS_CA_BUNDLE']} if scheme == 'https' else {}))
def run():
    return ds.dataset(['%s/%s' % (BUCKET, k) for k in KEYS], filesystem=fs,
                      format='parquet').to_table().num_rows
""",
    "(f) Polars scan_parquet(s3://)": """
import os
if ENDPOINT.startswith('https:'):  # object_store trusts SSL_CERT_FILE's CAs: the bench's
    os.environ['SSL_CERT_FILE'] = os.environ['AWS_CA_BUNDLE']
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


DOWNLOAD = "(a) fastdata download only"
DECODE = "(b) fastdata decode only (from memory)"
LOAD = "(c) fastdata load (end to end)"
CURL = "curl --parallel download (the ceiling for (a))"
CURL_RAM = "curl --parallel into tmpfs files (in RAM, as (a))"
CLI = "(c') fastdata load CLI, a fresh process per run"
LINK_TARGETS = {"net2": " (target <= 1.05)", "net8": " (target <= 1.18: >= 0.85 of the link's rate)"}
HTTPS_TARGET = {"loopback": " (target <= 1)", "net2": "", "net8": ""}  # issue 17: on loopback
POLARS_PYARROW = ("(e) pyarrow.dataset over S3FileSystem", "(f) Polars scan_parquet(s3://)")


def fastdata_load(urls, conns):
    t0 = time.perf_counter()
    r = run_json([os.path.join(ROOT, "build", "fastdata"), "load", "--json", "--connections",
                  str(conns)] + urls)
    return None if r is None else time.perf_counter() - t0


def measure(args, keys, condition):
    """(a), (c), (c'), curl and the peers against nginx under `condition`: rows [run, protocol,
    result, client CPU seconds]."""
    cap = netcond.CONDITIONS[condition]
    tmp = tempfile.mkdtemp(dir="/dev/shm")
    ca, *tls = netcond.make_tls(tmp) if args.https else (None, None, None)
    nginx = netcond.Nginx(args.dir, os.path.join(args.dir, "root"), cap and cap[1],
                          tls if args.https else None)
    bucket, rows, conns = "bench", [], str(args.connections)
    urls = ["s3://%s/%s" % (bucket, k) for k in keys]

    def row(name, proto, fn):
        res, cpu = netcond.child_cpu(fn)
        rows.append([name, proto, res, cpu])
    try:
        for proto, endpoint in (("http", nginx.http), ("https", nginx.https)):
            if endpoint is None:
                continue
            os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1",
                              AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
            if proto == "https":
                os.environ["AWS_CA_BUNDLE"] = ca
            row(DOWNLOAD, proto, lambda: run_json([os.path.join(ROOT, "build", "fdata_bench_get"),
                                                   "--connections", conns, "--repeat",
                                                   str(args.repeat)] + urls))
            row(CURL, proto, lambda: bench_get.run_curl(
                ["%s/%s/%s" % (endpoint, bucket, k) for k in keys], args.connections,
                args.repeat, ca)[0])
            row(CURL_RAM, proto, lambda: bench_get.run_curl(
                ["%s/%s/%s" % (endpoint, bucket, k) for k in keys], args.connections,
                args.repeat, ca, tmp)[0])
            row(LOAD, proto, lambda: run_json([os.path.join(ROOT, "build", "fdata_bench_load"),
                                               "--connections", conns, "--repeat",
                                               str(args.repeat)] + urls))
            row(CLI, proto,
                lambda: best_of(args.repeat, lambda: fastdata_load(urls, args.connections)))
            for name, code in PEERS.items():
                row(name, proto, lambda: peer(name, code, endpoint, keys, args, tmp))
    finally:
        nginx.stop()
        os.environ.pop("AWS_CA_BUNDLE", None)
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def peer(name, code, endpoint, keys, args, tmp):
    res, err = bench_get.run_peer(code, endpoint, "bench", keys, args.connections, args.repeat, tmp)
    if res is None:
        print("  %s: %s" % (name, err), file=sys.stderr)
    return res


def table(results, decode, total, repeat):
    lines = ["| condition | run | proto | best s | link s | first s | client CPU s/GB | this / (c) |",
             "|---|---|---|---|---|---|---|---|"]
    for cond, rows in results.items():
        cap = netcond.CONDITIONS[cond]
        link = "%.3f" % netcond.link_seconds(total, cap[0]) if cap else ""
        loads = {proto: res for name, proto, res, _ in rows if name == LOAD and res}
        for name, proto, res, cpu in rows:
            if res is None:
                lines.append("| %s | %s | %s | failed | | | | |" % (cond, name, proto))
                continue
            c = loads.get(proto)
            lines.append("| %s | %s | %s | %.3f | %s | %.3f | %.2f | %s |" % (
                cond, name, proto, res["seconds"], link, res["first_seconds"],
                cpu / (repeat * total / 1e9), "%.2fx" % (res["seconds"] / c["seconds"]) if c else ""))
    if decode:
        lines.append("| (no network) | %s | | %.3f | | %.3f | | |" % (
            DECODE, decode["seconds"], decode["first_seconds"]))
    return lines + targets(results, decode, total, repeat)


def targets(results, decode, total, repeat):
    """The issue's targets, each as the measured ratio beside its bound."""
    out = []
    for cond, rows in results.items():
        best = {(name, proto): res["seconds"] for name, proto, res, _ in rows if res}
        c, a = best.get((LOAD, "http")), best.get((DOWNLOAD, "http"))
        cap = netcond.CONDITIONS[cond]
        if cap is None and c and a and decode:
            out.append("- loopback: (c) / max((a), (b)) = %.2f (target <= 1.15)" % (
                c / max(a, decode["seconds"])))
        if cap and c:
            link = netcond.link_seconds(total, cap[0])
            out.append("- %s: (c) / link time = %.2f%s" % (cond, c / link, LINK_TARGETS.get(cond, "")))
            peers = [best[p, "http"] for p in POLARS_PYARROW if (p, "http") in best]
            if peers:
                out.append("- %s: fastest of (e), (f) / (c) = %.2f%s" % (
                    cond, min(peers) / c, " (target >= 2)" if cond == "net8" else ""))
        ah, ch, curl, ram = (best.get((n, "https")) for n in (DOWNLOAD, LOAD, CURL, CURL_RAM))
        if ah and curl:
            out.append("- %s https: (a) / curl = %.2f%s" % (cond, ah / curl, HTTPS_TARGET[cond]))
        if ah and ram:
            out.append("- %s https: (a) / curl into tmpfs = %.2f" % (cond, ah / ram))
        if ah and ch and decode:
            out.append("- %s https: (c) / ((a) + (b)) = %.2f%s" % (
                cond, ch / (ah + decode["seconds"]), HTTPS_TARGET[cond] and " (target <= 1.15)"))
    return [""] + out + netcond.tls_costs(results, (DOWNLOAD, LOAD, CLI, CURL, CURL_RAM, *PEERS), total,
                                          repeat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--rows", type=int, default=32768)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-load")
    netcond.add_arguments(ap)
    args = ap.parse_args()
    conditions = netcond.parse_conditions(args.conditions)
    folder = os.path.join(args.dir, "root", "bench")
    keys = netcond.ubiquant_keys(folder, args.files, args.rows)
    if args.inside:  # one netsim condition, for the outer run
        print(json.dumps(measure(args, keys, args.inside)))
        return
    paths = [os.path.join(folder, k) for k in keys]
    total = sum(os.path.getsize(p) for p in paths)
    decode = run_json([os.path.join(ROOT, "build", "fdata_bench_decode"), "--repeat",
                       str(args.repeat)] + paths)
    results = netcond.measure_all(conditions, lambda c: measure(args, keys, c))
    lines = [netcond.heading("load", "%d files, %.0f MB of Parquet (Ubiquant-like, snappy) from "
                             "nginx, %d connections" % (args.files, total / 1e6, args.connections),
                             conditions), ""] + table(results, decode, total, args.repeat)
    publish(netcond.report_name("load", conditions, args.https), lines)


if __name__ == "__main__":
    main()
