#!/usr/bin/env bash
# `make demo`: the main job end to end on this machine.  A local S3 server that checks
# signatures (OpenStack Swift, started here and stopped at the end) gets a Ubiquant-like
# dataset made by `fastdata gen` (~1 GB in 24 files; kept under build/demo, so a second run
# reuses it), then `fastdata load` pulls every file into memory with many connections while
# decoding on all cores, and reports; a 10-column projection shows that only those bytes move.
set -euo pipefail
cd "$(dirname "$0")/.."
FD=build/fastdata
FILES=${FDATA_DEMO_FILES:-24}
ROWS=${FDATA_DEMO_ROWS:-32768}
mkdir -p build/demo

echo "== a local S3 server (Swift s3api, checks SigV4)"
server=build/demo/s3
trap 'tests/s3/swift-server.sh stop "$server" 2>/dev/null || true' EXIT
eval "$(FDATA_SWIFT_PORT=${FDATA_SWIFT_PORT:-18080} tests/s3/swift-server.sh start "$server")"
curl -s -o /dev/null --aws-sigv4 "aws:amz:$AWS_REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    -X PUT "http://${AWS_ACCESS_KEY_ID//:/%3A}:$AWS_SECRET_ACCESS_KEY@${AWS_ENDPOINT_URL#http://}/demo"

prefix=s3://demo/ubiquant-$FILES-$ROWS/
have=$($FD ls "$prefix" 2>/dev/null | grep -c 'part-.*\.parquet' || true)
echo
if [ "$have" -eq "$FILES" ]; then
    echo "== $prefix holds the dataset already ($FILES files): reused"
else
    echo "== fastdata gen ubiquant $prefix --files $FILES --rows-per-file $ROWS (snappy)"
    $FD gen ubiquant "$prefix" --files "$FILES" --rows-per-file "$ROWS"
fi
echo
echo "== fastdata ls -l $prefix (first files)"
$FD ls -l "$prefix" | head -4
echo
echo "== fastdata load $prefix: every column, downloads and decoding overlapped"
$FD load "$prefix"
echo
cols=row_id,time_id,investment_id,target,f_0,f_1,f_2,f_3,f_4,f_5
echo "== fastdata load $prefix --columns $cols"
echo "   (one tail GET per file for the footer, then only those 10 column chunks)"
$FD load "$prefix" --columns "$cols"
echo
echo "== fastdata cat --columns time_id,investment_id,target,f_0 --limit 3 ${prefix}part-00000.parquet"
$FD cat --columns time_id,investment_id,target,f_0 --limit 3 "${prefix}part-00000.parquet"
echo
echo "== the table handed to pandas, DuckDB, Polars and LightGBM without copies (python/)"
PREFIX="$prefix" .venv/bin/python - <<'PY'
import os, time
import duckdb, lightgbm as lgb, polars as pl
import fastdata

def timed(what, fn):
    t0 = time.perf_counter()
    out = fn()
    print("%-58s %7.3f s" % (what, time.perf_counter() - t0))
    return out

features = ["f_%d" % i for i in range(20)]
t = timed("fastdata.load(time_id, investment_id, target, f_0..f_19)",
          lambda: fastdata.load(os.environ["PREFIX"], columns=["time_id", "investment_id", "target"] + features))
print("   ", t, "| %.2f Gbit/s download" % t.report["download_gbit_s"])
df = timed("pandas: t.to_pandas()", t.to_pandas)
print(df[["time_id", "target", "f_0"]].describe().loc[["mean", "std"]].round(4).to_string())
agg = timed("DuckDB: mean target per time_id over the table in place",
            lambda: duckdb.sql("SELECT time_id, avg(target) AS mean_target FROM t "
                               "GROUP BY time_id ORDER BY time_id").fetchall())
print("    %d time_ids, first %s" % (len(agg), agg[0]))
frame = timed("Polars: pl.DataFrame(t)", lambda: pl.DataFrame(t))
print("    %d rows x %d columns" % frame.shape)
x = timed("feature matrix: t.to_numpy(f_0..f_19, float32)", lambda: t.to_numpy(features))
m = timed("fastdata.load(matrix=f_0..f_19): the decoders write it",
          lambda: fastdata.load(os.environ["PREFIX"], columns=["target"], matrix=features))
x, y = m.matrix, m.column("target")
model = timed("LightGBM: 20 boosting rounds on it", lambda: lgb.train(
    {"objective": "regression", "verbose": -1, "num_threads": os.cpu_count()},
    lgb.Dataset(x, y, free_raw_data=False), num_boost_round=20))
print("    trained %d trees" % model.num_trees())
PY
