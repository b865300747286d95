/* Shards (fastdata/plan.h): the planner's balancing over the opened files' footers, a
 * shard's JSON form, and the checks a shard's load makes of the files it opened. */
#ifndef FDATA_PIPELINE_SHARD_H
#define FDATA_PIPELINE_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/plan.h"
#include "partitions.h"
#include "row_groups.h"
#include "sources.h"

#define SHARD_DEFAULT_BYTES ((uint64_t)128 << 20) /* fdata_plan's shard_bytes = 0 */

/* One opened file of a load: its listing entry, footer and projection (NULL: every column). */
struct shard_view {
    const struct load_file *file;
    fdata_parquet_file *pq;
    const char *const *columns;
    size_t num_columns;
};

/* The shards of files[0..n) (in load order) of about `target` projected compressed bytes,
 * into out->shards (and its totals); the partition types from `parts`. */
int shard_plan(const struct shard_view *files, size_t n, const struct partitions *parts,
               const struct fdata_parquet_read_options *ro, uint64_t target,
               struct fdata_plan *out, struct fdata_error *err);

/* out->bounds and bound_kind (fdata_plan_sorted) of top-level column `column` over the
 * shards planned from files[0..n); left NULL when the statistics do not prove the order. */
int shard_sort_bounds(const struct shard_view *files, size_t n, const char *column,
                      int invalid_utf8, struct fdata_plan *out, struct fdata_error *err);

/* Frees bounds[0..n) and the array (NULL: a no-op). */
void shard_bounds_free(struct fdata_shard_bounds *bounds, size_t n);

/* The shard's files as a load's file list (the listing a shard's load starts from). */
int shard_files(const struct fdata_shard *s, struct load_files *out, struct fdata_error *err);

/* The files a shard's load opened (files[i] is s->files[i]) are as planned: the same size,
 * and row groups that exist with the rows planned.  FDATA_EINVAL naming the file. */
int shard_check(const struct fdata_shard *s, const struct shard_view *files, size_t n,
                struct fdata_error *err);

/* File i's selection (every row group) narrowed to the shard's run of them. */
int shard_select(const struct fdata_shard *s, size_t i, struct rg_selection *sel,
                 struct fdata_error *err);

#endif
