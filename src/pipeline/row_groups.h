/* The row groups a load reads of one file: a subset of the file's, in file order.  The
 * loader makes one per file once the footers are read (every row group, less those the
 * filter's statistics rule out); the download plan, the local read accounting, decoding,
 * the matrix's rows and the report follow it.  A selected row group is known by its
 * position in the selection: batch j of the file is row group rg[j]. */
#ifndef FDATA_PIPELINE_ROW_GROUPS_H
#define FDATA_PIPELINE_ROW_GROUPS_H

#include <stdint.h>
#include "fastdata/parquet.h"
#include "../parquet/page_index.h"

struct rg_selection {
    int *rg;                      /* [count]: the file's row group numbers, ascending, once */
    int count;
    /* NULL, or [count]: the rows position j reads (page-index pruning), NULL for all of
     * them; rows[j] holds nrows[j] ranges (pq_read_row_group_rows's selection) */
    struct pq_rows **rows;
    size_t *nrows;
};

/* Every row group of the file. */
int rg_select_all(struct rg_selection *s, const fdata_parquet_file *pq, struct fdata_error *err);

/* Keeps the positions j with keep[j], in order. */
void rg_select_keep(struct rg_selection *s, const char *keep);

/* Position j reads rows[0..n) of its row group only; the selection takes `rows` (malloc'ed)
 * even on failure (FDATA_ENOMEM). */
int rg_select_rows(struct rg_selection *s, int j, struct pq_rows *rows, size_t n,
                   struct fdata_error *err);

/* The rows of positions [from, from + n) (their row groups' rows, or the rows selected). */
int64_t rg_selection_rows(const struct rg_selection *s, const fdata_parquet_file *pq, int from,
                          int n);

/* How many of positions [from, from + n) are consecutive row groups of the file read whole,
 * from `from` on (1 when `from` reads a row selection; at least 1 when n > 0): what one read
 * of row groups covers. */
int rg_selection_run(const struct rg_selection *s, int from, int n);

/* fdata_parquet_row_group_ranges of the selected row groups only (a row selection's: the
 * ranges pq_row_group_rows_ranges gives); (*pos)[k] (free()) is range k's position in the
 * selection. */
int rg_selection_ranges(fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                        const struct rg_selection *s, int64_t merge_gap,
                        struct fdata_byte_range **ranges, int **pos, size_t *count,
                        struct fdata_error *err);

void rg_selection_free(struct rg_selection *s);

#endif
