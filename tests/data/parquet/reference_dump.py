#!/usr/bin/env python3
"""The row dump (JSONL.md) of a Parquet file as another reader reads it: pyarrow or DuckDB
(both from the venv), for the expected dumps of real/.  Values are written from the Arrow
data each reader returns; timestamps from their integer value and unit (so that years
outside Python's datetime print too).  A repeated top-level name becomes name_1, name_2, as
DuckDB names such columns (JSONL.md: no duplicate keys).

usage: reference_dump.py pyarrow|duckdb FILE.parquet OUT.jsonl
Exit 0 with the dump written, 1 with the reader's error on stderr.
"""
import base64
import decimal
import json
import math
import sys

import pyarrow as pa
import pyarrow.parquet as pq

UNIT_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def civil(days):
    """(year, month, day) from days since 1970-01-01 (Howard Hinnant's civil_from_days)."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def date_text(days):
    y, m, d = civil(days)
    if 1 <= y <= 9999:
        return "%04d-%02d-%02d" % (y, m, d)
    return "%s%04d-%02d-%02d" % ("-" if y < 0 else "+", abs(y), m, d)


def clock_text(value, digits):
    scale = 10 ** digits
    secs, frac = divmod(value, scale)
    text = "%02d:%02d:%02d" % (secs // 3600, secs // 60 % 60, secs % 60)
    return text + (".%0*d" % (digits, frac) if digits else "")


def float_text(v, is_float32):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def convert(arr, typ):
    """Python values of one Arrow array, in the dump's JSON form."""
    if pa.types.is_timestamp(typ) or pa.types.is_time(typ) or pa.types.is_date32(typ):
        narrow = pa.types.is_date32(typ) or typ in (pa.time32("s"), pa.time32("ms"))
        ints = arr.view(pa.int32() if narrow else pa.int64()).to_pylist()
        out = []
        for v in ints:
            if v is None:
                out.append(None)
            elif pa.types.is_date32(typ):
                out.append(date_text(v))
            elif pa.types.is_time(typ):
                digits = UNIT_DIGITS[typ.unit]
                out.append(clock_text(v % (86400 * 10 ** digits), digits))
            else:
                digits = UNIT_DIGITS[typ.unit]
                days, in_day = divmod(v, 86400 * 10 ** digits)
                out.append(date_text(days) + "T" + clock_text(in_day, digits) +
                           ("Z" if typ.tz else ""))
        return out
    if pa.types.is_struct(typ):
        kids = [convert(arr.field(i), typ.field(i).type) for i in range(typ.num_fields)]
        valid = arr.is_valid().to_pylist()
        return [None if not valid[r] else
                {typ.field(i).name: kids[i][r] for i in range(typ.num_fields)}
                for r in range(len(arr))]
    if pa.types.is_map(typ):
        keys = convert(arr.keys, typ.key_type)
        items = convert(arr.items, typ.item_type)
        offsets = arr.offsets.to_pylist()
        valid = arr.is_valid().to_pylist()
        return [None if not valid[r] else
                [{"key": keys[j], "value": items[j]} for j in range(offsets[r], offsets[r + 1])]
                for r in range(len(arr))]
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        flat = convert(arr.values, typ.value_type)
        offsets = arr.offsets.to_pylist()
        valid = arr.is_valid().to_pylist()
        return [None if not valid[r] else flat[offsets[r]:offsets[r + 1]] for r in range(len(arr))]
    values = arr.to_pylist()
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_fixed_size_binary(typ):
        return [None if v is None else base64.b64encode(v).decode() for v in values]
    if pa.types.is_floating(typ):
        return [None if v is None else float_text(v, typ == pa.float32()) for v in values]
    if pa.types.is_decimal(typ):
        return [None if v is None else format(v, "f") for v in values]
    return values


def unique_names(names):
    seen, out = set(), []
    for n in names:
        name, k = n, 1
        while name in seen:
            name = "%s_%d" % (n, k)
            k += 1
        seen.add(name)
        out.append(name)
    return out


def read(reader, path):
    if reader == "pyarrow":  # INT96 as microseconds, as fastdata's default
        return pq.ParquetFile(path, coerce_int96_timestamp_unit="us").read()
    import duckdb
    con = duckdb.connect()
    return con.sql("SELECT * FROM read_parquet(?, binary_as_string=false)",
                   params=[path]).to_arrow_table()


def main():
    reader, path, out = sys.argv[1:4]
    try:
        table = read(reader, path)
        columns = [convert(c.combine_chunks() if c.num_chunks else pa.array([], c.type), c.type)
                   for c in table.columns]
    except Exception as e:  # the reader's refusal is the result
        sys.stderr.write("%s: %s\n" % (reader, str(e).splitlines()[0] if str(e) else repr(e)))
        return 1
    names = unique_names(table.column_names)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for r in range(table.num_rows):
            row = {names[c]: columns[c][r] for c in range(len(names))}
            f.write(json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
