#!/usr/bin/env python3
"""Footers that lie: a small Parquet file written by pyarrow whose footer is rewritten to
claim far more rows, values or bytes than its pages hold.  `fastdata cat`, `load` and
`load --matrix` must end in one clear error line (exit 1) or read only what is there, with
memory proportional to the bytes actually present: peak RSS stays under a bound far below
what the claims would cost (2^28 rows of float64 = 2 GiB per column).  And dictionary page
headers that lie about their entries or their decompressed size: one clear error.

usage: lying_footers.py FASTDATA
Prints one line per case and exits 1 on any failure.
"""
import os
import struct
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from thrift_compact import field, read_struct, write_struct  # noqa: E402

RSS_BOUND_MB = 150   # the command's own peak; the claims would cost gigabytes
CLAIM = 1 << 28      # rows per row group / values per chunk claimed
SLAB_CLAIM = (1 << 22) - 1  # rows per row group: the most that get a slab (reader.c)


def rewrite_footer(src, dst, edit):
    data = open(src, "rb").read()
    n = struct.unpack_from("<I", data, len(data) - 8)[0]
    start = len(data) - 8 - n
    md, _ = read_struct(data, start)
    edit(md)
    footer = write_struct(md)
    with open(dst, "wb") as f:
        f.write(data[:start] + footer + struct.pack("<I", len(footer)) + b"PAR1")


# ---- the lies ----

def rows_lie(md):
    """Every row group, and the file, claim CLAIM rows (the pages hold 1,000)."""
    field(md, 3)[2] = CLAIM * len(field(md, 4)[2][2])
    for rg in field(md, 4)[2][2]:
        field(rg, 3)[2] = CLAIM


def slab_rows_lie(md):
    """Row groups claim just fewer rows than get a slab (2^22): the reader plans each one's
    slab (the float columns' values, the string column's offsets) for rows never there."""
    field(md, 3)[2] = SLAB_CLAIM * len(field(md, 4)[2][2])
    for rg in field(md, 4)[2][2]:
        field(rg, 3)[2] = SLAB_CLAIM


def values_lie(md):
    """Every chunk claims CLAIM values and the row groups CLAIM rows."""
    rows_lie(md)
    for rg in field(md, 4)[2][2]:
        for cc in field(rg, 1)[2][2]:
            field(field(cc, 3)[2], 5)[2] = CLAIM


def sizes_lie(md):
    """Every chunk claims 2^40 uncompressed bytes (its compressed size is left true)."""
    for rg in field(md, 4)[2][2]:
        for cc in field(rg, 1)[2][2]:
            field(field(cc, 3)[2], 6)[2] = 1 << 40


# Measures the command's own peak RSS: forked from a fresh small Python, not from this
# process (a child's ru_maxrss counts the memory of the process it was forked from).
MEASURE = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("MAXRSS_KB %d\\n" % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(cmd):
    """Exit status, stderr lines and the command's peak RSS in MB."""
    p = subprocess.run([sys.executable, "-S", "-c", MEASURE] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    lines = p.stderr.decode("utf-8", "replace").strip().splitlines()
    rss = int(lines.pop().split()[1]) / 1024 if lines and lines[-1].startswith("MAXRSS_KB") else 1e9
    return p.returncode, lines, rss


def lying_dictionary_pages(tmp, fastdata):
    """A snappy int64 dictionary page (decompressed straight into the dictionary's own
    buffer) whose header claims more entries than its bytes hold, or a decompressed size
    longer or shorter than snappy's: one clear error each.  Returns the failures."""
    src = os.path.join(tmp, "dict.parquet")
    pq.write_table(pa.table({"k": pa.array([i % 1000 for i in range(5000)], pa.int64())}), src,
                   compression="snappy")
    offset = pq.ParquetFile(src).metadata.row_group(0).column(0).dictionary_page_offset
    data = open(src, "rb").read()
    header, end = read_struct(data, offset)
    assert field(header, 1)[2] == 2 and field(field(header, 7)[2], 1)[2] == 1000  # DICTIONARY_PAGE
    failures = 0
    for name, fid, value, want in (("entries", None, 8000, "dictionary claims 8000 entries"),
                                   ("size_long", 2, 8008, "snappy"),
                                   ("size_short", 2, 7992, "snappy")):
        header, _ = read_struct(data, offset)
        if fid is None:
            field(field(header, 7)[2], 1)[2] = value
        else:
            field(header, fid)[2] = value
        edited = write_struct(header)
        assert len(edited) == end - offset  # same varint lengths: nothing after it moves
        path = os.path.join(tmp, "dict_%s.parquet" % name)
        with open(path, "wb") as f:
            f.write(data[:offset] + edited + data[end:])
        for args in (["cat", path], ["load", path]):
            rc, lines, _ = run([fastdata] + args)
            ok = rc == 1 and len(lines) == 1 and want in lines[0]
            failures += not ok
            print("%s dictionary %-10s %-5s exit %d: %s" % ("ok  " if ok else "FAIL", name,
                  args[0], rc, lines[0] if lines else "(no message)"))
    return failures


def main():
    fastdata = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "honest.parquet")
        n = 1000
        # float32 columns go straight into a float32 column-major matrix: the path that
        # sized its memory by the footer's row count
        t = pa.table({"x": pa.array([float(i) for i in range(n)], pa.float32()),
                      "y": pa.array([float(i % 7) if i % 5 else None for i in range(n)],
                                    pa.float32()),
                      "s": pa.array(["v%d" % i for i in range(n)])})
        pq.write_table(t, src, row_group_size=500, use_dictionary=["s"])
        for lie in (rows_lie, slab_rows_lie, values_lie, sizes_lie):
            path = os.path.join(tmp, lie.__name__ + ".parquet")
            rewrite_footer(src, path, lie)
            for args in (["cat", path], ["load", path], ["load", path, "--columns", "s"],
                         ["load", path, "--matrix", "x,y"]):
                rc, lines, rss = run([fastdata] + args)
                if lie is sizes_lie:  # sizes that are never used: the file reads
                    ended = rc == 0 and not lines
                else:
                    ended = (rc == 1 and len(lines) == 1 and lines[0].startswith("fastdata: ")
                             and "out of memory" not in lines[0])
                ok = ended and rss < RSS_BOUND_MB
                failures += not ok
                print("%s %-10s %-18s exit %d, peak %.0f MB: %s" % (
                    "ok  " if ok else "FAIL", lie.__name__, " ".join(args[:1] + args[2:]), rc, rss,
                    lines[0] if lines else "(no message)"))
        failures += lying_dictionary_pages(tmp, fastdata)
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
