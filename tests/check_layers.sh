#!/usr/bin/env bash
# Data flows one way: cli -> pipeline -> (s3, parquet) -> arrow -> memory -> common.  A lower layer must
# never include an upper one; this fails on any include that points upwards.
set -u
root=${1:-.}
bad=0
check() { # layer, forbidden include patterns...
  local layer=$1; shift
  for pat in "$@"; do
    if grep -rnE "#include \"(\.\./)?$pat/" "$root/src/$layer" 2>/dev/null; then
      echo "FAIL: src/$layer includes $pat"
      bad=1
    fi
  done
}
check common memory arrow parquet s3 pipeline cli
check memory arrow parquet s3 pipeline cli
check arrow parquet s3 pipeline cli
check parquet s3 pipeline cli
check s3 parquet pipeline cli
check pipeline cli
grep -rn 'fastdata/parquet.h' "$root/src/arrow" && { echo "FAIL: arrow uses the parquet API"; bad=1; }
if [ $bad -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $bad
