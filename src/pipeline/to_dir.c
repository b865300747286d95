/* fdata_load_to_dir: objects streamed into files as they arrive (see fastdata/load.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "sources.h"

struct to_dir {
    const char *dir;
    const struct load_files *files;
    fdata_s3_budget *budget;
    char *written;                /* per file: 1 once renamed into place */
    int status;                   /* the first failure */
    struct fdata_error err;
    uint64_t bytes;
    volatile int stop;
    pthread_mutex_t lock;
};

/* dir/rel with the directories below dir made; tmp gets the temporary name beside it. */
static int target(const char *dir, const char *rel, char *path, char *tmp, size_t size) {
    if (snprintf(path, size, "%s/%s", dir, rel) >= (int)size || strstr(rel, "..") == rel ||
        strstr(rel, "/../"))
        return -1;
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0777);
        *p = '/';
    }
    const char *base = strrchr(path, '/') + 1;
    snprintf(tmp, size, "%.*s.%s.part", (int)(base - path), path, base);
    return 0;
}

static int write_file(const char *path, const char *tmp, const void *data, size_t size) {
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    int bad = size && fwrite(data, 1, size, f) != size;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* On a download thread: one object is in, or failed. */
static void on_object(void *ctx, size_t i, struct fdata_s3_get_result *r) {
    struct to_dir *t = ctx;
    char path[4096], tmp[4200];
    struct fdata_error e = {0};
    int status = r->status ? fdata_set_error(&e, r->status, "%s", r->error) : FDATA_OK;
    if (status == FDATA_OK && target(t->dir, t->files->items[i].rel, path, tmp, sizeof path) != 0)
        status = fdata_set_error(&e, FDATA_EINVAL, "%s: no file name under %s for it", r->url, t->dir);
    else if (status == FDATA_OK && write_file(path, tmp, r->data, r->size) != 0)
        status = fdata_set_error(&e, FDATA_EIO, "%s: cannot write: %s", path, strerror(errno));
    fdata_s3_data_free(r->data);
    fdata_s3_budget_release(t->budget, r->size);
    pthread_mutex_lock(&t->lock);
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
        if (!files->items[i].is_s3)
            status = fdata_set_error(err, FDATA_EINVAL, "%s: only s3:// sources are downloaded "
                                     "into a directory", files->items[i].name);
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
    mkdir(dir, 0777);
    int status = fdata_s3_client_new(o->s3, &c, err);
    if (status == FDATA_OK)
        status = load_files_expand(sources, n, c, &files, err);
    t.files = &files;
    t.written = calloc(files.count + 1, 1);
    t.budget = fdata_s3_budget_new(o->memory_limit ? o->memory_limit : LOAD_DEFAULT_MEMORY_LIMIT);
    if (status == FDATA_OK && (!t.written || !t.budget))
        status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK)
        status = download(c, &files, o, &t, err);
    for (size_t i = 0; status != FDATA_OK && t.written && i < files.count; i++) {
        char path[4096], tmp[4200];
        if (t.written[i] && target(dir, files.items[i].rel, path, tmp, sizeof path) == 0)
            unlink(path); /* nothing partial left behind */
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (report) {
        memset(report, 0, sizeof *report);
        report->files = files.count;
        report->bytes_fetched = t.bytes;
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
