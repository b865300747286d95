/* fdata_load_to_dir: objects streamed into files as they arrive (see fastdata/load.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "../common/strbuf.h"
#include "../s3/budget.h"
#include "key_file.h"
#include "sources.h"

struct to_dir {
    const char *dir;
    const struct load_files *files;
    fdata_s3_budget *budget;
    char *written;                /* per file: 1 once renamed into place */
    int status;                   /* the first failure */
    struct fdata_error err;
    uint64_t bytes, requests;
    volatile int stop;
    pthread_mutex_t lock;
};

/* On a download thread: one object is in, or failed. */
static void on_object(void *ctx, size_t i, struct fdata_s3_get_result *r) {
    struct to_dir *t = ctx;
    struct fdata_error e = {0};
    int status = r->status ? fdata_set_error(&e, r->status, "%s", r->error)
                           : key_file_write(t->dir, t->files->items[i].rel, r->data, r->size, &e);
    fdata_s3_data_free(r->data);
    fdata_s3_budget_release(t->budget, r->size);
    pthread_mutex_lock(&t->lock);
    t->requests += (uint64_t)r->requests;
    if (status == FDATA_OK) {
        t->written[i] = 1;
        t->bytes += r->size;
    } else if (!t->status) {
        t->status = status;
        t->err = e;
        t->stop = 1;
    }
    pthread_mutex_unlock(&t->lock);
}

static int download(fdata_s3_client *c, const struct load_files *files,
                    const struct fdata_load_options *o, struct to_dir *t, struct fdata_error *err) {
    const char **urls = calloc(files->count + 1, sizeof *urls);
    int64_t *sizes = calloc(files->count + 1, sizeof *sizes);
    struct fdata_s3_get_result *res = calloc(files->count + 1, sizeof *res);
    int status = urls && sizes && res ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; status == FDATA_OK && i < files->count; i++) {
        const char *why = NULL;
        char shown[4096];
        if (!files->items[i].is_s3)
            status = fdata_set_error(err, FDATA_EINVAL, "%s: only s3:// sources are downloaded "
                                     "into a directory", files->items[i].name);
        else if (!key_file_name(files->items[i].rel, "", &why)) /* checked before any download */
            status = fdata_set_error(err, FDATA_EINVAL, "%s: not written below %s: %s",
                                     fdata_escape_controls(files->items[i].name, shown, sizeof shown),
                                     t->dir, why);
        urls[i] = files->items[i].name;
        sizes[i] = files->items[i].size;
    }
    struct fdata_s3_get_options go = {.connections = o->connections, .part_size = o->part_size,
                                      .on_object = on_object, .ctx = t, .budget = t->budget,
                                      .sizes = sizes, .cancel = &t->stop};
    struct fdata_error ignored; /* outcomes reach on_object */
    if (status == FDATA_OK)
        fdata_s3_get_many(c, urls, files->count, &go, res, &ignored);
    if (status == FDATA_OK && o->cancel && *o->cancel && !t->status)
        status = fdata_set_error(err, FDATA_ECANCELED, "load cancelled");
    if (status == FDATA_OK && t->status) {
        status = t->status;
        if (err)
            *err = t->err;
    }
    free(urls), free(sizes), free(res);
    return status;
}

int fdata_load_to_dir(const char *const *sources, size_t n, const struct fdata_load_options *opts,
                      const char *dir, struct fdata_load_report *report, struct fdata_error *err) {
    static const struct fdata_load_options defaults;
    const struct fdata_load_options *o = opts ? opts : &defaults;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct to_dir t = {.dir = dir};
    pthread_mutex_init(&t.lock, NULL);
    struct load_files files = {0};
    fdata_s3_client *c = NULL;
    struct fdata_s3_options so = o->s3 ? *o->s3 : (struct fdata_s3_options){0};
    so.runtime = so.runtime ? so.runtime : o->runtime; /* as fdata_load's client */
    int status = fdata_s3_client_new(&so, &c, err);
    if (status == FDATA_OK)
        status = load_files_expand(sources, n, c, NULL, NULL, &files, err);
    t.files = &files;
    t.written = calloc(files.count + 1, 1);
    t.budget = fdata_s3_budget_new(o->memory_limit ? o->memory_limit : LOAD_DEFAULT_MEMORY_LIMIT);
    if (t.budget)
        s3_budget_share(t.budget, o->runtime);
    if (status == FDATA_OK && (!t.written || !t.budget))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = download(c, &files, o, &t, err);
    for (size_t i = 0; status != FDATA_OK && t.written && i < files.count; i++)
        if (t.written[i])
            key_file_remove(dir, files.items[i].rel); /* nothing partial left behind */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (report) {
        memset(report, 0, sizeof *report);
        report->files = files.count;
        report->bytes_fetched = t.bytes;
        report->requests = t.requests;
        report->seconds = report->download_seconds =
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        if (report->seconds > 0)
            report->download_gbit_s = (double)t.bytes * 8 / report->seconds / 1e9;
    }
    free(t.written);
    fdata_s3_budget_free(t.budget);
    load_files_free(&files);
    fdata_s3_client_free(c);
    pthread_mutex_destroy(&t.lock);
    return status;
}
