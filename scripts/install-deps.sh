#!/usr/bin/env bash
# Installs the Debian packages fastdata builds and tests with. Idempotent and quiet when
# everything is present already. Usage: scripts/install-deps.sh [--bench]
#   --bench  also creates .venv/ with the PyPI peers the benchmarks compare against.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake make gcc pkg-config python3 python3-venv
      libsnappy-dev libzstd-dev liblz4-dev libbrotli-dev libdeflate-dev libssl-dev
      clang libclang-rt-14-dev)
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

if [ "${1:-}" = "--bench" ]; then
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if ! .venv/bin/python -c 'import pyarrow, polars, duckdb' 2>/dev/null; then
    echo "install-deps: pip install pyarrow polars duckdb into .venv/"
    .venv/bin/pip install -q --disable-pip-version-check pyarrow polars duckdb
  fi
fi
