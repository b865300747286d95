/* Page decompression through the Debian codec libraries. */
#ifndef FDATA_PQ_CODEC_H
#define FDATA_PQ_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

/* Decompressor state kept by one thread across pages: creating a zstd or deflate context
 * costs more than decoding a small page.  Zero-initialise; free with pq_codecs_free. */
struct pq_codecs {
    struct ZSTD_DCtx_s *zstd;
    struct libdeflate_decompressor *gzip;
};

/* Decompresses src[0..src_len) with Parquet codec `codec` into exactly dst_len bytes at
 * dst.  FDATA_ECORRUPT when the data is invalid or decodes to another size;
 * FDATA_EUNSUPPORTED for LZO and unknown codecs; FDATA_ENOMEM if a context cannot be made. */
int pq_decompress(struct pq_codecs *ctx, int codec, const uint8_t *src, size_t src_len,
                  uint8_t *dst, size_t dst_len, struct fdata_error *err);
void pq_codecs_free(struct pq_codecs *ctx);

#endif
