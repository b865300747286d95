"""Large required columns of a one-row-group file are decoded in parts of their pages by
two workers at once (issue 19): the values are pyarrow's, at 1 and 2 threads, for PLAIN
int64, decimals whose dictionary overflows into PLAIN pages (pyarrow's FIXED_LEN_BYTE_ARRAY),
dictionary-encoded int64 and dates; the trace shows a chunk decoded twice.  A page in the
middle of a split chunk whose header lies about its size fails with one line naming the
file, row group and column (no part writes past its own rows: ASan runs the C tests)."""
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastdata

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from thrift_compact import field, page_headers, write_struct  # noqa: E402

ROWS = 1_200_000


@pytest.fixture(scope="module")
def one_row_group(tmp_path_factory):
    rng = np.random.default_rng(19)
    fields = {
        "key": pa.array(rng.integers(-2**62, 2**62, ROWS), pa.int64()),
        "price": pa.array(rng.integers(-10**17, 10**17, ROWS)).cast(pa.decimal128(19, 0)),
        "part": pa.array(rng.integers(0, 50_000, ROWS) * 7919, pa.int64()),
        "day": pa.array(rng.integers(0, 20_000, ROWS).astype("int32")).cast(pa.date32()),
    }
    table = pa.table(list(fields.values()),
                     schema=pa.schema([pa.field(n, a.type, nullable=False) for n, a in fields.items()]))
    path = tmp_path_factory.mktemp("split") / "one.parquet"
    pq.write_table(table, path, row_group_size=ROWS, data_page_size=1 << 16, compression="snappy")
    md = pq.ParquetFile(path).metadata
    assert md.num_row_groups == 1
    for i in range(md.num_columns):  # each column large enough to be split
        assert md.row_group(0).column(i).total_compressed_size >= 2 << 20, md.row_group(0).column(i)
    return path, table


@pytest.mark.parametrize("threads", [1, 2])
def test_split_chunks_read_as_pyarrow(one_row_group, threads, tmp_path):
    path, table = one_row_group
    trace = tmp_path / "trace.json"
    got = pa.table(fastdata.load(str(path), threads=threads, trace=str(trace)))
    assert got.equals(table)
    events = json.loads(trace.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    spans = [e for e in events if e.get("name") == "key" and e.get("ph") == "X"]
    assert len(spans) == threads  # two parts at 2 threads, the whole chunk at 1


def test_lying_page_header_in_a_split_chunk_fails_clearly(one_row_group, tmp_path):
    path, _ = one_row_group
    data = bytearray(path.read_bytes())
    col = pq.ParquetFile(path).metadata.row_group(0).column(0)  # "key": PLAIN pages
    start = col.data_page_offset
    pages = page_headers(data, start, start + col.total_compressed_size)
    page, body, header = pages[len(pages) // 2]
    # the uncompressed size (field 2) claims 8 bytes more: same varint length, nothing moves
    field(header, 2)[2] += 8
    edited = write_struct(header)
    assert len(edited) == body - page
    data[page:body] = edited
    bad = tmp_path / "lying.parquet"
    bad.write_bytes(bytes(data))
    for threads in (1, 2):
        with pytest.raises(fastdata.CorruptDataError) as e:
            fastdata.load(str(bad), threads=threads)
        message = str(e.value)
        assert "\n" not in message
        assert str(bad) in message and "row group 0" in message and "column 'key'" in message, message
        assert f"page at byte {page}" in message, message
