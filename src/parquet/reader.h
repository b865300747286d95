/* The reader's entry for the load pipeline (not exported). */
#ifndef FDATA_PQ_READER_H
#define FDATA_PQ_READER_H

#include "fastdata/parquet.h"
#include "../memory/pages.h"

/* fdata_parquet_read_row_groups, with the pages of large row groups' value slabs taken from
 * `pages` while it has any (NULL: fresh pages): the pipeline gives it the pages of the
 * compressed bytes it has decoded. */
int pq_read_row_groups(fdata_parquet_file *f, int first, int count,
                       const struct fdata_parquet_read_options *o, struct fdata_pages *pages,
                       struct ArrowArray *out, struct fdata_error *err);

#endif
