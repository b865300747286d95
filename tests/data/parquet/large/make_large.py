#!/usr/bin/env python3
"""Writes large_row_groups.parquet with pyarrow: 2 row groups of 300000 rows whose fixed-width
columns decode to ~4.8 MB per row group (past the size where fastdata maps a row group's values
in huge pages) while the file stays small (every column compresses to almost nothing).
Row i holds i64 = i (DELTA_BINARY_PACKED), i32 = i % 7 or null when i % 5 == 0 (dictionary),
f32 = i % 1000 (dictionary), s = "r<i % 3>" (dictionary); zstd.
usage: make_large.py OUT.parquet"""
import sys

import pyarrow as pa
import pyarrow.parquet as pq

N = 600000
i = pa.array(range(N), pa.int64())
t = pa.table({
    "i64": i,
    "i32": pa.array([None if k % 5 == 0 else k % 7 for k in range(N)], pa.int32()),
    "f32": pa.array([float(k % 1000) for k in range(N)], pa.float32()),
    "s": pa.array(["r%d" % (k % 3) for k in range(N)], pa.string()),
})
pq.write_table(t, sys.argv[1], row_group_size=N // 2, compression="zstd",
               use_dictionary=["i32", "f32", "s"], column_encoding={"i64": "DELTA_BINARY_PACKED"})
