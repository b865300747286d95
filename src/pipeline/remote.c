/* Sparse reads of Parquet objects on S3 (see remote.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fastdata/load.h"
#include "../common/common.h"
#include "../memory/memory.h"
#include "../memory/pages.h"
#include "../parquet/reader.h"
#include "remote.h"

#define TAIL_GUESS ((int64_t)64 << 10) /* holds the footer of all but very wide files */
#define TAIL_MAX ((int64_t)4 << 20)    /* what a footer seen may make the next tails */
#define MERGE_GAP ((int64_t)1 << 20)   /* a smaller hole is cheaper fetched than a request */
/* Across row groups a hole is the bytes of the columns a projection leaves or of the row
 * groups a filter pruned: what the load is there to skip.  So only a hole that costs less
 * than a request even on a fast link is fetched: 64 KiB take 0.5 ms at 1 Gbit/s, less than
 * a GET's own round trip and server time (S3's first byte takes 10-30 ms); pyarrow's
 * pre-buffer fetches holes of 8 KiB (its default, for local disks) and makes ranges of up to
 * 32 MiB.  A merged range stops at a part (remote_plan_ranges): get_many fetches a longer
 * one in parts anyway, so merging on would save no GET and only hold back the decoding of
 * its first row group until its last byte is in. */
#define COALESCE_HOLE ((int64_t)64 << 10)

/* A whole object's buffer released once read waits in the buffer cache for the next object
 * to take it; while the cache holds this much, the objects to come (a load's connections
 * bring a few dozen at once) would not take another, and its pages go back to the kernel. */
#define REUSE_HELD ((size_t)64 << 20)

static void free_buffer(void *p) { fdata_unmap_zeroed(p); }

/* A whole object's buffer is the GET's own (fdata_s3_get_many's memory). */
static void free_whole(void *p) { fdata_s3_data_free(p); }

void remote_drop_buffer(struct remote_file *f) {
    (f->whole ? free_whole : free_buffer)(f->buf);
    f->buf = NULL;
}

/* fdata_s3_get_many of n ranges with the caller's connection settings and on_object (none:
 * results kept); sizes (or NULL) are the objects' sizes the tails told, which every later answer must
 * repeat. */
static int get_ranges(fdata_s3_client *c, const char **urls, const struct fdata_s3_range *ranges,
                      const int64_t *sizes, size_t n, const struct fdata_s3_get_options *go,
                      struct fdata_s3_get_result *res, struct fdata_error *err) {
    struct fdata_s3_get_options o = {.connections = go->connections, .part_size = go->part_size,
                                     .threads = go->threads, .cancel = go->cancel,
                                     .ranges = ranges, .sizes = sizes,
                                     .on_object = go->on_object, .ctx = go->ctx};
    return fdata_s3_get_many(c, urls, n, &o, res, err);
}

/* The object's tail (or the whole object) is in: the buffer is made, the tail put at its end
 * (a whole object's own buffer is kept).  *need is the footer's bytes with its length and
 * magic, which the tail may not all hold. */
static int take_tail(struct remote_file *f, struct fdata_s3_get_result *r, int64_t *need,
                     struct fdata_error *err) {
    f->requests += r->requests;
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
    *need = (int64_t)footer + 8;
    f->footer_bytes = (int64_t)r->size;
    if (r->offset == 0 && r->data) { /* the whole object: its buffer as it came */
        f->buf = r->data;
        f->whole = 1;
        r->data = NULL;
        return FDATA_OK;
    }
    /* mapped: pages never fetched take no memory, and all return to the kernel at once */
    if (!(f->buf = fdata_map_zeroed((size_t)f->size)))
        return fdata_set_error(err, FDATA_ENOMEM, "%s: out of memory for %lld bytes", f->url,
                               (long long)f->size);
    memcpy(f->buf + r->offset, t, r->size);
    return FDATA_OK;
}

int remote_fetch_ranges(fdata_s3_client *c, struct remote_file *files, const size_t *owner,
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
        struct remote_file *f = &files[owner[k]];
        urls[k] = f->url;
        sizes[k] = f->size;
        r[k] = (struct fdata_s3_range){ranges[k].offset, ranges[k].length, f->etag,
                                       f->buf + ranges[k].offset};
    }
    if (status == FDATA_OK) {
        status = get_ranges(c, urls, r, sizes, n, go, res, err);
        for (size_t k = 0; k < n; k++)
            files[owner[k]].requests += res[k].requests;
    }
    free(urls), free(r), free(res), free(sizes); /* data went into the buffers */
    return status;
}

/* Footer bytes before the tail, for the files whose footer is larger than the tail
 * (files[0..n) point into base). */
static int fetch_missing(fdata_s3_client *c, struct remote_file *base, struct remote_file **files,
                         const int64_t *need, size_t n, const struct fdata_s3_get_options *go,
                         struct fdata_error *err) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += need[i] > files[i]->footer_bytes;
    if (m == 0)
        return FDATA_OK;
    size_t *owner = calloc(m, sizeof *owner);
    struct fdata_byte_range *ranges = calloc(m, sizeof *ranges);
    int status = owner && ranges ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; status == FDATA_OK && i < n; i++) {
        struct remote_file *f = files[i];
        int64_t missing = need[i] - f->footer_bytes;
        if (missing <= 0)
            continue;
        owner[k] = (size_t)(f - base);
        ranges[k++] = (struct fdata_byte_range){f->size - f->footer_bytes - missing, missing};
        f->footer_bytes += missing;
    }
    if (status == FDATA_OK)
        status = remote_fetch_ranges(c, base, owner, ranges, m, go, err);
    free(owner), free(ranges);
    return status;
}

/* The largest object fetched whole in one GET: a part (under a projection, at most a hole
 * worth fetching rather than asking for again: the rest of a larger file is mostly bytes the
 * projection leaves). */
static int64_t whole_most(const struct fdata_s3_get_options *go, const struct remote_room *room) {
    int64_t part = go->part_size ? (int64_t)go->part_size : (int64_t)FDATA_S3_PART_SIZE_DEFAULT;
    return room && room->projected && part > MERGE_GAP ? MERGE_GAP : part;
}

/* The GETs of files[i] (the ones with no buffer yet): its whole object when its listed size
 * is at most whole_most and room remains, else its tail; with room->defer a file that would
 * come whole but for the room is left out.  The files planned are put first: their count. */
static size_t plan_first_gets(struct remote_file **files, size_t n,
                              const struct fdata_s3_get_options *go, struct remote_room *room,
                              const char **urls, struct fdata_s3_range *first, int64_t *sizes) {
    int64_t part = whole_most(go, room);
    int64_t tail = room && room->tail > TAIL_GUESS ? room->tail : TAIL_GUESS;
    int64_t guess = room && room->unlisted ? room->unlisted + room->unlisted / 8 : 0;
    guess = guess > tail && guess <= part ? guess : 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t listed = files[i]->listed;
        int small = room && listed >= 12 && listed <= part;
        int whole = small && listed <= room->whole;
        if (small && !whole && room->defer)
            continue;
        /* size unknown: as much as the first file was (the whole object when no larger),
         * while room remains for it */
        int64_t ask = listed <= 0 && guess && guess <= room->whole ? guess : tail;
        files[m] = files[i];
        urls[m] = files[i]->url;
        sizes[m] = listed > 0 ? listed : -1; /* every answer must agree with the listing */
        first[m++] = whole ? (struct fdata_s3_range){0, listed, NULL, NULL}
                           : (struct fdata_s3_range){-ask, 0, NULL, NULL};
        if (whole || ask > tail)
            room->whole -= whole ? listed : ask;
    }
    return m;
}

/* The first file of a load, fetched alone: when it was listed with no size and is small
 * enough to come whole, the others probably are too. */
static void size_unlisted(const struct remote_file *f, const struct fdata_s3_get_options *go,
                          struct remote_room *room) {
    if (f->listed <= 0 && f->size > 0 && f->size <= whole_most(go, room))
        room->unlisted = f->size;
}

static int open_one(struct remote_file *f, struct fdata_error *err);

/* The first file, fetched alone, is opened: the next tails hold its page indexes too when
 * they end within a merge gap of its footer (as pyarrow and parquet-mr write them), and a
 * little more (files vary; a 32nd, since these bytes beyond the indexes are of the last row
 * group's columns, mostly unread, where a footer's slack falls in its indexes). */
static int size_tails_for_indexes(struct remote_file *f, struct remote_room *room,
                                  struct fdata_error *err) {
    FDATA_RETURN_IF(open_one(f, err));
    int64_t start, end, tail = f->size - f->footer_bytes;
    pq_page_index_bytes(f->pq, &start, &end);
    int64_t span = f->size - start;
    if (start < end && start < tail && end >= tail - MERGE_GAP && span + span / 32 <= TAIL_MAX &&
        span + span / 32 > room->tail)
        room->tail = span + span / 32;
    return FDATA_OK;
}

/* remote_fetch's GETs as their answers arrive (on the download threads, each object once). */
struct tails {
    struct remote_file **files;
    int64_t *need;
    struct fdata_error *errors; /* [n]: each file's */
    const struct remote_opener *open;
};

static void on_tail(void *ctx, size_t i, struct fdata_s3_get_result *r) {
    struct tails *t = ctx;
    struct remote_file *f = t->files[i];
    if (take_tail(f, r, &t->need[i], &t->errors[i]) == FDATA_OK && t->open &&
        t->need[i] <= f->footer_bytes && open_one(f, &t->errors[i]) == FDATA_OK &&
        t->open->opened) /* (a failed open drops the buffer) */
        t->open->opened(t->open->ctx, f);
    fdata_s3_data_free(r->data); /* a tail copied into the buffer (a whole object kept: NULL) */
    r->data = NULL;
}

int remote_fetch(fdata_s3_client *c, struct remote_file *all, size_t count,
                 const struct fdata_s3_get_options *go, struct remote_room *room,
                 const struct remote_opener *open, struct fdata_error *err) {
    size_t n = 0, lead = count;
    for (size_t i = count; i-- > 0;) {
        n += !all[i].buf;
        lead = all[i].buf ? lead : i;
    }
    if (n > 1 && room && !room->sized) { /* one file first: its footer sizes the others' tails */
        FDATA_RETURN_IF(remote_fetch(c, all, lead + 1, go, room, NULL, err));
        if (all[lead].buf) { /* (not when it was left for later, without room: the next call's
                                first file sizes them then) */
            room->sized = 1;
            size_unlisted(&all[lead], go, room);
            if (room->indexes)
                FDATA_RETURN_IF(size_tails_for_indexes(&all[lead], room, err));
            n--;
        }
    }
    if (n == 0)
        return FDATA_OK;
    struct remote_file **files = calloc(n, sizeof *files);
    const char **urls = calloc(n, sizeof *urls);
    struct fdata_s3_range *first = calloc(n, sizeof *first);
    struct fdata_s3_get_result *res = calloc(n, sizeof *res);
    int64_t *need = calloc(n, sizeof *need), *sizes = calloc(n, sizeof *sizes);
    struct fdata_error *errors = calloc(n, sizeof *errors);
    int status = files && urls && first && res && need && sizes && errors
                     ? FDATA_OK : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; files && i < count; i++)
        if (!all[i].buf)
            files[k++] = &all[i];
    if (status == FDATA_OK) {
        struct tails t = {files, need, errors, open};
        struct fdata_s3_get_options o = *go;
        o.on_object = on_tail, o.ctx = &t;
        n = plan_first_gets(files, n, go, room, urls, first, sizes);
        size_t wholes = 0;
        for (size_t i = 0; i < n; i++)
            wholes += first[i].offset == 0 && first[i].length > 0;
        /* whole objects are data: as many at once as fill the link, no more (3,000 objects of
         * ~1 MB under a 2 Gbit/s link: 192 at once took 13.7-15.4 s, the client's own 12.4 s,
         * the link's own time 11.5 s; alike on loopback) */
        if (room && room->wholes_at_link && wholes * 2 > n)
            o.connections = 0;
        struct fdata_error whole = {0};
        int got = n ? get_ranges(c, urls, first, sizes, n, &o, res, &whole) : FDATA_OK;
        for (size_t i = 0; status == FDATA_OK && i < n; i++) /* the first file's failure */
            if (errors[i].code != FDATA_OK) {
                status = errors[i].code;
                if (err)
                    *err = errors[i];
            }
        if (status == FDATA_OK && got != FDATA_OK) /* cancelled, or none could start */
            status = err ? (*err = whole).code : got;
        for (size_t i = 0; status == FDATA_OK && i < n; i++)
            if (!files[i]->buf) /* never handed over: not a tail to trust */
                status = fdata_set_error(err, FDATA_EIO, "%s: no answer", files[i]->url);
    }
    if (res)
        fdata_s3_get_results_free(res, n);
    if (status == FDATA_OK)
        status = fetch_missing(c, all, files, need, n, go, err);
    for (size_t i = 0; status == FDATA_OK && room && i < n; i++) /* the next tails hold these */
        if (need[i] + need[i] / 8 > room->tail && need[i] + need[i] / 8 <= TAIL_MAX)
            room->tail = need[i] + need[i] / 8; /* and a little more: footers vary */
    for (size_t i = 0; status != FDATA_OK && files && i < n; i++) /* opened ones stay: the */
        if (files[i]->buf && !files[i]->pq) /* opener may be reading them (the caller closes) */
            remote_drop_buffer(files[i]);
    free(files), free(urls), free(first), free(res), free(need), free(sizes), free(errors);
    return status;
}

/* The file over its buffer (the leading magic put in until the real one is in). */
static int open_one(struct remote_file *f, struct fdata_error *err) {
    if (f->footer_bytes < f->size)
        memcpy(f->buf, "PAR1", 4); /* checked for real once the ranges are in */
    if (fdata_parquet_open_buffer(f->buf, (size_t)f->size, f->url,
                                  f->whole ? free_whole : free_buffer, f->buf, &f->pq,
                                  err) != FDATA_OK) {
        remote_drop_buffer(f); /* a failed open leaves the buffer with us */
        return err ? err->code : FDATA_ECORRUPT;
    }
    return FDATA_OK;
}

int remote_fetch_page_indexes(fdata_s3_client *c, struct remote_file *files, size_t n,
                              const struct fdata_s3_get_options *go, struct fdata_error *err) {
    int64_t *need = calloc(n + 1, sizeof *need);
    struct remote_file **all = calloc(n + 1, sizeof *all);
    if (!need || !all) {
        free(need), free(all);
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int64_t start, end, tail = files[i].size - files[i].footer_bytes;
        all[i] = &files[i];
        pq_page_index_bytes(files[i].pq, &start, &end);
        if (start < end && start < tail && end >= tail - MERGE_GAP)
            need[i] = files[i].size - start; /* the footer's bytes and the indexes before it */
    }
    int status = fetch_missing(c, files, all, need, n, go, err);
    free(need), free(all);
    return status;
}

/* Neighbouring ranges of different row groups become one when the hole between them is at
 * most COALESCE_HOLE and the merged range at most `span` long (the ranges of one row group
 * were merged by their own gap already). */
static void coalesce(struct remote_file *f, int64_t span) {
    size_t kept = 0;
    for (size_t i = 0; i < f->num_ranges; i++) {
        struct fdata_byte_range r = f->ranges[i];
        struct fdata_byte_range *prev = kept ? &f->ranges[kept - 1] : NULL;
        int64_t end = prev ? prev->offset + prev->length : 0;
        if (prev && f->range_rg[i] > f->range_last[kept - 1] && r.offset >= end &&
            r.offset - end <= COALESCE_HOLE && r.offset + r.length - prev->offset <= span) {
            prev->length = r.offset + r.length - prev->offset;
            f->range_last[kept - 1] = f->range_last[i];
            continue;
        }
        f->ranges[kept] = r;
        f->range_rg[kept] = f->range_rg[i];
        f->range_last[kept++] = f->range_last[i];
    }
    f->num_ranges = kept;
}

int remote_plan_ranges(struct remote_file *f, const struct fdata_parquet_read_options *ro,
                       const struct rg_selection *sel, const struct fdata_s3_get_options *go,
                       size_t memory_limit, struct fdata_error *err) {
    /* row group by row group first, so that each can be decoded as soon as its own bytes
     * are in (a range merged across row groups serves them all) */
    FDATA_RETURN_IF(rg_selection_ranges(f->pq, ro, sel, MERGE_GAP, &f->ranges, &f->range_rg,
                                        &f->num_ranges, err));
    if (f->footer_bytes >= f->size) /* the tail was the whole object */
        f->num_ranges = 0;
    else if (f->num_ranges && f->ranges[0].offset <= (sel->rg[0] == 0 ? MERGE_GAP
                                                                           : COALESCE_HOLE)) {
        /* with the first range (past row group 0 the hole is pruned row groups' bytes) */
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
    if (!(f->range_last = malloc((f->num_ranges + 1) * sizeof *f->range_last)))
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    /* the tail is here already: ranges stop where it starts; each serves its own row group */
    int64_t have = f->size - f->footer_bytes;
    size_t kept = 0;
    for (size_t i = 0; i < f->num_ranges; i++) {
        struct fdata_byte_range r = f->ranges[i];
        if (r.offset + r.length > have)
            r.length = have > r.offset ? have - r.offset : 0;
        if (r.length > 0) {
            f->range_last[kept] = f->range_rg[i];
            f->range_rg[kept] = f->range_rg[i];
            f->ranges[kept++] = r;
        }
    }
    f->num_ranges = kept;
    int64_t span = go->part_size ? (int64_t)go->part_size : (int64_t)FDATA_S3_PART_SIZE_DEFAULT;
    if (memory_limit && (int64_t)(memory_limit / 4) < span) /* several in flight, in budget */
        span = (int64_t)(memory_limit / 4);
    coalesce(f, span);
    for (size_t i = 0; i < f->num_ranges; i++)
        f->range_bytes += f->ranges[i].length;
    return FDATA_OK;
}

struct open_job {
    struct remote_file *files;
    struct fdata_error *errors;   /* [n]: each file's */
};

static int open_task(void *ctx, size_t i, int worker) {
    (void)worker;
    struct open_job *job = ctx;
    return job->files[i].pq ? FDATA_OK : open_one(&job->files[i], &job->errors[i]);
}

int remote_open_fetched(struct remote_file *files, size_t n, struct fdata_runtime *rt,
                        int threads, struct fdata_error *err) {
    struct open_job job = {files, calloc(n + 1, sizeof *job.errors)};
    int status = job.errors ? fdata_parallel_for(rt, n, fdata_thread_count(threads), open_task,
                                                 &job)
                            : fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    if (job.errors) /* the first file's failure, as in file order */
        status = fdata_first_error(status, job.errors, n, err);
    for (size_t i = 0; status != FDATA_OK && i < n; i++)
        if (!files[i].pq && files[i].buf) /* not handed to an open file: still ours */
            remote_drop_buffer(&files[i]);
    free(job.errors);
    return status;
}

int remote_open(fdata_s3_client *c, struct remote_file *files, size_t n,
                const struct fdata_s3_get_options *go, struct fdata_error *err) {
    FDATA_RETURN_IF(remote_fetch(c, files, n, go, NULL, NULL, err));
    return remote_open_fetched(files, n, NULL, 1, err);
}

int remote_plan(const struct remote_file *files, size_t n, const char ***urls,
                struct fdata_s3_range **ranges, size_t **owner, int **rg, int **last,
                size_t *count, struct fdata_error *err) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += files[i].num_ranges;
    *urls = calloc(m ? m : 1, sizeof **urls);
    *ranges = calloc(m ? m : 1, sizeof **ranges);
    *owner = calloc(m ? m : 1, sizeof **owner);
    *rg = calloc(m ? m : 1, sizeof **rg);
    *last = calloc(m ? m : 1, sizeof **last);
    *count = m;
    if (!*urls || !*ranges || !*owner || !*rg || !*last)
        return fdata_set_error(err, FDATA_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < n; i++)
        for (size_t j = 0; j < files[i].num_ranges; j++, k++) {
            const struct fdata_byte_range *r = &files[i].ranges[j];
            (*urls)[k] = files[i].url;
            (*ranges)[k] = (struct fdata_s3_range){r->offset, r->length, files[i].etag,
                                                    files[i].buf + r->offset};
            (*owner)[k] = i;
            (*rg)[k] = files[i].range_rg[j];
            (*last)[k] = files[i].range_last[j];
            fdata_advise_huge(files[i].buf + r->offset, (size_t)r->length); /* all written */
        }
    return FDATA_OK;
}

int64_t remote_largest_row_group(const struct remote_file *f) {
    /* the ranges serving range hi's first row group are [lo, hi] (and those after hi with
     * the same first): first and last both ascend */
    int64_t largest = 0, sum = 0;
    for (size_t lo = 0, hi = 0; hi < f->num_ranges; hi++) {
        sum += f->ranges[hi].length;
        for (; f->range_last[lo] < f->range_rg[hi]; lo++)
            sum -= f->ranges[lo].length;
        largest = sum > largest ? sum : largest;
    }
    return largest;
}

int64_t remote_discard_row_groups(struct remote_file *f, int first, int n,
                                  struct fdata_pages *pages, struct fdata_memory *memory) {
    int64_t bytes = 0;
    for (size_t j = 0; j < f->num_ranges; j++) {
        if (f->range_last[j] < first || f->range_last[j] >= first + n)
            continue;
        fdata_pages_release(f->buf + f->ranges[j].offset, (size_t)f->ranges[j].length, pages,
                            memory);
        bytes += f->ranges[j].length;
    }
    f->discarded += bytes;
    return bytes;
}

int64_t remote_held_bytes(const struct remote_file *f) {
    return (f->whole ? f->size : f->range_bytes) - f->discarded;
}

void remote_release_whole(struct remote_file *f, int64_t footer_size, struct remote_room *room) {
    int64_t data = f->size - footer_size - 4096; /* from the page past the magic's */
    if (!f->whole || !f->buf || f->discarded || data <= 0)
        return;
    /* The buffer goes whole, its footer copied out, to the process's cache of released
     * buffers: the next objects' buffers take its pages instead of fresh ones the kernel must
     * zero (a ~1 MB object's buffer spans no whole 2 MiB block to move).  While the cache
     * holds enough for the objects to come, or failing that, its pages but the footer's go
     * back to the kernel at once. */
    if (fdata_buffers_held() >= REUSE_HELD || pq_file_drop_bytes(f->pq) != FDATA_OK)
        fdata_discard(f->buf + 4096, (size_t)data); /* whole pages inside: rounded in */
    f->discarded = data;
    room->whole += data;
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
        if (!files[i].pq && files[i].buf) /* fetched, never opened */
            remote_drop_buffer(&files[i]);
        files[i].buf = NULL;
        free(files[i].ranges);
        free(files[i].range_rg);
        free(files[i].range_last);
        files[i].pq = NULL;
        files[i].ranges = NULL;
        files[i].range_rg = NULL;
        files[i].range_last = NULL;
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
    int *rg = NULL, *last = NULL;
    *out = NULL;
    struct rg_selection sel = {0}; /* ro NULL: no row group, just the leading magic to check */
    int status = remote_open(client, &f, 1, &go, err);
    if (status == FDATA_OK && ro)
        status = rg_select_all(&sel, f.pq, err);
    if (status == FDATA_OK)
        status = remote_plan_ranges(&f, ro, &sel, &go, 0, err);
    if (status == FDATA_OK)
        status = remote_plan(&f, 1, &urls, &ranges, &owner, &rg, &last, &n, err);
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
        f.buf = NULL; /* the open file's */
    }
    remote_files_free(&f, 1);
    rg_selection_free(&sel);
    free(urls), free(ranges), free(owner), free(rg), free(last), free(res), free(sizes);
    return status;
}
