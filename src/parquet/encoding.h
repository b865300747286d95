/* Parquet value and level encodings, decoding untrusted bytes into plain arrays.
 * Each decoder returns NULL on success or a static string saying why the bytes are
 * invalid; none reads outside [data, data + len). */
#ifndef FDATA_PQ_ENCODING_H
#define FDATA_PQ_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* RLE / bit-packing hybrid with `bit_width` (0..32): decodes exactly n values into out. */
const char *pq_rle_decode(const uint8_t *data, size_t len, int bit_width, uint32_t *out,
                          size_t n);

/* Dictionary indices in the RLE / bit-packing hybrid with `bit_width` -> the `width`-byte
 * entries of `dict` (count entries) they pick: n values densely at out, or with `widen`
 * (width 8) each int64 entry as 16-byte two's complement (decimal128).  Every index is
 * checked before any entry is read: one past the dictionary fails, *bad getting it. */
const char *pq_rle_gather(const uint8_t *data, size_t len, int bit_width, const uint8_t *dict,
                          size_t count, int width, int widen, uint8_t *out, size_t n,
                          uint32_t *bad);

/* Sets bits [start, start + count) of a bitmap. */
void pq_set_bit_range(uint8_t *bits, size_t start, size_t count);

/* Levels of a nested column (bit width <= 8) into bytes: n values, each checked against
 * max_level. */
const char *pq_rle_decode_levels(const uint8_t *data, size_t len, int bit_width, uint8_t *out,
                                 size_t n, int max_level);

/* Definition levels of bit width 1 (a flat optional column) decoded straight into a
 * validity bitmap: sets bits [offset, offset + n) of `bits` (which start cleared) where the
 * level is 1, and counts them in *ones. */
const char *pq_rle_decode_bits(const uint8_t *data, size_t len, uint8_t *bits, size_t offset,
                               size_t n, size_t *ones);

/* Legacy BIT_PACKED levels: n values of bit_width bits.  Encodings.md says most significant
 * bit first, but the one writer known to use it for levels (Impala, IMPALA-3006) packs least
 * significant bit first, and every other reader (parquet-cpp/pyarrow, arrow-rs, DuckDB,
 * Impala) decodes them so: we do the same, to return the values they return.
 * *consumed gets the bytes used. */
const char *pq_bit_packed_decode(const uint8_t *data, size_t len, int bit_width, uint32_t *out,
                                 size_t n, size_t *consumed);

/* Legacy BIT_PACKED definition levels of bit width 1 (least significant bit first, as above) into a
 * validity bitmap, as pq_rle_decode_bits; *consumed gets the bytes used. */
const char *pq_bit_packed_decode_bits(const uint8_t *data, size_t len, uint8_t *bits,
                                      size_t offset, size_t n, size_t *consumed, size_t *ones);

/* LSB-first bit unpacking of n values of bit_width (0..64) bits starting at bit 0 of data;
 * the caller guarantees len >= ceil(n * bit_width / 8). */
void pq_unpack32(const uint8_t *data, size_t len, int bit_width, uint32_t *out, size_t n);
/* Whether pq_unpack32 may use AVX2 where the CPU has it (on by default; tests turn it off to
 * check the scalar path against the same values). */
void pq_unpack_simd_set(int on);
void pq_unpack64(const uint8_t *data, size_t len, int bit_width, uint64_t *out, size_t n);

/* DELTA_BINARY_PACKED: reads the header and decodes its n values (the header's total
 * must be exactly n) as 32-bit (width 4) or 64-bit (width 8) integers with wrapping arithmetic.
 * *consumed gets the length of the whole encoded stream (all of its values). */
const char *pq_delta_binary_decode(const uint8_t *data, size_t len, size_t n, int width,
                                   void *out, size_t *consumed);

/* The total value count in a DELTA_BINARY_PACKED header, or an error. */
const char *pq_delta_binary_count(const uint8_t *data, size_t len, uint64_t *count);

/* BYTE_STREAM_SPLIT: n values of `width` bytes; len must be >= n * width. */
const char *pq_byte_stream_split_decode(const uint8_t *data, size_t len, size_t n, int width,
                                        uint8_t *out);

#endif
