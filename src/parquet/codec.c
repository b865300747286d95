/* Codecs: snappy (the snap crate, snap/snap.h), gzip (libdeflate; concatenated members), zstd (libzstd),
 * lz4 raw and Hadoop-framed lz4 (liblz4), brotli (libbrotlidec). */
#include <brotli/decode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <zstd.h>
#include "../common/common.h"
#include "codec.h"
#include "metadata.h"
#include "snap/snap.h"

static int size_mismatch(struct fdata_error *err, const char *codec, size_t got, size_t want) {
    return fdata_set_error(err, FDATA_ECORRUPT,
                           "%s data decompresses to %zu bytes, page header says %zu", codec, got,
                           want);
}

static int decompress_snappy(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len,
                             struct fdata_error *err) {
    size_t len;
    if (fdata_snap_uncompressed_length(src, n, &len) != 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid snappy data");
    if (len != dst_len)
        return size_mismatch(err, "snappy", len, dst_len);
    if (fdata_snap_uncompress(src, n, dst, dst_len) != 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid snappy data");
    return FDATA_OK;
}

/* A gzip stream may hold several members back to back; each decodes after the last. */
static int decompress_gzip(struct pq_codecs *ctx, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len, struct fdata_error *err) {
    if (!ctx->gzip && !(ctx->gzip = libdeflate_alloc_decompressor()))
        return fdata_set_error(err, FDATA_ENOMEM, "cannot allocate a gzip decompressor");
    struct libdeflate_decompressor *d = ctx->gzip;
    size_t in_pos = 0, out_pos = 0;
    int status = FDATA_OK;
    while (in_pos < n) {
        size_t in_used = 0, out_made = 0;
        enum libdeflate_result res = libdeflate_gzip_decompress_ex(
            d, src + in_pos, n - in_pos, dst + out_pos, dst_len - out_pos, &in_used, &out_made);
        if (res == LIBDEFLATE_INSUFFICIENT_SPACE) {
            status = fdata_set_error(err, FDATA_ECORRUPT,
                                     "gzip data decompresses to more than the %zu bytes the page "
                                     "header says", dst_len);
            break;
        }
        if (res != LIBDEFLATE_SUCCESS) {
            status = fdata_set_error(err, FDATA_ECORRUPT, "invalid gzip data at byte %zu", in_pos);
            break;
        }
        in_pos += in_used;
        out_pos += out_made;
    }
    if (status == FDATA_OK && out_pos != dst_len)
        status = size_mismatch(err, "gzip", out_pos, dst_len);
    return status;
}

static int decompress_zstd(struct pq_codecs *ctx, const uint8_t *src, size_t n, uint8_t *dst,
                           size_t dst_len, struct fdata_error *err) {
    if (!ctx->zstd && !(ctx->zstd = ZSTD_createDCtx()))
        return fdata_set_error(err, FDATA_ENOMEM, "cannot allocate a zstd decompressor");
    size_t r = ZSTD_decompressDCtx(ctx->zstd, dst, dst_len, src, n);
    if (ZSTD_isError(r))
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid zstd data: %s", ZSTD_getErrorName(r));
    if (r != dst_len)
        return size_mismatch(err, "zstd", r, dst_len);
    return FDATA_OK;
}

static int lz4_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
    if (n > INT32_MAX || dst_len > INT32_MAX)
        return -1;
    return LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dst_len);
}

/* Hadoop framing: blocks of [u32 BE uncompressed size][u32 BE compressed size][lz4 block]. */
static int lz4_hadoop(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
    size_t in = 0, out = 0;
    while (in < n) {
        if (n - in < 8)
            return 0;
        uint32_t raw = (uint32_t)src[in] << 24 | (uint32_t)src[in + 1] << 16 |
                       (uint32_t)src[in + 2] << 8 | src[in + 3];
        uint32_t comp = (uint32_t)src[in + 4] << 24 | (uint32_t)src[in + 5] << 16 |
                        (uint32_t)src[in + 6] << 8 | src[in + 7];
        in += 8;
        if (comp > n - in || raw > dst_len - out)
            return 0;
        if (lz4_block(src + in, comp, dst + out, raw) != (int)raw)
            return 0;
        in += comp;
        out += raw;
    }
    return out == dst_len;
}

static int decompress_lz4(int hadoop_first, const uint8_t *src, size_t n, uint8_t *dst,
                          size_t dst_len, struct fdata_error *err) {
    /* Old parquet-cpp wrote raw LZ4 blocks under the LZ4 codec; try the Hadoop framing, then raw. */
    if (hadoop_first && lz4_hadoop(src, n, dst, dst_len))
        return FDATA_OK;
    int r = lz4_block(src, n, dst, dst_len);
    if (r < 0)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid lz4 data");
    if ((size_t)r != dst_len)
        return size_mismatch(err, "lz4", (size_t)r, dst_len);
    return FDATA_OK;
}

static int decompress_brotli(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len,
                             struct fdata_error *err) {
    size_t out = dst_len;
    if (BrotliDecoderDecompress(n, src, &out, dst) != BROTLI_DECODER_RESULT_SUCCESS)
        return fdata_set_error(err, FDATA_ECORRUPT, "invalid brotli data (or larger than %zu bytes)",
                               dst_len);
    if (out != dst_len)
        return size_mismatch(err, "brotli", out, dst_len);
    return FDATA_OK;
}

void pq_codecs_free(struct pq_codecs *ctx) {
    ZSTD_freeDCtx(ctx->zstd);
    if (ctx->gzip)
        libdeflate_free_decompressor(ctx->gzip);
    ctx->zstd = NULL;
    ctx->gzip = NULL;
}

int pq_decompress(struct pq_codecs *ctx, int codec, const uint8_t *src, size_t src_len,
                  uint8_t *dst, size_t dst_len, struct fdata_error *err) {
    if (dst_len == 0 && src_len == 0)
        return FDATA_OK; /* writers emit empty pages with no codec frame at all */
    switch (codec) {
    case PQ_UNCOMPRESSED:
        if (src_len != dst_len)
            return size_mismatch(err, "uncompressed", src_len, dst_len);
        memcpy(dst, src, dst_len);
        return FDATA_OK;
    case PQ_SNAPPY: return decompress_snappy(src, src_len, dst, dst_len, err);
    case PQ_GZIP: return decompress_gzip(ctx, src, src_len, dst, dst_len, err);
    case PQ_ZSTD: return decompress_zstd(ctx, src, src_len, dst, dst_len, err);
    case PQ_LZ4_RAW: return decompress_lz4(0, src, src_len, dst, dst_len, err);
    case PQ_LZ4: return decompress_lz4(1, src, src_len, dst, dst_len, err);
    case PQ_BROTLI: return decompress_brotli(src, src_len, dst, dst_len, err);
    case PQ_LZO:
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "unsupported codec LZO");
    default:
        return fdata_set_error(err, FDATA_EUNSUPPORTED, "unsupported codec %d", codec);
    }
}
