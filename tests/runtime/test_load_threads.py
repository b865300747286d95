"""Eight loads at once on one runtime (tests/runtime/load_threads.c): eight files from
different writers (DuckDB, arrow-rs, hyparquet, parquet-mr, Impala, Hadoop), each loaded on
a thread of its own, all on a 2-worker runtime; every table must equal the file's expected
dump (written by the reference readers, tests/data/parquet/expected), and the process must
never have had more threads than the runtime's workers plus each load's own (load_threads
checks that).  Again with a counting allocator in the runtime: the same tables, some bytes
from it and every byte back.  Usage: test_load_threads.py LOAD_THREADS DATA_DIR"""
import os
import subprocess
import sys
import tempfile

LOAD_THREADS, DATA = sys.argv[1], sys.argv[2]
FILES = ["generated/duckdb_prim_v2_zstd", "generated/arrowrs_prim_v2_snappy",
         "generated/hyparquet_flat_v2_snappy", "generated/duckdb_rowgroups_v1_lz4_raw",
         "data/alltypes_tiny_pages", "data/hadoop_lz4_compressed_larger",
         "real/impala_alltypes_agg_bitpacked_def_levels", "data/overflow_i16_page_cnt"]
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    failures += not ok


for flags in ([], ["--allocator"]):
    with tempfile.TemporaryDirectory() as out:
        sources = [os.path.join(DATA, f + ".parquet") for f in FILES]
        p = subprocess.run([LOAD_THREADS] + flags + ["2", "0", out] + sources, capture_output=True,
                           text=True)
        check("8 concurrent loads on a 2-worker runtime %s succeed within the thread bound (%s)"
              % (" ".join(flags), p.stdout.strip()), p.returncode == 0, p.stderr[-2000:])
        check("%s: the allocator served the slabs and got every byte back" % flags,
              not flags or "returned all" in p.stdout and "allocated 0 " not in p.stdout, p.stdout)
        for i, f in enumerate(FILES):
            expected = os.path.join(DATA, "expected", os.path.basename(f) + ".jsonl")
            c = subprocess.run([sys.executable, os.path.join(DATA, "compare.py"),
                                os.path.join(out, "%d.jsonl" % i), expected],
                               capture_output=True, text=True)
            check("%s loaded concurrently equals its expected dump" % f, c.returncode == 0,
                  (c.stdout + c.stderr)[-1000:])
print("%d failed" % failures)
sys.exit(1 if failures else 0)
