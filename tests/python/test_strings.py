#!/usr/bin/env python3
"""strings="view" and "dictionary" (--strings): the same values as the plain layout, valid Arrow.

Files from other writers: the corpus's DuckDB, arrow-rs and hyparquet files and its invalid
UTF-8 files (tests/data/parquet), plus files pyarrow and DuckDB write here: dictionary and
plain strings, nulls, values of at most 12 bytes and longer ones, several row groups and
files, and a chunk whose dictionary overflows so that it falls back to plain pages midway.
For each: pyarrow validates the exported arrays in full and their values equal the plain
layout's and pyarrow's own read; Polars and DuckDB take the table through its C stream; and
`fastdata cat` prints the same text in the three layouts.
usage: test_strings.py DATA_DIR FASTDATA_CLI"""
import os
import subprocess
import sys
import tempfile

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import fastdata

DATA, CLI = sys.argv[1], sys.argv[2]
GEN = os.path.join(DATA, "generated")
REAL = os.path.join(DATA, "real")
LAYOUTS = ("plain", "view", "dictionary")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def write_files(tmp):
    """pyarrow- and DuckDB-written files; returns their paths and the folder of two files."""
    n = 30000
    words = ["a", "bb", "twelve bytes", "thirteen byte", "a value far longer than twelve bytes"]
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "low": pa.array([None if i % 7 == 0 else words[i % 5] for i in range(n)]),
        "long": pa.array([None if i % 11 == 0 else "row %d of a longer text value" % i
                          for i in range(n)]),
        "req": pa.array(["é%d" % (i % 300) for i in range(n)]),
    })
    paths = {}
    paths["pyarrow_dict"] = os.path.join(tmp, "pyarrow_dict.parquet")
    pq.write_table(table, paths["pyarrow_dict"], row_group_size=7000)
    # A dictionary page limit this small makes pyarrow fall back to plain pages mid-chunk.
    paths["pyarrow_fallback"] = os.path.join(tmp, "pyarrow_fallback.parquet")
    pq.write_table(table, paths["pyarrow_fallback"], row_group_size=20000,
                   dictionary_pagesize_limit=2048, data_page_size=1024, data_page_version="2.0")
    paths["pyarrow_plain"] = os.path.join(tmp, "pyarrow_plain.parquet")
    pq.write_table(table, paths["pyarrow_plain"], use_dictionary=False, compression="zstd")
    paths["duckdb"] = os.path.join(tmp, "duckdb.parquet")
    duckdb.sql("COPY (SELECT i AS id, CASE WHEN i %% 9 = 0 THEN NULL ELSE 'w' || (i %% 40) END "
               "AS low, repeat('x', (i %% 30)::INT) || i AS long FROM range(50000) t(i)) TO '%s' "
               "(FORMAT parquet, ROW_GROUP_SIZE 12000)" % paths["duckdb"])
    folder = os.path.join(tmp, "two_files")
    os.mkdir(folder)
    pq.write_table(table.slice(0, 10000), os.path.join(folder, "part0.parquet"))
    pq.write_table(table.slice(10000), os.path.join(folder, "part1.parquet"),
                   use_dictionary=False)
    paths["two_files"] = folder
    return paths


def string_fields(src, schema):
    """The flat STRING columns (pyarrow reads them as string), utf8 or binary in `schema`."""
    first = src if os.path.isfile(src) else os.path.join(src, sorted(os.listdir(src))[0])
    ref = pq.read_schema(first)
    return [f.name for f in schema if (pa.types.is_string(f.type) or pa.types.is_binary(f.type))
            and pa.types.is_string(ref.field(f.name).type)]


def as_polars(table):
    df = pl.DataFrame(table)
    return df.with_columns(pl.col(pl.Categorical).cast(pl.String))


def check_source(name, src, **kw):
    plain = fastdata.load(src, **kw).to_arrow()
    names = string_fields(src, plain.schema)
    check(names, "%s: no string column" % name)
    for layout in LAYOUTS[1:]:
        t = fastdata.load(src, strings=layout, **kw)
        got = t.to_arrow()
        for col in names:
            c = got.column(col)
            for chunk in c.chunks:
                chunk.validate(full=True)
            want_type = (pa.string_view() if layout == "view" else
                         pa.dictionary(pa.int32(), pa.string()))
            if pa.types.is_binary(plain.schema.field(col).type):
                want_type = (pa.binary_view() if layout == "view" else
                             pa.dictionary(pa.int32(), pa.binary()))
            check(c.type == want_type, "%s %s %s: type %s" % (name, layout, col, c.type))
            check(c.cast(plain.schema.field(col).type).equals(plain.column(col)),
                  "%s %s %s: values differ from plain" % (name, layout, col))
        # through the C stream (share.c's views of the batches)
        check(as_polars(t.select(names)).equals(as_polars(plain.select(names))),
              "%s %s: Polars values" % (name, layout))
        rel = duckdb.from_arrow(t.select(names))
        q = "SELECT count(*), " + ", ".join('count(DISTINCT "%s"), min("%s"), max("%s")'
                                             % (c, c, c) for c in names) + " FROM rel"
        prel = duckdb.from_arrow(plain.select(names))
        check(duckdb.sql(q).fetchall() == duckdb.sql(q.replace("FROM rel", "FROM prel")).fetchall(),
              "%s %s: DuckDB aggregates" % (name, layout))
    return plain


def cat(path, layout, *extra):
    r = subprocess.run([CLI, "cat", path, "--strings", layout, *extra], capture_output=True)
    return r.returncode, r.stdout, r.stderr


def check_cat(name, path, *extra):
    outs = [cat(path, layout, *extra) for layout in LAYOUTS]
    for layout, out in zip(LAYOUTS[1:], outs[1:]):
        check(out[:2] == outs[0][:2], "%s %s: cat output differs from plain" % (name, layout))
        if outs[0][0]:
            check(out[2] == outs[0][2], "%s %s: cat error differs" % (name, layout))


with tempfile.TemporaryDirectory() as tmp:
    files = write_files(tmp)
    for name, path in sorted(files.items()):
        plain = check_source(name, path)
        if os.path.isfile(path):
            ref = pq.read_table(path)
            for col in string_fields(path, plain.schema):
                check(ref.column(col).equals(plain.column(col)), "%s %s: plain differs from "
                      "pyarrow's read" % (name, col))
            check_cat(name, path)
            check_cat(name, path, "--format", "csv")
for f in ("duckdb_prim_v1_snappy", "duckdb_prim_v2_nodict_zstd", "duckdb_rowgroups_v2_gzip",
          "hyparquet_flat_v2_snappy", "arrowrs_prim_v2_delta_lz4_raw", "duckdb_allnull_v1_snappy"):
    path = os.path.join(GEN, f + ".parquet")
    check_source(f, path)
    check_cat(f, path)
# Invalid UTF-8 (in dictionaries, DELTA_BYTE_ARRAY and DELTA_LENGTH pages): each handling the
# same whatever the layout: the same error, the same replaced or binary values.
for f in ("duckdb_invalid_utf8_dictionary", "duckdb_invalid_utf8_dba", "duckdb_invalid_utf8_dlba"):
    path = os.path.join(REAL, f + ".parquet")
    for mode in ("replace", "binary"):
        check_source(f + " " + mode, path, invalid_utf8=mode)
        check_cat(f + " " + mode, path, "--invalid-utf8", mode)
    check_cat(f + " error", path)
    check(cat(path, "view")[0] == 1, f + ": invalid UTF-8 read as a string_view")
    for layout in LAYOUTS:
        try:
            fastdata.load(path, strings=layout)
            check(False, "%s %s: no error" % (f, layout))
        except fastdata.Error as e:
            check("invalid UTF-8" in str(e), "%s %s: %s" % (f, layout, e))
try:
    fastdata.load(files_path := os.path.join(GEN, "duckdb_prim_v1_snappy.parquet"), strings="views")
    check(False, "strings='views' accepted")
except ValueError:
    pass
check(cat(files_path, "views")[0] == 1, "--strings views accepted")

print("%d failure(s)" % len(failures) if failures else "ok")
sys.exit(1 if failures else 0)
