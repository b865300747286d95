"""fastdata: Parquet from S3 (or local files) into Arrow memory at line rate, handed to
pyarrow, Polars, DuckDB, pandas and NumPy without copies.

    import fastdata
    t = fastdata.load("s3://bucket/table/", columns=["time_id", "target", "f_0"])
    t.to_arrow()          # pyarrow.Table over fastdata's buffers (no copy)
    pl.DataFrame(t)       # Polars, DuckDB, pyarrow take `t` itself (Arrow PyCapsule interface)
    t.column("f_0")       # NumPy view (no copy when the column is one chunk without nulls)
    t.to_numpy(["f_0", "f_1"])  # one contiguous float32 feature matrix (one copy)
    t = fastdata.load("s3://bucket/table/", matrix=["f_0", "f_1"])
    t.matrix              # the same matrix written by the decoders themselves (no copy)
    t.sql("SELECT time_id, avg(target) FROM t GROUP BY 1")  # DuckDB over the table

S3 settings come from the usual AWS variables and files, or the keyword arguments.

Errors: every failure raises a subclass of fastdata.Error (with .code, .path, .column) that
also derives from the builtin a Python user catches: NotFoundError is a FileNotFoundError,
PermissionDeniedError a PermissionError, ColumnNotFoundError a KeyError, InvalidArgumentError
a ValueError, TimedOutError a TimeoutError, OutOfMemoryError a MemoryError.
"""
import contextlib
import datetime
import decimal
import glob
import json
import os
import sys
import threading
import warnings

from ._errors import (ColumnNotFoundError, CorruptDataError, Error, InvalidArgumentError,
                      NotFoundError, OutOfMemoryError, PermissionDeniedError, TimedOutError,
                      UnsupportedError, name_column, name_path)
from ._fastdata import (_S3, Runtime, _Table, _from_stream, release_cached_memory, set_huge_pages,
                        version)
from ._fastdata import load as _load_core
from ._fastdata import plan as _plan_core
from ._fastdata import shard_check as _shard_check
from ._fastdata import load_stream as _load_stream

__all__ = ["load", "load_stream", "LoadStream", "Table", "Report", "plan", "load_shard", "Shard", "S3", "S3Object", "Runtime", "Error", "version",
           "release_cached_memory", "set_huge_pages", "ColumnNotFoundError", "CorruptDataError",
           "InvalidArgumentError", "NotFoundError", "OutOfMemoryError", "PermissionDeniedError", "TimedOutError",
           "UnsupportedError"]
__version__ = version


@contextlib.contextmanager
def _naming(sources=(), columns=()):
    """Fills in .path and .column of a fastdata.Error raised inside from what the call was
    given (the file or object the message starts with, the column it quotes)."""
    try:
        yield
    except Error as e:
        if e.path is None:
            name_path(e, sources)
        if e.column is None:
            name_column(e, columns)
        raise


class Report(dict):
    """What a load did, as a dict; its _repr_html_ is the report's page (the summary, and with
    a recorded timeline the connections and decode workers over time, throughput against
    the link's and the decoders' limits, memory (bytes in flight, budget held, RSS) against
    the memory limit, and the per-file table), so Jupyter shows it."""

    def __init__(self, values, html):
        super().__init__(values)
        self._html = html

    def _repr_html_(self):
        return self._html

    def __reduce__(self):
        return (Report, (dict(self), self._html))


class Table:
    """A table loaded by fastdata.  Its buffers live as long as this object or any view of
    them (a pyarrow table, a Polars frame, a NumPy array) does."""

    def __init__(self, core, matrix=None):
        self._core = core
        self._matrix = matrix

    @property
    def matrix(self):
        """The feature matrix asked for with load(..., matrix=[...]): a NumPy array
        (rows x columns) over the memory the decoders wrote, or None."""
        if self._matrix is None:
            return None
        import numpy as np
        return np.asarray(self._matrix)

    @property
    def num_rows(self):
        return self._core.num_rows

    @property
    def column_names(self):
        return self._core.column_names

    @property
    def num_columns(self):
        return len(self._core.column_names)

    @property
    def report(self):
        """What the load did (a Report, a dict): files, rows, bytes fetched and decoded,
        seconds, Gbit/s..., and "per_file": the per-file table (name, bytes, bytes_decoded,
        parts, retries, seconds) when the load recorded a timeline (report= or trace=), else
        None.  In Jupyter it shows as the HTML report."""
        return Report(self._core.report, self._core.report_html)

    @property
    def schema(self):
        import pyarrow as pa
        return pa.schema(self._core)

    def __arrow_c_stream__(self, requested_schema=None):
        """The table as an Arrow C stream capsule (views of fastdata's buffers).  A
        `requested_schema` (an ArrowSchema capsule) is honoured through a pyarrow cast when the
        columns can be cast to it (a copy of the cast columns), else the stream keeps the
        table's own schema, as the PyCapsule protocol allows (best effort)."""
        if requested_schema is not None:
            import pyarrow as pa
            want = pa.Schema._import_from_c_capsule(requested_schema)
            if want != self.schema:
                try:
                    return self.to_arrow().cast(want).__arrow_c_stream__()
                except (pa.ArrowException, ValueError, TypeError):
                    pass
        return self._core.__arrow_c_stream__(None)

    def __arrow_c_schema__(self):
        return self._core.__arrow_c_schema__()

    def __len__(self):
        return self.num_rows

    def __repr__(self):
        return "fastdata.Table(%d rows, %d columns: %s)" % (
            self.num_rows, self.num_columns, ", ".join(self.column_names[:8]) +
            (", ..." if self.num_columns > 8 else ""))

    @property
    def shape(self):
        """(num_rows, num_columns), as pandas and Polars have it."""
        return (self.num_rows, self.num_columns)

    @property
    def nbytes(self):
        """Bytes of the table's buffers (a slice counts its part), as pyarrow's nbytes."""
        return self.to_arrow().nbytes

    def __iter__(self):
        """The record batches (pyarrow.RecordBatch views, one per row group)."""
        return iter(self.to_batches())

    def to_batches(self):
        """The record batches as a list of pyarrow.RecordBatch over the same buffers."""
        return self.to_arrow().to_batches()

    def select(self, columns):
        """A Table of these columns, in this order, over the same buffers (no copy)."""
        columns = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in columns if c not in self.column_names]
        if missing:
            raise ColumnNotFoundError("no column named '%s'" % missing[0], column=missing[0],
                                      code=9)
        return Table(_from_stream(self.to_arrow().select(columns).__arrow_c_stream__()))

    def slice(self, offset=0, length=None):
        """A Table of rows offset .. offset+length (to the end when None), over the same
        buffers (no copy); offsets beyond the end give fewer rows, as pyarrow's slice."""
        _count("offset", offset), _count("length", length)
        return Table(_from_stream(self.to_arrow().slice(offset, length).__arrow_c_stream__()))

    def __getitem__(self, key):
        """t["col"]: the column as a pyarrow.ChunkedArray (a view); t[["a", "b"]]: select;
        t[i:j]: slice (step 1)."""
        if isinstance(key, str):
            return self.select([key]).to_arrow().column(0)
        if isinstance(key, slice):
            start, stop, step = key.indices(self.num_rows)
            if step != 1:
                raise InvalidArgumentError("a Table slice takes step 1, not %d" % step)
            return self.slice(start, max(stop - start, 0))
        if isinstance(key, (list, tuple)):
            return self.select(key)
        raise TypeError("Table[...] takes a column name, a list of them or a slice, not %r"
                        % type(key).__name__)

    def equals(self, other):
        """Whether `other` (a fastdata.Table, pyarrow.Table or any Arrow stream) holds the same
        schema and values (pyarrow's Table.equals: NaN != NaN)."""
        import pyarrow as pa
        return self.to_arrow().equals(pa.table(other))

    def to_polars(self):
        """A polars.DataFrame over the same buffers (no copy), through the PyCapsule stream."""
        import polars as pl
        return pl.DataFrame(self)

    def __reduce__(self):
        """Pickling (multiprocessing, joblib): the table as Arrow IPC stream bytes (one copy,
        the batches kept), the matrix as NumPy pickles it; the report is not kept."""
        import pyarrow as pa
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.schema) as writer:
            writer.write_table(self.to_arrow())
        return (_from_ipc, (sink.getvalue().to_pybytes(), self.matrix))

    def to_arrow(self):
        """A pyarrow.Table over the same buffers (no copy)."""
        import pyarrow as pa
        return pa.table(self)

    def to_pandas(self, dtype_backend="pyarrow", **kwargs):
        """A pandas.DataFrame, as pandas' readers name the choice (dtype_backend):

        "pyarrow" (default): no copy of any column: each is a pandas.ArrowDtype column over
        the table's own chunks, whatever the type, the nulls and the number of files or row
        groups.  Copies come later, in pandas operations that need one NumPy array (e.g.
        DataFrame.to_numpy, or a column of several chunks turned into NumPy).
        "numpy": NumPy columns, one block per column (pyarrow's split_blocks): a view (no copy)
        for a numeric column without nulls held in one chunk (a load of one row group);
        copied: a column of several chunks (several files or row groups), with nulls (NaN or
        None), boolean, string, temporal or nested columns.
        Other keywords go to pyarrow.Table.to_pandas."""
        if dtype_backend == "pyarrow":
            import pandas as pd
            kwargs.setdefault("types_mapper", pd.ArrowDtype)
        elif dtype_backend == "numpy":
            kwargs.setdefault("split_blocks", True)
        else:
            raise InvalidArgumentError("dtype_backend is 'pyarrow' or 'numpy', not %r"
                                       % (dtype_backend,))
        return self.to_arrow().to_pandas(**kwargs)

    def column(self, name):
        """Column `name` as a NumPy array: a view of fastdata's buffer wherever the layout
        allows one, i.e. a numeric column without nulls in one chunk (one row group, also after
        select or slice); else a copy (several chunks joined, nulls as NaN / None, booleans
        unpacked, strings as objects)."""
        if name not in self.column_names:
            raise ColumnNotFoundError("no column named '%s'" % name, column=name, code=9)
        col = self.to_arrow().column(name)
        if col.num_chunks == 1:
            return col.chunk(0).to_numpy(zero_copy_only=False)
        return col.to_numpy()

    def to_numpy(self, columns=None, dtype="float32", order="F"):
        """The numeric `columns` (default: every column) as one contiguous 2-D float32 or
        float64 array (rows x columns, nulls as NaN), Fortran order (each column contiguous,
        what LightGBM and XGBoost read fastest) or C order: filled in C without the GIL, one
        copy straight from fastdata's buffers."""
        import numpy as np
        columns = list(columns) if columns is not None else self.column_names
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64) or order not in ("C", "F"):
            raise InvalidArgumentError("to_numpy makes float32 or float64 matrices in C or F order")
        out = np.empty((self.num_rows, len(columns)), dtype=dtype, order=order)
        self._core._fill_matrix(out.reshape(-1, order=order).view(np.uint8), columns,
                                order == "F", dtype == np.float64)
        return out

    def sql(self, query):
        """Runs `query` in DuckDB with this table as `t` (DuckDB scans fastdata's buffers in
        place); the result comes back as a fastdata Table."""
        try:
            import duckdb
        except ImportError as e:
            raise ImportError("Table.sql needs DuckDB: pip install duckdb") from e
        con = duckdb.connect()
        con.register("t", self.to_arrow())
        try:
            result = con.sql(query)
        except (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException) as e:
            raise InvalidArgumentError("Table.sql: %s" % e) from e  # the query's fault
        except duckdb.Error as e:
            raise Error("Table.sql: %s" % e) from e
        if result is None:
            raise InvalidArgumentError("Table.sql: the statement returns no rows")
        return Table(_from_stream(result.__arrow_c_stream__()))  # DuckDB streams its result


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _count(name, value, low=0):
    """A count or size keyword: None (the default) or an int >= low."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
        raise InvalidArgumentError("%s must be an integer >= %d, not %r" % (name, low, value))
    return value


_S3_KEYWORDS = ("endpoint", "region", "profile", "no_sign_request", "path_style", "retries",
                "stall_timeout", "no_checksums", "target_gbps", "timeout")


def _s3_options(endpoint=None, region=None, profile=None, no_sign_request=False,
                path_style=False, retries=None, stall_timeout=None, no_checksums=False,
                target_gbps=None, timeout=None):
    """The S3 keyword options as the C extension reads them (the CLI's S3 options)."""
    if timeout is not None and not timeout > 0:
        raise InvalidArgumentError("timeout must be > 0 seconds, not %r" % (timeout,))
    _count("retries", retries)
    _count("stall_timeout", stall_timeout, 1)  # target_gbps: the S3 client checks it
    return dict(endpoint=endpoint, region=region, profile=profile,
                no_sign_request=bool(no_sign_request), path_style=bool(path_style),
                retries=-1 if retries == 0 else retries,  # the library reads 0 as its default
                stall_timeout=stall_timeout, no_checksums=bool(no_checksums),
                target_gbps=target_gbps, timeout=timeout)


def _local_sources(sources):
    """The sources as the C library takes them: a list of str, os.PathLike made str, local
    globs expanded (sorted; one that matches nothing raises NotFoundError; s3:// globs are the
    library's)."""
    out = []
    for src in [sources] if isinstance(sources, (str, os.PathLike)) else list(sources):
        src = os.fspath(src)
        if not isinstance(src, str):
            raise InvalidArgumentError("sources are str or os.PathLike, not %r" % (src,))
        if src.startswith("s3://") or not glob.has_magic(src):
            out.append(src)
            continue
        found = sorted(glob.glob(src))
        if not found:
            raise NotFoundError("%s: no files match" % src, path=src, code=6)
        out += found
    return out


def _filter_literal(v):
    if isinstance(v, str):
        return "'%s'" % v.replace("'", "''")
    if isinstance(v, datetime.datetime):
        return "TIMESTAMP '%s'" % v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return "DATE '%s'" % v.isoformat()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, decimal.Decimal) and v.is_finite():
        return str(v)  # exact: compared with decimal columns at their scale
    raise TypeError("filters: %r is not a str, int, float, Decimal, bool, date or datetime"
                    % (v,))


def _filter_term(term):
    column, op, value = term
    if '"' in column:
        raise InvalidArgumentError("filters: a column name with '\"' is not supported: %r" % column)
    op = op.lower()
    if op in ("in", "not in"):
        return '"%s" %s (%s)' % (column, op.upper(), ", ".join(_filter_literal(v) for v in value))
    ops = {"=": "=", "==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
    if op not in ops:
        raise InvalidArgumentError("filters: %r is not one of = == != < <= > >= in, not in" % op)
    return '"%s" %s %s' % (column, ops[op], _filter_literal(value))


def _filter_text(filters):
    """The CLI's filter text of a str (as it is) or of pyarrow's DNF list form."""
    if filters is None or isinstance(filters, str):
        return filters
    filters = list(filters)
    if not filters:
        raise InvalidArgumentError("filters: an empty list")
    ors = filters if isinstance(filters[0], list) else [filters]
    return " OR ".join("(%s)" % " AND ".join(_filter_term(t) for t in conj) for conj in ors)


def _partition_types(types):
    """{"k": "int64"} or "k:int64,..." as the library's "k:type,..." string."""
    if types is None or isinstance(types, str):
        return types
    return ",".join("%s:%s" % (k, v) for k, v in dict(types).items())


def load(sources, columns=None, threads=None, connections=None, memory_limit=None,
         part_size=None, endpoint=None, region=None, profile=None, no_sign_request=False,
         matrix=None, matrix_dtype="float32", matrix_order="F", progress=None, target_gbps=None,
         retries=None, stall_timeout=None, no_checksums=False, path_style=False, timeout=None,
         invalid_utf8="error", int96_unit="us", partitioning=None, partition_types=None,
         schema="union", filters=None, strings="plain", trace=None, report=None, runtime=None):
    """Loads Parquet files into one table: `sources` is an s3:// prefix (every object below),
    an s3:// glob, keys, local directories, files or globs (a str, an os.PathLike or a list of
    them).  Downloads in parallel and decodes on all cores while the bytes arrive; the GIL is
    released meanwhile.  Raises a fastdata.Error subclass naming the file and the cause.

    columns: the columns to load (default: all; [] none: a table of num_rows rows and no
    columns, e.g. beside a matrix).

    matrix: numeric columns that the decoders write straight into one float32 or float64
    matrix (`matrix_dtype`), Fortran (`matrix_order="F"`, each column contiguous) or C order,
    nulls as NaN: `Table.matrix`.  float32 columns into a float32 Fortran matrix go from the
    pages into it with no copy at all.  Those columns are not in the table itself, even when
    `columns` names them too (a UserWarning says so: the table would hold them twice).

    progress: a progress bar on stderr (percent of bytes, rate, time left, files done;
    redrawn at most 10 times a second), as the CLI shows on a terminal (default: when stderr
    is a terminal).

    threads, connections, memory_limit (downloaded bytes not yet decoded, default 2 GiB),
    part_size (bytes per ranged GET, default 8 MiB): as the CLI's options; None = default.

    S3 (as the CLI's S3 options): endpoint, region, profile, no_sign_request, path_style,
    retries (attempts after the first, default 4), stall_timeout (seconds below 1 KiB/s before
    a transfer is retried, default 30), no_checksums (do not ask for nor verify whole-object
    checksums), target_gbps: the download rate that sizes the connections when `connections`
    is not given, one per 0.625 Gbit/s (default: the profile's `s3 = target_bandwidth`, else
    10: 16), timeout: seconds, a deadline for all of the call's S3 work (as the CLI's
    --timeout); when it passes, fastdata.TimedOutError says so (default: none).

    invalid_utf8: what STRING values that are not valid UTF-8 do: "error" (fastdata.Error
    naming the column, row and byte), "binary" (such columns come as binary) or "replace"
    (U+FFFD).  int96_unit: INT96 timestamps as timestamp[s|ms|us|ns] ("us": every year
    Spark, Hive and Impala write fits; "ns" holds only 1677-2262); a value that does not fit
    raises fastdata.Error.  strings: flat string columns as "plain" (utf8), "view"
    (string_view, the layout Polars uses) or "dictionary" (dictionary<int32, utf8>: the
    Parquet dictionary and indices, no copy of the strings).  As the CLI's --invalid-utf8,
    --int96-unit and --strings.

    partitioning: "hive" (key=value folders below a prefix or directory become columns: the
    default when every file has the same keys), "none" (they do not), or None (auto).
    partition_types: {"key": "int64" | "float64" | "date32" | "timestamp" | "string"} or the
    CLI's "key:type,..." string (default: inferred from the values).

    schema: "union" (every file's columns by name; nulls where a file lacks one; types widened
    without loss: int8/16/32 -> int64, float32 -> float64, finer time units, large strings;
    struct fields unified by name and list/map elements unified, at any depth) or "first"
    (the first file's columns and types).

    filters: the rows to keep, as the CLI's --filter text ("day >= DATE '2024-01-01' AND
    region IN ('eu', 'us')") or pyarrow's DNF form: a list of (column, op, value) tuples
    (AND), or a list of such lists (OR of them); ops = == != < <= > >= in "not in"; values
    str, int, float, decimal.Decimal (compared exactly with decimal columns), bool, date or
    datetime; columns by name or struct path ("s.a").  Files whose partition values cannot
    match are never read (none selected: an empty table with the table's columns); the
    other rows are removed after decoding (with `matrix`, from the matrix too).  A filter that does not parse raises InvalidArgumentError (a ValueError); one
    naming a missing column, ColumnNotFoundError.

    trace: a path (str or os.PathLike) where the load's timeline is written, in the Chrome
    trace event format (open it in https://ui.perfetto.dev), as the CLI's --trace; also when
    the load fails.

    report: a path where the load's report is written as one self-contained HTML page, as
    the CLI's --report (also when the load fails), or True to record it for Table.report
    alone (its "per_file" table and its HTML in Jupyter).  The limit drawn against the download
    is target_gbps when given.
    runtime: a fastdata.Runtime(threads=, memory_limit=) whose workers decode and download
    and whose memory_limit caps the bytes in flight of every load given it, together (default:
    the process's shared runtime, one worker per CPU, no shared cap).  Loads from several
    Python threads run at once (the GIL is released) on the same workers.  A forked child
    (multiprocessing, Dask) gets a fresh default runtime; a Runtime made before the fork is
    not used there."""
    return Table(*_load(*_load_args(**locals())))


def _load_args(sources, columns, matrix, matrix_dtype, matrix_order, progress, threads,
               connections, memory_limit, part_size, **options):
    """load()'s arguments checked, as the C extension's load takes them: (sources, options).
    A keyword not named here goes to the C extension as it is (read there by name)."""
    if matrix_dtype not in ("float32", "float64") or matrix_order not in ("C", "F"):
        raise InvalidArgumentError("matrix_dtype is float32 or float64, matrix_order C or F")
    columns = [columns] if isinstance(columns, str) else columns
    matrix = [matrix] if isinstance(matrix, str) else matrix
    both = sorted(set(columns or ()) & set(matrix or ()))
    if both:
        warnings.warn("columns %s go into the matrix only, not the table too" % both, stacklevel=3)
    options.update(_s3_options(**{k: options.pop(k) for k in _S3_KEYWORDS}),
                   columns=None if columns is None else list(columns),
                   matrix=None if matrix is None else list(matrix),
                   matrix_wide=matrix_dtype == "float64", matrix_fortran=matrix_order == "F",
                   progress=_is_terminal(sys.stderr) if progress is None else bool(progress),
                   threads=_count("threads", threads),
                   connections=_count("connections", connections),
                   memory_limit=_count("memory_limit", memory_limit),
                   part_size=_count("part_size", part_size),
                   partition_types=_partition_types(options.get("partition_types")),
                   filters=_filter_text(options.get("filters")))
    if options.get("trace") is not None:
        options["trace"] = os.fspath(options["trace"])
    report = options.pop("report", None)
    if report is True:
        options["report"] = ""  # recorded for Table.report, written nowhere
    elif report is not None and report is not False:
        options["report"] = os.fspath(report)
    return _local_sources(sources), options


def _load(sources, options):
    with _naming(sources, (options["columns"] or []) + (options["matrix"] or [])):
        return _load_core(sources, options)


def _from_ipc(data, matrix=None):
    """A Table from Arrow IPC stream bytes (Table.__reduce__)."""
    import pyarrow as pa
    return Table(_from_stream(pa.ipc.open_stream(data).__arrow_c_stream__()), matrix)


class LoadStream:
    """A streamed load (fastdata.load_stream): iterating yields pyarrow.RecordBatch views as
    each is decoded, in file then row-group order, while later files still download and
    decode; memory stays bounded by memory_limit (downloaded bytes not yet decoded, and
    again decoded batches not yet taken), every file's footer until its file is decoded, and
    what the caller keeps (see fdata_load_stream in fastdata/load.h).  Also an Arrow
    stream itself (__arrow_c_stream__: pyarrow.RecordBatchReader.from_stream, Polars, DuckDB
    read it lazily).  `report` is complete once the stream has ended.  With trace= or
    report=, they are written when the stream ends (or fails), or when it is closed
    (close(), or leaving a `with` block) before its end."""

    def __init__(self, core):
        self._core = core
        self._schema = None  # the pyarrow schema, imported once for every batch
        self._lock = threading.Lock()  # next() and close() one at a time (close frees what
                                       # a next() in progress reads)

    def close(self):
        """Stops the load (downloads and decoders joined) and writes its trace and report
        (trace=, report=) if it has not ended already; iterating then ends at once.  From
        another thread: once a batch in progress has come."""
        with self._lock:  # (after a batch in progress: it reads the stream)
            self._core.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def schema(self):
        if self._schema is None:
            import pyarrow as pa
            self._schema = pa.schema(self._core)
        return self._schema

    @property
    def report(self):
        """What the load did so far, as Table.report (a Report: "per_file" and the timeline's
        page once a recorded stream has finished)."""
        return Report(self._core.report, self._core.report_html)

    def __iter__(self):
        return self

    def __next__(self):
        import pyarrow as pa
        schema = self.schema
        with self._lock:
            handed = self._core.next()
        if handed is None:
            raise StopIteration
        _owner, address = handed  # the capsule owns the batch until pyarrow moves it out
        return pa.RecordBatch._import_from_c(address, schema)

    def __arrow_c_schema__(self):
        return self._core.__arrow_c_schema__()

    def __arrow_c_stream__(self, requested_schema=None):
        import pyarrow as pa
        reader = pa.RecordBatchReader.from_batches(self.schema, self)
        return reader.__arrow_c_stream__(requested_schema)


def load_stream(sources, columns=None, threads=None, connections=None, memory_limit=None,
                part_size=None, endpoint=None, region=None, profile=None, no_sign_request=False,
                progress=None, target_gbps=None, retries=None, stall_timeout=None,
                no_checksums=False, path_style=False, timeout=None, invalid_utf8="error",
                int96_unit="us", partitioning=None, partition_types=None, schema="union",
                filters=None, strings="plain", trace=None, report=None, runtime=None):
    """load() as a stream of record batches (a LoadStream), each handed over as soon as it
    and all before it are decoded: for tables larger than memory.  The listing and the
    footers are read before this returns (their errors are raised here); a later failure is
    raised by the iteration, with the same exception types.  Keywords as load()'s (no
    matrix); trace= and report= are written when the stream ends, fails or is closed."""
    sources, options = _load_args(matrix=None, matrix_dtype="float32", matrix_order="F",
                                  **locals())
    with _naming(sources, options["columns"]):
        return LoadStream(_load_stream(sources, options))


class S3Object:
    """One object of S3.get_many: `blob` is a memoryview over fastdata's buffer (no copy),
    alive as long as the view or this object is."""

    def __init__(self, blob):
        self._blob = blob
        self.url = blob.url
        self.key = blob.url.split("/", 3)[3] if blob.url.count("/") >= 3 else ""
        self.size = blob.size
        self.etag = blob.etag

    @property
    def blob(self):
        return memoryview(self._blob)

    def __repr__(self):
        return "S3Object(%r, %d bytes)" % (self.url, self.size)


class S3:
    """Objects to and from S3 in memory, no temporary files: the in-memory part of what
    metaflow.S3 does.  Settings as for load(); `s3root` prefixes relative keys."""

    def __init__(self, s3root=None, endpoint=None, region=None, profile=None,
                 no_sign_request=False, retries=None, target_gbps=None, stall_timeout=None,
                 no_checksums=False, path_style=False, timeout=None):
        options = {k: v for k, v in locals().items() if k in _S3_KEYWORDS}
        self._core = _S3(_s3_options(**options))
        self._root = s3root.rstrip("/") + "/" if s3root else None

    def _url(self, key):
        if key.startswith("s3://") or not self._root:
            return key
        return self._root + key

    def get_many(self, keys, connections=None, part_size=None):
        """Downloads the objects in parallel into memory; a list of S3Object in order."""
        _count("connections", connections), _count("part_size", part_size)
        urls = [self._url(k) for k in keys]
        with _naming(urls):
            blobs = self._core.get_many(urls, connections or 0, part_size or 0)
        return [S3Object(b) for b in blobs]

    def get(self, key):
        return self.get_many([key])[0]

    def list_recursive(self, prefixes=None):
        """Every object below the prefixes (default: s3root): [(url, size, etag)]."""
        out = []
        for p in prefixes or [self._root]:
            url = self._url(p)
            bucket = url[:url.index("/", 5) + 1]
            with _naming([url]):
                listing = self._core.list(url, True)
            out += [(bucket + key, size, etag) for key, size, etag, _ in listing]
        return out

    def put_many(self, items):
        """Uploads (key, bytes-like) pairs; large ones as parallel multipart uploads."""
        for key, data in items:
            with _naming([self._url(key)]):
                self._core.put(self._url(key), data)


# The keywords that shape a load's table: a shard keeps them, so that each shard's load makes
# the rows of the planned table (fastdata.plan); the others (threads, S3 settings...) are the
# worker's, given to load_shard.
_TABLE_KEYWORDS = {"columns": (list, type(None)), "filters": (str, type(None)),
                   "partitioning": (str, type(None)), "partition_types": (str, type(None)),
                   "schema": (str,), "strings": (str,), "invalid_utf8": (str,),
                   "int96_unit": (str,)}
_SHARD_JSON_LIMIT = 64 << 20


class Shard:
    """One shard of a planned load (fastdata.plan): a run of files and row groups, in the
    load's order, with the table options it was planned with.  Picklable, and JSON through
    to_json()/Shard.from_json() (the JSON is checked on the way in: a shard may come over the
    network; it names files the loader will read, so take shards only from a trusted
    driver).  `schema` is the whole plan's pyarrow schema (also after from_json: the JSON
    carries it), which load_shard's table has.  `bounds` is (min, max) of plan()'s
    sort_column over the shard's rows, from the footers' statistics, when they prove the
    shards ordered by it, else None (and always None after from_json)."""

    def __init__(self, text, options, schema=None, bounds=None, rows_exact=None):
        self._text = text            # the C library's JSON of the shard (checked)
        self._info = json.loads(text)
        self._options = options      # _TABLE_KEYWORDS' values
        self.schema = schema
        self.bounds = bounds
        self._rows_exact = options["filters"] is None if rows_exact is None else rows_exact

    @property
    def index(self):
        return self._info["index"]

    @property
    def rows(self):
        """Rows of its row groups, from the footers (before a filter removes any)."""
        return sum(f["rows"] for f in self._info["files"])

    @property
    def rows_exact(self):
        """Whether `rows` is what its load gives: no filter, or one of partition keys alone
        (the plan keeps or drops whole files); False when a filter may remove rows."""
        return self._rows_exact

    @property
    def bytes(self):
        """Compressed bytes of its projected column chunks (what its load downloads)."""
        return sum(f["bytes"] for f in self._info["files"])

    @property
    def files(self):
        """The paths or s3:// URLs it reads, in order."""
        return [f["path"] for f in self._info["files"]]

    @property
    def row_groups(self):
        """[(path, first row group, count)] in order."""
        return [(f["path"], f["first_row_group"], f["num_row_groups"])
                for f in self._info["files"]]

    @property
    def options(self):
        """The table keywords it was planned with (columns, filters as text, ...)."""
        return dict(self._options)

    def to_json(self):
        """The shard and its table options as one JSON text."""
        return json.dumps({"shard": self._info, "options": self._options},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text):
        """A Shard from to_json()'s text; InvalidArgumentError (a ValueError) naming what is
        wrong when the text is not one (any field missing, unknown, of another type or out of
        range)."""
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "strict")
        if not isinstance(text, str) or len(text) > _SHARD_JSON_LIMIT:
            raise InvalidArgumentError("shard JSON: a str of at most 64 MiB")
        try:
            outer = json.loads(text)
        except ValueError as e:
            raise InvalidArgumentError("shard JSON: %s" % e) from None
        if not isinstance(outer, dict) or set(outer) != {"shard", "options"}:
            raise InvalidArgumentError('shard JSON: an object of "shard" and "options"')
        options = outer["options"]
        if not isinstance(options, dict) or set(options) != set(_TABLE_KEYWORDS):
            raise InvalidArgumentError('shard JSON: "options" holds exactly %s'
                                       % ", ".join(sorted(_TABLE_KEYWORDS)))
        for key, types in _TABLE_KEYWORDS.items():
            if not isinstance(options[key], types):
                raise InvalidArgumentError('shard JSON: option "%s" is not a %s' % (
                    key, " or ".join("null" if t is type(None) else t.__name__ for t in types)))
        if options["columns"] is not None and not all(isinstance(c, str)
                                                      for c in options["columns"]):
            raise InvalidArgumentError('shard JSON: option "columns" is not a list of str')
        text, schema = _shard_check(json.dumps(outer["shard"]))
        if schema is not None:
            import pyarrow as pa
            schema = pa.Schema._import_from_c_capsule(schema)
        return cls(text, options, schema)

    def __reduce__(self):
        return (Shard, (self._text, self._options, self.schema, self.bounds, self._rows_exact))

    def __repr__(self):
        return "fastdata.Shard(%d: %d files, %d rows, %d bytes)" % (
            self.index, len(self.files), self.rows, self.bytes)


def _table_options(columns, filters, partitioning, partition_types, schema, strings,
                   invalid_utf8, int96_unit):
    """The table keywords as a shard keeps them: plain JSON values."""
    columns = [columns] if isinstance(columns, str) else columns
    return {"columns": None if columns is None else list(columns),
            "filters": _filter_text(filters), "partitioning": partitioning,
            "partition_types": _partition_types(partition_types), "schema": schema,
            "strings": strings, "invalid_utf8": invalid_utf8, "int96_unit": int96_unit}


def _bound_values(bounds, type_):
    """fdata_plan_sorted's [(min, max)] per shard (ints, floats or bytes as the file stores
    them) as values of the column's Arrow type `type_`, or None for a type whose stored
    values are not its values here (decimals, times...) or strings that are not UTF-8."""
    import pyarrow as pa
    t = pa.types
    flat = [v for pair in bounds for v in pair]
    if t.is_integer(type_):
        ok = all(isinstance(v, int) for v in flat)
    elif t.is_floating(type_):
        ok = all(isinstance(v, float) for v in flat)
    elif t.is_binary(type_) or t.is_large_binary(type_) or t.is_binary_view(type_):
        ok = all(isinstance(v, bytes) for v in flat)
    elif t.is_string(type_) or t.is_large_string(type_) or t.is_string_view(type_):
        try:
            flat = [v.decode("utf-8") for v in flat]
        except (AttributeError, UnicodeDecodeError):
            return None
        ok = True
    elif t.is_timestamp(type_) or t.is_date32(type_):  # the file's unit is the Arrow type's
        storage = pa.int64() if t.is_timestamp(type_) else pa.int32()
        ok = all(isinstance(v, int) for v in flat)
        flat = pa.array(flat, storage).view(type_).to_pylist() if ok else flat
    else:
        ok = False
    return list(zip(flat[0::2], flat[1::2])) if ok else None


def plan(sources, columns=None, filters=None, shard_bytes=None, partitioning=None,
         partition_types=None, schema="union", strings="plain", invalid_utf8="error",
         int96_unit="us", threads=None, connections=None, endpoint=None, region=None,
         profile=None, no_sign_request=False, target_gbps=None, retries=None,
         stall_timeout=None, no_checksums=False, path_style=False, timeout=None,
         sort_column=None):
    """Plans the load of `sources` (as load() takes them, with the same table keywords) as a
    list of Shards of about `shard_bytes` compressed bytes of the projected columns each
    (default 128 MiB): from the listing and the footers alone, no column data.  Each shard is
    a run of files and row groups; loading every shard with load_shard, in order, gives the
    rows of load(sources, ...) in its order.  Files a filter's partition values exclude are
    left out.  Every Shard's `schema` is the whole table's (pyarrow.Schema).

    sort_column: a top-level column the data is sorted by; each Shard's `bounds` is then its
    (min, max) from the row groups' statistics when they prove the order (every row group has
    a min, a max and no nulls, in order, no value in two shards), else None."""
    _count("shard_bytes", shard_bytes, 1)
    table = _table_options(columns, filters, partitioning, partition_types, schema, strings,
                           invalid_utf8, int96_unit)
    s3 = {k: v for k, v in locals().items() if k in _S3_KEYWORDS}
    src, options = _load_args(sources, table["columns"], None, "float32", "F", False, threads,
                              connections, None, None, **s3,
                              **{k: v for k, v in table.items() if k != "columns"})
    options.update(shard_bytes=shard_bytes, sort_column=sort_column)
    with _naming(src, options["columns"] or []):
        texts, schema_capsule, totals = _plan_core(src, options)
    import pyarrow as pa
    pa_schema = pa.Schema._import_from_c_capsule(schema_capsule)
    bounds = totals["bounds"] and sort_column in pa_schema.names and _bound_values(
        totals["bounds"], pa_schema.field(sort_column).type)
    return [Shard(t, table, pa_schema, bounds[i] if bounds else None, totals["rows_exact"])
            for i, t in enumerate(texts)]


def load_shard(shard, threads=None, connections=None, memory_limit=None, part_size=None,
               endpoint=None, region=None, profile=None, no_sign_request=False,
               target_gbps=None, retries=None, stall_timeout=None, no_checksums=False,
               path_style=False, timeout=None, trace=None):
    """Loads one Shard (of fastdata.plan, or Shard.from_json) into a Table, with the table
    keywords it was planned with; the other keywords as load()'s.  A file changed since the
    plan (its size, row groups or rows) raises InvalidArgumentError naming it."""
    if not isinstance(shard, Shard):
        raise TypeError("load_shard takes a fastdata.Shard, not %r" % type(shard).__name__)
    runtime = {k: v for k, v in locals().items() if k != "shard"}
    table = dict(shard._options)
    src, options = _load_args([], table.pop("columns"), None, "float32", "F", False,
                              **runtime, **table)
    options["shard"] = shard._text
    return Table(*_load(shard.files, options))
