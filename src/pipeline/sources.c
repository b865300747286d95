/* Expanding load sources into files: S3 listings and globs, local directories. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../common/common.h"
#include "../common/strbuf.h"
#include "sources.h"

static int add(struct load_files *f, const char *name, size_t rel_at, int is_s3, int64_t size) {
    if (f->count == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 16;
        struct load_file *items = realloc(f->items, cap * sizeof *items);
        if (!items)
            return FDATA_ENOMEM;
        f->items = items;
        f->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return FDATA_ENOMEM;
    f->items[f->count++] = (struct load_file){copy, copy + rel_at, is_s3, size};
    return FDATA_OK;
}

/* Hidden and marker names (_SUCCESS, _metadata, .crc, Spark's _temporary/ folders): skipped
 * under a prefix, in any segment below it, as Spark and pyarrow do. */
static int skipped(const char *rel) {
    for (const char *seg = rel; seg; seg = strchr(seg, '/'), seg = seg ? seg + 1 : NULL) {
        size_t len = strcspn(seg, "/");
        int dots = (len == 1 || len == 2) && strncmp(seg, "..", len) == 0;
        if (seg[0] == '_' || seg[0] == '\0' || (seg[0] == '.' && !dots))
            return 1; /* '.' and '..' are not hidden names: load --to refuses them */
    }
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(((const struct load_file *)a)->name, ((const struct load_file *)b)->name);
}

/* One listing's walk: the source, and what its pages add. */
struct s3_walk {
    const char *src, *dir, *pattern;
    size_t bucket_len;
    struct load_files *out;
    load_files_listed on_listed;
    void *ctx;
};

/* A listing page is in: its keys below the prefix (and matching the pattern) become files,
 * handed to on_listed at once. */
static int take_page(void *ctx, const struct fdata_s3_listing *l, size_t from,
                     struct fdata_error *err) {
    struct s3_walk *w = ctx;
    size_t had = w->out->count, dir_len = strlen(w->dir);
    for (size_t i = from; i < l->count; i++) {
        const char *key = l->entries[i].key;
        char shown[1024];
        if (strncmp(key, w->dir + w->bucket_len, dir_len - w->bucket_len) != 0) /* a server's lie */
            return fdata_set_error(err, FDATA_ECORRUPT, "%s: the listing gave key '%s', not "
                                   "below the prefix", w->src,
                                   fdata_escape_controls(key, shown, sizeof shown));
        const char *rel = key + dir_len - w->bucket_len;
        if (l->entries[i].is_prefix || skipped(rel) ||
            (w->pattern && (strchr(rel, '/') || fnmatch(w->pattern, rel, 0) != 0)))
            continue;
        char url[4096];
        snprintf(url, sizeof url, "%.*s%s", (int)w->bucket_len, w->src, key);
        if (add(w->out, url, dir_len, 1, l->entries[i].size) != FDATA_OK)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    return w->on_listed && w->out->count > had ? w->on_listed(w->ctx, w->out, had, err) : FDATA_OK;
}

/* s3://bucket/prefix/ (every key below) or s3://bucket/dir/pattern (keys in dir matching). */
static int expand_s3(const char *src, fdata_s3_client *s3, load_files_listed on_listed,
                     void *ctx, struct load_files *out, struct fdata_error *err) {
    const char *slash = strrchr(src + 5, '/');
    const char *pattern = slash && strpbrk(slash + 1, "*?[") ? slash + 1 : NULL;
    if (!pattern && src[strlen(src) - 1] != '/')
        return add(out, src, slash ? (size_t)(slash + 1 - src) : strlen(src), 1, -1) == FDATA_OK
                   ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    char *dir = strndup(src, pattern ? (size_t)(pattern - src) : strlen(src));
    if (!dir)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    struct s3_walk w = {src, dir, pattern, (size_t)(strchr(src + 5, '/') - src) + 1, out,
                        on_listed, ctx};
    struct fdata_s3_listing l;
    size_t first = out->count;
    int status = fdata_s3_list_pages(s3, dir, 1, take_page, &w, &l, err);
    if (status == FDATA_OK)
        fdata_s3_listing_free(&l);
    free(dir);
    if (status == FDATA_OK && out->count == first)
        status = fdata_set_error(err, FDATA_ENOTFOUND, "%s: no Parquet files there", src);
    if (out->count > first) /* S3 lists in this order already: a server's disorder is undone */
        qsort(out->items + first, out->count - first, sizeof *out->items, cmp_names);
    return status;
}

/* The regular files below a local directory, recursively (Hive partitions are folders),
 * skipping hidden and marker names; rel_at is where the names below the root begin. */
static int walk_local(const char *dir, size_t rel_at, int depth, struct load_files *out,
                      struct fdata_error *err) {
    if (depth > 64)
        return fdata_set_error(err, FDATA_EINVAL, "%s: folders nested too deep", dir);
    DIR *d = opendir(dir);
    if (!d)
        return fdata_set_error(err, fdata_code_of_errno(errno), "%s: cannot read the directory: %s",
                               dir, strerror(errno));
    int status = FDATA_OK;
    for (struct dirent *e; status == FDATA_OK && (e = readdir(d));) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.' || skipped(e->d_name) || /* ".", "..", hidden */
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            status = walk_local(path, rel_at, depth + 1, out, err);
        else if (S_ISREG(st.st_mode) && add(out, path, rel_at, 0, (int64_t)st.st_size) != FDATA_OK)
            status = fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    closedir(d);
    return status;
}

/* A local directory's files (sorted), or the file itself. */
static int expand_local(const char *src, struct load_files *out, struct fdata_error *err) {
    struct stat st;
    if (stat(src, &st) != 0)
        return fdata_set_error(err, fdata_code_of_errno(errno), "%s: %s", src, strerror(errno));
    const char *base = strrchr(src, '/');
    if (!S_ISDIR(st.st_mode))
        return add(out, src, base ? (size_t)(base + 1 - src) : 0, 0, (int64_t)st.st_size) == FDATA_OK
                   ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    size_t first = out->count;
    int status = walk_local(src, strlen(src) + 1, 0, out, err);
    if (status == FDATA_OK && out->count == first)
        status = fdata_set_error(err, FDATA_ENOTFOUND, "%s: no Parquet files there", src);
    if (out->count > first)
        qsort(out->items + first, out->count - first, sizeof *out->items, cmp_names);
    return status;
}

int load_sources_use_s3(const char *const *sources, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strncmp(sources[i], "s3://", 5) == 0)
            return 1;
    return 0;
}

int load_files_expand(const char *const *sources, size_t n, fdata_s3_client *s3,
                      load_files_listed on_listed, void *ctx, struct load_files *out,
                      struct fdata_error *err) {
    memset(out, 0, sizeof *out);
    int status = n ? FDATA_OK : fdata_set_error(err, FDATA_EINVAL, "no source to load");
    for (size_t i = 0; i < n && status == FDATA_OK; i++)
        status = strncmp(sources[i], "s3://", 5) == 0 ? expand_s3(sources[i], s3, on_listed, ctx, out, err)
                                                      : expand_local(sources[i], out, err);
    if (status != FDATA_OK)
        load_files_free(out);
    return status;
}

int load_files_add(struct load_files *f, const char *name, size_t rel_at, int is_s3, int64_t size) {
    return add(f, name, rel_at, is_s3, size);
}

void load_files_keep(struct load_files *f, const char *keep) {
    size_t kept = 0;
    for (size_t i = 0; i < f->count; i++) {
        if (keep[i])
            f->items[kept++] = f->items[i];
        else
            free(f->items[i].name);
    }
    f->count = kept;
}

void load_files_free(struct load_files *f) {
    for (size_t i = 0; i < f->count; i++)
        free(f->items[i].name);
    free(f->items);
    memset(f, 0, sizeof *f);
}
