/* Page-index pruning: the rows of a row group a filter may select, told by the page indexes
 * (ColumnIndex min, max and nulls per page) of the filter's columns. */
#ifndef FDATA_PIPELINE_PAGE_PRUNE_H
#define FDATA_PIPELINE_PAGE_PRUNE_H

#include "fastdata/parquet.h"
#include "../parquet/reader.h"
#include "filter.h"

/* The row ranges of row group rg->rg of file `file` (open as rg->pq, its index bytes in)
 * that f may select: the rows are cut where any filter column's page starts, and a run of
 * rows is kept unless filter_may_select, over the statistics of its columns' pages there
 * (pq_page_stats), says no row can match (a column without a usable index allows anything;
 * rg->column_stats and its bloom filters are not used).  *rows (free()) gets *n sorted, disjoint ranges, merged
 * where they touch; n 0: no row can match.  FDATA_ENOMEM, or a chunk outside the file. */
int prune_pages(const struct fdata_filter *f, const struct partitions *p, size_t file,
                const struct stats_source *rg, struct pq_rows **rows, size_t *n,
                struct fdata_error *err);

#endif
