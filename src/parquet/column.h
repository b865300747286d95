/* Decoding one column chunk of a flat column into one Arrow array. */
#ifndef FDATA_PQ_COLUMN_H
#define FDATA_PQ_COLUMN_H

#include "fastdata/arrow.h"
#include "schema.h"
#include "values.h"

struct pq_chunk_input {
    const struct pq_leaf *leaf;
    const uint8_t *data;   /* the column chunk's bytes (first page header at data[0]) */
    size_t size;
    int64_t file_offset;   /* offset of data[0] in the file, for error messages */
    int codec;
    int64_t num_rows;      /* rows in the row group */
    struct pq_scratch *scratch; /* working memory of the calling thread */
};

/* Decodes every page of the chunk into *out (released by the caller).  On failure
 * out->release is NULL and err says which page (by file offset) and why. */
int pq_decode_chunk(const struct pq_chunk_input *in, struct ArrowArray *out,
                    struct fdata_error *err);

#endif
