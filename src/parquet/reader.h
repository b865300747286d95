/* The reader's entry for the load pipeline (not exported). */
#ifndef FDATA_PQ_READER_H
#define FDATA_PQ_READER_H

#include "fastdata/parquet.h"
#include "../memory/pages.h"
#include "page_index.h"

/* Whether a and b give one Arrow schema (and projection) for any read options: their footers
 * state one schema (they share it parsed, pq_schema_get) and no list's length in either
 * makes its type depend on the file (large_list).  So a load works a projection out once for
 * a lake's files written alike. */
int pq_file_same_schema(const fdata_parquet_file *a, const fdata_parquet_file *b);
/* Every row group f will ever read has been read (its arrays own their memory) and no
 * stream is open on it: the bytes it was opened on are released now (their release callback,
 * fdata_parquet_open_buffer), its footer kept (copied out of them, pq_metadata_own_bytes).
 * A read of it afterwards fails (FDATA_EINVAL).  FDATA_EINVAL when f has no such callback
 * (a mapped file, or bytes the caller keeps) or a stream holds it, FDATA_ENOMEM when the
 * copy cannot be made: then nothing changed.  Not while another thread uses f. */
int pq_file_drop_bytes(fdata_parquet_file *f);
/* Whether f may share its projection at all: no list of it is read as a large_list. */
int pq_file_schema_shareable(const fdata_parquet_file *f);

/* fdata_parquet_read_row_groups, with the pages of large row groups' value slabs taken from
 * `pages` while it has any (NULL: fresh pages): the pipeline gives it the pages of the
 * compressed bytes it has decoded. */
int pq_read_row_groups(fdata_parquet_file *f, int first, int count,
                       const struct fdata_parquet_read_options *o, struct fdata_pages *pages,
                       struct ArrowArray *out, struct fdata_error *err);

/* The selected rows of row group rg (sel[0..nsel): sorted, disjoint, non-empty ranges within
 * it) as one record batch of exactly those rows, as fdata_parquet_read_row_groups would give
 * them.  A leaf of a field without lists or maps (a flat column, a struct's fields) whose
 * chunk has a page index that holds (page_index.h) is decoded from its dictionary page and
 * the data pages that hold selected rows only, each page's rows checked against the index,
 * then cut to the selected rows; other leaves (in a list or map, no index) are decoded whole
 * and their field cut after assembly.  FDATA_EINVAL for a bad selection,
 * FDATA_EUNSUPPORTED with a matrix; else as
 * fdata_parquet_read_row_groups. */
int pq_read_row_group_rows(fdata_parquet_file *f, int rg, const struct pq_rows *sel, size_t nsel,
                           const struct fdata_parquet_read_options *o, struct ArrowArray *out,
                           struct fdata_error *err);

/* The byte ranges pq_read_row_group_rows reads (sorted, merged within merge_gap): each
 * projected column's dictionary and chosen pages, or its whole chunk.  *ranges (free()).
 * *pages_skipped (may be NULL) gets the data pages of those columns not chosen.  An empty
 * selection (nsel 0) reads nothing of the chunks that have an index.  Errors as
 * fdata_parquet_read_ranges, and FDATA_EINVAL for a bad selection. */
int pq_row_group_rows_ranges(fdata_parquet_file *f, const struct fdata_parquet_read_options *o,
                             int rg, const struct pq_rows *sel, size_t nsel, int64_t merge_gap,
                             struct fdata_byte_range **ranges, size_t *count,
                             int64_t *pages_skipped, struct fdata_error *err);

/* The span [*start, *end) of the file holding its page indexes (start == end: none): what a
 * caller holding the footer fetches before pq_column_pages and the selection's ranges. */
void pq_page_index_bytes(const fdata_parquet_file *f, int64_t *start, int64_t *end);

/* The pages of a column's chunk in row group rg, from its page index: a top-level flat column
 * or a path through structs to a leaf (one level entry a row), as pq_column_leaf finds it. */
struct pq_column_pages {
    struct pq_chunk_pages pages; /* num_pages 0: no index (or none that holds, or no such
                                    column); its pages' statistics as pq_page_stats (stats.h)
                                    reads them */
};

/* Fills *out (free out->pages with pq_chunk_pages_free).  FDATA_ENOMEM, or FDATA_ECORRUPT
 * for a chunk outside the file. */
int pq_column_pages(fdata_parquet_file *f, int rg, const char *column,
                    struct pq_column_pages *out, struct fdata_error *err);

#endif
