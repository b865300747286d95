#!/usr/bin/env python3
"""Many small files over S3: a lake of small Parquet files written by pyarrow (Hive folders),
served by a small S3 server on 127.0.0.1 (standard library: ListObjectsV2 in pages of 7 keys,
ranged GETs) that counts the GETs of every key.  A file listed at most a part long comes in
one GET, footer and data together (the report's requests and the server's count agree: 1 per
file); larger files (and under a projection, files over 1 MiB) take their tail and ranges; the
table equals pyarrow.dataset's and its rows
come in key order although the footers are fetched while the listing's later pages are still
asked for; a small memory limit falls back to tails and ranges with the same table; a listing
whose size for a key differs from the object's fails with one line naming the key.  Files of
several row groups over 1 MiB, filtered and projected: the ranges of neighbouring row groups
come in one GET (tail + 1 a file), a pruned row group's bytes are not fetched, a small memory
limit splits the ranges; every table equals DuckDB's.  Object URLs given without a listing
(no sizes): the first small file sizes the others' first GETs, so they come whole in one.
Whole small objects are read while the other footers come, not under a filter; a corrupt one
among them fails the load in one line naming it; each gives its bytes back once read, so a
memory limit with room for a few still takes every small file in one GET, and one with room for
none sizes the tails by the first file's wide footer all the same.  Files whose page indexes a filter
reads: the first file's sizes the next tails to hold them (no GET of their own).
usage: many_files.py FASTDATA LOAD_DUMP"""
import http.server
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, unquote

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from s3_handler import S3Handler

FASTDATA, LOAD_DUMP = sys.argv[1:3]
PAGE = 7  # keys per listing page: the lake's 30 files take 5 pages
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else str(detail)[:1500]),
          flush=True)


class Lake(S3Handler):
    """GET /bkt/KEY reads ROOT/KEY (one Range), GET /bkt?list-type=2 lists ROOT's files."""

    def do_GET(self):
        path, _, query = self.path.partition("?")
        root = self.server.root
        if "list-type=2" in query:
            return self.list(parse_qs(query))
        key = unquote(path[len("/bkt/"):])
        file = os.path.join(root, key)
        if not path.startswith("/bkt/") or not os.path.isfile(file):
            return self.send(404, [], b"<Error><Code>NoSuchKey</Code></Error>")
        with self.server.lock:
            self.server.gets[key] = self.server.gets.get(key, 0) + 1
            self.server.log.append("GET")
        data = open(file, "rb").read()
        m = re.match(r"bytes=(\d*)-(\d*)$", self.headers.get("Range") or "")
        if not m:
            return self.send(200, [("ETag", "\"v1\"")], data)
        if m.group(1):
            first, last = int(m.group(1)), min(len(data) - 1, int(m.group(2) or len(data) - 1))
        else:
            first, last = max(0, len(data) - int(m.group(2))), len(data) - 1
        self.send(206, [("ETag", "\"v1\""), ("Content-Range", "bytes %d-%d/%d" % (first, last, len(data)))],
                  data[first:last + 1])

    def list(self, q):
        root, prefix = self.server.root, q.get("prefix", [""])[0]
        keys = sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, fs in os.walk(root) for f in fs)
        keys = [k for k in keys if k.startswith(prefix)]
        at = int(q.get("continuation-token", ["0"])[0])
        time.sleep(0.03)  # a listing page takes a while, as S3's do
        with self.server.lock:
            self.server.log.append("LIST")
        page = keys[at:at + PAGE]
        more = at + PAGE < len(keys)
        items = "".join("<Contents><Key>%s</Key><Size>%d</Size></Contents>" % (
            k, os.path.getsize(os.path.join(root, k)) + self.server.size_lie.get(k, 0)) for k in page)
        tail = ("<IsTruncated>true</IsTruncated><NextContinuationToken>%d</NextContinuationToken>"
                % (at + PAGE)) if more else "<IsTruncated>false</IsTruncated>"
        self.send(200, [], ("<?xml version=\"1.0\"?><ListBucketResult>%s%s</ListBucketResult>"
                            % (items, tail)).encode())


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256  # 16 connections at once: a backlog of 5 drops SYNs (1 s each)


def serve(root):
    server = Server(("127.0.0.1", 0), Lake)
    server.daemon_threads = True
    server.root, server.gets, server.size_lie, server.lock = root, {}, {}, threading.Lock()
    server.log = []  # "LIST" and "GET" in the order the server saw them
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_lake(root):
    """30 small files in 3 day= folders (ids increasing in key order), and one of ~1.6 MB."""
    paths = []
    for f in range(30):
        day, n = f // 10, 500 + 37 * f
        ids = pa.array(range(f * 10000, f * 10000 + n), pa.int64())
        t = pa.table({"id": ids, "x": pa.array([float(i) * 0.5 for i in range(n)]),
                      "s": pa.array(["v%d" % (i % 13) for i in range(n)])})
        path = os.path.join(root, "lake", "day=%d" % day, "part-%03d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, row_group_size=200, write_page_index=True)
        paths.append(path)
    n = 200000  # incompressible: ~1.6 MB, more than a 1 MiB part
    big = pa.table({"id": pa.array(range(10 ** 6, 10 ** 6 + n), pa.int64()),
                    "x": pa.array([((i * 2654435761) % 2 ** 32) / 3.0 for i in range(n)]),
                    "s": pa.array(["w"] * n)})
    path = os.path.join(root, "lake", "day=3", "part-999.parquet")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(big, path, row_group_size=50000, compression="none")
    paths.append(path)
    return paths


def env_for(server):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="any", AWS_SECRET_ACCESS_KEY="any", AWS_REGION="us-east-1",
               AWS_ENDPOINT_URL="http://127.0.0.1:%d" % server.server_port,
               AWS_EC2_METADATA_DISABLED="true", HOME=tempfile.gettempdir())
    return env


def load_json(env, *args, source="s3://bkt/lake/"):
    p = subprocess.run([FASTDATA, "load", source, "--json"] + list(args), env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else None), p.stderr


def dump(env, *args, source="s3://bkt/lake/"):
    p = subprocess.run([LOAD_DUMP] + list(args) + [source], env=env,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines()], p.stderr


def write_wide(root):
    """3 files of ~1.5 MB (over the 1 MiB a projected load takes whole), 5 row groups each
    of id (0..94999 in every file), x (incompressible doubles) and a small string column s
    between a row group's x and the next one's id; no page index (so no GET for one)."""
    for f in range(3):
        n = 95000
        t = pa.table({"id": pa.array(range(n), pa.int64()),
                      "x": pa.array([((i * 2654435761 + f) % 2 ** 32) / 7.0 for i in range(n)]),
                      "s": pa.array(["k%d" % (i % 5) for i in range(n)])})
        path = os.path.join(root, "wide", "part-%d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, row_group_size=19000, compression="none",
                       write_page_index=False)
    return sorted(os.listdir(os.path.join(root, "wide")))


def write_indexed(root):
    """3 files of 1.2 MB: id and 300 float32 columns, 4 row groups, a page index: a footer of
    ~150 KB with ~50 KB of indexes just before it (more than the first 64 KiB tail)."""
    import numpy as np
    for f in range(3):
        n, rng = 1000, np.random.default_rng(f)
        cols = {"id": pa.array(range(n), pa.int64())}
        for c in range(300):
            cols["c%d" % c] = pa.array(rng.standard_normal(n).astype(np.float32))
        path = os.path.join(root, "indexed", "part-%d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(pa.table(cols), path, row_group_size=250, compression="none",
                       write_page_index=True)


def check_index_tails(root, server, env):
    """A filter on a file column prunes by page indexes: the first file sizes the others'
    tails to hold their indexes, so they take no GET for them."""
    import duckdb
    write_indexed(root)
    server.gets.clear()
    rc, rep, err = load_json(env, "--columns", "id,c0", "--filter", "id >= 10",
                             source="s3://bkt/indexed/")
    gets = [server.gets.get("indexed/part-%d.parquet" % f, 0) for f in range(3)]
    check("page indexes in the tails: the files after the first take their tail and 4 row "
          "groups' ranges (5 GETs; the first more)",
          rc == 0 and gets[1:] == [5, 5] and gets[0] > 5 and rep["requests"] == sum(gets),
          (err, gets, rep and rep["requests"]))
    rc, rows, err = dump(env, "--columns", "id,c0", "--filter", "id >= 10",
                         source="s3://bkt/indexed/")
    want = duckdb.sql("SELECT id, c0 FROM read_parquet('%s/indexed/*.parquet') WHERE id >= 10"
                      % root).fetchall()
    f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]  # noqa: E731 (float32 as read)
    check("... and the table equals DuckDB's",
          rc == 0 and sorted((r["id"], f32(r["c0"])) for r in rows) ==
          sorted((i, f32(c)) for i, c in want), err)


def check_coalesced(root, server, env):
    """Filtered, projected loads of files with several row groups: GETs per file and the
    table against DuckDB's over the same files."""
    import duckdb
    names = write_wide(root)
    size = sum(os.path.getsize(os.path.join(root, "wide", k)) for k in names)
    cases = [("id >= 0", "every row group", 2),
             ("id < 19000 OR id >= 76000", "row groups 0 and 4 of 5", 3)]
    for filt, what, gets in cases:
        server.gets.clear()
        rc, rep, err = load_json(env, "--columns", "id,x", "--filter", filt, source="s3://bkt/wide/")
        per_key = {k: v for k, v in server.gets.items() if k.startswith("wide/")}
        check("--filter %s (%s): %d GETs a file (its tail, then neighbouring row groups' "
              "ranges in one)" % (filt, what, gets),
              rc == 0 and set(per_key.values()) == {gets} and len(per_key) == 3 and
              rep["requests"] == 3 * gets, (err, per_key, rep and rep["requests"]))
        if gets == 3:
            check("the pruned row groups' bytes are not fetched",
                  rc == 0 and rep["bytes_fetched"] < size / 2, rep and rep["bytes_fetched"])
        rc, rows, err = dump(env, "--columns", "id,x", "--filter", filt, source="s3://bkt/wide/")
        want = duckdb.sql("SELECT id, x FROM read_parquet('%s/wide/*.parquet') WHERE %s" %
                          (root, filt)).fetchall()
        check("--filter %s: the table equals DuckDB's" % filt,
              rc == 0 and sorted((r["id"], r["x"]) for r in rows) == sorted(want), err)
    server.gets.clear()
    rc, rows, err = dump(env, "--columns", "id,x", "--filter", "id >= 0", "--memory-limit",
                         str(1 << 20), source="s3://bkt/wide/")
    want = duckdb.sql("SELECT id, x FROM read_parquet('%s/wide/*.parquet')" % root).fetchall()
    per_key = {k: v for k, v in server.gets.items() if k.startswith("wide/")}
    check("under a 1 MiB memory limit no range passes a quarter of it: each row group's "
          "(304 KB) is a GET of its own, the same table",
          rc == 0 and set(per_key.values()) == {6} and
          sorted((r["id"], r["x"]) for r in rows) == sorted(want), (err, per_key))


def check_unlisted(root, server, env):
    """Object URLs given, no listing (so no sizes): six ~160 KB files (more than a first tail,
    less than a part): the first comes by its tail and its data, and the others, as small,
    in one GET each; the table equals pyarrow's."""
    keys = []
    for f in range(6):
        n = 20000
        t = pa.table({"id": pa.array(range(f * n, (f + 1) * n), pa.int64()),
                      "x": pa.array([((i * 2654435761) % 2 ** 32) / 7.0 for i in range(n)])})
        keys.append("unlisted/part-%d.parquet" % f)
        os.makedirs(os.path.join(root, "unlisted"), exist_ok=True)
        pq.write_table(t, os.path.join(root, keys[-1]), compression="none")
    server.gets.clear()
    urls = ["s3://bkt/" + k for k in keys]
    rc, rows, err = dump(env, *urls[:-1], source=urls[-1])
    want = sorted(range(6 * 20000))
    check("URLs given without sizes: the first ~160 KB file by its tail and its data, the five "
          "after it sized by it, in one GET each; the table equals pyarrow's",
          rc == 0 and server.gets.get(keys[0]) == 2 and
          all(server.gets.get(k) == 1 for k in keys[1:]) and
          sorted(r["id"] for r in rows) == want, (err, server.gets))


def check_read_ahead(root, server, env):
    """Whole small objects are read while the other footers come ("read ahead" spans in the
    trace, none under a filter, which decides first what each file reads); a file whose pages
    are corrupt among them fails the load with one line naming it, as without reading ahead."""
    trace = os.path.join(root, "ahead.json")
    rc, rep, err = load_json(env, "--trace", trace)
    events = json.load(open(trace))["traceEvents"] if rc == 0 else []
    ahead = [e for e in events if e.get("name") == "read ahead" and e["args"].get("ok") == 1]
    check("whole small objects are read ahead of the schema (a span each, most of the 30)",
          rc == 0 and len(ahead) >= 20 and rep["files"] == 31, (err, len(ahead)))
    rc, rep, err = load_json(env, "--trace", trace, "--filter", "id >= 0")
    events = json.load(open(trace))["traceEvents"] if rc == 0 else []
    check("... but not under a filter", rc == 0 and
          not [e for e in events if e.get("name") == "read ahead"], err)
    for f in range(6):
        n = 3000
        t = pa.table({"id": pa.array(range(f * n, (f + 1) * n), pa.int64()),
                      "x": pa.array([i * 0.25 for i in range(n)])})
        path = os.path.join(root, "broken", "part-%d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, compression="snappy", use_dictionary=False)
    bad = os.path.join(root, "broken", "part-3.parquet")
    meta = pq.ParquetFile(bad).metadata.row_group(0).column(1)
    data = bytearray(open(bad, "rb").read())
    start = meta.data_page_offset
    data[start + 40:start + 200] = bytes(160)  # the page's compressed values, past its header
    open(bad, "wb").write(bytes(data))
    p = subprocess.run([FASTDATA, "load", "s3://bkt/broken/", "--trace", trace], env=env,
                       capture_output=True, text=True, timeout=120)
    lines = p.stderr.strip().splitlines()
    events = json.load(open(trace))["traceEvents"]
    failed = [e for e in events if e.get("name") == "read ahead" and e["args"].get("ok") == 0]
    check("a corrupt file read ahead: exit 1, one line naming it (its read ahead failed, the "
          "load's own read of it reports it)", p.returncode == 1 and len(lines) == 1 and
          "part-3.parquet" in p.stderr and len(failed) == 1, (p.stderr, len(failed)))


def check_room_given_back(root, server, env):
    """A whole-table load whose memory limit holds 4 of 24 small files at a time still takes
    each in one GET: a file read ahead gives its bytes back (all but its footer), and the first
    GETs of the others wait for that room instead of falling back to a tail and ranges.  A
    streamed load (its read-ahead capped at a quarter of the limit) gives the same table."""
    n = 2000
    for f in range(24):
        t = pa.table({"id": pa.array(range(f * n, (f + 1) * n), pa.int64()),
                      "x": pa.array([i * 0.5 for i in range(n)])})
        path = os.path.join(root, "smalls", "part-%02d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, compression="none", use_dictionary=False)
    limit = 8 * os.path.getsize(path)  # half of it, whole objects' room: 4 files
    server.gets.clear()
    rc, rows, err = dump(env, "--memory-limit", str(limit), source="s3://bkt/smalls/")
    check("a memory limit with room for 4 of 24 small files: each in one GET all the same, "
          "the table whole", rc == 0 and [r["id"] for r in rows] == list(range(24 * n)) and
          len(server.gets) == 24 and set(server.gets.values()) == {1}, (err, server.gets))
    server.gets.clear()
    rc, rows, err = dump(env, "--memory-limit", str(limit), "--stream", source="s3://bkt/smalls/")
    m = re.search(r"files (\d+) rows (\d+)", err)  # (a stream's rows are not printed)
    check("... streamed (read-ahead capped): every file and row",
          rc == 0 and m and m.groups() == ("24", str(24 * n)), (err, server.gets))


def check_no_room_sizes_tails(root, server, env):
    """A memory limit with no room for even one small file whole: every file comes by its tail
    and its ranges, the first alone, so that its wide footer (over 64 KiB) sizes the others'
    tails: one tail GET each, not a 64 KiB guess and a second GET for the rest."""
    cols, n = 900, 20
    for f in range(8):
        t = pa.table({"c%03d" % c: pa.array(range(f * n + c, f * n + c + n), pa.int64())
                      for c in range(cols)})
        path = os.path.join(root, "noroom", "part-%d.parquet" % f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pq.write_table(t, path, compression="none", use_dictionary=False, write_statistics=False)
    footer = struct.unpack("<i", open(path, "rb").read()[-8:-4])[0]
    limit = os.path.getsize(path)  # half of it for whole objects: no file fits
    server.gets.clear()
    rc, rows, err = dump(env, "--memory-limit", str(limit), source="s3://bkt/noroom/")
    first = min(server.gets)
    others = {k: v for k, v in server.gets.items() if k != first}
    check("no room for a whole small file (footers of %d KB): the first file's footer sizes the "
          "others' tails (tail + ranges: 2 GETs a file)" % (footer >> 10),
          rc == 0 and footer > 65536 and len(others) == 7 and set(others.values()) == {2} and
          [r["c000"] for r in rows] == [f * n + i for f in range(8) for i in range(n)],
          (err, server.gets))


def main(tmp):
    write_lake(tmp)
    server = serve(tmp)
    env = env_for(server)
    expected = ds.dataset(os.path.join(tmp, "lake"), partitioning="hive").to_table()
    want = sorted(zip(*[expected[c].to_pylist() for c in ("id", "x", "s", "day")]))

    rc, rows, err = dump(env)
    log = server.log[:]
    got = [(r["id"], r["x"], r["s"], r["day"]) for r in rows]
    check("a lake of 31 files listed in pages of %d equals pyarrow.dataset" % PAGE,
          rc == 0 and sorted(got) == want, err)
    ids = [r["id"] for r in rows]
    last_list = len(log) - 1 - log[::-1].index("LIST") if "LIST" in log else 0
    check("the first pages' files were fetched before the last page was listed",
          log.count("LIST") == 5 and "GET" in log[:last_list], log)
    check("its rows come in key order (footers fetched while later pages were listed)",
          rc == 0 and ids == sorted(ids) and len(ids) == len(want), ids[:20])

    server.gets.clear()
    server.log.clear()
    rc, rows, err = dump(env, "--filter", "day = 0 OR day = 2")
    log = server.log[:]
    last_list = len(log) - 1 - log[::-1].index("LIST") if "LIST" in log else 0
    got = sorted((r["id"], r["x"], r["s"], r["day"]) for r in rows)
    check("under a partition filter the selected files of the first pages were fetched before "
          "the last page was listed, the others never (pages pruned as they come)",
          rc == 0 and log.count("LIST") == 5 and "GET" in log[:last_list] and
          {k.split("/")[1] for k in server.gets} == {"day=0", "day=2"}, (err, log, server.gets))
    check("... and the table equals pyarrow.dataset's rows of those days",
          got == [w for w in want if w[3] in (0, 2)], err)

    server.gets.clear()
    rc, rep, err = load_json(env, "--part-size", "1")
    big = "lake/day=3/part-999.parquet"
    small = {k: v for k, v in server.gets.items() if k != big}
    check("files under the part size: one GET each (the server counted 30 keys, once each)",
          rc == 0 and len(small) == 30 and set(small.values()) == {1}, (err, server.gets))
    check("the larger file: its tail, then its ranges (more than one GET)",
          server.gets.get(big, 0) > 1, server.gets)
    check("the report's requests are the server's GETs",
          rc == 0 and rep["requests"] == sum(server.gets.values()) and rep["files"] == 31,
          (rep, server.gets))

    server.gets.clear()
    rc, rep, err = load_json(env, "--columns", "id,x")
    small = {k: v for k, v in server.gets.items() if k != big}
    check("under --columns: files up to 1 MiB in one GET, the 1.6 MB file (within a part) by "
          "its tail and the projected ranges", rc == 0 and set(small.values()) == {1} and
          server.gets.get(big, 0) > 1 and rep["rows"] == len(want), (err, server.gets))

    check_unlisted(tmp, server, env)
    check_read_ahead(tmp, server, env)
    check_room_given_back(tmp, server, env)
    check_no_room_sizes_tails(tmp, server, env)

    server.gets.clear()
    rc, rows, err = dump(env, "--memory-limit", str(40 << 10))
    got = [(r["id"], r["x"], r["s"], r["day"]) for r in rows]
    check("under a 40 KiB memory limit: tails and ranges instead (more GETs), the same table",
          rc == 0 and got == sorted(got) and sorted(got) == want and
          sum(server.gets.values()) > 31, (err, server.gets))

    for lie in (-100, 4096):
        server.size_lie = {"lake/day=1/part-012.parquet": lie}
        p = subprocess.run([FASTDATA, "load", "s3://bkt/lake/"], env=env, capture_output=True,
                           text=True, timeout=120)
        lines = p.stderr.strip().splitlines()
        check("a listed size %+d bytes off the object's: exit 1, one line naming the key" % lie,
              p.returncode == 1 and len(lines) == 1 and "part-012.parquet" in p.stderr and
              "listed" in p.stderr, p.stderr)
    server.size_lie = {}
    check_coalesced(tmp, server, env)
    check_index_tails(tmp, server, env)
    server.shutdown()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(tmp)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    sys.exit(0 if all(results) else 1)
