#!/usr/bin/env python3
"""fastdata inside Dask and Ray (fastdata.plan, load_shard, fastdata.dask, fastdata.ray) over
a Hive-partitioned table written by pyarrow and DuckDB (several files and row groups), from a
local folder and from the S3 server (Swift, tests/s3/swift-server.sh): on a Dask LocalCluster
of 2 worker processes and on ray.init(num_cpus=2), both on 127.0.0.1, the distributed rows
(sorted dumps) equal a single-process fastdata.load's, with projections and filters; a Dask
worker killed mid-load is retried and the table is still exact; shards survive JSON and
pickle; hostile shard JSON is refused with a clear InvalidArgumentError.  Over a table whose
schema drifted (nested fields too), every shard has the plan's schema.
usage: test_distributed.py"""
import json
import os
import pickle
import signal
import sys
import tempfile
import threading
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import fastdata
import fastdata.dask

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "s3"))
import s3_test_util  # noqa: E402  (the Swift server's start, its bucket)
results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print("%s %s %s" % ("ok  " if cond else "FAIL", name, "" if cond else str(detail)[:1500]),
          flush=True)


def dump(table):
    """A table's rows, one JSON text each, sorted: equal dumps, equal tables."""
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in table.to_pylist())


def write_table(root):
    """day=2024-01-0{1,2,3}/: pyarrow files (2 each, row groups of 1,500 rows) and DuckDB's
    (row groups of 2,048): 36,000 rows."""
    for d in (1, 2):
        folder = os.path.join(root, "day=2024-01-0%d" % d)
        os.makedirs(folder)
        for f in range(2):
            n, base = 6000, (d * 10 + f) * 6000
            table = pa.table({"id": pa.array(range(base, base + n), pa.int64()),
                              "x": pa.array([(i % 97) * 0.5 for i in range(n)]),
                              "s": ["k%d" % (i % 13) for i in range(n)],
                              "g": pa.array([None if i % 11 == 0 else i % 5 for i in range(n)],
                                            pa.int32())})
            pq.write_table(table, os.path.join(folder, "part-%d.parquet" % f), row_group_size=1500)
    folder = os.path.join(root, "day=2024-01-03")
    os.makedirs(folder)
    duckdb.sql("COPY (SELECT 400000 + i::BIGINT AS id, ((i %% 89) * 0.25)::DOUBLE AS x, 'k' || (i %% 7) AS s, "
               "CASE WHEN i %% 9 = 0 THEN NULL ELSE (i %% 4)::INTEGER END AS g "
               "FROM range(12000) t(i)) TO '%s/part-0.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)"
               % folder)


def write_drift(root):
    """One table written three times by pyarrow as its schema drifted: struct s gains c and
    loses b, ints widened inside s and inside list l, id int32/int64/int8, extra added, s
    missing from the last write; row groups of 50 rows (several shards a file)."""
    s1 = pa.struct([("a", pa.int32()), ("b", pa.string())])
    s2 = pa.struct([("c", pa.float32()), ("a", pa.int64())])
    n = 200
    writes = [
        pa.table({"id": pa.array(range(n), pa.int32()),
                  "s": pa.array([None if i % 7 == 0 else {"a": i, "b": "b%d" % i}
                                 for i in range(n)], s1),
                  "l": pa.array([[i, None] for i in range(n)], pa.list_(pa.int32()))}),
        pa.table({"s": pa.array([{"c": i / 2, "a": i << 33} for i in range(n)], s2),
                  "id": pa.array(range(n, 2 * n), pa.int64()),
                  "l": pa.array([[i << 35] for i in range(n)], pa.list_(pa.int64())),
                  "extra": ["e%d" % i for i in range(n)]}),
        pa.table({"l": pa.array([[i] for i in range(n)], pa.list_(pa.int32())),
                  "id": pa.array([-(i % 100) for i in range(n)], pa.int8())}),
    ]
    os.makedirs(root)
    for k, t in enumerate(writes):
        pq.write_table(t, os.path.join(root, "part-%d.parquet" % k), row_group_size=50)


def drift_shard_tests(source, where):
    """Over the drifting table every shard's table has the plan's schema (through pickle and
    JSON, without any conforming in Python), and the shards in order are the load."""
    whole = fastdata.load(source).to_arrow()
    shards = fastdata.plan(source, shard_bytes=1)
    schema = shards[0].schema
    check("drift %s: the plan's schema is the load's (struct fields by name, ints widened)"
          % where, len(shards) >= 12 and schema == whole.schema and
          schema.field("s").type == pa.struct([("a", pa.int64()), ("b", pa.string()),
                                               ("c", pa.float32())]) and
          schema.field("l").type == pa.list_(pa.int64()), (len(shards), schema))
    for how, trip in (("pickle", lambda s: pickle.loads(pickle.dumps(s))),
                      ("JSON", lambda s: fastdata.Shard.from_json(s.to_json()))):
        back = [trip(s) for s in shards]
        parts = [fastdata.load_shard(s).to_arrow() for s in back]
        check("drift %s: every shard through %s has the plan's schema" % (where, how),
              all(p.schema == schema for p in parts) and all(s.schema == schema for s in back),
              [str(p.schema) for p in parts if p.schema != schema][:1])
        check("drift %s: the shards through %s make the load, in order" % (where, how),
              pa.concat_tables(parts).equals(whole))
    if not source.startswith("s3://"):  # schema="first": the plan's first file, not the shard's
        files = [os.path.join(source, "part-%d.parquet" % k) for k in (1, 0, 2)]
        first = fastdata.load(files, schema="first").to_arrow()
        parts = [fastdata.load_shard(fastdata.Shard.from_json(s.to_json())).to_arrow()
                 for s in fastdata.plan(files, schema="first", shard_bytes=1)]
        check("drift: schema='first' shards have the plan's first file's schema",
              first.schema.field("s").type == pa.struct([("c", pa.float32()), ("a", pa.int64())])
              and all(p.schema == first.schema for p in parts) and
              pa.concat_tables(parts).equals(first), [str(p.schema) for p in parts][:2])
    got = fastdata.dask.read_parquet(source, shard_bytes=1).compute(scheduler="sync")
    check("drift %s: fastdata.dask's partitions concatenate to the load" % where,
          dump(got) == dump(whole), got.dtypes)


CASES = [  # (name, keywords of plan/load)
    ("every column", {}),
    ("a projection and a filter on a file column and a partition",
     {"columns": ["x", "id", "day"],
      "filters": "g IS NOT NULL AND g >= 2 AND day >= DATE '2024-01-02'"}),
]


def shard_tests(source):
    shards = fastdata.plan(source, shard_bytes=20000)
    whole = fastdata.load(source).to_arrow()
    check("plan: several shards, rows of the footers", len(shards) > 5 and
          sum(s.rows for s in shards) == whole.num_rows, [s.rows for s in shards])
    parts = [fastdata.load_shard(pickle.loads(pickle.dumps(s))).to_arrow() for s in shards]
    check("shards through pickle load the table in order", pa.concat_tables(parts).equals(whole))
    parts = [fastdata.load_shard(fastdata.Shard.from_json(s.to_json())).to_arrow() for s in shards]
    check("shards through JSON load the table in order", pa.concat_tables(parts).equals(whole))
    text = shards[1].to_json()
    inner = json.loads(text)
    def edited(change):
        outer = json.loads(text)
        change(outer["shard"]["files"][0], outer)
        return json.dumps(outer)

    hostile = {
        "not JSON": text[:-3],
        "a number for a path": edited(lambda f, o: f.update(path=7)),
        "an unknown option": edited(lambda f, o: o["options"].update(evil=1)),
        "an unknown field": edited(lambda f, o: f.update(evil=1)),
        "a missing field": edited(lambda f, o: f.pop("rows")),
        "a negative row group": edited(lambda f, o: f.update(first_row_group=-1)),
        "a fractional size": edited(lambda f, o: f.update(size=1.5)),
        "a count past 2^62": edited(lambda f, o: f.update(rows=10 ** 30)),
        "a rel not ending its path": edited(lambda f, o: f.update(rel="../" + f["rel"])),
        "a control character": edited(lambda f, o: f.update(path="\x1b[2J" + f["path"])),
        "no files": edited(lambda f, o: o["shard"].update(files=[])),
    }
    for name, bad in hostile.items():
        try:
            fastdata.Shard.from_json(bad)
            check("hostile shard JSON refused: " + name, False, "accepted")
        except fastdata.InvalidArgumentError as e:
            check("hostile shard JSON refused: " + name, str(e).startswith("shard JSON"), e)
    try:
        fastdata.load_shard(fastdata.Shard.from_json(edited(lambda f, o: f.update(
            size=f["size"] + 1))))
        check("a shard of a changed file is refused", False, "loaded")
    except fastdata.InvalidArgumentError as e:
        check("a shard of a changed file is refused", "was planned over" in str(e), e)


class KillOnce(fastdata.dask.ShardReader):
    """The first partition to run kills its worker (SIGKILL) while its shard loads."""

    def __init__(self, marker, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.marker = marker

    def __call__(self, shard):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return super().__call__(shard)
        threading.Thread(target=super().__call__, args=(shard,), daemon=True).start()
        time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGKILL)


def dask_tests(sources, tmp):
    from dask.distributed import Client, LocalCluster
    import dask.dataframe as dd
    import pandas as pd
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        for where, source in sources:
            for name, kw in CASES:
                want = dump(fastdata.load(source, **kw).to_arrow())
                df = fastdata.dask.read_parquet(source, shard_bytes=30000, **kw)
                got = df.compute()
                check("dask (%s, %s): %d partitions equal fastdata.load" % (where, name,
                                                                             df.npartitions),
                      df.npartitions > 2 and dump(got) == want, (len(got), len(want)))
                check("dask (%s, %s): meta from the footers is the partitions' dtypes" % (
                    where, name), df._meta.dtypes.to_dict() == got.dtypes.to_dict() and
                    all(isinstance(t, pd.ArrowDtype) for t in got.dtypes))
        local = sources[0][1]
        df = fastdata.dask.read_parquet(local, shard_bytes=30000, dtype_backend="numpy",
                                        columns=["id", "x"])
        got = df.compute()
        check("dask: dtype_backend='numpy' gives NumPy columns",
              [str(t) for t in got.dtypes] == ["int64", "float64"], got.dtypes)
        check("dask: sum of a column", abs(df.x.sum().compute() -
                                           fastdata.load(local).to_arrow()["x"].to_numpy().sum())
              < 1e-6)
        division_tests(sources)
        # a worker killed mid-load: Dask runs the task again, the table is still exact
        shards = fastdata.plan(local, shard_bytes=30000)
        marker = os.path.join(tmp, "killed")
        reader = KillOnce(marker, shards[0].schema)
        df = dd.from_map(reader, shards, meta=reader.meta(), enforce_metadata=False)
        got = df.compute()
        check("dask: a worker killed mid-load, retried: the exact table",
              os.path.exists(marker) and dump(got) == dump(fastdata.load(local).to_arrow()),
              (os.path.exists(marker), len(got)))


def pyarrow_divisions(source, column):
    """Divisions of `column` by pyarrow's reading of the local footers, shard by shard of the
    plan: the first row group's min, ..., the last one's max."""
    def stats(path, rg):
        meta = pq.ParquetFile(path).metadata
        col = [meta.schema.column(c).path for c in range(meta.num_columns)].index(column)
        return meta.row_group(rg).column(col).statistics

    shards = fastdata.plan(source, shard_bytes=30000)
    path, last, count = shards[-1].row_groups[-1]
    return tuple(stats(*s.row_groups[0][:2]).min for s in shards) + (
        stats(path, last + count - 1).max,)


def division_tests(sources):
    """Divisions of a sorted column (id: pyarrow's and DuckDB's files, in order) from the
    footers, over the local folder and S3 alike; unknown for unsorted or nullable columns."""
    local = sources[0][1]
    want = pyarrow_divisions(local, "id")
    ids = fastdata.load(local, columns=["id"]).to_arrow()["id"].to_pylist()
    for where, source in sources:
        df = fastdata.dask.read_parquet(source, shard_bytes=30000, index="id")
        check("dask (%s): divisions of a sorted column from the statistics (pyarrow's)" % where,
              df.known_divisions and df.divisions == want and df.npartitions > 5,
              (df.divisions, want))
        check("dask (%s): the indexed frame's rows, and loc over the divisions" % where,
              list(df.index.compute()) == ids and
              list(df.loc[66000:120010].index.compute()) == [i for i in ids if 66000 <= i <= 120010])
        for column in ("x", "g"):  # unsorted; nulls
            df = fastdata.dask.read_parquet(source, shard_bytes=30000, index=column)
            check("dask (%s): no divisions by %s" % (where, column), not df.known_divisions,
                  df.divisions)


def ray_tests(sources, env):
    import logging
    import ray
    import ray.data
    import fastdata.ray
    logging.getLogger("ray").setLevel(logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             runtime_env={"env_vars": {k: v for k, v in env.items() if k.startswith("AWS_")}},
             log_to_driver=False)
    try:
        for where, source in sources:
            for name, kw in CASES:
                want = dump(fastdata.load(source, **kw).to_arrow())
                ds = fastdata.ray.read_parquet(source, shard_bytes=30000, **kw)
                got = pa.concat_tables([ray.get(r) for r in ds.to_arrow_refs()])
                check("ray (%s, %s): equals fastdata.load" % (where, name), dump(got) == want,
                      (got.num_rows, len(want)))
        local = sources[0][1]
        ds = fastdata.ray.read_parquet(local, shard_bytes=30000, columns=["id", "x"])
        check("ray: count and sum", ds.count() == 36000 and abs(
            ds.sum("x") - fastdata.load(local).to_arrow()["x"].to_numpy().sum()) < 1e-6)
        check("ray: the schema from the plan",
              ds.schema().names == ["id", "x"], ds.schema())
        for name, filters, exact in (("no filter", None, True),
                                     ("a partition key alone", "day >= DATE '2024-01-02'", True),
                                     ("a file column", "g >= 2", False)):
            shards = fastdata.plan(local, shard_bytes=30000, filters=filters)
            told = [t.metadata.num_rows for t in
                    fastdata.ray.FastdataDatasource(shards).get_read_tasks(2)]
            loaded = [fastdata.load_shard(s).to_arrow().num_rows for s in shards]
            check("ray: rows told per task with %s: %s" % (name, "exact" if exact else "unknown"),
                  told == loaded if exact else told == [None] * len(shards), (told, loaded))
            ds = fastdata.ray.read_parquet(local, shard_bytes=30000, filters=filters)
            check("ray: count with %s" % name, ds.count() == sum(loaded))
    finally:
        ray.shutdown()


def start_s3(tmp, local):
    """The Swift server with the table under s3://fdata-dist/table/; its settings in os.environ
    (the Dask workers and Ray's inherit them)."""
    server = os.path.join(tmp, "server")
    env = s3_test_util.start_swift(server)
    if env is None:
        raise RuntimeError("the S3 server did not start")
    os.environ.clear()
    os.environ.update(env)
    s3_test_util.make_bucket(env, "fdata-dist")
    s3 = fastdata.S3("s3://fdata-dist/table/")
    items = []
    for folder, _, files in os.walk(local):
        for f in files:
            path = os.path.join(folder, f)
            items.append((os.path.relpath(path, local), open(path, "rb").read()))
    s3.put_many(items)
    return server


def main():
    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, "table")
        write_table(local)
        server = None
        try:
            shard_tests(local)
            drift = os.path.join(tmp, "drift")
            write_drift(drift)
            drift_shard_tests(drift, "locally")
            sources = [("local", local)]
            try:
                server = start_s3(tmp, local)
                sources.append(("s3", "s3://fdata-dist/table/"))
                fastdata.S3("s3://fdata-dist/drift/").put_many(
                    [(f, open(os.path.join(drift, f), "rb").read()) for f in os.listdir(drift)])
                drift_shard_tests("s3://fdata-dist/drift/", "from S3")
            except RuntimeError as e:
                check("the S3 server", False, e)
            dask_tests(sources, tmp)
            ray_tests(sources, dict(os.environ))  # with the server's settings
        except Exception as e:  # a test bug must fail the run
            import traceback
            traceback.print_exc()
            check("test run", False, repr(e))
        finally:
            if server:
                s3_test_util.stop_swift(server)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
