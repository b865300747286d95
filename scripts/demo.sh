#!/usr/bin/env bash
# `make demo`, until the S3 load pipeline lands: what the reader does today, on the
# Ubiquant-like table of the corpus (20,000 rows x 304 columns, written by DuckDB).
set -euo pipefail
cd "$(dirname "$0")/.."
gen=tests/data/parquet/generated
mkdir -p build/demo
table=build/demo/ubiquant_like_zstd.parquet
[ -f "$table" ] || cat "$gen"/duckdb_ubiquant_like_zstd.parquet.part-* > "$table"

echo "== fastdata schema (first columns)"
build/fastdata schema "$table" | head -12
echo
echo "== fastdata cat --columns row_id,time_id,investment_id,target,f_0 --limit 5"
build/fastdata cat --columns row_id,time_id,investment_id,target,f_0 --limit 5 "$table"
echo
echo "== decoding every column of every row group, from memory, all cores"
build/fdata_bench_decode --repeat 5 "$table" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.1f MB of Parquet -> %.1f MB of Arrow in %.1f ms: %.2f GB/s decoded (best of 5; first run %.1f ms)" % (
    r["parquet_bytes"] / 1e6, r["decoded_bytes"] / 1e6, r["seconds"] * 1e3,
    r["decoded_bytes"] / r["seconds"] / 1e9, r["first_seconds"] * 1e3))'
echo
echo "The S3 leg (fastdata load s3://...) arrives with the S3 client and load pipeline issues."
