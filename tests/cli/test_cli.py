#!/usr/bin/env python3
"""The CLI's contract: --help for each command, exit codes, one-line errors, --columns,
--limit, --format csv (RFC 4180, checked with Python's csv reader), --threads, schema output.
usage: test_cli.py FASTDATA DATA_DIR"""
import csv
import io
import json
import subprocess
import sys

FASTDATA, DATA = sys.argv[1], sys.argv[2]
PRIM = DATA + "/generated/duckdb_prim_v1_snappy.parquet"
results = []


def run(*args):
    p = subprocess.run([FASTDATA] + list(args), capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def check(name, cond, detail=""):
    results.append(cond)
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else detail))


for cmd in ("cat", "schema"):
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

print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
