/*
 * fastdata/arrow.h - Apache Arrow C Data Interface structures, the text output of Arrow
 * record batches (the `fastdata cat` formats), and dense feature matrices filled from
 * Arrow columns.
 *
 * The three structures below are the ABI of the Arrow C Data / C Stream interface,
 * exactly as specified by Apache Arrow; any consumer (pyarrow, Polars, DuckDB,
 * nanoarrow) can take them.  Ownership follows that specification: whoever holds a
 * struct whose `release` is not NULL owns it and must call release exactly once;
 * moving a struct means copying it and setting the source's release to NULL.
 *
 * Arrays produced by fastdata own their buffers through `private_data`; every buffer
 * is 64-byte aligned.  Releasing a parent releases its children.
 */
#ifndef FASTDATA_ARROW_H
#define FASTDATA_ARROW_H

#include <stdint.h>
#include <stdio.h>
#include "fastdata/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* Text formats for fdata_arrow_write_batch(). */
enum fdata_text_format {
    FDATA_TEXT_JSONL = 0, /* one JSON object per row: the row-dump format of JSONL.md */
    FDATA_TEXT_CSV = 1,   /* RFC 4180, header line from fdata_arrow_write_header() */
};

/*
 * Writes the CSV header line (the field names of `schema`, a struct "+s") to `out`.
 * Nothing is written for FDATA_TEXT_JSONL.  Returns FDATA_OK, or FDATA_EIO when the
 * stream reports a write error.
 */
FDATA_API int fdata_arrow_write_header(const struct ArrowSchema *schema,
                                       enum fdata_text_format format, FILE *out,
                                       struct fdata_error *err);

/*
 * Writes rows [0, min(batch->length, max_rows)) of a record batch to `out`, one line per
 * row.  `schema` describes the batch: a struct ("+s") whose children are the columns.
 * Every flat Arrow type fastdata produces is printed: integers, floats (shortest text
 * that reads back to the same value; NaN and infinities as strings), float16, decimal128/
 * 256, date32, time32/64, timestamp (with "Z" when the time zone is UTC), interval
 * month_day_nano (as {"months","days","millis"}), utf8, binary and fixed_size_binary
 * (base64), arrow.uuid (canonical text); string_view and binary_view as utf8 and binary, and
 * a flat type dictionary-encoded with integer indices as its values.
 * Returns FDATA_OK; FDATA_EUNSUPPORTED for a type it cannot print (nothing of that row
 * is written); FDATA_EIO on a write error.  The batch is not modified.
 */
FDATA_API int fdata_arrow_write_batch(const struct ArrowSchema *schema,
                                      const struct ArrowArray *batch, int64_t max_rows,
                                      enum fdata_text_format format, FILE *out,
                                      struct fdata_error *err);

/* A deep copy of a schema (format, name, flags, metadata's extension name, children) that
 * owns its strings.  FDATA_OK or FDATA_ENOMEM (out->release NULL). */
FDATA_API int fdata_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *out);

/*
 * Shares an array without copying its buffers: *out views src (same buffers, a view of
 * each child), and releasing the view calls done(ctx) instead of freeing anything.  The
 * caller keeps src alive until every view's done has run (e.g. with a reference count it
 * raises before each call).  Lets one table be handed to many consumers (pyarrow, Polars,
 * DuckDB), each owning its views.  A dictionary-encoded array's view has a view of its
 * dictionary.  FDATA_OK or FDATA_ENOMEM (then done is not called).
 */
FDATA_API int fdata_arrow_array_view(const struct ArrowArray *src, void (*done)(void *ctx),
                                     void *ctx, struct ArrowArray *out);

/* ---- Dense feature matrices, the layout ML libraries take (NumPy, XGBoost, LightGBM) ---- */

enum fdata_matrix_dtype { FDATA_MATRIX_FLOAT32 = 0, FDATA_MATRIX_FLOAT64 = 1 };
enum fdata_matrix_order {
    FDATA_MATRIX_COLUMN_MAJOR = 0, /* Fortran order: each column's rows contiguous */
    FDATA_MATRIX_ROW_MAJOR = 1,    /* C order: each row's columns contiguous */
};

/*
 * A rows x num_columns matrix of float32 or float64, one matrix column per named numeric
 * column (bool, int8..uint64, float32, float64), nulls as NaN.  The caller fills in
 * columns, num_columns, dtype and order; data and rows are set by fdata_matrix_alloc, or by
 * a reader that decodes into the matrix (fdata_parquet_read_options.matrix,
 * fdata_load_options.matrix).  Element (r, c) is at index c * rows + r (column-major) or
 * r * num_columns + c (row-major).  The column names are not copied: they must outlive the
 * calls that use them.
 */
struct fdata_matrix {
    const char *const *columns;
    size_t num_columns;
    int dtype;                   /* enum fdata_matrix_dtype */
    int order;                   /* enum fdata_matrix_order */
    void *data;                  /* 64-byte aligned; free with fdata_matrix_free */
    int64_t rows;
};

/* Bytes per element: 4 or 8. */
FDATA_API size_t fdata_matrix_element_size(const struct fdata_matrix *m);

/* Allocates m->data for `rows` rows (uninitialised, 64-byte aligned) and sets m->rows.
 * FDATA_OK, FDATA_EINVAL (bad dtype/order, no columns, negative rows), FDATA_ENOMEM. */
FDATA_API int fdata_matrix_alloc(struct fdata_matrix *m, int64_t rows, struct fdata_error *err);

/* Frees m->data (NULL is a no-op) and sets it to NULL. */
FDATA_API void fdata_matrix_free(struct fdata_matrix *m);

/* Whether a column of Arrow format `format` can go into a matrix (numeric or bool). */
FDATA_API int fdata_matrix_accepts(const char *format);

/*
 * Writes values [first, first + count) of `a` (a flat array of Arrow format `format`, one
 * fdata_matrix_accepts takes) into matrix column `col`, rows row .. row + count - 1,
 * converted to the matrix's dtype (nulls as NaN).  The caller checks the bounds.  Threads
 * may fill different parts of one matrix at once.  FDATA_OK or FDATA_EUNSUPPORTED (format).
 */
FDATA_API int fdata_matrix_put(struct fdata_matrix *m, size_t col, int64_t row,
                               const char *format, const struct ArrowArray *a, int64_t first,
                               int64_t count);

/*
 * The same for every column at once: values [first, first + count) of arrays[c] (of Arrow
 * format formats[c]) into matrix column c, rows row .. row + count - 1; a NULL arrays[c]
 * leaves column c alone.  Faster than column by column for a row-major matrix: each row's
 * stretch is written while it is in cache, float32 columns four by four (4x4 blocks moved
 * at once).  Call it with blocks of a few hundred rows.  FDATA_OK or FDATA_EUNSUPPORTED.
 */
FDATA_API int fdata_matrix_put_rows(struct fdata_matrix *m, int64_t row,
                                    const char *const *formats,
                                    const struct ArrowArray *const *arrays, int64_t first,
                                    int64_t count);

/*
 * The large value buffers of arrays that fastdata decodes (one per row group, see
 * fdata_parquet_read_row_groups) and of objects it downloads (fdata_s3_get_many) leave their
 * pages, once released, to the next such buffers, which then need no fresh pages from the
 * kernel (it zeroes and maps each one; on virtual machines that is often the largest cost of
 * filling memory).  64 MiB of them stay with the process; beyond that (up to a quarter of
 * physical memory, at most 4 GiB) downloaded objects' pages, and decoded buffers' up to the
 * most decoded buffer bytes in use at once (a table released whole is the next load's
 * memory; a streamed load's batches, bounded by its memory limit, keep 64 MiB), but only
 * while buffers keep being released and taken: once none has been for a second, a
 * background thread (started and ended as needed) gives the surplus back and the mark
 * becomes what is in use then.  These are the default runtime's (the process's); a runtime
 * made with fdata_runtime_new keeps its own, given back when it is freed (fastdata/runtime.h).
 * This gives the process's all back now and returns their bytes.  Thread-safe; never needed
 * for correctness.
 */
FDATA_API size_t fdata_release_cached_memory(void);

/*
 * Transparent huge pages for the large buffers fastdata fills whole (value slabs, a load's
 * download ranges, the feature matrix), where the kernel leaves them to madvise (one 2 MiB
 * fault where there were 512; a profile of a warm load had 45% of its CPU time in 4 KiB page
 * faults).  Off by default: on virtual machines whose host backs guest memory lazily (cloud
 * instances, Firecracker and the like) the first touch of huge pages the guest has not used
 * lately stalls, and a fresh process after 20 s idle loaded 3x slower with them
 * (bench/handoff/bench_huge_pages.py).  Turn them on (enable = 1, or FASTDATA_HUGE_PAGES=1
 * in the environment before the first load) on hardware that backs memory up front, or for
 * long-lived processes whose memory stays warm.  Affects buffers allocated afterwards;
 * thread-safe.
 */
FDATA_API void fdata_set_huge_pages(int enable);

#ifdef __cplusplus
}
#endif

#endif /* FASTDATA_ARROW_H */
