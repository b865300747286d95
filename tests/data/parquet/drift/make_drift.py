#!/usr/bin/env python3
"""Writes drift/part-{0,1,2}.parquet: one table written three times by pyarrow as its schema
drifted, nested columns too: struct s gains field c and loses b, its int a widens from int32
to int64, list l's int32 elements widen to int64 and back, column id is int32, int64, int8,
column extra appears, s is missing from the last file.  Two rows per row group, so that a
plan cuts shards inside the files.  usage: make_drift.py [DIR]"""
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
s1 = pa.struct([("a", pa.int32()), ("b", pa.string())])
s2 = pa.struct([("c", pa.float32()), ("a", pa.int64())])
tables = [
    pa.table({"id": pa.array([1, 2, 3, 4, 5], pa.int32()),
              "s": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "é"}, {"a": -4, "b": None},
                             {"a": 5, "b": "e"}], s1),
              "l": pa.array([[1, 2], None, [], [None, 4], [5]], pa.list_(pa.int32()))}),
    pa.table({"s": pa.array([{"c": 1.5, "a": 2 ** 40}, {"c": None, "a": -(2 ** 33)}, None], s2),
              "id": pa.array([6, 7, 2 ** 35], pa.int64()),
              "l": pa.array([[2 ** 40], [None], None], pa.list_(pa.int64())),
              "extra": ["p", None, "q"]}),
    pa.table({"l": pa.array([[9, 10]], pa.list_(pa.int32())), "id": pa.array([-9], pa.int8())}),
]
for n, t in enumerate(tables):
    pq.write_table(t, os.path.join(out, "part-%d.parquet" % n), row_group_size=2)
