/*
 * fastdata/load.h - the whole job: Parquet files from S3 (or local disk) into one Arrow
 * table in memory, downloading and decoding at once.
 *
 * Sources: "s3://bucket/prefix/" (every object below it), "s3://bucket/dir/part-*" (a
 * glob on the last path segment: * ? [...]), "s3://bucket/key", a local directory (every
 * file below it, recursively) or a local file.  Under a prefix or directory, names with a
 * segment (below the prefix) that starts with '_' or '.' (_SUCCESS, .crc files, _temporary/)
 * are skipped, as Spark and pyarrow do; any other object must be Parquet, or the load fails
 * naming it.  Files load in the order given, each prefix or directory sorted by key.
 *
 * Hive partitions: folders named key=value between a prefix (or directory) and its files
 * become columns, after the files' columns or where opts->columns names them.  Values are
 * URL-decoded (%XX); "__HIVE_DEFAULT_PARTITION__" and empty values are null.  Each key's
 * type is the first of int64, float64, date32 (YYYY-MM-DD), timestamp[us] (YYYY-MM-DD
 * HH:MM:SS[.ffffff], or 'T' between) and string (utf8) that all its values parse as, unless
 * opts->partition_types gives it.  Partition columns are plain arrays, the value repeated on
 * every row (strings are utf8, not dictionary-encoded, so that every consumer of the table
 * reads them).  With FDATA_PARTITIONING_AUTO every file below a root must have the same keys
 * in the same order (or none); otherwise the load fails naming two paths, before any data
 * moves.  A key that is also a column of the files is an error.
 *
 * Pipeline: S3 objects are fetched in parallel (fdata_s3_get_many, ranged parts straight
 * into memory, the ranges of each row group apart) and each row group is decoded, its column
 * chunks on all cores, as soon as its own bytes (and those of the row groups before it in its
 * file) have arrived, while the rest still arrives; a memory budget bounds the downloaded
 * bytes waiting to be decoded.  Local files are mapped and decoded the same way.  A file's
 * compressed bytes are released as soon as it is decoded, so the table is never held twice.
 *
 * Schema drift: the table's columns are every file's, matched by name, in the order of
 * opts->columns or of their first appearance (FDATA_SCHEMA_UNION), or the first file's
 * (FDATA_SCHEMA_FIRST); a file that lacks one gives nulls (the column is then nullable), and
 * a file reads only the projected columns it has.  A column whose types differ takes the
 * type they all convert to without loss: int8/16/32 and uint8/16/32 -> int64, float32 ->
 * float64, the finest unit of dates, times or timestamps (the same time zone), utf8 ->
 * large_utf8, binary -> large_binary (under FDATA_SCHEMA_FIRST, the first file's type, if
 * the others convert to it); nested columns unify by path the same way: struct fields by
 * name (the first file's order, then new ones appended; nulls where a file's struct lacks
 * one), the elements of lists, large lists, fixed-size lists and maps unified, the
 * promotions at any depth (under FDATA_SCHEMA_FIRST a later file's extra struct fields are
 * left out).  Any other difference fails before any data moves, naming the column (the path
 * in it, "a.b"), both types and two files; so does a projected column that no file has
 * (FDATA_ENOCOLUMN).  A file with none of the projected columns gives nulls for all of
 * them; a projected struct path ("s.a") a file's struct lacks makes the column null there.
 *
 * Thread safety: fdata_load may run on several threads at once, their work on the shared
 * workers of opts->runtime (fastdata/runtime.h; NULL: the default runtime); a progress
 * callback is called on the calling thread.
 */
#ifndef FASTDATA_LOAD_H
#define FASTDATA_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/arrow.h"
#include "fastdata/error.h"
#include "fastdata/parquet.h"
#include "fastdata/s3.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a load did.  Rates: download_gbit_s in 10^9 bits per second of wall time from the
 * first request to the last byte; decode_gb_s in 10^9 bytes of Arrow output per second of
 * wall time spent decoding. */
struct fdata_load_report {
    size_t files;
    int64_t rows;
    int columns;                 /* top-level columns of the table */
    int64_t row_groups;          /* = record batches */
    uint64_t bytes_fetched;      /* bytes read from S3 or local files (a local file's footer
                                    and projected column chunks) */
    uint64_t bytes_decoded;      /* bytes of Arrow buffers produced */
    double seconds;              /* wall time of the whole load */
    double first_batch_seconds;  /* until the first file's batches were decoded */
    double download_seconds, decode_seconds;
    double download_gbit_s, decode_gb_s;
    uint64_t peak_bytes_held;    /* the most downloaded bytes held at once not yet decoded
                                    (S3 sources; what memory_limit bounds) */
    size_t files_pruned;         /* files the filter dropped by their partition values
                                    (not counted in `files`; nothing of them was read) */
    uint64_t bytes_skipped;      /* their sizes (as listed), the projected column chunks of
                                    the row groups pruned, and the bytes of the projected
                                    column chunks that page indexes left unread */
    uint64_t bytes_total;        /* what bytes_fetched will reach: known (non-zero) once the
                                    footers are read */
    int64_t pages_pruned;        /* data pages of the projected columns not read because the
                                    filter cannot match their rows (page indexes) */
    uint64_t requests;           /* GET requests for the S3 files' bytes (footers and data,
                                    retries included; not the listing's pages): 1 per file
                                    listed at most a part long, whole in one GET */
    int64_t row_groups_pruned;   /* row groups the filter dropped by their footer statistics
                                    or bloom filters (not counted in `row_groups`; their
                                    chunks never read) */
};

/*
 * Filters: a boolean expression over columns that selects the rows of a load.  The text
 * form (fdata_filter_parse) is SQL-like:
 *   expr := expr OR expr | expr AND expr | NOT expr | ( expr ) | predicate
 *   predicate := column op literal | column [NOT] IN (literal, ...)
 *              | column [NOT] BETWEEN literal AND literal | column IS [NOT] NULL
 *              | column (a boolean column: column = TRUE)
 *   op := = | != | <> | < | <= | > | >=
 *   literal := 12 | -1.5e3 | 'text' ('' is a quote) | DATE 'YYYY-MM-DD'
 *            | TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]' | TRUE | FALSE
 * Columns are names ([A-Za-z_][A-Za-z0-9_]*, or "any text" in double quotes) or struct
 * paths (name.name...: a field of a struct column; a null struct makes its fields null;
 * a name with dots wins over a path); keywords in any case.  Comparisons with a null are not
 * true (the row is not selected), as in SQL.
 * Columns are partition keys (see Hive partitions above) or columns of the files (top-level
 * or fields of structs, as plain, view or dictionary arrays) of a number, decimal, boolean,
 * string, binary, fixed-size binary, date or timestamp type.  Numbers with a dot or an
 * exponent (and integers beyond int64) are FDATA_VALUE_DECIMAL: a decimal column compares
 * with them exactly (1.005 against a column of scale 2 is between 1.00 and 1.01, equal to
 * neither), other numbers with their nearest double.  The result is exact: a load first
 * drops the files whose partition values cannot match, before any request for them (the
 * table's schema is then made of the selected files'), then removes the rows that do not
 * match after decoding.  Floats compare as DuckDB does (NaN above every number, equal to
 * itself); strings by their bytes.  Columns the filter reads that opts->columns leaves out
 * are read, then dropped.  In between, once the footers are read, the filter is evaluated
 * over statistics (with SQL's nulls; a column a file lacks is null on every row): the row
 * groups whose footer statistics (min/max and null counts, by the Parquet spec's sort
 * orders: min_value/max_value under TYPE_ORDER, the deprecated min/max only for signed
 * types, floats, booleans and INT32/INT64 decimals, unsigned integers as unsigned, strings
 * and fixed-size binaries bytewise, decimals in binaries as signed big-endian integers; NaN
 * may be in every float column; a struct path's leaf by its own statistics) show that no
 * row can match are skipped, then of those left, the ones whose
 * split-block bloom filters rule out every literal of an = or IN (report:
 * row_groups_pruned).  In files with a page index (PageIndex.md: ColumnIndex and
 * OffsetIndex), each row group left then reads only the rows the filter may select by the
 * min, max and null counts of its flat top-level columns' pages, by the same evaluation and
 * rules: every flat column reads its dictionary page and the data pages that hold those
 * rows (S3: the indexes in one GET per file when they lie within 1 MiB before its tail, as
 * writers put them, then just those pages' ranges), nested columns their whole chunk, and
 * all are cut to those rows (report: pages_pruned, bytes_skipped).  A page index that fails
 * a check is ignored (that chunk is read whole); one whose pages then hold other row counts
 * than it says fails the load (FDATA_ECORRUPT naming the file).  Pages are not pruned with a
 * matrix or fdata_strings other than plain.
 */
typedef struct fdata_filter fdata_filter;

enum fdata_filter_op {
    FDATA_FILTER_EQ = 0, FDATA_FILTER_NE, FDATA_FILTER_LT, FDATA_FILTER_LE, FDATA_FILTER_GT,
    FDATA_FILTER_GE,
};

/* A literal of a filter built from code. */
enum fdata_value_type {
    FDATA_VALUE_INT = 0,         /* i */
    FDATA_VALUE_FLOAT,           /* f */
    FDATA_VALUE_STRING,          /* s (NUL-terminated UTF-8; copied) */
    FDATA_VALUE_DATE,            /* i: days since 1970-01-01 */
    FDATA_VALUE_TIMESTAMP,       /* i: microseconds since 1970-01-01 00:00:00 */
    FDATA_VALUE_BOOL,            /* i: 0 (false) or 1 (true) */
    FDATA_VALUE_DECIMAL,         /* s: a number's decimal text ("-1.005", "25e-3"; copied),
                                    compared exactly with decimal columns, as its nearest
                                    double (f, set by the builders) with other numbers */
};
struct fdata_value {
    int type;                    /* enum fdata_value_type */
    int64_t i;
    double f;
    const char *s;
};

/* Parses `text` into *out (the caller frees it with fdata_filter_free).  FDATA_EINVAL with
 * a message naming the offending character by its position (1-based) and quoting the text
 * from there: 'filter: expected a value at character 5 of "a > AND b" (at "AND b")'. */
FDATA_API int fdata_filter_parse(const char *text, fdata_filter **out, struct fdata_error *err);
/* Builders: each returns a new filter, or NULL when out of memory (or a DECIMAL value's
 * text is not a number).  `column` and string and decimal values are copied; fdata_filter_and/or/not take their arguments over (freed on failure;
 * NULL arguments give NULL). */
FDATA_API fdata_filter *fdata_filter_compare(const char *column, int op, const struct fdata_value *v);
FDATA_API fdata_filter *fdata_filter_in(const char *column, const struct fdata_value *values,
                                        size_t n);
FDATA_API fdata_filter *fdata_filter_is_null(const char *column, int is_not_null);
FDATA_API fdata_filter *fdata_filter_and(fdata_filter *a, fdata_filter *b);
FDATA_API fdata_filter *fdata_filter_or(fdata_filter *a, fdata_filter *b);
FDATA_API fdata_filter *fdata_filter_not(fdata_filter *a);
/* Frees a filter and its parts; NULL is a no-op.  A filter may be used by several loads at
 * once (they only read it). */
FDATA_API void fdata_filter_free(fdata_filter *f);

/* What key=value folders mean (fdata_load_options.partitioning). */
enum fdata_partitioning {
    FDATA_PARTITIONING_AUTO = 0, /* Hive columns when the paths have key=value folders */
    FDATA_PARTITIONING_HIVE = 1, /* the same, asked for by name */
    FDATA_PARTITIONING_NONE = 2, /* folders are not columns */
};

/* The table's columns when the files' differ (fdata_load_options.schema). */
enum fdata_schema_mode {
    FDATA_SCHEMA_UNION = 0,      /* every file's columns, by name */
    FDATA_SCHEMA_FIRST = 1,      /* the first file's columns and types */
};

/* Options; zero-initialise (0 / NULL = default). */
struct fdata_load_options {
    const char *const *columns;  /* projection, as fdata_parquet_read_options; NULL = all */
    size_t num_columns;
    int threads;                 /* decoding threads; 0 = one per core */
    int connections;             /* concurrent S3 requests; 0 = sized from the S3 client's
                                    target_gbit_s (fastdata/s3.h; 16 by default) for data,
                                    64 for footers (small GETs that wait on latency) */
    size_t part_size;            /* bytes per ranged GET; 0 = 8 MiB */
    size_t memory_limit;         /* downloaded bytes not yet decoded (raised to the largest
                                    row group's, which must fit); 0 = 2 GiB */
    const struct fdata_s3_options *s3; /* client options for s3:// sources; NULL = defaults */
    /* Called on the consumer's thread with the totals so far (files handed over, rows,
     * bytes fetched of bytes_total): after each file, and about every 50 ms while the
     * consumer waits for the next batch (a display throttles itself). */
    void (*progress)(void *ctx, const struct fdata_load_report *so_far, size_t files_total);
    void *progress_ctx;
    /* Cancellation: the load stops with FDATA_ECANCELED soon after *cancel becomes non-zero
     * (e.g. from a signal handler). */
    const volatile int *cancel;
    /* Optional: a feature matrix (fastdata/arrow.h) that the decoders fill straight from the
     * pages (see fdata_parquet_read_options.matrix).  Set its columns, num_columns, dtype and
     * order; once the footers are read the load allocates data for every row of every file
     * and sets rows.  With a filter on the files' columns the load puts the rows it selects
     * there (converted from the decoded arrays, not by the decoders) and, once the stream
     * has ended, rows is their count.  Its columns are left out of the table (with `columns` NULL the table
     * holds every other column).  When fdata_load succeeds, or fdata_load_stream's stream has
     * ended without error, the matrix is complete and the caller owns data
     * (fdata_matrix_free); when fdata_load fails, data is NULL; a stream that fails or is
     * released early leaves data to the caller, incomplete. */
    struct fdata_matrix *matrix;
    int invalid_utf8;            /* enum fdata_invalid_utf8 (fastdata/parquet.h); 0 = error */
    int int96_unit;              /* enum fdata_int96_unit (fastdata/parquet.h); 0 = us */
    int partitioning;            /* enum fdata_partitioning; 0 = auto */
    int schema;                  /* enum fdata_schema_mode; 0 = union */
    /* Optional: only the rows it selects (see Filters above); the caller keeps it until
     * the load (or stream) is done.  A filter that names a column the table does not have,
     * or compares a column with a literal of another kind ('abc' with an int), fails
     * before any data moves (FDATA_EINVAL); one on the files' columns excludes `matrix`
     * (FDATA_EUNSUPPORTED). */
    const fdata_filter *filter;
    /* Types of partition keys, "key:type,..." with types int64, float64, date32, timestamp
     * (microseconds) and string; NULL = inferred.  A value that does not parse as its key's
     * type fails the load naming its path. */
    const char *partition_types;
    int strings;                 /* enum fdata_strings (fastdata/parquet.h); 0 = plain */
    /* Optional (fastdata/trace.h): the load's timeline: listing and footers, each S3 request
     * and part (as fdata_s3_options.trace, unless s3->trace names another), each batch of
     * row groups handed to the decoders, each column chunk decoded and matrix block written.
     * Must outlive the load (a stream: until it is released). */
    fdata_trace *trace;
    /* Optional (fastdata/runtime.h): the workers that decode and download, and the shared
     * cap on bytes in flight its memory_limit draws from as well; NULL = the default runtime.
     * Also the S3 client's and the reader's, unless s3->runtime names another.  Must
     * outlive the load (a stream: until it is released). */
    fdata_runtime *runtime;
};

/*
 * Loads the `n` sources into one table.  On success *out is a stream over the record batches
 * (one per row group, in file then row-group order, whatever the arrival order), all already
 * in memory; the caller owns it and releases it; each batch taken from it is the caller's
 * and owns its buffers.  *report (may be NULL) is filled.  On failure nothing is returned
 * (out->release is NULL), nothing stays allocated, and err names the file and the cause:
 * FDATA_ENOTFOUND (no such file/object, no Parquet file under a prefix), FDATA_ENOCOLUMN
 * (a column missing), FDATA_EACCES (file permissions, HTTP 403), FDATA_ETIMEDOUT (a server
 * silent or stalled past the stall timeout, retries spent), FDATA_ECORRUPT (not Parquet, a
 * corrupt file), FDATA_EINVAL (schemas that differ, bad options), FDATA_EIO (S3 or file
 * system), FDATA_ECANCELED, and the decoder's codes.
 */
FDATA_API int fdata_load(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                         struct ArrowArrayStream *out, struct fdata_load_report *report,
                         struct fdata_error *err);

/*
 * The same as a stream that yields each batch as soon as it and all before it are decoded,
 * while later files still download and decode: the way to load tables larger than memory.
 * Listing and footers are read before this returns (their errors come back here); a later
 * failure makes get_next return an errno (EIO, ENOMEM, EINVAL, ENOSYS, ENOENT, ERANGE,
 * ECANCELED) with get_last_error naming the file and the cause, and no further batches.
 * Peak memory: the budget's downloaded bytes, plus decoded files not yet taken (at most
 * memory_limit bytes of them, and always the one the consumer waits for), plus what the
 * consumer keeps, plus pages kept for reuse instead of fresh ones: up to two row groups'
 * worth (at most a quarter of memory_limit) of decoded ranges, and the released batches'
 * value slabs (the runtime's page cache: 64 MiB, or the most value slab bytes in use at
 * once, see fdata_release_cached_memory), plus every file's footer until the file is decoded
 * (its tail and parsed metadata: a schema needs them all; files of one schema share it
 * parsed, and 10,000 files of 304 columns hold ~1.2 GB so: a 64 KiB tail and 56 KB parsed
 * each) and the small files read ahead while the footers come (at most a quarter of
 * memory_limit of batches).  *report
 * (may be NULL) is filled when the stream ends, so it must stay valid until then.  Releasing
 * the stream early stops the downloads and decoding.
 */
FDATA_API int fdata_load_stream(const char *const *sources, size_t n,
                                const struct fdata_load_options *opts,
                                struct ArrowArrayStream *out, struct fdata_load_report *report,
                                struct fdata_error *err);

/* A progress display on stderr, for fdata_load_options.progress with progress_ctx a
 * zero-initialised struct fdata_progress_bar: a bar of the bytes fetched of bytes_total, with
 * the percent, the rate over the last second or so, the time left at that rate and the files
 * handed over; redrawn in place (a terminal's carriage return) at most 10 times a second, the
 * last draw (every file in) ending the line.  Show it only when stderr is a terminal.  After
 * the load, fdata_progress_bar_end ends a line a failed load left open. */
struct fdata_progress_bar {
    double drawn;                /* seconds of the load at the last draw */
    double rate;                 /* bytes per second, smoothed */
    double at;                   /* when bytes were last sampled */
    uint64_t bytes;
    long draws;                  /* draws so far */
    int finished;                /* the last line is ended */
};
FDATA_API void fdata_progress_bar_draw(void *ctx, const struct fdata_load_report *so_far,
                                       size_t files_total);
FDATA_API void fdata_progress_bar_end(struct fdata_progress_bar *bar);

/* A load's report as facts (fastdata/trace.h), the summary of the CLI's report and of an
 * HTML report: files, rows, bytes, times and rates, requests, what a filter pruned, one fact
 * each (at most FDATA_LOAD_FACTS); the values are written into `values`, which the facts
 * point into.  Returns the count. */
#define FDATA_LOAD_FACTS 14
FDATA_API size_t fdata_load_report_facts(const struct fdata_load_report *r,
                                         struct fdata_trace_fact facts[FDATA_LOAD_FACTS],
                                         char values[FDATA_LOAD_FACTS][96]);

/*
 * The tmpfs mode: the S3 sources' objects (expanded as above, not required to be Parquet)
 * downloaded in parallel and written as files under `dir` (a tmpfs such as /dev/shm keeps
 * them in memory), each as soon as it has arrived, with opts->memory_limit bounding the bytes
 * held; a file is named by its key below the source's prefix (a lone key by its last
 * segment), written under a temporary name and renamed when complete; `dir` and its parents
 * are made.  A key that cannot name a file below `dir` (not below the prefix, absolute, a
 * ".", ".." or empty segment, a control character) fails the call with FDATA_EINVAL before
 * anything is downloaded.  On failure the files
 * this call wrote are removed.  report->files, bytes_fetched and requests are filled.
 */
FDATA_API int fdata_load_to_dir(const char *const *sources, size_t n,
                                const struct fdata_load_options *opts, const char *dir,
                                struct fdata_load_report *report, struct fdata_error *err);

/*
 * Opens one s3:// Parquet object the way fdata_load reads it: its footer with one ranged GET
 * of the tail (a second only when the footer is larger), then only the column chunks `ro`
 * projects (ro NULL: none; read only the footer), into a buffer of the object's size whose
 * other pages are never touched.  Reading columns outside the projection from *out then
 * reads zeros: decode only what was projected.  *fetched (may be NULL) gets the bytes
 * transferred.  Errors name the URL.
 */
FDATA_API int fdata_load_open_s3(fdata_s3_client *client, const char *url,
                                 const struct fdata_parquet_read_options *ro,
                                 fdata_parquet_file **out, int64_t *fetched,
                                 struct fdata_error *err);

#ifdef __cplusplus
}
#endif
#endif /* FASTDATA_LOAD_H */
