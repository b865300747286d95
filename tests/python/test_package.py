#!/usr/bin/env python3
"""The Python package (pip install . into the test venv) with real consumers from PyPI:
values equal pyarrow's own reading of corpus files (flat and nested), through pyarrow,
Polars, DuckDB and pandas; the handoff is zero-copy (two exports share buffer addresses, NumPy
views share memory with them); buffers outlive the Table while views exist; to_numpy builds
one contiguous matrix; errors are fastdata.Error naming the file.
usage: test_package.py DATA_DIR"""
import gc
import os
import sys

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import fastdata

DATA = sys.argv[1]
GEN = os.path.join(DATA, "generated")
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else str(detail)[:1500]),
          flush=True)


def same_values(a, b):
    """Column equality with NaN equal to NaN (pyarrow's equals says NaN != NaN)."""
    if a.type in (pa.float16(), pa.float32(), pa.float64()):
        x, y = a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False)
        return np.array_equal(x, y, equal_nan=True)
    return a.equals(b)


def comparable_columns(ours, theirs):
    """Columns both read with the same Arrow type (pyarrow maps a few Parquet types otherwise)."""
    return [f.name for f in ours.schema if f.name in theirs.schema.names and
            theirs.schema.field(f.name).type == f.type]


files = sorted(os.path.join(GEN, f) for f in os.listdir(GEN)
               if f.endswith(".parquet") and ("prim" in f or "nested" in f))
for path in files:
    try:
        theirs = pq.read_table(path)
    except (pa.ArrowException, OSError):  # a file pyarrow cannot read: nothing to compare
        continue
    ours = pa.table(fastdata.load(path))
    cols = comparable_columns(ours, theirs)
    bad = [c for c in cols if not same_values(ours.column(c), theirs.column(c))]
    check("%s: pyarrow sees the values pyarrow reads (%d of %d columns comparable)" % (
        os.path.basename(path), len(cols), ours.num_columns),
        len(cols) >= ours.num_columns - 2 and not bad, bad)

prim = os.path.join(GEN, "duckdb_prim_v1_snappy.parquet")
t = fastdata.load([prim, prim], columns=["id", "c_int64", "c_double", "c_string"])
check("load of two files: rows add up, report filled", t.num_rows == 2000 and
      t.report["files"] == 2 and t.report["rows"] == 2000 and t.num_columns == 4, t.report)
want = pl.from_arrow(pq.read_table(prim, columns=["id", "c_int64", "c_double", "c_string"]))
check("Polars takes the table (PyCapsule) and gets the same frame",
      pl.DataFrame(t).equals(pl.concat([want, want])))
got = duckdb.sql("SELECT count(*), sum(c_int64 % 1000), min(c_string) FROM t").fetchall()
ref = duckdb.sql("SELECT count(*), sum(c_int64 %% 1000), min(c_string) FROM read_parquet(['%s','%s'])"
                 % (prim, prim)).fetchall()
check("DuckDB queries the table in place, same answer as from the files", got == ref, (got, ref))
check("Table.sql returns a pyarrow table", t.sql("SELECT count(*) AS n FROM t").column("n")[0].as_py() == 2000)
df, ref_df = t.to_pandas(), pa.concat_tables([pq.read_table(prim, columns=t.column_names)] * 2).to_pandas()
check("to_pandas equals pyarrow's", df.equals(ref_df))

# zero copy: two exports view the same buffers; NumPy views them too
one = fastdata.load(os.path.join(GEN, "duckdb_prim_v1_nodict_snappy.parquet"), columns=["id", "c_double"])
a1, a2 = one.to_arrow(), one.to_arrow()
addr = [a.column("c_double").chunk(0).buffers()[1].address for a in (a1, a2)]
check("two pyarrow exports share one buffer (no copy)", addr[0] == addr[1], addr)
col = one.column("id")
buf = a1.column("id").chunk(0).buffers()[1]
check("column() is a NumPy view of that buffer", col.__array_interface__["data"][0] == buf.address and
      np.shares_memory(col, one.column("id")), (col.__array_interface__["data"][0], buf.address))
saved = a1.column("c_double").to_pylist()
del one, a2
gc.collect()
check("views outlive the Table: values intact after it is gone",
      str(a1.column("c_double").to_pylist()) == str(saved) and int(col[3]) == a1.column("id")[3].as_py())

# the feature matrix
u = fastdata.load(os.path.join(GEN, "duckdb_prim_v1_snappy.parquet"), columns=["c_float", "c_double", "c_int32"])
m = u.to_numpy(["c_float", "c_int32"], dtype="float64", order="F")
ref = pq.read_table(os.path.join(GEN, "duckdb_prim_v1_snappy.parquet"), columns=["c_float", "c_int32"])
expect = np.column_stack([ref.column(c).to_numpy(zero_copy_only=False).astype("float64")
                          for c in ("c_float", "c_int32")])
check("to_numpy: one contiguous matrix, the values (NaN-aware)", m.flags["F_CONTIGUOUS"] and
      m.shape == (1000, 2) and np.array_equal(m, expect, equal_nan=True))

try:
    fastdata.load(os.path.join(DATA, "no-such-file.parquet"))
    check("a missing file raises fastdata.Error", False)
except fastdata.Error as e:
    check("a missing file raises fastdata.Error naming it", "no-such-file.parquet" in str(e), e)
try:
    fastdata.load(prim, columns=["nope"])
    check("a missing column raises fastdata.Error", False)
except fastdata.Error as e:
    check("a missing column raises fastdata.Error naming it", "nope" in str(e), e)

print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
