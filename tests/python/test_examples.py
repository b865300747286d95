#!/usr/bin/env python3
"""The Python examples train on a generated Ubiquant-like table loaded with load(matrix=...):
each runs, and its training error after the last round is below the first round's.
usage: test_examples.py FASTDATA_CLI"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failed = 0
with tempfile.TemporaryDirectory() as d:
    subprocess.run([sys.argv[1], "gen", "ubiquant", d, "--files", "2", "--rows-per-file", "5000"],
                   check=True, stderr=subprocess.DEVNULL)
    for example in ("lightgbm_train.py", "xgboost_train.py"):
        run = subprocess.run([sys.executable, os.path.join(ROOT, "examples", example), d, "20", "10"],
                             capture_output=True, text=True)
        m = re.search(r"training RMSE ([0-9.]+) after round 1, ([0-9.]+) after round 10", run.stdout)
        ok = run.returncode == 0 and m and float(m.group(2)) < float(m.group(1))
        failed += not ok
        print("%s %s: %s" % ("ok  " if ok else "FAIL", example, (run.stdout + run.stderr).strip()[-600:]))
print("%d failed" % failed)
sys.exit(1 if failed else 0)
