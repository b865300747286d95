/* Value decoding for one page: each Parquet encoding of each physical type into Arrow
 * buffers, plus the dictionary of a column chunk and per-chunk scratch memory. */
#ifndef FDATA_PQ_VALUES_H
#define FDATA_PQ_VALUES_H

#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "schema.h"

/* Room past the end of every string buffer (and dictionary), so that short values are
 * copied and read as whole 16-byte blocks without a call or a length-dependent loop. */
#define PQ_BYTES_PAD 64

/* Variable-length values: offsets (int32, Arrow layout) and a growing data buffer. */
struct pq_bytes {
    int32_t *offsets;
    uint8_t *data;      /* fdata_aligned_alloc'ed, PQ_BYTES_PAD bytes past cap (or NULL) */
    size_t size, cap;
    size_t expected;    /* 0, or the size the data is expected to reach: when it must grow,
                           it grows to that at once (not doubling, with a copy each time) */
};

struct col_out {
    uint8_t *validity;
    int64_t null_count;
    uint8_t *values;    /* fixed-width values, boolean bits, or int32 offsets */
    struct pq_bytes bytes;
};

struct pq_dictionary {
    int loaded;
    size_t count;
    const uint8_t *values;  /* count fixed-width physical values, not the dictionary's: where
                               its page's body lies (pq_dictionary_load) */
    uint8_t *converted;     /* NULL, or the values as Arrow values (pq_dictionary_convert) */
    struct pq_bytes bytes;  /* BYTE_ARRAY entries (offsets and data fdata_aligned_alloc'ed) */
    int32_t longest;        /* BYTE_ARRAY: the longest entry's length (pq_dictionary_measure) */
    int32_t same_length;    /* BYTE_ARRAY: every entry's length when all have one, else -1 */
};

struct pq_scratch {
    uint8_t *page;      size_t page_cap;
    uint8_t *dict;      size_t dict_cap;   /* a fixed-width dictionary page, decompressed */
    uint8_t *bits;      size_t bits_cap;   /* a flat chunk's validity bitmap as it decodes */
    uint32_t *indices;  size_t indices_cap;
    uint8_t *conv;      size_t conv_cap;
    int32_t *lengths;   size_t lengths_cap;
    int32_t *prefixes;  size_t prefixes_cap;
    int32_t *offsets;   size_t offsets_cap;
    struct pq_bytes bytes;
    struct pq_codecs codecs;
};

struct pq_value_target {
    const struct pq_leaf *leaf;
    const struct pq_dictionary *dict;
    struct pq_scratch *scratch;
    struct fdata_error *err;
};

/* Makes room for `extra` more bytes in b (offsets stay int32: 2 GiB at most). */
int pq_bytes_reserve(struct pq_bytes *b, size_t extra, struct fdata_error *err);

int pq_scratch_page(struct pq_scratch *s, size_t n, struct fdata_error *err);
/* Grows a scratch array to hold n elements of `elem` bytes (contents not kept). */
int pq_scratch_grow(void **p, size_t *cap, size_t n, size_t elem, struct fdata_error *err);
void pq_scratch_free(struct pq_scratch *s);

/* The dictionary of a page's `count` entries at body[0..len): BYTE_ARRAY entries are copied,
 * a fixed-width leaf's values are not (dict->values points at body, which must stay as it
 * is while the dictionary is used: the chunk's bytes, or a worker's pq_scratch.dict that a
 * compressed page was decompressed into). */
int pq_dictionary_load(struct pq_dictionary *dict, const struct pq_leaf *leaf,
                       const uint8_t *body, size_t len, size_t count, struct fdata_error *err);
void pq_dictionary_free(struct pq_dictionary *dict);
/* Notes a BYTE_ARRAY dictionary's entry lengths (the longest, whether all are alike), which
 * its pages' gather relies on to size and copy: pq_dictionary_load does it; call it again
 * after the entries change (pq_utf8_replace). */
void pq_dictionary_measure(struct pq_dictionary *dict);
/* True when every physical value of the leaf has an Arrow value (nothing to check per
 * value): narrow integers, and decimals from INT32, INT64 or a FIXED_LEN_BYTE_ARRAY no wider
 * than Arrow's.  Such columns are converted in bulk, their dictionaries once per chunk. */
int pq_converts_always(const struct pq_leaf *leaf);
/* Converts a loaded dictionary's entries to Arrow values once, when the leaf's values need
 * a conversion that cannot fail (narrow integers, decimals from integers): its pages then
 * gather Arrow values directly. */
int pq_dictionary_convert(struct pq_dictionary *dict, const struct pq_leaf *leaf,
                          struct fdata_error *err);
/* k dictionary indices of a page, checked against the dictionary, into t->scratch->indices. */
int pq_dictionary_indices(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                          size_t k);
/* k dictionary indices of a page (checked against the dictionary) -> the `width`-byte
 * entries they pick from `entries`, densely at dst; with `widen` (width 8) each int64 entry
 * lands as a 16-byte decimal128 (pq_rle_gather), no converted dictionary needed. */
int pq_gather_dictionary(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                         size_t k, const uint8_t *entries, int width, int widen, uint8_t *dst);

/* The BYTE_ARRAY entries that k dictionary indices (each < dict->count) pick, appended to
 * sink: offsets[0] is the sink's current end, offsets[1..k] are written. */
int pq_gather_strings(const struct pq_dictionary *dict, const uint32_t *idx, size_t k,
                      struct pq_bytes *sink, int32_t *offsets, struct fdata_error *err);

/* k dense fixed-width physical values (INT32, INT64, INT96, FLOAT, DOUBLE, FLBA) to dst. */
int pq_decode_fixed(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                    size_t k, uint8_t *dst);
/* k dense BYTE_ARRAY values appended to sink; offsets[0] is the current end, offsets[1..k]
 * are written. */
int pq_decode_bytes(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                    size_t k, struct pq_bytes *sink, int32_t *offsets);
/* k dense booleans, one byte each, into t->scratch->conv. */
int pq_decode_bool(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                   size_t k);
/* Types whose Arrow layout differs from the physical one: decoded densely into scratch,
 * converted into rows pos..pos+n of `values`; `valid` is the validity bitmap (bit = row),
 * NULL when all n rows are valid.  Null slots are zeroed. */
int pq_decode_converted(struct pq_value_target *t, int encoding, const uint8_t *p, size_t len,
                        size_t k, const uint8_t *valid, size_t pos, size_t n, uint8_t *values);

/* Moves k dense values at dst (row pos's slot) to their rows among n, by the validity bits
 * of rows pos..pos+n, zeroing the null slots. */
void pq_spread_fixed(uint8_t *dst, int width, const uint8_t *valid, size_t pos, size_t n,
                     size_t k);
/* The same for offsets: offsets[1..k] hold dense ends; afterwards offsets[1..n]. */
void pq_spread_offsets(int32_t *offsets, const uint8_t *valid, size_t pos, size_t n, size_t k);
/* Sets bits pos.. of a bitmap from dense bytes (one per value); valid may be NULL. */
void pq_place_bools(uint8_t *bits, size_t pos, const uint8_t *dense, const uint8_t *valid,
                    size_t n);

#endif
