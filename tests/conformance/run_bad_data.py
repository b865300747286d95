#!/usr/bin/env python3
"""Every file in bad_data/ (invalid files from parquet-testing): `fastdata cat` must stop
with exit status 1 and one line on stderr starting 'fastdata: ' that names the file, and
print no rows; a file the corpus marks readable (bad-but-readable) must equal its expected
dump.  `fastdata schema` must end cleanly too (0 or 1, never a signal).  usage: run_bad_data.py FASTDATA DATA_DIR"""
import csv
import os
import subprocess
import sys
import tempfile


def main():
    fastdata, data = sys.argv[1], sys.argv[2]
    with open(os.path.join(data, "MANIFEST.tsv"), newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["name"].startswith("bad_data/")]
    passed = failed = 0
    for row in rows:
        path = os.path.join(data, row["name"])
        p = subprocess.run([fastdata, "cat", path], capture_output=True)
        err = p.stderr.decode("utf-8", "replace")
        if row["status"].startswith("bad-but-readable"):
            stem = os.path.basename(path)[: -len(".parquet")]
            with tempfile.NamedTemporaryFile(suffix=".jsonl") as dump:
                dump.write(p.stdout)
                dump.flush()
                c = subprocess.run([sys.executable, os.path.join(data, "compare.py"), dump.name,
                                    os.path.join(data, "expected", stem + ".jsonl")],
                                   capture_output=True)
            ok = p.returncode == 0 and c.returncode == 0
            why = "readable, equals its expected dump" if ok else (err + c.stdout.decode()).strip()
        else:
            ok = (p.returncode == 1 and p.stdout == b"" and err.startswith("fastdata: ")
                  and err.count("\n") == 1 and os.path.basename(path) in err)
            why = err.strip() if ok else "exit %d, stdout %d bytes, stderr %r" % (
                p.returncode, len(p.stdout), err)
        schema = subprocess.run([fastdata, "schema", path], capture_output=True)
        if schema.returncode not in (0, 1):
            ok, why = False, "schema ended with status %d" % schema.returncode
        print("%s %s: %s" % ("ok  " if ok else "FAIL", row["name"], why))
        passed += ok
        failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
