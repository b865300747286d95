#!/usr/bin/env python3
"""A fault-injecting HTTP proxy (standard library only) between an S3 client and a server.
It forwards requests unchanged (Host and signature headers included, so SigV4 still holds)
and, for a seeded random share of GETs, answers instead with one of:
  slowdown   503 SlowDown (S3 XML), as S3 throttling does
  internal   500 InternalError
  reset      the headers and half the body, then a TCP reset
  truncate   the full Content-Length announced, half the body sent, then the connection closed
  stall      the headers, then nothing for STALL seconds, then the body
With FDATA_PROXY_CHECKSUMS naming a JSON file {"/bucket/key": ["x-amz-checksum-ALGO", value]},
responses to requests that ask for checksums (x-amz-checksum-mode: ENABLED) carry that header,
as S3 sends the checksum stored with an object.  With FDATA_PROXY_LOG naming a file, every GET
appends a JSON line there: its start time, path, Range header, fault and body bytes sent.
usage: fault_proxy.py LISTEN_PORT UPSTREAM_PORT RATE SEED [STALL]  (prints "ready" when listening)
"""
import http.client
import http.server
import json
import os
import random
import select
import socket
import struct
import sys
import threading
import time

LISTEN, UPSTREAM, RATE, SEED = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
STALL = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
CHECKSUMS = {}
if os.environ.get("FDATA_PROXY_CHECKSUMS"):
    with open(os.environ["FDATA_PROXY_CHECKSUMS"]) as f:
        CHECKSUMS = json.load(f)
FAULTS = ("slowdown", "internal", "reset", "truncate") + (("stall",) if STALL else ())
LOG = open(os.environ["FDATA_PROXY_LOG"], "a") if os.environ.get("FDATA_PROXY_LOG") else None
rng = random.Random(SEED)
lock = threading.Lock()
counts = {f: 0 for f in FAULTS}


def pick_fault(method):
    with lock:
        if method != "GET" or rng.random() >= RATE:
            return None
        f = rng.choice(FAULTS)
        counts[f] += 1
        return f


def peer_closed(sock):
    """True when the client has closed its end (readable, and nothing to read)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def error_xml(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>fault-proxy</RequestId></Error>" % (code, message)).encode()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def send_error_doc(self, status, code, message):
        body = error_xml(code, message)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_one(self):
        start, fault = time.monotonic(), pick_fault(self.command)
        sent = self.respond(fault)
        if LOG and self.command == "GET":
            with lock:
                LOG.write(json.dumps({"t": start, "path": self.path.split("?")[0], "fault": fault,
                                      "range": self.headers.get("Range"), "sent": sent}) + "\n")
                LOG.flush()

    def respond(self, fault):
        """Answers the request with `fault` injected; returns the body bytes sent."""
        if fault == "slowdown":
            return self.send_error_doc(503, "SlowDown", "Please reduce your request rate.") or 0
        if fault == "internal":
            return self.send_error_doc(500, "InternalError", "We encountered an internal error.") or 0
        resp, data = self.forward()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        stored = CHECKSUMS.get(self.path.split("?")[0])
        if stored and self.headers.get("x-amz-checksum-mode") == "ENABLED":
            self.send_header(*stored)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return 0
        if fault == "stall" and len(data) > 1:
            self.wfile.flush()  # the headers go out, then nothing for STALL seconds
            time.sleep(STALL)
            if peer_closed(self.connection):  # the client gave up on the stalled transfer
                with lock:
                    counts["stall_abandoned"] = counts.get("stall_abandoned", 0) + 1
                self.close_connection = True
                return 0
            self.wfile.write(data)
            return len(data)
        if fault in ("reset", "truncate") and len(data) > 1:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            if fault == "reset":  # SO_LINGER 0: close with a RST
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return len(data) // 2
        self.wfile.write(data)
        return len(data)

    do_GET = do_HEAD = do_PUT = do_DELETE = handle_one


server = http.server.ThreadingHTTPServer(("127.0.0.1", LISTEN), Proxy)
server.daemon_threads = True
print("ready", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
finally:
    print("faults injected: %s" % counts, file=sys.stderr, flush=True)
