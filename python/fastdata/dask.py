"""fastdata inside Dask: a dask.dataframe whose partitions are fastdata shards.

    import fastdata.dask
    df = fastdata.dask.read_parquet("s3://bucket/table/", columns=["a", "b"],
                                    filters="b > 0", shard_bytes=256 << 20)
    df.b.sum().compute()

The driver plans once (fastdata.plan: the listing and the footers, no data); each partition
is one shard, loaded on a worker by fastdata.load_shard and handed to pandas without a copy
(pandas.ArrowDtype columns over fastdata's buffers) or as NumPy columns on request.  A
worker that dies mid-load is no loss: Dask runs the task again elsewhere and the shard loads
the same rows.
"""
import fastdata

__all__ = ["read_parquet", "ShardReader"]


def _to_pandas(table, dtype_backend):
    """A pyarrow.Table as pandas, as fastdata.Table.to_pandas does it."""
    import pandas as pd
    if dtype_backend == "pyarrow":
        return table.to_pandas(types_mapper=pd.ArrowDtype)
    return table.to_pandas(split_blocks=True)


class ShardReader:
    """What each partition runs: loads a shard (fastdata.load_shard with `options`, the
    worker's keywords: threads, connections, S3 settings...) into a pandas frame of the plan's
    schema.  Picklable, so Dask sends it to its workers."""

    def __init__(self, schema, dtype_backend="pyarrow", index=None, **options):
        self.schema = schema
        self.dtype_backend = dtype_backend
        self.index = index
        self.options = options

    def __call__(self, shard):
        # every shard's table has the plan's schema (the shard carries it), drift or not
        return self._frame(fastdata.load_shard(shard, **self.options).to_arrow())

    def meta(self):
        """The frame of no rows with the partitions' columns and dtypes: Dask's meta."""
        return self._frame(self.schema.empty_table())

    def _frame(self, table):
        df = _to_pandas(table, self.dtype_backend)
        return df.set_index(self.index) if self.index else df


def _divisions(shards):
    """Dask divisions of the column the shards were planned sorted by: each shard's smallest
    value and the last one's largest, from the footers' statistics (fastdata.plan's
    sort_column, local files and S3 alike).  None (unknown) unless they prove the order."""
    if any(s.bounds is None for s in shards):
        return None
    return tuple(s.bounds[0] for s in shards) + (shards[-1].bounds[1],)


# read_parquet's keywords that shape the table (fastdata.plan's) and those of each worker's
# load (fastdata.load_shard's); the S3 settings and connections serve both.
_TABLE = ("columns", "filters", "shard_bytes", "partitioning", "partition_types", "schema",
          "strings", "invalid_utf8", "int96_unit")
_WORKER = ("threads", "connections", "memory_limit", "part_size", "endpoint", "region",
           "profile", "no_sign_request", "target_gbps", "retries", "stall_timeout",
           "no_checksums", "path_style", "timeout")


def _plan(kw):
    """fastdata.plan of an engine's read_parquet keywords `kw`: (shards, load_shard's
    keywords for each task)."""
    worker = {k: kw[k] for k in _WORKER}
    planning = {k: v for k, v in worker.items() if k not in ("memory_limit", "part_size")}
    shards = fastdata.plan(kw["sources"], **{k: kw[k] for k in _TABLE}, **planning,
                           sort_column=kw.get("index"))
    return shards, worker


def read_parquet(sources, columns=None, filters=None, shard_bytes=None, dtype_backend="pyarrow",
                 index=None, partitioning=None, partition_types=None, schema="union",
                 strings="plain", invalid_utf8="error", int96_unit="us", threads=None,
                 connections=None, memory_limit=None, part_size=None, endpoint=None,
                 region=None, profile=None, no_sign_request=False, target_gbps=None,
                 retries=None, stall_timeout=None, no_checksums=False, path_style=False,
                 timeout=None):
    """A dask.dataframe.DataFrame over `sources` (as fastdata.load takes them), one partition
    per shard of about `shard_bytes` compressed bytes of the projected columns (fastdata.plan;
    default 128 MiB).  `meta` comes from the footers, no data is read here.

    dtype_backend: "pyarrow" (default: pandas.ArrowDtype columns over fastdata's buffers, no
    copy) or "numpy" (NumPy columns: copies where pandas needs them).

    index: a column the data is sorted by, made the index; divisions come from the row
    groups' statistics (local files and S3 alike) when they prove the shards ordered and
    apart (fastdata.plan's sort_column), else they are unknown (Dask's None), as for any
    frame whose order Dask cannot prove.

    Other keywords: fastdata.load's.  threads, connections, memory_limit, part_size and the S3
    settings apply to each worker's load (threads=None: all the worker's cores)."""
    import dask.dataframe as dd
    if dtype_backend not in ("pyarrow", "numpy"):
        raise fastdata.InvalidArgumentError("dtype_backend is 'pyarrow' or 'numpy', not %r"
                                            % (dtype_backend,))
    shards, worker = _plan(locals())
    arrow_schema = shards[0].schema
    if index is not None and index not in arrow_schema.names:
        raise fastdata.ColumnNotFoundError("no column named '%s'" % index, column=index, code=9)
    reader = ShardReader(arrow_schema, dtype_backend, index, **worker)
    meta = reader.meta()
    divisions = _divisions(shards) if index is not None else None
    return dd.from_map(reader, shards, meta=meta, divisions=divisions,
                       label="fastdata-read-parquet", enforce_metadata=False)

