/* Raw snappy blocks (Parquet's SNAPPY codec) through the `snap` crate (lib.rs beside this
 * header; Debian librust-snap-dev), for codec.c and compress.c.  The functions read and
 * write only the buffers given, hold no state (any thread, at once), never unwind into C,
 * and return 0 or -1; NULL with a length of 0 is an empty buffer. */
#ifndef FDATA_PQ_SNAP_H
#define FDATA_PQ_SNAP_H

#include <stddef.h>
#include <stdint.h>

/* *out gets the length the block says it decompresses to; -1 when its header is invalid. */
int fdata_snap_uncompressed_length(const uint8_t *src, size_t n, size_t *out);

/* Decompresses the block into dst[0..dst_len); 0 only when it is valid and fills exactly
 * dst_len bytes. */
int fdata_snap_uncompress(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len);

/* The most bytes n bytes compress to; 0 when n is more than a block can hold. */
size_t fdata_snap_max_compressed_length(size_t n);

/* Compresses src[0..n) into dst[0..cap) (cap: at least the bound above); *out gets the
 * block's length.  -1 when n is too large or cap too small. */
int fdata_snap_compress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out);

#endif
