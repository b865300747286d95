#!/usr/bin/env python3
"""The Parquet writer against real readers: every corpus file (flat and nested) with an expected dump is
written again by `fastdata convert` (its writable columns; options rotating through every
codec, page version 1 and 2, dictionary on and off, small pages and row groups), then
  - our reader's dump of the copy equals the original's expected dump (the corpus's own
    compare.py), so values survive every encoding path;
  - pyarrow reads the copy and gets the values pyarrow reads from the original;
  - DuckDB reads the copy: the same rows as from the original, and the statistics it sees
    (parquet_metadata) equal the min/max/null count of the values.
Then every such expected dump (JSONL) is itself converted to Parquet with inferred types and
dumped back: the values must survive (compare.py against the dump itself); dumps with
nested values (INTERVAL is a JSON object there) or no rows are skipped, and counted.
usage: test_writer.py FASTDATA DATA_DIR"""
import base64
import json
import math
import os
import subprocess
import sys
import tempfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

FASTDATA, DATA = sys.argv[1], sys.argv[2]
COMPARE = os.path.join(DATA, "compare.py")
results = []
OPTION_SETS = [
    ["--codec", "snappy"],
    ["--codec", "zstd", "--page-version", "2", "--dictionary", "off"],
    ["--codec", "uncompressed", "--page-size", "200", "--row-group-size", "97"],
    ["--codec", "gzip", "--page-version", "2", "--row-group-size", "1000"],
    ["--codec", "brotli", "--dictionary", "off", "--page-size", "1000"],
    ["--codec", "lz4_raw", "--page-version", "2", "--page-size", "500", "--row-group-size", "250"],
]
ENCODING_SETS = [  # every encoding a column can ask for, read back by all three readers
    ["--encoding", "c_int64=delta_binary_packed", "--encoding", "c_int32=delta_binary_packed",
     "--encoding", "c_float=byte_stream_split", "--encoding", "c_double=byte_stream_split",
     "--encoding", "c_string=delta_byte_array", "--encoding", "c_dec18_3=delta_binary_packed",
     "--page-size", "3000"],
    ["--encoding", "c_string=delta_length_byte_array", "--encoding", "c_uuid=byte_stream_split",
     "--encoding", "c_lowcard_int=rle_dictionary", "--encoding", "id=plain", "--page-version", "2",
     "--page-size", "1500"],
]
UNWRITABLE = ("+", "tin", "tiD", "tiM", "tdm", "tD", "n")  # nested, intervals, date64, durations


def check(name, cond, detail=""):
    results.append(bool(cond))
    if not cond:
        print("FAIL %s %s" % (name, detail[:2000]), flush=True)


def writable_columns(path):
    """Top-level columns whose Arrow type the writer takes (from `fastdata schema`)."""
    out = subprocess.run([FASTDATA, "schema", path], capture_output=True, text=True).stdout
    text = out.split("arrow schema:\n", 1)[1] if "arrow schema:\n" in out else ""
    cols = []
    for line in text.splitlines():
        if not line.startswith("  ") or line.startswith("   "):
            continue
        name, typ = line.strip().split(": ", 1)
        simple = not any(t in typ for t in ("interval", "date64", "duration", "null",
                                           "dictionary"))
        if simple:
            cols.append(name)
    return cols


def project_expected(expected, cols, dest):
    with open(expected) as f, open(dest, "w") as out:
        for line in f:
            row = json.loads(line)
            out.write(json.dumps({c: row[c] for c in cols}) + "\n")


def same_value(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def pyarrow_equal(copy, orig, cols):
    try:
        want = pq.read_table(orig, columns=cols, coerce_int96_timestamp_unit="us").to_pylist()
    except Exception:  # pyarrow cannot read the original: nothing to compare with
        return True, ""
    try:
        got = pq.read_table(copy).to_pylist()
    except Exception as e:  # pyarrow reads every column alone? then it is pyarrow's trouble
        alone = all(pq.read_table(copy, columns=[c]) is not None for c in cols)
        return alone, "pyarrow reads each column alone (%s) but not the table: %s" % (alone, e)
    for i, (g, w) in enumerate(zip(got, want)):
        for c in cols:
            if not same_value(g[c], w[c]):
                return False, "row %d column %s: %r vs %r" % (i, c, g[c], w[c])
    return len(got) == len(want), "%d rows vs %d" % (len(got), len(want))


def stats_match(con, copy, cols):
    """DuckDB's view of our statistics against the values themselves (numeric columns)."""
    meta = con.execute("SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count, "
                       "row_group_id FROM parquet_metadata(?)", [copy]).fetchall()
    table = pq.read_table(copy)
    rows_per_group = [pq.ParquetFile(copy).metadata.row_group(g).num_rows
                      for g in range(pq.ParquetFile(copy).metadata.num_row_groups)]
    for path, lo, hi, nulls, group in meta:
        if path not in table.column_names:  # a nested leaf: checked through the dumps
            continue
        col = table.column(path)
        if str(col.type) not in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                 "uint64", "string"):
            continue
        start = sum(rows_per_group[:group])
        values = col.slice(start, rows_per_group[group]).to_pylist()
        present = [v for v in values if v is not None]
        if nulls != len(values) - len(present):
            return False, "%s: null count %s, values have %d" % (path, nulls, len(values) - len(present))
        if present and str(col.type) != "string":
            if str(min(present)) != lo or str(max(present)) != hi:
                return False, "%s group %d: stats %s..%s, values %s..%s" % (path, group, lo, hi,
                                                                            min(present), max(present))
    return True, ""


def main():
    con = duckdb.connect()
    names = []
    with open(os.path.join(DATA, "MANIFEST.tsv")) as f:
        next(f)
        for line in f:
            name, _, _, exercises, status = line.rstrip("\n").split("\t")[:5]
            if status == "ok":
                names.append(name)
    tmp = tempfile.mkdtemp()
    written = 0
    for k, name in enumerate(sorted(names)):
        orig = os.path.join(DATA, name)
        expected = os.path.join(DATA, "expected", os.path.basename(name)[:-len(".parquet")] + ".jsonl")
        cols = writable_columns(orig)
        if not os.path.exists(expected) or not cols or len(set(cols)) < len(cols):
            continue  # (two columns of one name cannot be selected by name)
        option_sets = OPTION_SETS + ENCODING_SETS if "duckdb_prim_v1_snappy" in name \
            else [OPTION_SETS[k % len(OPTION_SETS)]]
        for opts in option_sets:
            copy = os.path.join(tmp, "copy.parquet")
            label = "%s %s" % (name, " ".join(opts))
            p = subprocess.run([FASTDATA, "convert", orig, copy, "--columns", ",".join(cols)] + opts,
                               capture_output=True, text=True)
            check(label + ": written", p.returncode == 0, p.stderr)
            if p.returncode:
                continue
            written += 1
            dump, want = os.path.join(tmp, "dump.jsonl"), os.path.join(tmp, "want.jsonl")
            with open(dump, "w") as out:
                subprocess.run([FASTDATA, "cat", copy], stdout=out)
            project_expected(expected, cols, want)
            c = subprocess.run([sys.executable, COMPARE, dump, want], capture_output=True, text=True)
            check(label + ": our dump equals the expected dump", c.returncode == 0, c.stdout + c.stderr)
            ok, why = pyarrow_equal(copy, orig, cols)
            check(label + ": pyarrow reads the same values", ok, why)
            meta = pq.ParquetFile(copy).metadata.metadata or {}
            try:
                stored = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(meta[b"ARROW:schema"])))
                ok = stored.names == cols and stored.types == pq.read_schema(copy).types
                why = "%s\n%s" % (stored, pq.read_schema(copy))
            except (KeyError, pa.ArrowException) as e:
                ok, why = False, repr(e)
            check(label + ": ARROW:schema holds the columns' Arrow types", ok, why)
            if "--row-group-size" in opts:  # batches are cut: every group but the last is full
                size = int(opts[opts.index("--row-group-size") + 1])
                md = pq.ParquetFile(copy).metadata
                groups = [md.row_group(g).num_rows for g in range(md.num_row_groups)]
                check(label + ": row groups of %d rows" % size, all(n == size for n in groups[:-1])
                      and (not groups or 0 < groups[-1] <= size), groups[:20])
            try:
                n_copy = con.execute("SELECT count(*) FROM read_parquet(?)", [copy]).fetchone()[0]
                ok, why = stats_match(con, copy, cols)
                check(label + ": DuckDB reads it, statistics right", ok and n_copy ==
                      pq.ParquetFile(copy).metadata.num_rows, why)
            except duckdb.Error as e:
                check(label + ": DuckDB reads it", False, str(e))
    check("files written", written >= 40, "%d" % written)
    jsonl = 0
    for name in sorted(names):
        expected = os.path.join(DATA, "expected", os.path.basename(name)[:-len(".parquet")] + ".jsonl")
        if not os.path.exists(expected) or os.path.getsize(expected) == 0:
            continue
        with open(expected) as f:
            first_row = json.loads(f.readline())
        if any(isinstance(v, (dict, list)) for v in first_row.values()):
            continue
        copy, dump = os.path.join(tmp, "from_jsonl.parquet"), os.path.join(tmp, "back.jsonl")
        p = subprocess.run([FASTDATA, "convert", expected, copy, "--codec", "zstd"],
                           capture_output=True, text=True)
        with open(dump, "w") as out:
            subprocess.run([FASTDATA, "cat", copy], stdout=out)
        c = subprocess.run([sys.executable, COMPARE, dump, expected], capture_output=True, text=True)
        check(name + ": its expected dump, through Parquet, is unchanged", p.returncode == 0 and
              c.returncode == 0, p.stderr + c.stdout)
        jsonl += 1
    written += jsonl
    print("%d written; %d passed, %d failed" % (written, results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
