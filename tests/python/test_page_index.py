#!/usr/bin/env python3
"""Pruning by page indexes (ColumnIndex/OffsetIndex), on files pyarrow writes with
write_page_index=True, small data pages and several row groups, sorted by the filter column:
every filtered load equals pyarrow.dataset's rows with the same filter, and pages are pruned
where the sort says they can be; a filter that selects 1% of the rows fetches at most 1.3x the
bytes of the pages it needs (dictionary pages included; footers and indexes aside: from S3 the
footer GET of the object's last 64 KiB), the pages
found by walking the page headers here, not through our reader; a file without a page index
gives the same rows with nothing pruned; a copy whose index bytes are flipped gives the same
rows too (a bad index is ignored: its chunks are read whole); string views and dictionaries
(--strings) give the same rows with the same pages pruned.  Struct fields prune pages as flat
columns do, and a struct in the output is read by pages too (the 1.3x bound holds with one),
its rows equal pyarrow's, struct and field nulls included; a struct holding a list is read
whole and cut, equal too.
With --s3 BUCKET the files are put on the S3 server (settings from the environment) and loaded
from there (the bytes test counts the GETs' bytes).
usage: test_page_index.py LOAD_DUMP FASTDATA [--s3 BUCKET]"""
import datetime
import json
import os
import re
import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

# the files below a folder as they are, or put below s3://BUCKET/lakes/NAME/ (same arguments)
from test_datasets import check, run, source  # one tally, one run for both tests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from thrift_compact import page_headers, value  # noqa: E402

LOAD_DUMP, FASTDATA = sys.argv[1:3]
BUCKET = sys.argv[sys.argv.index("--s3") + 1] if "--s3" in sys.argv else None
ROWS = 120000


def table():
    """Sorted by k; d and u follow k (sorted too); s, o and l do not."""
    k = list(range(ROWS))
    day0 = datetime.date(2020, 1, 1)
    return pa.table({
        "k": pa.array(k, pa.int64()),
        "x": pa.array([i * 0.25 for i in k], pa.float64()),
        "s": pa.array(["v%03d" % (i % 300) for i in k]),
        "d": pa.array([day0 + datetime.timedelta(days=i // 100) for i in k], pa.date32()),
        "u": pa.array([i * 3 for i in k], pa.uint32()),
        "o": pa.array([None if i % 5 == 0 else i % 1000 for i in k], pa.int32()),
        "l": pa.array([[i] * (i % 3) for i in k], pa.list_(pa.int64())),
    })


def write(root, **options):
    """Two files of 60,000 rows, row groups of 15,000, pages of about 2 KiB."""
    os.makedirs(root)
    t = table()
    for n in range(2):
        pq.write_table(t.slice(n * ROWS // 2, ROWS // 2), os.path.join(root, "part-%d.parquet" % n),
                       row_group_size=15000, data_page_size=2048, write_batch_size=256,
                       compression="snappy", **options)


def canon(v):
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, list):
        return [canon(x) for x in v]
    return v


def rows_of(dicts):
    return sorted(json.dumps({k: canon(v) for k, v in d.items()}, sort_keys=True) for d in dicts)


def ours(src, f, *extra):
    """The rows, and the report's numbers: pruned files, bytes skipped, pages, fetched."""
    p = subprocess.run([LOAD_DUMP, "--filter", f] + list(extra) + [src], capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    m = re.search(r"skipped (\d+) row_groups \d+ pages (\d+)\nfiles \d+ rows \d+ fetched (\d+)", err)
    if p.returncode != 0 or not m:
        return None, None, err
    rows = rows_of(json.loads(line) for line in p.stdout.decode().splitlines())
    return rows, {"skipped": int(m.group(1)), "pages": int(m.group(2)),
                  "fetched": int(m.group(3))}, err


# (our filter, the same for pyarrow.dataset, whether the sort lets pages be pruned)
D = datetime.date(2020, 1, 1)
FILTERS = [
    ("k >= 60000 AND k < 61200", (pc.field("k") >= 60000) & (pc.field("k") < 61200), True),
    ("k = 5", pc.field("k") == 5, True),
    ("k IN (3, 70000, 119999)", pc.field("k").isin([3, 70000, 119999]), True),
    ("k < 100 OR k > 119900", (pc.field("k") < 100) | (pc.field("k") > 119900), True),
    ("NOT (k >= 500)", ~(pc.field("k") >= 500), True),
    ("k BETWEEN 20000 AND 20010 AND s = 'v205'",
     (pc.field("k") >= 20000) & (pc.field("k") <= 20010) & (pc.field("s") == "v205"), True),
    ("o IS NULL AND k < 3000", pc.field("o").is_null() & (pc.field("k") < 3000), True),
    ("d = DATE '2020-03-01'", pc.field("d") == pa.scalar(D + datetime.timedelta(days=60)), True),
    ("u BETWEEN 30000 AND 30300", (pc.field("u") >= 30000) & (pc.field("u") <= 30300), True),
    ("x <= 10.0", pc.field("x") <= 10.0, True),
    ("x > 29990.0", pc.field("x") > 29990.0, False),  # a float's maximum may hide NaN
    ("k != 7", pc.field("k") != 7, False),
    ("s = 'v123'", pc.field("s") == "v123", False),
]


def filter_tests(root, src, where, indexed):
    dataset = ds.dataset(root, format="parquet")
    for f, expr, prunes in FILTERS:
        got, rep, err = ours(src, f)
        want = rows_of(dataset.to_table(filter=expr).to_pylist())
        pruned = rep is not None and rep["pages"] > 0
        check("%s %s: %r equals pyarrow.dataset's rows (%d), pages pruned: %s" %
              (where, "indexed" if indexed else "no index", f, len(want),
               rep and rep["pages"]), got == want and len(want) > 0 and
              pruned == (prunes and indexed), (err, (got or [])[:2], want[:2]))
        for strings in ("view", "dictionary"):  # string columns cut to the rows as well
            alt, alt_rep, err = ours(src, f, "--strings", strings)
            check("%s %s: %r with --strings %s: the same rows and pages pruned" %
                  (where, "indexed" if indexed else "no index", f, strings),
                  alt == want and alt_rep is not None and rep is not None and
                  alt_rep["pages"] == rep["pages"], (err, (alt or [])[:2], alt_rep, rep))


# ---- the pages a filter needs, found by walking the page headers (Thrift compact) ----

def pages(path, col):
    """(first_row, rows, bytes) of each data page of a flat column chunk, and the bytes
    before its first data page (the dictionary page)."""
    data = open(path, "rb").read()
    start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
    row, out, dictionary = 0, [], 0
    for at, body, h in page_headers(data, start, start + col.total_compressed_size):
        size = body - at + value(h, 3)
        if value(h, 1) == 2:  # DICTIONARY_PAGE
            dictionary += size
        elif value(h, 1) in (0, 3):  # v1 num_values, v2 num_rows
            n = value(value(h, 5), 1) if value(h, 5) else value(value(h, 8), 3)
            out.append((row, n, size))
            row += n
    return out, dictionary


def needed_bytes(root, lo, hi, columns):
    """The bytes a reader must fetch for rows [lo, hi) of the dataset (in file order) of the
    flat columns: each chunk's dictionary and the data pages holding those rows."""
    total, base = 0, 0
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        md = pq.ParquetFile(path).metadata
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            if base < hi and base + rg.num_rows > lo:
                for c in range(rg.num_columns):
                    col = rg.column(c)
                    if col.path_in_schema not in columns:
                        continue
                    found, dictionary = pages(path, col)
                    total += dictionary + sum(size for first, n, size in found
                                              if base + first < hi and base + first + n > lo)
            base += rg.num_rows
    return total


def data_end(md):
    """Where the file's last column chunk ends."""
    def end(col):
        start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
        return start + col.total_compressed_size
    return max(end(md.row_group(g).column(c)) for g in range(md.num_row_groups)
               for c in range(md.num_columns))


TAIL_GUESS = 64 << 10  # what the footer GET of an S3 object asks for (src/pipeline/remote.c)


def not_data(root):
    """What reading each file's footer takes besides pages: the bytes after its last column
    chunk (indexes and footer), or from S3 the footer GET's tail when it is larger; and the
    leading magic."""
    total = 0
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        footer = os.path.getsize(path) - data_end(pq.ParquetFile(path).metadata)
        total += (max(footer, TAIL_GUESS) if BUCKET else footer) + 4
    return total


def bytes_test(root, src, where):
    columns = ("k", "x", "s", "d", "u", "o")
    f = "k >= 60000 AND k < 61200"  # 1% of the rows
    got, rep, err = ours(src, f, "--columns", ",".join(columns))
    need = needed_bytes(root, 60000, 61200, columns)
    data = rep["fetched"] - not_data(root) if rep else None
    check("%s: a 1%% filter fetches %s bytes of pages, at most 1.3x the %d it needs "
          "(footers and indexes aside)" % (where, data, need),
          got and len(got) == 1200 and 0 < data <= 1.3 * need, err)
    whole, _, err = ours(src, "k >= 0", "--columns", ",".join(columns))
    check("%s: skipped bytes are reported" % where, rep and rep["skipped"] > 0 and whole, err)
    p = subprocess.run([FASTDATA, "load", "--json", "--filter", f, src], capture_output=True)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    check("%s: fastdata load --json reports the same pages_pruned and bytes_skipped" % where,
          report.get("rows") == 1200 and report.get("pages_pruned") == rep["pages"] > 0 and
          report.get("bytes_skipped", 0) >= rep["skipped"], (p.stdout, p.stderr, rep))


def corrupt_copy(root, dest):
    """A copy of the files with every byte between the last column chunk and the footer
    (the page indexes) flipped."""
    os.makedirs(dest)
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        end = data_end(pq.ParquetFile(path).metadata)
        data = bytearray(open(path, "rb").read())
        footer = int.from_bytes(data[-8:-4], "little") + 8
        for i in range(end, len(data) - footer):
            data[i] ^= 0x5a
        with open(os.path.join(dest, name), "wb") as out:
            out.write(data)


def struct_table():
    """st.k sorted (null where st is, every 97th row), st.name, st.inner.v (null every 3rd);
    sl holds a list (not row-aligned); f a flat double; pad."""
    rows = []
    for i in range(ROWS):
        st = None if i % 97 == 5 else {"k": i, "name": "n%d" % (i % 50),
                                        "inner": {"v": None if i % 3 == 0 else i / 4}}
        rows.append({"st": st, "sl": {"a": i % 11, "tags": ["t%d" % (i % 4)] * (i % 3)},
                     "f": i * 0.5})
    t = pa.Table.from_pylist(rows, schema=pa.schema([
        ("st", pa.struct([("k", pa.int64()), ("name", pa.string()),
                          ("inner", pa.struct([("v", pa.float64())]))])),
        ("sl", pa.struct([("a", pa.int32()), ("tags", pa.list_(pa.string()))])),
        ("f", pa.float64())]))
    # noise, never read: files over 1 MiB, which a filtered load from S3 reads by ranges
    # (smaller ones come whole in one GET, src/pipeline/remote.h)
    pad = [((i * 2654435761) % 4294967296) / 4294967296 for i in range(ROWS)]
    return t.append_column("pad", pa.array(pad, pa.float64()))


STRUCT_FILTERS = [
    ("st.k >= 60000 AND st.k < 61200", (pc.field("st", "k") >= 60000) & (pc.field("st", "k") < 61200)),
    ("st.k = 6", pc.field("st", "k") == 6),
    ("st.inner.v IS NULL AND st.k < 3000",
     pc.field("st", "inner", "v").is_null() & (pc.field("st", "k") < 3000)),
    ("st.k BETWEEN 90000 AND 90500 AND sl.a = 3",
     (pc.field("st", "k") >= 90000) & (pc.field("st", "k") <= 90500) & (pc.field("sl", "a") == 3)),
]


def struct_tests(tmp, where):
    root = os.path.join(tmp, "structs")
    os.makedirs(root)
    t = struct_table()
    for n in range(2):
        pq.write_table(t.slice(n * ROWS // 2, ROWS // 2), os.path.join(root, "part-%d.parquet" % n),
                       row_group_size=15000, data_page_size=2048, write_batch_size=256,
                       compression="snappy", write_page_index=True)
    check("the struct files are over 1 MiB each", all(
        os.path.getsize(os.path.join(root, name)) > 1 << 20 for name in os.listdir(root)))
    src, dataset = source(root, "page_index_structs"), ds.dataset(root, format="parquet")
    for f, expr in STRUCT_FILTERS:
        got, rep, err = ours(src, f)
        want = rows_of(dataset.to_table(filter=expr).to_pylist())
        check("%s, structs: %r equals pyarrow.dataset's rows (%d), pages pruned: %s" %
              (where, f, len(want), rep and rep["pages"]),
              got == want and len(want) > 0 and rep["pages"] > 0, (err, (got or [])[:2], want[:2]))
    got, rep, err = ours(src, STRUCT_FILTERS[0][0], "--columns", "st,f")
    need = needed_bytes(root, 60000, 61200, ("st.k", "st.name", "st.inner.v", "f"))
    data = rep["fetched"] - not_data(root) if rep else None
    check("%s, structs: a 1%% filter on st.k with st and f in the output fetches %s bytes of "
          "pages, at most 1.3x the %d it needs" % (where, data, need),
          got and len(got) == dataset.count_rows(filter=STRUCT_FILTERS[0][1]) and
          0 < data <= 1.3 * need, err)


def main(tmp):
    where = "from S3" if BUCKET else "locally"
    indexed = os.path.join(tmp, "indexed")
    plain = os.path.join(tmp, "plain")
    flipped = os.path.join(tmp, "flipped")
    write(indexed, write_page_index=True)
    write(plain)
    corrupt_copy(indexed, flipped)
    src = source(indexed, "page_index_sorted")
    filter_tests(indexed, src, where, True)
    filter_tests(plain, source(plain, "page_index_plain"), where, False)
    bytes_test(indexed, src, where)
    f, expr = FILTERS[0][:2]
    got, rep, err = ours(source(flipped, "page_index_flipped"), f)
    want = rows_of(ds.dataset(indexed, format="parquet").to_table(filter=expr).to_pylist())
    check("%s: flipped page index bytes are ignored (no page pruned, rows equal)" % where,
          got == want and rep["pages"] == 0, err)
    struct_tests(tmp, where)


if __name__ == "__main__":
    run(main)
