/* Prefiltering: under a filter on the files' columns, a row group read whole is first read in
 * the filter's columns alone and judged, so that its other columns are read only where it
 * selects few rows (the pages holding them, pq_read_row_group_rows), or not at all when it
 * selects none.  The loader still filters the batch it then reads (filter_rows): a row is kept
 * by the table's rule alone, this only spares reading rows it would drop. */
#ifndef FDATA_PIPELINE_PREFILTER_H
#define FDATA_PIPELINE_PREFILTER_H

#include "fastdata/parquet.h"
#include "../parquet/page_index.h"
#include "drift.h"
#include "filter.h"

/* Prefiltering stops for the rest of a file at its first row group where more than one row
 * in PREFILTER_FEW is selected: reading only those rows would read every page anyway. */
#define PREFILTER_FEW 256
/* A load stops prefiltering after it stopped in this many files in a row. */
#define PREFILTER_MISSES 4

struct prefilter {
    int state;                   /* 0: not opened, 1: on, -1: off for this file */
    struct drift_file cols;      /* the filter's columns the file has, and their schema */
};

/* Opens p for file `file` (pq, read with `ro`, whose projection reads `n_read` columns):
 * the filter's columns (f, not partition keys) that the file has; off when there are none
 * or they are all the columns read.  FDATA_ENOMEM, or the reader's error. */
int prefilter_open(struct prefilter *p, const struct fdata_filter *f, const struct partitions *parts,
                   fdata_parquet_file *pq, const struct fdata_parquet_read_options *ro,
                   size_t n_read, struct fdata_error *err);

/* The rows of row group rg to read: *rows (free()) gets *n sorted, disjoint ranges, the rows
 * f selects (none: *n 0); or *whole set: read the whole row group (p is off from then on).
 * `file` indexes the partitions.  The reader's error, FDATA_ENOMEM. */
int prefilter_rows(struct prefilter *p, const struct fdata_filter *f,
                   const struct partitions *parts, size_t file, fdata_parquet_file *pq, int rg,
                   const struct fdata_parquet_read_options *ro, struct pq_rows **rows, size_t *n,
                   int *whole, struct fdata_error *err);

void prefilter_free(struct prefilter *p);

#endif
