/* Sparse reads of Parquet objects on S3 (see remote.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "../common/pages.h"
#include "remote.h"

#define TAIL_GUESS ((int64_t)64 << 10) /* holds the footer of all but very wide files */
#define MERGE_GAP ((int64_t)1 << 20)   /* a smaller hole is cheaper fetched than a request */

static void free_buffer(void *p) { fdata_unmap_zeroed(p); }

/* fdata_s3_get_many of n ranges with the caller's connection settings, results kept;
 * sizes (or NULL) are the objects' sizes the tails told, which every later answer must
 * repeat. */
static int get_ranges(fdata_s3_client *c, const char **urls, const struct fdata_s3_range *ranges,
                      const int64_t *sizes, size_t n, const struct fdata_s3_get_options *go,
                      struct fdata_s3_get_result *res, struct fdata_error *err) {
    struct fdata_s3_get_options o = {.connections = go->connections, .part_size = go->part_size,
                                     .threads = go->threads, .cancel = go->cancel,
                                     .ranges = ranges, .sizes = sizes};
    return fdata_s3_get_many(c, urls, n, &o, res, err);
}

/* The object's tail is in: the buffer is made, the tail put at its end.  Returns the bytes of
 * footer still missing before the tail (0 when it holds the whole footer). */
static int take_tail(struct remote_file *f, const struct fdata_s3_get_result *r,
                     int64_t *missing, struct fdata_error *err) {
    if (r->status != FDATA_OK)
        return fdata_set_error(err, r->status, "%s", r->error);
    f->size = r->object_size >= 0 ? r->object_size : (int64_t)r->size;
    if (r->offset < 0 || r->offset + (int64_t)r->size != f->size) /* the buffer is f->size */
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: the tail's bytes %lld-%lld do not end "
                               "the object's %lld", f->url, (long long)r->offset,
                               (long long)(r->offset + (int64_t)r->size), (long long)f->size);
    snprintf(f->etag, sizeof f->etag, "%s", r->etag);
    const uint8_t *t = r->data;
    if (f->size < 12 || r->size < 8 || memcmp(t + r->size - 4, "PAR1", 4) != 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: not a Parquet file (no PAR1 at its end)",
                               f->url);
    uint32_t footer = fdata_load_u32le(t + r->size - 8);
    if ((int64_t)footer + 12 > f->size)
        return fdata_set_error(err, FDATA_ECORRUPT, "%s: footer of %u bytes in a %lld-byte file",
                               f->url, footer, (long long)f->size);
    /* mapped: pages never fetched take no memory, and all return to the kernel at once */
    if (!(f->buf = fdata_map_zeroed((size_t)f->size)))
        return fdata_set_error(err, FDATA_ENOMEM, "%s: out of memory for %lld bytes", f->url,
                               (long long)f->size);
    memcpy(f->buf + r->offset, t, r->size);
    f->footer_bytes = (int64_t)r->size;
    *missing = (int64_t)footer + 8 > (int64_t)r->size ? (int64_t)footer + 8 - (int64_t)r->size : 0;
    return FDATA_OK;
}

int remote_fetch_ranges(fdata_s3_client *c, const struct remote_file *files, const size_t *owner,
                        const struct fdata_byte_range *ranges, size_t n,
                        const struct fdata_s3_get_options *go, struct fdata_error *err) {
    if (n == 0)
        return FDATA_OK;
    const char **urls = calloc(n, sizeof *urls);
    struct fdata_s3_range *r = calloc(n, sizeof *r);
    struct fdata_s3_get_result *res = calloc(n, sizeof *res);
    int64_t *sizes = calloc(n, sizeof *sizes);
    int status = urls && r && res && sizes ? FDATA_OK
                                           : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t k = 0; status == FDATA_OK && k < n; k++) {
        const struct remote_file *f = &files[owner[k]];
        urls[k] = f->url;
        sizes[k] = f->size;
        r[k] = (struct fdata_s3_range){ranges[k].offset, ranges[k].length, f->etag,
                                       f->buf + ranges[k].offset};
    }
    if (status == FDATA_OK)
        status = get_ranges(c, urls, r, sizes, n, go, res, err);
    free(urls), free(r), free(res), free(sizes); /* data went into the buffers */
    return status;
}

/* Footer bytes before the tail, for the files whose footer is larger than the guess. */
static int fetch_missing(fdata_s3_client *c, struct remote_file *files, const int64_t *missing,
                         size_t n, const struct fdata_s3_get_options *go, struct fdata_error *err) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += missing[i] > 0;
    size_t *owner = calloc(m + 1, sizeof *owner);
    struct fdata_byte_range *ranges = calloc(m + 1, sizeof *ranges);
    if (!owner || !ranges) {
        free(owner), free(ranges);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    for (size_t i = 0, k = 0; i < n; i++) {
        if (missing[i] <= 0)
            continue;
        owner[k] = i;
        ranges[k++] = (struct fdata_byte_range){files[i].size - files[i].footer_bytes - missing[i],
                                                missing[i]};
        files[i].footer_bytes += missing[i];
    }
    int status = remote_fetch_ranges(c, files, owner, ranges, m, go, err);
    free(owner), free(ranges);
    return status;
}

/* The file over its buffer (the leading magic put in until the real one is in). */
static int open_one(struct remote_file *f, struct fdata_error *err) {
    if (f->footer_bytes < f->size)
        memcpy(f->buf, "PAR1", 4); /* checked for real once the ranges are in */
    if (fdata_parquet_open_buffer(f->buf, (size_t)f->size, f->url, free_buffer, f->buf, &f->pq,
                                  err) == FDATA_OK)
        return FDATA_OK;
    fdata_unmap_zeroed(f->buf); /* a failed open leaves the buffer with us */
    f->buf = NULL;
    return err ? err->code : FDATA_ECORRUPT;
}

int remote_plan_ranges(struct remote_file *f, const struct fdata_parquet_read_options *ro,
                       const struct rg_selection *sel, struct fdata_error *err) {
    /* row group by row group, so that each can be decoded as soon as its own bytes are in */
    FDATA_RETURN_IF(rg_selection_ranges(f->pq, ro, sel, MERGE_GAP, &f->ranges, &f->range_rg,
                                        &f->num_ranges, err));
    if (f->footer_bytes >= f->size) /* the tail was the whole object */
        f->num_ranges = 0;
    else if (f->num_ranges && sel->rg[0] == 0 && f->ranges[0].offset <= MERGE_GAP) {
        /* with row group 0 (past it, the hole would be pruned row groups' bytes) */
        f->ranges[0].length += f->ranges[0].offset;
        f->ranges[0].offset = 0;
    } else { /* the magic alone, with the first selected row group */
        struct fdata_byte_range *r = realloc(f->ranges, (f->num_ranges + 1) * sizeof *r);
        if (r)
            f->ranges = r;
        int *g = r ? realloc(f->range_rg, (f->num_ranges + 1) * sizeof *g) : NULL;
        if (g)
            f->range_rg = g;
        if (!g)
            return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
        memmove(f->ranges + 1, f->ranges, f->num_ranges * sizeof *f->ranges);
        memmove(f->range_rg + 1, f->range_rg, f->num_ranges * sizeof *f->range_rg);
        f->ranges[0] = (struct fdata_byte_range){0, 4};
        f->range_rg[0] = 0;
        f->num_ranges++;
    }
    /* the tail is here already: ranges stop where it starts */
    int64_t have = f->size - f->footer_bytes;
    size_t kept = 0;
    for (size_t i = 0; i < f->num_ranges; i++) {
        struct fdata_byte_range r = f->ranges[i];
        if (r.offset + r.length > have)
            r.length = have > r.offset ? have - r.offset : 0;
        if (r.length > 0) {
            f->range_rg[kept] = f->range_rg[i];
            f->ranges[kept++] = r;
            f->range_bytes += r.length;
        }
    }
    f->num_ranges = kept;
    return FDATA_OK;
}

int remote_open(fdata_s3_client *c, struct remote_file *files, size_t n,
                const struct fdata_s3_get_options *go, struct fdata_error *err) {
    const char **urls = calloc(n ? n : 1, sizeof *urls);
    struct fdata_s3_range *tails = calloc(n ? n : 1, sizeof *tails);
    struct fdata_s3_get_result *res = calloc(n ? n : 1, sizeof *res);
    int64_t *missing = calloc(n ? n : 1, sizeof *missing);
    int status = urls && tails && res && missing ? FDATA_OK
                                                 : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        urls[i] = files[i].url;
        tails[i].offset = -TAIL_GUESS;
    }
    if (status == FDATA_OK)
        status = get_ranges(c, urls, tails, NULL, n, go, res, err);
    for (size_t i = 0; status == FDATA_OK && i < n; i++)
        status = take_tail(&files[i], &res[i], &missing[i], err);
    if (res)
        fdata_s3_get_results_free(res, n);
    if (status == FDATA_OK)
        status = fetch_missing(c, files, missing, n, go, err);
    for (size_t i = 0; status == FDATA_OK && i < n; i++)
        status = open_one(&files[i], err);
    for (size_t i = 0; status != FDATA_OK && i < n; i++)
        if (!files[i].pq) { /* not handed to an open file: still ours */
            fdata_unmap_zeroed(files[i].buf);
            files[i].buf = NULL;
        }
    free(urls), free(tails), free(res), free(missing);
    return status;
}

int remote_plan(const struct remote_file *files, size_t n, const char ***urls,
                struct fdata_s3_range **ranges, size_t **owner, int **rg, size_t *count,
                struct fdata_error *err) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += files[i].num_ranges;
    *urls = calloc(m ? m : 1, sizeof **urls);
    *ranges = calloc(m ? m : 1, sizeof **ranges);
    *owner = calloc(m ? m : 1, sizeof **owner);
    *rg = calloc(m ? m : 1, sizeof **rg);
    *count = m;
    if (!*urls || !*ranges || !*owner || !*rg)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < n; i++)
        for (size_t j = 0; j < files[i].num_ranges; j++, k++) {
            const struct fdata_byte_range *r = &files[i].ranges[j];
            (*urls)[k] = files[i].url;
            (*ranges)[k] = (struct fdata_s3_range){r->offset, r->length, files[i].etag,
                                                    files[i].buf + r->offset};
            (*owner)[k] = i;
            (*rg)[k] = files[i].range_rg[j];
            fdata_advise_huge(files[i].buf + r->offset, (size_t)r->length); /* all written */
        }
    return FDATA_OK;
}

int64_t remote_largest_row_group(const struct remote_file *f) {
    int64_t largest = 0, sum = 0;
    for (size_t j = 0; j < f->num_ranges; j++) { /* ranges come row group by row group */
        sum = j > 0 && f->range_rg[j] == f->range_rg[j - 1] ? sum + f->ranges[j].length
                                                            : f->ranges[j].length;
        largest = sum > largest ? sum : largest;
    }
    return largest;
}

int64_t remote_discard_row_groups(struct remote_file *f, int first, int n,
                                  struct fdata_pages *pages) {
    int64_t bytes = 0;
    for (size_t j = 0; j < f->num_ranges; j++) {
        if (f->range_rg[j] < first || f->range_rg[j] >= first + n)
            continue;
        fdata_pages_give(pages, f->buf + f->ranges[j].offset, (size_t)f->ranges[j].length);
        bytes += f->ranges[j].length;
    }
    f->discarded += bytes;
    return bytes;
}

int remote_check_magic(const struct remote_file *f, struct fdata_error *err) {
    return memcmp(f->buf, "PAR1", 4) == 0
               ? FDATA_OK
               : fdata_set_error(err, FDATA_ECORRUPT, "%s: not a Parquet file (no PAR1 at its "
                                 "start)", f->url);
}

void remote_files_free(struct remote_file *files, size_t n) {
    for (size_t i = 0; files && i < n; i++) {
        fdata_parquet_close(files[i].pq);
        free(files[i].ranges);
        free(files[i].range_rg);
        files[i].pq = NULL;
        files[i].ranges = NULL;
        files[i].range_rg = NULL;
    }
}

int fdata_load_open_s3(fdata_s3_client *client, const char *url,
                       const struct fdata_parquet_read_options *ro, fdata_parquet_file **out,
                       int64_t *fetched, struct fdata_error *err) {
    struct remote_file f = {.url = url};
    struct fdata_s3_get_options go = {0};
    const char **urls = NULL;
    struct fdata_s3_range *ranges = NULL;
    size_t *owner = NULL, n = 0;
    int *rg = NULL;
    *out = NULL;
    struct rg_selection sel = {0}; /* ro NULL: no row group, just the leading magic to check */
    int status = remote_open(client, &f, 1, &go, err);
    if (status == FDATA_OK && ro)
        status = rg_select_all(&sel, f.pq, err);
    if (status == FDATA_OK)
        status = remote_plan_ranges(&f, ro, &sel, err);
    if (status == FDATA_OK)
        status = remote_plan(&f, 1, &urls, &ranges, &owner, &rg, &n, err);
    struct fdata_s3_get_result *res = status == FDATA_OK ? calloc(n ? n : 1, sizeof *res) : NULL;
    int64_t *sizes = status == FDATA_OK ? calloc(n ? n : 1, sizeof *sizes) : NULL;
    for (size_t i = 0; sizes && i < n; i++)
        sizes[i] = f.size; /* every range is of the one object */
    if (status == FDATA_OK)
        status = res && sizes ? get_ranges(client, urls, ranges, sizes, n, &go, res, err)
                              : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (status == FDATA_OK && n)
        status = remote_check_magic(&f, err);
    if (fetched)
        *fetched = f.footer_bytes + f.range_bytes;
    if (status == FDATA_OK) {
        *out = f.pq;
        f.pq = NULL;
    }
    remote_files_free(&f, 1);
    rg_selection_free(&sel);
    free(urls), free(ranges), free(owner), free(rg), free(res), free(sizes);
    return status;
}
