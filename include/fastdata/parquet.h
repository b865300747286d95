/*
 * fastdata/parquet.h - the Parquet reader: footer, schema, and decoding of column chunks
 * into Apache Arrow arrays (see fastdata/arrow.h), on several threads.
 *
 * Input is a whole Parquet file in memory: a path that is mmap'ed, or a buffer the caller
 * hands over.  Every length and offset read from the file is checked against the bytes
 * that exist; a hostile file yields FDATA_ECORRUPT, never an out-of-bounds read, an
 * endless loop or an allocation larger than the file could need.
 *
 * Supported: every physical type, logical and legacy converted type, encoding (PLAIN,
 * PLAIN_DICTIONARY, RLE_DICTIONARY, RLE, BIT_PACKED, DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT), data page v1 and v2, codec
 * (UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4 with Hadoop framing or raw, BROTLI), and
 * nesting of any depth: groups -> struct, LIST -> list (large_list when a column chunk may
 * hold more than 2^31 elements), MAP -> map, with the backward-compatibility rules of the
 * Parquet LogicalTypes spec (2-level lists, repeated fields without annotation, "array" and
 * "_tuple" element groups, MAP_KEY_VALUE).  A null list, an empty list and a list of nulls
 * stay distinct.
 *
 * Arrow mapping: BOOLEAN -> bool; INT(8/16/32/64, signed or not) -> int8..uint64; INT32
 * -> int32; INT64 -> int64; FLOAT -> float32; DOUBLE -> float64; FLOAT16 -> float16;
 * DECIMAL(p,s) -> decimal128 (p <= 38) or decimal256; DATE -> date32; TIME(MILLIS) ->
 * time32[ms]; TIME(MICROS/NANOS) -> time64[us/ns]; TIMESTAMP(unit) -> timestamp[unit],
 * time zone "UTC" when isAdjustedToUTC; INT96 -> timestamp[us] (see fdata_int96_unit);
 * STRING, ENUM, JSON -> utf8 (JSON tagged with the arrow.json extension; values checked to
 * be UTF-8, see fdata_invalid_utf8); other BYTE_ARRAY (BSON, unknown
 * logical types) -> binary; UUID -> fixed_size_binary(16) tagged arrow.uuid; INTERVAL ->
 * interval[month_day_nano]; other FIXED_LEN_BYTE_ARRAY -> fixed_size_binary(n).
 * Optional fields get a validity bitmap (none when a chunk holds no null); Arrow nullability
 * follows the Parquet field's repetition; map keys are never nullable; a MAP without a value
 * field gets an all-null "value" of Arrow type null.  String offsets are int32: a column chunk
 * with more than 2 GiB of string bytes gives FDATA_EUNSUPPORTED.
 *
 * Thread safety: an fdata_parquet_file is immutable after it is opened, so any number of
 * threads may read from one file at once.  Close it once, when no call is using it;
 * streams made from it hold their own reference and keep it alive.
 */
#ifndef FASTDATA_PARQUET_H
#define FASTDATA_PARQUET_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "fastdata/runtime.h"
#include "fastdata/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fdata_parquet_file fdata_parquet_file;

/*
 * Opens the Parquet file at `path` (mmap'ed read-only) and parses its footer.
 * On success *out is a new file object (close it with fdata_parquet_close) and FDATA_OK is
 * returned.  On failure *out is NULL and the status is FDATA_EIO (cannot open or map),
 * FDATA_ECORRUPT (not a Parquet file, bad footer) or FDATA_EUNSUPPORTED (encrypted footer).
 */
FDATA_API int fdata_parquet_open_path(const char *path, fdata_parquet_file **out,
                                      struct fdata_error *err);

/*
 * Opens a Parquet file held in memory: `size` bytes at `data`.  `name` (may be NULL) is
 * used in error messages, e.g. the object's URL.  The bytes are not copied: they must stay
 * valid until `release(release_ctx)` is called, and unchanged once read; only the footer and
 * the leading magic are read here, so a caller may pass a buffer that holds just those and
 * fill in the column chunks later, before reading them (see fdata_parquet_read_ranges).  The
 * buffer is released when the file
 * and every stream and array that points into it are gone.  `release` may be NULL when the
 * caller keeps the bytes alive longer itself.  If this call fails, `release` is NOT called:
 * the buffer still belongs to the caller.  Errors as fdata_parquet_open_path.
 */
FDATA_API int fdata_parquet_open_buffer(const void *data, size_t size, const char *name,
                                        void (*release)(void *release_ctx), void *release_ctx,
                                        fdata_parquet_file **out, struct fdata_error *err);

/* Drops the caller's reference; the file is freed once no stream uses it.  NULL is a no-op. */
FDATA_API void fdata_parquet_close(fdata_parquet_file *file);

/* The file's size in bytes. */
FDATA_API int64_t fdata_parquet_file_size(const fdata_parquet_file *file);
/* The bytes that are not column data, all that opening the file reads: the FileMetaData,
 * its length and both magic numbers. */
FDATA_API int64_t fdata_parquet_footer_size(const fdata_parquet_file *file);
/* Counts from the footer. */
FDATA_API int64_t fdata_parquet_num_rows(const fdata_parquet_file *file);
FDATA_API int fdata_parquet_num_row_groups(const fdata_parquet_file *file);
FDATA_API int64_t fdata_parquet_row_group_num_rows(const fdata_parquet_file *file, int rg);
/* Number of leaf columns (column chunks per row group). */
FDATA_API int fdata_parquet_num_columns(const fdata_parquet_file *file);
/* The footer's created_by string, "" when absent.  Owned by the file. */
FDATA_API const char *fdata_parquet_created_by(const fdata_parquet_file *file);

/* What fastdata knows of one leaf column.  Strings are owned by the file. */
struct fdata_parquet_column_info {
    const char *path;          /* dotted path, e.g. "a.b.c"; a flat column's name */
    const char *physical_type; /* "INT32", "FIXED_LEN_BYTE_ARRAY", ... */
    int type_length;           /* FIXED_LEN_BYTE_ARRAY width, else 0 */
    const char *repetition;    /* "REQUIRED", "OPTIONAL" or "REPEATED" */
    const char *logical_type;  /* "STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,UTC)", "" */
    const char *arrow_type;    /* the leaf's "int32", "timestamp[us, tz=UTC]", ...; "" when its
                                  type cannot be mapped (reading it gives the error) */
    int nested;                /* 1 when the column sits inside a group or list */
    uint32_t encodings;        /* bit (1 << e) for each Parquet encoding e in any chunk */
    uint32_t codecs;           /* bit (1 << c) for each Parquet codec c in any chunk */
    int64_t compressed_size;   /* sum over row groups of total_compressed_size */
    int64_t uncompressed_size; /* sum over row groups of total_uncompressed_size */
};

/* Fills *out for leaf column `i` (0 <= i < num_columns).  FDATA_EINVAL if out of range. */
FDATA_API int fdata_parquet_column_info(const fdata_parquet_file *file, int i,
                                        struct fdata_parquet_column_info *out,
                                        struct fdata_error *err);

/* Names of Parquet enum values as in parquet.thrift ("RLE_DICTIONARY", "ZSTD"); "?" if unknown. */
FDATA_API const char *fdata_parquet_encoding_name(int encoding);
FDATA_API const char *fdata_parquet_codec_name(int codec);

/* What a read does with STRING, ENUM and JSON values that are not valid UTF-8 (Arrow's utf8
 * type requires valid UTF-8). */
enum fdata_invalid_utf8 {
    FDATA_UTF8_ERROR = 0,   /* default: the read fails (FDATA_ECORRUPT) naming the column, the
                               row (the value's slot for a nested column) and the byte offset
                               within the value, as DuckDB and pyarrow refuse such files */
    FDATA_UTF8_BINARY = 1,  /* such columns are read as Arrow binary, every value unchecked */
    FDATA_UTF8_REPLACE = 2, /* each invalid sequence becomes U+FFFD (as Python's "replace") */
};

/* The unit INT96 timestamps are read in (Arrow timestamp[unit], no time zone).  A value the
 * unit's int64 cannot hold fails the read (FDATA_ERANGE); a finer fraction than the unit is
 * truncated towards the past, as pyarrow's coerce_int96_timestamp_unit does. */
enum fdata_int96_unit {
    FDATA_INT96_DEFAULT = 0, /* microseconds: Spark's own precision, and years 0001-9999 (and
                                far beyond) fit, so the old and far-future dates that Spark,
                                Hive and Impala write load; nanoseconds hold only 1677-2262 */
    FDATA_INT96_S = 1,
    FDATA_INT96_MS = 2,
    FDATA_INT96_US = 3,
    FDATA_INT96_NS = 4,
};

/* The Arrow layout of flat STRING, ENUM and JSON columns (binary under FDATA_UTF8_BINARY);
 * the values are the same in each (invalid UTF-8 is handled as fdata_invalid_utf8 says before
 * the layout is made), only the cost of making and reading them differs.  Columns inside
 * structs, lists and maps stay plain. */
enum fdata_strings {
    FDATA_STRINGS_PLAIN = 0, /* default: utf8 (binary): int32 offsets and the bytes */
    FDATA_STRINGS_VIEW = 1,  /* string_view (binary_view): a 16-byte view per value, the value
                                inline when it has at most 12 bytes, else its 4-byte prefix and
                                where it lies in the chunk's one data buffer */
    FDATA_STRINGS_DICTIONARY = 2, /* dictionary<values=utf8 (binary), indices=int32>: a chunk
                                whose pages are all dictionary-encoded keeps its Parquet
                                dictionary and indices (no gather); a chunk that falls back to
                                plain pages, or whose dictionary holds invalid UTF-8 under
                                FDATA_UTF8_ERROR, gets its decoded values as its dictionary and
                                indices 0..n-1 (entries may repeat).  One dictionary per batch. */
};

/* The option values by name, as the CLI and Python take them: "error", "binary", "replace";
 * "s", "ms", "us", "ns"; "plain", "view", "dictionary".  FDATA_EINVAL (and *out untouched) for
 * another name. */
FDATA_API int fdata_parquet_invalid_utf8_from_name(const char *name, int *out);
FDATA_API int fdata_parquet_int96_unit_from_name(const char *name, int *out);
FDATA_API int fdata_parquet_strings_from_name(const char *name, int *out);

/* Options for reading.  Zero-initialise, then set what you need: 0/NULL means default. */
struct fdata_parquet_read_options {
    int threads;                  /* decoding threads; 0 = number of online CPUs */
    const char *const *columns;   /* columns to read; NULL = every column, in schema order;
                                     none when num_columns is 0 (batches of rows only) */
    size_t num_columns;
    /* Optional: a matrix (fastdata/arrow.h) the read decodes the matrix's columns into, the
     * read's first row going to row matrix_row (the stream: its first batch's).  The caller
     * allocates it (fdata_matrix_alloc) with room for every row the read covers and keeps it
     * until the read (or stream) is done.  Its columns must be top-level numeric or boolean
     * columns; they are left out of the batches and the schema, even when `columns` names
     * them (with `columns` NULL the batches hold every other column).  A float32 or float64
     * column going into a column-major matrix of its own type is decoded in place: its pages
     * go straight into the matrix, no array is made.  Other columns are decoded per column
     * chunk and converted into the matrix, a row-major one in blocks of rows that stay in
     * cache.  Nulls become NaN. */
    struct fdata_matrix *matrix;
    int64_t matrix_row;
    int invalid_utf8;             /* enum fdata_invalid_utf8; 0 = FDATA_UTF8_ERROR */
    int int96_unit;               /* enum fdata_int96_unit; 0 = microseconds */
    int strings;                  /* enum fdata_strings; 0 (or an unknown value) = plain */
    /* Optional (fastdata/trace.h): each column chunk decoded and each block of matrix rows
     * written, on its worker's lane.  Must outlive the read. */
    fdata_trace *trace;
    /* Optional (fastdata/runtime.h): whose workers decode (at most `threads` at once);
     * NULL = the default runtime. */
    fdata_runtime *runtime;
};
/* A column is named by its top-level name ("a"), by a path of Arrow field names through
 * structs, list elements and map entries ("a.b.c": a struct keeps just the named fields, a
 * list keeps its structure), or by a Parquet column path ("a.list.element.b").  Output
 * top-level fields follow the order in which they are first named. */

/*
 * Exports the Arrow schema of the projected columns: a struct ("+s") whose children are
 * the columns.  On success the caller owns *out and must release it.  Errors:
 * FDATA_ENOCOLUMN (no column of that name), FDATA_EINVAL (a top-level column named twice),
 * FDATA_ECORRUPT (a selected column's logical type is invalid), FDATA_ENOMEM.
 */
FDATA_API int fdata_parquet_get_schema(fdata_parquet_file *file,
                                       const struct fdata_parquet_read_options *opts,
                                       struct ArrowSchema *out, struct fdata_error *err);

/*
 * Decodes row groups [first, first + count) into `count` record batches (struct arrays,
 * one per row group, columns as fdata_parquet_get_schema describes), every column chunk
 * of every row group in parallel on opts->threads threads; nested fields are then assembled
 * from their leaves' levels without copying values.  Only the projected column
 * chunks are read.  On success out[0..count) are owned by the caller, who releases each.
 * The values of a batch's flat fixed-width columns (ints, floats, dates, timestamps...)
 * share one allocation per row group (large ones mapped, transparent huge pages advised):
 * any child array may be moved out and released on its own, and the allocation goes with
 * the last of them, so a column kept alive keeps its row group's fixed-width values too.
 * On failure nothing is left allocated, every out[i].release is NULL, and the error names
 * the file, row group, column and page offset of the first failure.
 */
FDATA_API int fdata_parquet_read_row_groups(fdata_parquet_file *file, int first, int count,
                                            const struct fdata_parquet_read_options *opts,
                                            struct ArrowArray *out, struct fdata_error *err);

/* A byte range of the file. */
struct fdata_byte_range {
    int64_t offset, length;
};

/*
 * The byte ranges a read with `opts` touches: the projected column chunks of every row
 * group, sorted, with ranges closer than `merge_gap` bytes merged.  Lets a caller holding
 * only the footer (e.g. from one ranged GET) fetch just those bytes into a buffer of the
 * file's size before decoding.  On success *ranges (free()) holds *count ranges.  Errors as
 * fdata_parquet_get_schema, and FDATA_ECORRUPT for a chunk outside the file.
 */
FDATA_API int fdata_parquet_read_ranges(fdata_parquet_file *file,
                                        const struct fdata_parquet_read_options *opts,
                                        int64_t merge_gap, struct fdata_byte_range **ranges,
                                        size_t *count, struct fdata_error *err);

/* The same row group by row group: ranges are merged only within a row group, so that a
 * caller can decode each as soon as its own ranges are in; sorted by row group, then
 * offset, (*row_groups)[k] (free()) being range k's row group.  Errors as above. */
FDATA_API int fdata_parquet_row_group_ranges(fdata_parquet_file *file,
                                             const struct fdata_parquet_read_options *opts,
                                             int64_t merge_gap, struct fdata_byte_range **ranges,
                                             int **row_groups, size_t *count,
                                             struct fdata_error *err);

/*
 * Makes an ArrowArrayStream that yields one record batch per row group, in file order,
 * each decoded with its columns in parallel.  The stream holds a reference to `file`.
 * The caller owns *out on success and must release it.  Errors as
 * fdata_parquet_get_schema.  get_schema and get_next return 0 or, as the C Stream
 * interface wants, an errno value: EIO for corrupt input, ENOSYS for an unsupported feature,
 * ERANGE for a value the Arrow type cannot hold, ENOMEM, EINVAL, ENOENT; get_last_error then
 * gives the message (file, row group, column, page offset, why).  After an error the stream
 * may only be released.
 */
FDATA_API int fdata_parquet_stream(fdata_parquet_file *file,
                                   const struct fdata_parquet_read_options *opts,
                                   struct ArrowArrayStream *out, struct fdata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_PARQUET_H */
