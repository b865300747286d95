#!/usr/bin/env python3
"""Download benchmark: ~1 GB of objects from nginx on 127.0.0.1 (path-style "S3", see
nginx-server.sh), into memory, with fastdata and the clients its users would otherwise pick,
in the same run, each in its own process, best of --repeat runs:

  fastdata   build/fdata_bench_get: fdata_s3_get_many, ranged parts straight into memory, every
             object kept (1 GB resident at the end, as the CRT row); and --stream, each object
             handed over as it arrives and freed (as boto3's read() rows and curl's /dev/null).
             Each peer's ratio is against the fastdata row that does the same with the bytes.
  curl       curl --parallel (-Z) to /dev/null: the same HTTP work in C, the ceiling here
  awscrt     the AWS CRT S3 client (PyPI awscrt), bodies collected in memory
  boto3      get_object().read() on a thread pool (PyPI boto3)
  metaflow   metaflow.S3.get_many into a tmpfs folder (PyPI metaflow), the reference workload

Network conditions and HTTPS (bench/netcond.py): --conditions loopback,net2,net8 measures each
condition in the same run (net2: netsim 2 Gbit/s, 40 MB/s per connection; net8: 8 Gbit/s,
100 MB/s per connection), the link's own time beside each figure; --https also serves the
objects over TLS and measures every client there too (boto3 and metaflow trust the bench's CA
through AWS_CA_BUNDLE, the CRT through its TLS options, curl with --cacert), with the clients'
CPU seconds per GB (user + system, the client's processes only): the cost of TLS per GB is the
https row's minus the http row's, for fastdata and for each peer.

usage: bench_get.py [--objects 64] [--mib 16] [--connections 16] [--repeat 3] [--dir DIR]
                    [--conditions loopback] [--https]
(`make bench-get` also runs 1024 objects x 1 MiB: many small objects, where a client's cost
per request shows; its table goes to bench/out/get-1024x1MiB.md)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402
import netcond  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))

PEERS = {
    "boto3 (thread pool)": """
import boto3, concurrent.futures as cf, botocore.config
s3 = boto3.client('s3', endpoint_url=ENDPOINT, aws_access_key_id='x', aws_secret_access_key='x',
                  region_name='us-east-1', config=botocore.config.Config(max_pool_connections=C))
def one(k): return len(s3.get_object(Bucket=BUCKET, Key=k)['Body'].read())
def run():
    with cf.ThreadPoolExecutor(C) as ex: return sum(ex.map(one, KEYS))
""",
    "awscrt S3 client": """
from awscrt import io, http, s3, auth
import os, threading
elg = io.EventLoopGroup(C); resolver = io.DefaultHostResolver(elg)
boot = io.ClientBootstrap(elg, resolver)
creds = auth.AwsCredentialsProvider.new_static('x', 'x')
if ENDPOINT.startswith('https:'):  # the bench's CA (AWS_CA_BUNDLE) in the CRT's TLS options
    trust = io.TlsContextOptions()
    trust.override_default_trust_store_from_path(None, os.environ['AWS_CA_BUNDLE'])
    tls = dict(tls_mode=s3.S3RequestTlsMode.ENABLED,
               tls_connection_options=io.ClientTlsContext(trust).new_connection_options())
else:
    tls = dict(tls_mode=s3.S3RequestTlsMode.DISABLED)
client = s3.S3Client(bootstrap=boot, region='us-east-1', credential_provider=creds,
                     part_size=8 << 20, throughput_target_gbps=20.0, **tls)
host = ENDPOINT.split('//')[1]
def run():
    total = [0]; reqs = []
    for k in KEYS:
        chunks = []
        def on_body(chunk, offset, chunks=chunks, **kw): chunks.append(bytes(chunk))
        hdrs = http.HttpHeaders([('host', host)])
        req = http.HttpRequest('GET', '/%s/%s' % (BUCKET, k), hdrs)
        reqs.append((client.make_request(type=s3.S3RequestType.GET_OBJECT, request=req,
                                         on_body=on_body), chunks))
    for r, chunks in reqs:
        r.finished_future.result(); total[0] += sum(map(len, chunks))
    return total[0]
""",
    "metaflow.S3.get_many (tmpfs)": """
import os
os.environ['METAFLOW_S3_ENDPOINT_URL'] = ENDPOINT
os.environ['AWS_ACCESS_KEY_ID'] = 'x'; os.environ['AWS_SECRET_ACCESS_KEY'] = 'x'
os.environ['METAFLOW_TEMPDIR'] = TMPFS
from metaflow import S3
def run():
    with S3(s3root='s3://%s/' % BUCKET, tmproot=TMPFS) as s3c:
        return sum(o.size for o in s3c.get_many(KEYS))
""",
}

TIMER = """
import json, time, sys
ENDPOINT, BUCKET, KEYS, C, R, TMPFS = json.loads(sys.argv[1])
{setup}
best, first, got = 1e30, None, 0
for _ in range(R):
    t0 = time.perf_counter(); got = run(); t = time.perf_counter() - t0
    best = min(best, t); first = t if first is None else first
print(json.dumps({{"seconds": best, "first_seconds": first, "bytes": got}}))
"""


def make_objects(root, bucket, count, mib):
    folder = os.path.join(root, bucket)
    os.makedirs(folder, exist_ok=True)
    keys = ["part-%03d.bin" % i for i in range(count)]
    for k in keys:
        path = os.path.join(folder, k)
        if not os.path.exists(path) or os.path.getsize(path) != mib << 20:
            with open(path, "wb") as f:
                f.write(os.urandom(mib << 20))
    return keys


def run_fastdata(urls, conns, repeat, *opts):
    exe = os.path.join(ROOT, "build", "fdata_bench_get")
    out = subprocess.run([exe, "--connections", str(conns), "--repeat", str(repeat), *opts] + urls,
                         capture_output=True, text=True)
    if out.returncode:
        return None, out.stderr.strip()[-200:]
    return json.loads(out.stdout), None


def run_curl(urls, conns, repeat, ca=None, into=None):
    """curl --parallel over urls, best of `repeat`: to /dev/null, or with `into` (a tmpfs
    folder) each body written to a file there (in RAM, as fastdata's objects; removed after
    each run)."""
    import time
    best, first = 1e30, None
    for _ in range(repeat):
        args = ["curl", "-s", "--no-progress-meter", "-Z", "--parallel-max", str(conns)]
        args += ["--cacert", ca] if ca else []
        for i, u in enumerate(urls):
            args += ["-o", os.path.join(into, "%d" % i) if into else "/dev/null", u]
        t0 = time.perf_counter()
        p = subprocess.run(args)
        t = time.perf_counter() - t0
        for i in range(len(urls) if into else 0):
            os.unlink(os.path.join(into, "%d" % i))
        if p.returncode:
            return None, "curl exit %d" % p.returncode
        best, first = min(best, t), t if first is None else first
    return {"seconds": best, "first_seconds": first}, None


def run_peer(code, endpoint, bucket, keys, conns, repeat, tmpfs):
    p = subprocess.run([sys.executable, "-c", TIMER.format(setup=code),
                        json.dumps([endpoint, bucket, keys, conns, repeat, tmpfs])],
                       capture_output=True, text=True)
    if p.returncode:
        return None, (p.stderr.strip().splitlines() or ["failed"])[-1][:160]
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def measure(args, keys, condition):
    """Every client against nginx under `condition`: rows [client, protocol, result, error,
    client CPU seconds]."""
    cap = netcond.CONDITIONS[condition]
    tmp = tempfile.mkdtemp(dir="/dev/shm")
    ca, *tls = netcond.make_tls(tmp) if args.https else (None, None, None)
    nginx = netcond.Nginx(args.dir, os.path.join(args.dir, "root"), cap and cap[1],
                          tls if args.https else None)
    bucket, rows = "bench", []

    def row(name, proto, fn):
        (res, err), cpu = netcond.child_cpu(fn)
        rows.append([name, proto, res, err, cpu])
    try:
        for proto, endpoint in (("http", nginx.http), ("https", nginx.https)):
            if endpoint is None:
                continue
            os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1")
            if proto == "https":
                os.environ["AWS_CA_BUNDLE"] = ca
            urls_s3 = ["s3://%s/%s" % (bucket, k) for k in keys]
            urls_http = ["%s/%s/%s" % (endpoint, bucket, k) for k in keys]
            row(KEPT, proto, lambda: run_fastdata(urls_s3, args.connections, args.repeat))
            row(STREAMED, proto, lambda: run_fastdata(urls_s3, args.connections, args.repeat,
                                                      "--stream"))
            row(CURL, proto, lambda: run_curl(urls_http, args.connections, args.repeat, ca))
            for name, code in PEERS.items():
                row(name, proto, lambda: run_peer(code, endpoint, bucket, keys, args.connections,
                                                  args.repeat, tmp))
    finally:
        nginx.stop()
        os.environ.pop("AWS_CA_BUNDLE", None)
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


KEPT = "fastdata get_many"
STREAMED = "fastdata get_many, streamed (each object freed on arrival)"
CURL = "curl --parallel"


def table(results, total, repeat):
    """One row per condition, protocol and client; each peer's ratio against the fastdata row
    of its condition and protocol that does the same with the bytes: curl (to /dev/null) and
    boto3 (read(), then dropped) against the streamed one, the CRT (bodies collected) and
    metaflow (files kept) against the one that keeps every object."""
    lines = ["| condition | client | proto | best s | link s | first s | MiB/s | client CPU s/GB "
             "| fastdata speed / this (best, first) |", "|---|---|---|---|---|---|---|---|---|"]
    for cond, rows in results.items():
        cap = netcond.CONDITIONS[cond]
        link = "%.3f" % netcond.link_seconds(total, cap[0]) if cap else ""
        fd = {(name, proto): res for name, proto, res, _, _ in rows if name in (KEPT, STREAMED)}
        for name, proto, res, err, cpu in rows:
            if res is None:
                lines.append("| %s | %s | %s | error: %s | | | | | |" % (cond, name, proto, err))
                continue
            s, f = res["seconds"], res["first_seconds"]
            ref = fd.get((STREAMED if name in (CURL, "boto3 (thread pool)") else KEPT, proto))
            ratio = "" if name in (KEPT, STREAMED) or ref is None else "%.2fx, %.2fx vs %s" % (
                s / ref["seconds"], f / ref["first_seconds"],
                "streamed" if ref is fd.get((STREAMED, proto)) else "kept")
            lines.append("| %s | %s | %s | %.3f | %s | %.3f | %.0f | %.2f | %s |" % (
                cond, name, proto, s, link, f, total / s / 2**20,
                cpu / (repeat * total / 1e9), ratio))
    return lines + [""] + netcond.tls_costs(results, (STREAMED, KEPT, CURL, *PEERS), total, repeat)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=64)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-get")
    netcond.add_arguments(ap)
    args = ap.parse_args()
    conditions = netcond.parse_conditions(args.conditions)
    keys = make_objects(os.path.join(args.dir, "root"), "bench", args.objects, args.mib)
    if args.inside:  # one netsim condition, for the outer run
        print(json.dumps(measure(args, keys, args.inside)))
        return
    total = args.objects * (args.mib << 20)
    results = netcond.measure_all(conditions, lambda c: measure(args, keys, c))
    lines = [netcond.heading("get", "%d objects x %d MiB from nginx, %d connections" % (
        args.objects, args.mib, args.connections), conditions), ""] + table(results, total, args.repeat)
    default = (args.objects, args.mib) == (64, 16)
    name = "get" if default else "get-%dx%dMiB" % (args.objects, args.mib)
    publish(netcond.report_name(name, conditions, args.https), lines)


if __name__ == "__main__":
    main()
