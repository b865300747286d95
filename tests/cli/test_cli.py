#!/usr/bin/env python3
"""The CLI's contract: --help for each command, exit codes, one-line errors, --columns,
--limit, --format csv (RFC 4180, checked with Python's csv reader), --threads, schema output;
`convert` from CSV and JSONL (types inferred or declared, RFC 4180 quoting) and its errors
naming line and column; `gen` deterministic from its seed.
usage: test_cli.py FASTDATA DATA_DIR"""
import ast
import csv
import io
import json
import math
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import time

FASTDATA, DATA = sys.argv[1], sys.argv[2]
PRIM = DATA + "/generated/duckdb_prim_v1_snappy.parquet"
results = []


def run(*args):
    p = subprocess.run([FASTDATA] + list(args), capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def check(name, cond, detail=""):
    results.append(cond)
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else detail))


for cmd in ("cat", "schema", "load", "convert", "gen"):
    rc, out, _ = run(cmd, "--help")
    check(cmd + " --help", rc == 0 and out.startswith("usage: fastdata " + cmd))
rc, out, err = run()
check("no command: usage, status 2", rc == 2 and "usage" in err)
rc, out, err = run("frobnicate")
check("unknown command", rc == 2 and "unknown command" in err)

rc, out, err = run("cat", "--columns", "c_string,id", "--limit", "3", PRIM)
rows = [json.loads(l) for l in out.splitlines()]
check("cat --columns keeps the order asked", rc == 0 and list(rows[0]) == ["c_string", "id"])
check("cat --limit 3", len(rows) == 3 and rows[2]["id"] == 2)
rc, out, err = run("cat", "--limit", "0", PRIM)
check("cat --limit 0 prints nothing", rc == 0 and out == "")

rc, out, err = run("cat", "--format", "csv", "--columns", "id,c_string,c_double,c_json", PRIM)
table = list(csv.reader(io.StringIO(out, newline="")))
check("csv header", table[0] == ["id", "c_string", "c_double", "c_json"])
check("csv rows parse back", len(table) == 1001 and all(len(r) == 4 for r in table), str(len(table)))
check("csv quotes embedded quotes and newlines", '"' in table[5][1] and "\n" in table[5][1], table[5][1][:40])
check("csv null is empty", table[4][2] == "" and table[4][0] == "3")

rc1, out1, _ = run("cat", "--threads", "1", PRIM)
rc2, out2, _ = run("cat", "--threads", "5", PRIM)
check("same output with 1 and 5 threads", rc1 == 0 and rc2 == 0 and out1 == out2)

for args, word in ((["cat", "--columns", "nope", PRIM], "nope"),
                   (["cat", DATA + "/no/such.parquet"], "no/such.parquet"),
                   (["cat", "--format", "xml", PRIM], "xml"),
                   (["cat", "--threads", "0", PRIM], "threads"),
                   (["cat", DATA + "/compare.py"], "not a Parquet file")):
    rc, out, err = run(*args)
    check("error: " + " ".join(args[:2]), rc == 1 and out == "" and err.startswith("fastdata: ")
          and word in err and err.count("\n") == 1, err)

rc, out, err = run("schema", PRIM)
check("schema shows counts", rc == 0 and "rows: 1000" in out and "row_groups: 1" in out)
check("schema shows types", "c_dec38_10" in out and "DECIMAL(38,10)" in out and "decimal128(38, 10)" in out
      and "SNAPPY" in out and "FIXED_LEN_BYTE_ARRAY(16)" in out)
rc, out, err = run("schema", DATA + "/generated/duckdb_nested_v1_snappy.parquet")
check("schema shows the nested tree", rc == 0 and "arrow schema:" in out
      and "  m_int_list: map\n    entries: struct not null\n      key: int32 not null" in out, out[-400:])
NESTED = DATA + "/generated/duckdb_nested_v1_snappy.parquet"
rc, out, err = run("cat", "--columns", "s_mixed.c.y,id", "--limit", "3", NESTED)
rows = [json.loads(l) for l in out.splitlines()]
check("cat projects into a struct", rc == 0 and list(rows[2]) == ["s_mixed", "id"]
      and rows[2]["s_mixed"] == {"c": {"y": [2]}}, out)
rc, out, err = run("cat", "--format", "csv", "--columns", "id,l_int", "--limit", "3", NESTED)
table = list(csv.reader(io.StringIO(out, newline="")))
check("csv prints nested values as JSON", table[1:] == [["0", ""], ["1", "[]"], ["2", "[null]"]], out)

tmp = tempfile.mkdtemp()


def write(name, text, mode="w"):
    path = os.path.join(tmp, name)
    with open(path, mode) as f:
        f.write(text)
    return path


# local files open on every core: a failure still names the first bad file in the order given
bad = [write("bad%d.parquet" % i, "not a Parquet file, %d, but long enough for a footer\n" % i)
       for i in (1, 2)]
rc, out, err = run("load", "--threads", "2", PRIM, bad[1], PRIM, PRIM, PRIM, bad[0])
check("load of many local files: the first failure in order", rc == 1 and "bad2.parquet" in err
      and "bad1" not in err and err.count("\n") == 1, err)

src = write("t.csv", 'id,name,score,ok,day,ts,note\n1,"a, b",1.5,true,2024-01-02,2024-01-02T03:04:05.5,\n'
            '2,"two\nlines ""q""",2,false,2024-02-29,2024-02-29 00:00:00,x\n3,,-3e5,TRUE,,,\n')
out = os.path.join(tmp, "t.parquet")
rc, _, err = run("convert", src, out, "--codec", "zstd")
rc2, text, _ = run("cat", out)
rc3, schema, _ = run("schema", out)
rows = [json.loads(l) for l in text.splitlines()]
check("convert CSV: RFC 4180 fields, nulls and inferred types", rc == 0 and rows == [
    {"id": 1, "name": "a, b", "score": 1.5, "ok": True, "day": "2024-01-02",
     "ts": "2024-01-02T03:04:05.500000", "note": None},
    {"id": 2, "name": 'two\nlines "q"', "score": 2.0, "ok": False, "day": "2024-02-29",
     "ts": "2024-02-29T00:00:00.000000", "note": "x"},
    {"id": 3, "name": None, "score": -300000.0, "ok": True, "day": None, "ts": None, "note": None}]
    and "id: int64" in schema and "day: date32" in schema and "ts: timestamp[us]" in schema, err + text)
rc, _, err = run("convert", src, out, "--schema", "id:int32,score:float32")
rc2, schema, _ = run("schema", out)
check("convert --schema declares types", rc == 0 and "id: int32" in schema and "score: float" in schema, err)
jl = write("t.jsonl", '{"a":1,"b":"x"}\n{"b":"y","c":2.5}\n\n{"a":null,"c":"NaN"}\n')
rc, _, err = run("convert", jl, out)
rc2, text, _ = run("cat", out)
check("convert JSONL: keys in first-seen order, missing keys null, NaN kept", rc == 0 and text ==
      '{"a":1,"b":"x","c":null}\n{"a":null,"b":"y","c":2.5}\n{"a":null,"b":null,"c":"NaN"}\n', err + text)
bad_cases = [
    ("ragged.csv", "a,b\n1,2\n3\n", [], "line 3", "1 fields, the header has 2"),
    ("badint.csv", "a,b\n1,2\n\"x\ny\",3\nz,4\n", ["--schema", "a:int64"], "line 3, column 'a'",
     "not a valid int64"),
    ("utf8.csv", b"a\nok\n\xff\xfe\n", [], "line 3, column 'a'", "invalid UTF-8"),
    ("bad.jsonl", '{"a":1}\n{"a":\n', [], "line 2", "not a JSON object"),
    ("quote.csv", 'a\n"open\n', [], "", "unterminated"),
    ("schema.csv", "a\n1\n", ["--schema", "a:int128"], "a:int128", "unknown type"),
]
for name, text, opts, where, why in bad_cases:
    path = write(name, text, "wb" if isinstance(text, bytes) else "w")
    target = os.path.join(tmp, "never.parquet")
    rc, o, err = run("convert", path, target, *opts)
    check("convert error: " + why, rc == 1 and err.startswith("fastdata: ") and where in err and
          why in err and err.count("\n") == 1 and name in err and not os.path.exists(target), err)

# the writer's paths (also run under the sanitizers): Parquet to Parquet, every codec, v1/v2
# pages, dictionary on/off, small pages and row groups, nulls in every type
cols = ("id,c_bool,c_int8,c_uint16,c_int32,c_uint64,c_float,c_double,c_dec4_2,c_dec18_3,"
        "c_dec38_10,c_date,c_time,c_ts_ms,c_ts_s,c_tstz,c_string,c_blob,c_uuid,c_json,c_lowcard_str")
_, want, _ = run("cat", "--columns", cols, PRIM)
for opts in (["--codec", "snappy"], ["--codec", "zstd", "--page-version", "2", "--dictionary", "off"],
             ["--codec", "gzip", "--page-size", "300", "--row-group-size", "64"],
             ["--codec", "brotli", "--page-version", "2", "--page-size", "1000"],
             ["--codec", "lz4_raw", "--statistics", "off"], ["--codec", "uncompressed"]):
    copy = os.path.join(tmp, "copy.parquet")
    rc, _, err = run("convert", PRIM, copy, "--columns", cols, *opts)
    rc2, got, err2 = run("cat", copy)
    check("convert Parquet %s: the same rows" % " ".join(opts), rc == 0 and got == want, err + err2)

enc = ["--encoding", "c_int32=delta_binary_packed", "--encoding", "c_uint64=delta_binary_packed",
       "--encoding", "c_float=byte_stream_split",
       "--encoding", "c_string=delta_byte_array", "--encoding", "c_blob=delta_length_byte_array",
       "--encoding", "c_uuid=byte_stream_split", "--page-size", "900"]
rc, _, err = run("convert", PRIM, copy, "--columns", cols, *enc)
rc2, got, err2 = run("cat", copy)
_, want, _ = run("cat", "--columns", cols, PRIM)
check("convert with DELTA_* and BYTE_STREAM_SPLIT encodings: the same rows", rc == 0 and got == want,
      err + err2)
rc, _, err = run("convert", PRIM, copy, "--columns", cols, "--encoding", "c_string=delta_binary_packed")
check("an encoding that does not fit the column: a clear error", rc == 1 and "c_string" in err, err)
_, want, _ = run("cat", NESTED)
for opts in (["--codec", "snappy"], ["--codec", "zstd", "--page-version", "2", "--page-size", "150"],
             ["--dictionary", "off", "--row-group-size", "7"]):
    copy = os.path.join(tmp, "nested.parquet")
    rc, _, err = run("convert", NESTED, copy, *opts)
    rc2, got, err2 = run("cat", copy)
    check("convert nested (lists, maps, structs) %s: the same rows" % " ".join(opts),
          rc == 0 and got == want, err + err2)

# fastdata sql: DuckDB's library from npm (scripts/install-duckdb.sh, run by make test)
query = "SELECT c_bool, count(*) AS n, sum(c_int32) AS s, max(c_string) AS m FROM t GROUP BY 1 ORDER BY 1"
rc, out, err = run("sql", PRIM, query)
groups = {}  # the same aggregate computed here from our own dump of the file
for line in run("cat", "--columns", "c_bool,c_int32,c_string", PRIM)[1].splitlines():
    row = json.loads(line)
    g = groups.setdefault(row["c_bool"], [0, 0, None])
    g[0] += 1
    g[1] += row["c_int32"] or 0
    if row["c_string"] is not None and (g[2] is None or row["c_string"] > g[2]):
        g[2] = row["c_string"]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["c_bool", "n", "s", "m"])
for key in (False, True, None):  # ORDER BY c_bool: NULLS LAST
    if key in groups:
        n, s, m = groups[key]
        w.writerow(["" if key is None else str(key).lower(), n, s, "" if m is None else m])
ref_csv = buf.getvalue()
check("sql: DuckDB over the loaded table gives DuckDB's own answer", rc == 0 and ref_csv is not None
      and out == ref_csv, err + out + str(ref_csv))
rc, out, err = run("sql", PRIM, "SELECT nope FROM t")
check("sql: a bad query is one line naming DuckDB's error", rc == 1 and "nope" in err and
      err.count("\n") == 1, err)
lone = os.path.join(tmp, "lone")
os.mkdir(lone)
import shutil
shutil.copy(FASTDATA, os.path.join(lone, "fastdata"))
p = subprocess.run([os.path.join(lone, "fastdata"), "sql", PRIM, "SELECT 1"], capture_output=True,
                   text=True, env={k: v for k, v in os.environ.items() if k not in ("FDATA_LIBDUCKDB", "LD_LIBRARY_PATH")})
check("sql without DuckDB's library says how to get it", p.returncode == 1 and
      "install-duckdb.sh" in p.stderr, p.stderr)

g1, g2 = os.path.join(tmp, "g1"), os.path.join(tmp, "g2")
rc1, _, err1 = run("gen", "ubiquant", g1, "--files", "2", "--rows-per-file", "100", "--seed", "7")
rc2, _, err2 = run("gen", "ubiquant", g2, "--files", "2", "--rows-per-file", "100", "--seed", "7")
check("gen writes the files", rc1 == 0 and rc2 == 0, err1 + err2)
same = rc1 == 0 and rc2 == 0 and all(
    open(os.path.join(g1, f), "rb").read() == open(os.path.join(g2, f), "rb").read()
    for f in ("part-00000.parquet", "part-00001.parquet"))
rc, text, _ = run("cat", "--columns", "row_id,time_id,investment_id", "--limit", "2",
                  os.path.join(g1, "part-00001.parquet"))
check("gen: the same seed gives the same bytes; row_id is time_id_investment_id", same and
      text == '{"row_id":"0_100","time_id":0,"investment_id":100}\n'
              '{"row_id":"0_101","time_id":0,"investment_id":101}\n', text)
rc, text, err = run("load", "--json", g1)
check("load of a local directory; nothing but the report when stderr is not a terminal",
      rc == 0 and json.loads(text)["rows"] == 200 and err == "", text + err)


def under_terminal(*args):
    """The command with stderr on a pseudo-terminal: (status, stdout, what the terminal
    showed, seconds taken)."""
    master, slave = pty.openpty()
    start = time.monotonic()
    p = subprocess.Popen([FASTDATA] + list(args), stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = b""
    while select.select([master], [], [], 60)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        shown += chunk
    out = p.communicate()[0]
    os.close(master)
    return p.returncode, out.decode(), shown.decode("utf-8", "replace"), time.monotonic() - start


bars = os.path.join(tmp, "bars")
run("gen", "ubiquant", bars, "--files", "6", "--rows-per-file", "20000")
rc, out, shown, seconds = under_terminal("load", "--threads", "1", bars)
draws = [d.split("\x1b[K")[0] for d in shown.split("\r") if d.startswith("[")]
check("load on a terminal: a bar with percent, rate, ETA and files, %d draws in %.2f s, the "
      "report on stdout" % (len(draws), seconds), rc == 0 and draws and
      draws[-1].startswith("[" + "#" * 30 + "] 100%") and "MB/s  ETA " in draws[-1] and
      draws[-1].endswith("6/6 files") and len(draws) <= 10 * seconds + 2 and
      "rows           120000" in out, repr(shown[-400:]) + out)

trace = os.path.join(tmp, "trace.json")
rc, out, _ = run("load", "--json", "--matrix", "f_1,f_2", "--trace", trace, bars)
events = json.load(open(trace))["traceEvents"] if rc == 0 else []
report = json.loads(out) if rc == 0 else {}
check("load --trace of local files: row groups as reported, matrix writes, lanes named",
      rc == 0 and sum(e["args"]["count"] for e in events if e["name"] == "row groups") ==
      report["row_groups"] and any(e["name"] == "matrix rows" or e["args"].get("into_matrix")
                                   for e in events if e["ph"] == "X") and
      {"main", "load: decode thread", "decode worker 0"} <=
      {e["args"]["name"] for e in events if e["name"] == "thread_name"}, out)
rc, out, err = run("cat", "--trace", trace, "--columns", "c_int64,c_string", PRIM)
events = json.load(open(trace))["traceEvents"] if rc == 0 else []
decoded = sorted(e["name"] for e in events if e.get("cat") == "decode")
groups = int(run("schema", PRIM)[1].split("row_groups: ")[1].split()[0])
check("cat --trace: a decode span per column chunk read", rc == 0 and
      decoded == ["c_int64"] * groups + ["c_string"] * groups, err + repr(decoded))
rc, _, err = run("load", "--trace", "/nonexistent-dir/t.json", PRIM)
check("--trace to a path that cannot be written: one clear error", rc == 1 and
      err.startswith("fastdata: /nonexistent-dir/t.json: cannot write the trace") and
      err.count("\n") == 1, err)


def read_npy(path):
    """A .npy file (version 1.0) as (header dict, raw element bytes), standard library only."""
    data = open(path, "rb").read()
    n = struct.unpack("<H", data[8:10])[0]
    return ast.literal_eval(data[10:10 + n].decode()), data[10 + n:], (10 + n) % 64


# the feature matrix, written by the decoders, as NumPy's .npy: the values `cat` prints
cols = ["c_int32", "c_double"]
want = [[math.nan if r[c] is None else float(r[c]) for c in cols]
        for r in map(json.loads, run("cat", "--columns", ",".join(cols), PRIM)[1].splitlines())]
for dtype, order, fmt in (("float64", "C", "d"), ("float32", "F", "f")):
    out = os.path.join(tmp, "m-%s-%s.npy" % (dtype, order))
    rc, text, err = run("load", "--json", "--matrix", ",".join(cols), "--matrix-dtype", dtype,
                        "--matrix-order", order, "--matrix-out", out, PRIM)
    head, raw, pad = read_npy(out) if rc == 0 else ({}, b"", 1)
    flat = struct.unpack("<%d%s" % (len(raw) // struct.calcsize(fmt), fmt), raw)
    got = [[flat[i * 2 + j] if order == "C" else flat[j * len(want) + i] for j in range(2)]
           for i in range(len(flat) // 2)]
    expect = [[struct.unpack(fmt, struct.pack(fmt, v))[0] for v in row] for row in want]
    same = len(got) == len(expect) == 1000 and all(
        (math.isnan(a) and math.isnan(b)) or a == b
        for r1, r2 in zip(got, expect) for a, b in zip(r1, r2))
    check("load --matrix %s %s-order --matrix-out: a .npy with the rows cat prints (nulls NaN)" % (
        dtype, order), rc == 0 and same and pad == 0 and head.get("shape") == (1000, 2) and
        head.get("fortran_order") == (order == "F") and
        head.get("descr") == ("<f8" if dtype == "float64" else "<f4") and
        json.loads(text).get("matrix_columns") == 2, err + text)
rc, _, err = run("load", "--matrix", "c_string", PRIM)
check("load --matrix of a string column: one clear error naming it", rc == 1 and "c_string" in err and
      err.count("\n") == 1, err)
rc, _, err = run("load", "--matrix-out", os.path.join(tmp, "x.npy"), PRIM)
check("--matrix-out without --matrix: a clear error, no file", rc == 1 and "--matrix" in err and
      not os.path.exists(os.path.join(tmp, "x.npy")), err)

print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
