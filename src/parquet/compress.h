/* Page compression for the writer, through the same Debian codec libraries the reader
 * uses.  One compressor per thread: zstd and deflate contexts are reused across pages. */
#ifndef FDATA_PQ_COMPRESS_H
#define FDATA_PQ_COMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

/* Parquet codec numbers (parquet.thrift CompressionCodec). */
enum { PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_GZIP = 2, PQ_BROTLI = 4, PQ_ZSTD = 6,
       PQ_LZ4_RAW = 7 };

struct pq_compressor {
    int codec, level;            /* level 0: the codec's default */
    struct ZSTD_CCtx_s *zstd;
    struct libdeflate_compressor *gzip;
};

/* Whether the writer can produce `codec`. */
int pq_codec_writable(int codec);
/* The most bytes compressing n bytes can give. */
size_t pq_compress_bound(int codec, size_t n);
/* Compresses src[0..n) into dst (pq_compress_bound bytes); *out_len gets the size. */
int pq_compress(struct pq_compressor *c, const uint8_t *src, size_t n, uint8_t *dst,
                size_t *out_len, struct fdata_error *err);
void pq_compressor_free(struct pq_compressor *c);

#endif
