/* fdata_load and fdata_load_stream.  The caller's thread lists the sources and reads every
 * footer (S3: one tail GET each, in parallel), so that a missing file, a non-Parquet object
 * or a schema that differs fails before any data moves, and the table's schema is known.
 * Each file then reads a selection of its row groups (row_groups.h): everything after the
 * footers (ranges, decoding, the matrix, the report) counts in selected row groups.
 * Then a download thread fetches the projected ranges of the S3 files (in file order, under
 * the memory budget, row group by row group) and a decode thread (fdata_load_stream's; in
 * fdata_load the caller's thread) decodes the row groups whose bytes are in, lowest file first, each file's in order, as many at once as are ready; the
 * consumer takes the batches in file and row-group order as soon as they are decoded.
 * Decoded files waiting for the consumer count against the memory limit too, except the one
 * it waits for. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "fastdata/load.h"
#include "fastdata/parquet.h"
#include "../arrow/build.h"
#include "../arrow/filter_rows.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "../common/trace.h"
#include "../parquet/reader.h"
#include "../s3/budget.h"
#include "drift.h"
#include "filter.h"
#include "page_prune.h"
#include "prefilter.h"
#include "partitions.h"
#include "prefetch.h"
#include "remote.h"
#include "row_groups.h"
#include "shard.h"
#include "../parquet/stats.h"
#include "sources.h"
#include "../arrow/table_stream.h"
#include "../arrow/unify.h"

#define BLOOM_MERGE_GAP ((int64_t)64 << 10) /* bloom filters nearer than this: one GET */
/* Footer GETs at once when the caller sets no count: each is small and waits a round trip
 * (tens of milliseconds on S3) more than it transfers, so the connections that fill the link
 * for data (16 for 10 Gbit/s) leave a lake of thousands of files waiting on latency.  A
 * stream of 10,000 files of ~1 MB (bench/filter: 8,000 of them by tails, the rest whole) took
 * 23-24 s with 64, 19-22 s with 192. */
#define FOOTER_CONNECTIONS 192
/* Ready row groups of at most this many rows decode a file to a worker, up to this many files
 * at once, rather than a file at a time with its columns over the workers: a column of fewer
 * values is less work than handing it to a worker and waiting for it (3,000 files of 550 rows:
 * both workers under 60% busy), while larger ones keep one file's input in flight, not a file
 * per worker (Ubiquant's 16,384-row groups: peak RSS 1.20x the table so, 1.25x grouped). */
#define SMALL_CLAIM_ROWS 8192
#define SMALL_CLAIMS 16
/* Distinct schemas a file's is compared with for a projection to share (share_drift): a
 * lake written by a few jobs has a few; a file of another is worked out on its own. */
#define DRIFT_OWNERS 8
#define MATRIX_BLOCK 512 /* rows put into the loader's matrix at once (in cache, row-major) */

enum slot_state { WAITING, DECODING, DECODED, DONE };

struct slot {
    fdata_parquet_file *pq;       /* footer read; until decoded */
    long remote;                  /* index in loader.remote, or -1 for a local file */
    struct drift_file *drift;     /* its projection, and how its columns make the table's: */
    struct drift_file own_drift;  /* its own, or empty when it reads as an earlier file of the
                                     same schema does (share_drift): that file's */
    struct rg_selection sel;      /* the row groups read; the ones below are its positions */
    struct ArrowArray *batches;   /* [count]: one per selected row group */
    int count, taken;
    int decoded;                  /* row groups decoded (the first ones) */
    int *left;                    /* [count]: range requests of each row group still to come */
    int64_t rows;
    int64_t matrix_row;           /* where its rows go in the matrix */
    struct placed { int64_t at, rows; } *placed; /* [count]: where each row group's rows went
                                     in loader.matrix, and how many the filter kept */
    uint64_t bytes;               /* decoded */
    int state;
    int read_ahead;               /* its row groups were read while the footers came (a whole
                                     small object, see open_all): batches hold its own columns,
                                     to be shaped into the table's once the schema is known */
    struct prefilter pre;         /* the filter's columns read first (prefiltering) */
};

struct loader {
    struct fdata_load_options o;
    struct fdata_parquet_read_options ro;
    struct load_files files;
    struct slot *slots;
    struct partitions parts;      /* key=value folders as columns */
    const char **wanted;          /* the files' projection (NULL: every column) */
    size_t n_wanted;
    char *seen;                   /* [n_wanted]: a file has it */
    const char **wanted_buf;      /* owned: the caller's columns and the filter's others */
    size_t n_extra;               /* the files' last columns, read only for the filter */
    size_t *out_cols, n_out;      /* the columns of files_schema the table keeps */
    struct fdata_matrix *matrix;  /* filled by the loader (a filter on the files' columns:
                                     after the rows are filtered), not by the reader */
    size_t *matrix_cols;          /* [matrix column]: its column in files_schema */
    struct ArrowSchema first_columns; /* with schema 'first' and no projection: file 0's */
    struct ArrowSchema schema;    /* the table's */
    struct ArrowSchema own_schema; /* a shard's with a schema: its files' table, before each
                                     batch is conformed to `schema` (release NULL: none) */
    struct ArrowSchema files_schema; /* its columns from the files (before the partitions) */
    size_t limit;
    fdata_s3_client *s3;
    fdata_s3_budget *budget;
    struct fdata_pages *pages;    /* decoded ranges' pages, for the next row groups' values */
    struct remote_file *remote;   /* per S3 file */
    struct remote_room room;      /* what whole small objects may take of the limit */
    struct prefetch *prefetch;    /* footers fetched while the listing goes on, or NULL */
    atomic_int prefilter_misses;  /* files in a row whose prefiltering stopped (prefilter.h) */
    size_t drift_owners[DRIFT_OWNERS], n_drift_owners; /* the last files whose projections
                                     others may share (share_drift) */
    size_t *file_of, n_s3;
    const char **req_urls;        /* every range request of every S3 file */
    struct fdata_s3_range *req_ranges;
    size_t *req_owner, n_req;
    int *req_rg, *req_last;       /* the row groups each request serves, first and last */
    struct fdata_s3_get_result *req_results;
    pthread_t downloader, decoder;
    int downloading, decoding;    /* threads started */
    int consumer_decodes;         /* fdata_load: no decode thread, next_batch decodes */
    pthread_mutex_t lock;         /* guards what follows */
    pthread_cond_t changed;
    size_t next_out;              /* the file the consumer waits for */
    uint64_t held;                /* decoded bytes not yet taken */
    int status;                   /* the first failure, with err */
    struct fdata_error err;
    volatile int stop;
    struct fdata_load_report rep, *report_out;
    double t0, download_end;
    struct ahead {                /* reading whole small objects while the footers come */
        pthread_t thread;
        int started, fetched;     /* the thread runs; the footers' fetch has ended */
        size_t *queue, head, tail; /* files opened, to read (slots), under the lock */
        size_t reading;           /* files taken from the queue, being read */
        uint64_t bytes;           /* their batches' bytes; none are queued past limit / 4 but
                                     in a whole-table load (fdata_load: they are the table) */
    } ahead;
    const struct fdata_shard *shard; /* fdata_load_shard's: its files and row groups */
    int empty;                    /* the filter selects no file: one is kept, none of its rows */
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Now on the trace's clock; 0 without a trace. */
static int64_t traced_now(const struct loader *l) {
    return l->o.trace ? fdata_trace_now(l->o.trace) : 0;
}

/* Under the lock: the first failure wins; everything stops. */
static void fail(struct loader *l, int status, const char *message) {
    if (!l->status) {
        l->status = status;
        l->err.code = status;
        snprintf(l->err.message, sizeof l->err.message, "%s", message);
    }
    l->stop = 1;
    pthread_cond_broadcast(&l->changed);
}

/* ---- downloads (the download thread) ---- */

/* One range is in (written into its file's buffer), or failed. */
static void on_range(void *ctx, size_t index, struct fdata_s3_get_result *r) {
    struct loader *l = ctx;
    pthread_mutex_lock(&l->lock);
    size_t k = l->req_owner[index];
    l->rep.requests += (uint64_t)r->requests;
    if (r->status != FDATA_OK) {
        fail(l, r->status, r->error);
    } else {
        l->rep.bytes_fetched += r->size;
        l->download_end = now(); /* the last byte so far: read by the report under the lock */
        struct slot *s = &l->slots[l->file_of[k]];
        for (int j = l->req_rg[index]; j <= l->req_last[index]; j++)
            if (--s->left[j] == 0)
                pthread_cond_broadcast(&l->changed);
    }
    pthread_mutex_unlock(&l->lock);
}

/* A range is about to be downloaded into its file's buffer: pages that decoded row groups
 * (or released batches) are done with take the place of fresh ones there. */
static void on_range_start(void *ctx, size_t index) {
    struct loader *l = ctx;
    const struct fdata_s3_range *r = &l->req_ranges[index];
    fdata_pages_reuse(r->dest, (size_t)r->length, l->pages, fdata_memory_of(l->o.runtime));
}

static void *download(void *arg) {
    struct loader *l = arg;
    struct fdata_s3_get_options go = {
        .connections = l->o.connections, .part_size = l->o.part_size, .ranges = l->req_ranges,
        .on_object = on_range, .ctx = l, .budget = l->budget, .cancel = &l->stop,
        .on_start = on_range_start,
    };
    struct fdata_error ignored; /* each range's outcome reaches on_range */
    fdata_s3_get_many(l->s3, l->req_urls, l->n_req, &go, l->req_results, &ignored);
    return NULL;
}

/* ---- decoding (the decode thread) ---- */

/* Batch b's rows (its columns the files') into the loader's matrix, at the start of the
 * place its row group has there (compact_matrix closes the gaps), in blocks of rows. */
static int put_matrix(struct loader *l, struct slot *s, int b, struct fdata_error *err) {
    const struct fdata_matrix *m = l->matrix;
    const struct ArrowArray *batch = &s->batches[b];
    const char **formats = calloc(m->num_columns + 1, sizeof *formats);
    const struct ArrowArray **arrays = calloc(m->num_columns + 1, sizeof *arrays);
    int status = formats && arrays ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; status == FDATA_OK && k < m->num_columns; k++) {
        formats[k] = l->files_schema.children[l->matrix_cols[k]]->format;
        arrays[k] = batch->children[l->matrix_cols[k]];
    }
    int64_t row = s->matrix_row + rg_selection_rows(&s->sel, s->pq, 0, b);
    for (int64_t r = 0; status == FDATA_OK && r < batch->length; r += MATRIX_BLOCK)
        status = fdata_matrix_put_rows(l->matrix, row + r, formats, arrays, r,
                                       batch->length - r < MATRIX_BLOCK ? batch->length - r
                                                                        : MATRIX_BLOCK);
    s->placed[b] = (struct placed){row, batch->length};
    free(formats);
    free(arrays);
    return status == FDATA_OK ? FDATA_OK
           : fdata_set_error(err, status, "cannot put the rows into the matrix");
}

/* The loader's matrix with each row group's rows moved up against the previous one's, in
 * file order (each was put at the start of the place its unfiltered rows would take). */
static void compact_matrix(struct loader *l) {
    struct fdata_matrix *m = l->matrix;
    size_t elem = fdata_matrix_element_size(m), width = m->num_columns;
    int64_t rows = 0;
    for (size_t i = 0; i < l->files.count; i++)
        for (int b = 0; b < l->slots[i].count; b++)
            rows += l->slots[i].placed[b].rows;
    int by_column = m->order == FDATA_MATRIX_COLUMN_MAJOR; /* each column's rows: in turn */
    uint8_t *d = m->data;
    for (size_t c = 0; c < (by_column ? width : 1); c++) {
        int64_t at = 0;
        for (size_t i = 0; i < l->files.count; i++) {
            const struct slot *s = &l->slots[i];
            for (int b = 0; b < s->count; b++) { /* never onto rows still to move */
                size_t from = (size_t)s->placed[b].at, n = (size_t)s->placed[b].rows;
                if (by_column)
                    memmove(d + ((size_t)c * (size_t)rows + (size_t)at) * elem,
                            d + ((size_t)c * (size_t)m->rows + from) * elem, n * elem);
                else
                    memmove(d + (size_t)at * width * elem, d + from * width * elem,
                            n * width * elem);
                at += (int64_t)n;
            }
        }
    }
    m->rows = rows;
}

/* The rows of batch b of slot s (the files' columns) that the filter selects (into the
 * loader's matrix, if any); then the columns read only for it, or for the matrix, go. */
static int filter_batch(struct loader *l, struct slot *s, int b, struct fdata_error *err) {
    size_t i = (size_t)(s - l->slots);
    struct ArrowArray *batch = &s->batches[b];
    uint8_t *keep = malloc((size_t)batch->length + 1);
    if (!keep || filter_rows(l->o.filter, &l->parts, i, &l->files_schema, batch, keep)) {
        free(keep);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    int64_t kept = 0;
    for (int64_t r = 0; r < batch->length; r++)
        kept += keep[r];
    int status = FDATA_OK;
    if (kept < batch->length) {
        struct ArrowArray rows;
        status = fdata_array_filter(&l->files_schema, batch, keep, &rows);
        batch->release(batch);
        if (status == FDATA_OK)
            *batch = rows;
        else
            fdata_set_error(err, status, "cannot filter the rows (%s)",
                            status == FDATA_ENOMEM ? "out of memory" : "a column of a type "
                            "filters cannot select rows of");
    }
    free(keep);
    if (status == FDATA_OK && l->matrix)
        status = put_matrix(l, s, b, err);
    if (status == FDATA_OK && (l->n_extra || l->matrix))
        status = drift_batch_select(batch, l->out_cols, l->n_out, err);
    return status;
}

/* *on = whether the slot's whole row groups are prefiltered (prefilter.h; opened at the
 * first): under a filter on the files' columns, without a matrix (whose rows are placed by
 * row group), for a file not read ahead, unless it stopped in PREFILTER_MISSES files in a row
 * (a lake of small files whose rows the filter keeps many of would pay a read of the filter's
 * columns in every file). */
static int prefiltering(struct loader *l, struct slot *s, const struct fdata_parquet_read_options *ro,
                        int *on, struct fdata_error *err) {
    int status = FDATA_OK, may = l->o.filter && !l->matrix && !l->ro.matrix && !s->read_ahead &&
                                 atomic_load(&l->prefilter_misses) < PREFILTER_MISSES;
    if (may && s->pre.state == 0)
        status = prefilter_open(&s->pre, l->o.filter, &l->parts, s->pq, ro,
                                s->drift->names ? s->drift->n_names : SIZE_MAX, err);
    *on = status == FDATA_OK && may && s->pre.state > 0;
    return status;
}

/* Row group b of a prefiltered slot (prefiltering): *done when its batch is made here, of
 * the rows the filter selects (none: an empty batch, no page read); else it is to be read
 * whole (the filter selects many, or an empty batch of its types cannot be made). */
static int read_prefiltered(struct loader *l, struct slot *s, int b,
                            const struct fdata_parquet_read_options *ro, int *done,
                            struct fdata_error *err) {
    struct pq_rows *rows = NULL;
    size_t n = 0;
    int whole = 1;
    int status = prefilter_rows(&s->pre, l->o.filter, &l->parts, (size_t)(s - l->slots), s->pq,
                                s->sel.rg[b], ro, &rows, &n, &whole, err);
    if (s->pre.state < 0)
        atomic_fetch_add(&l->prefilter_misses, 1);
    else
        atomic_store(&l->prefilter_misses, 0);
    *done = 0;
    if (status == FDATA_OK && !whole && n == 0)
        *done = fdata_array_nulls(&s->drift->own, 0, s->batches + b) == FDATA_OK;
    else if (status == FDATA_OK && !whole) {
        status = pq_read_row_group_rows(s->pq, s->sel.rg[b], rows, n, ro, s->batches + b, err);
        *done = status == FDATA_OK;
    }
    free(rows);
    return status;
}

/* Reads row groups [from, from + n) of a slot into its batches, in its own columns, on
 * `threads` threads (a column each); under a filter, a whole row group prefiltered when it may be. */
static int read_row_groups(struct loader *l, struct slot *s, int from, int n, int threads,
                           struct fdata_error *err) {
    int status = FDATA_OK;
    struct fdata_parquet_read_options ro = l->ro;
    ro.threads = threads;
    ro.columns = s->drift->names;
    ro.num_columns = s->drift->n_names;
    ro.matrix_row = s->matrix_row + rg_selection_rows(&s->sel, s->pq, 0, from);
    for (int b = from, run; status == FDATA_OK && b < from + n; b += run) {
        run = rg_selection_run(&s->sel, b, from + n - b); /* row groups that follow each other */
        int pre = 0, done = 0;
        if (!s->sel.rows || !s->sel.rows[b]) /* (a page-pruned one reads few pages already) */
            status = prefiltering(l, s, &ro, &pre, err);
        if (status == FDATA_OK && pre) { /* the rows the filter selects, when few */
            run = 1;
            status = read_prefiltered(l, s, b, &ro, &done, err);
        }
        if (status == FDATA_OK && !done && s->sel.rows && s->sel.rows[b]) /* its pages' rows */
            status = pq_read_row_group_rows(s->pq, s->sel.rg[b], s->sel.rows[b],
                                            s->sel.nrows[b], &ro, s->batches + b, err);
        else if (status == FDATA_OK && !done)
            status = pq_read_row_groups(s->pq, s->sel.rg[b], run, &ro, l->pages,
                                        s->batches + b, err);
        ro.matrix_row += rg_selection_rows(&s->sel, s->pq, b, run);
    }
    return status;
}

/* Batch b of a slot, read: its columns put in the table's order, the rows a filter selects
 * kept; *bytes its bytes then. */
static int shape_batch(struct loader *l, struct slot *s, int b, uint64_t *bytes,
                       struct fdata_error *err) {
    int status = drift_batch(&l->files_schema, s->drift, &s->batches[b], err);
    if (status == FDATA_OK && l->o.filter)
        status = filter_batch(l, s, b, err);
    if (status == FDATA_OK)
        status = partitions_batch(&l->parts, (size_t)(s - l->slots), &s->batches[b], err);
    if (status == FDATA_OK && l->own_schema.release) {
        struct ArrowArray own = s->batches[b];
        status = fdata_array_conform(&l->own_schema, &l->schema, &own, &s->batches[b], err);
    }
    *bytes = status == FDATA_OK ? fdata_array_bytes(&l->schema, &s->batches[b]) : 0;
    return status;
}

/* Batches [from, from + n) of one slot, shaped on the runtime's threads. */
struct shaping {
    struct loader *l;
    struct slot *s;
    int from;
    uint64_t *bytes;
    struct fdata_error *errors;
};

static int shape_task(void *ctx, size_t k, int worker) {
    struct shaping *g = ctx;
    (void)worker;
    return shape_batch(g->l, g->s, g->from + (int)k, &g->bytes[k], &g->errors[k]);
}

/* Row groups [from, from + n) of a slot, read, shaped (shape_batch) on `threads` threads: a
 * filter's rows gathered in parallel, not after the parallel decode on one thread. */
static int shape_row_groups(struct loader *l, struct slot *s, int from, int n, int threads,
                            struct fdata_error *err) {
    uint64_t *bytes = calloc((size_t)n + 1, sizeof *bytes);
    struct fdata_error *errors = calloc((size_t)n + 1, sizeof *errors);
    int status = bytes && errors ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct shaping g = {l, s, from, bytes, errors};
    if (status == FDATA_OK)
        status = fdata_first_error(fdata_parallel_for(l->o.runtime, (size_t)n,
                                                      fdata_thread_count(threads), shape_task,
                                                      &g), errors, (size_t)n, err);
    for (int k = 0; status == FDATA_OK && k < n; k++) {
        s->bytes += bytes[k];
        s->rows += s->batches[from + k].length;
    }
    free(bytes);
    free(errors);
    return status;
}

/* Decodes row groups [from, from + n) of a slot (read already when it was read ahead).  Under
 * a filter they are read as many at a time as there are threads, each step's rows filtered
 * before the next is read: the rows the filter drops free their memory for the next step's,
 * instead of the whole claim's being decoded first. */
static int decode_row_groups(struct loader *l, struct slot *s, int from, int n, int threads,
                             struct fdata_error *err) {
    int status = FDATA_OK;
    if (from == 0 && s->remote >= 0 && !s->read_ahead) /* (a whole object's: at its open) */
        status = remote_check_magic(&l->remote[s->remote], err);
    int step = l->o.filter && !s->read_ahead ? fdata_thread_count(threads) : n;
    for (int at = from; status == FDATA_OK && at < from + n; at += step) {
        int m = from + n - at < step ? from + n - at : step;
        if (!s->read_ahead)
            status = read_row_groups(l, s, at, m, threads, err);
        if (status == FDATA_OK)
            status = shape_row_groups(l, s, at, m, threads, err);
    }
    return status;
}

/* Releases a slot's batches the consumer has not taken, and their array. */
static void free_batches(struct slot *s) {
    for (int b = s->taken; s->batches && b < s->count; b++)
        if (s->batches[b].release)
            s->batches[b].release(&s->batches[b]);
    free(s->batches);
    s->batches = NULL;
}

/* Under the lock: how many row groups of a slot, from its first undecoded one, have their
 * bytes in. */
static int ready(const struct slot *s) {
    if (s->state != WAITING)
        return 0;
    if (s->count == 0) /* no row group: just the magic to check */
        return s->left[0] == 0;
    int n = 0;
    while (s->decoded + n < s->count && s->left[s->decoded + n] == 0)
        n++;
    return n;
}

/* Under the lock: the lowest file with row groups ready, if the consumer waits for it or
 * decoded files waiting take less than the limit; -1 if none. */
static long pick(struct loader *l) {
    for (size_t i = l->next_out; i < l->files.count; i++)
        if (ready(&l->slots[i]) > 0)
            return i == l->next_out || l->held < l->limit ? (long)i : -1;
    return -1;
}

/* A file fully decoded: an S3 file's buffer goes now, and its bytes still held return to
 * the budget. */
static void close_file(struct loader *l, struct slot *s) {
    prefilter_free(&s->pre);
    fdata_parquet_close(s->pq);
    s->pq = NULL;
    if (s->remote >= 0) {
        struct remote_file *f = &l->remote[s->remote];
        f->pq = NULL;
        f->buf = NULL; /* gone with it */
        fdata_s3_budget_release(l->budget, (size_t)remote_held_bytes(f));
    }
}

/* Under the lock: row groups [from, from + n) of slot s are decoded (rows and bytes added
 * since `rows` and `bytes`). */
static void decoded(struct loader *l, struct slot *s, int from, int n, int64_t rows,
                    uint64_t bytes) {
    s->decoded = from + n;
    s->state = s->decoded == s->count ? DECODED : WAITING;
    l->held += s->bytes - bytes;
    l->rep.bytes_decoded += s->bytes - bytes;
    if (l->ro.matrix) /* the matrix is allocated already: not held for the consumer */
        l->rep.bytes_decoded += (uint64_t)(s->rows - rows) * l->ro.matrix->num_columns *
                                fdata_matrix_element_size(l->ro.matrix);
    l->rep.rows += s->rows - rows;
    l->rep.row_groups += n;
    if (l->rep.first_batch_seconds == 0)
        l->rep.first_batch_seconds = now() - l->t0;
    pthread_cond_broadcast(&l->changed);
}

/* The trace lane of a file decoded on `threads` threads: the decoder's, or the one worker's
 * that decodes it alone (several files at once: each on its own thread's lane). */
static int file_lane(const struct loader *l, int threads) {
    return threads == 1 ? fdata_trace_thread_lane(l->o.trace) : TRACE_LANE_DECODER;
}

/* One file's ready row groups, claimed by a decoder (decode_ready). */
struct claim {
    long i;
    int from, n;
    int64_t rows;                 /* the slot's, before */
    uint64_t bytes;
    int status;
    struct fdata_error err;
};

/* Under the lock: claims the row groups of file i that are ready (pick). */
static void claim(struct loader *l, long i, struct claim *c) {
    struct slot *s = &l->slots[i];
    *c = (struct claim){.i = i, .from = s->decoded, .n = s->count ? ready(s) : 0,
                        .rows = s->rows, .bytes = s->bytes};
    s->state = DECODING;
}

/* Under the lock: whether the ready row groups of file i are little work for all the workers
 * at once (a column of them takes less time than handing it to a worker and waiting), or
 * were read already (read ahead). */
static int small_ready(const struct loader *l, long i) {
    const struct slot *s = &l->slots[i];
    return s->read_ahead || s->count == 0 || /* (no row group: a magic to check) */
           rg_selection_rows(&s->sel, s->pq, s->decoded, ready(s)) <= SMALL_CLAIM_ROWS;
}

/* Not under the lock: decodes a claim on `threads` threads; its bytes go back at once. */
static void decode_claim(struct loader *l, struct claim *c, int threads) {
    struct slot *s = &l->slots[c->i];
    int64_t traced = traced_now(l);
    c->status = decode_row_groups(l, s, c->from, c->n, threads, &c->err);
    if (l->o.trace)
        fdata_trace_span(l->o.trace, file_lane(l, threads), "load", "row groups", traced,
                         traced_now(l), "\"file\": %ld, \"first\": %d, "
                         "\"count\": %d", c->i, c->from, c->n);
    if (c->status == FDATA_OK && s->remote >= 0) /* their bytes go at once, not with the file */
        fdata_s3_budget_release(l->budget, (size_t)remote_discard_row_groups(
                                               &l->remote[s->remote], c->from, c->n, l->pages,
                                               fdata_memory_of(l->o.runtime)));
    if (c->status == FDATA_OK && c->from + c->n == s->count)
        close_file(l, s);
}

/* Under the lock: a claim decoded is handed to the consumer; 0, or -1 after a failure (then
 * the load has failed). */
static int settle(struct loader *l, struct claim *c) {
    struct slot *s = &l->slots[c->i];
    if (c->status != FDATA_OK) {
        if (!strstr(c->err.message, l->files.items[c->i].name))
            fdata_error_prefix(&c->err, "%s", l->files.items[c->i].name);
        fail(l, c->status, c->err.message);
        return -1;
    }
    decoded(l, s, c->from, c->n, c->rows, c->bytes);
    return 0;
}

struct claims {
    struct loader *l;
    struct claim *c;
};

static int claim_task(void *ctx, size_t k, int worker) {
    struct claims *g = ctx;
    (void)worker;
    decode_claim(g->l, &g->c[k], 1);
    return FDATA_OK; /* each claim's own status: all are settled */
}

/* Under the lock (let go meanwhile): decodes the ready row groups of file i (pick), and when
 * they are few rows, of the next ready files too, a file to each worker; the number of files
 * finished, or -1 after a failure (then the load has failed). */
static int decode_ready(struct loader *l, long i) {
    struct claim c[SMALL_CLAIMS];
    size_t n = 1;
    int threads = fdata_thread_count(l->o.threads);
    int group = threads > 1 && small_ready(l, i);
    claim(l, i, &c[0]);
    for (long next; group && n < SMALL_CLAIMS && (next = pick(l)) >= 0 && small_ready(l, next); n++)
        claim(l, next, &c[n]);
    pthread_mutex_unlock(&l->lock);
    double t = now();
    struct claims g = {l, c};
    if (n == 1)
        decode_claim(l, &c[0], l->o.threads);
    else
        fdata_parallel_for(l->o.runtime, n, threads, claim_task, &g);
    pthread_mutex_lock(&l->lock);
    l->rep.decode_seconds += now() - t;
    int finished = 0;
    for (size_t k = 0; k < n; k++) {
        if (settle(l, &c[k]) != 0)
            return -1;
        finished += l->slots[c[k].i].state == DECODED;
    }
    return finished;
}

/* The decode thread of a stream: decodes ahead of its consumer, within the limit. */
static void *decode(void *arg) {
    struct loader *l = arg;
    pthread_mutex_lock(&l->lock);
    for (size_t finished = 0; finished < l->files.count && !l->stop;) {
        long i;
        while ((i = pick(l)) < 0 && !l->stop)
            pthread_cond_wait(&l->changed, &l->lock);
        int done = i < 0 ? -1 : decode_ready(l, i);
        if (done < 0)
            break;
        finished += (size_t)done;
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* ---- opening: every footer, one schema (the caller's thread) ---- */

/* A shard's load with the plan's schema: the table is that schema (its columns checked over
 * every file by the plan; the shard's files may lack some). */
static int planned_schema(const struct loader *l) {
    return l->shard && l->shard->schema.release;
}

/* The schema mode the files are unified with: a shard that carries the plan's schema unions
 * its own files and conforms that to the plan's (its first file is not the plan's). */
static int schema_mode(const struct loader *l) {
    return planned_schema(l) ? FDATA_SCHEMA_UNION : l->o.schema;
}

/* The files' projection: the caller's (its partition keys aside), or with schema 'first'
 * and none named, the first file's columns. */
static int wanted_columns(struct loader *l, fdata_parquet_file *first, struct fdata_error *err) {
    if (l->wanted || schema_mode(l) != FDATA_SCHEMA_FIRST || l->parts.file_columns)
        return FDATA_OK;
    return drift_column_names(first, &l->first_columns, &l->wanted, &l->n_wanted, err);
}

/* Files of a lake written alike share a projection and schema (one Arrow schema built, not
 * one a file): file i takes that of the last of these earlier files whose footer states its
 * schema, when there is one (the files' own columns, not read ahead in them). */
static int share_drift(struct loader *l, size_t i) {
    for (size_t k = 0; k < DRIFT_OWNERS && k < l->n_drift_owners; k++) {
        struct slot *o = &l->slots[l->drift_owners[(l->n_drift_owners - 1 - k) % DRIFT_OWNERS]];
        if (!o->read_ahead && pq_file_same_schema(o->pq, l->slots[i].pq)) {
            l->slots[i].drift = o->drift;
            return 1;
        }
    }
    if (pq_file_schema_shareable(l->slots[i].pq))
        l->drift_owners[l->n_drift_owners++ % DRIFT_OWNERS] = i;
    return 0;
}

/* File i's projection, from its footer. */
static int project_file(struct loader *l, size_t i, fdata_parquet_file *pq,
                        struct fdata_error *err) {
    FDATA_RETURN_IF(wanted_columns(l, l->slots[0].pq, err));
    if (l->wanted && !l->seen && !(l->seen = calloc(l->n_wanted + 1, 1)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (share_drift(l, i))
        return FDATA_OK; /* its columns were seen already */
    return drift_project(pq, l->wanted, l->n_wanted, l->seen, l->slots[i].drift, err);
}

/* File i's projection as read options. */
static struct fdata_parquet_read_options file_options(const struct loader *l, size_t i) {
    struct fdata_parquet_read_options ro = l->ro;
    ro.columns = l->slots[i].drift->names; /* this file's own columns (schema drift) */
    ro.num_columns = l->slots[i].drift->n_names;
    return ro;
}

/* ---- reading whole small objects while the other footers come (open_all) ---- */

/* Whether files may be read before the table's schema is known, every row group of each in
 * its own columns, to be shaped into the table's later (as any file's batches are): not when
 * a filter, a shard, a matrix or schema 'first' decides first what a file reads. */
static int may_read_ahead(const struct loader *l) {
    return !l->o.filter && !l->shard && !l->ro.matrix && !l->matrix &&
           schema_mode(l) == FDATA_SCHEMA_UNION;
}

static int reads_ahead(const struct loader *l) {
    return may_read_ahead(l) && l->files.count > 1;
}

/* S3 file f is open (the listing's prefetch, or a download thread opened it): a whole object
 * is queued to be read, while the batches read so far hold less than a quarter of the memory
 * limit, or always when the load makes one table of them all (fdata_load: nobody consumes
 * batches before the end, so those read ahead are the table's, held no longer). */
static void ahead_opened(void *ctx, struct remote_file *f) {
    struct loader *l = ctx;
    if (!f->whole || !f->pq)
        return;
    pthread_mutex_lock(&l->lock);
    if (l->consumer_decodes || l->ahead.bytes < l->limit / 4) {
        l->ahead.queue[l->ahead.tail++] = l->file_of[f - l->remote];
        pthread_cond_broadcast(&l->changed);
    }
    pthread_mutex_unlock(&l->lock);
}

/* A file read ahead that failed keeps nothing: the load reads it again in its turn, where
 * its failure is reported as any file's. */
static void forget_read(struct slot *s) {
    free_batches(s);
    s->count = 0;
    rg_selection_free(&s->sel);
    drift_file_free(s->drift);
}

/* Reads file i (open, whole in memory) in its own columns on `threads` threads: its
 * projection, its schema under it, every row group. */
static void read_ahead(struct loader *l, size_t i, int threads) {
    struct slot *s = &l->slots[i];
    struct fdata_error err = {0};
    char *seen = l->wanted ? calloc(l->n_wanted + 1, 1) : NULL;
    int64_t traced = traced_now(l);
    s->pq = l->remote[s->remote].pq;
    int status = l->wanted && !seen ? FDATA_ENOMEM
                 : drift_project(s->pq, l->wanted, l->n_wanted, seen, s->drift, &err);
    struct fdata_parquet_read_options ro = file_options(l, i);
    if (status == FDATA_OK)
        status = fdata_parquet_get_schema(s->pq, &ro, &s->drift->own, &err);
    if (status == FDATA_OK)
        status = rg_select_all(&s->sel, s->pq, &err);
    if (status == FDATA_OK && !(s->batches = calloc((size_t)s->sel.count + 1, sizeof *s->batches)))
        status = FDATA_ENOMEM;
    s->count = s->batches ? s->sel.count : 0;
    if (status == FDATA_OK)
        status = read_row_groups(l, s, 0, s->count, threads, &err);
    uint64_t bytes = 0;
    for (int b = 0; status == FDATA_OK && b < s->count; b++)
        bytes += fdata_array_bytes(&s->drift->own, &s->batches[b]);
    fdata_trace_span(l->o.trace, file_lane(l, threads), "load", "read ahead", traced, traced_now(l),
                     "\"file\": %zu, \"ok\": %d", i, status == FDATA_OK);
    if (status != FDATA_OK)
        forget_read(s);
    else /* its object but the footer: gone, and room for the next ones whole */
        remote_release_whole(&l->remote[s->remote], fdata_parquet_footer_size(s->pq), &l->room);
    pthread_mutex_lock(&l->lock);
    for (size_t k = 0; status == FDATA_OK && seen && k < l->n_wanted; k++)
        l->seen[k] |= seen[k];
    s->read_ahead = status == FDATA_OK;
    l->ahead.bytes += bytes;
    pthread_mutex_unlock(&l->lock);
    free(seen);
}

struct ahead_group {
    struct loader *l;
    size_t *files;
};

static int ahead_task(void *ctx, size_t k, int worker) {
    struct ahead_group *g = ctx;
    (void)worker;
    read_ahead(g->l, g->files[k], 1);
    return FDATA_OK; /* a failed read is read again in its turn (forget_read) */
}

/* The reading thread: the files queued, until the footers' fetch has ended and none is left. */
static void *ahead_thread(void *arg) {
    struct loader *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (l->ahead.head == l->ahead.tail && !l->ahead.fetched)
            pthread_cond_wait(&l->changed, &l->lock);
        if (l->ahead.head == l->ahead.tail)
            break;
        size_t files[SMALL_CLAIMS], n = 0; /* small objects: each file on one worker */
        while (n < SMALL_CLAIMS && l->ahead.head < l->ahead.tail)
            files[n++] = l->ahead.queue[l->ahead.head++];
        l->ahead.reading = n;
        pthread_mutex_unlock(&l->lock);
        double t = now();
        struct ahead_group g = {l, files};
        if (n == 1)
            read_ahead(l, files[0], l->o.threads);
        else
            fdata_parallel_for(l->o.runtime, n, fdata_thread_count(l->o.threads), ahead_task, &g);
        pthread_mutex_lock(&l->lock);
        l->rep.decode_seconds += now() - t;
        l->ahead.reading = 0;
        pthread_cond_broadcast(&l->changed); /* room given back (fetch_first_gets waits) */
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* Starts the reading thread when the load reads ahead (no thread: nothing is read ahead),
 * the files the listing's prefetch brought first. */
static void start_ahead(struct loader *l) {
    if (!reads_ahead(l) || !(l->ahead.queue = calloc(l->n_s3 + 1, sizeof *l->ahead.queue)))
        return;
    if (l->wanted && !l->seen && !(l->seen = calloc(l->n_wanted + 1, 1)))
        return;
    l->ahead.started = pthread_create(&l->ahead.thread, NULL, ahead_thread, l) == 0;
    for (size_t k = 0; l->ahead.started && k < l->n_s3; k++)
        ahead_opened(l, &l->remote[k]);
}

/* The footers' fetch has ended: the thread reads what is queued, then ends. */
static void end_ahead(struct loader *l) {
    pthread_mutex_lock(&l->lock);
    l->ahead.fetched = 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    if (l->ahead.started)
        pthread_join(l->ahead.thread, NULL);
    l->ahead.started = 0;
    free(l->ahead.queue);
    l->ahead.queue = NULL;
}

/* The footer GETs' settings (remote_fetch's). */
static struct fdata_s3_get_options footer_gets(const struct loader *l) {
    return (struct fdata_s3_get_options){.connections = l->o.connections ? l->o.connections
                                                                         : FOOTER_CONNECTIONS,
                                         .part_size = l->o.part_size, .cancel = l->o.cancel};
}

/* Under the lock: the bytes of the S3 files still without a first GET (left for room), and
 * the smallest of them. */
static int64_t deferred_bytes(const struct loader *l, int64_t *smallest) {
    int64_t sum = 0;
    *smallest = INT64_MAX;
    for (size_t k = 0; k < l->n_s3; k++)
        if (!l->remote[k].buf) {
            sum += l->remote[k].listed;
            *smallest = l->remote[k].listed < *smallest ? l->remote[k].listed : *smallest;
        }
    return sum;
}

/* The S3 files' first GETs (remote_fetch): while the read-ahead runs, small files that find
 * no room are left for the next round, which starts once the read-ahead has given back an
 * eighth of the limit (or all they need); when it has nothing left to give back, the rest
 * come as tails.  So small files come whole, in one GET each, within the memory limit. */
static int fetch_first_gets(struct loader *l, const struct fdata_s3_get_options *go,
                            const struct remote_opener *open, struct fdata_error *err) {
    l->room.defer = l->ahead.started;
    for (;;) {
        FDATA_RETURN_IF(remote_fetch(l->s3, l->remote, l->n_s3, go, &l->room, open, err));
        int64_t smallest, left = deferred_bytes(l, &smallest);
        if (left == 0)
            return FDATA_OK;
        int64_t want = left < (int64_t)(l->limit / 8) ? left : (int64_t)(l->limit / 8);
        want = want > smallest ? want : smallest;
        pthread_mutex_lock(&l->lock);
        while (l->room.whole < want && (l->ahead.head < l->ahead.tail || l->ahead.reading) &&
               !(l->o.cancel && *l->o.cancel))
            fdata_cond_wait_ms(&l->changed, &l->lock, 50); /* wake to notice cancellation */
        if (l->room.whole < smallest) /* nothing more comes back: tails for the rest */
            l->room.defer = 0;
        pthread_mutex_unlock(&l->lock);
    }
}

struct local_opens {
    struct loader *l;
    struct fdata_error *errors; /* [file]: each file's */
};

static int open_local_task(void *ctx, size_t i, int worker) {
    struct local_opens *job = ctx;
    struct slot *s = &job->l->slots[i];
    (void)worker;
    return s->remote >= 0 ? FDATA_OK
                          : fdata_parquet_open_path(job->l->files.items[i].name, &s->pq,
                                                    &job->errors[i]);
}

/* The local files, mapped and their footers parsed on every core (a wide footer takes
 * milliseconds; a lake has thousands); a failure is the first failed file's. */
static int open_local(struct loader *l, struct fdata_error *err) {
    struct local_opens job = {l, calloc(l->files.count + 1, sizeof *job.errors)};
    if (!job.errors)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = fdata_parallel_for(l->o.runtime, l->files.count,
                                    fdata_thread_count(l->o.threads), open_local_task, &job);
    status = fdata_first_error(status, job.errors, l->files.count, err);
    free(job.errors);
    return status;
}

/* Every file's footer: local files mapped, S3 files by one GET each (in parallel; those the
 * listing's pages brought fetched already). */
static int open_all(struct loader *l, struct fdata_error *err) {
    for (size_t i = 0; i < l->files.count; i++)
        l->n_s3 += l->files.items[i].is_s3;
    l->slots = calloc(l->files.count + 1, sizeof *l->slots);
    for (size_t i = 0; l->slots && i < l->files.count; i++)
        l->slots[i].drift = &l->slots[i].own_drift;
    l->remote = calloc(l->n_s3 + 1, sizeof *l->remote);
    l->file_of = calloc(l->n_s3 + 1, sizeof *l->file_of);
    if (!l->slots || !l->remote || !l->file_of)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < l->files.count; i++) {
        struct slot *s = &l->slots[i];
        s->remote = l->files.items[i].is_s3 ? (long)k : -1;
        if (s->remote >= 0) {
            l->remote[k].url = l->files.items[i].name;
            l->remote[k].listed = l->files.items[i].size;
            if (l->prefetch)
                prefetch_take(l->prefetch, &l->remote[k]);
            l->file_of[k++] = i;
        }
    }
    if (l->n_s3 < l->files.count)
        FDATA_RETURN_IF(open_local(l, err));
    struct fdata_s3_get_options go = footer_gets(l);
    if (l->n_s3) {
        start_ahead(l);
        struct remote_opener open = {l->ahead.started ? ahead_opened : NULL, l};
        int fetched = fetch_first_gets(l, &go, &open, err);
        end_ahead(l);
        FDATA_RETURN_IF(fetched);
        l->download_end = now();
        /* a wide file's footer takes milliseconds to parse: all cores on them */
        FDATA_RETURN_IF(remote_open_fetched(l->remote, l->n_s3, l->o.runtime, l->o.threads,
                                            err));
    }
    for (size_t k = 0; k < l->n_s3; k++) { /* the files own their pq now; the slots use it */
        l->slots[l->file_of[k]].pq = l->remote[k].pq;
        l->rep.bytes_fetched += (uint64_t)l->remote[k].footer_bytes;
        l->rep.requests += (uint64_t)l->remote[k].requests;
    }
    for (size_t i = 0; i < l->files.count; i++)
        if (!l->slots[i].read_ahead)
            FDATA_RETURN_IF(project_file(l, i, l->slots[i].pq, err));
    /* in no file: named as the first file's (a shard's files may lack what the plan has) */
    for (size_t i = 0; i < l->n_wanted && !planned_schema(l); i++)
        if (!l->seen[i])
            return fdata_set_error(err, FDATA_ENOCOLUMN, "%s: no column named '%s'",
                                   l->files.items[0].name, l->wanted[i]);
    return FDATA_OK;
}


/* Whether the load prunes by page indexes: a filter on the files' columns, into batches
 * whose columns can be cut to rows (pq_read_row_group_rows). */
static int prunes_pages(const struct loader *l) {
    return l->o.filter && filter_file_columns(l->o.filter, &l->parts, 0, NULL, 0) > 0 &&
           !l->ro.matrix;
}

/* The bytes and data pages of the projected columns that row selection rows[0..n) of row
 * group rg leaves unread, added to the report. */
static int count_skipped(struct loader *l, size_t i, int rg, const struct pq_rows *rows,
                         size_t n, struct fdata_error *err) {
    struct fdata_parquet_read_options ro = file_options(l, i);
    struct pq_rows all = {0, fdata_parquet_row_group_num_rows(l->slots[i].pq, rg)};
    struct fdata_byte_range *r;
    size_t count;
    int64_t pages, bytes = 0;
    FDATA_RETURN_IF(pq_row_group_rows_ranges(l->slots[i].pq, &ro, rg, &all, 1, 0, &r, &count,
                                             NULL, err));
    for (size_t k = 0; k < count; k++)
        bytes += r[k].length;
    free(r);
    FDATA_RETURN_IF(pq_row_group_rows_ranges(l->slots[i].pq, &ro, rg, rows, n, 0, &r, &count,
                                             &pages, err));
    for (size_t k = 0; k < count; k++)
        bytes -= r[k].length;
    free(r);
    l->rep.pages_pruned += pages;
    l->rep.bytes_skipped += bytes > 0 ? (uint64_t)bytes : 0;
    return FDATA_OK;
}

/* Page-index pruning of file i's selected row groups: each reads just the rows the filter
 * may select by its columns' pages; one where none may goes. */
static int prune_file_pages(struct loader *l, size_t i, struct fdata_error *err) {
    struct slot *s = &l->slots[i];
    char *keep = malloc((size_t)s->sel.count + 1);
    int status = keep ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (int j = 0; j < s->sel.count && status == FDATA_OK; j++) {
        struct pq_rows *rows;
        size_t n;
        int rg = s->sel.rg[j];
        struct stats_source src = {s->pq, rg, &s->drift->own, l->o.invalid_utf8, 0, NULL, NULL};
        status = prune_pages(l->o.filter, &l->parts, i, &src, &rows, &n, err);
        keep[j] = n > 0;
        if (status == FDATA_OK && n == 1 && rows[0].first == 0 &&
            rows[0].count == fdata_parquet_row_group_num_rows(s->pq, rg)) {
            free(rows); /* every row may match: the row group is read whole */
            continue;
        }
        if (status == FDATA_OK)
            status = count_skipped(l, i, rg, rows, n, err);
        if (status == FDATA_OK && n > 0)
            status = rg_select_rows(&s->sel, j, rows, n, err); /* takes rows */
        else
            free(rows);
    }
    if (status == FDATA_OK)
        rg_select_keep(&s->sel, keep);
    free(keep);
    return status;
}

/* The page indexes of the S3 files, fetched for pruning; local files read theirs from the
 * mapping.  Either way counted as fetched. */
static int read_page_indexes(struct loader *l, struct fdata_error *err) {
    for (size_t k = 0; k < l->n_s3; k++) { /* the footers' bytes and GETs are counted already */
        l->rep.bytes_fetched -= (uint64_t)l->remote[k].footer_bytes;
        l->rep.requests -= (uint64_t)l->remote[k].requests;
    }
    struct fdata_s3_get_options go = footer_gets(l);
    if (l->n_s3)
        FDATA_RETURN_IF(remote_fetch_page_indexes(l->s3, l->remote, l->n_s3, &go, err));
    for (size_t k = 0; k < l->n_s3; k++) { /* with the indexes fetched before them */
        l->rep.bytes_fetched += (uint64_t)l->remote[k].footer_bytes;
        l->rep.requests += (uint64_t)l->remote[k].requests;
    }
    for (size_t i = 0; i < l->files.count; i++) {
        int64_t start, end;
        pq_page_index_bytes(l->slots[i].pq, &start, &end);
        l->rep.bytes_fetched += l->slots[i].remote < 0 ? (uint64_t)(end - start) : 0;
    }
    return FDATA_OK;
}

/* The row groups of file i whose footer statistics (and with `bloom`, their bloom filters)
 * rule the filter out go; the bytes of their projected column chunks are skipped. */
static int prune_row_groups(struct loader *l, size_t i, int bloom, struct fdata_error *err) {
    struct slot *s = &l->slots[i];
    char *keep = malloc((size_t)s->sel.count + 1);
    if (!keep)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int pruned = 0;
    for (int j = 0; j < s->sel.count; j++) {
        struct stats_source src = {s->pq, s->sel.rg[j], &s->drift->own, l->o.invalid_utf8, bloom,
                                   NULL, NULL};
        keep[j] = (char)filter_may_select(l->o.filter, &l->parts, i, &src);
        pruned += !keep[j];
    }
    struct fdata_byte_range *r = NULL;
    int *pos = NULL;
    size_t n = 0;
    struct fdata_parquet_read_options ro = file_options(l, i);
    int status = pruned ? rg_selection_ranges(s->pq, &ro, &s->sel, 0, &r, &pos, &n, err)
                        : FDATA_OK;
    for (size_t k = 0; status == FDATA_OK && k < n; k++)
        l->rep.bytes_skipped += keep[pos[k]] ? 0 : (uint64_t)r[k].length;
    if (status == FDATA_OK) {
        rg_select_keep(&s->sel, keep);
        l->rep.row_groups_pruned += pruned;
    }
    free(r), free(pos), free(keep);
    return status;
}

/* The byte ranges of the bloom filters of the `n` columns `cols` in file i's selected row
 * groups (bounded by *room, which they use up), appended to ranges/owner from *m on (room
 * for them: cap); S3 files only those not in the footer's tail already.  A local file's
 * count as read.  Returns how many there are in all (also the local ones). */
static size_t bloom_ranges(struct loader *l, size_t i, const char **cols, size_t n,
                           int64_t *room, struct fdata_byte_range *ranges, size_t *owner,
                           size_t *m, size_t cap) {
    struct slot *s = &l->slots[i];
    size_t found = 0;
    for (int j = 0; j < s->sel.count; j++)
        for (size_t c = 0; c < n; c++) {
            int64_t off, len;
            int leaf = pq_column_leaf(s->pq, cols[c]);
            if (!pq_bloom_range(s->pq, s->sel.rg[j], leaf, &off, &len) || len > *room)
                continue;
            *room -= len;
            found++;
            if (s->remote < 0) {
                l->rep.bytes_fetched += (uint64_t)len;
                continue;
            }
            const struct remote_file *f = &l->remote[s->remote];
            if (off >= f->size - f->footer_bytes || *m >= cap)
                continue; /* fetched with the footer */
            if (*m > 0 && owner[*m - 1] == (size_t)s->remote && off >= ranges[*m - 1].offset &&
                off <= ranges[*m - 1].offset + ranges[*m - 1].length + BLOOM_MERGE_GAP) {
                int64_t end = off + len > ranges[*m - 1].offset + ranges[*m - 1].length
                                  ? off + len : ranges[*m - 1].offset + ranges[*m - 1].length;
                ranges[*m - 1].length = end - ranges[*m - 1].offset; /* one GET for both */
                continue;
            }
            owner[*m] = (size_t)s->remote;
            ranges[(*m)++] = (struct fdata_byte_range){off, len};
        }
    return found;
}

/* The bloom filters that = and IN columns of the filter have in the row groups left: S3
 * files' fetched into their buffers (one GET each, neighbours merged, all in parallel);
 * *any says whether there are some.  At most a quarter of the memory limit of them. */
static int read_bloom_filters(struct loader *l, int *any, struct fdata_error *err) {
    size_t n = filter_file_columns(l->o.filter, &l->parts, 1, NULL, 0), cap = 0, m = 0;
    const char **cols = malloc((n + 1) * sizeof *cols);
    for (size_t i = 0; i < l->files.count; i++)
        cap += (size_t)l->slots[i].sel.count * n;
    struct fdata_byte_range *ranges = malloc((cap + 1) * sizeof *ranges);
    size_t *owner = malloc((cap + 1) * sizeof *owner);
    int status = cols && ranges && owner ? FDATA_OK
                                         : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int64_t room = (int64_t)(l->limit / 4);
    *any = 0;
    if (status == FDATA_OK)
        filter_file_columns(l->o.filter, &l->parts, 1, cols, n);
    for (size_t i = 0; status == FDATA_OK && i < l->files.count; i++)
        *any |= bloom_ranges(l, i, cols, n, &room, ranges, owner, &m, cap) > 0;
    struct fdata_s3_get_options go = {.connections = l->o.connections, .cancel = l->o.cancel};
    uint64_t gets = 0; /* the files' GETs so far, counted already */
    for (size_t k = 0; k < l->n_s3; k++)
        gets += (uint64_t)l->remote[k].requests;
    if (status == FDATA_OK && m)
        status = remote_fetch_ranges(l->s3, l->remote, owner, ranges, m, &go, err);
    for (size_t k = 0; k < l->n_s3; k++)
        gets -= (uint64_t)l->remote[k].requests;
    l->rep.requests -= gets; /* plus the bloom filters' */
    for (size_t k = 0; status == FDATA_OK && k < m; k++)
        l->rep.bytes_fetched += (uint64_t)ranges[k].length;
    free(cols), free(ranges), free(owner);
    return status;
}

/* The row groups each file reads (once the schema is known): those the filter's statistics
 * and bloom filters leave, each maybe just some of its rows (page indexes); an S3 file's
 * ranges to fetch follow them. */
static int select_row_groups(struct loader *l, struct fdata_error *err) {
    int by_stats = l->o.filter && filter_file_columns(l->o.filter, &l->parts, 0, NULL, 0) > 0;
    int bloom = by_stats && filter_file_columns(l->o.filter, &l->parts, 1, NULL, 0) > 0;
    for (size_t i = 0; i < l->files.count; i++) {
        struct slot *s = &l->slots[i];
        if (l->empty) /* no row group */
            continue;
        if (!s->read_ahead) /* (reads_ahead: no shard, no filter) */
            FDATA_RETURN_IF(rg_select_all(&s->sel, s->pq, err));
        if (l->shard) /* its run of row groups */
            FDATA_RETURN_IF(shard_select(l->shard, i, &s->sel, err));
        if (by_stats)
            FDATA_RETURN_IF(prune_row_groups(l, i, 0, err));
    }
    if (bloom)
        FDATA_RETURN_IF(read_bloom_filters(l, &bloom, err));
    if (prunes_pages(l))
        FDATA_RETURN_IF(read_page_indexes(l, err));
    struct fdata_s3_get_options go = footer_gets(l); /* the part size bounds merged ranges */
    size_t shared = l->o.runtime ? fdata_runtime_memory_limit(l->o.runtime) : 0;
    size_t room = shared && shared < l->limit ? shared : l->limit; /* and so do both caps */
    for (size_t i = 0; i < l->files.count; i++) { /* a batch and a counter per row group */
        struct slot *s = &l->slots[i];
        if (bloom)
            FDATA_RETURN_IF(prune_row_groups(l, i, 1, err));
        if (prunes_pages(l))
            FDATA_RETURN_IF(prune_file_pages(l, i, err));
        s->count = s->sel.count;
        if (!s->read_ahead)
            s->batches = calloc((size_t)s->count + 1, sizeof *s->batches);
        s->left = calloc((size_t)s->count + 1, sizeof *s->left);
        s->placed = calloc((size_t)s->count + 1, sizeof *s->placed);
        if (!s->batches || !s->left || !s->placed)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        struct fdata_parquet_read_options ro = file_options(l, i);
        if (s->remote >= 0)
            FDATA_RETURN_IF(remote_plan_ranges(&l->remote[s->remote], &ro, &s->sel, &go,
                                               room, err));
    }
    return FDATA_OK;
}

/* What the load reads of its local files: each footer and the projected column chunks (the
 * mapping's other pages are never touched), as bytes_fetched counts an S3 file's GETs. */
static int count_local_reads(struct loader *l, struct fdata_error *err) {
    for (size_t i = 0; i < l->files.count; i++) {
        struct fdata_byte_range *r;
        size_t n;
        int *pos;
        if (l->slots[i].remote >= 0)
            continue;
        struct fdata_parquet_read_options ro = file_options(l, i);
        FDATA_RETURN_IF(rg_selection_ranges(l->slots[i].pq, &ro, &l->slots[i].sel, 0, &r, &pos,
                                            &n, err));
        l->rep.bytes_fetched += (uint64_t)fdata_parquet_footer_size(l->slots[i].pq);
        for (size_t k = 0; k < n; k++)
            l->rep.bytes_fetched += (uint64_t)r[k].length;
        free(r);
        free(pos);
    }
    return FDATA_OK;
}

/* A shard's table takes the plan's schema: each column of its own files' table that the plan
 * has must convert to the plan's type (the batches are conformed to it as they decode). */
static int take_planned_schema(struct loader *l, struct fdata_error *err) {
    const struct ArrowSchema *plan = &l->shard->schema;
    int same = fdata_type_equal(&l->schema, plan); /* but maybe not its nullability */
    for (int64_t c = 0; !same && c < l->schema.n_children; c++) {
        const struct ArrowSchema *own = l->schema.children[c];
        struct ArrowSchema common;
        struct fdata_type_conflict at;
        int64_t p = 0;
        while (p < plan->n_children && strcmp(plan->children[p]->name, own->name) != 0)
            p++;
        if (p == plan->n_children) /* left out */
            continue;
        int status = fdata_schema_unify(plan->children[p], own, 1, &common, &at);
        if (status == FDATA_OK)
            common.release(&common);
        else if (status == FDATA_EINVAL)
            return fdata_set_error(err, status, "shard %zu: column '%s' of its files is %s, "
                                   "which does not convert to the plan's %s", l->shard->index,
                                   at.path, at.b->format, at.a->format);
        else
            return fdata_set_error(err, status, "out of memory");
    }
    if (same)
        l->schema.release(&l->schema);
    else
        l->own_schema = l->schema; /* the batches are conformed from it */
    return fdata_schema_copy(plan, &l->schema) == FDATA_OK
               ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

/* The top-level column of the files' named `name`, or -1. */
static long files_column(const struct loader *l, const char *name) {
    for (int64_t c = 0; c < l->files_schema.n_children; c++)
        if (strcmp(l->files_schema.children[c]->name, name) == 0)
            return (long)c;
    return -1;
}

/* The files' columns the table keeps: not those read only for the filter, nor those of the
 * loader's matrix (which must be numeric columns of the files). */
static int table_columns(struct loader *l, struct fdata_error *err) {
    size_t width = (size_t)l->files_schema.n_children - l->n_extra;
    size_t nm = l->matrix ? l->matrix->num_columns : 0;
    l->out_cols = malloc((width + 1) * sizeof *l->out_cols);
    l->matrix_cols = malloc((nm + 1) * sizeof *l->matrix_cols);
    if (!l->out_cols || !l->matrix_cols)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; k < nm; k++) {
        long c = files_column(l, l->matrix->columns[k]);
        if (c < 0)
            return fdata_set_error(err, FDATA_ENOCOLUMN, "no column named '%s' for the matrix",
                                   l->matrix->columns[k]);
        const struct ArrowSchema *col = l->files_schema.children[c];
        if (col->dictionary || !fdata_matrix_accepts(col->format))
            return fdata_set_error(err, FDATA_EINVAL, "column '%s' is of Arrow type %s: the "
                                   "matrix takes numeric and boolean columns", col->name,
                                   col->format);
        l->matrix_cols[k] = (size_t)c;
    }
    for (size_t c = 0; c < width; c++) {
        size_t k = 0;
        while (k < nm && l->matrix_cols[k] != c)
            k++;
        if (k == nm)
            l->out_cols[l->n_out++] = c;
    }
    return FDATA_OK;
}

/* The table's schema: the files' columns unified, then the partitions placed. */
static int make_schema(struct loader *l, struct fdata_error *err) {
    size_t n = l->files.count;
    const char **names = malloc((n + 1) * sizeof *names);
    struct drift_file **files = malloc((n + 1) * sizeof *files);
    int status = names && files ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (l->o.schema != FDATA_SCHEMA_UNION && l->o.schema != FDATA_SCHEMA_FIRST)
        status = fdata_set_error(err, FDATA_EINVAL, "schema %d is not one of union, first",
                                 l->o.schema);
    for (size_t i = 0; i < n && status == FDATA_OK; i++) {
        struct fdata_parquet_read_options ro = file_options(l, i);
        names[i] = l->files.items[i].name;
        files[i] = l->slots[i].drift;
        if (!files[i]->own.release) /* a file read ahead, or one of its schema before, has it */
            status = fdata_parquet_get_schema(l->slots[i].pq, &ro, &files[i]->own, err);
    }
    if (status == FDATA_OK)
        status = drift_table_schema(files, n, names, schema_mode(l) == FDATA_SCHEMA_FIRST, l->wanted,
                                    l->n_wanted, &l->files_schema, err);
    free(names);
    free(files);
    if (status == FDATA_OK && l->o.filter)
        status = filter_bind_columns(l->o.filter, &l->parts, &l->files_schema, err);
    if (status == FDATA_OK)
        status = table_columns(l, err);
    if (status == FDATA_OK && drift_schema_select(&l->files_schema, l->out_cols, l->n_out,
                                                  &l->schema) != FDATA_OK)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct ArrowSchema all = {0};
    struct fdata_parquet_read_options every = {0};
    if (status == FDATA_OK && l->parts.n_keys)
        status = fdata_parquet_get_schema(l->slots[0].pq, &every, &all, err);
    if (status == FDATA_OK)
        status = partitions_schema(&l->parts, &l->schema, &all, err);
    if (all.release)
        all.release(&all);
    if (status == FDATA_OK && planned_schema(l))
        status = take_planned_schema(l, err);
    l->rep.columns = l->schema.release ? (int)l->schema.n_children : 0;
    return status;
}

/* The matrix, for every row of every selected row group (the footers say how many). */
static int make_matrix(struct loader *l, struct fdata_error *err) {
    int64_t rows = 0;
    for (size_t i = 0; i < l->files.count; i++) {
        struct slot *s = &l->slots[i];
        s->matrix_row = rows;
        rows += rg_selection_rows(&s->sel, s->pq, 0, s->sel.count);
    }
    return fdata_matrix_alloc(l->matrix ? l->matrix : l->ro.matrix, rows, err);
}

/* The S3 range requests, each row group ready once its own are in; the budget holds at
 * least the largest row group, so that one always fits. */
static int plan_downloads(struct loader *l, struct fdata_error *err) {
    if (l->n_s3 == 0)
        return FDATA_OK;
    FDATA_RETURN_IF(remote_plan(l->remote, l->n_s3, &l->req_urls, &l->req_ranges, &l->req_owner,
                                &l->req_rg, &l->req_last, &l->n_req, err));
    for (size_t q = 0; q < l->n_req; q++)
        for (int j = l->req_rg[q]; j <= l->req_last[q]; j++)
            l->slots[l->file_of[l->req_owner[q]]].left[j]++;
    size_t limit = l->limit, largest = 0, whole = 0;
    for (size_t k = 0; k < l->n_s3; k++) {
        size_t rg = (size_t)remote_largest_row_group(&l->remote[k]);
        largest = rg > largest ? rg : largest;
        whole += l->remote[k].whole ? (size_t)remote_held_bytes(&l->remote[k]) : 0;
    }
    /* or the largest row group could never go, next to the whole objects held */
    limit = largest + whole > limit ? largest + whole : limit;
    /* a decoded row group's pages serve the next one's values (a matrix has its own memory):
     * room for two row groups' worth, within a quarter of the limit */
    size_t pooled = 2 * largest < l->limit / 4 ? 2 * largest : l->limit / 4;
    l->pages = l->ro.matrix ? NULL : fdata_pages_new(pooled);
    l->req_results = calloc(l->n_req + 1, sizeof *l->req_results);
    if ((l->budget = fdata_s3_budget_new(limit))) {
        s3_budget_share(l->budget, l->o.runtime);
        s3_budget_trace(l->budget, l->o.trace); /* from the first hold: files read ahead may
                                                    be decoded before the downloads start */
        fdata_s3_budget_hold(l->budget, whole); /* downloaded already, held until decoded */
    }
    return l->req_results && l->budget ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
}

/* ---- the stream (the consumer's thread) ---- */

static void finish_report(struct loader *l) {
    l->rep.files = l->files.count - (size_t)l->empty;
    l->rep.seconds = now() - l->t0;
    l->rep.download_seconds = l->n_s3 && l->download_end > 0 ? l->download_end - l->t0 : 0;
    if (l->rep.download_seconds > 0)
        l->rep.download_gbit_s = (double)l->rep.bytes_fetched * 8 / l->rep.download_seconds / 1e9;
    if (l->rep.decode_seconds > 0)
        l->rep.decode_gb_s = (double)l->rep.bytes_decoded / l->rep.decode_seconds / 1e9;
    l->rep.peak_bytes_held = l->budget ? fdata_s3_budget_peak(l->budget) : 0;
    if (l->report_out)
        *l->report_out = l->rep;
}

/* Under the lock: the totals so far to the progress callback, if any. */
static void report_progress(const struct loader *l) {
    if (l->o.progress) {
        struct fdata_load_report so_far = l->rep;
        so_far.files = l->next_out;
        so_far.seconds = now() - l->t0;
        l->o.progress(l->o.progress_ctx, &so_far, l->files.count);
    }
}

/* Under the lock: the next batch in file order, waiting for it; release NULL at the end. */
static int next_batch(struct loader *l, struct ArrowArray *out) {
    out->release = NULL;
    while (!l->status && l->next_out < l->files.count) {
        if (l->o.cancel && *l->o.cancel)
            fail(l, FDATA_ECANCELED, "load cancelled");
        struct slot *s = &l->slots[l->next_out];
        if (s->taken < s->decoded) { /* row groups go out as soon as they are decoded */
            *out = s->batches[s->taken];
            s->batches[s->taken++].release = NULL;
            return 0;
        }
        long ready_file = l->consumer_decodes && s->state != DECODED ? pick(l) : -1;
        if (ready_file >= 0) { /* no decode thread: this one decodes what is in */
            decode_ready(l, ready_file);
            continue;
        }
        if (s->state != DECODED) {
            fdata_cond_wait_ms(&l->changed, &l->lock, 50); /* wake to notice cancellation */
            report_progress(l);
            continue;
        }
        l->held -= s->bytes; /* the file is handed over */
        free(s->batches);
        free(s->left);
        s->batches = NULL;
        s->left = NULL;
        s->state = DONE;
        l->next_out++;
        pthread_cond_broadcast(&l->changed);
        report_progress(l);
    }
    if (l->status)
        return fdata_errno_of(l->status);
    if (l->matrix) {
        compact_matrix(l);
        l->matrix = NULL; /* complete: the caller's */
    }
    finish_report(l);
    return 0;
}

static int load_get_next(struct ArrowArrayStream *st, struct ArrowArray *out) {
    struct loader *l = st->private_data;
    pthread_mutex_lock(&l->lock);
    int rc = next_batch(l, out);
    pthread_mutex_unlock(&l->lock);
    return rc;
}

static int load_get_schema(struct ArrowArrayStream *st, struct ArrowSchema *out) {
    struct loader *l = st->private_data;
    return fdata_schema_copy(&l->schema, out) == FDATA_OK ? 0 : ENOMEM;
}

static const char *load_last_error(struct ArrowArrayStream *st) {
    struct loader *l = st->private_data;
    return l->status ? l->err.message : NULL;
}

/* Stops the threads and frees everything. */
static void loader_free(struct loader *l) {
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    if (l->decoding)
        pthread_join(l->decoder, NULL);
    if (l->downloading)
        pthread_join(l->downloader, NULL);
    for (size_t i = 0; l->slots && i < l->files.count; i++) {
        struct slot *s = &l->slots[i];
        free_batches(s);
        free(s->left);
        free(s->placed);
        rg_selection_free(&s->sel);
        drift_file_free(&s->own_drift);
        prefilter_free(&s->pre);
        if (s->remote < 0)
            fdata_parquet_close(s->pq); /* S3 files are closed by remote_files_free */
    }
    free(l->slots);
    prefetch_free(l->prefetch);
    remote_files_free(l->remote, l->n_s3);
    free(l->remote), free(l->file_of);
    free(l->req_urls), free(l->req_ranges), free(l->req_owner), free(l->req_rg);
    free(l->req_last);
    free(l->req_results);
    if (l->schema.release)
        l->schema.release(&l->schema);
    if (l->own_schema.release)
        l->own_schema.release(&l->own_schema);
    if (l->files_schema.release)
        l->files_schema.release(&l->files_schema);
    if (l->first_columns.release)
        l->first_columns.release(&l->first_columns);
    if (!l->parts.file_columns)
        free(l->wanted); /* else the partitions' */
    free(l->seen);
    free(l->wanted_buf);
    free(l->out_cols);
    free(l->matrix_cols);
    fdata_s3_budget_free(l->budget);
    fdata_pages_free_to_cache(l->pages, fdata_memory_of(l->o.runtime));
    fdata_s3_client_free(l->s3);
    load_files_free(&l->files);
    partitions_free(&l->parts);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->changed);
    free(l);
}

static void load_release(struct ArrowArrayStream *st) {
    loader_free(st->private_data);
    st->release = NULL;
}

/* The length of a column name's top-level part (before its first dot). */
static size_t top_len(const char *name) {
    const char *dot = strchr(name, '.');
    return dot ? (size_t)(dot - name) : strlen(name);
}

/* Whether reading `a` (a column or path) reads `b` too: the same, or b inside a. */
static int reads(const char *a, const char *b) {
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '.');
}

/* Under a projection, the columns the filter needs (and the matrix's, when the loader fills
 * it) that it leaves out are read too, last, and dropped once the rows are filtered; a path
 * into a struct the caller reads part of joins that struct. */
static int add_filter_columns(struct loader *l, struct fdata_error *err) {
    size_t n = filter_file_columns(l->o.filter, &l->parts, 0, NULL, 0);
    size_t nm = l->matrix ? l->matrix->num_columns : 0, asked = l->n_wanted;
    l->wanted_buf = malloc((asked + n + nm + 1) * sizeof *l->wanted_buf);
    if (!l->wanted_buf)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    memcpy(l->wanted_buf, l->wanted, asked * sizeof *l->wanted);
    filter_file_columns(l->o.filter, &l->parts, 0, l->wanted_buf + asked, n);
    for (size_t k = 0; k < nm; k++)
        l->wanted_buf[asked + n + k] = l->matrix->columns[k];
    size_t count = asked;
    l->n_extra = 0;
    for (size_t e = asked; e < asked + n + nm; e++) {
        const char *name = l->wanted_buf[e];
        size_t w = 0, top = top_len(name), same_top = 0;
        while (w < count && !reads(l->wanted_buf[w], name) && !reads(name, l->wanted_buf[w]))
            w++;
        if (w < count) /* read for the caller or the filter already */
            continue;
        for (w = 0; w < count; w++) /* a new top-level column, or part of one read already */
            same_top |= top_len(l->wanted_buf[w]) == top &&
                        strncmp(l->wanted_buf[w], name, top) == 0;
        l->n_extra += !same_top;
        l->wanted_buf[count++] = name;
    }
    l->wanted = l->wanted_buf;
    l->n_wanted = count;
    return FDATA_OK;
}

/* The files whose partition values the filter does not select go before any request. */
static int prune_files(struct loader *l, struct fdata_error *err) {
    FDATA_RETURN_IF(filter_bind(l->o.filter, &l->parts, err));
    size_t n = l->files.count;
    char *keep = malloc(n + 1);
    if (!keep)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        keep[i] = (char)filter_selects_file(l->o.filter, &l->parts, i);
        l->rep.files_pruned += !keep[i];
        l->rep.bytes_skipped += !keep[i] && l->files.items[i].size > 0
                                    ? (uint64_t)l->files.items[i].size : 0;
    }
    if (n > 0 && l->rep.files_pruned == n) { /* an empty table: the first file's footer
                                                * gives its schema, none of its rows */
        keep[0] = 1;
        l->empty = 1;
        l->rep.bytes_skipped -= l->files.items[0].size > 0 ? (uint64_t)l->files.items[0].size : 0;
    }
    load_files_keep(&l->files, keep);
    partitions_keep(&l->parts, keep);
    free(keep);
    return FDATA_OK;
}

/* What the plan or a shard's checks read of each opened file. */
static int file_views(const struct loader *l, struct shard_view **out, struct fdata_error *err) {
    *out = calloc(l->files.count + 1, sizeof **out);
    if (!*out)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < l->files.count; i++)
        (*out)[i] = (struct shard_view){&l->files.items[i], l->slots[i].pq,
                                        l->slots[i].drift->names, l->slots[i].drift->n_names};
    return FDATA_OK;
}

/* The opened files are those the shard names, as the plan saw them. */
static int check_shard(struct loader *l, struct fdata_error *err) {
    struct shard_view *views;
    FDATA_RETURN_IF(file_views(l, &views, err));
    int status = shard_check(l->shard, views, l->files.count, err);
    free(views);
    return status;
}

/* The files, each's footer and projection, and the table's schema: all a plan needs. */
static int loader_open(struct loader *l, const char *const *sources, size_t n,
                       struct fdata_error *err) {
    if (load_sources_use_s3(sources, n)) {
        struct fdata_s3_options so = l->o.s3 ? *l->o.s3 : (struct fdata_s3_options){0};
        so.cancel = so.cancel ? so.cancel : l->o.cancel; /* listings and footers stop too */
        so.trace = so.trace ? so.trace : l->o.trace;
        so.runtime = so.runtime ? so.runtime : l->o.runtime;
        FDATA_RETURN_IF(fdata_s3_client_new(&so, &l->s3, err));
        struct fdata_s3_get_options go = footer_gets(l);
        FDATA_RETURN_IF(prefetch_new(&so, &go, &l->room, &l->prefetch, err));
        /* the footers of the files a filter's partition values may select start page by
         * page; pruning over the whole listing follows it (prune_files) */
        if (l->o.filter)
            prefetch_filter(l->prefetch, l->o.filter, l->o.partitioning, l->o.partition_types);
        l->room.defer = may_read_ahead(l); /* small files without room: whole once read ahead */
    }
    int64_t listing = traced_now(l);
    FDATA_RETURN_IF(l->shard ? shard_files(l->shard, &l->files, err)
                             : load_files_expand(sources, n, l->s3, l->prefetch ? prefetch_listed
                                                 : NULL, l->prefetch, &l->files, err));
    if (l->prefetch)
        FDATA_RETURN_IF(prefetch_finish(l->prefetch, err));
    FDATA_RETURN_IF(partitions_discover(&l->files, l->o.partitioning, l->o.partition_types,
                                        &l->parts, err));
    if (l->o.filter)
        FDATA_RETURN_IF(prune_files(l, err));
    FDATA_RETURN_IF(partitions_project(&l->parts, l->o.columns, l->o.num_columns, err));
    if (l->o.filter && l->ro.matrix && filter_file_columns(l->o.filter, &l->parts, 0, NULL, 0)) {
        l->matrix = l->ro.matrix; /* the rows the filter selects: put there by the loader */
        l->ro.matrix = NULL;
    }
    l->wanted = l->parts.file_columns;
    l->n_wanted = l->parts.n_file_columns;
    if (l->o.filter && l->wanted)
        FDATA_RETURN_IF(add_filter_columns(l, err));
    l->room.indexes = prunes_pages(l); /* the listing's prefetch is done with the room */
    int64_t footers = traced_now(l);
    fdata_trace_span(l->o.trace, TRACE_LANE_MAIN, "load", "listing", listing, footers, NULL);
    fdata_trace_rss(l->o.trace); /* the memory chart's first step, before anything is read */
    FDATA_RETURN_IF(open_all(l, err));
    fdata_trace_span(l->o.trace, TRACE_LANE_MAIN, "load", "footers", footers, traced_now(l),
                     "\"files\": %zu", l->files.count);
    if (l->shard)
        FDATA_RETURN_IF(check_shard(l, err));
    return make_schema(l, err);
}

/* Everything up to the threads: sources, footers, schema, the download plan. */
static int loader_start(struct loader *l, const char *const *sources, size_t n,
                        struct fdata_error *err) {
    FDATA_RETURN_IF(loader_open(l, sources, n, err));
    FDATA_RETURN_IF(select_row_groups(l, err));
    if (l->ro.matrix || l->matrix)
        FDATA_RETURN_IF(make_matrix(l, err));
    FDATA_RETURN_IF(count_local_reads(l, err));
    FDATA_RETURN_IF(plan_downloads(l, err));
    l->rep.bytes_total = l->rep.bytes_fetched; /* footers and local reads: fetched already */
    for (size_t q = 0; q < l->n_req; q++)
        l->rep.bytes_total += (uint64_t)l->req_ranges[q].length;
    if (l->n_s3 && !(l->downloading = pthread_create(&l->downloader, NULL, download, l) == 0))
        return fdata_set_error(err, FDATA_ENOMEM, "cannot start the download thread");
    if (!l->consumer_decodes && !(l->decoding = pthread_create(&l->decoder, NULL, decode, l) == 0))
        return fdata_set_error(err, FDATA_ENOMEM, "cannot start the decode thread");
    return FDATA_OK;
}

/* A loader with the caller's options (NULL: the defaults), nothing opened yet. */
static struct loader *loader_new(const struct fdata_load_options *opts,
                                 const struct fdata_shard *shard) {
    static const struct fdata_load_options defaults;
    struct loader *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->o = opts ? *opts : defaults;
    l->ro = (struct fdata_parquet_read_options){l->o.threads, l->o.columns, l->o.num_columns,
                                                l->o.matrix, 0, l->o.invalid_utf8,
                                                l->o.int96_unit, l->o.strings, l->o.trace,
                                                l->o.runtime};
    if (l->o.matrix)
        l->o.matrix->data = NULL;
    l->limit = l->o.memory_limit ? l->o.memory_limit : LOAD_DEFAULT_MEMORY_LIMIT;
    l->shard = shard;
    l->room.whole = (int64_t)(l->limit / 2); /* the other half for the ranges of the rest */
    l->room.wholes_at_link = l->o.connections == 0;
    l->room.projected = l->o.columns != NULL || l->o.filter != NULL; /* may skip most bytes */
    l->t0 = now();
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->changed, NULL);
    return l;
}

/* fdata_load_stream, of a shard's files when `shard` is not NULL. */
static int load_stream_of(const char *const *sources, size_t n,
                          const struct fdata_load_options *opts, const struct fdata_shard *shard,
                          int consumer_decodes, struct ArrowArrayStream *out,
                          struct fdata_load_report *report, struct fdata_error *err) {
    out->release = NULL;
    struct loader *l = loader_new(opts, shard);
    if (!l)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    l->report_out = report;
    l->consumer_decodes = consumer_decodes;
    int status = loader_start(l, sources, n, err);
    if (status != FDATA_OK) {
        if (report) {
            l->rep.files = l->files.count;
            *report = l->rep;
        }
        struct fdata_matrix *m = l->o.matrix;
        loader_free(l);
        if (m)
            fdata_matrix_free(m);
        return status;
    }
    *out = (struct ArrowArrayStream){load_get_schema, load_get_next, load_last_error,
                                     load_release, l};
    return FDATA_OK;
}

int fdata_load_stream(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                      struct ArrowArrayStream *out, struct fdata_load_report *report,
                      struct fdata_error *err) {
    return load_stream_of(sources, n, opts, NULL, 0, out, report, err);
}

/* Takes every batch of a load stream: a table. */
static int drain(struct ArrowArrayStream *st, struct ArrowArray **batches, size_t *count,
                 struct fdata_error *err) {
    size_t cap = 0;
    *batches = NULL;
    *count = 0;
    for (;;) {
        struct ArrowArray b;
        int rc = st->get_next(st, &b);
        if (rc != 0) {
            struct loader *l = st->private_data;
            return fdata_set_error(err, l->status, "%s", l->err.message);
        }
        if (!b.release)
            return FDATA_OK;
        if (*count == cap) {
            cap = cap ? 2 * cap : 64;
            struct ArrowArray *more = realloc(*batches, cap * sizeof *more);
            if (!more) {
                b.release(&b);
                return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
            }
            *batches = more;
        }
        (*batches)[(*count)++] = b;
    }
}

/* fdata_load, of a shard's files when `shard` is not NULL. */
static int load_table(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                      const struct fdata_shard *shard, struct ArrowArrayStream *out,
                      struct fdata_load_report *report, struct fdata_error *err) {
    struct ArrowArrayStream st;
    out->release = NULL;
    /* the table's batches are only collected: this thread decodes them, no thread of its own */
    FDATA_RETURN_IF(load_stream_of(sources, n, opts, shard, 1, &st, report, err));
    struct ArrowArray *batches;
    size_t count;
    struct ArrowSchema schema;
    int status = drain(&st, &batches, &count, err);
    if (status == FDATA_OK && st.get_schema(&st, &schema) != 0)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    st.release(&st);
    if (status == FDATA_OK) {
        status = fdata_table_stream_make(&schema, batches, count, out, err); /* moves the batches */
    } else {
        for (size_t i = 0; i < count; i++)
            batches[i].release(&batches[i]);
    }
    if (status != FDATA_OK && opts && opts->matrix)
        fdata_matrix_free(opts->matrix); /* nothing is returned on failure */
    free(batches);
    return status;
}

int fdata_load(const char *const *sources, size_t n, const struct fdata_load_options *opts,
               struct ArrowArrayStream *out, struct fdata_load_report *report,
               struct fdata_error *err) {
    return load_table(sources, n, opts, NULL, out, report, err);
}

/* ---- shards (fastdata/plan.h; the shards themselves are shard.c's) ---- */

int fdata_plan(const char *const *sources, size_t n, const struct fdata_load_options *opts,
               uint64_t shard_bytes, struct fdata_plan *out, struct fdata_error *err) {
    return fdata_plan_sorted(sources, n, opts, shard_bytes, NULL, out, err);
}

int fdata_plan_sorted(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                      uint64_t shard_bytes, const char *sort_column, struct fdata_plan *out,
                      struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    struct fdata_load_options o = opts ? *opts : (struct fdata_load_options){0};
    o.matrix = NULL; /* a plan reads footers only */
    o.progress = NULL;
    o.trace = NULL;
    struct loader *l = loader_new(&o, NULL);
    if (!l)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct shard_view *views = NULL;
    int status = loader_open(l, sources, n, err);
    if (status == FDATA_OK)
        status = file_views(l, &views, err);
    if (status == FDATA_OK)
        status = shard_plan(views, l->files.count, &l->parts, &l->ro,
                            shard_bytes ? shard_bytes : SHARD_DEFAULT_BYTES, out, err);
    for (size_t i = 0; status == FDATA_OK && i < out->num_shards; i++)
        if (fdata_schema_copy(&l->schema, &out->shards[i].schema) != FDATA_OK)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK && sort_column)
        status = shard_sort_bounds(views, l->files.count, sort_column, l->ro.invalid_utf8, out, err);
    if (status == FDATA_OK) {
        out->schema = l->schema; /* moved */
        l->schema.release = NULL;
        out->files_pruned = l->rep.files_pruned;
        out->rows_exact = !l->o.filter || filter_file_columns(l->o.filter, &l->parts, 0, NULL, 0) == 0;
    } else {
        fdata_plan_free(out);
    }
    free(views);
    loader_free(l);
    return status;
}

int fdata_load_shard(const struct fdata_shard *shard, const struct fdata_load_options *opts,
                     struct ArrowArrayStream *out, struct fdata_load_report *report,
                     struct fdata_error *err) {
    out->release = NULL;
    struct fdata_load_options o = opts ? *opts : (struct fdata_load_options){0};
    if (!o.partition_types)
        o.partition_types = shard->partition_types;
    const char **paths = calloc(shard->num_files + 1, sizeof *paths);
    if (!paths)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < shard->num_files; i++)
        paths[i] = shard->files[i].path;
    int status = shard->num_files ? load_table(paths, shard->num_files, &o, shard, out, report, err)
                 : fdata_set_error(err, FDATA_EINVAL, "shard %zu has no file", shard->index);
    free(paths);
    return status;
}
