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

usage: bench_get.py [--objects 64] [--mib 16] [--connections 16] [--repeat 3] [--dir DIR]
(`make bench-get` also runs 1024 objects x 1 MiB: many small objects, where a client's cost
per request shows; its table goes to bench/out/get-1024x1MiB.md)
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import publish  # noqa: E402

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
import threading
elg = io.EventLoopGroup(C); resolver = io.DefaultHostResolver(elg)
boot = io.ClientBootstrap(elg, resolver)
creds = auth.AwsCredentialsProvider.new_static('x', 'x')
client = s3.S3Client(bootstrap=boot, region='us-east-1', credential_provider=creds,
                     tls_mode=s3.S3RequestTlsMode.DISABLED, part_size=8 << 20,
                     throughput_target_gbps=20.0)
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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


def run_curl(urls, conns, repeat):
    import time
    best, first = 1e30, None
    for _ in range(repeat):
        args = ["curl", "-s", "--no-progress-meter", "-Z", "--parallel-max", str(conns)]
        for u in urls:
            args += ["-o", "/dev/null", u]
        t0 = time.perf_counter()
        p = subprocess.run(args)
        t = time.perf_counter() - t0
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=64)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm/fastdata-bench-get")
    args = ap.parse_args()
    bucket = "bench"
    keys = make_objects(os.path.join(args.dir, "root"), bucket, args.objects, args.mib)
    total = args.objects * (args.mib << 20)
    port = free_port()
    server = os.path.join(args.dir, "nginx")
    subprocess.run(["bash", os.path.join(HERE, "nginx-server.sh"), "start", server,
                    os.path.join(args.dir, "root"), str(port)], check=True)
    endpoint = "http://127.0.0.1:%d" % port
    tmpfs = tempfile.mkdtemp(dir="/dev/shm")
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1")
    urls_s3 = ["s3://%s/%s" % (bucket, k) for k in keys]
    urls_http = ["%s/%s/%s" % (endpoint, bucket, k) for k in keys]
    rows = []
    try:
        rows.append(("fastdata get_many",) + run_fastdata(urls_s3, args.connections, args.repeat))
        rows.append(("fastdata get_many, streamed (each object freed on arrival)",) +
                    run_fastdata(urls_s3, args.connections, args.repeat, "--stream"))
        rows.append(("curl --parallel",) + run_curl(urls_http, args.connections, args.repeat))
        for name, code in PEERS.items():
            rows.append((name,) + run_peer(code, endpoint, bucket, keys, args.connections,
                                           args.repeat, tmpfs))
    finally:
        subprocess.run(["bash", os.path.join(HERE, "nginx-server.sh"), "stop", server])
        shutil.rmtree(tmpfs, ignore_errors=True)
    # each peer against the fastdata row that does the same with the bytes: curl (to
    # /dev/null) and boto3 (read(), then dropped) against the streamed one, the CRT (bodies
    # collected) and metaflow (files kept) against the one that keeps every object
    kept, streamed = rows[0][1], rows[1][1]
    peer_of = {"curl --parallel": streamed, "boto3 (thread pool)": streamed}
    lines = ["# bench/get, %s, %s, %d cores: %d objects x %d MiB from nginx on 127.0.0.1, "
             "%d connections" % (datetime.date.today().isoformat(), platform.machine(),
                                 os.cpu_count(), args.objects, args.mib, args.connections),
             "",
             "| client | best s | first s | MiB/s | Gbit/s | fastdata speed / this (best, first) |",
             "|---|---|---|---|---|---|"]
    for i, (name, res, err) in enumerate(rows):
        if res is None:
            lines.append("| %s | error: %s | | | | |" % (name, err))
            continue
        s, f = res["seconds"], res["first_seconds"]
        fd = peer_of.get(name, kept)
        ratio = "" if i < 2 or fd is None else "%.2fx, %.2fx vs %s" % (
            s / fd["seconds"], f / fd["first_seconds"], "streamed" if fd is streamed else "kept")
        lines.append("| %s | %.3f | %.3f | %.0f | %.2f | %s |" % (
            name, s, f, total / s / 2**20, total * 8 / s / 1e9, ratio))
    default = (args.objects, args.mib) == (64, 16)
    publish("get" if default else "get-%dx%dMiB" % (args.objects, args.mib), lines)


if __name__ == "__main__":
    main()
