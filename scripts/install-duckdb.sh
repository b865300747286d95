#!/usr/bin/env bash
# Fetches DuckDB's shared library for `fastdata sql` from the npm registry (the official
# Node bindings package ships libduckdb.so) into build/duckdb/, where the CLI looks for it.
# Idempotent.  Needs node and npm (Debian packages nodejs, npm: installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/duckdb
lib=$dest/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so
[ -f "$lib" ] && exit 0
if ! command -v npm >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
mkdir -p "$dest"
echo "install-duckdb: npm install @duckdb/node-bindings-linux-x64 into $dest/"
npm install --silent --no-audit --no-fund --prefix "$dest" @duckdb/node-bindings-linux-x64 >/dev/null
[ -f "$lib" ] || { echo "install-duckdb: no libduckdb.so in the package" >&2; exit 1; }
