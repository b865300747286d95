/* Page compression (see compress.h). */
#include <brotli/encode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <string.h>
#include <zstd.h>
#include "../common/common.h"
#include "compress.h"
#include "snap/snap.h"

int pq_codec_writable(int codec) {
    return codec == PQ_UNCOMPRESSED || codec == PQ_SNAPPY || codec == PQ_GZIP ||
           codec == PQ_BROTLI || codec == PQ_ZSTD || codec == PQ_LZ4_RAW;
}

size_t pq_compress_bound(int codec, size_t n) {
    switch (codec) {
    case PQ_SNAPPY: return fdata_snap_max_compressed_length(n);
    case PQ_GZIP: return libdeflate_gzip_compress_bound(NULL, n);
    case PQ_BROTLI: return BrotliEncoderMaxCompressedSize(n) ? BrotliEncoderMaxCompressedSize(n) : n + 1024;
    case PQ_ZSTD: return ZSTD_compressBound(n);
    case PQ_LZ4_RAW: return (size_t)LZ4_compressBound((int)n);
    default: return n;
    }
}

static int gzip(struct pq_compressor *c, const uint8_t *src, size_t n, uint8_t *dst,
                size_t *out_len) {
    if (!c->gzip && !(c->gzip = libdeflate_alloc_compressor(c->level ? c->level : 6)))
        return FDATA_ENOMEM;
    *out_len = libdeflate_gzip_compress(c->gzip, src, n, dst, pq_compress_bound(PQ_GZIP, n));
    return *out_len ? FDATA_OK : FDATA_EIO;
}

static int zstd(struct pq_compressor *c, const uint8_t *src, size_t n, uint8_t *dst,
                size_t *out_len) {
    if (!c->zstd && !(c->zstd = ZSTD_createCCtx()))
        return FDATA_ENOMEM;
    size_t r = ZSTD_compressCCtx(c->zstd, dst, ZSTD_compressBound(n), src, n,
                                 c->level ? c->level : ZSTD_CLEVEL_DEFAULT);
    *out_len = r;
    return ZSTD_isError(r) ? FDATA_EIO : FDATA_OK;
}

int pq_compress(struct pq_compressor *c, const uint8_t *src, size_t n, uint8_t *dst,
                size_t *out_len, struct fdata_error *err) {
    int status = FDATA_OK;
    size_t len = pq_compress_bound(c->codec, n);
    switch (c->codec) {
    case PQ_UNCOMPRESSED:
        memcpy(dst, src, n);
        len = n;
        break;
    case PQ_SNAPPY:
        status = fdata_snap_compress(src, n, dst, len, &len) == 0 ? FDATA_OK : FDATA_EIO;
        break;
    case PQ_GZIP: status = gzip(c, src, n, dst, &len); break;
    case PQ_BROTLI:
        status = BrotliEncoderCompress(c->level ? c->level : 5, BROTLI_DEFAULT_WINDOW,
                                       BROTLI_MODE_GENERIC, n, src, &len, dst) ? FDATA_OK : FDATA_EIO;
        break;
    case PQ_ZSTD: status = zstd(c, src, n, dst, &len); break;
    case PQ_LZ4_RAW: {
        int r = n <= (size_t)LZ4_MAX_INPUT_SIZE
                    ? LZ4_compress_default((const char *)src, (char *)dst, (int)n, (int)len) : 0;
        status = r > 0 ? FDATA_OK : FDATA_EIO;
        len = (size_t)(r > 0 ? r : 0);
        break;
    }
    default: status = FDATA_EUNSUPPORTED;
    }
    *out_len = len;
    if (status == FDATA_ENOMEM)
        return fdata_set_error(err, status, "out of memory for a compressor");
    if (status != FDATA_OK)
        return fdata_set_error(err, status, "compressing a page of %zu bytes with codec %d failed", n,
                               c->codec);
    return FDATA_OK;
}

void pq_compressor_free(struct pq_compressor *c) {
    ZSTD_freeCCtx(c->zstd);
    if (c->gzip)
        libdeflate_free_compressor(c->gzip);
    c->zstd = NULL;
    c->gzip = NULL;
}
