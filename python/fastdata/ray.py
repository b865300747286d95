"""fastdata inside Ray Data: a ray.data.Dataset whose read tasks load fastdata shards.

    import fastdata.ray
    ds = fastdata.ray.read_parquet("s3://bucket/table/", columns=["a", "b"], shard_bytes=256 << 20)
    ds.sum("b")

The driver plans once (fastdata.plan: the listing and the footers, no data); each read task
loads one shard with fastdata.load_shard and yields it as one pyarrow.Table block over
fastdata's buffers.  Ray then copies the block into its object store (Ray's one copy, as for
every Ray Data source).  Each task's metadata (rows, bytes, files) and the schema come from
the plan.
"""
import fastdata
from fastdata.dask import _plan

__all__ = ["read_parquet", "FastdataDatasource"]


def _read_fn(shard, options):
    def read():
        yield fastdata.load_shard(shard, **options).to_arrow()  # of the plan's schema
    return read


def _datasource_class():
    """The Datasource subclass, made when Ray is imported (Ray stays optional)."""
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class FastdataDatasource(Datasource):
        """A Ray Data Datasource over a fastdata plan: one read task per shard."""

        def __init__(self, shards, options):
            super().__init__()
            self._shards = shards
            self._options = options

        def get_name(self):
            return "fastdata"

        def estimate_inmemory_data_size(self):
            return None  # compressed bytes say little of the decoded size

        def get_read_tasks(self, parallelism, per_task_row_limit=None, data_context=None):
            schema = self._shards[0].schema
            tasks = []
            for shard in self._shards:
                meta = BlockMetadata(num_rows=shard.rows if shard.rows_exact else None,
                                     size_bytes=shard.bytes, input_files=tuple(shard.files),
                                     exec_stats=None)
                tasks.append(ReadTask(_read_fn(shard, self._options), meta,
                                      schema=schema, per_task_row_limit=per_task_row_limit))
            return tasks

    return FastdataDatasource


def FastdataDatasource(shards, **options):
    """A Ray Data Datasource over `shards` (fastdata.plan's), loaded with load_shard's
    keywords `options`."""
    return _datasource_class()(shards, options)


def read_parquet(sources, columns=None, filters=None, shard_bytes=None, partitioning=None,
                 partition_types=None, schema="union", strings="plain", invalid_utf8="error",
                 int96_unit="us", threads=None, connections=None, memory_limit=None,
                 part_size=None, endpoint=None, region=None, profile=None,
                 no_sign_request=False, target_gbps=None, retries=None, stall_timeout=None,
                 no_checksums=False, path_style=False, timeout=None, **read_args):
    """A ray.data.Dataset over `sources` (as fastdata.load takes them): one read task per
    shard of about `shard_bytes` compressed bytes (fastdata.plan; default 128 MiB), each
    yielding a pyarrow.Table.  Rows per task are given to Ray from the footers when they are
    exact (no filter, or one of partition keys alone: Shard.rows_exact), else unknown (None)
    until read.  `read_args` go to ray.data.read_datasource
    (concurrency, num_cpus, ...); the other keywords are fastdata.load's, threads,
    connections, memory_limit, part_size and the S3 settings applying to each task's load."""
    import ray.data
    shards, worker = _plan(locals())
    return ray.data.read_datasource(FastdataDatasource(shards, **worker), **read_args)
