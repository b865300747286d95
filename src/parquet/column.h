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

/* A part of a chunk's bytes decoded on its own: the dictionary page, or data pages the page
 * index chose, after which the chunk's output holds rows_end rows (0 after a dictionary; -1:
 * not checked).  Every span must be reached: rows that end the decode early are corrupt. */
struct pq_span {
    size_t offset, length;  /* within pq_chunk_input.data */
    int64_t rows_end;
};

struct pq_chunk_input {
    const struct pq_leaf *leaf;
    const uint8_t *data;   /* the column chunk's bytes (first page header at data[0]) */
    size_t size;
    int64_t file_offset;   /* offset of data[0] in the file, for error messages */
    int codec;
    int64_t num_rows;      /* rows in the row group */
    int64_t num_values;    /* level entries in the chunk (column metadata), for nested leaves */
    struct pq_scratch *scratch; /* working memory of the calling thread */
    /* NULL, or where a leaf pq_leaf_fills (or, decoding spans, a required
     * pq_leaf_fixed_output leaf: a part of a chunk split between workers) writes its
     * num_rows values instead of an array of its own: the decoder writes straight into it
     * (no slack past the last row), nulls as NaN.  With `slab` set too: where a leaf's values (or a plain string leaf's offsets)
     * go, pq_slab_bytes of them, inside that slab (fdata_slab_new), and the chunk becomes
     * an array whose buffer 1 it is (nulls left as they fall). */
    uint8_t *dest;
    void *slab;
    /* NULL, or the spans of data[0..size) to decode, in order, instead of all of it (a leaf
     * outside lists and maps; num_rows is then the rows of those pages): a span's pages must
     * hold the rows the page index says, else the chunk is corrupt. */
    const struct pq_span *spans;
    size_t num_spans;
};

/* True when the leaf's decoded physical values are its Arrow values unchanged. */
int pq_leaf_is_direct(const struct pq_leaf *leaf);
/* True when the leaf is flat and its values are fixed-width Arrow values as stored: a
 * chunk of n rows takes exactly n * width bytes (decodable into a slab). */
int pq_leaf_fixed_direct(const struct pq_leaf *leaf);
/* True when a flat leaf's chunk of n rows becomes exactly n fixed-width Arrow values, as
 * stored or converted in bulk (pq_converts_always): decodable into a slab. */
int pq_leaf_fixed_output(const struct pq_leaf *leaf);
/* The bytes of a row group's slab (see dest) that a chunk of `rows` rows of the leaf takes,
 * 0 when it takes none: a pq_leaf_fixed_output leaf's values, with room past the last row
 * for an optional leaf's levels when its last PLAIN page is decompressed in place, or a flat
 * plain string leaf's offsets (its bytes stay an allocation of their own, grown as pages
 * come). */
size_t pq_slab_bytes(const struct pq_leaf *leaf, size_t rows);
/* Bytes in front of each leaf's share of a slab (its dest starts past them), where the
 * definition levels of its first page decompressed in place may land: the leaf's own, so
 * that no thread writes into a neighbour's values; a multiple of 64 (dest stays aligned). */
#define PQ_SLAB_PORCH ((size_t)64)
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
