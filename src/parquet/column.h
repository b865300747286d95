/* Decoding one column chunk of a flat column into one Arrow array. */
#ifndef FDATA_PQ_COLUMN_H
#define FDATA_PQ_COLUMN_H

#include "fastdata/arrow.h"
#include "../memory/memory.h"
#include "schema.h"
#include "values.h"

/* The repetition and definition level of every entry of a nested leaf's chunk, kept for
 * assembling the lists, maps and structs above it. */
struct pq_levels {
    uint8_t *def, *rep;
    size_t count, cap;
};

void pq_levels_free(struct pq_levels *lv);

struct pq_chunk_input {
    const struct pq_leaf *leaf;
    const uint8_t *data;   /* the column chunk's bytes (first page header at data[0]) */
    size_t size;
    int64_t file_offset;   /* offset of data[0] in the file, for error messages */
    int codec;
    int64_t num_rows;      /* rows in the row group */
    int64_t num_values;    /* level entries in the chunk (column metadata), for nested leaves */
    struct pq_scratch *scratch; /* working memory of the calling thread */
    /* NULL, or where a leaf pq_leaf_fills writes its num_rows values instead of an array of
     * its own: the decoder writes straight into it (no slack past the last row), nulls as
     * NaN.  With `slab` set too: where a pq_leaf_fixed_output leaf's values go, with
     * pq_slab_slack bytes of room past the last row, inside that slab (fdata_slab_new),
     * and the chunk becomes an array whose values buffer it is (nulls left as they fall). */
    uint8_t *dest;
    void *slab;
};

/* True when the leaf's decoded physical values are its Arrow values unchanged. */
int pq_leaf_is_direct(const struct pq_leaf *leaf);
/* True when the leaf is flat and its values are fixed-width Arrow values as stored: a
 * chunk of n rows takes exactly n * width bytes (decodable into a slab). */
int pq_leaf_fixed_direct(const struct pq_leaf *leaf);
/* True when a flat leaf's chunk of n rows becomes exactly n fixed-width Arrow values, as
 * stored or converted in bulk (pq_converts_always): decodable into a slab. */
int pq_leaf_fixed_output(const struct pq_leaf *leaf);
/* Bytes past a slab chunk's last row that its decoder may write into (see dest): room for
 * the definition levels in front of an optional leaf's last PLAIN page, so that it too is
 * decompressed in place (a required leaf's pages hold just their values). */
size_t pq_slab_slack(const struct pq_leaf *leaf);
/* True when the leaf can be decoded into a caller's buffer of `width`-byte floats
 * (pq_chunk_input.dest): a flat float32 (width 4) or float64 (width 8) leaf stored as such. */
int pq_leaf_fills(const struct pq_leaf *leaf, size_t width);

/* Decodes every page of the chunk into *out (released by the caller), or into in->dest
 * (then out->release stays NULL, unless in->slab): for a flat leaf one
 * value per row; for a nested leaf one value per slot (see schema.h), with every entry's
 * levels stored in *levels (freed by the caller with pq_levels_free; may be NULL for flat
 * leaves).  On failure out->release is NULL, levels hold nothing, and err says which page
 * (by file offset) and why. */
int pq_decode_chunk(const struct pq_chunk_input *in, struct ArrowArray *out,
                    struct pq_levels *levels, struct fdata_error *err);

#endif
