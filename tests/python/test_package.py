#!/usr/bin/env python3
"""The Python package (pip install . into the test venv) with real consumers from PyPI:
values equal pyarrow's own reading of corpus files (flat and nested), through pyarrow,
Polars, DuckDB and pandas; the handoff is zero-copy (two exports share buffer addresses, NumPy
views share memory with them); buffers outlive the Table while views exist; to_numpy builds
one contiguous matrix; load(matrix=...) has the decoders write the same matrix themselves
(values equal pyarrow's, every dtype and order, nulls as NaN; allocated once: peak RSS);
errors are fastdata.Error naming the file.
usage: test_package.py DATA_DIR FASTDATA_CLI"""
import gc
import json
import os
import pathlib
import pickle
import pty
import signal
import socket
import subprocess
import sys
import tempfile
import time

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import fastdata

DATA = sys.argv[1]
CLI = sys.argv[2]
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
res = t.sql("SELECT c_int64 % 7 AS k, count(*) AS n, sum(id) AS s FROM t GROUP BY 1 ORDER BY 1")
want = duckdb.sql("SELECT c_int64 %% 7 AS k, count(*) AS n, sum(id) AS s FROM read_parquet(['%s','%s']) "
                  "GROUP BY 1 ORDER BY 1" % (prim, prim)).to_arrow_table()
check("Table.sql returns a fastdata.Table equal to DuckDB reading the files",
      isinstance(res, fastdata.Table) and res.num_rows == want.num_rows and res.to_arrow().equals(want),
      (res, want))
check("Table.sql: its result takes further SQL", res.sql("SELECT sum(n) AS total FROM t").to_arrow()
      .column("total")[0].as_py() == 2000)
ref_t = pa.concat_tables([pq.read_table(prim, columns=t.column_names)] * 2)


def frames_equal(a, b):
    """pandas' own comparison (NaN equal to NaN in Arrow-backed columns too, where equals says not)."""
    try:
        pd.testing.assert_frame_equal(a, b)
        return True
    except AssertionError:
        return False


check("to_pandas equals pyarrow's (Arrow-backed columns)",
      frames_equal(t.to_pandas(), ref_t.to_pandas(types_mapper=pd.ArrowDtype)))
check("to_pandas(dtype_backend='numpy') equals pyarrow's", t.to_pandas(dtype_backend="numpy").equals(ref_t.to_pandas()))

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


def pyarrow_matrix(path, cols, dtype):
    """The matrix a user would build from pyarrow: nulls as NaN."""
    t = pq.read_table(path, columns=cols)
    with np.errstate(over="ignore"):  # doubles beyond float32 become inf, as ours do
        return np.column_stack([t.column(c).to_numpy(zero_copy_only=False).astype(dtype)
                                for c in cols])


# the feature matrix written by the decoders (load(matrix=...))
for name, cols in [("generated/duckdb_prim_v1_snappy.parquet", ["c_float", "c_double", "c_int32", "c_int8"]),
                   ("data/alltypes_tiny_pages.parquet", ["float_col", "double_col", "int_col", "bool_col", "id"]),
                   ("generated/arrowrs_prim_v2_delta_lz4_raw.parquet", None)]:
    path = os.path.join(DATA, name)
    if cols is None:  # every numeric column pyarrow reads
        cols = [f.name for f in pq.read_schema(path) if pa.types.is_floating(f.type) or
                pa.types.is_integer(f.type)]
    for dtype in ("float32", "float64"):
        for order in ("F", "C"):
            t = fastdata.load([path, path], matrix=cols, matrix_dtype=dtype, matrix_order=order)
            got, want = t.matrix, pyarrow_matrix(path, cols, dtype)
            layout = got.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
            check("load(matrix=) %s %s %s: pyarrow's values, both files, nulls as NaN" % (name, dtype, order),
                  layout and got.dtype == dtype and np.array_equal(got, np.vstack([want, want]), equal_nan=True)
                  and not set(cols) & set(t.column_names), (got.shape, want.shape, t.column_names))
with tempfile.TemporaryDirectory() as d:  # the CLI's .npy, read by NumPy itself
    path, cols = os.path.join(DATA, "data/alltypes_tiny_pages.parquet"), ["float_col", "double_col", "int_col"]
    for order in ("F", "C"):
        rc = subprocess.run([CLI, "load", "--matrix", ",".join(cols), "--matrix-order", order,
                             "--matrix-out", os.path.join(d, "m.npy"), path], capture_output=True).returncode
        got = np.load(os.path.join(d, "m.npy")) if rc == 0 else np.zeros(0)
        check("fastdata load --matrix-out (%s order): numpy.load gives pyarrow's values" % order,
              got.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"] and
              np.array_equal(got, pyarrow_matrix(path, cols, "float32"), equal_nan=True), got.shape)
t = fastdata.load(prim, matrix=["c_double"], columns=["c_double", "c_int32"])
mat = t.matrix
expect = mat.copy()
check("load(matrix=): named in columns too, the column is in the matrix only", t.column_names == ["c_int32"],
      t.column_names)
del t
gc.collect()
check("the matrix outlives its Table", np.array_equal(mat, expect, equal_nan=True))
try:
    fastdata.load(prim, matrix=["c_string"])
    check("a string column for the matrix raises", False)
except fastdata.Error as e:
    check("a string column for the matrix raises fastdata.Error naming it", "c_string" in str(e), e)

# allocated once: the decoders fill the matrix, no table of the features exists beside it
PEAK = """
import sys, fastdata, numpy
def hwm():  # this process's peak RSS (ru_maxrss would include the parent's, from before exec)
    return int([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]) * 1024
feats = ["f_%d" % i for i in range(300)]
base = hwm()
if sys.argv[2] == "matrix":
    m = fastdata.load(sys.argv[1], matrix=feats).matrix
else:
    m = fastdata.load(sys.argv[1]).to_numpy(feats)
print((hwm() - base) / m.nbytes)
"""
with tempfile.TemporaryDirectory() as d:
    subprocess.run([CLI, "gen", "ubiquant", d, "--files", "8", "--rows-per-file", "16384"], check=True,
                   stderr=subprocess.DEVNULL)
    ratio = {k: float(subprocess.run([sys.executable, "-c", PEAK, d, k], check=True, capture_output=True,
                                     text=True).stdout) for k in ("matrix", "to_numpy")}
check("load(matrix=) peak memory ~ the matrix once (< 1.4x), to_numpy needs the table too (> 1.8x)",
      ratio["matrix"] < 1.4 and ratio["to_numpy"] > 1.8, ratio)

run = subprocess.run([sys.executable, "-c", "import fastdata, sys; fastdata.load(sys.argv[1:], progress=True)",
                      prim, prim], capture_output=True, text=True)
check("progress=True: the bar on stderr", run.returncode == 0 and "2/2 files" in run.stderr,
      run.stderr)

# trace=: the load's timeline as Chrome trace JSON, one decode span per column chunk on the
# workers' lanes, row groups as many as the table's batches; written when the load fails too
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "trace.json")
    table = fastdata.load([prim, prim], trace=pathlib.Path(path))
    events = json.load(open(path))["traceEvents"]
    meta = pq.ParquetFile(prim).metadata
    decodes = [e for e in events if e.get("cat") == "decode"]
    groups = sum(e["args"]["count"] for e in events if e["name"] == "row groups")
    check("trace=: %d events, a decode span per column chunk, the row groups of the table"
          % len(events), events[-1]["name"] == "trace end" and
          len(decodes) == 2 * meta.num_row_groups * meta.num_columns and
          groups == 2 * meta.num_row_groups == len(table.to_arrow().to_batches()) and
          all(e["tid"] >= 100 and e["dur"] >= 0 for e in decodes), events[-3:])
    try:
        fastdata.load([prim, os.path.join(d, "missing.parquet")], trace=path + ".2")
        failed = False
    except fastdata.NotFoundError:
        failed = os.path.exists(path + ".2")
    check("trace=: written when the load fails too", failed)

# report=: the page written (as the CLI's --report) and kept on the table; Table.report a
# dict with the per-file table from the same events, its HTML the page in Jupyter
with tempfile.TemporaryDirectory() as d:
    page = os.path.join(d, "report.html")
    other = os.path.join(GEN, "arrowrs_prim_v2_snappy.parquet")  # arrow-rs's file
    table = fastdata.load([prim, other], report=pathlib.Path(page), columns=["id"])
    report = table.report
    files = report["per_file"] or []
    meta = pq.ParquetFile(prim).metadata
    check("report=: a page, and Table.report's per-file table: a row per file, its decoded bytes "
          "the column chunks' sizes", open(page).read() == report._repr_html_() and
          report["rows"] == table.num_rows and [f["name"] for f in files] == [prim, other] and
          files[0]["bytes_decoded"] == sum(meta.row_group(g).column(0).total_compressed_size
                                           for g in range(meta.num_row_groups)) and
          all(f["seconds"] >= 0 and f["parts"] == 0 for f in files), files)
    html = report._repr_html_()
    check("Table.report's HTML: the summary, the timeline, the files table",
          isinstance(report, dict) and "<th>rows</th><td>%d</td>" % table.num_rows in html and
          '<svg id="timeline"' in html and html.count("<tr><td>") == 2, html[:400])
    plain = fastdata.load(prim).report
    check("without report= or trace=: no per-file table; the HTML is the summary alone",
          plain["per_file"] is None and "<svg" not in plain._repr_html_() and
          "<th>files</th><td>1</td>" in plain._repr_html_())
    kept = fastdata.load(prim, report=True).report
    check("report=True: recorded for Table.report alone", kept["per_file"][0]["name"] == prim and
          '<svg id="timeline"' in kept._repr_html_() and os.listdir(d) == ["report.html"])
    again = pickle.loads(pickle.dumps(kept))
    check("Table.report pickles with its page", again == kept and
          again._repr_html_() == kept._repr_html_())

# load_stream(trace=, report=): written when the stream ends, when it is closed early (the
# with block), and when it fails; LoadStream.report a Report with the per-file table after
with tempfile.TemporaryDirectory() as d:
    page, path = os.path.join(d, "stream.html"), os.path.join(d, "stream.json")
    other = os.path.join(GEN, "arrowrs_prim_v2_snappy.parquet")
    stream = fastdata.load_stream([prim, other], columns=["id"], report=pathlib.Path(page),
                                  trace=path)
    first = next(stream)
    written_early = os.path.exists(page) or os.path.exists(path)
    rows = first.num_rows + sum(b.num_rows for b in stream)
    report = stream.report
    events = json.load(open(path))["traceEvents"] if os.path.exists(path) else []
    check("load_stream(report=, trace=): nothing written while it runs; at its end the page "
          "(its memory chart too), the trace and LoadStream.report's per-file table",
          not written_early and os.path.exists(page) and open(page).read() == report._repr_html_()
          and '<svg id="memory"' in report._repr_html_() and report["rows"] == rows == 2000 and
          [f["name"] for f in report["per_file"] or []] == [prim, other] and
          events and events[-1]["name"] == "trace end" and
          any(e.get("cat") == "decode" for e in events), repr(report))
    early = os.path.join(d, "early.html")
    with fastdata.load_stream([prim, other], columns=["id"], report=early) as stream:
        next(stream)
    check("load_stream(report=): written when closed early (leaving the with block), and the "
          "stream then ends", os.path.exists(early) and '<svg id="timeline"' in open(early).read()
          and list(stream) == [])
    bad = os.path.join(d, "bad.parquet")
    with open(prim, "rb") as f:
        data = f.read()
    with open(bad, "wb") as f:  # a valid footer, data pages of zeros: the decode fails
        f.write(data[:4] + bytes(len(data) - 12 - int.from_bytes(data[-8:-4], "little")) +
                data[-8 - int.from_bytes(data[-8:-4], "little"):])
    failed = os.path.join(d, "failed.json")
    try:
        list(fastdata.load_stream([prim, bad], trace=failed))
        raised = False
    except fastdata.Error:
        raised = True
    check("load_stream(trace=): written when the stream fails too", raised and
          json.load(open(failed))["traceEvents"][-1]["name"] == "trace end")
    unwritable = fastdata.load_stream(prim, report=os.path.join(d, "no-dir", "r.html"))
    try:
        list(unwritable)
        raised = None
    except fastdata.Error as e:
        raised = str(e)
    check("load_stream(report=) to a path that cannot be written: raised at the end, naming it",
          raised and "no-dir/r.html" in raised, repr(raised))

# progress=True on a terminal: the CLI's bar, redrawn at most 10 times a second; not a
# terminal and progress=None: nothing on stderr
with tempfile.TemporaryDirectory() as d:
    subprocess.run([CLI, "gen", "ubiquant", d, "--files", "6", "--rows-per-file", "20000"], check=True,
                   stderr=subprocess.DEVNULL)
    master, slave = pty.openpty()  # the bar is short: the terminal's buffer holds all of it
    start = time.monotonic()
    p = subprocess.run([sys.executable, "-c", "import fastdata, sys; fastdata.load(sys.argv[1], "
                        "threads=1, progress=True)", d], stderr=slave, timeout=120)
    os.close(slave)
    shown = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            shown += chunk
    except OSError:  # every byte read: the terminal has no writer left
        pass
    os.close(master)
    seconds = time.monotonic() - start
    draws = [x.split("\x1b[K")[0] for x in shown.decode("utf-8", "replace").split("\r")
             if x.startswith("[")]
    check("progress=True on a terminal: %d draws in %.2f s (at most 10 a second), percent, rate, "
          "ETA, files" % (len(draws), seconds), p.returncode == 0 and draws and
          len(draws) <= 10 * seconds + 2 and draws[-1].startswith("[" + "#" * 30 + "] 100%") and
          "MB/s  ETA " in draws[-1] and draws[-1].endswith("6/6 files"), repr(shown[-300:]))
    quiet = subprocess.run([sys.executable, "-c", "import fastdata, sys; fastdata.load(sys.argv[1])", d],
                           capture_output=True, text=True)
    check("progress=None, stderr not a terminal: nothing on stderr", quiet.returncode == 0 and
          quiet.stderr == "", quiet.stderr)

# Ctrl-C: a server that accepts connections and never answers; the load (and a download)
# must end at once with KeyboardInterrupt, not when the stall timeout gives up
hole = socket.socket()
hole.bind(("127.0.0.1", 0))
hole.listen(64)
INTERRUPTED = """
import fastdata, sys
print("go", flush=True)
try:
    if sys.argv[1] == "load":
        fastdata.load("s3://bucket/key.parquet", endpoint=sys.argv[2], no_sign_request=True)
    elif sys.argv[1] == "prefix":  # the listing hangs
        fastdata.load("s3://bucket/table/", endpoint=sys.argv[2], no_sign_request=True)
    elif sys.argv[1] == "list":
        fastdata.S3("s3://bucket/p/", endpoint=sys.argv[2]).list_recursive()
    else:
        fastdata.S3(endpoint=sys.argv[2]).get_many(["s3://bucket/key"])
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
except fastdata.Error as e:
    print(e)
"""
for what, mode in (("load", "load"), ("load of a prefix (listing)", "prefix"),
                   ("S3.get_many", "get"), ("S3.list_recursive", "list")):
    p = subprocess.Popen([sys.executable, "-c", INTERRUPTED, mode,
                          "http://127.0.0.1:%d" % hole.getsockname()[1]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"))
    p.stdout.readline()
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    t0 = time.time()
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check("Ctrl-C during %s from a server that never answers: KeyboardInterrupt in %.1f s" % (
        what, time.time() - t0), out.strip() == "interrupted" and time.time() - t0 < 3, out + err[-300:])
hole.close()

# a released table's large value buffers keep their pages for the next load, until given back
big = fastdata.load(os.path.join(DATA, "large/large_row_groups.parquet"))
check("a table of large row groups loads", big.num_rows == 600000)
del big
gc.collect()
kept = fastdata.release_cached_memory()
check("release_cached_memory gives back the released table's pages (%d bytes), then none" % kept,
      kept >= 4 << 20 and fastdata.release_cached_memory() == 0, kept)


def advised_huge(addr):
    """Whether the mapping holding addr has huge pages advised (VmFlags hg), None if unknown."""
    inside = False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split(" ", 1)[0]
            if "-" in head and ":" not in head:
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= addr < hi
            elif inside and line.startswith("VmFlags:"):
                return " hg" in line
    return None


# the huge-page switch decides what the value buffers of a load ask the kernel for
for enable in (False, True):
    fastdata.set_huge_pages(enable)
    fastdata.release_cached_memory()  # fresh mappings (reused pages keep their own flags)
    t = fastdata.load(os.path.join(DATA, "large/large_row_groups.parquet"))  # 4.8 MB slabs
    col = t.to_arrow().column("i64").chunk(0)  # fastdata's buffer itself (NumPy advises its own)
    addr = col.buffers()[1].address
    want = enable and os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled")
    check("set_huge_pages(%s): the values' mapping %s huge pages advised" % (
        enable, "has" if want else "has no"), addr is not None and advised_huge(addr) == want,
        (addr, advised_huge(addr) if addr else None))
    del col, t
    gc.collect()
fastdata.release_cached_memory()
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

# invalid_utf8= and int96_unit=, as the CLI's --invalid-utf8 and --int96-unit
bad_utf8 = os.path.join(DATA, "real", "duckdb_invalid_utf8_dictionary.parquet")
try:
    fastdata.load(bad_utf8)
    check("invalid UTF-8 raises fastdata.Error", False)
except fastdata.Error as e:
    check("invalid UTF-8 raises fastdata.Error naming column and row", "'X1'" in str(e) and
          "row 0" in str(e), e)
check("invalid_utf8='replace': U+FFFD", pa.table(fastdata.load(bad_utf8, invalid_utf8="replace"))
      .column("X1").to_pylist() == ["TREL\ufffd", "hello world"])
check("invalid_utf8='binary': a binary column", pa.table(fastdata.load(bad_utf8, invalid_utf8="binary"))
      .schema.field("X1").type == pa.binary())
old_dates = os.path.join(DATA, "real", "impala_out_of_range_timestamp.parquet")
ts = pa.table(fastdata.load(old_dates)).column("ts")
check("INT96 years 1399-10000 load as timestamp[us] by default, as pyarrow reads them in us",
      ts.type == pa.timestamp("us") and ts.cast(pa.int64()).to_pylist() == pq.read_table(
          old_dates, coerce_int96_timestamp_unit="us").column("ts").cast(pa.int64()).to_pylist())
check("int96_unit='ms'", pa.table(fastdata.load(old_dates, int96_unit="ms")).column("ts").type ==
      pa.timestamp("ms"))
try:
    fastdata.load(old_dates, int96_unit="ns")
    check("int96_unit='ns' raises for year 1399", False)
except fastdata.Error as e:
    check("int96_unit='ns' raises fastdata.Error for year 1399", "timestamp[ns]" in str(e), e)
try:
    fastdata.load(old_dates, int96_unit="days")
    check("a bad int96_unit raises ValueError", False)
except ValueError:
    check("a bad int96_unit raises ValueError", True)

print("%d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
