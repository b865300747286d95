#!/usr/bin/env python3
"""Writes sorted_pages.parquet (pyarrow, write_page_index=True): 2 row groups of 6,000 rows,
sorted by id, data pages of about 512 bytes (64-row write batches), so each column chunk has dozens of pages with
a ColumnIndex and an OffsetIndex.  Columns: id int64 (the row number), v float64, s string
(dictionary-encoded, 50 distinct values; the other columns plain), o int32 (every 7th row null), l list<int32> (the
row's id % 4 elements).  Values follow from the row number: tests/unit/test_page_index.c
checks reads of row selections against the whole row group's."""
import sys
import pyarrow as pa
import pyarrow.parquet as pq

n = 12000
ids = list(range(n))
t = pa.table({
    "id": pa.array(ids, pa.int64()),
    "v": pa.array([i * 0.5 for i in ids], pa.float64()),
    "s": pa.array(["name-%02d" % (i % 50) for i in ids]),
    "o": pa.array([None if i % 7 == 0 else i for i in ids], pa.int32()),
    "l": pa.array([list(range(i % 4)) for i in ids], pa.list_(pa.int32())),
})
pq.write_table(t, sys.argv[1] if len(sys.argv) > 1 else "sorted_pages.parquet",
               row_group_size=6000, data_page_size=512, write_batch_size=64,
               write_page_index=True, use_dictionary=["s"],
               compression="snappy")
