/* Footers fetched while a listing goes on: once a listing has a second page, the S3 files of
 * its pages get their first GETs (remote_fetch: the tail, or the whole object when it is
 * small) on a thread of their own, with an S3 client of its own (a client serves one
 * thread), while the listing's thread asks for the next pages.  Under a filter only the
 * files its partition values may select are fetched, each page pruned as it comes (by the
 * page's own keys: the load prunes again over the whole listing, so a file pruned here that
 * the whole listing's types keep is fetched by the load, never lost).  The load then takes
 * each file's fetched state by its name; files not fetched (a listing of one page) are left
 * to it. */
#ifndef FDATA_PIPELINE_PREFETCH_H
#define FDATA_PIPELINE_PREFETCH_H

#include "fastdata/s3.h"
#include "filter.h"
#include "remote.h"
#include "sources.h"

struct prefetch;

/* A prefetch whose GETs use a client made from `so` (its strings must outlive the
 * prefetch), go's connection settings and `room` (used by the prefetch alone until
 * prefetch_finish). */
int prefetch_new(const struct fdata_s3_options *so, const struct fdata_s3_get_options *go,
                 struct remote_room *room, struct prefetch **out, struct fdata_error *err);

/* From now on the files of a page are fetched only when `filter` (NULL: every file) may
 * select them by their partition values, found by partitions_discover(mode, types) over the
 * page; a page where that fails is left to the load.  The strings must outlive p. */
void prefetch_filter(struct prefetch *p, const struct fdata_filter *filter, int mode,
                     const char *types);

/* A load_files_listed callback (ctx: the prefetch): the S3 files of f->items[from..) are
 * queued for their GETs.  Returns the fetch thread's failure, if any, so that the listing
 * stops at it. */
int prefetch_listed(void *ctx, const struct load_files *f, size_t from, struct fdata_error *err);

/* Waits until every queued file is fetched; the first failure, if any. */
int prefetch_finish(struct prefetch *p, struct fdata_error *err);

/* Moves the fetched state (size, version, buffer, footer bytes, requests) of the file named
 * f->url (the same string) into f; nothing when it was not fetched. */
void prefetch_take(struct prefetch *p, struct remote_file *f);

/* Stops the thread and frees what was not taken; NULL is a no-op. */
void prefetch_free(struct prefetch *p);

#endif
