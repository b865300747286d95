#!/usr/bin/env python3
"""Data lakes as other engines write them, loaded by fdata_load: Hive-partitioned datasets
written by pyarrow (write_dataset), DuckDB (COPY ... PARTITION_BY), Polars (write_parquet
partition_by) and a Spark-style layout (_SUCCESS, .crc files, _temporary/,
__HIVE_DEFAULT_PARTITION__, URL-escaped timestamps) give the rows (sorted) of
pyarrow.dataset and of DuckDB's read_parquet(hive_partitioning=1, union_by_name=1); mixed
partition keys and bad partition types fail before any data moves, naming the paths.
Schema drift across writes (union by name, widened types, --schema first). Filters
(--filter, filters=): on partition columns the files not selected are never read; on the
files' columns the rows equal DuckDB's WHERE with the same text (NaN, nulls, non-ASCII,
int64 extremes, nested tables); bad filters fail clearly.
With --s3 BUCKET the same datasets are put on the S3 server (settings from the environment)
and loaded from there.
usage: test_datasets.py LOAD_DUMP FASTDATA [--s3 BUCKET]"""
import datetime
import decimal
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

LOAD_DUMP, FASTDATA = sys.argv[1:3]
BUCKET = sys.argv[sys.argv.index("--s3") + 1] if "--s3" in sys.argv else None
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else str(detail)[:1500]),
          flush=True)


def canon(v):
    """One text form for a value whatever its type (pyarrow infers int32 and strings where we
    infer int64, dates and timestamps)."""
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return repr(float(v))  # JSON's 3 and DuckDB's 3.0 alike
    if v in ("NaN", "Infinity", "-Infinity"):  # how the JSONL dump writes them
        return repr(float(v))
    if isinstance(v, datetime.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (datetime.date, decimal.Decimal)):
        return str(v)
    if isinstance(v, str) and re.match(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?$", v):
        return datetime.datetime.fromisoformat(v).isoformat(sep=" ")
    return str(v)


def deep(v):
    """canon() inside structs, lists and maps (a map as DuckDB gives it: a dict; as our dump
    and pyarrow give it: a list of key/value pairs)."""
    if isinstance(v, list) and v and all(isinstance(e, dict) and set(e) == {"key", "value"}
                                         for e in v):
        v = {e["key"]: e["value"] for e in v}
    if isinstance(v, list) and v and all(isinstance(e, tuple) and len(e) == 2 for e in v):
        v = dict(v)
    if v == {}:  # an empty map (no struct is empty)
        return "[]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (k, deep(x)) for k, x in sorted(v.items())) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(str(deep(x)) for x in v) + "]"
    return canon(v)


def rows_of(dicts):
    return sorted((tuple(sorted((k, deep(v)) for k, v in d.items())) for d in dicts),
                  key=repr)


def ours(*args):
    p = subprocess.run([LOAD_DUMP] + list(args), capture_output=True, env=os.environ)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        return None, err
    return rows_of(json.loads(line) for line in p.stdout.decode().splitlines()), err


def pyarrow_rows(root, columns=None):
    return rows_of(ds.dataset(root, format="parquet", partitioning="hive")
                   .to_table(columns=columns).to_pylist())


def data_files(root):
    """The files below root that Spark and pyarrow read: none with a segment starting '_' or
    '.' (DuckDB's globs would take _temporary/ too)."""
    return sorted(os.path.join(d, n) for d, dirs, names in os.walk(root) for n in names
                  if not any(s[0] in "_." for s in os.path.relpath(os.path.join(d, n), root)
                             .split(os.sep)))


def duckdb_rows(root, columns=None, where=None):
    rel = duckdb.sql("SELECT %s FROM read_parquet(%r, hive_partitioning=1, union_by_name=1)%s"
                     % (", ".join(columns) if columns else "*", data_files(root),
                        " WHERE " + where if where else ""))
    names = [d[0] for d in rel.description]
    return rows_of(dict(zip(names, r)) for r in rel.fetchall())


def write_pyarrow(root):
    t = pa.table({"x": list(range(24)), "s": ["a b/c", "é ü", None, "z"] * 6,
                  "year": [2023, 2024, None] * 8,
                  "day": ["2024-01-01", "2024-02-29", "x y/z", "a=b%"] * 6})
    ds.write_dataset(t, root, format="parquet", partitioning=["year", "day"],
                     partitioning_flavor="hive", max_rows_per_group=4)


def write_duckdb(root):
    duckdb.sql("COPY (SELECT i AS x, CASE WHEN i %% 3 = 0 THEN NULL ELSE 'r' || (i %% 3) END "
               "AS region, DATE '2024-01-01' + (i %% 2)::INT AS dt, i * 0.5 AS v FROM range(50) "
               "t(i)) TO '%s' (FORMAT parquet, PARTITION_BY (region, dt))" % root)


def write_polars(root):
    pl.DataFrame({"x": list(range(30)), "k": [i % 3 for i in range(30)],
                  "s": ["a b", "c/d", "e"] * 10}).write_parquet(root, partition_by=["k"])


def write_spark(root):
    """As Spark's partitionBy leaves it: part files with .crc siblings, _SUCCESS, a
    _temporary/ folder, nulls as __HIVE_DEFAULT_PARTITION__ and ':' escaped as %3A."""
    parts = [("1.5", "2024-01-01 10%3A00%3A00"), ("2.25", "2024-01-02 11%3A30%3A00"),
             ("__HIVE_DEFAULT_PARTITION__", "2024-01-02 11%3A30%3A00.250000")]
    for n, (f, ts) in enumerate(parts):
        d = os.path.join(root, "f=%s" % f, "ts=%s" % ts)
        os.makedirs(d)
        name = "part-%05d-0b1c.c000.snappy.parquet" % n
        pq.write_table(pa.table({"id": [n * 10 + i for i in range(5)],
                                 "name": ["n%d" % i for i in range(5)]}), os.path.join(d, name))
        with open(os.path.join(d, ".%s.crc" % name), "wb") as fh:
            fh.write(b"crc\x00\x01")
    open(os.path.join(root, "_SUCCESS"), "w").close()
    os.makedirs(os.path.join(root, "_temporary", "0"))
    with open(os.path.join(root, "_temporary", "0", "part-9.parquet"), "wb") as fh:
        fh.write(b"half written")


def write_drift(root):
    """One table written three times as its schema drifted (pyarrow): widened ints, floats,
    time units and strings, a column dropped, columns added, columns in another order."""
    w1 = pa.table({"id": pa.array([1, 2, 3], pa.int32()),
                   "v": pa.array([0.5, 1.5, None], pa.float32()), "s": ["a", "b", None],
                   "d": [datetime.date(2024, 1, 1)] * 3,
                   "ts": pa.array([datetime.datetime(2024, 1, 1, 10, 0, 0, 123000)] * 3,
                                  pa.timestamp("ms"))})
    w2 = pa.table({"ts": pa.array([datetime.datetime(2024, 1, 2, 0, 0, 0, 456789)] * 2,
                                  pa.timestamp("us")),
                   "id": pa.array([4, 5], pa.int64()), "s": pa.array(["c", "é"], pa.large_string()),
                   "v": pa.array([2.25, 3.0], pa.float64()), "extra": pa.array([7, None], pa.int16())})
    w3 = pa.table({"s": ["d"], "id": pa.array([-6], pa.int8()), "u": pa.array([200], pa.uint8())})
    for n, t in enumerate([w1, w2, w3]):
        os.makedirs(os.path.join(root, "batch=%d" % n))
        pq.write_table(t, os.path.join(root, "batch=%d" % n, "part-0.parquet"))


def write_nested_drift(root):
    """Struct, list and map columns whose types drifted across three pyarrow writes: struct
    fields gained, lost and reordered, ints widened inside a struct, a list, a list of
    structs and a map's values, a struct inside a struct gaining a field, columns missing."""
    s1 = pa.struct([("a", pa.int32()), ("b", pa.string()), ("in", pa.struct([("x", pa.int16())]))])
    s2 = pa.struct([("c", pa.float32()), ("a", pa.int64()),
                    ("in", pa.struct([("y", pa.string()), ("x", pa.int64())]))])
    e1 = pa.list_(pa.struct([("p", pa.int32())]))
    e2 = pa.list_(pa.struct([("q", pa.string()), ("p", pa.int64())]))
    writes = [
        pa.table({"id": pa.array([1, 2, 3], pa.int32()),
                  "s": pa.array([{"a": 1, "b": "x", "in": {"x": 7}}, None,
                                 {"a": None, "b": "é", "in": None}], s1),
                  "l": pa.array([[1, 2], None, [None, 3]], pa.list_(pa.int32())),
                  "ls": pa.array([[{"p": 1}], [], None], e1),
                  "m": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int32()))}),
        pa.table({"s": pa.array([{"c": 1.5, "a": 2 ** 40, "in": {"y": "z", "x": -(2 ** 40)}},
                                 {"c": None, "a": -3, "in": None}], s2),
                  "id": pa.array([4, 2 ** 35], pa.int64()),
                  "l": pa.array([[2 ** 40], []], pa.list_(pa.int64())),
                  "ls": pa.array([[{"q": "w", "p": 2 ** 33}], [{"q": None, "p": None}]], e2),
                  "m": pa.array([[("k", 2 ** 40), ("j", None)], None],
                                pa.map_(pa.string(), pa.int64())),
                  "extra": ["p", None]}),
        pa.table({"l": pa.array([[9]], pa.list_(pa.int16())), "id": pa.array([-9], pa.int8())}),
    ]
    for n, t in enumerate(writes):
        os.makedirs(os.path.join(root, "batch=%d" % n))
        pq.write_table(t, os.path.join(root, "batch=%d" % n, "part-0.parquet"))


def put(root, prefix):
    """Every file below root to prefix + its relative key (as written, %XX and all)."""
    for d, _, names in os.walk(root):
        for n in names:
            path = os.path.join(d, n)
            key = os.path.relpath(path, root)
            p = subprocess.run([FASTDATA, "put", path, prefix + key], capture_output=True)
            if p.returncode:
                raise RuntimeError("put %s: %s" % (key, p.stderr.decode()))


def source(root, name):
    if not BUCKET:
        return root
    prefix = "s3://%s/lakes/%s/" % (BUCKET, name)
    put(root, prefix)
    return prefix


def main(tmp):
    where = "from S3" if BUCKET else "locally"
    for name, write, columns in [("pyarrow", write_pyarrow, ["day", "x", "year"]),
                                 ("duckdb", write_duckdb, ["dt", "v", "region"]),
                                 ("polars", write_polars, ["s", "x"]),
                                 ("spark", write_spark, ["ts", "name", "f", "id"]),
                                 ("drift", write_drift, ["extra", "batch", "id", "d"]),
                                 ("nested_drift", write_nested_drift, ["m", "batch", "s", "ls"])]:
        root = os.path.join(tmp, name)
        write(root)
        src = source(root, name)
        got, err = ours(src)
        want = duckdb_rows(root)
        check("%s dataset %s equals DuckDB's hive read" % (name, where), got == want,
              (err, (got or [])[:3], want[:3]))
        # pyarrow cannot merge Polars' k (int64 in the files) with its folders', and takes
        # the first file's schema where DuckDB and we take the union
        if name not in ("polars", "drift", "nested_drift"):
            check("%s dataset %s equals pyarrow.dataset's" % (name, where),
                  got == pyarrow_rows(root), (got or [])[:3])
        got, err = ours("--columns", ",".join(columns), src)
        check("%s dataset %s: partition columns placed by --columns %s" % (name, where, columns),
              got == duckdb_rows(root, columns), (err, (got or [])[:3]))
    nested_drift_tests(tmp)
    filter_tests(tmp)
    # types: inferred over all values, or given
    spark = source(os.path.join(tmp, "spark"), "spark")
    p = subprocess.run([FASTDATA, "load", "--json", spark], capture_output=True, text=True)
    check("fastdata load of the Spark layout (4 columns, 15 rows)", p.returncode == 0 and
          json.loads(p.stdout)["columns"] == 4 and json.loads(p.stdout)["rows"] == 15, p.stderr)
    got, err = ours("--partition-types", "f:string", spark)  # load_dump passes it on
    check("partition types given: f as string keeps its text", got is not None and
          any(("f", "2.25") in r for r in got), err)
    f = "region IS NOT NULL AND dt = DATE '2024-01-02'"
    p = subprocess.run([FASTDATA, "cat", source(os.path.join(tmp, "duckdb"), "duckdb"),
                        "--filter", f, "--columns", "x,dt"], capture_output=True)
    got = rows_of(json.loads(line) for line in p.stdout.decode().splitlines()) if not p.returncode else None
    check("fastdata cat of a dataset with --filter and --columns",
          got == duckdb_rows(os.path.join(tmp, "duckdb"), ["x", "dt"], f), p.stderr)
    if not BUCKET:
        in_place_tests(tmp)
        typed_tests(tmp)
        drift_tests(tmp)
        error_tests(tmp)


def nested_drift_tests(tmp):
    """The nested drift dataset through struct paths, cat, sql and fastdata.load, locally or
    from S3: DuckDB's union_by_name rows; the union's nested types."""
    root = os.path.join(tmp, "nested_drift")
    src = source(root, "nested_drift")  # put already by main (same keys)
    got, err = ours("--columns", "s.a,s.in.x,id", src)
    want = duckdb_rows(root, ["CASE WHEN s IS NULL THEN NULL ELSE {'a': s.a, 'in': CASE WHEN "
                              "s.in IS NULL THEN NULL ELSE {'x': s.in.x} END} END AS s", "id"])
    check("nested drift %s: --columns s.a,s.in.x (struct paths, one file has no s)" % src,
          got == want, (err, (got or [])[:4], want[:4]))
    p = subprocess.run([FASTDATA, "cat", src], capture_output=True)
    got = rows_of(json.loads(line) for line in p.stdout.decode().splitlines()) if not p.returncode else None
    check("nested drift: fastdata cat equals DuckDB's union_by_name", got == duckdb_rows(root),
          p.stderr[-300:])
    if not os.environ.get("TSAN_OPTIONS"):  # (DuckDB's threads are not instrumented)
        sql_check(root, src)
    try:
        import fastdata
    except ImportError:
        return
    t = pa.table(fastdata.load(src))
    st = t.schema.field("s").type
    check("nested drift: fastdata.load's union types (struct fields by name, ints widened)",
          [(f.name, f.type) for f in st] == [
              ("a", pa.int64()), ("b", pa.string()),
              ("in", pa.struct([("x", pa.int64()), ("y", pa.string())])), ("c", pa.float32())]
          and t.schema.field("l").type.value_type == pa.int64()
          and t.schema.field("ls").type.value_type == pa.struct([("p", pa.int64()),
                                                                 ("q", pa.string())])
          and t.schema.field("m").type.item_type == pa.int64()
          and t.schema.field("id").type == pa.int64(), t.schema)
    check("nested drift: fastdata.load's rows equal DuckDB's", rows_of(t.to_pylist()) ==
          duckdb_rows(root), rows_of(t.to_pylist())[:3])


def sql_check(root, src):
    """fastdata sql over the nested drift dataset: DuckDB's own answer over the files."""
    q = "SELECT sum(s.a) AS a, sum(s.in.x) AS x, count(s.c) AS c, sum(len(l)) AS n FROM t"
    # (DuckDB's Arrow scan leaks the schemas it asks for: the cli tests' suppressions)
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lsan-duckdb.supp")
    p = subprocess.run([FASTDATA, "sql", src, q], capture_output=True, env=dict(
        os.environ, LSAN_OPTIONS="suppressions=%s:print_suppressions=0" % supp))
    want = duckdb.sql(q.replace("FROM t", "FROM read_parquet(%r, union_by_name=1)" %
                                data_files(root))).fetchall()[0]
    lines = p.stdout.decode().splitlines()
    got = [float(v) for v in lines[1].split(",")] if not p.returncode and len(lines) == 2 else None
    check("nested drift: fastdata sql over nested fields equals DuckDB's",
          got == [float(v) for v in want], (p.stderr[-300:], lines, want))


def in_place_tests(tmp):
    """v1 pages of optional fixed-width columns, compressed, decompressed in place with their
    definition levels expected in front (column.c levels_front): pages without nulls (the
    guess right), with nulls (wrong: the values move), a chunk's first page in the slab's
    porch or a buffer of its own (cat), later ones over the previous rows (put back)."""
    n = 20000
    t = pa.table({
        "dense": pa.array([i * 3 for i in range(n)], pa.int64()),
        "sparse": pa.array([None if i % 997 == 0 else i * 0.5 for i in range(n)], pa.float64()),
        "front": pa.array([None if i < 700 else float(i) for i in range(n)], pa.float32()),
        "tail": pa.array([None if i > n - 300 else i for i in range(n)], pa.int32()),
        "req": pa.array(range(n), pa.int64()),
    }, schema=pa.schema([pa.field("dense", pa.int64()), pa.field("sparse", pa.float64()),
                         pa.field("front", pa.float32()), pa.field("tail", pa.int32()),
                         pa.field("req", pa.int64(), nullable=False)]))
    for codec in ("snappy", "zstd"):
        root = os.path.join(tmp, "in_place_" + codec)
        os.makedirs(root)
        path = os.path.join(root, "t.parquet")
        pq.write_table(t, path, compression=codec, use_dictionary=False, data_page_size=4096,
                       data_page_version="1.0", row_group_size=7000)
        want = pyarrow_rows(root)
        got, err = ours(root)
        check("in-place v1 pages (%s): load equals pyarrow" % codec, got == want,
              (err, (got or [])[:3]))
        p = subprocess.run([FASTDATA, "cat", path], capture_output=True)
        got = rows_of(json.loads(line) for line in p.stdout.decode().splitlines()) if not p.returncode else None
        check("in-place v1 pages (%s): cat equals pyarrow" % codec, got == want, p.stderr[:300])
        got, err = ours("--columns", "front,tail", root)
        check("in-place v1 pages (%s): --columns front,tail" % codec,
              got == pyarrow_rows(root, ["front", "tail"]), err)


def drift_tests(tmp):
    """--schema first against pyarrow.dataset (which takes the first file's schema), the
    union's types, and differences that have no common type."""
    drift = os.path.join(tmp, "drift")
    w1, w2 = (os.path.join(drift, "batch=%d" % n, "part-0.parquet") for n in (0, 1))
    got, err = ours("--schema", "first", w2, w1)
    want = rows_of(ds.dataset([w2, w1], format="parquet").to_table().to_pylist())
    check("--schema first: the first file's columns, the others cast to its types",
          got == want, (err, got, want))
    got, err = ours("--schema", "first", w1, w2)
    check("--schema first: a narrower first type is an error naming both files",
          got is None and "column 'id' is int64 in" in err and "batch=1" in err and "batch=0" in err, err)
    try:
        import fastdata
    except ImportError:
        return
    t = pa.table(fastdata.load(drift))
    # (s: our reader reads pyarrow's large_string as utf8, as it reads every BYTE_ARRAY)
    want = {"id": pa.int64(), "v": pa.float64(), "s": pa.string(), "d": pa.date32(),
            "ts": pa.timestamp("us"), "extra": pa.int16(), "u": pa.uint8(), "batch": pa.int64()}
    check("union types: int64, float64, timestamp[us]; added columns nullable",
          {f.name: f.type for f in t.schema} == want and t.schema.field("extra").nullable and
          t.column_names == ["id", "v", "s", "d", "ts", "extra", "u", "batch"], t.schema)
    lacking = os.path.join(tmp, "drift_strings")  # a string column one file lacks
    os.makedirs(lacking)
    pq.write_table(pa.table({"id": [1, 2], "s": ["x", None]}), os.path.join(lacking, "a.parquet"))
    pq.write_table(pa.table({"id": [3]}), os.path.join(lacking, "b.parquet"))
    for layout, kind in (("view", pa.string_view()),
                         ("dictionary", pa.dictionary(pa.int32(), pa.string()))):
        try:
            t = pa.table(fastdata.load(lacking, strings=layout))
            t.validate(full=True)
            ok, detail = sorted(t.to_pylist(), key=lambda r: r["id"]) == [
                {"id": 1, "s": "x"}, {"id": 2, "s": None}, {"id": 3, "s": None}] and \
                t.schema.field("s").type == kind, t
        except Exception as e:  # pyarrow refuses an array its type does not describe
            ok, detail = False, repr(e)
        check("--strings %s: a string column a file lacks is nulls of that layout" % layout,
              ok, detail)
    far = os.path.join(tmp, "drift_far")  # a timestamp in ms the union's ns cannot hold
    os.makedirs(far)
    pq.write_table(pa.table({"x": [1], "ts": pa.array([datetime.datetime(3000, 1, 1)],
                                                       pa.timestamp("ms"))}),
                   os.path.join(far, "a.parquet"))
    pq.write_table(pa.table({"x": [2], "ts": pa.array([1], pa.timestamp("ns"))}),
                   os.path.join(far, "b.parquet"), version="2.6")
    got, err = ours(far)
    check("a value the union's type cannot hold: one line naming the file, column and types "
          "(and no use of the freed batch)", got is None and err.count("\n") == 1 and
          "a.parquet: column 'ts': a value of type timestamp[ms] does not fit the table's type "
          "timestamp[ns]" in err, err)
    bad = os.path.join(tmp, "conflict")
    os.makedirs(bad)
    pq.write_table(pa.table({"id": [1], "x": [1.5]}), os.path.join(bad, "a.parquet"))
    pq.write_table(pa.table({"id": ["one"], "x": [2.5]}), os.path.join(bad, "b.parquet"))
    got, err = ours(bad)
    check("types with no common one: an error naming the column, both types, both files",
          got is None and "column 'id' is string in" in err and "b.parquet" in err and
          "a.parquet" in err and " int64 in " in err, err)
    nested = os.path.join(tmp, "nested_conflict")
    os.makedirs(nested)
    pq.write_table(pa.table({"a": pa.array([{"b": 1}], pa.struct([("b", pa.int32())]))}),
                   os.path.join(nested, "f1.parquet"))
    pq.write_table(pa.table({"a": pa.array([{"c": 2}], pa.struct([("c", pa.int32())]))}),
                   os.path.join(nested, "f2.parquet"))
    pq.write_table(pa.table({"a": pa.array([{"b": {"x": 1}}],
                                           pa.struct([("b", pa.struct([("x", pa.int64())]))]))}),
                   os.path.join(nested, "f3.parquet"))
    got, err = ours(nested)
    check("a struct field that is a struct in one file, an int in another: an error naming "
          "the path a.b, both types and the two files",
          got is None and "column 'a.b' is struct<x: int64> in" in err and "f3.parquet" in err and
          "but int32 in" in err and "f1.parquet" in err and "f2.parquet" not in err, err)
    got, err = ours("--columns", "id,nope", drift)
    check("a column no file has: an error naming it", got is None and "'nope'" in err, err)


FILTERS = {
    "pyarrow": ["year = 2024 AND day IN ('2024-01-01', 'x y/z')",
                "year IS NULL OR day > '2024-02'", "NOT (year BETWEEN 2023 AND 2023)",
                "year <> 2023 and not day = 'a=b%'"],
    "duckdb": ["dt >= DATE '2024-01-02' AND region IS NOT NULL", "region NOT IN ('r1')",
               "(region = 'r2' OR region IS NULL) AND dt < '2024-01-02'"],
    # DuckDB reads these keys as text: its side of the comparison casts them
    "spark": [("ts > TIMESTAMP '2024-01-01 12:00:00' AND f > 2",
               "ts::TIMESTAMP > TIMESTAMP '2024-01-01 12:00:00' AND f::DOUBLE > 2"), "f IS NULL",
              ("f BETWEEN 1 AND 2.25 AND ts <= TIMESTAMP '2024-01-02 11:30:00'",
               "f::DOUBLE BETWEEN 1 AND 2.25 AND ts::TIMESTAMP <= TIMESTAMP '2024-01-02 11:30:00'")],
    "drift": ["batch != 1", "batch IN (0, 2) AND batch >= 1"],
}


# on the files' own columns (with partition columns or not): rows removed after decoding
ROW_FILTERS = {
    "pyarrow": ["x >= 10 AND s IS NOT NULL", "s > 'z' OR s = 'é ü'", "year = 2024 AND x < 12",
                "s NOT IN ('z') AND x BETWEEN 3 AND 20", "NOT (x < 20 OR day = '2024-01-01')"],
    "duckdb": ["x IN (1, 2, 47) OR dt = DATE '2024-01-01' AND x < 5", "x != 3 AND region IS NULL"],
    "spark": ["name = 'n3' AND id > 10", "name IN ('n0', 'n4') OR id = 11"],
    "drift": ["id >= 2 AND ts > TIMESTAMP '2024-01-01 10:00:00.5'", "extra IS NULL AND v < 3",
              "u = 200 OR s = 'é'", "d = DATE '2024-01-01' AND v > 1"],
    "edge": ["f > 2", "f > 1e308", "f <= 0", "f IS NULL OR t >= 'é'", "t < 'b'",
             "i > 9223372036854775806", "i < -1.5"],
}


def write_edge(root):
    """Values at the edges: NaN, -0.0, nulls, non-ASCII strings, int64 extremes."""
    os.makedirs(os.path.join(root, "k=1"))
    pq.write_table(pa.table({"f": [1.5, float("nan"), None, -0.0, 2.5, float("inf")],
                             "t": ["a", "é", None, "ü", "b", "Z"],
                             "i": [0, 2**63 - 1, -2**63, None, -1, 5]}),
                   os.path.join(root, "k=1", "part-0.parquet"))


def filter_tests(tmp):
    """--filter: the rows of DuckDB's WHERE with the same text; on partition columns, the
    files not selected never read."""
    where = "from S3" if BUCKET else "locally"
    edge = os.path.join(tmp, "edge")
    if not os.path.exists(edge):
        write_edge(edge)
        source(edge, "edge")
    cases = [(n, f, True) for n, fs in FILTERS.items() for f in fs]
    cases += [(n, f, False) for n, fs in ROW_FILTERS.items() for f in fs]
    for name, f, prunes in cases:
        root = os.path.join(tmp, name)
        src = "s3://%s/lakes/%s/" % (BUCKET, name) if BUCKET else root
        all_files = len(data_files(root))
        f, duck = f if isinstance(f, tuple) else (f, f)
        got, err = ours("--filter", f, src)
        want = duckdb_rows(root, where=duck)
        # the union covers the selected files only (the others' footers are not read):
        # DuckDB's columns from pruned files alone must be all nulls
        mine = {k for r in got or [] for k, _ in r}
        if got and any(k not in mine for r in want for k, _ in r):
            want = rows_of(dict((k, v) for k, v in r if k in mine or v is not None)
                           for r in want)
        pruned = re.search(r"pruned (\d+) skipped (\d+)", err)
        kept = re.search(r"files (\d+) ", err)
        check("%s %s --filter %r equals DuckDB's WHERE%s" % (name, where, f, ", the other "
              "files unread" if prunes else ""), got == want and pruned and kept and
              (not prunes or (int(pruned.group(1)) > 0 and int(pruned.group(2)) > 0)) and
              int(pruned.group(1)) + int(kept.group(1)) == all_files,
              (err, (got or [])[:3], want[:3]))
    # nested columns (lists, structs, maps) keep exactly the selected rows: against the
    # unfiltered load, filtered here
    nested = os.path.join(tmp, "nested")
    if not os.path.exists(nested):
        os.makedirs(os.path.join(nested, "k=1"))
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                                 "parquet", "generated", "duckdb_nested_v1_snappy.parquet"),
                    os.path.join(nested, "k=1", "part-0.parquet"))
    src = source(nested, "nested")
    p = subprocess.run([LOAD_DUMP, src], capture_output=True)
    every = [json.loads(line) for line in p.stdout.decode().splitlines()]
    want = sorted(json.dumps(r) for r in every if r["id"] in (0, 3, 100, 599) or 200 <= r["id"] <= 260)
    p = subprocess.run([LOAD_DUMP, "--filter", "id IN (0, 3, 100, 599) OR id BETWEEN 200 AND 260",
                        src], capture_output=True)
    got = sorted(json.dumps(json.loads(line)) for line in p.stdout.decode().splitlines())
    check("a filter over a nested table %s keeps exactly the selected rows (%d of %d)"
          % (where, len(want), len(every)), len(every) == 600 and got == want, p.stderr)
    src = "s3://%s/lakes/pyarrow/" % BUCKET if BUCKET else os.path.join(tmp, "pyarrow")
    got, err = ours("--filter", "year = 1999 AND x > 0", src)
    check("a filter whose partition values select no file %s: no rows, no error, every file "
          "pruned" % where, got == [] and "files 0 rows 0" in err and
          "pruned %d " % len(data_files(os.path.join(tmp, "pyarrow"))) in err, err)
    got, err = ours("--columns", "x,year", "--filter", "s = 'z' AND day != 'a=b%'",
                    os.path.join(tmp, "pyarrow") if not BUCKET else "s3://%s/lakes/pyarrow/" % BUCKET)
    check("columns used only by the filter are not in the output %s" % where,
          got == duckdb_rows(os.path.join(tmp, "pyarrow"), ["x", "year"],
                             "s = 'z' AND day != 'a=b%'"), (err, (got or [])[:3]))


def typed_tests(tmp):
    """The table's Arrow types, through the Python package (when installed)."""
    try:
        import fastdata
    except ImportError:
        check("the Python package is installed (make python)", False)
        return
    t = pa.table(fastdata.load(os.path.join(tmp, "spark")))
    check("types inferred: f float64 (nullable), ts timestamp[us]",
          t.schema.field("f").type == pa.float64() and t.schema.field("f").nullable and
          t.schema.field("ts").type == pa.timestamp("us"), t.schema)
    t = pa.table(fastdata.load(os.path.join(tmp, "pyarrow")))
    check("types inferred: year int64, day string (a value is not a date), URL-decoded",
          t.schema.field("year").type == pa.int64() and t.schema.field("day").type == pa.string()
          and sorted(set(t.column("day").to_pylist())) ==
          ["2024-01-01", "2024-02-29", "a=b%", "x y/z"], t.schema)
    t = pa.table(fastdata.load(os.path.join(tmp, "duckdb"), partition_types={"dt": "string"}))
    check("partition_types={'dt': 'string'}", t.schema.field("dt").type == pa.string(), t.schema)
    import pyarrow.compute as pc
    dnf = [[("year", "=", 2024), ("day", "in", ["2024-01-01", "x y/z"])], [("year", "<", 2024)]]
    t = fastdata.load(os.path.join(tmp, "pyarrow"), filters=dnf)
    want = ds.dataset(os.path.join(tmp, "pyarrow"), partitioning="hive").to_table(
        filter=pq.filters_to_expression(dnf))
    check("filters= in pyarrow's DNF form equals pyarrow.dataset's filter",
          rows_of(pa.table(t).to_pylist()) == rows_of(want.to_pylist()) and
          t.report["files_pruned"] > 0, t.report)
    t = fastdata.load(os.path.join(tmp, "duckdb"),
                      filters=[("dt", ">=", datetime.date(2024, 1, 2))])
    check("filters= with a date", pa.table(t).column("dt").to_pylist() ==
          [datetime.date(2024, 1, 2)] * 25, t.report)
    for bad, why in (("dt >", "at character 5"), ([("dt", "~", 1)], "'~'")):
        try:
            fastdata.load(os.path.join(tmp, "duckdb"), filters=bad)
            check("a bad filter raises ValueError", False, bad)
        except ValueError as e:
            check("a bad filter raises ValueError (%s)" % why, why in str(e), e)
    # a filter whose partition values select no file: an empty table of the table's schema
    # (one footer read), as pyarrow.dataset gives
    every = pa.table(fastdata.load(os.path.join(tmp, "pyarrow")))
    t = fastdata.load(os.path.join(tmp, "pyarrow"), filters="year = 1999 AND x > 0")
    want = ds.dataset(os.path.join(tmp, "pyarrow"), partitioning="hive").to_table(
        filter=pq.filters_to_expression([("year", "=", 1999)]))
    check("filters selecting no file: an empty table with the schema (as pyarrow.dataset)",
          pa.table(t).num_rows == 0 and want.num_rows == 0 and
          [(f.name, f.type) for f in pa.table(t).schema] ==
          [(f.name, f.type) for f in every.schema] and t.report["files"] == 0 and
          t.report["files_pruned"] == len(data_files(os.path.join(tmp, "pyarrow"))),
          (pa.table(t).schema, t.report))
    for cmd in (["cat", "--format", "csv"], ["load", "--json"]):
        p = subprocess.run([FASTDATA] + cmd + ["--filter", "year = 1999",
                                               os.path.join(tmp, "pyarrow")],
                           capture_output=True, text=True)
        check("fastdata %s with a filter selecting no file: exit 0, no rows" % cmd[0],
              p.returncode == 0 and (p.stdout.count("\n") == 1 if cmd[0] == "cat" else
                                     json.loads(p.stdout)["rows"] == 0), p.stdout + p.stderr)
    t = pa.table(fastdata.load(os.path.join(tmp, "duckdb"), partitioning="none"))
    check("partitioning='none': the files' columns only", t.column_names == ["x", "v"],
          t.column_names)


def error_tests(tmp):
    mixed = os.path.join(tmp, "mixed")
    for d in ("a=1", "b=2"):
        os.makedirs(os.path.join(mixed, d))
        pq.write_table(pa.table({"x": [1]}), os.path.join(mixed, d, "p.parquet"))
    got, err = ours(mixed)
    check("mixed partition keys: an error naming both paths", got is None and
          "a=1/p.parquet" in err and "b=2/p.parquet" in err and "same keys" in err, err)
    got, err = ours("--partitioning", "none", mixed)
    check("--partitioning none reads them as plain files", got is not None and len(got) == 2, err)
    got, err = ours("--partition-types", "year:date32", os.path.join(tmp, "pyarrow"))
    check("a value that is not of its given type fails naming the path",
          got is None and "year=2023" in err and "not date32" in err, err)
    got, err = ours("--partition-types", "nope:int64", os.path.join(tmp, "pyarrow"))
    check("partition types naming no key fail", got is None and "'nope'" in err, err)
    got, err = ours("--partition-types", "year:int128", os.path.join(tmp, "pyarrow"))
    check("an unknown partition type fails", got is None and "int128" in err, err)
    got, err = ours("--columns", "year", os.path.join(tmp, "pyarrow"))
    check("columns naming only keys fail clearly", got is None and "only partition keys" in err, err)
    pyarrow_ds = os.path.join(tmp, "pyarrow")
    for f, why in (("nope = 1", "no column 'nope' in the files or the partitions"),
                   ("x > 'abc'", "column 'x' is int64, but 'abc' is a string"),
                   ("year = 'abc'", "column 'year' is int64, but 'abc' is a string"),
                   ("day < 5", "column 'day' is string, but a literal is an integer"),
                   ("year > AND day = 'a'", "expected a value at character 8"),
                   ("year = 1 day", "expected AND, OR or the end at character 10"),
                   ("(year = 1", "expected ')'"), ("year IN (1,", "expected a value")):
        got, err = ours("--filter", f, pyarrow_ds)
        check("--filter %r: %s" % (f, why), got is None and why in err and
              err.count("\n") == 1, err)
    p = subprocess.run([FASTDATA, "load", "--partitioning", "maybe", mixed], capture_output=True,
                       text=True)
    check("--partitioning with a bad value", p.returncode == 1 and "hive or none" in p.stderr,
          p.stderr)


def run(body):
    """body(tmp) in a temporary folder, then the tally; exits 1 unless every check passed."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            body(tmp)
        except Exception as e:  # a test bug must fail the run
            check("test run", False, repr(e))
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    sys.exit(0 if results and all(results) else 1)


if __name__ == "__main__":
    run(main)
