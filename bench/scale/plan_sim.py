#!/usr/bin/env python3
"""The planner at fleet scale, on paper (docs/scaling.md): fdata_plan's balancing (shard.c's
cut_units, mirrored here line for line) over a synthetic listing of 10,000 Parquet files
holding 10 TB, and the S3 requests a fleet then makes (footers, ranged GETs of the projected
column chunks as the loader cuts them: ranges merged within 1 MiB, parts of 8 MiB).

First the mirror is checked against the real planner (fastdata.plan) on DuckDB's row-group
files of the tests, at several shard sizes: the same cuts or the script fails.
usage: plan_sim.py [--files 10000] [--tb 10] [--seed 1]"""
import argparse
import math
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MiB = 1 << 20
PART = 8 * MiB           # fdata_load_options.part_size's default
MERGE_GAP = 1 * MiB      # remote.c: holes below this are fetched rather than split
TAIL_GUESS = 64 << 10    # remote.c: the first tail GET


def cut_units(units, target):
    """shard.c's cut_units: the index where each shard starts."""
    left = sum(units)
    cuts, inside, goal = [], 0, 0
    for k, b in enumerate(units):
        if k == 0 or (inside > 0 and inside + b // 2 > goal):
            shards = left // target + (left % target != 0)
            goal = left // max(shards, 1)
            cuts.append(k)
            inside = 0
        inside += b
        left -= b
    return cuts


def check_mirror():
    """The mirror's cuts equal fastdata.plan's on real files (per row group bytes from
    pyarrow's footer: the column chunks' compressed sizes)."""
    import fastdata
    import pyarrow.parquet as pq
    data = os.path.join(ROOT, "tests", "data", "parquet", "generated")
    paths = [os.path.join(data, n) for n in ("duckdb_rowgroups_v2_gzip.parquet",
                                             "duckdb_rowgroups_v1_lz4_raw.parquet")] * 2
    units, where = [], []
    for p in paths:
        meta = pq.ParquetFile(p).metadata
        for rg in range(meta.num_row_groups):
            chunks = [meta.row_group(rg).column(c) for c in range(meta.num_columns)]
            units.append(sum(c.total_compressed_size for c in chunks))
            where.append((p, rg))
    for target in (1, sum(units) // 9, sum(units) // 4, sum(units) // 2, 10 * sum(units)):
        cuts = cut_units(units, target) + [len(units)]
        mirror = []
        for s in range(len(cuts) - 1):
            runs = []
            for p, rg in where[cuts[s]:cuts[s + 1]]:
                if runs and runs[-1][0] == p and runs[-1][1] + runs[-1][2] == rg:
                    runs[-1][2] += 1
                else:
                    runs.append([p, rg, 1])
            mirror.append([tuple(r) for r in runs])
        real = [s.row_groups for s in fastdata.plan(paths, shard_bytes=target)]
        if mirror != real:
            sys.exit("plan_sim: the mirror's cuts differ from fastdata.plan's at %d bytes:\n%s\n%s"
                     % (target, mirror, real))
    print("mirror checked against fastdata.plan: equal cuts at 5 shard sizes\n")


def listing(files, total, rnd):
    """File sizes (lognormal, sigma 0.6, scaled to `total`), each cut into row groups of about
    128 MiB (+-20%), a 300-column table: per file a list of row group sizes."""
    raw = [rnd.lognormvariate(0, 0.6) for _ in range(files)]
    scale = total / sum(raw)
    out = []
    for r in raw:
        size, groups = int(r * scale), []
        while size > 0:
            g = min(size, int(128 * MiB * rnd.uniform(0.8, 1.2)))
            groups.append(g)
            size -= g
        out.append(groups)
    return out


def requests_of(files, columns, projected):
    """GETs of a load: per file its footer (one tail GET, a second when the footer, ~120 bytes
    per column chunk, passes the 64 KiB guess), then per row group the projected column
    chunks (equal widths; `projected` of `columns` spread evenly, so each is its own range
    unless the hole to the next is under 1 MiB), each range in parts of 8 MiB."""
    footer, data = 0, 0
    for groups in files:
        footer += 1 + (len(groups) * columns * 120 + 2048 > TAIL_GUESS)
        for g in groups:
            chunk = g / columns
            hole = chunk * (columns / projected - 1)
            if projected == columns or hole < MERGE_GAP:
                data += math.ceil(g * projected / columns / PART)
            else:
                data += projected * math.ceil(chunk / PART)
    return footer, data


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def simulate(files, target, columns, projected):
    units, owner = [], []
    for i, groups in enumerate(files):
        for g in groups:
            units.append(g * projected // columns)
            owner.append(i)
    cuts = cut_units(units, target) + [len(units)]
    sizes = [sum(units[cuts[s]:cuts[s + 1]]) for s in range(len(cuts) - 1)]
    spans = [len(set(owner[cuts[s]:cuts[s + 1]])) for s in range(len(cuts) - 1)]
    mean = sum(sizes) / len(sizes)
    cv = math.sqrt(sum((x - mean) ** 2 for x in sizes) / len(sizes)) / mean
    footer, data = requests_of(files, columns, projected)
    return ("| %d of %d | %d MiB | %d | %.0f | %.0f | %.0f | %.0f | %.3f | %.1f | %d | %d | %.1f |" % (
        projected, columns, target // MiB, len(sizes), min(sizes) / MiB, pct(sizes, 0.5) / MiB,
        pct(sizes, 0.99) / MiB, max(sizes) / MiB, cv, sum(spans) / len(spans), footer, data,
        sum(units) / data / MiB))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--tb", type=float, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-check", action="store_true")
    args = ap.parse_args()
    if not args.no_check:
        check_mirror()
    rnd = random.Random(args.seed)
    files = listing(args.files, int(args.tb * 1e12), rnd)
    groups = sum(len(g) for g in files)
    print("synthetic listing: %d files, %.2f TB, %d row groups (%.1f per file), 300 columns\n"
          % (len(files), sum(map(sum, files)) / 1e12, groups, groups / len(files)))
    print("| columns read | shard target | shards | min MiB | median | p99 | max | CV | "
          "files per shard | footer GETs | data GETs | MiB per data GET |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for projected, target in ((300, 512 * MiB), (300, 2048 * MiB), (30, 128 * MiB),
                              (10, 128 * MiB), (10, 512 * MiB)):
        print(simulate(files, target, 300, projected))


if __name__ == "__main__":
    main()
