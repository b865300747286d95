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
"""
import datetime
import sys

from ._fastdata import Error, _S3, _Table, _from_stream, release_cached_memory, set_huge_pages, version
from ._fastdata import load as _load

__all__ = ["load", "Table", "S3", "S3Object", "Error", "version", "release_cached_memory",
           "set_huge_pages"]
__version__ = version


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
        """What the load did: files, rows, bytes fetched and decoded, seconds, Gbit/s..."""
        return self._core.report

    @property
    def schema(self):
        import pyarrow as pa
        return pa.schema(self._core)

    def __arrow_c_stream__(self, requested_schema=None):
        return self._core.__arrow_c_stream__(requested_schema)

    def __arrow_c_schema__(self):
        return self._core.__arrow_c_schema__()

    def __len__(self):
        return self.num_rows

    def __repr__(self):
        return "fastdata.Table(%d rows, %d columns: %s)" % (
            self.num_rows, self.num_columns, ", ".join(self.column_names[:8]) +
            (", ..." if self.num_columns > 8 else ""))

    def to_arrow(self):
        """A pyarrow.Table over the same buffers (no copy)."""
        import pyarrow as pa
        return pa.table(self)

    def to_pandas(self, **kwargs):
        """pandas, through pyarrow (zero-copy where pyarrow can: numeric columns without
        nulls in one chunk)."""
        return self.to_arrow().to_pandas(**kwargs)

    def column(self, name):
        """Column `name` as a NumPy array: a view of fastdata's buffer when the column is one
        chunk without nulls (one row group), else a copy (nulls as NaN / None)."""
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
            raise ValueError("to_numpy makes float32 or float64 matrices in C or F order")
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
        result = con.sql(query)
        if result is None:
            raise ValueError("Table.sql: the statement returns no rows")
        return Table(_from_stream(result.__arrow_c_stream__()))  # DuckDB streams its result


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _filter_literal(v):
    if isinstance(v, str):
        return "'%s'" % v.replace("'", "''")
    if isinstance(v, datetime.datetime):
        return "TIMESTAMP '%s'" % v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return "DATE '%s'" % v.isoformat()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return repr(v)
    raise TypeError("filters: %r is not a str, int, float, date or datetime" % (v,))


def _filter_term(term):
    column, op, value = term
    if '"' in column:
        raise ValueError("filters: a column name with '\"' is not supported: %r" % column)
    op = op.lower()
    if op in ("in", "not in"):
        return '"%s" %s (%s)' % (column, op.upper(), ", ".join(_filter_literal(v) for v in value))
    ops = {"=": "=", "==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
    if op not in ops:
        raise ValueError("filters: %r is not one of = == != < <= > >= in, not in" % op)
    return '"%s" %s %s' % (column, ops[op], _filter_literal(value))


def _filter_text(filters):
    """The CLI's filter text of a str (as it is) or of pyarrow's DNF list form."""
    if filters is None or isinstance(filters, str):
        return filters
    filters = list(filters)
    if not filters:
        raise ValueError("filters: an empty list")
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
         partitioning=None, partition_types=None, schema="union", filters=None):
    """Loads Parquet files into one table: `sources` is an s3:// prefix (every object below),
    an s3:// glob, keys, local directories or files (a str or a list).  Downloads in parallel
    and decodes on all cores while the bytes arrive; the GIL is released meanwhile.  Raises
    fastdata.Error naming the file and the cause.

    matrix: numeric columns that the decoders write straight into one float32 or float64
    matrix (`matrix_dtype`), Fortran (`matrix_order="F"`, each column contiguous) or C order,
    nulls as NaN: `Table.matrix`.  float32 columns into a float32 Fortran matrix go from the
    pages into it with no copy at all.  Those columns are not in the table itself.

    progress: a line on stderr after each file (default: when stderr is a terminal).

    target_gbps: the download rate that sizes the connections when `connections` is not given,
    one per 0.625 Gbit/s (default: the profile's `s3 = target_bandwidth`, else 10: 16).

    partitioning: "hive" (key=value folders below a prefix or directory become columns: the
    default when every file has the same keys), "none" (they do not), or None (auto).
    partition_types: {"key": "int64" | "float64" | "date32" | "timestamp" | "string"} or the
    CLI's "key:type,..." string (default: inferred from the values).

    schema: "union" (every file's columns by name; nulls where a file lacks one; types widened
    without loss: int8/16/32 -> int64, float32 -> float64, finer time units, large strings)
    or "first" (the first file's columns and types).

    filters: the rows to keep, as the CLI's --filter text ("day >= DATE '2024-01-01' AND
    region IN ('eu', 'us')") or pyarrow's DNF form: a list of (column, op, value) tuples
    (AND), or a list of such lists (OR of them); ops = == != < <= > >= in "not in".  Files
    whose partition values cannot match are never read; the other rows are removed after
    decoding.  A filter that does not parse raises ValueError; one naming a missing column,
    fastdata.Error."""
    if matrix_dtype not in ("float32", "float64") or matrix_order not in ("C", "F"):
        raise ValueError("matrix_dtype is float32 or float64, matrix_order C or F")
    if isinstance(matrix, str):
        matrix = [matrix]
    core, mat = _load(sources, columns, threads or 0, connections or 0, memory_limit or 0,
                      part_size or 0, endpoint, region, profile, bool(no_sign_request),
                      list(matrix) if matrix is not None else None,
                      matrix_dtype == "float64", matrix_order == "F",
                      _is_terminal(sys.stderr) if progress is None else bool(progress),
                      float(target_gbps or 0), partitioning, _partition_types(partition_types),
                      schema, _filter_text(filters))
    return Table(core, mat)


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
                 no_sign_request=False, retries=0, target_gbps=None):
        self._core = _S3(endpoint, region, profile, bool(no_sign_request), retries,
                         float(target_gbps or 0))
        self._root = s3root.rstrip("/") + "/" if s3root else None

    def _url(self, key):
        if key.startswith("s3://") or not self._root:
            return key
        return self._root + key

    def get_many(self, keys, connections=None, part_size=None):
        """Downloads the objects in parallel into memory; a list of S3Object in order."""
        blobs = self._core.get_many([self._url(k) for k in keys], connections or 0, part_size or 0)
        return [S3Object(b) for b in blobs]

    def get(self, key):
        return self.get_many([key])[0]

    def list_recursive(self, prefixes=None):
        """Every object below the prefixes (default: s3root): [(url, size, etag)]."""
        out = []
        for p in prefixes or [self._root]:
            url = self._url(p)
            bucket = url[:url.index("/", 5) + 1]
            out += [(bucket + key, size, etag) for key, size, etag, _ in self._core.list(url, True)]
        return out

    def put_many(self, items):
        """Uploads (key, bytes-like) pairs; large ones as parallel multipart uploads."""
        for key, data in items:
            self._core.put(self._url(key), data)
