#!/usr/bin/env python3
"""Expected dumps and MANIFEST rows for real/: each file read by pyarrow and DuckDB (the
venv's), through reference_dump.py.  When both read it and agree, DuckDB's dump is the
expected one; when only one reads it, that one's (status says who refused and why); when
neither does, no dump.  DuckDB cannot export schemas nested 100 deep through Arrow, so for
those its JSON output (COPY ... FORMAT json) is used, its maps ({"k":v} objects) turned into
JSONL.md's [{"key","value"}] arrays (an object whose only key is a struct field name, "f0"
in Impala's max_nesting_depth files, stays an object).

usage: real_expected.py FASTDATA   (run from anywhere; rewrites expected/ dumps of real/
and the real/ rows of MANIFEST.tsv; FASTDATA is only asked for each file's created_by)
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "reference_dump.py")
COMPARE = os.path.join(HERE, "compare.py")


def reference(reader, path, out):
    p = subprocess.run([sys.executable, DUMP, reader, path, out], capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def duckdb_json(path, out):
    import duckdb

    def maps(v):
        if isinstance(v, dict):
            if list(v) == ["f0"]:
                return {"f0": maps(v["f0"])}
            return [{"key": k, "value": maps(x)} for k, x in v.items()]
        if isinstance(v, list):
            return [maps(x) for x in v]
        return v

    tmp = out + ".duckdb.json"
    try:
        duckdb.connect().sql("COPY (SELECT * FROM read_parquet('%s')) TO '%s' (FORMAT json)"
                             % (path.replace("'", "''"), tmp))
    except Exception as e:
        return False, "duckdb: " + str(e).splitlines()[0]
    with open(tmp) as f, open(out, "w", newline="\n") as o:
        for line in f:
            row = json.loads(line)
            o.write(json.dumps({k: maps(v) for k, v in row.items()}, ensure_ascii=False,
                               separators=(",", ":")) + "\n")
    os.unlink(tmp)
    return True, ""


def created_by(fastdata, path):
    p = subprocess.run([fastdata, "schema", path], capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith("created_by: "):
            return line[len("created_by: "):]
    return ""


def main():
    fastdata = sys.argv[1]
    rows = []
    for name in sorted(os.listdir(os.path.join(HERE, "real"))):
        if not name.endswith(".parquet"):
            continue
        path = os.path.join(HERE, "real", name)
        stem = name[: -len(".parquet")]
        expected = os.path.join(HERE, "expected", stem + ".jsonl")
        pa_out, dk_out = expected + ".pyarrow", expected + ".duckdb"
        pa_ok, pa_err = reference("pyarrow", path, pa_out)
        dk_ok, dk_err = reference("duckdb", path, dk_out)
        if not dk_ok and "Recursion level" in dk_err:
            dk_ok, dk_err = duckdb_json(path, dk_out)
        if pa_ok and dk_ok:
            p = subprocess.run([sys.executable, COMPARE, pa_out, dk_out], capture_output=True,
                               text=True)
            same = p.returncode == 0
            status = "ok" if same else "disputed: pyarrow and DuckDB differ: " + \
                " ".join(p.stdout.split())
            check = "reference=duckdb; pyarrow: " + ("same" if same else "DIFFERS")
            os.replace(dk_out, expected)
        elif pa_ok or dk_ok:
            who, other, err = ("pyarrow", "duckdb", dk_err) if pa_ok else ("duckdb", "pyarrow", pa_err)
            status = "%s-cannot-read: %s" % (other, err)
            check = "reference=%s" % who
            os.replace(pa_out if pa_ok else dk_out, expected)
        else:
            status = "bad: %s; %s" % (pa_err, dk_err)
            check = "no reader"
            if os.path.exists(expected):
                os.unlink(expected)
        for tmp in (pa_out, dk_out):
            if os.path.exists(tmp):
                os.unlink(tmp)
        n = sum(1 for _ in open(expected)) if os.path.exists(expected) else 0
        rows.append("real/%s\t%d\t\twriter=%s\t%s\t%s" % (name, n, created_by(fastdata, path),
                                                       status.replace("\t", " "), check))
        print(rows[-1])
    manifest = os.path.join(HERE, "MANIFEST.tsv")
    with open(manifest) as f:
        kept = [line for line in f if not line.startswith("real/")]
    with open(manifest, "w", newline="\n") as f:
        f.writelines(kept + [r + "\n" for r in rows])


if __name__ == "__main__":
    sys.exit(main())
