/* A column chunk's page index (PageIndex.md): its OffsetIndex (where each data page lies and
 * its first row) and ColumnIndex (each page's min, max and nulls), parsed from the bytes the
 * footer points to and checked.  An index that does not hold is no error: it is ignored, the
 * chunk is then read whole and nothing of it is pruned (results stay exact either way). */
#ifndef FDATA_PQ_PAGE_INDEX_H
#define FDATA_PQ_PAGE_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include "metadata.h"

/* Rows [first, first + count) of a row group. */
struct pq_rows {
    int64_t first, count;
};

struct pq_page {
    int64_t offset;      /* of its page header in the file */
    int64_t size;        /* header and body */
    int64_t first_row;   /* in the row group */
    int64_t rows;
    /* From the ColumnIndex (has_stats): */
    int null_page;       /* only nulls: min and max are meaningless */
    int64_t null_count;  /* -1 when unknown */
    const uint8_t *min, *max; /* PLAIN-encoded values (strings: their bytes), in the file */
    uint32_t min_len, max_len;
};

struct pq_chunk_pages {
    int num_pages;       /* 0: no usable index (read the chunk whole) */
    int has_stats;       /* a ColumnIndex that holds */
    struct pq_page *pages;
};

/* The page index of chunk `cc` (a row group of `num_rows` rows whose pages lie in
 * [chunk_start, chunk_end) of the file) from file[0..file_size); the dictionary page, if any,
 * lies before the first data page.  *out (free with pq_chunk_pages_free) has num_pages 0
 * when the chunk has no index or it fails a check: offsets outside the file or the chunk,
 * pages that overlap or go backwards, first rows that do not start at 0 and ascend below
 * num_rows, lists whose lengths disagree, null counts above a page's rows.  FDATA_ENOMEM
 * is the one error. */
int pq_chunk_pages_parse(const uint8_t *file, size_t file_size, const struct pq_column_chunk *cc,
                         int64_t num_rows, int64_t chunk_start, int64_t chunk_end,
                         struct pq_chunk_pages *out, struct fdata_error *err);
void pq_chunk_pages_free(struct pq_chunk_pages *p);

/* The byte span [*start, *end) holding every column and offset index the footer points to
 * within the file (start == end when none). */
void pq_page_index_span(const struct pq_metadata *md, size_t file_size, int64_t *start,
                        int64_t *end);

#endif
