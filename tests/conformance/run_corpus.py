#!/usr/bin/env python3
"""Conformance: every Parquet file of the corpus (tests/data/parquet, written by other
implementations) dumped with `fastdata cat --format jsonl` must equal its expected dump,
compared by the corpus's own compare.py.  Files that cannot be compared whole are listed,
with the reason, in excluded.tsv beside this script; that is the only place they are listed.

usage: run_corpus.py FASTDATA DATA_DIR [--threads N] [--only SUBSTRING]
Prints one line per file, per writer (its footer's created_by) how many files are read
identically and how many refused with the reason excluded.tsv gives, and a closing
'N passed, N failed' line; exits 1 on any failure.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def read_tsv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def materialize(data_dir, name, tmp):
    """The file's path; files stored split into .part-NN pieces (the repository keeps no
    file over 20 MB) are joined into tmp first."""
    path = os.path.join(data_dir, name)
    if os.path.exists(path):
        return path
    parts = sorted(p for p in os.listdir(os.path.dirname(path))
                   if p.startswith(os.path.basename(path) + ".part-"))
    if not parts:
        return None
    joined = os.path.join(tmp, os.path.basename(path))
    with open(joined, "wb") as out:
        for p in parts:
            with open(os.path.join(os.path.dirname(path), p), "rb") as f:
                out.write(f.read())
    return joined


def run(cmd, stdout_path=None):
    if stdout_path:
        with open(stdout_path, "wb") as out:
            p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
        return p.returncode, "", p.stderr.decode("utf-8", "replace")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def compare(compare_py, mode, actual, expected):
    cmd = [sys.executable, compare_py] + ([mode] if mode else []) + [actual, expected]
    rc, out, err = run(cmd)
    return rc == 0, (out + err).strip()


def check_file(args, row, excluded, tmp):
    name = row["name"]
    data = args.data_dir
    path = materialize(data, name, tmp)
    if path is None:
        return False, "file missing"
    stem = os.path.basename(name)[: -len(".parquet")]
    expected = os.path.join(data, "expected", stem + ".jsonl")
    action = excluded.get(name, {}).get("action", "")
    cmd = [args.fastdata, "cat", "--format", "jsonl", "--threads", str(args.threads), path]
    dump = os.path.join(tmp, stem + ".actual.jsonl")
    if action == "skip":
        return None, excluded[name]["reason"]
    if action.startswith("reject:"):
        rc, _, err = run(cmd, dump)
        want = action[len("reject:"):]
        ok = rc == 1 and err.startswith("fastdata: ") and want in err and err.count("\n") == 1
        return ok, "rejected: " + err.strip()
    rc, _, err = run(cmd, dump)
    if rc != 0:
        return False, "cat failed: " + err.strip()
    if os.path.exists(expected):
        return compare(args.compare, None, dump, expected)
    head = os.path.join(data, "expected", stem + ".head1000.jsonl")
    sums = os.path.join(data, "expected", stem + ".sums.json")
    if not (os.path.exists(head) and os.path.exists(sums)):
        return False, "no expected dump"
    ok, msg = compare(args.compare, "--head", dump, head)
    if not ok:
        return ok, msg
    return compare(args.compare, "--sums", dump, sums)


def writer_of(row):
    """The writer's name from the MANIFEST's exercises (its footer's created_by), without
    version and build: "impala", "parquet-mr", "parquet-cpp-arrow", "DuckDB"..."""
    for part in row.get("exercises", "").split(";"):
        part = part.strip()
        if part.startswith("writer="):
            name = part[len("writer="):].split(" version")[0].split(" (build")[0].strip()
            return name.split()[0] if name else "(none)"
    return "(none)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastdata")
    ap.add_argument("data_dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    args.compare = os.path.join(args.data_dir, "compare.py")
    excluded = {r["name"]: r for r in read_tsv(os.path.join(HERE, "excluded.tsv"))}
    rows = [r for r in read_tsv(os.path.join(args.data_dir, "MANIFEST.tsv"))
            if not r["name"].startswith("bad_data/") and args.only in r["name"]]
    passed = failed = skipped = 0
    per_writer = {}  # writer -> [read identically, refused with reason, failed]
    with tempfile.TemporaryDirectory() as tmp:
        for row in rows:
            try:
                ok, msg = check_file(args, row, excluded, tmp)
            except Exception as e:  # a runner bug must fail the test, not hide a file
                ok, msg = False, "runner error: %r" % (e,)
            tally = per_writer.setdefault(writer_of(row), [0, 0, 0])
            if ok is not None:
                refused = excluded.get(row["name"], {}).get("action", "").startswith("reject:")
                tally[2 if not ok else 1 if refused else 0] += 1
            if ok is None:
                skipped += 1
                print("skip %s (%s)" % (row["name"], msg))
            elif ok:
                passed += 1
                note = " (%s)" % excluded[row["name"]]["action"] if row["name"] in excluded else ""
                print("ok   %s%s" % (row["name"], note))
            else:
                failed += 1
                print("FAIL %s: %s" % (row["name"], msg))
            sys.stdout.flush()
    for writer in sorted(per_writer):
        same, refused, bad = per_writer[writer]
        print("writer %-28s %3d read identically, %2d refused with reason, %d failed"
              % (writer, same, refused, bad))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
