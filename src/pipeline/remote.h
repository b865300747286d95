/* Parquet objects read sparsely from S3: one suffix GET per object for the footer (a second
 * only when the footer is larger), then just the byte ranges a projection needs, written
 * into a buffer of the object's size whose other pages are never touched (so never take
 * memory).  An object listed at most a part long comes whole in its one GET instead: footer
 * and data at once, nothing more to fetch. */
#ifndef FDATA_PIPELINE_REMOTE_H
#define FDATA_PIPELINE_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/parquet.h"
#include "fastdata/s3.h"
#include "../memory/pages.h"
#include "row_groups.h"

struct fdata_memory;

struct remote_file {
    const char *url;              /* the caller's string */
    int64_t size;                 /* the object's */
    char etag[128];               /* the version every later range is pinned to */
    uint8_t *buf;                 /* size bytes, zeroed; the open file owns it (and may
                                     release it early: remote_release_whole, after which
                                     discarded > 0 and buf only says "fetched": never read
                                     through it then) */
    fdata_parquet_file *pq;
    struct fdata_byte_range *ranges; /* what the projection needs of the selected row groups
                                        (the leading magic too), in file order, near ones
                                        merged even across row groups (remote_plan_ranges) */
    int *range_rg;                /* the first selected row group (its position in the
                                     selection) each range serves (the magic: 0) */
    int *range_last;              /* and the last: range k serves [range_rg[k], range_last[k]] */
    size_t num_ranges;
    int64_t range_bytes, footer_bytes;
    int64_t discarded;            /* range bytes given back after their row groups decoded
                                     (a whole object's read ahead: all but its footer) */
    int64_t listed;               /* its size as listed, > 0 when known (a claim: every
                                     answer must agree with it) */
    int whole;                    /* buf is the whole object, as its one GET brought it */
    int requests;                 /* GETs of its footer and page indexes (data ranges are the
                                     caller's) */
};

/* What remote_fetch may take, across its calls in one load. */
struct remote_room {
    _Atomic int64_t whole;        /* bytes that whole objects may still take (a reader of
                                     whole objects gives back those it has done with) */
    int defer;                    /* a small file finding no room is left unfetched, for a
                                     later call once room is given back (else its tail) */
    int64_t tail;                 /* the tails' size: grows to hold the largest footer seen
                                     and an eighth more (to 4 MiB); at least 64 KiB */
    int projected;                /* some columns only, or a filter (it may prune row groups
                                     and pages): whole objects up to 1 MiB, not a part */
    int sized;                    /* a first file fetched alone has sized the tails */
    int64_t unlisted;             /* the first file, listed with no size (URLs given), was
                                     small enough to come whole: the others' first GETs ask
                                     for that much and an eighth from their end (whole
                                     objects when they are no larger); 0: not so */
    int indexes;                  /* the load prunes by page indexes: the first file sizes the
                                     tails to hold its indexes too (when they lie just before
                                     its footer), so the others need no GET for theirs */
    int wholes_at_link;           /* the caller chose no connection count: when most first
                                     GETs bring whole objects, they go on the client's own
                                     (sized to the link), not go's (many, for tails' latency) */
};

/* Fetches the footers of the files of files[0..n) that have no buffer yet, in parallel: one
 * GET each (a second for a footer longer than the tail; the first file of a load goes alone,
 * so that its footer sizes the others' tails), the whole object when it is listed
 * at most a part long (1 MiB when room->projected) and room->whole holds it (room NULL:
 * tails only; with room->defer such a file left without a buffer instead of its tail).  With `open`, a file whose tail holds its whole footer is opened (f->pq) as
 * soon as its answer is in, on the download thread that took it (wide footers take
 * milliseconds each to parse, now while the other tails arrive), and then handed to
 * open->opened when not NULL (it must not block for long).  On failure the buffers of this
 * call not opened are freed (open files stay open, for the caller's remote_files_free: the
 * opener may still be reading them); the error names the object (the first failed file in
 * order). */
struct remote_opener {
    void (*opened)(void *ctx, struct remote_file *f);
    void *ctx;
};
int remote_fetch(fdata_s3_client *c, struct remote_file *files, size_t n,
                 const struct fdata_s3_get_options *go, struct remote_room *room,
                 const struct remote_opener *open, struct fdata_error *err);

/* Opens each fetched file not open yet over its buffer (bytes outside the footer and the
 * ranges read as zeros; remote_plan_ranges says which ranges to fetch), `threads` (0: a
 * core each) of rt's workers parsing footers at once (NULL: the default runtime).  On
 * failure the error is the first failed file's. */
int remote_open_fetched(struct remote_file *files, size_t n, struct fdata_runtime *rt,
                        int threads, struct fdata_error *err);

/* remote_fetch (tails only), then remote_open_fetched. */
int remote_open(fdata_s3_client *c, struct remote_file *files, size_t n,
                const struct fdata_s3_get_options *go, struct fdata_error *err);

/* The page indexes of open files[0..n), for pruning by pages: one GET per file for the bytes
 * from its first index to its tail, when they end within a merge gap of the tail (as pyarrow
 * and parquet-mr write them); they then count as footer bytes.  A file whose indexes lie
 * elsewhere fetches nothing (its index bytes read as zeros: no index holds, nothing is
 * pruned by its pages). */
int remote_fetch_page_indexes(fdata_s3_client *c, struct remote_file *files, size_t n,
                              const struct fdata_s3_get_options *go, struct fdata_error *err);

/* Fetches byte ranges of open files into their buffers, in parallel, pinned to the version
 * their footers came from: ranges[k] of files[owner[k]] (each within its object); their
 * GETs are added to the files' requests. */
int remote_fetch_ranges(fdata_s3_client *c, struct remote_file *files, const size_t *owner,
                        const struct fdata_byte_range *ranges, size_t n,
                        const struct fdata_s3_get_options *go, struct fdata_error *err);

/* The ranges of an open file to fetch: the chunks `ro` projects of the row groups `sel`
 * selects (none: the leading magic alone), and the leading magic.  Neighbours whose hole is
 * small become one GET, also across row groups, up to a part (go->part_size) and a quarter of
 * `memory_limit` (0: none; the load's or its runtime's shared cap, the smaller: a load may pass
 * the shared cap by one range, which must stay within a row group's slack); a larger range of
 * one row group is left as it is. */
int remote_plan_ranges(struct remote_file *f, const struct fdata_parquet_read_options *ro,
                       const struct rg_selection *sel, const struct fdata_s3_get_options *go,
                       size_t memory_limit, struct fdata_error *err);

/* The range requests of every file as fdata_s3_get_many arguments (each written straight
 * into its file's buffer, pinned to its ETag); owner[k] is request k's file and it serves
 * the selected row groups (their positions) rg[k] to last[k].  Arrays are malloc'ed (free
 * each). */
int remote_plan(const struct remote_file *files, size_t n, const char ***urls,
                struct fdata_s3_range **ranges, size_t **owner, int **rg, int **last,
                size_t *count, struct fdata_error *err);

/* The bytes of the row group whose ranges (with those it shares with its neighbours) hold the
 * most: what must be in memory at once to decode it. */
int64_t remote_largest_row_group(const struct remote_file *f);

/* Once selected row groups [first, first + n) are decoded (those before them too), nothing
 * reads the ranges whose last row group is among them again: their pages go to `pages` (see
 * memory/pages.h), what it has no room for to `memory`'s page cache (fdata_pages_release).
 * Returns the bytes of those ranges (for the caller's memory budget). */
int64_t remote_discard_row_groups(struct remote_file *f, int first, int n,
                                  struct fdata_pages *pages, struct fdata_memory *memory);

/* A whole object all of whose row groups are decoded (read ahead): its buffer is released
 * for the next objects' buffers (pq_file_drop_bytes: buf is then gone, the open file keeping
 * a copy of its footer) while the buffer cache holds little; else its bytes but the first page
 * (the magic) and the footer (`footer_size`) go back to the kernel.  Either way its bytes but
 * those go to room->whole.  Nothing for any other file. */
void remote_release_whole(struct remote_file *f, int64_t footer_size, struct remote_room *room);

/* Once a file's ranges are in: its leading magic is checked (it was not there at open). */
int remote_check_magic(const struct remote_file *f, struct fdata_error *err);

/* The downloaded bytes f holds for the memory budget: its ranges, or its whole object, not
 * yet given back. */
int64_t remote_held_bytes(const struct remote_file *f);

/* Frees f's buffer (not handed to an open file, or its open failed). */
void remote_drop_buffer(struct remote_file *f);

/* Closes the files (their buffers go with the last user; a buffer never opened is freed) and
 * frees the range lists.  A file closed before must have buf NULL. */
void remote_files_free(struct remote_file *files, size_t n);

#endif
