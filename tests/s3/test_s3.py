#!/usr/bin/env python3
"""The S3 client and commands against OpenStack Swift's s3api, which checks SigV4 like AWS:
uploads and downloads byte-identical from 0 bytes to 20 MiB, ranged GETs, listing over
several pages, Parquet read straight from S3, and clear errors for a missing key, a missing
bucket, a wrong secret, missing credentials and bad URLs.
With --tls last, all of it again over HTTPS: nginx terminating TLS in front of Swift, the
client trusting its CA through AWS_CA_BUNDLE (the fault proxies and curl still reach Swift
over plain HTTP).
usage: test_s3.py FASTDATA S3_RANGES S3_BUDGET LOAD_DUMP DATA_DIR LOAD_THREADS [--tls]"""
import ast
import filecmp
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

from s3_test_util import check, free_ports, make_bucket, run_against_swift, swift_port

FASTDATA, S3_RANGES, S3_BUDGET, LOAD_DUMP, DATA, LOAD_THREADS = sys.argv[1:7]
TLS = sys.argv[7:] == ["--tls"]
HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args, env=None, stdin=None):
    p = subprocess.run([FASTDATA] + list(args), capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main(tmp, env):
    bucket = "fdata-test"
    make_bucket(env, bucket)
    rnd = random.Random(42)
    files = {}
    src = os.path.join(tmp, "src")
    os.mkdir(src)
    for name, size in (("empty.bin", 0), ("one.bin", 1), ("small.bin", 1000),
                       ("mib.bin", (1 << 20) + 7), ("big file+name ü.bin", 20 << 20)):
        data = rnd.randbytes(size)
        with open(os.path.join(src, name), "wb") as f:
            f.write(data)
        files[name] = data
    prefix = "s3://%s/objs/" % bucket
    rc, out, err = run("put", *[os.path.join(src, n) for n in files], prefix, env=env)
    check("put 5 objects from 0 B to 20 MiB", rc == 0 and "put 5 objects" in err, err)

    rc, out, err = run("ls", "-r", "-l", prefix, env=env)
    listed = {}
    for line in out.decode().splitlines():
        size, _, _, key = line.split(None, 3)
        listed[key] = int(size)
    check("ls -r -l lists every key with its size",
          listed == {"objs/" + n: len(d) for n, d in files.items()}, out)
    rc, out, err = run("ls", "s3://%s/" % bucket, env=env)
    check("ls one level shows the prefix", rc == 0 and out.decode().split() == ["objs/"], out)

    name = "big file+name ü.bin"
    rc, out, err = run("stat", prefix + name, env=env)
    check("stat gives the size", rc == 0 and ("size: %d" % len(files[name])).encode() in out, out)

    dest = os.path.join(tmp, "dest")
    os.mkdir(dest)
    rc, out, err = run("get", prefix, "-o", dest, env=env)
    same = all(sha(open(os.path.join(dest, n), "rb").read()) == sha(d) for n, d in files.items())
    check("get of the prefix is byte-identical (sha256)", rc == 0 and same, err)
    dest2 = os.path.join(tmp, "dest2")
    os.mkdir(dest2)
    rc, out, err = run("get", prefix, "-o", dest2, "--part-size", "1", "--connections", "3", env=env)
    same = all(sha(open(os.path.join(dest2, n), "rb").read()) == sha(d) for n, d in files.items())
    check("get in 1 MiB parts over 3 connections is byte-identical", rc == 0 and same, err)
    rc, out, err = run("get", prefix + "mib.bin", "-o", "-", env=env)
    check("get to stdout is byte-identical", rc == 0 and out == files["mib.bin"], err)
    order = sorted(files, key=lambda n: -len(files[n]))  # the largest first: later ones wait
    rc, out, err = run("get", *[prefix + n for n in order], "-o", "-", "--memory-limit", "1",
                       "--part-size", "1", env=env)
    check("get of 5 objects to stdout, streamed under a 1 MiB limit: in the order given",
          rc == 0 and out == b"".join(files[n] for n in order), err)
    rc, out, err = run("get", prefix + "mib.bin", prefix + "nope", prefix + "one.bin", "-o", "-", env=env)
    check("get with a missing key among others: one error naming it, not the cancelled ones",
          rc == 1 and "nope" in err and "cancelled" not in err and len(err.splitlines()) == 1, err)

    big = os.path.join(src, "big file+name ü.bin")
    rc, out, err = run("put", big, "s3://%s/multipart/big.bin" % bucket, "--part-size", "5",
                       "--multipart-threshold", "6", env=env)
    rc2, out2, err2 = run("stat", "s3://%s/multipart/big.bin" % bucket, env=env)
    rc3, body, err3 = run("get", "s3://%s/multipart/big.bin" % bucket, "-o", "-", env=env)
    check("a multipart upload in 4 parallel parts reads back byte-identical",
          rc == 0 and rc3 == 0 and sha(body) == sha(files[name]) and b"-4" in out2,
          err + err2 + err3 + out2.decode())
    rc, out, err = run("put", big, "s3://no-such-bucket-x/big.bin", "--part-size", "5",
                       "--multipart-threshold", "6", env=env)
    check("a multipart upload to a missing bucket fails clearly", rc == 1 and "NoSuchBucket" in err, err)
    p = subprocess.run([S3_RANGES, prefix + name, os.path.join(src, name)], env=env,
                       capture_output=True, text=True)
    check("ranged GETs equal the local bytes", p.returncode == 0, p.stdout + p.stderr)

    for pq in ("generated/duckdb_prim_v1_snappy.parquet", "generated/duckdb_nested_v1_snappy.parquet"):
        local = os.path.join(DATA, pq)
        run("put", local, "s3://%s/parquet/" % bucket, env=env)
        url = "s3://%s/parquet/%s" % (bucket, os.path.basename(pq))
        rc1, a, e1 = run("cat", url, env=env)
        rc2, b, e2 = run("cat", local)
        check("cat of %s from S3 equals the local file" % os.path.basename(pq),
              rc1 == 0 and rc2 == 0 and a == b and len(a) > 0, e1 + e2)
        rc, out, err = run("schema", url, env=env)
        check("schema of an s3:// object", rc == 0 and b"row_groups:" in out, err)

    # a 304-column table: a one-column projection fetches the footer and that column only
    wide = os.path.join(tmp, "ubiquant_like_zstd.parquet")
    gen = os.path.join(DATA, "generated")
    with open(wide, "wb") as out:
        for part in sorted(p for p in os.listdir(gen) if p.startswith("duckdb_ubiquant_like_zstd.parquet.part-")):
            out.write(open(os.path.join(gen, part), "rb").read())
    run("put", wide, "s3://%s/parquet/" % bucket, env=env)
    url = "s3://%s/parquet/ubiquant_like_zstd.parquet" % bucket
    venv = dict(env, FDATA_VERBOSE="1")
    rc1, a, e1 = run("cat", "--columns", "f_7,row_id", url, env=venv)
    rc2, b, e2 = run("cat", "--columns", "f_7,row_id", wide)
    words = e1.split("fetched ")[1].split() if "fetched " in e1 else ["0", "of", "1"]
    fetched = [int(words[0]), int(words[2])]  # "fetched N of M bytes"
    check("a 2-column projection from S3 equals the local read and fetches %.1f%% of the object"
          % (100.0 * fetched[0] / fetched[1]),
          rc1 == 0 and a == b and len(a) > 0 and fetched[0] < fetched[1] / 20, e1 + e2)

    load_tests(tmp, env, bucket)
    runtime_tests(tmp, env, bucket, wide)
    dataset_tests(env, bucket)
    page_index_tests(env, bucket)
    pruning_tests(env, bucket)
    trace_tests(tmp, env, bucket)
    python_tests(tmp, env, bucket)

    many = os.path.join(tmp, "many")
    os.mkdir(many)
    for i in range(1005):
        with open(os.path.join(many, "k%04d" % i), "wb") as f:
            f.write(b"x")
    rc, out, err = run("put", *sorted(os.path.join(many, n) for n in os.listdir(many)),
                       "s3://%s/many/" % bucket, env=env)
    rc, out, err = run("ls", "-r", "s3://%s/many/" % bucket, env=env)
    keys = out.decode().split()
    check("a listing of 1005 keys spans pages and is complete and ordered",
          rc == 0 and keys == ["many/k%04d" % i for i in range(1005)], "%d keys, %s" % (len(keys), err))
    got_many = os.path.join(tmp, "got_many")
    os.mkdir(got_many)
    rc, out, err = run("get", "s3://%s/many/" % bucket, "-o", got_many, env=env)
    check("get of 1005 objects in parallel", rc == 0 and sorted(os.listdir(got_many)) ==
          ["k%04d" % i for i in range(1005)] and "got 1005 objects" in err, err)

    key_tests(tmp, env, bucket)
    fault_tests(tmp, env, bucket, rnd)
    checksum_tests(tmp, env, bucket)
    budget_tests(tmp, env, bucket)
    region_tests(tmp, env, bucket)

    web_identity_tests(tmp, env, prefix)
    container_tests(tmp, env, prefix)
    imds_tests(tmp, env, bucket, prefix)

    def error_case(name, args, words, env_override=None):
        e = dict(env)
        e.update(env_override or {})
        rc, out, err = run(*args, env=e)
        check(name, rc == 1 and err.startswith("fastdata: ") and err.count("\n") == 1 and
              all(w in err for w in words) and "testing" not in err, err)

    error_case("missing key: 404 named", ["get", prefix + "nope", "-o", "-"], ["nope", "404", "NoSuchKey"])
    error_case("missing bucket", ["ls", "s3://no-such-bucket-x/"], ["NoSuchBucket"])
    error_case("wrong secret: 403, secret not printed", ["stat", prefix + "one.bin"],
               ["403"], {"AWS_SECRET_ACCESS_KEY": "wrongsecret"})
    error_case("wrong secret on GET names the S3 code", ["get", prefix + "one.bin", "-o", "-"],
               ["SignatureDoesNotMatch"], {"AWS_SECRET_ACCESS_KEY": "wrongsecret"})
    no_creds = {k: v for k, v in env.items() if not k.startswith("AWS_ACCESS") and not k.startswith("AWS_SECRET")}
    no_creds.update(HOME=tmp, AWS_EC2_METADATA_DISABLED="true")
    rc, out, err = run("ls", prefix, env=no_creds)
    check("no credentials: says where it looked", rc == 1 and "no S3 credentials" in err, err)
    error_case("not an s3:// URL", ["stat", "http://x/y"], ["s3://"])
    error_case("invalid bucket name", ["stat", "s3://A_B/k"], ["invalid bucket name"])
    error_case("a bad --target-gbps", ["get", "--target-gbps", "0", prefix], ["--target-gbps"])


def fake_service(respond):
    """A local HTTP service whose GETs and PUTs answer respond(handler) -> (status, body)."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            status, body = respond(self)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_PUT = do_POST = do_GET

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def keyless_env(env, tmp, **extra):
    """The test environment without static keys (and no ~/.aws), plus `extra`."""
    e = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    e.update(HOME=tmp, **extra)
    return e


def write_token(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


def web_identity_tests(tmp, env, prefix):
    """Credentials from a (fake, local) STS AssumeRoleWithWebIdentity: the token file and the
    role go to STS, the keys it returns sign the requests; STS refusing says so."""
    import urllib.parse
    seen = []
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]

    def sts(handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0)).decode()
        q = dict(urllib.parse.parse_qsl(body), method=handler.command, path=handler.path,
                 type=handler.headers.get("Content-Type", ""))
        seen.append(q)
        if q.get("RoleArn", "").endswith("denied"):
            return 403, ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                         "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>"
                         "</Error><RequestId>sts-1</RequestId></ErrorResponse>").encode()
        return 200, ("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                     "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s"
                     "</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>"
                     "2099-01-01T00:00:00Z</Expiration></Credentials>"
                     "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
                     % (key, secret)).encode()

    server = fake_service(sts)
    wenv = keyless_env(env, tmp, AWS_WEB_IDENTITY_TOKEN_FILE=write_token(tmp, "token", "eyJ.the-token.sig"),
                       AWS_ROLE_ARN="arn:aws:iam::123456789012:role/reader",
                       AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % server.server_port)
    rc, out, err = run("ls", prefix, env=wenv)
    check("web identity: STS keys sign the requests; the token goes in a form-encoded POST body, "
          "not the URL", rc == 0 and b"objs/" in out and seen and
          seen[0].get("WebIdentityToken") == "eyJ.the-token.sig" and
          seen[0].get("Action") == "AssumeRoleWithWebIdentity" and seen[0]["method"] == "POST" and
          "token" not in seen[0]["path"] and
          seen[0]["type"].startswith("application/x-www-form-urlencoded"), err + str(seen))
    asked = len(seen)
    rc, out, err = run("ls", prefix, env=dict(wenv, AWS_ENDPOINT_URL_STS="http://192.0.2.1:%d" %
                                              server.server_port))
    check("web identity: an STS endpoint over plain http off the loopback is refused before "
          "the token is sent", rc == 1 and "AWS_ENDPOINT_URL_STS" in err and "https://" in err and
          err.count("\n") == 1 and len(seen) == asked, err)
    wenv["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/denied"
    rc, out, err = run("ls", prefix, env=wenv)
    check("web identity refused: one clear error", rc == 1 and "AccessDenied" in err and
          "the-token" not in err and err.count("\n") == 1, err)
    server.shutdown()


def container_tests(tmp, env, prefix):
    """Credentials from a (fake, local) container credentials endpoint, with the
    Authorization token read from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE."""
    seen = []
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]

    def agent(handler):
        seen.append((handler.path, handler.headers.get("Authorization")))
        if handler.headers.get("Authorization") != "agent-token":
            return 401, b"{}"
        return 200, json.dumps({"AccessKeyId": key, "SecretAccessKey": secret, "Token": "t",
                                "Expiration": "2099-01-01T00:00:00Z"}).encode()

    server = fake_service(agent)
    cenv = keyless_env(env, tmp,
                       AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:%d/creds" % server.server_port,
                       AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=write_token(tmp, "agent-token", "agent-token"))
    rc, out, err = run("ls", prefix, env=cenv)
    check("container credentials sign the requests", rc == 0 and b"objs/" in out and
          seen and seen[0] == ("/creds", "agent-token"), err + str(seen))
    cenv["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = "/nonexistent/token"
    rc, out, err = run("ls", prefix, env=cenv)
    check("a missing container token file: one clear error", rc == 1 and "token" in err, err)
    cenv["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.1/creds"
    rc, out, err = run("ls", prefix, env=cenv)
    check("a container URI off the loopback over plain HTTP is refused", rc == 1 and
          "https://" in err, err)
    asked = len(seen)
    cenv["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = write_token(tmp, "agent-token", "agent-token")
    cenv["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.170.2:1@127.0.0.1:%d/creds" % \
        server.server_port
    rc, out, err = run("ls", prefix, env=cenv)
    check("a container URI whose allowed-looking address is user info (the host is the one "
          "after '@') is refused; the token is not sent", rc == 1 and "user name" in err and
          err.count("\n") == 1 and len(seen) == asked, err + str(seen))
    server.shutdown()


def imds_tests(tmp, env, bucket, prefix):
    """Credentials from a (fake, local) EC2 instance metadata service, IMDSv2: a session token
    from PUT /latest/api/token, presented on every GET; the service is asked once per process
    however many objects are fetched in parallel.  Never the real 169.254.169.254."""
    seen = []
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    roles = "/latest/meta-data/iam/security-credentials/"

    def imds(handler):
        token = handler.headers.get("X-aws-ec2-metadata-token")
        seen.append((handler.command, handler.path, token))
        if handler.command == "PUT" and handler.path == "/latest/api/token":
            ttl = handler.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            return (200, b"session-token") if ttl else (400, b"")
        if token != "session-token":
            return 401, b""
        if handler.path == roles:
            return 200, b"reader-role\n"
        if handler.path == roles + "reader-role":
            return 200, json.dumps({"Code": "Success", "AccessKeyId": key, "SecretAccessKey": secret,
                                    "Token": "t", "Expiration": "2099-01-01T00:00:00Z"}).encode()
        return 404, b""

    server = fake_service(imds)
    ienv = keyless_env(env, tmp, AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" % server.server_port)
    del ienv["AWS_EC2_METADATA_DISABLED"]
    got = os.path.join(tmp, "imds-got")
    os.mkdir(got)
    rc, out, err = run("get", "s3://%s/many/" % bucket, "-o", got, "--connections", "8", env=ienv)
    check("instance metadata (IMDSv2) keys sign 1005 parallel GETs, asked once per process",
          rc == 0 and len(os.listdir(got)) == 1005 and [s[:2] for s in seen] ==
          [("PUT", "/latest/api/token"), ("GET", roles), ("GET", roles + "reader-role")],
          err + str(seen))
    server.shutdown()
    dead = free_ports(1)
    ienv["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d" % dead
    t0 = time.time()
    rc, out, err = run("ls", prefix, env=ienv)
    check("no instance metadata service: a prompt 'no S3 credentials' naming it", rc == 1 and
          "no S3 credentials" in err and "EC2 instance metadata" in err and
          time.time() - t0 < 8, err)


def first_parts_cut(log):
    """From the proxy's log: the first parts (Range from byte 0) cut mid-body by a reset or a
    truncation, and those whose next GET asked for the bytes after the ones sent."""
    def range_of(g):
        m = re.match(r"bytes=(\d+)-(\d*)", g["range"] or "")
        return (int(m.group(1)), int(m.group(2) or -1)) if m else (None, None)
    gets = sorted((json.loads(line) for line in open(log)), key=lambda g: g["t"])
    cut, resumed = [], []
    for i, g in enumerate(gets):
        first, end = range_of(g)
        if g["fault"] in ("reset", "truncate") and first == 0 and g["sent"] > 0:
            cut.append((g["path"], g["t"]))
            # the object's other parts, scheduled once the first part answered, may start
            # before its retry: the retry is the next GET of the path starting inside this part
            retry = [h for h in gets[i + 1:] if h["path"] == g["path"] and
                     range_of(h)[0] is not None and (end < 0 or range_of(h)[0] <= end)]
            # a reset can lose bytes the proxy wrote but the client never read: the retry
            # starts after what was received, at most what was sent, never at byte 0 again
            if retry and 0 < range_of(retry[0])[0] <= g["sent"]:
                resumed.append((g["path"], g["t"]))
    return cut, resumed


def fault_tests(tmp, env, bucket, rnd):
    """Downloads through tests/s3/fault_proxy.py, which injects 503 SlowDown, 500, resets,
    truncated bodies and stalls (which the client must detect and abandon): with retries every
    object arrives byte-identical; without them the command fails with a clear error and
    writes nothing."""
    src = os.path.join(tmp, "faultsrc")
    os.mkdir(src)
    objs = {}
    for i in range(150):
        objs["o%03d" % i] = rnd.randbytes(rnd.randrange(1, 200_000))
    objs["big1"] = rnd.randbytes(3 << 20)
    objs["big2"] = rnd.randbytes((2 << 20) + 12345)
    for name, data in objs.items():
        with open(os.path.join(src, name), "wb") as f:
            f.write(data)
    rc, out, err = run("put", *[os.path.join(src, n) for n in sorted(objs)],
                       "s3://%s/faults/" % bucket, env=env)
    check("put 152 objects for the fault tests", rc == 0, err)
    upstream = swift_port(env)
    for rate, retries, expect_ok in (("0.15", None, True), ("0.4", "0", False)):
        port = free_ports(1)
        log = os.path.join(tmp, "proxy%s.log" % rate)
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), str(port),
                                  upstream, rate, "7", "3"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, FDATA_PROXY_LOG=log))
        proxy.stdout.readline()
        dest = os.path.join(tmp, "faultdest" + rate)
        os.mkdir(dest)
        args = ["get", "s3://%s/faults/" % bucket, "-o", dest, "--part-size", "1",
                "--connections", "8", "--endpoint", "http://127.0.0.1:%d" % port,
                "--stall-timeout", "1"]
        if retries is not None:
            args += ["--retries", retries]
        rc, out, err = run(*args, env=env)
        time.sleep(3.5)  # let stalled handlers wake and see that the client left
        proxy.send_signal(signal.SIGINT)  # the proxy then reports what it injected
        _, injected = proxy.communicate()
        counts = ast.literal_eval(injected.strip().split(": ", 1)[1]) if ": " in injected else {}
        if expect_ok:
            same = rc == 0 and all(
                sha(open(os.path.join(dest, n), "rb").read()) == sha(d) for n, d in objs.items())
            check("get through 15%% injected faults %s is byte-identical" % counts,
                  same and len(counts) == 6 and all(v > 0 for v in counts.values()), err)
            cut, resumed = first_parts_cut(log)
            check("each of the %d first parts cut mid-body is resumed after the bytes received, "
                  "not fetched again whole" % len(cut), len(cut) >= 3 and resumed == cut,
                  sorted(set(cut) - set(resumed))[:5])
        else:
            check("without retries, faults give one clear error and no files",
                  rc == 1 and err.startswith("fastdata: ") and err.count("\n") == 1 and
                  os.listdir(dest) == [], err)


PYTHON_S3 = r"""
import hashlib, json, sys
import fastdata
bucket, names, want = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
s3 = fastdata.S3(s3root="s3://%s/objs/" % bucket, target_gbps=2.5)
objs = s3.get_many(names)
ok_get = [hashlib.sha256(o.blob).hexdigest() for o in objs] == want
listed = sorted(u.rsplit("/", 1)[1] for u, size, etag in s3.list_recursive())
s3.put_many([("py/one.bin", b"x" * 10), ("py/two.bin", bytearray(b"yz"))])
back = [bytes(o.blob) for o in s3.get_many(["py/one.bin", "py/two.bin"])]
t = fastdata.load("s3://%s/dataset/duckdb_prim_*" % bucket, columns=["id", "c_string"],
                  target_gbps=1.25)
try:
    fastdata.S3(target_gbps=-1)
    bad_target = "no error"
except fastdata.Error as e:
    bad_target = str(e)
try:
    s3.get("nope")
    missing = "no error"
except fastdata.Error as e:
    missing = str(e)
print(json.dumps({"get": ok_get, "listed": listed, "back": [b.decode() for b in back],
                  "rows": t.num_rows, "cols": t.column_names, "missing": missing,
                  "bad_target": bad_target}))
"""


def python_tests(tmp, env, bucket):
    """The Python package against the same server (when the tests' venv has it installed):
    fastdata.S3 get_many (memoryviews over our buffers), list_recursive, put_many, and
    fastdata.load of an s3:// prefix."""
    py = os.environ.get("FDATA_TEST_PYTHON")
    if not py:  # the sanitizer build: the package is tested with the Release build
        return
    if subprocess.run([py, "-c", "import fastdata"], capture_output=True).returncode:
        check("the Python package is installed in the test venv (make python)", False, py)
        return
    src = os.path.join(tmp, "src")
    names = sorted(os.listdir(src))
    want = [sha(open(os.path.join(src, n), "rb").read()) for n in names]
    p = subprocess.run([py, "-c", PYTHON_S3, bucket, json.dumps(names), json.dumps(want)],
                       env=env, capture_output=True, text=True)
    r = json.loads(p.stdout) if p.returncode == 0 else {}
    check("python: S3.get_many gives every object byte-identical", r.get("get") is True, p.stderr[-800:])
    check("python: list_recursive, put_many", r.get("listed") == sorted(names)
          and r.get("back") == ["x" * 10, "yz"], r)
    check("python: load of an s3:// prefix", r.get("rows") == 14000 and r.get("cols") == ["id", "c_string"], r)
    check("python: a missing key raises fastdata.Error naming it", "nope" in r.get("missing", "") and
          "404" in r.get("missing", ""), r)
    check("python: target_gbps sizes the connections; a negative one raises fastdata.Error",
          "not a rate" in r.get("bad_target", ""), r)


def load_dump(*args, env):
    p = subprocess.run([LOAD_DUMP] + list(args), capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def load_tests(tmp, env, bucket):
    """fdata_load from Swift: a 14-file dataset (every codec and page version DuckDB writes)
    under a prefix with a _SUCCESS marker gives the rows of the local files in key order;
    globs, projections, a 1-byte memory budget, local and S3 sources mixed; clear errors for
    an empty prefix, a non-Parquet object, different schemas; the CLI's JSON report."""
    gen = os.path.join(DATA, "generated")
    names = sorted(n for n in os.listdir(gen) if n.startswith("duckdb_prim_"))
    prefix = "s3://%s/dataset/" % bucket
    marker = os.path.join(tmp, "_SUCCESS")
    open(marker, "w").close()
    run("put", *[os.path.join(gen, n) for n in names], marker, prefix, env=env)
    local = b"".join(run("cat", os.path.join(gen, n))[1] for n in names)
    rc, out, err = load_dump(prefix, env=env)
    check("load of a 14-file prefix equals the local files' rows in key order (%s)" % err.strip(),
          rc == 0 and out == local and "files 14 rows 14000" in err, err[-500:])
    rc, out, err = load_dump("--memory-limit", "1", prefix, env=env)
    check("the same under a 1-byte memory budget (one file at a time)", rc == 0 and out == local,
          err[-500:])
    snappy = [n for n in names if "snappy" in n]
    rc, out, err = load_dump(prefix + "duckdb_prim_*snappy.parquet", env=env)
    check("a glob picks its keys", rc == 0 and out == b"".join(
        run("cat", os.path.join(gen, n))[1] for n in snappy), err[-500:])
    rc, out, err = load_dump("--columns", "c_int64,c_string", prefix, env=env)
    check("a projection", rc == 0 and out == b"".join(
        run("cat", "--columns", "c_int64,c_string", os.path.join(gen, n))[1] for n in names),
        err[-500:])
    wide_local = os.path.join(tmp, "ubiquant_like_zstd.parquet")
    for name, opts in (("wide.parquet", ["--codec", "snappy"]), ("small.parquet", ["--columns", "f_1"])):
        url = "s3://%s/written/%s" % (bucket, name)
        rc, _, err = run("convert", wide_local, url, *opts, env=env)
        rc2, remote, err2 = run("cat", "--columns", "row_id,f_1", url, env=env) if "--columns" not in opts \
            else run("cat", url, env=env)
        local_rows = run("cat", "--columns", "row_id,f_1" if "--columns" not in opts else "f_1", wide_local)[1]
        size = run("stat", url, env=env)[1].decode()
        multipart = "-" in size.split("etag: ")[1].split("\n")[0]  # a multipart ETag ends in -N
        check("convert to %s (%s) streams a Parquet file into S3 that reads back the same" % (
            url, "multipart, 8 MiB parts" if name == "wide.parquet" else "one PUT"),
            rc == 0 and remote == local_rows and len(remote) > 0 and
            multipart == (name == "wide.parquet"), err + err2 + size)
    gen_local = os.path.join(tmp, "gen-local")
    rc1, _, e1 = run("gen", "ubiquant", gen_local, "--files", "2", "--rows-per-file", "30000", env=env)
    rc2, _, e2 = run("gen", "ubiquant", "s3://%s/gen/" % bucket, "--files", "2", "--rows-per-file",
                     "30000", env=env)
    same = rc1 == 0 and rc2 == 0 and all(
        run("get", "s3://%s/gen/%s" % (bucket, n), "-o", "-", env=env)[1] ==
        open(os.path.join(gen_local, n), "rb").read() for n in ("part-00000.parquet", "part-00001.parquet"))
    check("gen into s3:// streams files byte-identical to a local gen (multipart above 8 MiB)",
          same, e1 + e2)
    # ~10 MB row groups: each one's values go into pages that held the one decoded before
    pooled = os.path.join(tmp, "pooled")
    run("gen", "ubiquant", pooled, "--files", "3", "--rows-per-file", "8000", env=env)
    files = [os.path.join(pooled, n) for n in sorted(os.listdir(pooled))]
    run("put", *files, "s3://%s/pooled/" % bucket, env=env)
    pooled_rows = b"".join(run("cat", f)[1] for f in files)
    rc, out, err = load_dump("s3://%s/pooled/" % bucket, env=env)
    check("a load of 3 files whose row groups reuse the decoded ones' pages equals their local rows",
          rc == 0 and out == pooled_rows, err[-500:])
    # under a 25 MB limit the later files' ranges start once earlier ones are decoded, in pages
    # those gave back
    rc, out, err = load_dump("--memory-limit", str(25 * 10**6), "s3://%s/pooled/" % bucket, env=env)
    check("the same under a 25 MB limit, later ranges downloaded into reused pages",
          rc == 0 and out == pooled_rows, err[-500:])
    csv_path = os.path.join(tmp, "rows.csv")
    with open(csv_path, "w") as f:
        f.write("a,b\n1,x\n2,y\n")
    rc, _, err = run("put", "--parquet", csv_path, "s3://%s/put-parquet/" % bucket, env=env)
    rc2, out, err2 = run("cat", "s3://%s/put-parquet/rows.parquet" % bucket, env=env)
    check("put --parquet writes a CSV as Parquet into S3", rc == 0 and
          out == b'{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n', err + err2 + out.decode())
    rc, _, err = run("convert", wide_local, "s3://no-such-bucket-x/w.parquet", env=env)
    check("convert to a missing bucket: one clear error", rc == 1 and "NoSuchBucket" in err and
          err.count("\n") == 1, err)
    upstream = swift_port(env)
    for rate, retries in (("0.2", "6"), ("0.5", "0")):
        port = free_ports(1)
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), str(port),
                                  upstream, rate, "11", "1"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
        proxy.stdout.readline()
        penv = dict(env, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % port)
        rc, out, err = load_dump("--retries", retries, prefix, env=penv)
        proxy.kill()
        proxy.wait()
        if retries != "0":
            check("load through %d%% injected faults gives the same rows" % (float(rate) * 100), rc == 0 and
                  out == local, err[-500:])
        else:
            check("load without retries through faults: one error naming the file, no table",
                  rc == 1 and out == b"" and "s3://%s/dataset/" % bucket in err and
                  err.count("\n") == 1, err)
    # every corpus file the reader reads, loaded from S3 alone, equals its local reading
    corpus = sorted(os.path.join(DATA, "data", n) for n in os.listdir(os.path.join(DATA, "data"))
                    if os.path.isfile(os.path.join(DATA, "data", n)))
    corpus += sorted(os.path.join(gen, n) for n in os.listdir(gen) if n.endswith(".parquet"))
    run("put", *corpus, "s3://%s/corpus/" % bucket, env=env)
    same, compared, refused = [], 0, 0
    for path in corpus:
        rc_local, local_rows, _ = run("cat", path)
        rc, rows, err = load_dump("s3://%s/corpus/%s" % (bucket, os.path.basename(path)), env=env)
        if rc_local != 0:  # a broken file (the fuzz corpus): refused from S3 too, in one line
            refused += 1
            if rc == 0 or rows or err.count("\n") != 1:
                same.append(os.path.basename(path) + ": loaded from S3 but refused locally")
            continue
        compared += 1
        if rc != 0 or rows != local_rows:
            same.append(os.path.basename(path) + ": " + err[-200:])
    check("each of %d corpus files loaded from S3 equals its local reading; the %d broken ones "
          "are refused with one line" % (compared, refused), compared > 80 and refused > 40 and
          not same, "\n".join(same[:5]))
    wide = "s3://%s/parquet/ubiquant_like_zstd.parquet" % bucket
    wide_local = os.path.join(tmp, "ubiquant_like_zstd.parquet")
    copies = ["%s/u%02d.parquet" % (tmp, i) for i in range(12)]
    for c in copies:
        os.link(wide_local, c)
    run("put", *copies, "s3://%s/big12/" % bucket, env=env)
    # under AddressSanitizer freed memory waits in a quarantine: keep it small here
    senv = dict(env, ASAN_OPTIONS=env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4")
    limit = 32 << 20
    peaks = []
    for src in (prefix + names[0], "s3://%s/big12/" % bucket):
        rc, out, err = load_dump("--stream", "--memory-limit", str(limit), src, env=senv)
        words = err.split()
        peaks.append((int(words[1]), int(words[3])) if rc == 0 and words[0] == "peak_rss" else (0, 1))
    (base, _), (p12, d12) = peaks
    # load.h's bound on a stream's peak, above the process's own (a one-file stream's peak):
    # downloads within the limit, decoded batches not yet taken within it too, the load's pool
    # within a quarter of it, and the page cache's 64 MiB kept (AddressSanitizer's shadow
    # memory and allocator add their own, ~20 MB).  A stream that held the downloaded or the
    # decoded data would exceed it.
    bound = base + limit * 9 // 4 + (64 << 20) + ((24 << 20) if "ASAN_OPTIONS" in env else 0)
    check("a streamed load of %d MB of Arrow data under a 32 MiB limit peaks at %d MB RSS, within "
          "load.h's bound (%d MB)" % (d12 >> 20, p12 >> 20, bound >> 20),
          0 < base and 0 < p12 < bound and bound < d12 * 0.75, err[-500:])
    # a file of 4 row groups (DuckDB's), streamed under a 1-byte limit: each row group's bytes
    # are given back once it is decoded, so the whole file is never held; under the default
    # limit it is fetched at once.  The report's peak of downloaded bytes held says so
    # exactly (RSS also counts decoded values and pages kept for reuse, and varies by tens
    # of MB with the timing)
    held = {}
    for limit in ("1", "0"):
        rc, out, err2 = load_dump("--stream", "--memory-limit", limit,
                                  "s3://%s/big12/u00.parquet" % bucket, env=senv)
        words = err2.split()
        held[limit] = int(words[5]) if rc == 0 and words[4] == "held" else -1
    size = os.path.getsize(wide_local)
    check("a streamed load of a %d MB file of 4 row groups under a 1-byte limit never holds the "
          "whole file: at most %.1f MB downloaded and not yet decoded, %.1f MB under the "
          "default limit" % (size >> 20, held["1"] / 1e6, held["0"] / 1e6),
          0 < held["1"] < size / 2 and held["0"] > size * 0.9, held)
    got12 = os.path.join(tmp, "got12")
    os.mkdir(got12)
    peak = subprocess.run([sys.executable, "-c", "import resource, subprocess, sys; "
                           "r = subprocess.run(sys.argv[1:]).returncode; "
                           "print(r, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)",
                           FASTDATA, "get", "s3://%s/big12/" % bucket, "-o", got12,
                           "--memory-limit", "16"], env=senv, capture_output=True, text=True)
    rc, rss = (int(w) for w in (peak.stdout.split() or ["1", "0"]))
    total = 12 * os.path.getsize(wide_local)
    check("get of a %d MB prefix under a 16 MiB limit streams to files: peak RSS %d MB, every "
          "file identical" % (total >> 20, rss >> 20), rc == 0 and 0 < rss < total / 2 and
          all(filecmp.cmp(wide_local, os.path.join(got12, "u%02d.parquet" % i), shallow=False)
              for i in range(12)), peak.stderr[-500:])
    rc, out, err = load_dump("--columns", "f_7,row_id", wide, env=env)
    rc2, local_wide, _ = run("cat", "--columns", "f_7,row_id", os.path.join(tmp, "ubiquant_like_zstd.parquet"))
    fetched = int(err.split("fetched ")[1]) if rc == 0 else 0
    size = os.path.getsize(os.path.join(tmp, "ubiquant_like_zstd.parquet"))
    check("a 2-of-304-column load fetches %.1f%% of the object (footer + 2 column chunks)" %
          (100.0 * fetched / size), rc == 0 and out == local_wide and 0 < fetched < size / 20,
          err[-500:])
    p = subprocess.Popen([FASTDATA, "load", "s3://%s/big12/" % bucket], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.4)
    p.send_signal(signal.SIGINT)
    t0 = time.time()
    _, err = p.communicate(timeout=30)
    check("Ctrl-C cancels a load promptly with one clear line", p.returncode == 1 and
          "cancelled" in err and err.count("\n") == 1 and time.time() - t0 < 5, err)

    dest = os.path.join(tmp, "to-dir")
    rc, out, err = run("load", prefix, "--to", dest, "--memory-limit", "1", env=env)
    got = sorted(os.listdir(dest)) if os.path.isdir(dest) else []
    check("load --to DIR writes every object as a file (markers skipped), byte-identical",
          rc == 0 and got == names and all(open(os.path.join(dest, n), "rb").read() ==
                                           open(os.path.join(gen, n), "rb").read() for n in names),
          err + str(got))

    first = os.path.join(gen, names[0])
    cols = writable_order = ["id", "c_int64", "c_string", "c_double"]
    reordered = os.path.join(tmp, "reordered.parquet")
    run("convert", os.path.join(gen, names[1]), reordered, "--columns", ",".join(reversed(cols)))
    run("convert", first, os.path.join(tmp, "ordered.parquet"), "--columns", ",".join(cols))
    run("put", os.path.join(tmp, "ordered.parquet"), reordered, "s3://%s/orders/" % bucket, env=env)
    rc, out, err = load_dump("s3://%s/orders/" % bucket, env=env)
    want = run("cat", "--columns", ",".join(writable_order), os.path.join(tmp, "ordered.parquet"))[1] + \
        run("cat", "--columns", ",".join(writable_order), reordered)[1]
    check("files whose columns differ only in order load as one table", rc == 0 and out == want,
          err[-500:])

    rc, out, err = load_dump(os.path.join(gen, names[0]), prefix + names[1], env=env)
    check("local and S3 sources in one load", rc == 0 and out == b"".join(
        run("cat", os.path.join(gen, n))[1] for n in names[:2]), err[-500:])
    rc, out, err = load_dump("s3://%s/nothing-here/" % bucket, env=env)
    check("an empty prefix: a clear error", rc == 1 and "no Parquet files" in err, err)
    run("put", os.path.join(gen, "duckdb_nested_v1_snappy.parquet"), prefix, env=env)
    rc, out, err = load_dump(prefix, env=env)
    check("files with other columns: one table of all their columns (union by name)", rc == 0
          and "files 15 " in err and len(json.loads(out.splitlines()[0])) == 41, err)
    run("put", marker, "s3://%s/dataset2/" % bucket, env=env)
    notpq = os.path.join(tmp, "notes.txt")
    with open(notpq, "w") as f:
        f.write("not parquet\n" * 100)
    run("put", os.path.join(gen, names[0]), notpq, "s3://%s/dataset2/" % bucket, env=env)
    rc, out, err = load_dump("s3://%s/dataset2/" % bucket, env=env)
    check("a non-Parquet object: an error naming it", rc == 1 and "dataset2/notes.txt" in err and
          err.count("\n") == 1, err)
    rc, out, err = run("load", "--json", prefix + "duckdb_prim_v1*", env=env)
    report = json.loads(out) if rc == 0 else {}
    keys = ("files", "rows", "columns", "bytes_fetched", "bytes_decoded", "seconds",
            "first_batch_seconds", "download_gbit_s", "decode_gb_s", "peak_rss_bytes",
            "peak_bytes_held")
    check("fastdata load --json reports every key", rc == 0 and all(k in report for k in keys)
          and report["files"] == 6 and report["rows"] == 6000
          and 0 < report["peak_bytes_held"] <= report["bytes_fetched"], err + out.decode())


def venv_script_tests(script, what, env, bucket):
    """tests/python/SCRIPT run with --s3 BUCKET by the venv's Python (pyarrow, DuckDB,
    Polars): one check, named by its last line."""
    py = os.environ.get("FDATA_TEST_PYTHON") or os.path.join(HERE, "..", "..", ".venv", "bin", "python")
    if not os.path.exists(py):
        check("a Python with pyarrow, DuckDB and Polars for %s" % script, False, py)
        return
    p = subprocess.run([py, os.path.join(HERE, "..", "python", script), LOAD_DUMP,
                        FASTDATA, "--s3", bucket], env=env, capture_output=True, text=True)
    failed = "\n".join(l for l in p.stdout.splitlines() if l.startswith("FAIL"))
    check("%s (%s)" % (what, (p.stdout.strip().splitlines() or ["?"])[-1]),
          p.returncode == 0, failed[-3000:] + "\n" + p.stdout[-500:] + p.stderr[-1000:])


def dataset_tests(env, bucket):
    """Hive-partitioned datasets (pyarrow, DuckDB, Polars, Spark-style) put on the server and
    loaded from there equal pyarrow's and DuckDB's reads (tests/python/test_datasets.py)."""
    venv_script_tests("test_datasets.py", "Hive-partitioned datasets from S3", env, bucket)


def page_index_tests(env, bucket):
    """Pruning by page indexes from the server: rows equal pyarrow.dataset's, a 1% filter
    fetches at most 1.3x the bytes of the pages it needs (tests/python/test_page_index.py)."""
    venv_script_tests("test_page_index.py", "page-index pruning from S3", env, bucket)


def pruning_tests(env, bucket):
    """Row groups pruned by statistics from S3: the same rows, fewer bytes fetched
    (tests/python/test_pruning.py)."""
    venv_script_tests("test_pruning.py", "row groups pruned by statistics from S3", env, bucket)


def trace_problems(path):
    """The events of a --trace file and what is wrong with it: not JSON, no end event, spans
    of one lane that overlap without nesting, times before the start."""
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    problems = []
    end = events[-1]
    if end.get("name") != "trace end" or end["args"]["dropped"] != 0:
        problems.append("last event %r" % end)
    lanes = {}
    for e in events:
        if e["ph"] == "X":
            lanes.setdefault(e["tid"], []).append((e["ts"], -e["dur"], e["name"]))
        if e["ph"] != "M" and (e["ts"] < 0 or e.get("dur", 0) < 0):
            problems.append("negative time %r" % e)
    for tid, spans in lanes.items():
        open_ends = []
        for ts, neg, name in sorted(spans):
            while open_ends and open_ends[-1] <= ts:
                open_ends.pop()
            if open_ends and ts - neg > open_ends[-1]:
                problems.append("lane %d: %s at %d overlaps a span ending at %d"
                                % (tid, name, ts, open_ends[-1]))
            open_ends.append(ts - neg)
    return events, problems


def trace_tests(tmp, env, bucket):
    """--trace of load and get: JSON in the Chrome trace event format whose requests add up
    to the report's bytes, whose row-group spans add up to its row groups, one span per
    column chunk decoded, each lane's spans nested or apart; a retry names its cause."""
    prefix = "s3://%s/dataset/" % bucket
    files = prefix + "duckdb_prim_*"  # the 14 files of load_tests
    path = os.path.join(tmp, "load-trace.json")
    rc, out, err = run("load", "--json", "--trace", path, "--connections", "4", files, env=env)
    report = json.loads(out) if rc == 0 else {}
    events, problems = trace_problems(path) if rc == 0 else ([], ["no trace"])
    gets = [e for e in events if e["ph"] == "X" and e["name"] == "GET"]
    groups = [e for e in events if e["ph"] == "X" and e["name"] == "row groups"]
    decodes = [e for e in events if e.get("cat") == "decode"]
    kinds = {e["name"] for e in events} | {e.get("cat", "") for e in events}
    check("load --trace: %d events, %d requests, %d decodes; bytes and row groups as reported"
          % (len(events), len(gets), len(decodes)),
          rc == 0 and not problems and sum(e["args"]["bytes"] for e in gets) ==
          report["bytes_fetched"] and sum(e["args"]["count"] for e in groups) ==
          report["row_groups"] and len(decodes) >= report["row_groups"] * 2 and
          {"listing", "footers", "transfer", "part", "bytes in flight", "budget held",
           "RSS bytes"} <= kinds and all(e["args"]["status"] == 206 for e in gets),
          err + repr(problems[:5]) + repr(sorted(kinds)))
    path = os.path.join(tmp, "get-trace.json")
    rc, out, err = run("get", "--trace", path, prefix, "-o", os.path.join(tmp, "traced-get"), env=env)
    events, problems = trace_problems(path) if rc == 0 else ([], ["no trace"])
    gets = [e for e in events if e["ph"] == "X" and e["name"] == "GET"]
    size = sum(os.path.getsize(os.path.join(r, n)) for r, _, ns in os.walk(
        os.path.join(tmp, "traced-get")) for n in ns)
    objects = int(err.split("got ")[1].split()[0]) if rc == 0 else -1
    check("get --trace: one request per object (%d), the bytes written" % objects, rc == 0 and
          not problems and len(gets) == objects and sum(e["args"]["bytes"] for e in gets) == size,
          err + repr(problems[:5]))
    page = os.path.join(tmp, "get-report.html")
    rc, out, err = run("get", "--report", page, prefix, "-o", os.path.join(tmp, "reported-get"),
                       env=env)
    text = open(page).read() if rc == 0 else ""
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"n\">(\d+)</td><td class=\"n\">\d+</td>"
                      r"<td class=\"n\">(\d+)</td>", text)
    check("get --report: a row per object, its bytes and parts; the objects and bytes in the "
          "summary", rc == 0 and len(rows) == objects and sum(int(r[1]) for r in rows) == size and
          all(int(r[2]) >= 1 for r in rows) and "<tr><th>objects</th><td>%d</td>" % objects in text
          and "<tr><th>bytes</th><td>%d</td>" % size in text, err + text[-1500:])
    page = os.path.join(tmp, "load-report.html")
    rc, out, err = run("load", "--report", page, "--target-gbps", "2", "--memory-limit", "64",
                       files, env=env)
    text = open(page).read() if rc == 0 else ""
    check("load --report --target-gbps 2: the link's rate drawn and named with its source",
          rc == 0 and "the link's rate, 2.00 Gbit/s, from --target-gbps" in text and
          "link: 250 MB/s" in text and text.count("<tr><td>") == 14, err + text[-3000:])
    peaks = dict(re.findall(r"<title>([A-Za-z ]+): peak ([0-9.]+) MB</title></polyline>", text))
    check("load --report --memory-limit 64: the memory chart draws bytes in flight, budget held "
          "and RSS (peaks %r) and the 64 MiB limit" % peaks, rc == 0 and
          sorted(peaks) == ["RSS bytes", "budget held", "bytes in flight"] and
          0 < float(peaks["budget held"]) <= 67.2 and float(peaks["RSS bytes"]) > 1 and
          "memory limit: 67 MB" in text, text[text.find("<h2>Memory"):][:3000])
    big = os.path.join(tmp, "big-upload.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(23 << 20))
    path, page = os.path.join(tmp, "put-trace.json"), os.path.join(tmp, "put-report.html")
    rc, out, err = run("put", "--trace", path, "--report", page, "--part-size", "5",
                       "--multipart-threshold", "5", big, "s3://%s/traced-put/" % bucket, env=env)
    events, problems = trace_problems(path) if rc == 0 else ([], ["no trace"])
    parts = [e for e in events if e["ph"] == "X" and e["name"] == "PUT part"]
    lanes = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    text = open(page).read() if rc == 0 else ""
    check("put --trace: a span per upload part (%d) on the upload connections' lanes, the bytes "
          "sent; create and complete on the main lane" % len(parts), rc == 0 and not problems and
          len(parts) == 5 and sum(e["args"]["bytes"] for e in parts) == 23 << 20 and
          all(e["tid"] >= 1000 for e in parts) and any(l.startswith("upload connection") for l in lanes)
          and {"create multipart upload", "complete multipart upload"} <=
          {e["name"] for e in events if e["tid"] == 1}, err + repr(problems[:5]) + repr(lanes))
    check("put --report: the object's row, 5 parts and every byte", rc == 0 and
          re.search(r"<tr><td>traced-put/big-upload.bin</td><td class=\"n\">%d</td>"
                    r"<td class=\"n\">0</td><td class=\"n\">5</td>" % (23 << 20), text),
          text[-1500:])
    upstream = swift_port(env)
    port = free_ports(1)
    proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), str(port),
                              upstream, "0.3", "11", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    proxy.stdout.readline()
    path = os.path.join(tmp, "retry-trace.json")
    penv = dict(env, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % port)
    rc, out, err = run("load", "--trace", path, "--retries", "8", files, env=penv)
    proxy.kill()
    proxy.wait()
    events, problems = trace_problems(path) if rc == 0 else ([], ["no trace"])
    retries = [e for e in events if e["name"] == "retry"]
    check("a load through injected faults traces %d retries, each with its cause" % len(retries),
          rc == 0 and not problems and retries and all(e["args"]["cause"] for e in retries),
          err + repr(problems[:5]))


def runtime_tests(tmp, env, bucket, wide_local):
    """Eight loads at once over S3 on one runtime (tests/runtime/load_threads.c): 2 workers and
    a shared 2 MiB cap on bytes in flight; eight objects converted from DuckDB's wide file
    (20,000 rows) with different codecs, row group sizes and columns.  Each table equals the
    same object loaded alone, and the runtime's peak stays within the cap plus the documented
    slack of one row group per load (at most 4,500 rows of 39 columns, under 1 MB each)."""
    codecs = ["snappy", "zstd", "gzip", "lz4_raw", "uncompressed", "brotli", "snappy", "zstd"]
    sources = []
    for i, codec in enumerate(codecs):
        url = "s3://%s/runtime/u%d.parquet" % (bucket, i)
        cols = ",".join(["row_id"] + ["f_%d" % k for k in range(i, 300, 8)])
        rc, _, err = run("convert", wide_local, url, "--codec", codec, "--columns", cols,
                         "--row-group-size", str(1000 + 500 * i), env=env)
        check("convert %s for the concurrent loads" % url, rc == 0, err)
        sources.append(url)
    cap = 2 << 20
    peaks = {}
    for limit in (cap, 0):
        out = os.path.join(tmp, "runtime-%d" % limit)
        os.mkdir(out)
        p = subprocess.run([LOAD_THREADS, "2", str(limit), out] + sources, capture_output=True,
                           env=env, text=True)
        words = p.stdout.split()
        peaks[limit] = int(words[5]) if p.returncode == 0 and len(words) == 6 else -1
        same = [i for i, src in enumerate(sources)
                if open(os.path.join(out, "%d.jsonl" % i), "rb").read() == load_dump(src, env=env)[1]]
        check("8 loads at once from S3 on a 2-worker runtime (shared cap %d) equal each object "
              "loaded alone, threads within the bound (%s)" % (limit, p.stdout.strip()),
              p.returncode == 0 and len(same) == len(sources), p.stderr[-2000:])
    slack = len(sources) * (1 << 20)
    check("the runtime's peak bytes in flight under a %d-byte cap: %d (without a cap: %d), "
          "within the cap plus one row group per load" % (cap, peaks[cap], peaks[0]),
          0 < peaks[cap] <= cap + slack, str(peaks))


def budget_tests(tmp, env, bucket):
    """Streaming get_many under a 4 MiB budget with a slow consumer (tests/s3/s3_budget.c):
    every object once and intact, the peak within the budget; and without a budget, no more
    objects under way at once than connections."""
    src = os.path.join(tmp, "faultsrc")
    urls = ["s3://%s/faults/%s" % (bucket, n) for n in sorted(os.listdir(src))]
    for known in ("1", "0"):
        p = subprocess.run([S3_BUDGET, str(4 << 20), known, src] + urls, env=env,
                           capture_output=True, text=True)
        check("streamed download under a memory budget (sizes %s): %s" %
              ("known" if known == "1" else "unknown", p.stdout.strip()), p.returncode == 0,
              p.stderr[-2000:])
    p = subprocess.run([S3_BUDGET, "0", "0", src] + urls, env=env, capture_output=True, text=True)
    check("streamed download without a budget starts objects as connections free up: %s"
          % p.stdout.strip(), p.returncode == 0, p.stderr[-2000:])
    # no connections asked for: the client sizes them from the profile's s3 target_bandwidth
    # (1.25 Gbit/s in bytes per second: 2 connections of 0.625)
    conf = os.path.join(tmp, "aws-config-target")
    with open(conf, "w") as f:
        f.write("[profile slow]\nregion = us-east-1\ns3 =\n  target_bandwidth = 156250000\n")
    tenv = dict(env, AWS_CONFIG_FILE=conf, AWS_PROFILE="slow")
    p = subprocess.run([S3_BUDGET, "--default-connections", "2", "0", "0", src] + urls, env=tenv,
                       capture_output=True, text=True)
    check("connections sized from the profile's target_bandwidth: %s" % p.stdout.strip(),
          p.returncode == 0, p.stderr[-2000:])


def region_tests(tmp, env, bucket):
    """A region other than the bucket's (Swift's is us-east-1): Swift refuses the request with
    AuthorizationHeaderMalformed naming its region, and every request is sent again there,
    signed for it, as the AWS SDKs do: listing, GET, ranged parts, PUT and a load all work."""
    wrong = dict(env, AWS_REGION="eu-west-1")
    path = os.path.join(tmp, "region.bin")
    with open(path, "wb") as f:
        f.write(os.urandom(3 << 20) + b"end")
    rc, out, err = run("put", path, "s3://%s/region/" % bucket, env=wrong)
    rc2, listed, err2 = run("ls", "s3://%s/region/" % bucket, env=wrong)
    rc3, body, err3 = run("get", "s3://%s/region/region.bin" % bucket, "-o", "-",
                          "--part-size", "1", env=wrong)
    check("a bucket in another region than the client's: put, ls and a get in 1 MiB parts "
          "go to the bucket's region", rc == 0 and rc2 == 0 and listed.split() == [b"region/region.bin"]
          and rc3 == 0 and body == open(path, "rb").read(), err + err2 + err3 + repr(listed))
    rc, out, err = load_dump("s3://%s/dataset/duckdb_prim_*" % bucket, env=wrong)
    check("a load from a bucket in another region", rc == 0 and "files 14 rows 14000" in err,
          err[-500:])


def tree(path):
    """Every file and folder below path, relative to it."""
    return sorted(os.path.relpath(os.path.join(d, n), path)
                  for d, dirs, files in os.walk(path) for n in dirs + files)


def key_tests(tmp, env, bucket):
    """Keys as files below -o DIR / --to DIR.  Against Swift: folder markers (0-byte keys
    ending in '/', as the S3 console writes) are skipped and an output folder that does not
    exist yet is made, parents too.  Against a scripted listing (keys Swift will not store):
    a key that climbs out of DIR, lies outside the prefix, is shorter than it, or carries a
    control character is refused before anything is written, exit 1 with one clear line, and
    nothing appears outside DIR; ls prints control characters escaped."""
    import urllib.parse
    port = swift_port(env)
    for key, data in (("markers/", b""), ("markers/sub/", b""), ("markers/a.bin", b"a" * 10),
                      ("markers/sub/b.bin", b"b" * 20)):
        subprocess.run(["curl", "-sf", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:s3",
                        "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-X", "PUT",
                        "--data-binary", data,
                        "http://test%%3Atester:testing@127.0.0.1:%s/%s/%s" % (port, bucket, key)],
                       check=True)
    rc, out, err = run("ls", "-r", "s3://%s/markers/" % bucket, env=env)
    check("Swift stores folder markers", out.decode().split() ==
          ["markers/", "markers/a.bin", "markers/sub/", "markers/sub/b.bin"], out + err.encode())
    dest = os.path.join(tmp, "new-parent", "not-yet")
    rc, out, err = run("get", "s3://%s/markers/" % bucket, "-o", dest, env=env)
    check("get of a prefix with folder markers into a folder that does not exist yet: markers "
          "skipped, folders made", rc == 0 and tree(dest) == ["a.bin", "sub", "sub/b.bin"] and
          open(os.path.join(dest, "sub/b.bin"), "rb").read() == b"b" * 20 and
          "got 2 objects" in err, err + str(os.path.isdir(dest) and tree(dest)))
    dest = os.path.join(tmp, "load-new", "deeper")
    rc, out, err = run("load", "s3://%s/markers/" % bucket, "--to", dest, env=env)
    check("load --to a folder that does not exist yet, with folder markers",
          rc == 0 and tree(dest) == ["a.bin", "sub", "sub/b.bin"], err)

    listing = {}

    def s3(handler):
        url = urllib.parse.urlparse(handler.path)
        if "list-type=2" in url.query:
            keys = listing["keys"]
            return 200, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>"
                         "<KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false"
                         "</IsTruncated>%s</ListBucketResult>" % (len(keys), "".join(
                             "<Contents><Key>%s</Key><Size>1</Size><LastModified>2024-01-01T00:00:00.000Z"
                             "</LastModified><ETag>\"e\"</ETag></Contents>" % k for k in keys))).encode()
        listing["got"] = listing.get("got", 0) + 1
        return 200, b"x"

    server = fake_service(s3)
    fenv = dict(env, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % server.server_port)
    box = os.path.join(tmp, "box")  # DIR is box/out: nothing may appear in box but out
    for name, keys, words in (
            ("a key climbing out with ..", ["evil/ok", "evil/../../x"], ["evil/../../x", "'..'"]),
            ("a key climbing out below a folder", ["evil/a/../../../y"], ["evil/a/../../../y"]),
            ("a key outside the prefix", ["other/z"], ["other/z", "not below the prefix"]),
            ("a key shorter than the prefix", ["ev"], ["not below the prefix"]),
            ("an absolute key", ["evil//etc/x"], ["absolute"]),
            ("a key with a newline", ["evil/a&#10;b"], ["evil/a\\x0ab", "control"]),
            ("a non-empty key ending in /", ["evil/d/"], ["evil/d/"])):
        listing.update(keys=keys, got=0)
        for cmd in (["get", "s3://bkt/evil/", "-o"], ["load", "s3://bkt/evil/", "--to"]):
            if cmd[0] == "load" and keys[-1].endswith("/"):
                continue  # load skips every key ending in '/' (tested with Swift above)
            subprocess.run(["rm", "-rf", box])
            os.makedirs(box)
            rc, out, err = run(*cmd, os.path.join(box, "out"), env=fenv)
            check("%s %s: refused before any download, one clear line, nothing outside DIR"
                  % (cmd[0], name), rc == 1 and err.count("\n") == 1 and
                  all(w in err for w in words) and listing["got"] == 0 and
                  os.listdir(box) in ([], ["out"]) and not os.path.exists(os.path.join(tmp, "x")),
                  err + str(tree(box)))
    listing.update(keys=["evil/a&#10;fake line", "evil/\tb"])
    rc, out, err = run("ls", "-r", "s3://bkt/evil/", env=fenv)
    check("ls escapes control characters in keys", rc == 0 and
          out == b"evil/a\\x0afake line\nevil/\\x09b\n", out)
    server.shutdown()


def reflected_crc(poly, width):
    """A table-driven reflected CRC (init and final xor all ones), independent of ours."""
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    mask = (1 << width) - 1

    def crc(data):
        c = mask
        for b in data:
            c = (c >> 8) ^ table[(c ^ b) & 0xFF]
        return (c ^ mask).to_bytes(width // 8, "big")
    return crc


def checksum_tests(tmp, env, bucket):
    """Whole-object checksums as S3 returns them with x-amz-checksum-mode: ENABLED (injected by
    the proxy, since Swift keeps none): every algorithm verified, parts of a ranged download
    included; a wrong value fails the object by name; composite values are not checked."""
    import base64
    import zlib
    crc32c = reflected_crc(0x82F63B78, 32)
    crc64nvme = reflected_crc(0x9A6C9329AC4BC9B5, 64)
    algos = {"crc32": lambda d: zlib.crc32(d).to_bytes(4, "big"), "crc32c": crc32c,
             "crc64nvme": crc64nvme, "sha1": lambda d: hashlib.sha1(d).digest(),
             "sha256": lambda d: hashlib.sha256(d).digest()}
    check("CRC vectors of the test's own CRCs", crc32c(b"123456789").hex() == "e3069283" and
          crc64nvme(b"123456789").hex() == "ae8b14860a799888")
    src = os.path.join(tmp, "faultsrc")
    names = ["o000", "o001", "o002", "o003", "big2", "o004"]
    stored = {}
    for name, algo in zip(names, list(algos) + ["crc32c"]):
        data = open(os.path.join(src, name), "rb").read()
        value = base64.b64encode(algos[algo](data)).decode()
        stored["/%s/faults/%s" % (bucket, name)] = ["x-amz-checksum-" + algo, value]
    stored["/%s/faults/o004" % bucket][1] = "AAAAAA==-3"  # composite: not checkable
    urls = ["s3://%s/faults/%s" % (bucket, n) for n in names]
    upstream = swift_port(env)

    def get_through_proxy(table, *extra):
        path = os.path.join(tmp, "checksums.json")
        with open(path, "w") as f:
            json.dump(table, f)
        port = free_ports(1)
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), str(port),
                                  upstream, "0", "1"], stdout=subprocess.PIPE,
                                 env=dict(os.environ, FDATA_PROXY_CHECKSUMS=path), text=True)
        proxy.stdout.readline()
        dest = tempfile.mkdtemp(dir=tmp)
        rc, out, err = run("get", *urls, "-o", dest, "--part-size", "1", "--endpoint",
                           "http://127.0.0.1:%d" % port, *extra, env=env)
        proxy.kill()
        proxy.wait()
        return rc, err, sorted(os.listdir(dest))

    rc, err, got = get_through_proxy(stored)
    check("checksums of every algorithm verified, a 2 MiB object over 1 MiB parts included",
          rc == 0 and got == sorted(names), err)
    bad = dict(stored)
    bad["/%s/faults/big2" % bucket] = ["x-amz-checksum-crc64nvme", "AAAAAAAAAAA="]
    rc, err, got = get_through_proxy(bad)
    check("a wrong checksum fails, naming the object and the algorithm", rc == 1 and
          "big2" in err and "CRC64NVME checksum mismatch" in err and got == [], err)
    rc, err, got = get_through_proxy(bad, "--no-checksums")
    check("--no-checksums neither asks for nor checks them", rc == 0 and got == sorted(names), err)


if __name__ == "__main__":
    run_against_swift(main, tls=TLS)
