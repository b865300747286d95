#!/usr/bin/env bash
# `make demo`, until the load pipeline lands: the Ubiquant-like table of the corpus (20,000
# rows x 304 columns, written by DuckDB) read locally, then put into a local S3 server that
# checks signatures (OpenStack Swift, started here and stopped at the end), listed, fetched in
# parallel, and read back sparsely: only the footer and the projected columns move.
set -euo pipefail
cd "$(dirname "$0")/.."
FD=build/fastdata
gen=tests/data/parquet/generated
mkdir -p build/demo
table=build/demo/ubiquant_like_zstd.parquet
[ -f "$table" ] || cat "$gen"/duckdb_ubiquant_like_zstd.parquet.part-* > "$table"

echo "== fastdata schema (first columns)"
$FD schema "$table" > build/demo/schema.txt
head -12 build/demo/schema.txt
echo
echo "== decoding every column of every row group, from memory, all cores"
build/fdata_bench_decode --repeat 5 "$table" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.1f MB of Parquet -> %.1f MB of Arrow in %.1f ms: %.2f GB/s decoded (best of 5; first run %.1f ms)" % (
    r["parquet_bytes"] / 1e6, r["decoded_bytes"] / 1e6, r["seconds"] * 1e3,
    r["decoded_bytes"] / r["seconds"] / 1e9, r["first_seconds"] * 1e3))'
echo
echo "== a local S3 server (Swift s3api, checks SigV4)"
server=build/demo/s3
trap 'tests/s3/swift-server.sh stop "$server" 2>/dev/null || true' EXIT
eval "$(FDATA_SWIFT_PORT=${FDATA_SWIFT_PORT:-18080} tests/s3/swift-server.sh start "$server")"
curl -s -o /dev/null --aws-sigv4 "aws:amz:$AWS_REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    -X PUT "http://${AWS_ACCESS_KEY_ID//:/%3A}:$AWS_SECRET_ACCESS_KEY@${AWS_ENDPOINT_URL#http://}/demo"
for i in 1 2 3 4; do cp "$table" "build/demo/part-$i.parquet"; done
echo
echo "== fastdata put build/demo/part-*.parquet s3://demo/ubiquant/"
$FD put build/demo/part-*.parquet s3://demo/ubiquant/
echo
echo "== fastdata ls -l s3://demo/ubiquant/"
$FD ls -l s3://demo/ubiquant/
echo
echo "== fastdata get s3://demo/ubiquant/ -o /dev/shm/fastdata-demo (parallel ranged GETs)"
mkdir -p /dev/shm/fastdata-demo
$FD get s3://demo/ubiquant/ -o /dev/shm/fastdata-demo --part-size 4
rm -rf /dev/shm/fastdata-demo
echo
echo "== FDATA_VERBOSE=1 fastdata cat --columns row_id,time_id,target,f_0 --limit 3 s3://demo/ubiquant/part-1.parquet"
FDATA_VERBOSE=1 $FD cat --columns row_id,time_id,target,f_0 --limit 3 s3://demo/ubiquant/part-1.parquet
echo
echo "The load pipeline (fastdata load s3://..., decode overlapped with download) is next."
