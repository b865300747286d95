/* Value encodings for the writer: the RLE / bit-packing hybrid (levels, dictionary indices),
 * and a dictionary of distinct values.  Spec: Parquet Encodings.md. */
#ifndef FDATA_PQ_ENCODE_H
#define FDATA_PQ_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include "../common/strbuf.h"

/* Appends n values of `bit_width` bits (1..32) in the hybrid encoding: runs of 8 or more
 * equal values as RLE runs, the rest bit-packed in groups of 8. */
void pq_rle_encode(struct fdata_strbuf *out, const uint32_t *values, size_t n, int bit_width);

/* DELTA_BINARY_PACKED of n values (blocks of 128 in 4 miniblocks), deltas wrapping in
 * `bits` (32 or 64) as the column's type does. */
void pq_delta_encode(struct fdata_strbuf *out, const int64_t *values, size_t n, int bits);
/* DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (front coding) of n byte strings. */
void pq_delta_length_encode(struct fdata_strbuf *out, const uint8_t *const *ptrs,
                            const uint32_t *lens, size_t n);
void pq_delta_byte_array_encode(struct fdata_strbuf *out, const uint8_t *const *ptrs,
                                const uint32_t *lens, size_t n);
/* BYTE_STREAM_SPLIT of n values of `width` bytes. */
void pq_byte_stream_split(struct fdata_strbuf *out, const uint8_t *values, size_t n, int width);

/* Bits needed for values 0..max. */
int pq_bit_width(uint32_t max);

/* A dictionary of distinct byte strings (fixed-width values are strings of their width):
 * index per value, in first-seen order. */
struct pq_dict {
    const uint8_t **values;      /* distinct values, pointing into the caller's data */
    uint32_t *lengths;
    size_t count, bytes;         /* distinct values, and their PLAIN size */
    uint32_t *slots;             /* hash table: index + 1, 0 = empty */
    size_t capacity;             /* slots, a power of two */
    size_t limit;                /* stop growing past this PLAIN size */
    int fixed;                   /* value width when fixed (PLAIN has no length prefix) */
};

/* Looks up (or adds) a value; returns its index, or -1 when the dictionary would pass its
 * limit or memory runs out (the caller then writes PLAIN). */
long pq_dict_add(struct pq_dict *d, const uint8_t *value, uint32_t len);
void pq_dict_free(struct pq_dict *d);

#endif
