"""The Python package as pyarrow and Polars users expect it (issue 18), run by pytest from
ctest (python.api): typed exceptions deriving from the builtins users catch, the same from
every method; arguments checked and complete; the Table's methods; pickling under
multiprocessing; local bytes_fetched.  Real files from other writers (tests/data/parquet),
pyarrow and Polars from PyPI as the reference, a local HTTP server for S3 answers.
env: FDATA_TEST_DATA (the corpus), FDATA_CLI (the fastdata command)."""
import gc
import http.server
import inspect
import os
import re
import socket
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastdata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("FDATA_TEST_DATA", os.path.join(HERE, "..", "data", "parquet"))
CLI = os.environ.get("FDATA_CLI", os.path.join(HERE, "..", "..", "build", "fastdata"))
GEN = os.path.join(DATA, "generated")
PRIM = os.path.join(GEN, "duckdb_prim_v1_snappy.parquet")  # DuckDB's file, 1000 rows
TINY = os.path.join(DATA, "data", "alltypes_tiny_pages.parquet")  # parquet-testing's


# ---- a local S3 stand-in: fixed answers per key, and a socket that never answers ----

class _Answers(http.server.BaseHTTPRequestHandler):
    """GET/HEAD of .../forbidden* answers 403 AccessDenied, anything else 404 NoSuchKey."""

    def _answer(self):
        status, code = (403, "AccessDenied") if "forbidden" in self.path else (404, "NoSuchKey")
        body = ("<?xml version=\"1.0\"?><Error><Code>%s</Code><Message>no</Message></Error>"
                % code).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def s3_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def silent_server():
    """Accepts connections (the kernel's backlog) and never answers."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    yield "http://127.0.0.1:%d" % hole.getsockname()[1]
    hole.close()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")


# ---- 1. typed exceptions ----

def test_missing_file_is_file_not_found(tmp_path):
    missing = str(tmp_path / "nope.parquet")
    with pytest.raises(FileNotFoundError) as e:
        fastdata.load(missing)
    assert isinstance(e.value, fastdata.NotFoundError) and isinstance(e.value, fastdata.Error)
    assert e.value.path == missing and e.value.code == 6 and missing in str(e.value)


def test_missing_column_is_key_error_from_every_method():
    with pytest.raises(KeyError) as e:
        fastdata.load(PRIM, columns=["id", "nope"])
    assert isinstance(e.value, fastdata.ColumnNotFoundError)
    assert e.value.column == "nope" and e.value.path == PRIM and e.value.code == 9
    assert str(e.value).endswith("no column named 'nope'")  # not KeyError's quoted repr
    with pytest.raises(fastdata.ColumnNotFoundError) as e:
        fastdata.load(PRIM, matrix=["nope"])
    assert e.value.column == "nope"
    t = fastdata.load(PRIM, columns=["id", "c_double"])
    for call in (lambda: t.column("nope"), lambda: t.to_numpy(["c_double", "nope"])):
        with pytest.raises(fastdata.ColumnNotFoundError) as e:
            call()
        assert isinstance(e.value, KeyError) and e.value.column == "nope"


def test_bad_arguments_are_value_errors():
    t = fastdata.load(PRIM, columns=["id", "c_double", "c_string"])
    for call in (lambda: t.to_numpy(dtype="int8"), lambda: t.to_numpy(["c_string"]),
                 lambda: t.sql("SELEC nonsense"), lambda: t.sql("SELECT nope FROM t"),
                 lambda: fastdata.load(PRIM, matrix_order="X")):
        with pytest.raises(ValueError) as e:
            call()
        assert isinstance(e.value, fastdata.InvalidArgumentError)


def test_corrupt_file_is_fastdata_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1" + b"\0" * 64 + b"PAR1")
    with pytest.raises(fastdata.CorruptDataError) as e:
        fastdata.load(str(bad))
    assert e.value.path == str(bad) and e.value.code == 4


def test_s3_http_errors_are_typed(s3_server):
    """403 is a PermissionError, 404 a FileNotFoundError, from load and the S3 methods alike,
    with the object's URL as .path."""
    for key, builtin, cls in (("forbidden.parquet", PermissionError, fastdata.PermissionDeniedError),
                              ("missing.parquet", FileNotFoundError, fastdata.NotFoundError)):
        url = "s3://bucket/" + key
        calls = (lambda: fastdata.load(url, endpoint=s3_server, retries=0),
                 lambda: fastdata.S3(endpoint=s3_server, retries=0).get_many([url]),
                 lambda: fastdata.S3(endpoint=s3_server, retries=0).get(url))
        for call in calls:
            with pytest.raises(builtin) as e:
                call()
            assert isinstance(e.value, cls) and e.value.path == url, (e.value, e.value.path)


def test_silent_server_is_timeout_error(silent_server):
    """stall_timeout (the CLI's --stall-timeout) and retries bound the wait for a server that
    accepts and never answers; the failure is a TimeoutError."""
    for call in (lambda: fastdata.load("s3://bucket/k.parquet", endpoint=silent_server,
                                       stall_timeout=1, retries=0),
                 lambda: fastdata.S3(endpoint=silent_server, stall_timeout=1,
                                     retries=0).get_many(["s3://bucket/k"])):
        t0 = time.monotonic()
        with pytest.raises(TimeoutError) as e:
            call()
        assert isinstance(e.value, fastdata.TimedOutError) and time.monotonic() - t0 < 10


# ---- 2. arguments checked and complete ----

def test_local_globs_and_pathlike(tmp_path):
    for i in range(3):
        pq.write_table(pa.table({"x": [i, i + 10]}), tmp_path / ("part-%d.parquet" % i))
    (tmp_path / "other.txt").write_text("not parquet")
    t = fastdata.load(str(tmp_path / "part-*.parquet"))
    assert t.to_arrow().column("x").to_pylist() == [0, 10, 1, 11, 2, 12]
    t = fastdata.load(tmp_path / "part-1.parquet")  # a pathlib.Path
    assert t.num_rows == 2
    t = fastdata.load([tmp_path / "part-2.parquet", str(tmp_path / "part-0.parquet")])
    assert t.to_arrow().column("x").to_pylist() == [2, 12, 0, 10]
    with pytest.raises(FileNotFoundError):
        fastdata.load(str(tmp_path / "nothing-*.parquet"))


def test_empty_columns_means_no_columns():
    t = fastdata.load([PRIM, PRIM], columns=[])
    assert t.num_columns == 0 and t.num_rows == 2000 and pa.table(t).num_rows == 2000
    t = fastdata.load(PRIM, columns=[], matrix=["c_double", "c_int32"])
    assert t.num_columns == 0 and t.matrix.shape == (1000, 2)


@pytest.mark.parametrize("kw", [dict(threads=-1), dict(connections=-2), dict(memory_limit=-1),
                                dict(part_size=-5), dict(retries=-1), dict(stall_timeout=0),
                                dict(threads=1.5)])
def test_negative_counts_rejected(kw):
    with pytest.raises(ValueError):
        fastdata.load(PRIM, **kw)


def test_negative_counts_rejected_by_s3():
    with pytest.raises(ValueError):
        fastdata.S3(retries=-1)
    with pytest.raises(ValueError, match="not a rate"):  # the S3 client's own check
        fastdata.S3(target_gbps=-1)
    with pytest.raises(ValueError):
        fastdata.S3(endpoint="http://127.0.0.1:1").get_many(["s3://b/k"], connections=-1)


def test_overlapping_columns_and_matrix_warn():
    with pytest.warns(UserWarning, match="c_double"):
        t = fastdata.load(PRIM, columns=["c_double", "id"], matrix=["c_double"])
    assert t.column_names == ["id"] and t.matrix.shape == (1000, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastdata.load(PRIM, columns=["id"], matrix=["c_double"])  # no overlap, no warning


def test_every_cli_s3_option_is_a_keyword():
    usage = subprocess.run([CLI, "load", "--help"], capture_output=True, text=True)
    text = usage.stdout + usage.stderr
    block = text[text.index("S3 options:"):]
    options = set(re.findall(r"--([a-z][a-z-]+)", block))
    assert {"retries", "stall-timeout", "no-checksums", "target-gbps"} <= options, options
    for fn in (fastdata.load, fastdata.S3):
        names = set(inspect.signature(fn).parameters)
        missing = {o for o in options if o.replace("-", "_") not in names}
        assert not missing, (fn, missing)


def test_threads_share_a_runtime():
    """Eight Python threads load eight DuckDB files at once (the GIL released): on the
    default runtime and on a 2-worker fastdata.Runtime with a memory cap, every table equals
    pyarrow's read of its file; bad runtime arguments raise the usual types."""
    files = sorted(os.path.join(GEN, n) for n in os.listdir(GEN)
                   if n.startswith("duckdb_prim_") and n.endswith(".parquet")
                   and "fullrange" not in n)[:8]  # pyarrow fails on its c_int32 pages
    assert len(files) == 8
    cols = ["id", "c_int32", "c_int64", "c_string", "c_date", "c_bool"]  # no NaN
    rt = fastdata.Runtime(threads=2, memory_limit=1 << 20)
    assert (rt.threads, rt.memory_limit, rt.memory_held) == (2, 1 << 20, 0)
    for runtime in (None, rt):
        got = [None] * len(files)

        def one(i):
            got[i] = fastdata.load(files[i], columns=cols, threads=8, runtime=runtime).to_arrow()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(files))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for f, table in zip(files, got):
            ref = pq.read_table(f, columns=cols)
            assert table is not None and table.equals(ref.cast(table.schema)), f
    with pytest.raises(fastdata.InvalidArgumentError):
        fastdata.Runtime(threads=-1)
    with pytest.raises(TypeError):
        fastdata.load(files[0], runtime="default")


def test_requested_schema_honoured():
    t = fastdata.load(PRIM, columns=["id", "c_int32", "c_string"])
    want = pa.schema([("id", pa.int64()), ("c_int32", pa.float64()), ("c_string", pa.large_string())])
    got = pa.table(t, schema=want)  # pyarrow passes requested_schema
    assert got.schema == want
    ref = pq.read_table(PRIM, columns=["id", "c_int32", "c_string"]).cast(want)
    assert got.equals(ref)
    # one it cannot be cast to: the table's own schema, as the protocol allows (best effort)
    odd = pa.schema([("id", pa.int64()), ("c_int32", pa.int32()), ("c_string", pa.int64())])
    reader = pa.RecordBatchReader._import_from_c_capsule(t.__arrow_c_stream__(odd.__arrow_c_schema__()))
    assert reader.schema == t.schema


# ---- 3. Table: batches, streaming, select/slice/[], shape, nbytes, equals, Polars, pickle ----

def test_batches_and_iteration():
    t = fastdata.load([TINY, TINY], columns=["id", "float_col"])
    ref = pq.read_table(TINY, columns=["id", "float_col"])
    batches = t.to_batches()
    assert len(batches) == 2 * pq.ParquetFile(TINY).num_row_groups == t.report["row_groups"]
    assert all(isinstance(b, pa.RecordBatch) for b in batches) and list(t)[0].equals(batches[0])
    assert pa.Table.from_batches(list(t)).equals(pa.concat_tables([ref, ref]))
    addr = t.to_arrow().column("id").chunk(0).buffers()[1].address
    assert batches[0].column(0).buffers()[1].address == addr  # views, not copies


def test_load_stream_yields_batches_as_decoded():
    files = sorted(os.path.join(GEN, f) for f in os.listdir(GEN) if f.startswith("duckdb_prim_v1_"))
    stream = fastdata.load_stream(files, columns=["id", "c_int64", "c_string"])
    assert isinstance(stream, fastdata.LoadStream) and stream.schema.names == ["id", "c_int64", "c_string"]
    got = pa.Table.from_batches(list(stream), schema=stream.schema)
    assert got.equals(fastdata.load(files, columns=["id", "c_int64", "c_string"]).to_arrow())
    assert stream.report["files"] == len(files) and stream.report["rows"] == got.num_rows
    reader = pa.RecordBatchReader.from_stream(fastdata.load_stream(PRIM, columns=["id"]))
    assert reader.read_all().column("id").to_pylist() == list(range(1000))
    with pytest.raises(FileNotFoundError):
        fastdata.load_stream(PRIM + ".missing")
    with pytest.raises(KeyError):
        fastdata.load_stream(PRIM, columns=["nope"])
    with pytest.raises(TypeError):
        fastdata.load_stream(PRIM, matrix=["c_double"])  # the matrix is load()'s


def test_load_stream_batches_outlive_it_and_threads_share_it():
    """Each batch is pyarrow's own (moved out of the stream, under the stream's one schema):
    it stays valid after the stream is gone; two threads iterating one stream get every
    batch once between them; close() while another thread iterates ends its iteration."""
    files = [PRIM] * 6
    stream = fastdata.load_stream(files, columns=["id", "c_string"])
    first = next(stream)
    assert first.schema.equals(stream.schema) and stream.schema is stream.schema
    got, lock = [], threading.Lock()

    def drain():
        for b in stream:
            with lock:
                got.append(b)
    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    del stream
    gc.collect()
    ids = sorted(v for b in [first] + got for v in b.column("id").to_pylist())
    assert ids == sorted(list(range(1000)) * 6)
    assert first.column("c_string").to_pylist() == pq.read_table(PRIM).column("c_string").to_pylist()[:first.num_rows]
    # close() from another thread while one iterates: the iteration ends, nothing crashes
    stream, seen = fastdata.load_stream([PRIM] * 50, columns=["id", "c_string"]), []
    reader = threading.Thread(target=lambda: seen.extend(b.num_rows for b in stream))
    reader.start()
    stream.close()
    reader.join()
    assert sum(seen) <= 50 * 1000 and list(stream) == []


def test_select_slice_getitem_shape_nbytes_equals():
    t = fastdata.load([PRIM, PRIM], columns=["id", "c_int64", "c_string", "c_double"])
    ref = pq.read_table(PRIM, columns=["id", "c_int64", "c_string", "c_double"])
    ref = pa.concat_tables([ref, ref])
    assert t.shape == (2000, 4) and t.nbytes == t.to_arrow().nbytes > 0
    s = t.select(["c_string", "id"])
    assert isinstance(s, fastdata.Table) and s.column_names == ["c_string", "id"]
    assert s.equals(ref.select(["c_string", "id"]))
    assert (s.to_arrow().column("id").chunk(0).buffers()[1].address ==
            t.to_arrow().column("id").chunk(0).buffers()[1].address)  # the same buffers
    part = t.slice(990, 20)
    assert part.num_rows == 20 and part.select(["id", "c_string"]).equals(
        ref.slice(990, 20).select(["id", "c_string"]))
    assert np.array_equal(part.to_numpy(["id", "c_int64"], dtype="float64"),
                          np.column_stack([ref.slice(990, 20).column(c).to_numpy().astype("float64")
                                           for c in ("id", "c_int64")]), equal_nan=True)
    assert t[10:15].select(["id"]).equals(ref.slice(10, 5).select(["id"]))
    assert t["c_int64"].equals(ref.column("c_int64")) and t[["id"]].column_names == ["id"]
    assert t.slice(1990).num_rows == 10 and t.slice(5000).num_rows == 0
    assert t.select(["id"]).equals(t.select(["id"])) and not t.select(["id"]).equals(ref.select(["c_int64"]))
    with pytest.raises(KeyError):
        t.select(["nope"])
    with pytest.raises(KeyError):
        t["nope"]
    with pytest.raises(ValueError):
        t[::2]


def test_to_polars_is_a_dataframe():
    import polars as pl
    t = fastdata.load(PRIM, columns=["id", "c_int64", "c_string"])
    df = t.to_polars()
    assert isinstance(df, pl.DataFrame) and df.shape == (1000, 3)
    assert df.equals(pl.from_arrow(pq.read_table(PRIM, columns=["id", "c_int64", "c_string"])))


def test_pickle_under_multiprocessing():
    import multiprocessing
    import operator
    import pickle
    t = fastdata.load([TINY, TINY], columns=["id", "float_col", "string_col"], matrix=["double_col"])
    back = pickle.loads(pickle.dumps(t))
    assert back.to_arrow().equals(t.to_arrow()) and np.array_equal(back.matrix, t.matrix)
    with multiprocessing.get_context("spawn").Pool(2) as pool:  # a fresh interpreter each
        sums = pool.map(operator.methodcaller("to_numpy", ["id", "float_col"], "float64"), [t, t])
    want = t.to_numpy(["id", "float_col"], "float64")
    assert all(np.array_equal(s, want) for s in sums)


def test_type_stubs_pass_mypy_strict(tmp_path):
    import fastdata as pkg
    pkg_dir = os.path.dirname(pkg.__file__)
    assert os.path.exists(os.path.join(pkg_dir, "py.typed"))
    assert os.path.exists(os.path.join(pkg_dir, "__init__.pyi"))
    usage = tmp_path / "usage.py"
    usage.write_text("""
import fastdata
import pyarrow

t: fastdata.Table = fastdata.load(["a.parquet"], columns=["x"], retries=2, stall_timeout=5)
rows: int = t.shape[0] + t.nbytes + len(t.select(["x"]).slice(1, 2))
batches: list[pyarrow.RecordBatch] = t.to_batches()
for b in fastdata.load_stream("d/", columns=[]):
    rows += b.num_rows
try:
    t.column("y")
except fastdata.ColumnNotFoundError as e:
    name: str | None = e.column
shards: list[fastdata.Shard] = fastdata.plan("d/", columns=["x"], shard_bytes=1 << 27)
part: fastdata.Table = fastdata.load_shard(fastdata.Shard.from_json(shards[0].to_json()))
rows += shards[0].rows + part.num_rows
import fastdata.dask
import fastdata.ray
frame = fastdata.dask.read_parquet("d/", dtype_backend="numpy", index="x")
dataset = fastdata.ray.read_parquet("d/", filters="x > 1", concurrency=2)
""")
    bad = tmp_path / "bad.py"
    bad.write_text("import fastdata\nfastdata.load('a', threads='many')\n")
    examples = os.path.join(HERE, "..", "..", "examples")
    files = [str(usage)] + [os.path.join(examples, f) for f in os.listdir(examples) if f.endswith(".py")]
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports",
                          "--no-incremental", "--cache-dir", os.devnull] + files,
                         capture_output=True, text=True, cwd=str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports",
                          "--no-incremental", "--cache-dir", os.devnull, str(bad)],
                         capture_output=True, text=True, cwd=str(tmp_path))
    assert run.returncode == 1 and "threads" in run.stdout, run.stdout  # the stubs do check


# ---- 4. pandas without copies; column() views ----

@pytest.fixture(scope="module")
def ubiquant(tmp_path_factory):
    """fastdata gen's Ubiquant-like table: 4 files (4 chunks a column), 300 float32 features."""
    d = tmp_path_factory.mktemp("ubiquant")
    subprocess.run([CLI, "gen", "ubiquant", str(d), "--files", "4", "--rows-per-file", "16384"],
                   check=True, stderr=subprocess.DEVNULL)
    return str(d)


def _rss():
    with open("/proc/self/status") as f:
        return int([line for line in f if line.startswith("VmRSS")][0].split()[1]) * 1024


def test_to_pandas_zero_copy_by_default(ubiquant):
    import gc
    import pandas as pd
    t = fastdata.load(ubiquant)
    at = t.to_arrow()
    assert at.column("f_0").num_chunks == 4  # several files: NumPy columns would need copies
    gc.collect()
    before = _rss()
    df = t.to_pandas()
    grown = _rss() - before
    assert grown < 0.25 * t.nbytes, (grown, t.nbytes)  # a copy is 1x (was +164 MB for 152 MB)
    assert isinstance(df["f_0"].dtype, pd.ArrowDtype) and df.shape == t.shape
    col = df["f_0"].array.__arrow_array__()  # the chunks pandas holds
    assert col.chunk(2).buffers()[1].address == at.column("f_0").chunk(2).buffers()[1].address
    ref = pq.read_table(ubiquant).to_pandas(types_mapper=pd.ArrowDtype)
    assert df.equals(ref)
    # what users run next works on it and agrees with NumPy-backed pandas
    plain = pq.read_table(ubiquant, columns=["time_id", "target"]).to_pandas()
    assert np.allclose(df.groupby("time_id")["target"].mean().to_numpy(dtype="float64"),
                       plain.groupby("time_id")["target"].mean().to_numpy(dtype="float64"))


def test_to_pandas_numpy_backend_views_one_chunk_columns():
    t = fastdata.load(os.path.join(GEN, "duckdb_prim_v1_nodict_snappy.parquet"),
                      columns=["id", "c_double", "c_string"])
    df = t.to_pandas(dtype_backend="numpy")
    assert np.shares_memory(df["id"].to_numpy(), t.column("id"))  # one chunk, no nulls: a view
    ref = pq.read_table(os.path.join(GEN, "duckdb_prim_v1_nodict_snappy.parquet"),
                        columns=["id", "c_double", "c_string"]).to_pandas()
    assert df.equals(ref)
    with pytest.raises(ValueError):
        t.to_pandas(dtype_backend="numpy_nullable")


def test_column_is_a_view_after_select_and_slice():
    t = fastdata.load(os.path.join(GEN, "duckdb_prim_v1_nodict_snappy.parquet"), columns=["id", "c_int64"])
    base = t.column("id")
    part = t.select(["id"]).slice(100, 50).column("id")
    assert np.shares_memory(part, base) and np.array_equal(part, base[100:150])


# ---- 5. local bytes_fetched counts what is read ----

def test_local_bytes_fetched_counts_the_projected_ranges():
    for path, cols in ((PRIM, ["id"]), (PRIM, ["id", "c_string", "c_double"]), (TINY, ["int_col"])):
        meta = pq.ParquetFile(path).metadata
        idx = [meta.schema.names.index(c) for c in cols]
        chunks = sum(meta.row_group(rg).column(i).total_compressed_size
                     for rg in range(meta.num_row_groups) for i in idx)
        want = meta.serialized_size + 12 + chunks  # footer, its length, both magics
        got = fastdata.load([path, path], columns=cols).report["bytes_fetched"]
        assert got == 2 * want and got < 2 * os.path.getsize(path), (path, cols, got, want)
    whole = fastdata.load(PRIM).report["bytes_fetched"]
    assert whole <= os.path.getsize(PRIM) and whole > 0.9 * os.path.getsize(PRIM)


# ---- 6. huge pages off by default (bench/handoff/bench_huge_pages.py measured both) ----

HUGE = """
import sys, fastdata
t = fastdata.load(sys.argv[1])  # 4.8 MB value slabs
addr = t.to_arrow().column("i64").chunk(0).buffers()[1].address
for line in open("/proc/self/smaps"):
    head = line.split(" ", 1)[0]
    if "-" in head and ":" not in head:
        lo, hi = (int(x, 16) for x in head.split("-"))
        inside = lo <= addr < hi
    elif inside and line.startswith("VmFlags:"):
        print(" hg" in line)
"""


@pytest.mark.skipif(not os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"),
                    reason="the kernel has no transparent huge pages")
def test_huge_pages_off_by_default_on_with_the_variable():
    env = {k: v for k, v in os.environ.items() if k != "FASTDATA_HUGE_PAGES"}
    big = os.path.join(DATA, "large", "large_row_groups.parquet")
    for setting, want in ((None, "False"), ("1", "True"), ("0", "False")):
        if setting is not None:
            env["FASTDATA_HUGE_PAGES"] = setting
        run = subprocess.run([sys.executable, "-c", HUGE, big], env=env, capture_output=True,
                             text=True)
        assert run.stdout.strip() == want, (setting, run.stdout, run.stderr[-500:])
