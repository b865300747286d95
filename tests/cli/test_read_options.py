#!/usr/bin/env python3
"""How values are read: --invalid-utf8, --int96-unit and --strings on cat, schema and load, over the
real writers' files of tests/data/parquet/real (DuckDB's invalid_utf8_*, Impala's INT96
dates outside 1677-2262).  Expected values are those pyarrow and DuckDB return.

usage: test_read_options.py FASTDATA DATA_DIR
"""
import json
import os
import subprocess
import sys

failures = 0


def check(name, cond, detail=""):
    global failures
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, "" if cond else ": " + detail))
    failures += not cond


def run(*args):
    p = subprocess.run(list(args), capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def rows(text):
    return [json.loads(line) for line in text.splitlines()]


def main():
    fastdata, data = sys.argv[1], sys.argv[2]
    real = lambda name: os.path.join(data, "real", name)  # noqa: E731

    # invalid UTF-8: an error naming column, row and byte by default, in every encoding
    for enc in ("dba", "dictionary", "dlba"):
        path = real("duckdb_invalid_utf8_%s.parquet" % enc)
        rc, out, err = run(fastdata, "cat", path)
        check("invalid utf8 %s: error" % enc,
              rc == 1 and out == "" and err.count("\n") == 1 and "column 'X1'" in err
              and "invalid UTF-8 in row 0, byte 4 of the value" in err, err)
        rc, out, err = run(fastdata, "cat", "--invalid-utf8", "binary", path)
        check("invalid utf8 %s: binary" % enc,
              rc == 0 and rows(out) == [{"X1": "VFJFTMM="}, {"X1": "aGVsbG8gd29ybGQ="}], out + err)
        rc, out, err = run(fastdata, "cat", "--invalid-utf8", "replace", path)
        check("invalid utf8 %s: replace" % enc,
              rc == 0 and rows(out) == [{"X1": "TREL\ufffd"}, {"X1": "hello world"}], out + err)
        rc, out, err = run(fastdata, "load", "--invalid-utf8", "replace", path)
        check("invalid utf8 %s: load replace" % enc, rc == 0, err)
        rc, out, err = run(fastdata, "load", path)
        check("invalid utf8 %s: load error" % enc, rc == 1 and "invalid UTF-8" in err, err)
    rc, out, err = run(fastdata, "schema", "--invalid-utf8", "binary",
                       real("duckdb_invalid_utf8_dba.parquet"))
    check("schema --invalid-utf8 binary", rc == 0 and "  X1: binary" in out, out + err)
    rc, out, err = run(fastdata, "cat", "--invalid-utf8", "drop", real("duckdb_invalid_utf8_dba.parquet"))
    check("--invalid-utf8 bad value", rc != 0 and "error, binary or replace" in err, err)

    # INT96: microseconds by default (years 1399..10000 load), ns refuses them, s/ms/us read
    path = real("impala_out_of_range_timestamp.parquet")
    want = ["1399-12-31T00:00:00", "1400-01-01T00:00:00", "9999-12-31T00:00:00",
            "+10000-01-01T00:00:00"]
    rc, out, err = run(fastdata, "cat", path)
    check("int96 default us", rc == 0 and [r["ts"] for r in rows(out)] == [w + ".000000" for w in want],
          out + err)
    for unit, frac in (("s", ""), ("ms", ".000"), ("us", ".000000")):
        rc, out, err = run(fastdata, "cat", "--int96-unit", unit, path)
        check("int96 --int96-unit %s" % unit,
              rc == 0 and [r["ts"] for r in rows(out)] == [w + frac for w in want], out + err)
    rc, out, err = run(fastdata, "cat", "--int96-unit", "ns", path)
    check("int96 --int96-unit ns refuses year 1399",
          rc == 1 and out == "" and "outside the range of timestamp[ns]" in err, err)
    rc, out, err = run(fastdata, "schema", "--int96-unit", "ms", path)
    check("schema --int96-unit ms", rc == 0 and "  ts: timestamp[ms]" in out, out + err)
    rc, out, err = run(fastdata, "load", "--int96-unit", "ns", path)
    check("load --int96-unit ns refuses", rc == 1 and "timestamp[ns]" in err, err)
    rc, out, err = run(fastdata, "cat", "--int96-unit", "h", path)
    check("--int96-unit bad value", rc != 0 and "s, ms, us or ns" in err, err)

    # DECIMAL wider than 76 digits: the reason, not "annotation not valid"
    rc, out, err = run(fastdata, "cat", real("duckdb_bigdecimal.parquet"))
    check("decimal(77) refused with its reason",
          rc == 1 and "DECIMAL(77,38) exceeds the 76 digits" in err, err)
    # DECIMAL with a precision and no scale: scale 0, as pyarrow
    rc, out, err = run(fastdata, "schema", real("impala_no_scale.parquet"))
    check("decimal without scale is decimal128(p, 0)", rc == 0 and "decimal128(" in out
          and ", 0)" in out, out + err)
    check_strings(fastdata, data)
    return 1 if failures else 0


def check_strings(fastdata, data):
    """--strings view and dictionary print what plain prints, errors included, over other
    writers' files: dictionary and plain pages, a chunk falling back to plain midway (pyarrow),
    nulls, several row groups, DELTA encodings, invalid UTF-8 in each --invalid-utf8 mode."""
    files = [os.path.join(data, "generated", f + ".parquet") for f in (
        "duckdb_prim_v1_snappy", "duckdb_prim_v2_nodict_zstd", "duckdb_rowgroups_v1_lz4_raw",
        "hyparquet_flat_v2_snappy", "arrowrs_prim_v2_delta_lz4_raw", "duckdb_allnull_v1_snappy")]
    files.append(os.path.join(data, "..", "strings", "pyarrow_dictionary_fallback.parquet"))
    runs = [(f, []) for f in files] + [(f, ["--format", "csv"]) for f in files[-1:]]
    for enc in ("dba", "dictionary", "dlba"):
        path = os.path.join(data, "real", "duckdb_invalid_utf8_%s.parquet" % enc)
        runs += [(path, []), (path, ["--invalid-utf8", "replace"]),
                 (path, ["--invalid-utf8", "binary"])]
    for path, extra in runs:
        plain = run(fastdata, "cat", path, "--strings", "plain", *extra)
        for layout in ("view", "dictionary"):
            got = run(fastdata, "cat", path, "--strings", layout, *extra)
            check("--strings %s %s %s" % (layout, os.path.basename(path), " ".join(extra)),
                  got == plain and (plain[0] == 1 or plain[1] != ""), got[2][:300])
    rc, out, err = run(fastdata, "cat", files[0], "--strings", "views")
    check("--strings bad value", rc != 0 and "plain, view or dictionary" in err, err)


if __name__ == "__main__":
    sys.exit(main())
