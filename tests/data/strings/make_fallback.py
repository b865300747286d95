"""Writes pyarrow_dictionary_fallback.parquet (pyarrow, see SOURCE.md): 3,000 rows in two
row groups; `long` has too many distinct values for its 1 KiB dictionary page limit, so
pyarrow falls back to PLAIN pages midway through each chunk; nulls, values of at most 12
bytes and longer ones, data pages v2."""
import pyarrow as pa
import pyarrow.parquet as pq

n = 3000
words = ["a", "bb", "twelve bytes", "thirteen byte", "a value far longer than twelve bytes"]
table = pa.table({
    "low": pa.array([None if i % 7 == 0 else words[i % 5] for i in range(n)]),
    "long": pa.array([None if i % 11 == 0 else ("row %d of a longer text" % i)[: i % 40]
                      for i in range(n)]),
})
pq.write_table(table, "pyarrow_dictionary_fallback.parquet", row_group_size=1500,
               dictionary_pagesize_limit=1024, data_page_size=512, data_page_version="2.0")
