/* Footers fetched while a listing goes on (see prefetch.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../common/common.h"
#include "partitions.h"
#include "prefetch.h"

struct prefetch {
    struct fdata_s3_options so;   /* for the client, made at the second page */
    fdata_s3_client *c;
    struct fdata_s3_get_options go;
    const volatile int *cancel;   /* the caller's, watched while it waits */
    volatile int stop;            /* the GETs' own cancellation */
    struct remote_room *room;
    const struct fdata_filter *filter; /* prunes each page by its partition values, or NULL */
    int mode;                     /* partitions_discover's */
    const char *types;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;         /* guards what follows */
    pthread_cond_t changed;
    struct remote_file *files;    /* in listing order; [0, done) fetched */
    size_t count, cap, done, next_take;
    int pages;
    int listed;                   /* nothing more will be queued */
    int status;
    struct fdata_error err;
};

/* The fetch thread: whatever the listing queued since its last round, in one remote_fetch
 * (a copy of those entries: the queue may grow meanwhile). */
static void *fetch_listed(void *arg) {
    struct prefetch *p = arg;
    pthread_mutex_lock(&p->lock);
    while (p->status == FDATA_OK) {
        while (p->done == p->count && !p->listed)
            pthread_cond_wait(&p->changed, &p->lock);
        if (p->done == p->count)
            break;
        size_t from = p->done, n = p->count - from;
        struct remote_file *batch = malloc(n * sizeof *batch);
        if (batch)
            memcpy(batch, p->files + from, n * sizeof *batch);
        pthread_mutex_unlock(&p->lock);
        struct fdata_error err = {0};
        struct remote_opener open = {NULL, NULL}; /* each footer parsed as it arrives */
        int status = batch ? remote_fetch(p->c, batch, n, &p->go, p->room, &open, &err)
                           : fdata_set_error(&err, FDATA_ENOMEM, "out of memory");
        pthread_mutex_lock(&p->lock);
        if (batch)
            memcpy(p->files + from, batch, n * sizeof *batch);
        free(batch);
        p->done = from + n;
        if (status != FDATA_OK)
            p->status = status, p->err = err;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int prefetch_new(const struct fdata_s3_options *so, const struct fdata_s3_get_options *go,
                 struct remote_room *room, struct prefetch **out, struct fdata_error *err) {
    struct prefetch *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    p->so = *so;
    p->go = *go;
    p->cancel = go->cancel;
    p->go.cancel = &p->stop;
    p->room = room;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    *out = p;
    return FDATA_OK;
}

void prefetch_filter(struct prefetch *p, const struct fdata_filter *filter, int mode,
                     const char *types) {
    p->filter = filter;
    p->mode = mode;
    p->types = types;
}

/* keep[i] for f->items[from + i]: whether the filter may select it by the partition values
 * of its page (keys and types found over the page alone); all 0 when they cannot be. */
static void prune_page(const struct prefetch *p, const struct load_files *f, size_t from,
                       char *keep) {
    struct load_files page = {f->items + from, f->count - from, 0}; /* a view: not freed */
    struct partitions parts;
    memset(keep, 0, page.count);
    if (partitions_discover(&page, p->mode, p->types, &parts, NULL) == FDATA_OK &&
        filter_bind(p->filter, &parts, NULL) == FDATA_OK)
        for (size_t i = 0; i < page.count; i++)
            keep[i] = (char)filter_selects_file(p->filter, &parts, i);
    partitions_free(&parts);
}

/* Under the lock: the S3 files of f->items[from..) join the queue (under a filter those it
 * may select). */
static int queue_files(struct prefetch *p, const struct load_files *f, size_t from) {
    if (p->count + (f->count - from) > p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        while (cap < p->count + (f->count - from))
            cap *= 2;
        struct remote_file *files = realloc(p->files, cap * sizeof *files);
        if (!files)
            return FDATA_ENOMEM;
        p->files = files;
        p->cap = cap;
    }
    char *keep = p->filter ? malloc(f->count - from + 1) : NULL;
    if (p->filter && !keep)
        return FDATA_ENOMEM;
    if (keep)
        prune_page(p, f, from, keep);
    for (size_t i = from; i < f->count; i++)
        if (f->items[i].is_s3 && (!keep || keep[i - from]))
            p->files[p->count++] = (struct remote_file){.url = f->items[i].name,
                                                        .listed = f->items[i].size};
    free(keep);
    return FDATA_OK;
}

/* A second page: the listing goes on, so the thread and its client start (a listing of one
 * page leaves its files to the load's own GETs, with no second client). */
static int start_thread(struct prefetch *p, struct fdata_error *err) {
    FDATA_RETURN_IF(fdata_s3_client_new(&p->so, &p->c, err));
    p->started = pthread_create(&p->thread, NULL, fetch_listed, p) == 0;
    return p->started ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "cannot start the footer "
                                                   "thread");
}

int prefetch_listed(void *ctx, const struct load_files *f, size_t from, struct fdata_error *err) {
    struct prefetch *p = ctx;
    pthread_mutex_lock(&p->lock);
    int status = p->status;
    if (status != FDATA_OK) {
        if (err)
            *err = p->err;
    } else if (queue_files(p, f, from) != FDATA_OK) {
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    } else if (!p->started && ++p->pages == 2) {
        status = start_thread(p, err);
    }
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return status;
}

int prefetch_finish(struct prefetch *p, struct fdata_error *err) {
    pthread_mutex_lock(&p->lock);
    p->listed = 1;
    pthread_cond_broadcast(&p->changed);
    while (p->started && p->done < p->count && p->status == FDATA_OK) {
        fdata_cond_wait_ms(&p->changed, &p->lock, 50); /* to notice the caller's cancel */
        if (p->cancel && *p->cancel)
            p->stop = 1;
    }
    int status = p->status;
    if (status != FDATA_OK && err)
        *err = p->err;
    pthread_mutex_unlock(&p->lock);
    return status;
}

void prefetch_take(struct prefetch *p, struct remote_file *f) {
    size_t k = p->next_take; /* listing order is load order, but for a server's disorder */
    if (k >= p->done || p->files[k].url != f->url)
        for (k = 0; k < p->done && p->files[k].url != f->url; k++)
            ;
    if (k >= p->done || !p->files[k].buf)
        return;
    const struct remote_file *g = &p->files[k];
    f->size = g->size;
    memcpy(f->etag, g->etag, sizeof f->etag);
    f->buf = g->buf;
    f->footer_bytes = g->footer_bytes;
    f->whole = g->whole;
    f->requests = g->requests;
    f->pq = g->pq;
    p->files[k].buf = NULL;
    p->files[k].pq = NULL;
    p->next_take = k + 1;
}

void prefetch_free(struct prefetch *p) {
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->listed = 1;
    p->stop = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    if (p->started)
        pthread_join(p->thread, NULL);
    for (size_t k = 0; k < p->done; k++) { /* not taken: an open file takes its buffer along */
        if (p->files[k].pq)
            fdata_parquet_close(p->files[k].pq);
        else if (p->files[k].buf)
            remote_drop_buffer(&p->files[k]);
    }
    free(p->files);
    fdata_s3_client_free(p->c);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
}
