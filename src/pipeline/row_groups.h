/* The row groups a load reads of one file: a subset of the file's, in file order.  The
 * loader makes one per file once the footers are read (every row group, less those the
 * filter's statistics rule out); the download plan, the local read accounting, decoding,
 * the matrix's rows and the report follow it.  A selected row group is known by its
 * position in the selection: batch j of the file is row group rg[j]. */
#ifndef FDATA_PIPELINE_ROW_GROUPS_H
#define FDATA_PIPELINE_ROW_GROUPS_H

#include <stdint.h>
#include "fastdata/parquet.h"

struct rg_selection {
    int *rg;                      /* [count]: the file's row group numbers, ascending, once */
    int count;
};

/* Every row group of the file. */
int rg_select_all(struct rg_selection *s, const fdata_parquet_file *pq, struct fdata_error *err);

/* Keeps the positions j with keep[j], in order. */
void rg_select_keep(struct rg_selection *s, const char *keep);

/* The rows of positions [from, from + n). */
int64_t rg_selection_rows(const struct rg_selection *s, const fdata_parquet_file *pq, int from,
                          int n);

/* How many of positions [from, from + n) are consecutive row groups of the file, from
 * `from` on (at least 1 when n > 0): what one read of row groups covers. */
int rg_selection_run(const struct rg_selection *s, int from, int n);

/* fdata_parquet_row_group_ranges of the selected row groups only; (*pos)[k] (free()) is
 * range k's position in the selection. */
int rg_selection_ranges(fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                        const struct rg_selection *s, int64_t merge_gap,
                        struct fdata_byte_range **ranges, int **pos, size_t *count,
                        struct fdata_error *err);

void rg_selection_free(struct rg_selection *s);

#endif
