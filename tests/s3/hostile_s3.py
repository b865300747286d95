#!/usr/bin/env python3
"""A scripted hostile S3 server on 127.0.0.1 (standard library only) and the commands run
against it: one scenario per way a broken proxy, a compromised bucket or a buggy
S3-compatible store can lie.  Each hostile scenario asserts that the command ends by itself,
exits 1 with one line naming the object and the cause, dies of no signal, peaks under a
stated RSS bound and never prints the secret.  The honest scenario (the same server telling
the truth) must succeed, byte for byte.
The public API's own checks run through tests/s3/s3_api.c (API).
With FDATA_TEST_PYTHON naming a Python with the package installed, fastdata.load's timeout
is checked too.  HOSTILE_ONLY=name,name keeps just those scenarios hostile when
debugging (the others then answer honestly, and their checks fail).
usage: hostile_s3.py FASTDATA DATA_DIR API"""
import http.server
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from s3_handler import S3Handler

FASTDATA, DATA, API = sys.argv[1], sys.argv[2], sys.argv[3]
SECRET = "hostile-secret-never-printed-5be1"
PARQUET = open(os.path.join(DATA, "data", "hadoop_lz4_compressed_larger.parquet"), "rb").read()
BLOB = bytes(range(256)) * 1200  # 300 KiB: several parts at --part-size 1, a 64 KiB tail
RSS_BOUND_MB = 200  # far below any claimed size; the honest runs peak well under it
RUN_SECONDS = 60  # "ends by itself": a command still running then has hung
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else detail), flush=True)


def error_xml(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>hostile</RequestId></Error>" % (code, message)).encode()


def listing_xml(keys, token=None):
    items = "".join("<Contents><Key>%s</Key><Size>%d</Size><ETag>\"e\"</ETag></Contents>" % kv
                    for kv in keys)
    more = "<IsTruncated>true</IsTruncated><NextContinuationToken>%s</NextContinuationToken>" % token \
        if token else "<IsTruncated>false</IsTruncated>"
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>bkt</Name>%s%s"
            "</ListBucketResult>" % (items, more)).encode()


class Hostile(S3Handler):
    """Serves OBJECTS honestly unless the server's scenario says otherwise."""
    OBJECTS = {"/bkt/data.parquet": PARQUET, "/bkt/dir/blob.bin": BLOB}

    def endless(self, status, head, chunk):
        """A chunked body that never ends (until the client hangs up)."""
        self.send_response(status)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            self.close_connection = True

    def do_HEAD(self):
        data = self.OBJECTS.get(self.path.split("?")[0])
        self.send_response(200 if data is not None else 404)
        self.send_header("Content-Length", str(len(data or b"")))
        self.send_header("ETag", "\"v1\"")
        self.end_headers()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        scenario = self.server.scenario
        self.server.requests += 1
        if "list-type=2" in query:
            return self.list(query, scenario)
        data = self.OBJECTS.get(path)
        if scenario == "nested" and path == "/bkt/dir/sub/inner.bin":
            data = b"inner"
        if data is None:
            return self.send(404, [], error_xml("NoSuchKey", "no such key"))
        if scenario == "error_endless":
            return self.endless(403, error_xml("AccessDenied", "x")[:-8], b"<x>" * 4096)
        if scenario == "ctrl_chars":
            # XML allows a newline and a tab in text, a header ESC: neither may reach a terminal
            body = b"<Error><Code>AccessDenied</Code><Message>denied\nFAKE OK\t</Message></Error>"
            return self.send(403, [("x-amz-request-id", "id\x1b[2J\x1b[31m")], body)
        if scenario == "drip":
            return self.drip(data)
        asked = self.headers.get("Range") or ""
        if scenario == "ignore_range":  # Range ignored: 200 with the whole object
            return self.send(200, [("ETag", "\"v1\"")], data)
        if scenario == "ignore_range_4g":  # Range ignored: 200 claiming 4 GiB, zeros streaming
            return self.zeros(200, [("Content-Length", str(4 << 30))])
        if scenario == "listed_3g":  # 206s consistent with the listing's 3 GiB, 4 KiB sent
            first, last = self.range(3 << 30)
            return self.zeros(206, [("Content-Length", str(last - first + 1)), ("ETag", "\"v1\""),
                                    ("Content-Range", "bytes %d-%d/%d" % (first, last, 3 << 30))], 4096)
        if scenario == "shorter_later" and asked and not asked.startswith("bytes=-"):
            first = self.range(len(data))[0]  # the tail was honest; now the object ends here
            return self.send(206, [("ETag", "\"v1\""), ("Content-Range", "bytes %d-%d/%d" % (
                first, first, first + 1))], data[first:first + 1])
        first, last = self.range(len(data))
        total, body = len(data), data[first:last + 1]
        headers = [("ETag", "\"v1\"")]
        cr = "bytes %d-%d/%d" % (first, last, total)
        if scenario == "two_ranges":  # a second, smaller, Content-Range after the first
            headers += [("Content-Range", cr), ("Content-Range", "bytes 0-9/70000")]
        elif scenario == "huge_total":  # 3 GiB claimed, 10 bytes sent
            headers.append(("Content-Range", "bytes 0-9/%d" % (3 << 30)))
            body = data[:10]
        elif scenario == "total_2e62":
            headers.append(("Content-Range", "bytes 0-9/%d" % (1 << 62)))
            body = data[:10]
        elif scenario == "long_body":  # more bytes than the range it states
            headers.append(("Content-Range", cr))
            body += b"\0" * 4096
        elif scenario == "retry_total" and self.server.requests > 1 + (path == "/bkt/dir/blob.bin"):
            # a retry answers for a smaller object than the first answer did
            headers.append(("Content-Range", "bytes %d-%d/%d" % (first, last, total // 4)))
        elif self.headers.get("Range"):
            headers.append(("Content-Range", cr))
        if scenario == "retry_total" and self.server.requests == 1:  # the first: cut short
            self.send_response(206)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.close_connection = True
            return
        self.send(206 if self.headers.get("Range") else 200, headers, body)

    def range(self, size):
        """The first and last byte the Range header asks for (all of it without one)."""
        m = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range") or "")
        if not m:
            return 0, size - 1
        if not m.group(1):
            return max(0, size - int(m.group(2))), size - 1
        return int(m.group(1)), min(size - 1, int(m.group(2)) if m.group(2) else size - 1)

    def zeros(self, status, headers, limit=None):
        """Zeros until `limit` bytes (None: until the client hangs up), then a closed connection."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        chunk, sent = b"\0" * 65536, 0
        try:
            while limit is None or sent < limit:
                self.wfile.write(chunk[:limit - sent] if limit else chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True

    def drip(self, data):
        """2 KiB a second of what was asked (a 206 for a range): never stalled, never done."""
        first, last = self.range(len(data))
        self.send_response(206 if self.headers.get("Range") else 200)
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("ETag", "\"v1\"")
        if self.headers.get("Range"):
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, len(data)))
        self.end_headers()
        data = data[first:last + 1]
        try:
            for i in range(0, len(data), 2048):
                self.wfile.write(data[i:i + 2048])
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            self.close_connection = True

    def list(self, query, scenario):
        keys = [(k[5:], len(v)) for k, v in self.OBJECTS.items() if k.startswith("/bkt/dir/")]
        if scenario == "drip":
            return self.drip(listing_xml(keys * 100))
        if scenario == "list_same_token":
            return self.send(200, [], listing_xml(keys, token="again"))
        if scenario == "list_alternating":  # A, B, A, B...: never the token of the page before
            return self.send(200, [], listing_xml(keys, token="B" if "token=A" in query else "A"))
        if scenario == "list_long_keys":  # 2000 keys of 8000 bytes a page, never ending
            return self.send(200, [], listing_xml([("dir/" + "k" * 8000, 1)] * 2000,
                                                  token="t%d" % self.server.requests))
        if scenario == "listed_3g":
            keys = [(k, 3 << 30) for k, _ in keys]
        if scenario == "nested":
            keys.append(("dir/sub/inner.bin", 5))
        if scenario == "list_endless":
            return self.endless(200, listing_xml([])[:-19], b"<Contents><Key>k</Key></Contents>" * 64)
        if scenario == "listed_size":  # the listing says 300 KiB, the GET claims 3 GiB
            self.server.scenario = "huge_total"
        self.send(200, [], listing_xml(keys))


def start_server(scenario, tls_context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    server.scenario, server.requests = scenario, 0
    if tls_context:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(args, env, program=FASTDATA):
    """Runs fastdata (or `program`); returns (exit status or -signal, stdout, stderr, peak RSS in MiB, seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        p = subprocess.Popen([program] + args, stdout=out, stderr=err, env=env)
        deadline = start + RUN_SECONDS
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = 0  # reaped here, not by Popen
        rc = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return (rc, out.read(), err.read().decode("utf-8", "replace"), usage.ru_maxrss / 1024,
                time.monotonic() - start)


def expect_failure(name, args, env, *needles, rss_mb=RSS_BOUND_MB, program=FASTDATA):
    rc, out, err, rss, secs = run(args, env, program)
    lines = err.strip().splitlines()
    said = all(n in err for n in needles)
    check("%s: exit 1 with one line naming %s (%.1f s, %.0f MiB)" % (name, " / ".join(needles), secs, rss),
          rc == 1 and len(lines) == 1 and said and rss < rss_mb and SECRET not in err + out.decode("latin-1")
          and secs < RUN_SECONDS,
          "rc=%d rss=%.0f MiB secs=%.1f stderr=%r" % (rc, rss, secs, err[-2000:]))
    return err


PYTHON_LOAD = """
import sys, fastdata
try:
    t = fastdata.load("s3://bkt/data.parquet", timeout=float(sys.argv[1]))
    print("rows", t.num_rows)
except fastdata.Error as e:
    print(type(e).__name__, e)
"""


def python_load(env, timeout):
    """fastdata.load of the Parquet object with `timeout`: what it printed (None: no package)."""
    py = os.environ.get("FDATA_TEST_PYTHON")
    if not py:  # the sanitizer build: the package is tested with the Release build
        return None
    p = subprocess.run([py, "-c", PYTHON_LOAD, str(timeout)], env=env, capture_output=True,
                       text=True, timeout=RUN_SECONDS)
    return p.stdout + p.stderr[-500:]


def env_for(endpoint, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="AKIDHOSTILE", AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1",
               AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true", HOME=tempfile.gettempdir())
    env.update(extra)
    return env


def start_scenario(name, tls_context=None):
    server = start_server(name, tls_context)
    scheme = "https" if tls_context else "http"
    return server, env_for("%s://127.0.0.1:%d" % (scheme, server.server_port))


def honest(tmp):
    server, env = start_scenario("honest")
    rc, out, err, rss, _ = run(["schema", "s3://bkt/data.parquet"], env)
    check("honest: schema of an s3:// Parquet object", rc == 0 and b"row" in out, err)
    rc, out, err, rss, _ = run(["cat", "s3://bkt/data.parquet"], env)
    rc2, local, _, _, _ = run(["cat", os.path.join(DATA, "data", "hadoop_lz4_compressed_larger.parquet")], env)
    check("honest: cat over S3 equals cat of the local file", rc == 0 and out == local and rc2 == 0, err)
    rc, out, err, rss, _ = run(["get", "s3://bkt/dir/blob.bin", "-o", "-", "--part-size", "1"], env)
    check("honest: get in parts is byte-identical", rc == 0 and out == BLOB, err)
    dest = os.path.join(tmp, "honest")
    os.mkdir(dest)
    rc, out, err, rss, _ = run(["get", "s3://bkt/dir/", "-o", dest, "--memory-limit", "1"], env)
    got = open(os.path.join(dest, "blob.bin"), "rb").read() if rc == 0 else b""
    check("honest: get of a listed prefix under a 1 MiB limit", rc == 0 and got == BLOB, err)
    rc, out, err, rss, _ = run(["ls", "s3://bkt/dir/"], env)
    check("honest: ls", rc == 0 and b"blob.bin" in out, err)
    rc, out, err, rss, _ = run(["load", "s3://bkt/data.parquet", "--timeout", "30"], env)
    check("honest: load within --timeout", rc == 0, err)
    out = python_load(env, 30)
    check("honest: python load(timeout=30)", out is None or out.startswith("rows "), out)
    server.shutdown()


def hostile():
    obj = "s3://bkt/data.parquet"
    only = os.environ.get("HOSTILE_ONLY")  # a comma-separated list of scenarios, when debugging

    def scenario(name, tls_context=None):
        return start_scenario(name if not only or name in only.split(",") else "honest", tls_context)
    server, env = scenario("two_ranges")
    for command in ("schema", "cat", "load"):
        expect_failure("two Content-Range headers: " + command, [command, obj], env, obj, "Content-Range")
    expect_failure("API: fdata_s3_get with two Content-Range headers",
                   ["get", "s3://bkt/dir/blob.bin", "0", "10"], env, "s3://bkt/dir/blob.bin",
                   "Content-Range", program=API)
    server.shutdown()
    blob = "s3://bkt/dir/blob.bin"
    server, env = scenario("ignore_range")
    expect_failure("API: a suffix of 16 bytes into a 16-byte dest, answered 200 with the whole object",
                   ["suffix", blob, "16"], env, blob, "ignored the byte range", program=API)
    server.shutdown()
    server, env = scenario("ignore_range_4g")
    expect_failure("Range ignored, 200 of 4 GiB: schema", ["schema", obj], env, obj, "ignored the byte range")
    expect_failure("Range ignored, 200 of 4 GiB: get --memory-limit 64",
                   ["get", blob, "-o", "-", "--memory-limit", "64"], env, blob, str(4 << 30), "--memory-limit")
    expect_failure("Range ignored, 200 of 4 GiB: API fdata_s3_get of 10 bytes",
                   ["get", blob, "0", "10"], env, blob, "10 bytes", program=API)
    server.shutdown()
    server, env = scenario("listed_3g")
    with tempfile.TemporaryDirectory() as dest:
        expect_failure("a listing and its 206s claiming 3 GiB, 4 KiB sent: get --memory-limit 64",
                       ["get", "s3://bkt/dir/", "-o", dest, "--memory-limit", "64"], env, blob)
    server.shutdown()
    server, env = scenario("shorter_later")
    for command in ("schema", "cat"):  # the tail's size is passed down: both sizes named
        expect_failure("later answers claim a shorter object: " + command, [command, obj], env, obj,
                       str(len(PARQUET)), "says 1")
    # load's ranges come without the size (load.c): the claim and the bytes asked are named
    expect_failure("later answers claim a shorter object: load", ["load", obj], env, obj,
                   "holds 1 bytes", "asked for")
    server.shutdown()
    server, env = scenario("retry_total")
    expect_failure("a retry's total differs from the first answer's", ["schema", obj], env, obj,
                   str(len(PARQUET)), str(len(PARQUET) // 4))
    server.shutdown()
    for kind, total in (("huge_total", 3 << 30), ("total_2e62", 1 << 62)):
        server, env = scenario(kind)
        expect_failure("a 206 claiming %d bytes: get under --memory-limit 64" % total,
                       ["get", "s3://bkt/dir/blob.bin", "-o", "-", "--memory-limit", "64"], env,
                       "s3://bkt/dir/blob.bin", str(total))
        expect_failure("a 206 claiming %d bytes: schema" % total, ["schema", obj], env, obj, str(total))
        server.shutdown()
    server, env = scenario("listed_size")
    with tempfile.TemporaryDirectory() as dest:
        expect_failure("a GET claiming more than the listed size", ["get", "s3://bkt/dir/", "-o", dest],
                       env, "s3://bkt/dir/blob.bin", str(len(BLOB)), str(3 << 30))
    server.shutdown()
    server, env = scenario("long_body")
    expect_failure("a body longer than its Content-Range", ["get", "s3://bkt/dir/blob.bin", "-o", "-"],
                   env, "s3://bkt/dir/blob.bin")
    server.shutdown()
    server, env = scenario("list_same_token")
    expect_failure("a listing repeating its continuation token", ["ls", "s3://bkt/dir/"], env,
                   "s3://bkt/dir/", "continuation token")
    server.shutdown()
    server, env = scenario("list_alternating")
    expect_failure("a listing alternating two continuation tokens", ["ls", "s3://bkt/dir/"], env,
                   "s3://bkt/dir/", "continuation token")
    server.shutdown()
    server, env = scenario("list_long_keys")
    expect_failure("a listing of 8000-byte keys, never ending", ["ls", "s3://bkt/dir/"], env,
                   "s3://bkt/dir/", "1024")
    server.shutdown()
    server, env = scenario("list_endless")
    expect_failure("an endless listing page", ["ls", "s3://bkt/dir/"], env, "s3://bkt/dir/", "MiB")
    server.shutdown()
    server, env = scenario("error_endless")
    expect_failure("an endless error document", ["get", "s3://bkt/dir/blob.bin", "-o", "-"], env,
                   "s3://bkt/dir/blob.bin", "KiB")
    server.shutdown()
    server, env = scenario("ctrl_chars")
    err = expect_failure("control characters in the server's message",
                         ["get", "s3://bkt/dir/blob.bin", "-o", "-"], env, "s3://bkt/dir/blob.bin",
                         "AccessDenied", "\\x0a", "\\x1b")
    check("ctrl_chars: no raw control character printed", not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", err),
          repr(err))
    server.shutdown()
    server, env = scenario("drip")
    expect_failure("a server dripping 2 KiB/s, --timeout 3",
                   ["get", "s3://bkt/dir/blob.bin", "-o", "-", "--timeout", "3"], env,
                   "s3://bkt/dir/blob.bin", "3 s")
    expect_failure("a server dripping 2 KiB/s, ls --timeout 2", ["ls", "s3://bkt/dir/", "--timeout", "2"],
                   env, "s3://bkt/dir/", "deadline")
    start = time.monotonic()
    out = python_load(env, 2)
    check("python: load(timeout=2) raises fastdata.Error naming the deadline, in time",
          out is None or ("Error" in out and "deadline" in out and time.monotonic() - start < 20), out)
    server.shutdown()


def tls(tmp):
    """A self-signed certificate, and a trusted one for another name: neither retried."""
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=elsewhere.example",
                    "-addext", "subjectAltName=DNS:elsewhere.example"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server, env = start_scenario("honest", ctx)
    url = "s3://bkt/dir/blob.bin"
    err = expect_failure("a self-signed certificate", ["get", url, "-o", "-"], env, url,
                         "self-signed", "AWS_CA_BUNDLE")
    check("self-signed: not retried", server.requests == 0 and "1 attempt" in err, err)
    env["AWS_CA_BUNDLE"] = cert
    expect_failure("a certificate for another host name", ["get", url, "-o", "-"], env, url,
                   "127.0.0.1", "name")
    server.shutdown()


def connect_proxy():
    """A minimal HTTPS proxy (CONNECT, then bytes both ways) on loopback: (port, CONNECTs seen)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    seen = []

    def pipe(a, b):
        try:
            while True:
                chunk = a.recv(65536)
                if not chunk:
                    break
                b.sendall(chunk)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve(client):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return client.close()
            head += chunk
        target = head.split(b" ")[1].decode()
        seen.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\nProxy-Agent: hostile\r\n\r\n")
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def accept():
        while True:
            client, _ = listener.accept()
            threading.Thread(target=serve, args=(client,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], seen


def proxy(tmp):
    """Downloads through an HTTPS proxy: its CONNECT answer is not the object's."""
    key, cert = os.path.join(tmp, "key-ip.pem"), os.path.join(tmp, "cert-ip.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server, env = start_scenario("honest", ctx)
    port, seen = connect_proxy()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    env.update(AWS_CA_BUNDLE=cert, HTTPS_PROXY="http://127.0.0.1:%d" % port,
               https_proxy="http://127.0.0.1:%d" % port)
    rc, out, err, _, _ = run(["get", "s3://bkt/dir/blob.bin", "-o", "-", "--part-size", "1"], env)
    check("through an HTTPS proxy: get in parts is byte-identical", rc == 0 and out == BLOB and seen, err)
    rc, out, err, _, _ = run(["schema", "s3://bkt/data.parquet"], env)
    check("through an HTTPS proxy: schema", rc == 0 and b"row" in out, err)
    server.shutdown()


def symlink_in_output(tmp):
    """A symbolic link inside the output folder is not followed out of it (get and load --to)."""
    server, env = start_scenario("nested")
    outside = os.path.join(tmp, "outside")
    os.mkdir(outside)
    for command in (["get", "s3://bkt/dir/", "-o"], ["load", "s3://bkt/dir/", "--to"]):
        dest = os.path.join(tmp, "linked-" + command[0])
        os.mkdir(dest)
        os.symlink(outside, os.path.join(dest, "sub"))
        expect_failure("a symbolic link in the output folder: " + command[0], command + [dest], env,
                       "inner.bin")
        check("%s: nothing written through the link" % command[0], os.listdir(outside) == [],
              os.listdir(outside))
    server.shutdown()


def refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    env = env_for("http://127.0.0.1:%d" % port)
    expect_failure("no server at the endpoint", ["get", "s3://bkt/dir/blob.bin", "-o", "-", "--retries", "1"],
                   env, "s3://bkt/dir/blob.bin", "127.0.0.1:%d" % port)


def main():
    tmp = tempfile.mkdtemp()
    try:
        honest(tmp)
        hostile()
        tls(tmp)
        proxy(tmp)
        symlink_in_output(tmp)
        refused()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d of %d checks passed" % (sum(results), len(results)))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
