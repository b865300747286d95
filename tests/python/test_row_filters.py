#!/usr/bin/env python3
"""Row filters over every kind of column a filter compares, in batches that do not line up
with the evaluator's chunks of 1,024 rows: for 7 filters that keep a few rows of a row group
(prefiltering reads only their pages; at row group edges too) and 60 drawn at random (a fixed
seed: comparisons, IN, IS NULL, booleans, struct paths and a partition key, under AND, OR
and NOT),
each load keeps exactly the ids of DuckDB's WHERE with the same text, and each kept row is
that row of the unfiltered load whole (nested, view and dictionary columns too), with
--strings plain, view and dictionary.
usage: test_row_filters.py LOAD_DUMP FASTDATA"""
import datetime
import decimal
import os
import random
import sys

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_datasets as lake  # noqa: E402  (its argv: LOAD_DUMP FASTDATA)

check, ours = lake.check, lake.ours
N, RG = 3000, 1300
T0 = datetime.datetime(2024, 1, 1)


def maybe(rnd, value, p=0.1):
    return None if rnd.random() < p else value


def table(rnd):
    """Columns of every kind a filter compares, nulls in each, and a list and a fixed-size
    binary along for the ride."""
    def col(make, p=0.1):
        return [maybe(rnd, make(), p) for _ in range(N)]
    floats = [float("nan"), -0.0, 0.0, 0.25, 1.5, -2.5, float("inf")]
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "i8": pa.array(col(lambda: rnd.randint(-128, 127)), pa.int8()),
        "i16": pa.array(col(lambda: rnd.randint(-300, 300)), pa.int16()),
        "i32": pa.array(col(lambda: rnd.randint(-50, 50)), pa.int32()),
        "i64": pa.array(col(lambda: rnd.choice([-2**63, 2**63 - 1, rnd.randint(-9, 9)])),
                        pa.int64()),
        "u8": pa.array(col(lambda: rnd.randint(0, 255)), pa.uint8()),
        "u32": pa.array(col(lambda: rnd.randint(0, 2**32 - 1)), pa.uint32()),
        "u64": pa.array(col(lambda: rnd.choice([2**64 - 1, 2**63, rnd.randint(0, 20)])),
                        pa.uint64()),
        "f32": pa.array(col(lambda: rnd.choice(floats)), pa.float32()),
        "f64": pa.array(col(lambda: rnd.choice(floats + [rnd.uniform(-3, 3)])), pa.float64()),
        "dec": pa.array(col(lambda: decimal.Decimal(rnd.randint(-500, 500)) / 100),
                        pa.decimal128(9, 2)),
        "dec38": pa.array(col(lambda: decimal.Decimal(rnd.randint(-10**6, 10**6)) / 1000),
                          pa.decimal128(38, 3)),
        "ts_ms": pa.array(col(lambda: T0 + datetime.timedelta(milliseconds=rnd.randint(0, 5000))),
                          pa.timestamp("ms")),
        "ts_us": pa.array(col(lambda: T0 + datetime.timedelta(microseconds=rnd.randint(0, 5000))),
                          pa.timestamp("us")),
        # whole microseconds: DuckDB compares a TIMESTAMP_NS with a TIMESTAMP in microseconds
        "ts_ns": pa.array(col(lambda: T0 + datetime.timedelta(microseconds=rnd.randint(0, 5000))),
                          pa.timestamp("ns")),
        "d": pa.array(col(lambda: datetime.date(2024, 1, 1) + datetime.timedelta(rnd.randint(0, 60))),
                      pa.date32()),
        "s": pa.array(col(lambda: rnd.choice(["v%d" % k for k in range(9)] + ["é", ""])),
                      pa.string()),
        "long": pa.array(col(lambda: "a-string-longer-than-twelve-bytes-%d" % rnd.randint(0, 5)),
                         pa.string()),
        "b": pa.array(col(lambda: rnd.random() < 0.5), pa.bool_()),
        "st": pa.array(col(lambda: {"a": maybe(rnd, rnd.randint(0, 9)),
                                    "b": maybe(rnd, "x%d" % rnd.randint(0, 3))}),
                       pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "lst": pa.array(col(lambda: [maybe(rnd, rnd.randint(0, 5)) for _ in range(rnd.randint(0, 3))]),
                        pa.list_(pa.int32())),
        "fx": pa.array(col(lambda: b"%03d" % rnd.randint(0, 20)), pa.binary(3)),
    })


def leaf(rnd):
    """One comparison, in the text both fastdata and DuckDB read the same."""
    op = rnd.choice(["=", "!=", "<", "<=", ">", ">="])
    ints = {"i8": 127, "i16": 300, "i32": 50, "i64": 9, "u8": 255, "u32": 2**32 - 1, "u64": 20}
    kind = rnd.randrange(12)
    if kind == 0:
        c = rnd.choice(list(ints))
        low = 0 if c[0] == "u" else -ints[c]
        k = rnd.randint(low, ints[c])
        return "%s %s %s" % (c, op, rnd.choice([str(k), "%d.5" % k if k >= 0 else "%d.5" % (k + 1)]))
    if kind == 1:
        c = rnd.choice(list(ints))
        values = ", ".join(str(rnd.randint(0, 9)) for _ in range(rnd.randint(1, 4)))
        return "%s %sIN (%s)" % (c, rnd.choice(["", "NOT "]), values)
    if kind == 2:
        return "%s %s %s" % (rnd.choice(["f32", "f64"]), op,
                             rnd.choice(["0", "0.25", "-2.5", "1.5", "1e300", "-1"]))
    if kind == 3:
        return "%s %s %s" % (rnd.choice(["dec", "dec38"]), op,
                             rnd.choice(["1.005", "-2.5", "0", "3", "-0.125", "400"]))
    if kind == 4:
        ms = rnd.randint(0, 5000)
        lit = (T0 + datetime.timedelta(microseconds=ms * rnd.choice([1, 1000]) + rnd.choice([0, 500])))
        return "%s %s TIMESTAMP '%s'" % (rnd.choice(["ts_ms", "ts_us", "ts_ns"]), op,
                                         lit.isoformat(sep=" "))
    if kind == 5:
        day = datetime.date(2024, 1, 1) + datetime.timedelta(rnd.randint(0, 60))
        return rnd.choice(["d %s DATE '%s'" % (op, day),
                           "d %s TIMESTAMP '%s 12:00:00'" % (op, day)])
    if kind == 6:
        v = rnd.choice(["v%d" % k for k in range(9)] + ["é", "", "v", "w"])
        return rnd.choice(["s %s '%s'" % (op, v), "s IN ('%s', 'v2')" % v])
    if kind == 7:
        return "long %s 'a-string-longer-than-twelve-bytes-%d'" % (op, rnd.randint(0, 5))
    if kind == 8:
        return rnd.choice(["b", "NOT b", "b = FALSE", "b != TRUE"])
    if kind == 9:
        return rnd.choice(["st.a %s %d" % (op, rnd.randint(0, 9)), "st.b %s 'x%d'" % (op, rnd.randint(0, 3)),
                           "st.a IS NULL", "st.b IS NOT NULL"])
    if kind == 10:
        return "%s IS %sNULL" % (rnd.choice(["i32", "f64", "s", "dec", "ts_ms", "b", "fx"]),
                                 rnd.choice(["", "NOT "]))
    return rnd.choice(["k = 1", "k != 1", "k > 0 AND i8 < 0", "fx %s '010'" % op])


def expression(rnd, depth=0):
    r = rnd.random()
    if depth >= 3 or r < 0.35:
        return leaf(rnd)
    if r < 0.5:
        return "NOT (%s)" % expression(rnd, depth + 1)
    return "(%s) %s (%s)" % (expression(rnd, depth + 1), rnd.choice(["AND", "OR"]),
                             expression(rnd, depth + 1))


def duckdb_ids(con, where):
    return sorted(r[0] for r in con.execute("SELECT id FROM t WHERE %s" % where).fetchall())


def main(tmp):
    rnd = random.Random(20261203)
    root = os.path.join(tmp, "kinds")
    path = os.path.join(root, "k=1", "part-0.parquet")
    os.makedirs(os.path.dirname(path))
    pq.write_table(table(rnd), path, row_group_size=RG, write_page_index=True,
                   data_page_size=4096)
    # the rows copied into a table first: read_parquet's min/max pruning drops NaN rows that
    # `f > x` selects (see test_pruning.py)
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT *, 1 AS k FROM read_parquet(%r)" % path)
    whole = {}
    for layout in ("plain", "view", "dictionary"):
        rows, err = ours("--strings", layout, root)
        whole[layout] = {dict(r)["id"]: r for r in rows or []}
        check("unfiltered load, strings %s: %d rows" % (layout, N), len(whole[layout]) == N, err)
    # a few rows of a row group (prefiltering reads only their pages), at its edges too
    few = ["id = 17", "id IN (0, 1299, 1300, 2599, 2600, 2999)", "id BETWEEN 640 AND 660",
           "id = 5 OR (id > 1290 AND id < 1310 AND i8 < 0)", "id = 2000 AND s IS NULL",
           "st.a = 3 AND id < 40", "NOT (id >= 3)"]
    filters = few + [expression(rnd) for _ in range(60)]
    selected = set()
    for f in filters:
        want = duckdb_ids(con, f)
        selected.add(len(want))
        for layout in ("plain", "view", "dictionary"):
            got, err = ours("--strings", layout, "--filter", f, root)
            ids = sorted(int(float(dict(r)["id"])) for r in got or [])
            rows_whole = got is not None and all(r == whole[layout].get(dict(r)["id"]) for r in got)
            check("--strings %s --filter %r: DuckDB's %d ids, each row whole" % (layout, f, len(want)),
                  got is not None and ids == want and rows_whole, (err, ids[:10], want[:10]))
    check("the filters select from no row to nearly every row (%d distinct counts)"
          % len(selected), 0 in selected and max(selected) > 0.95 * N and len(selected) > 25,
          sorted(selected))


if __name__ == "__main__":
    lake.run(main)
