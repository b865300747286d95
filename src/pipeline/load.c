/* fdata_load: sources expanded into files; S3 files downloaded on a thread of their own
 * (fdata_s3_get_many, streaming each object as it completes, under a memory budget) while
 * this thread decodes every file the moment its bytes are in, all cores on its column
 * chunks; then the files' columns are put in one order and the batches become a stream. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "fastdata/load.h"
#include "fastdata/parquet.h"
#include "../arrow/build.h"
#include "../common/common.h"
#include "remote.h"
#include "sources.h"
#include "table.h"

#define DEFAULT_MEMORY_LIMIT ((size_t)2 << 30)

struct decoded {
    struct ArrowSchema schema;
    struct ArrowArray *batches;
    int count;
};

struct loader {
    const struct fdata_load_options *o;
    struct fdata_parquet_read_options ro;
    struct load_files files;
    struct decoded *out;          /* per file */
    /* the S3 files, read sparsely on the download thread */
    fdata_s3_client *s3;
    fdata_s3_budget *budget;
    struct remote_file *remote;   /* per S3 file */
    size_t *file_of;              /* S3 index -> file index */
    size_t *outstanding;          /* per S3 file: ranges not yet in */
    size_t n_s3;
    const char **req_urls;        /* every range request of every S3 file */
    struct fdata_s3_range *req_ranges;
    size_t *req_owner, n_req;
    struct fdata_s3_get_result *req_results;
    pthread_mutex_t lock;         /* guards what follows */
    pthread_cond_t arrived_cond;
    size_t *arrived;              /* S3 indexes of complete files, in arrival order */
    size_t n_arrived, n_taken;
    int download_done;
    int dl_status;                /* the first download failure */
    struct fdata_error dl_err;
    uint64_t s3_fetched;
    volatile int stop;            /* tells the downloads to stop */
    double t0, download_end;
    struct fdata_load_report rep;
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- downloads ---- */

/* Under the lock: the first failure wins, and the downloads stop. */
static void download_failed(struct loader *l, int status, const char *message) {
    if (!l->dl_status) {
        l->dl_status = status;
        l->dl_err.code = status;
        snprintf(l->dl_err.message, sizeof l->dl_err.message, "%s", message);
    }
    l->stop = 1;
    pthread_cond_signal(&l->arrived_cond);
}

/* Under the lock: S3 file k is complete. */
static void file_arrived(struct loader *l, size_t k) {
    l->arrived[l->n_arrived++] = k;
    pthread_cond_signal(&l->arrived_cond);
}

/* On a download thread: one range is in (written into its file's buffer) or failed. */
static void on_range(void *ctx, size_t index, struct fdata_s3_get_result *r) {
    struct loader *l = ctx;
    pthread_mutex_lock(&l->lock);
    if (r->status != FDATA_OK) {
        download_failed(l, r->status, r->error);
    } else {
        l->s3_fetched += r->size;
        if (--l->outstanding[l->req_owner[index]] == 0)
            file_arrived(l, l->req_owner[index]);
    }
    pthread_mutex_unlock(&l->lock);
}

/* Every S3 file's footer, then all their projected ranges, streamed as they arrive. */
static int fetch_s3(struct loader *l, struct fdata_error *err) {
    struct fdata_s3_get_options go = {.connections = l->o->connections,
                                      .part_size = l->o->part_size, .cancel = &l->stop};
    FDATA_RETURN_IF(remote_open(l->s3, l->remote, l->n_s3, &l->ro, &go, err));
    FDATA_RETURN_IF(remote_plan(l->remote, l->n_s3, &l->req_urls, &l->req_ranges, &l->req_owner,
                                &l->n_req, err));
    size_t limit = l->o->memory_limit ? l->o->memory_limit : DEFAULT_MEMORY_LIMIT;
    for (size_t k = 0; k < l->n_s3; k++) { /* one file always fits: no deadlock */
        limit = (size_t)l->remote[k].range_bytes > limit ? (size_t)l->remote[k].range_bytes : limit;
        l->s3_fetched += (uint64_t)l->remote[k].footer_bytes;
    }
    l->req_results = calloc(l->n_req ? l->n_req : 1, sizeof *l->req_results);
    if (!l->req_results || !(l->budget = fdata_s3_budget_new(limit)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    pthread_mutex_lock(&l->lock);
    for (size_t k = 0; k < l->n_s3; k++)
        if ((l->outstanding[k] = l->remote[k].num_ranges) == 0)
            file_arrived(l, k);
    pthread_mutex_unlock(&l->lock);
    go.ranges = l->req_ranges;
    go.on_object = on_range;
    go.ctx = l;
    go.budget = l->budget;
    struct fdata_error ignored; /* each range's outcome reaches on_range */
    fdata_s3_get_many(l->s3, l->req_urls, l->n_req, &go, l->req_results, &ignored);
    return FDATA_OK;
}

static void *download(void *arg) {
    struct loader *l = arg;
    struct fdata_error err = {0};
    int status = fetch_s3(l, &err);
    pthread_mutex_lock(&l->lock);
    if (status != FDATA_OK)
        download_failed(l, status, err.message);
    l->download_done = 1;
    l->download_end = now();
    pthread_cond_signal(&l->arrived_cond);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static int prepare_downloads(struct loader *l, struct fdata_error *err) {
    for (size_t i = 0; i < l->files.count; i++)
        l->n_s3 += l->files.items[i].is_s3;
    if (l->n_s3 == 0)
        return FDATA_OK;
    l->remote = calloc(l->n_s3, sizeof *l->remote);
    l->file_of = calloc(l->n_s3, sizeof *l->file_of);
    l->outstanding = calloc(l->n_s3, sizeof *l->outstanding);
    l->arrived = calloc(l->n_s3, sizeof *l->arrived);
    if (!l->remote || !l->file_of || !l->outstanding || !l->arrived)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < l->files.count; i++) {
        if (!l->files.items[i].is_s3)
            continue;
        l->remote[k].url = l->files.items[i].name;
        l->file_of[k++] = i;
    }
    return FDATA_OK;
}

/* ---- decoding ---- */

/* Decodes every row group of an opened file into l->out[i]. */
static int decode_opened(struct loader *l, size_t i, fdata_parquet_file *f,
                         struct fdata_error *err) {
    struct decoded *d = &l->out[i];
    int n = fdata_parquet_num_row_groups(f);
    d->batches = calloc((size_t)(n ? n : 1), sizeof *d->batches);
    int status = d->batches ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = fdata_parquet_get_schema(f, &l->ro, &d->schema, err);
    if (status == FDATA_OK)
        status = fdata_parquet_read_row_groups(f, 0, n, &l->ro, d->batches, err);
    if (status != FDATA_OK)
        return status;
    d->count = n;
    l->rep.rows += fdata_parquet_num_rows(f);
    l->rep.row_groups += n;
    for (int b = 0; b < n; b++)
        l->rep.bytes_decoded += fdata_array_bytes(&d->schema, &d->batches[b]);
    return FDATA_OK;
}

/* Decodes file i: S3 file k (its ranges all in) when k >= 0, else a local file.  An S3
 * file's buffer goes, and its bytes return to the budget, as soon as it is decoded. */
static int decode_file(struct loader *l, size_t i, long k, struct fdata_error *err) {
    const char *name = l->files.items[i].name;
    double t = now();
    fdata_parquet_file *f = NULL;
    int status;
    if (k >= 0) {
        status = remote_check_magic(&l->remote[k], err);
        if (status == FDATA_OK)
            status = decode_opened(l, i, l->remote[k].pq, err);
        fdata_parquet_close(l->remote[k].pq);
        l->remote[k].pq = NULL;
        fdata_s3_budget_release(l->budget, (size_t)l->remote[k].range_bytes);
    } else {
        status = fdata_parquet_open_path(name, &f, err);
        l->rep.bytes_fetched += (uint64_t)l->files.items[i].size;
        if (status == FDATA_OK)
            status = decode_opened(l, i, f, err);
        fdata_parquet_close(f);
    }
    if (status == FDATA_OK && l->rep.first_batch_seconds == 0)
        l->rep.first_batch_seconds = now() - l->t0;
    l->rep.decode_seconds += now() - t;
    if (status != FDATA_OK && err && !strstr(err->message, name))
        fdata_error_prefix(err, "%s", name);
    return status;
}

/* The next complete S3 file, waiting for one when `wait`; -1 when there is none (yet), -2
 * when the downloads failed (the error in err). */
static long next_arrival(struct loader *l, int wait, struct fdata_error *err) {
    long k = -1;
    pthread_mutex_lock(&l->lock);
    while (wait && l->n_taken == l->n_arrived && !l->download_done && !l->dl_status &&
           !(l->o->cancel && *l->o->cancel)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50000000; /* wake to notice cancellation */
        ts.tv_sec += ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&l->arrived_cond, &l->lock, &ts);
    }
    if (l->dl_status) {
        k = -2;
        if (err)
            *err = l->dl_err;
    } else if (l->n_taken < l->n_arrived) {
        k = (long)l->arrived[l->n_taken++];
    }
    pthread_mutex_unlock(&l->lock);
    return k;
}

/* Decodes the files as they become available: complete S3 files first, local files while
 * the network is busy. */
static int decode_all(struct loader *l, struct fdata_error *err) {
    size_t local_next = 0, done = 0;
    while (done < l->files.count) {
        if (l->o->cancel && *l->o->cancel)
            return fdata_set_error(err, FDATA_ECANCELED, "load cancelled");
        while (local_next < l->files.count && l->files.items[local_next].is_s3)
            local_next++;
        long k = next_arrival(l, local_next == l->files.count, err);
        int status;
        if (k == -2)
            return l->dl_status;
        if (k >= 0)
            status = decode_file(l, l->file_of[k], k, err);
        else if (local_next < l->files.count)
            status = decode_file(l, local_next++, -1, err);
        else
            status = fdata_set_error(err, FDATA_EIO, "S3 downloads ended with files missing");
        if (status != FDATA_OK)
            return status;
        done++;
        if (l->o->progress)
            l->o->progress(l->o->progress_ctx, &l->rep, l->files.count);
    }
    return FDATA_OK;
}

/* ---- one table ---- */

/* Whether two fields have the same Arrow type (format, extension, children by name and
 * type); nullability may differ. */
static int same_type(const struct ArrowSchema *a, const struct ArrowSchema *b) {
    char ea[256], eb[256];
    fdata_schema_extension(a, ea, sizeof ea);
    fdata_schema_extension(b, eb, sizeof eb);
    if (strcmp(a->format, b->format) != 0 || strcmp(ea, eb) != 0 || a->n_children != b->n_children)
        return 0;
    for (int64_t i = 0; i < a->n_children; i++)
        if (strcmp(a->children[i]->name, b->children[i]->name) != 0 ||
            !same_type(a->children[i], b->children[i]))
            return 0;
    return 1;
}

/* "w:16 (arrow.uuid)": a field's format and extension, for messages. */
static const char *describe(const struct ArrowSchema *s, char *buf, size_t size) {
    char ext[256];
    fdata_schema_extension(s, ext, sizeof ext);
    snprintf(buf, size, "%s%s%s%s", s->format, ext[0] ? " (" : "", ext, ext[0] ? ")" : "");
    return buf;
}

static long child_named(const struct ArrowSchema *s, const char *name) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (strcmp(s->children[i]->name, name) == 0)
            return (long)i;
    return -1;
}

/* Puts file i's columns in the order of `ref` (file 0's), or says how they differ.  A
 * column nullable in any file is nullable in the table. */
static int conform(struct loader *l, size_t i, struct ArrowSchema *ref, struct fdata_error *err) {
    struct decoded *d = &l->out[i];
    const char *name = l->files.items[i].name, *first = l->files.items[0].name;
    if (d->schema.n_children != ref->n_children)
        return fdata_set_error(err, FDATA_EINVAL, "%s has %lld columns, %s has %lld: the files "
                               "of one load must have the same columns", name,
                               (long long)d->schema.n_children, first, (long long)ref->n_children);
    int64_t n = ref->n_children;
    long *pos = calloc((size_t)(n ? n : 1), sizeof *pos);
    if (!pos)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    int status = FDATA_OK;
    char a[320], b[320];
    for (int64_t c = 0; c < n && status == FDATA_OK; c++) {
        const struct ArrowSchema *want = ref->children[c];
        pos[c] = child_named(&d->schema, want->name);
        if (pos[c] < 0)
            status = fdata_set_error(err, FDATA_EINVAL, "%s has no column '%s' (%s has)", name,
                                     want->name, first);
        else if (!same_type(d->schema.children[pos[c]], want))
            status = fdata_set_error(err, FDATA_EINVAL, "column '%s' is %s in %s but %s in %s",
                                     want->name, describe(d->schema.children[pos[c]], a, sizeof a),
                                     name, describe(want, b, sizeof b), first);
        else
            ref->children[c]->flags |= d->schema.children[pos[c]]->flags & ARROW_FLAG_NULLABLE;
    }
    for (int b = 0; b < d->count && status == FDATA_OK; b++) {
        struct ArrowArray **kids = d->batches[b].children, **moved = malloc((size_t)n * sizeof *moved + 1);
        if (!moved) {
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
            break;
        }
        for (int64_t c = 0; c < n; c++)
            moved[c] = kids[pos[c]];
        memcpy(kids, moved, (size_t)n * sizeof *kids);
        free(moved);
    }
    free(pos);
    return status;
}

/* Every file's batches, in file order, behind file 0's schema. */
static int make_table(struct loader *l, struct ArrowArrayStream *out, struct fdata_error *err) {
    struct ArrowSchema schema;
    FDATA_RETURN_IF(fdata_schema_copy(&l->out[0].schema, &schema) == FDATA_OK ? FDATA_OK
                    : fdata_set_error(err, FDATA_ENOMEM, "out of memory"));
    int status = FDATA_OK;
    size_t total = 0;
    for (size_t i = 0; i < l->files.count && status == FDATA_OK; i++) {
        status = i ? conform(l, i, &schema, err) : FDATA_OK;
        total += (size_t)l->out[i].count;
    }
    struct ArrowArray *all = status == FDATA_OK ? calloc(total ? total : 1, sizeof *all) : NULL;
    if (status == FDATA_OK && !all)
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status != FDATA_OK) {
        schema.release(&schema);
        return status;
    }
    for (size_t i = 0, k = 0; i < l->files.count; i++)
        for (int b = 0; b < l->out[i].count; b++) {
            all[k++] = l->out[i].batches[b];
            l->out[i].batches[b].release = NULL;
        }
    l->rep.columns = (int)schema.n_children;
    status = table_stream_make(&schema, all, total, out, err);
    free(all);
    return status;
}

/* ---- the load ---- */

static void loader_free(struct loader *l) {
    for (size_t i = 0; l->out && i < l->files.count; i++) {
        for (int b = 0; b < l->out[i].count; b++)
            if (l->out[i].batches[b].release)
                l->out[i].batches[b].release(&l->out[i].batches[b]);
        free(l->out[i].batches);
        if (l->out[i].schema.release)
            l->out[i].schema.release(&l->out[i].schema);
    }
    free(l->out);
    remote_files_free(l->remote, l->n_s3);
    free(l->remote);
    free(l->file_of);
    free(l->outstanding);
    free(l->arrived);
    free(l->req_urls);
    free(l->req_ranges);
    free(l->req_owner);
    free(l->req_results);
    fdata_s3_budget_free(l->budget);
    fdata_s3_client_free(l->s3);
    load_files_free(&l->files);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->arrived_cond);
}

static void finish_report(struct loader *l, struct fdata_load_report *report) {
    l->rep.files = l->files.count;
    l->rep.bytes_fetched += l->s3_fetched;
    l->rep.seconds = now() - l->t0;
    l->rep.download_seconds = l->n_s3 ? l->download_end - l->t0 : 0;
    if (l->rep.download_seconds > 0)
        l->rep.download_gbit_s = (double)l->rep.bytes_fetched * 8 / l->rep.download_seconds / 1e9;
    if (l->rep.decode_seconds > 0)
        l->rep.decode_gb_s = (double)l->rep.bytes_decoded / l->rep.decode_seconds / 1e9;
    if (report)
        *report = l->rep;
}

int fdata_load(const char *const *sources, size_t n, const struct fdata_load_options *opts,
               struct ArrowArrayStream *out, struct fdata_load_report *report,
               struct fdata_error *err) {
    static const struct fdata_load_options defaults;
    struct loader l = {.o = opts ? opts : &defaults, .t0 = now()};
    l.ro = (struct fdata_parquet_read_options){l.o->threads, l.o->columns, l.o->num_columns};
    pthread_mutex_init(&l.lock, NULL);
    pthread_cond_init(&l.arrived_cond, NULL);
    out->release = NULL;
    int status = FDATA_OK;
    if (load_sources_use_s3(sources, n))
        status = fdata_s3_client_new(l.o->s3, &l.s3, err);
    if (status == FDATA_OK)
        status = load_files_expand(sources, n, l.s3, &l.files, err);
    if (status == FDATA_OK && !(l.out = calloc(l.files.count, sizeof *l.out)))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = prepare_downloads(&l, err);
    pthread_t downloader;
    int started = status == FDATA_OK && l.n_s3 > 0 &&
                  pthread_create(&downloader, NULL, download, &l) == 0;
    if (status == FDATA_OK && l.n_s3 > 0 && !started)
        status = fdata_set_error(err, FDATA_ENOMEM, "cannot start the download thread");
    if (status == FDATA_OK)
        status = decode_all(&l, err);
    if (started) {
        if (status != FDATA_OK) {
            l.stop = 1; /* transfers under way finish into buffers freed below */
        }
        pthread_join(downloader, NULL);
    }
    if (status == FDATA_OK)
        status = make_table(&l, out, err);
    finish_report(&l, report);
    loader_free(&l);
    return status;
}
