#!/usr/bin/env python3
"""Row groups pruned by their footer statistics (and bloom filters): tables written by
pyarrow, DuckDB and Polars with many small row groups (NaN, -0.0 and +0.0, a column of
nulls only, non-ASCII strings, unsigned integers, timestamps in milliseconds, dates), one
without statistics, other writers' files with legacy and truncated statistics, and schema
drift. Each filtered load (load_dump) gives the rows of DuckDB's WHERE with the same text
(sorted) AND prunes the row groups expected (the report's row_groups_pruned): a test that
fails both when a row group that could match is skipped and when pruning does nothing.
With --s3 BUCKET the files are put on the S3 server and loaded from there: a pruned load
fetches fewer bytes than the same load unfiltered.
usage: test_pruning.py LOAD_DUMP FASTDATA [--s3 BUCKET]"""
import datetime
import decimal
import json
import os
import random
import re
import subprocess
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_datasets as lake  # noqa: E402  (its argv: LOAD_DUMP FASTDATA [--s3 BUCKET])

check, ours = lake.check, lake.ours
N, RG = 1000, 50  # rows, rows per row group: 20 row groups; row group g holds i in [50g, 50g+50)


def table():
    i = list(range(N))
    f = [float(x) for x in i]
    f[160] = float("nan")                      # row group 3: a NaN among numbers
    for x in range(250, 300):                  # row group 5: zeros only, of both signs
        f[x] = -0.0 if x % 2 else 0.0
    for x in range(350, 400):                  # row group 7: NaN only (no min/max written)
        f[x] = float("nan")
    s = ["k%04d" % x for x in i]
    for x in range(450, 500):                  # row group 9: non-ASCII (0xC3 > 'z' unsigned)
        s[x] = "é%04d" % x
    for x in range(500, 550):                  # row group 10
        s[x] = "zz%04d" % x
    epoch = datetime.datetime(1970, 1, 1)
    return pa.table({
        "i": pa.array(i, pa.int64()),
        "i32": pa.array([None if x % 7 == 0 else x for x in i], pa.int32()),
        "u32": pa.array([2**31 + x for x in i], pa.uint32()),
        "u64": pa.array([2**63 + x for x in i], pa.uint64()),
        "f": pa.array(f, pa.float64()),
        "s": pa.array(s, pa.string()),
        "n": pa.array([None] * N, pa.int32()),
        "m": pa.array([None if x < 500 else x for x in i], pa.int64()),
        "ts": pa.array([epoch + datetime.timedelta(seconds=x) for x in i], pa.timestamp("ms")),
        "d": pa.array([datetime.date(1970, 1, 1) + datetime.timedelta(days=x) for x in i],
                      pa.date32()),
    })


# (filter, row groups of 20 the statistics prune)
CASES = [
    ("i > 550", 11), ("i = 5", 19), ("i != 5", 0), ("i IN (5, 777)", 18),
    ("i NOT IN (5, 777)", 0), ("i BETWEEN 100 AND 249", 17), ("NOT (i < 900)", 18),
    ("NOT (i BETWEEN 100 AND 899)", 16), ("i < 50 OR s = 'zz0510'", 18),
    ("i > 550 AND s < 'k0100'", 20), ("i32 = 14", 19), ("i32 IS NULL AND i > 900", 18),
    ("u32 < 2147484148", 10), ("u32 >= 2147483648", 0), ("u64 > 5", 0),
    # floats: NaN is above every number (DuckDB), and min/max leave NaN out: > never prunes
    ("f < 100", 16), ("f > 900", 0), ("f = 0", 17), ("f < 0", 19), ("f <= 0", 17),
    ("f >= 0 AND f <= 0", 17), ("f = 160", 18), ("f BETWEEN 150.5 AND 152", 14),
    ("s >= 'é'", 19), ("s = 'k0123'", 19), ("s > 'zz'", 18), ("s IN ('k0001', 'é0460')", 18),
    ("s < 'k'", 20),
    ("n IS NULL", 0), ("n IS NOT NULL", 20), ("n = 3", 20), ("NOT (n = 3)", 20),
    ("n IS NULL OR i = 1", 0), ("m IS NULL", 10), ("m IS NOT NULL", 10), ("m < 600", 18),
    ("NOT (m IS NULL)", 10),
    ("ts >= TIMESTAMP '1970-01-01 00:16:00'", 19), ("ts < DATE '1970-01-01'", 20),
    ("d BETWEEN DATE '1970-01-11' AND DATE '1970-02-10'", 19),
    ("d >= TIMESTAMP '1972-09-25 12:00:00'", 19),
]


SOURCES = {}


def source(root, name):
    """root itself, or (with --s3) its S3 prefix (not test_datasets.py's): put there once."""
    if not lake.BUCKET:
        return root
    if name not in SOURCES:
        SOURCES[name] = "s3://%s/pruning/%s/" % (lake.BUCKET, name)
        lake.put(root, SOURCES[name])
    return SOURCES[name]


def pruned_of(err):
    m = re.search(r"pruned \d+ skipped (\d+) row_groups (\d+)", err)
    return (int(m.group(2)), int(m.group(1))) if m else (None, None)


def fetched_of(err):
    m = re.search(r"fetched (\d+)", err)
    return int(m.group(1)) if m else None


def duckdb_rows(root, columns, where):
    """DuckDB's WHERE over the files' rows copied into a table first: DuckDB 2.0.1 prunes
    read_parquet's row groups by min/max alone and so drops a NaN row that `f > 900` selects
    (NaN is above every number in DuckDB; min/max leave NaN out)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(%r, union_by_name=1)"
                % lake.data_files(root))
    rel = con.sql("SELECT %s FROM t WHERE %s" % (", ".join(columns) if columns else "*", where))
    names = [d[0] for d in rel.description]
    return lake.rows_of(dict(zip(names, r)) for r in rel.fetchall())


def compare(name, root, filt, expect, columns=None):
    """The load of root (a folder) with filt: DuckDB's rows, `expect` row groups pruned (None:
    any number) and bytes skipped when it prunes."""
    src = source(root, name)
    got, err = ours(*(["--columns", ",".join(columns)] if columns else []), "--filter", filt, src)
    want = duckdb_rows(root, columns, where=filt)
    rgs, skipped = pruned_of(err)
    ok = got == want and rgs is not None and (expect is None or rgs == expect) and \
        (rgs == 0) == (skipped == 0)
    check("%s --filter %r: DuckDB's rows (%d), %s row groups pruned" %
          (name, filt, len(want), "%s" % expect if expect is not None else "some"),
          ok, (err, (got or [])[:3], want[:3]))
    return rgs, err


def one_file(tmp, name, write):
    root = os.path.join(tmp, name)
    os.makedirs(root, exist_ok=True)
    write(os.path.join(root, "part-0.parquet"))
    return root


def pyarrow_tests(tmp):
    t = table()
    root = one_file(tmp, "pyarrow", lambda p: pq.write_table(t, p, row_group_size=RG))
    check("pyarrow wrote %d row groups" % (N // RG),
          pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata.num_row_groups == N // RG)
    for filt, expect in CASES:
        compare("pyarrow", root, filt, expect)
    # without statistics: nothing pruned, the same rows
    bare = one_file(tmp, "nostats", lambda p: pq.write_table(t, p, row_group_size=RG,
                                                             write_statistics=False))
    for filt, _ in CASES[:6] + CASES[15:20] + CASES[28:32]:
        compare("no statistics", bare, filt, 0)
    # statistics of some columns only
    some = one_file(tmp, "somestats", lambda p: pq.write_table(t, p, row_group_size=RG,
                                                               write_statistics=["s"]))
    compare("statistics of s only", some, "i = 5", 0)
    compare("statistics of s only", some, "s = 'k0123'", 19)
    # a column with dictionary pages (pyarrow's default) and plain: the same
    plain = one_file(tmp, "plain", lambda p: pq.write_table(t, p, row_group_size=RG,
                                                            use_dictionary=False))
    compare("plain encoding", plain, "s >= 'é'", 19)
    # --invalid-utf8 replace reorders invalid bytes: strings are then never pruned (here:
    # valid text, so the same rows)
    p = subprocess.run([lake.FASTDATA, "load", "--json", "--invalid-utf8", "replace", "--filter",
                        "s >= 'é'", source(root, "pyarrow")], capture_output=True, text=True)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    check("--invalid-utf8 replace: strings not pruned, the rows still exact",
          rep.get("row_groups_pruned") == 0 and rep.get("rows") == 50, p.stdout + p.stderr)
    p = subprocess.run([lake.FASTDATA, "load", "--json", "--filter", "i > 550",
                        source(root, "pyarrow")], capture_output=True, text=True)
    rep = json.loads(p.stdout) if p.returncode == 0 else {}
    check("load --json reports row_groups_pruned and bytes_skipped",
          rep.get("row_groups_pruned") == 11 and rep.get("row_groups") == 9 and
          rep.get("bytes_skipped", 0) > 0 and rep.get("rows") == 449, p.stdout + p.stderr)
    return root


def writer_tests(tmp):
    """DuckDB's and Polars' own files."""
    root = one_file(tmp, "duckdb", lambda p: duckdb.sql(
        "COPY (SELECT i::BIGINT AS i, 'k' || lpad(i::VARCHAR, 6, '0') AS s, i::DOUBLE AS f, "
        "i::UINTEGER AS u, CASE WHEN i < 10240 THEN NULL ELSE i END AS m FROM range(20480) t(i)) "
        "TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)" % p))
    check("DuckDB wrote 10 row groups",
          pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata.num_row_groups == 10)
    for filt, expect in (("i >= 20000", 9), ("s = 'k000005'", 9), ("f < 3000", 8),
                         ("u BETWEEN 4096 AND 6000", 9), ("m IS NULL", 5), ("m > 0", 5),
                         ("NOT (i >= 2048)", 9), ("f > 30000", 0)):
        compare("duckdb", root, filt, expect)
    t = table().select(["i", "s", "u32", "m"])
    root = one_file(tmp, "polars", lambda p: pl.from_arrow(t).write_parquet(p, row_group_size=RG))
    for filt, expect in (("i > 550", 11), ("s >= 'é'", 19), ("u32 < 2147484148", 10),
                         ("m IS NOT NULL", 10)):
        compare("polars", root, filt, expect)


def real_tests(tmp):
    """Other writers' files (tests/data/parquet): parquet-mr 1.8's deprecated min/max only
    (signed integers prune; strings never do: PARQUET-251), parquet-rs's truncated string
    statistics (bounds, not values), Impala's."""
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "parquet")
    cases = [
        ("data/datapage_v2.snappy.parquet", "b > 3", 0),
        ("data/datapage_v2.snappy.parquet", "b > 5", 1),
        ("data/datapage_v2.snappy.parquet", "a = 'zzz'", 0),       # legacy binary: not used
        ("data/binary_truncated_min_max.parquet", "utf8_full_truncation = 'Alice Johnson'", 0),
        ("data/binary_truncated_min_max.parquet", "utf8_partial_truncation > 'Kf'", None),
        ("data/binary_truncated_min_max.parquet", "binary_full_truncation < 'Al'", None),
        ("data/binary_truncated_min_max.parquet", "utf8_no_truncation = 'Zzz'", 1),
        ("generated/hyparquet_flat_v2_snappy.parquet", "id >= 1999", 2),
    ]
    for path, filt, expect in cases:
        root = os.path.join(tmp, "real", os.path.basename(path))
        if not os.path.exists(root):
            os.makedirs(root)
            os.symlink(os.path.abspath(os.path.join(data, path)),
                       os.path.join(root, "part-0.parquet"))
        compare(os.path.basename(path), root, filt, expect,
                ["utf8_full_truncation", "utf8_partial_truncation", "utf8_no_truncation"]
                if "truncated" in path else ["id", "i32", "s_plain"] if "hyparquet" in path
                else None)
    # DuckDB refuses these (a column of 11 values in a row group of 10 rows; "Out of buffer"
    # on Impala's bit-packed levels): pyarrow's rows
    for path, limit, expect in (("impala_bad_column_metadata.parquet", 15, 1),
                                ("impala_alltypes_agg_bitpacked_def_levels.parquet", 5000, 0),
                                ("impala_alltypes_agg_bitpacked_def_levels.parquet", 10 ** 6, 1)):
        path = os.path.join(data, "real", path)
        got, err = ours("--columns", "id", "--filter", "id > %d" % limit, path)
        want = lake.rows_of({"id": r["id"]} for r in pq.read_table(path, columns=["id"])
                            .to_pylist() if r["id"] > limit)
        check("%s --filter 'id > %d': pyarrow's rows (%d), %d row groups pruned"
              % (os.path.basename(path), limit, len(want), expect),
              got == want and pruned_of(err)[0] == expect, (err, (got or [])[:3], want[:3]))


def drift_tests(tmp):
    """A column one file lacks is null on all its rows: its row groups go for c = 5 and stay
    for c IS NULL."""
    root = os.path.join(tmp, "drift")
    os.makedirs(root, exist_ok=True)
    pq.write_table(pa.table({"i": list(range(100)), "c": list(range(100))}),
                   os.path.join(root, "a.parquet"), row_group_size=25)
    pq.write_table(pa.table({"i": list(range(100, 200))}), os.path.join(root, "b.parquet"),
                   row_group_size=25)
    compare("drift", root, "c = 5", 7)
    compare("drift", root, "c IS NULL", 4)
    compare("drift", root, "c IS NULL AND i >= 150", 6)


def bloom_tests(tmp):
    """Bloom filters prune where min/max cannot: every row group spans the same range (its
    first and last rows), the values between are its own."""
    keys = [x if x % RG == 0 else 10 ** 6 if x % RG == 1 else 1000 * x for x in range(N)]
    g = [float(-(x % RG)) if x % RG else 1e9 for x in range(N)]
    g[7] = -0.0  # row group 0 alone holds a zero (of the other sign than the literal)
    t = pa.table({
        "k": pa.array(keys, pa.int64()),
        "k32": pa.array([x % 2**31 for x in keys], pa.int32()),
        "s": pa.array(["a" if x % RG == 0 else "z" if x % RG == 1 else "m%07d" % x
                       for x in range(N)]),
        "g": pa.array(g, pa.float64()),
        "d": pa.array([datetime.date(2000, 1, 1) + datetime.timedelta(
            days=x if x % RG > 1 else 5000 * (x % RG)) for x in range(N)], pa.date32()),
    })
    opts = {c: {"ndv": 64, "fpp": 0.001} for c in ("k", "k32", "s", "g", "d")}
    root = one_file(tmp, "bloom", lambda p: pq.write_table(t, p, row_group_size=RG,
                                                           bloom_filter_options=opts))
    md = pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata
    check("pyarrow wrote bloom filters with their lengths",
          all(md.row_group(r).column(c).bloom_filter_length for r in range(20) for c in range(5)))
    for filt, expect in (("k = 305000", 19), ("s = 'm0000305'", 19), ("k32 = 305000", 19),
                         ("k IN (5000, 999000)", 18), ("s IN ('m0000005', 'nothere')", 19),
                         ("s = 'nothere'", 20), ("k = 305000.0", 19), ("g = -5", 0),
                         ("g = 0", 19), ("d = DATE '2000-01-01'", 0),
                         ("d = DATE '2000-11-01'", 19), ("d = TIMESTAMP '2000-11-01 00:00:00'", 19),
                         ("d = TIMESTAMP '2000-11-01 00:00:01'", 0),
                         ("k != 305000", 0), ("k NOT IN (305000)", 0),
                         ("NOT (s = 'm0000305')", 0), ("s = 'm0000305' OR k = 605000", 18),
                         ("k = 305001", 20)):
        compare("bloom", root, filt, expect)
    plain = one_file(tmp, "nobloom", lambda p: pq.write_table(t, p, row_group_size=RG))
    compare("no bloom filters", plain, "s = 'm0000305'", 0)
    root = one_file(tmp, "duckdb_bloom", lambda p: duckdb.execute(
        "COPY (SELECT x, x::INTEGER AS x32, 'v' || x::VARCHAR AS s, x::DOUBLE AS f, "
        "DATE '2000-01-01' + (x %% 100000)::INTEGER AS d, TIMESTAMP '2000-01-01' + "
        "to_seconds(x) AS ts FROM (SELECT CASE WHEN i %% 2048 = 0 THEN 0 WHEN i %% 2048 = 1 "
        "THEN 1000000 ELSE (i // 2048) * 1000 + i %% 7 END AS x FROM range(20480) t(i))) "
        "TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)" % p))
    md = pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata
    check("DuckDB wrote bloom filters (dictionary-encoded columns)",
          md.num_row_groups == 10 and all(md.row_group(0).column(c).bloom_filter_offset
                                          for c in range(6)), md.row_group(0).to_dict())
    for filt, expect in (("x = 5005", 9), ("x32 = 5005", 9), ("s = 'v5005'", 9),
                         ("f = 5005", 9), ("d = DATE '2013-09-14'", 9),
                         ("ts = TIMESTAMP '2000-01-01 01:23:25'", 9), ("x IN (5005, 7006)", 8),
                         ("x = 5007", 10), ("x = 1000000", 0)):
        compare("duckdb bloom", root, filt, expect)


def bloom_decimal_tests(tmp):
    """Decimals' bloom filters, asked with the literal as PLAIN stores it: little-endian in
    INT32/INT64, big-endian two's complement in FIXED_LEN_BYTE_ARRAY (pyarrow's and DuckDB's
    storages, negative values too); a literal with digits beyond the scale asks none."""
    keys = [x if x % RG == 0 else 10 ** 6 if x % RG == 1 else 1000 * x for x in range(N)]
    dec = lambda scale, neg: [decimal.Decimal(-k if neg else k).scaleb(-scale) for k in keys]
    t = pa.table({
        "d9": pa.array(dec(2, False), pa.decimal128(9, 2)),
        "d18": pa.array(dec(3, True), pa.decimal128(18, 3)),
        "d30": pa.array(dec(4, True), pa.decimal128(30, 4)),
        "d50": pa.array(dec(1, False), pa.decimal256(50, 1)),
    })
    opts = {c: {"ndv": 64, "fpp": 0.001} for c in t.column_names}
    for name, extra in (("bloom_dec_flba", {}),
                        ("bloom_dec_int", {"store_decimal_as_integer": True})):
        root = one_file(tmp, name, lambda p: pq.write_table(
            t, p, row_group_size=RG, bloom_filter_options=opts, **extra))
        md = pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata
        check("pyarrow wrote decimal bloom filters (%s: %s)" % (name, ", ".join(
              md.row_group(0).column(c).physical_type for c in range(4))),
              all(md.row_group(r).column(c).bloom_filter_length for r in range(20)
                  for c in range(4)))
        for filt, expect in (("d9 = 3050.00", 19), ("d9 = 3050", 19), ("d9 = 3050.001", 0),
                             ("d18 = -305.000", 19), ("d18 IN (-5.000, -999.000)", 18),
                             ("d30 = -30.5", 19), ("d50 = 30500.0", 19), ("d9 = 3051", 20)):
            compare(name, root, filt, expect)
    root = one_file(tmp, "duckdb_bloom_dec", lambda p: duckdb.execute(
        "COPY (SELECT (x / 100)::DECIMAL(9,2) AS d9, (-x / 1000)::DECIMAL(18,3) AS d18, "
        "(x / 10000)::DECIMAL(30,4) AS d30 FROM (SELECT CASE WHEN i %% 2048 = 0 THEN 0 "
        "WHEN i %% 2048 = 1 THEN 1000000 ELSE (i // 2048) * 1000 + i %% 7 END AS x "
        "FROM range(20480) t(i))) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)" % p))
    md = pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata
    check("DuckDB wrote decimal bloom filters (%s; none for its FIXED_LEN_BYTE_ARRAY ones)" %
          ", ".join(md.row_group(0).column(c).physical_type for c in range(2)),
          all(md.row_group(0).column(c).bloom_filter_offset for c in range(2)))
    for filt, expect in (("d9 = 50.05", 9), ("d18 = -5.005", 9), ("d30 = 0.5005", 0),
                         ("d9 = 50.07", 10)):
        compare("duckdb bloom decimals", root, filt, expect)


def kinds_table():
    """Decimals of every storage (INT32, INT64, FLBA(16), FLBA of decimal256; negative too:
    big-endian two's complement orders them signed, not bytewise), booleans, a struct
    (nulls of the struct every 97th row), fixed-size binaries and strings, sorted by i."""
    i = list(range(N))
    dec = [decimal.Decimal(x - 500) / 100 for x in i]  # -5.00 .. 4.99
    struct = pa.struct([("a", pa.int64()), ("b", pa.struct([("c", pa.string())]))])
    return pa.table({
        "i": pa.array(i, pa.int64()),
        "d9": pa.array(dec, pa.decimal128(9, 2)),
        "d18": pa.array([None if x % 11 == 0 else v for x, v in zip(i, dec)],
                        pa.decimal128(18, 2)),
        "d38": pa.array(dec, pa.decimal128(38, 2)),
        "d40": pa.array(dec, pa.decimal256(40, 2)),
        "flag": pa.array([None if x % 13 == 0 else x >= 700 for x in i], pa.bool_()),
        "s": pa.array([None if x % 97 == 0 else {"a": x, "b": {"c": "k%04d" % x}} for x in i],
                      struct),
        "fx": pa.array([b"%03d" % (x // 10) for x in i], pa.binary(3)),
        "name": pa.array(["a-long-name-of-over-12-bytes-%d" % (x % 3) if x % 2 else "n%d" % x
                          for x in i], pa.string()),
    })


# (filter, row groups of 20 the statistics prune) over kinds_table(), written by pyarrow
KIND_CASES = [
    ("d38 > 4.005", 18), ("d38 = 1.005", 19), ("d38 >= 1.00 AND d38 <= 1.005", 19),
    ("d38 < -4.5", 19), ("d38 <= -4.505", 19), ("d38 BETWEEN -0.5 AND 0.49", 18),
    ("d38 IN (-5, 4.99)", 18), ("d38 > 123456789012345678901234567890.5", 20),
    ("d38 < -1e40", 20), ("d38 > '3.99'", 18), ("d9 < -4.5", 19), ("d9 > 0", 10),
    ("d9 = -0.01", 19), ("d18 >= 4.5", 19), ("d18 IS NULL AND i < 100", 18),
    ("d40 < -4.5", 19), ("d40 >= 0.0", 10),
    ("flag", 14), ("NOT flag", 6), ("flag = FALSE AND i > 650", 19), ("flag IS NULL", 0),
    ("flag != TRUE", 6),
    ("s.a > 900", 18), ("s.a IS NULL", 9), ("s.b.c = 'k0123'", 19), ("s.b.c >= 'k0950'", 19),
    ("NOT s.a < 50", 1), ("s.b.c IS NOT NULL AND i < 50", 19),
    ("fx >= '090'", 18), ("fx = '012'", 19), ("fx < '005'", 19),
]


def kinds_tests(tmp):
    """Filters on decimals, booleans, struct paths and fixed-size binaries: DuckDB's rows
    and the row groups expected pruned, in pyarrow's files and DuckDB's own; with --strings
    view and dictionary the same rows; a matrix holds the filtered rows."""
    t = kinds_table()
    root = one_file(tmp, "kinds", lambda p: pq.write_table(t, p, row_group_size=RG,
                                                           store_decimal_as_integer=True))
    schema = pq.ParquetFile(os.path.join(root, "part-0.parquet")).schema
    check("pyarrow stored the decimals as INT32, INT64, FLBA(16) and FLBA(17)",
          [schema.column(k).physical_type for k in (1, 2, 3, 4)] ==
          ["INT32", "INT64", "FIXED_LEN_BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"], schema)
    for filt, expect in KIND_CASES:  # DuckDB reads decimal(40) as double: i, d38 compared
        compare("pyarrow kinds", root, filt, expect, ["i", "d38", "flag", "s"])
    for filt in ("name = 'n10'", "name > 'a-long-name-of-over-12-bytes-1'", "name IS NOT NULL AND i < 3",
                 "name IN ('n4', 'a-long-name-of-over-12-bytes-0') AND i < 30"):
        plain, _ = ours("--columns", "i,name", "--filter", filt, root)
        for layout in ("view", "dictionary"):
            got, err = ours("--strings", layout, "--columns", "i,name", "--filter", filt, root)
            check("--strings %s --filter %r: the rows of plain (%d)" % (layout, filt,
                                                                         len(plain or [])),
                  got is not None and got == plain and plain, err)
        compare("strings", root, filt, None, ["i", "name"])
    # filters read columns the projection leaves out (a struct's field: not the struct)
    got, err = ours("--columns", "i", "--filter", "s.b.c = 'k0005' OR s.a = 7", root)
    check("a struct path read only for the filter is not in the table",
          got == lake.rows_of([{"i": 5}, {"i": 7}]), (got, err))
    got, err = ours("--columns", "i,s.a", "--filter", "s.b.c = 'k0005'", root)
    check("a path into a struct the columns read part of",
          got is not None and len(got) == 1 and dict(got[0])["i"] == "5.0", (got, err))
    for filt, why in (("flag = 1", "column 'flag' is bool, but a literal is an integer"),
                      ("d38 = 'abc'", "column 'd38' is decimal128(38, 2), but 'abc' is a string"),
                      ("s.nope = 1", "no column 's.nope'"), ("s = 1", "Arrow type struct<"),
                      ("i", "column 'i' is int64, but a literal is a boolean")):
        got, err = ours("--filter", filt, root)
        check("--filter %r: %s" % (filt, why), got is None and why in err, err)

    # DuckDB's own: decimal(9) INT32, decimal(18) INT64, decimal(38) FLBA(16)
    duck = one_file(tmp, "duckdb_kinds", lambda p: duckdb.sql(
        "COPY (SELECT i::BIGINT AS i, ((i - 10240) / 100)::DECIMAL(9,2) AS d9, "
        "((i - 10240) / 100)::DECIMAL(18,2) AS d18, ((i - 10240) / 100)::DECIMAL(38,2) AS d38, "
        "i >= 14336 AS flag, {'a': i, 'b': {'c': 'k' || lpad(i::VARCHAR, 6, '0')}} AS s "
        "FROM range(20480) t(i)) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 2048)" % p))
    schema = pq.ParquetFile(os.path.join(duck, "part-0.parquet")).schema
    check("DuckDB stored the decimals as INT32, INT64 and FLBA(16)",
          [schema.column(k).physical_type for k in (1, 2, 3)] ==
          ["INT32", "INT64", "FIXED_LEN_BYTE_ARRAY"], schema)
    for filt, expect in (("d9 < -100", 9), ("d18 >= 100.005", 9), ("d18 = -80.005", 9),
                         ("d38 < -100", None), ("d38 > 50", None), ("flag", 7),
                         ("NOT flag", 3), ("s.a >= 18432", 9), ("s.b.c < 'k002048'", 9)):
        compare("duckdb kinds", duck, filt, expect)

    # a matrix of the rows the filter keeps (the filter's columns in it or not), locally
    if lake.BUCKET:
        return
    try:
        import fastdata
        import numpy as np
    except ImportError:
        check("the Python package is installed (make python)", False)
        return
    for filt, cols, order in (("d38 > 1.005 AND flag IS NOT NULL", ["i", "flag"], "F"),
                              ("s.a < 300 OR NOT flag", ["i", "flag"], "C"),
                              ([("d18", ">=", decimal.Decimal("-1.005")),
                                ("flag", "=", False)], ["i"], "F")):
        m = fastdata.load(root, columns=["name"], filters=filt, matrix=cols,
                          matrix_dtype="float64", matrix_order=order)
        table = fastdata.load(root, columns=cols + ["name"], filters=filt).to_arrow()
        want = np.column_stack([np.array(table.column(c).to_pylist(), dtype=np.float64)
                                for c in cols])
        check("matrix %s with filters=%r: the filtered table's rows (%d)" % (cols, filt,
                                                                             len(want)),
              m.matrix.shape == want.shape and np.array_equal(m.matrix, want, equal_nan=True) and
              m.num_rows == len(want) and m.to_arrow().column_names == ["name"] and
              0 < len(want) < N, (m.matrix.shape, want.shape))


def python_tests(root):
    try:
        import fastdata
    except ImportError:
        check("the Python package is installed (make python)", False)
        return
    t = fastdata.load(root, filters="s >= 'é'")
    check("Table.report has row_groups_pruned", t.report["row_groups_pruned"] == 19 and
          t.report["bytes_skipped"] > 0 and t.num_rows == 50, t.report)


def big_bloom_tests(tmp):
    """Bloom filters of 8 KiB each, 160 KiB in all before the footer, most of them outside
    the footer's 64 KiB tail (from S3: fetched by GETs of their own; the random "pad" column
    makes the file larger than the 1 MiB a filtered load fetches whole)."""
    rows = 4000
    pad = random.Random(7)
    t = pa.table({"s": ["a" if x % rows == 0 else "z" if x % rows == 1 else "m%07d" % x
                        for x in range(20 * rows)],
                  "pad": pa.array([pad.randbytes(16) for _ in range(20 * rows)], pa.binary())})
    root = one_file(tmp, "bigbloom", lambda p: pq.write_table(
        t, p, row_group_size=rows, bloom_filter_options={"s": {"ndv": rows, "fpp": 0.001}}))
    md = pq.ParquetFile(os.path.join(root, "part-0.parquet")).metadata
    check("pyarrow wrote 20 bloom filters of over 64 KiB in all",
          sum(md.row_group(r).column(0).bloom_filter_length for r in range(20)) > 65536)
    compare("big bloom filters", root, "s = 'm0012345'", 19, ["s"])
    compare("big bloom filters", root, "s IN ('m0012345', 'm0077777')", 18, ["s"])
    return root


def s3_tests(tmp, bigbloom):
    """From S3 a pruned load fetches fewer bytes: the pruned row groups' ranges are never
    asked for (in a file much larger than the footer's 64 KiB tail); bloom filters cost
    their own bytes."""
    rows = 10000
    root = one_file(tmp, "large", lambda p: pq.write_table(
        pa.table({"i": pa.array(range(20 * rows), pa.int64()),
                  "v": pa.array([x * 7919 % 1000003 for x in range(20 * rows)], pa.int64())}),
        p, row_group_size=rows))
    src = source(root, "large")
    got_all, err_all = ours(src)
    got, err = ours("--filter", "i >= 185000", src)
    check("from S3: --filter 'i >= 185000' prunes 18 row groups and fetches under a third "
          "(%s of %s bytes)" % (fetched_of(err), fetched_of(err_all)),
          got is not None and got_all is not None and pruned_of(err)[0] == 18 and
          fetched_of(err) * 3 < fetched_of(err_all) and len(got) == 15000, (err, err_all))
    src = source(bigbloom, "bigbloom")
    size = os.path.getsize(os.path.join(bigbloom, "part-0.parquet"))
    got, err = ours("--filter", "s = 'm0012345'", src)
    check("from S3: bloom filters outside the footer's tail are fetched (%s bytes of a %d-byte "
          "file) and prune 19 row groups" % (fetched_of(err), size),
          got is not None and len(got) == 1 and pruned_of(err)[0] == 19 and
          20 * 8000 < fetched_of(err) < size / 2, err)


def main(tmp):
    root = pyarrow_tests(tmp)
    writer_tests(tmp)
    real_tests(tmp)
    drift_tests(tmp)
    bloom_tests(tmp)
    bloom_decimal_tests(tmp)
    kinds_tests(tmp)
    bigbloom = big_bloom_tests(tmp)
    if lake.BUCKET:
        s3_tests(tmp, bigbloom)
    else:
        python_tests(root)


if __name__ == "__main__":
    lake.run(main)
