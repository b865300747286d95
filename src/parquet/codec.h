/* Page decompression through the Debian codec libraries. */
#ifndef FDATA_PQ_CODEC_H
#define FDATA_PQ_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "fastdata/error.h"

/* Decompresses src[0..src_len) with Parquet codec `codec` into exactly dst_len bytes at
 * dst.  FDATA_ECORRUPT when the data is invalid or decodes to another size;
 * FDATA_EUNSUPPORTED for LZO and unknown codecs. */
int pq_decompress(int codec, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len,
                  struct fdata_error *err);

#endif
