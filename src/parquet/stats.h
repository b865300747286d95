/* Statistics of a row group's column chunk (footer) or of one of its pages (page index), as
 * far as the Parquet spec lets a reader trust them (for pruning; not exported).  Everything is a claim of the file:
 * values of the wrong length, a min above its max or a null count outside the row group's
 * rows are ignored (as absent), never trusted. */
#ifndef FDATA_PQ_STATS_H
#define FDATA_PQ_STATS_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/parquet.h"
#include "page_index.h"

/* The type of a column's bounds. */
enum pq_bound {
    PQ_BOUND_NONE = 0,            /* no usable min and max */
    PQ_BOUND_INT,                 /* signed integers (dates, times, timestamps in their unit) */
    PQ_BOUND_UINT,                /* unsigned integers (UINT_* / INTEGER(signed=false)) */
    PQ_BOUND_FLOAT,               /* float or double, never NaN (NaN values may still be there) */
    PQ_BOUND_BYTES,               /* strings and binaries, ordered bytewise unsigned */
    PQ_BOUND_DEC,                 /* decimals: unscaled, signed (min_d, max_d) */
};

struct pq_column_stats {
    int found;                    /* the file has a top-level column of that name */
    int leaf;                     /* its leaf column, or -1 when it is not one flat leaf */
    int values;                   /* enum pq_bound: what its values are (statistics or not) */
    int width;                    /* bytes of a PLAIN value: 4 or 8 (a fixed-size binary's
                                     length), 0 for byte arrays */
    int big_endian;               /* a decimal stored in a binary (else in INT32/INT64: little-
                                     endian) */
    int64_t rows;                 /* the row group's (pq_page_stats: the page's) */
    int64_t null_count;           /* -1: unknown */
    int bound;                    /* enum pq_bound: `values` when min and max are usable */
    int64_t min_i, max_i;
    uint64_t min_u, max_u;
    double min_f, max_f;
    uint64_t min_d[4], max_d[4];  /* as pq_decimal_load makes them */
    const uint8_t *min_b, *max_b; /* into the footer's bytes */
    size_t min_len, max_len;
};

/* The statistics of top-level column `column` (or of the leaf a path a.b.c through structs
 * names) in row group rg of f; invalid_utf8 is the
 * read's enum fdata_invalid_utf8 (replaced bytes order differently: no bounds for such
 * strings).  Column order rules: min_value/max_value only where FileMetaData.column_orders
 * gives the leaf TYPE_ORDER; the deprecated min/max (signed comparison) only for signed
 * integers, dates, times, timestamps, floats, booleans (false < true) and decimals stored as
 * INT32/INT64 (PARQUET-251: never for binaries, nor decimals stored in them); decimals in
 * FIXED_LEN_BYTE_ARRAY/BYTE_ARRAY are big-endian two's complement compared signed,
 * other fixed-size binaries bytewise unsigned; INT96 and the types filters do not compare
 * have none. */
void pq_column_stats(const fdata_parquet_file *f, int rg, const char *column, int invalid_utf8,
                     struct pq_column_stats *out);

/* The same for page `page` of that column's chunk in row group rg, from its page index
 * `pages` (pq_column_pages): rows are the page's, null_count its ColumnIndex's (all of them
 * for a null page), and min/max under the same order rules as min_value/max_value, except
 * that without TYPE_ORDER the signed types' bounds (those the deprecated min/max hold for)
 * are still taken, as every writer of page indexes orders them so.  No ColumnIndex, or a
 * page out of range: nothing known but the rows. */
void pq_page_stats(const fdata_parquet_file *f, int rg, const char *column, int invalid_utf8,
                   const struct pq_chunk_pages *pages, int page, struct pq_column_stats *out);

/* The leaf of top-level column `column` (or of a path through structs) when it is one
 * leaf outside lists and maps, else -1. */
int pq_column_leaf(const fdata_parquet_file *f, const char *column);

/* A decimal's unscaled value of len (1..32) bytes, two's complement, little- or big-endian,
 * as a signed 256-bit integer: little-endian 64-bit limbs out[0..4). */
void pq_decimal_load(const uint8_t *v, size_t len, int big_endian, uint64_t out[4]);

/* -1, 0, 1: a against b, both as pq_decimal_load makes them. */
int pq_decimal_cmp(const uint64_t a[4], const uint64_t b[4]);

/* The largest bloom filter read (the spec's writers stay far below: 1 MiB in parquet-mr). */
#define PQ_BLOOM_MAX ((int64_t)16 << 20)

/* Where the split-block bloom filter of a leaf's chunk in row group rg lies, as the footer
 * says (bloom_filter_offset and bloom_filter_length): 1 with the range, or 0 when there is
 * none, the footer gives no length, the range is not within the file and PQ_BLOOM_MAX, or
 * the file's bytes were given back (pq_file_drop_bytes). */
int pq_bloom_range(const fdata_parquet_file *f, int rg, int leaf, int64_t *offset,
                   int64_t *length);

/* Whether a value (its PLAIN bytes: little-endian numbers, a byte array without its length)
 * may be in that chunk, by its bloom filter read from the file's bytes: 0 only when the
 * filter says it is not; 1 when it may be, or when there is no filter or it cannot be used
 * (a header that does not parse, sizes beyond its range, an algorithm, hash or compression
 * other than the spec's block / XXHASH / uncompressed: ignored, not an error). */
int pq_bloom_may_contain(const fdata_parquet_file *f, int rg, int leaf, const void *value,
                         size_t len);

#endif
