#!/usr/bin/env python3
"""A ListObjectsV2 server for the listing benchmark (standard library): bucket BUCKET holds
COUNT keys data/k000000.parquet ... (1 byte each, never served), listed in pages of 1,000 in
key order with continuation tokens, as S3 does.  Prints "ready" once it listens.
usage: list_server.py PORT BUCKET COUNT"""
import http.server
import sys
from urllib.parse import parse_qs

PORT, BUCKET, COUNT = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
KEYS = ["data/k%06d.parquet" % i for i in range(COUNT)]
PAGE = 1000


class Lister(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        q = parse_qs(query)
        if path.strip("/") != BUCKET or q.get("list-type") != ["2"]:
            body, status = b"<Error><Code>NoSuchKey</Code></Error>", 404
        else:
            prefix = q.get("prefix", [""])[0]
            at = int(q.get("continuation-token", ["0"])[0])
            keys = [k for k in KEYS[at:at + PAGE] if k.startswith(prefix)]
            more = at + PAGE < len(KEYS)
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>%s</Name>"
                    "<Prefix>%s</Prefix><KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys>%s%s"
                    "</ListBucketResult>" % (
                        BUCKET, prefix, len(keys),
                        "".join("<Contents><Key>%s</Key><Size>1</Size><ETag>\"e\"</ETag>"
                                "<LastModified>2026-12-01T00:00:00.000Z</LastModified>"
                                "<StorageClass>STANDARD</StorageClass></Contents>" % k for k in keys),
                        "<IsTruncated>true</IsTruncated><NextContinuationToken>%d"
                        "</NextContinuationToken>" % (at + PAGE) if more
                        else "<IsTruncated>false</IsTruncated>")).encode()
            status = 200
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256


server = Server(("127.0.0.1", PORT), Lister)
print("ready", flush=True)
server.serve_forever()
