/* Column chunk -> Arrow array.  Pages are decoded one after another straight into the
 * final Arrow buffers: the non-null values of a page are decoded densely into the slots
 * the page covers, then moved backwards into their row positions (nulls zeroed), so no
 * intermediate copy of the values is made.  Types that need a conversion (narrow
 * integers, decimals, INT96, INTERVAL, booleans) decode densely into scratch first. */
#include <stdlib.h>
#include "../arrow/build.h"
#include "../common/common.h"
#include "codec.h"
#include "column.h"
#include "encoding.h"
#include "metadata.h"
#include "values.h"

/* A page may claim at most this many values per byte of its body: RLE runs make very high
 * ratios legitimate (an all-null page), but an unbounded claim would let a few hostile
 * bytes demand gigabytes. */
#define MAX_VALUES_PER_PAGE_BYTE 65536
#define MAX_PAGE_SIZE (1u << 30)
/* Bytes past the last row slot of fixed-width output, so that a PLAIN page can be
 * decompressed into the slots of its own rows even with its definition levels in front. */
#define IN_PLACE_SLACK 16384

struct chunk_decoder {
    const struct pq_chunk_input *in;
    const struct pq_leaf *leaf;
    const struct pq_arrow_type *at;
    int phys_width;
    int direct;              /* dense physical values are already the Arrow values */
    int64_t pos;             /* rows decoded so far */
    struct col_out out;
    struct pq_dictionary dict;
    struct pq_scratch *scratch;  /* the calling worker's, reused across chunks */
    struct fdata_error *err;
};

static int fail(struct chunk_decoder *d, int code, const char *why) {
    return fdata_set_error(d->err, code, "%s", why);
}

/* True when the Arrow buffer holds the physical values unchanged. */
static int is_direct(const struct pq_leaf *leaf) {
    switch (leaf->arrow.kind) {
    case K_INT32: case K_UINT32: case K_DATE32: case K_TIME32:
        return leaf->physical == PQ_INT32;
    case K_INT64: case K_UINT64: case K_TIME64: case K_TIMESTAMP:
        return leaf->physical == PQ_INT64;
    case K_FLOAT: return leaf->physical == PQ_FLOAT;
    case K_DOUBLE: return leaf->physical == PQ_DOUBLE;
    case K_FIXED: case K_FLOAT16: return leaf->physical == PQ_FIXED_LEN_BYTE_ARRAY;
    case K_UTF8: case K_BINARY: return leaf->physical == PQ_BYTE_ARRAY;
    default: return 0;
    }
}

static int alloc_output(struct chunk_decoder *d) {
    int64_t n = d->in->num_rows;
    size_t rows = (size_t)n;
    if (d->leaf->repetition == PQ_OPTIONAL) {
        d->out.validity = fdata_aligned_calloc(rows / 8 + 1);
        if (!d->out.validity)
            return fail(d, FDATA_ENOMEM, "out of memory for the validity bitmap");
    }
    size_t bytes;
    if (d->at->kind == K_BOOL)
        bytes = rows / 8 + 1;
    else if (d->at->width == 0)
        bytes = (rows + 1) * 4;
    else
        bytes = rows * (size_t)d->at->width + (d->direct ? IN_PLACE_SLACK : 0);
    /* Every value slot is written by the decoder (nulls included), so only bit-packed
     * booleans, which are ORed in, start zeroed. */
    d->out.values = d->at->kind == K_BOOL ? fdata_aligned_calloc(bytes) : fdata_aligned_alloc(bytes);
    if (!d->out.values)
        return fdata_set_error(d->err, FDATA_ENOMEM, "out of memory for %zu bytes of values", bytes);
    if (d->at->width == 0) {
        d->out.bytes.offsets = (int32_t *)d->out.values;
        d->out.bytes.offsets[0] = 0;
    }
    return FDATA_OK;
}

/* Definition levels of a flat optional column (max level 1) go straight into the validity
 * bitmap at rows pos..pos+n; *valid gets the count of non-null values, *used the bytes. */
static int decode_levels(struct chunk_decoder *d, const struct pq_page_header *ph,
                         const uint8_t *p, size_t len, size_t n, int v2, size_t *used,
                         size_t *valid) {
    uint8_t *bits = d->out.validity;
    size_t pos = (size_t)d->pos;
    const char *why;
    if (v2) {
        why = pq_rle_decode_bits(p, len, bits, pos, n, valid);
        *used = len;
    } else if (ph->def_level_encoding == PQ_RLE) {
        if (len < 4)
            return fail(d, FDATA_ECORRUPT, "definition levels: truncated length prefix");
        uint32_t rle_len = fdata_load_u32le(p);
        if (rle_len > len - 4)
            return fail(d, FDATA_ECORRUPT, "definition levels longer than the page");
        why = pq_rle_decode_bits(p + 4, rle_len, bits, pos, n, valid);
        *used = 4 + (size_t)rle_len;
    } else if (ph->def_level_encoding == PQ_BIT_PACKED) {
        why = pq_bit_packed_decode_bits(p, len, bits, pos, n, used, valid);
    } else {
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "definition levels in unsupported encoding %d",
                               ph->def_level_encoding);
    }
    if (why)
        return fdata_set_error(d->err, FDATA_ECORRUPT, "definition levels: %s", why);
    return FDATA_OK;
}

/* Decodes k dense values of the page and places them at rows pos..pos+n; `valid` is the
 * validity bitmap when some of those rows are null, else NULL. */
static int decode_values(struct chunk_decoder *d, int encoding, const uint8_t *p, size_t len,
                         size_t n, size_t k, const uint8_t *valid) {
    struct pq_value_target t = {
        .leaf = d->leaf, .dict = &d->dict, .scratch = d->scratch, .err = d->err,
    };
    size_t pos = (size_t)d->pos;
    if (d->at->kind == K_BOOL) {
        FDATA_RETURN_IF(pq_decode_bool(&t, encoding, p, len, k));
        pq_place_bools(d->out.values, pos, d->scratch->conv, valid, n);
        return FDATA_OK;
    }
    if (d->direct && d->at->width == 0) {
        int32_t *offsets = d->out.bytes.offsets + pos;
        FDATA_RETURN_IF(pq_decode_bytes(&t, encoding, p, len, k, &d->out.bytes, offsets));
        if (valid)
            pq_spread_offsets(offsets, valid, pos, n, k);
        return FDATA_OK;
    }
    if (d->direct) {
        uint8_t *dst = d->out.values + pos * (size_t)d->at->width;
        FDATA_RETURN_IF(pq_decode_fixed(&t, encoding, p, len, k, dst));
        if (valid)
            pq_spread_fixed(dst, d->at->width, valid, pos, n, k);
        return FDATA_OK;
    }
    return pq_decode_converted(&t, encoding, p, len, k, valid, pos, n, d->out.values);
}

/* Where a compressed page may be decompressed straight into the output: PLAIN values of a
 * type whose Arrow layout is the physical one go to the slots of the page's own rows (levels
 * in front spill into later slots or the slack); NULL when the page must use scratch. */
static uint8_t *in_place_target(struct chunk_decoder *d, int encoding, size_t raw_len) {
    size_t w = (size_t)d->at->width;
    if (!d->direct || w == 0 || encoding != PQ_PLAIN)
        return NULL;
    size_t room = (size_t)(d->in->num_rows - d->pos) * w + IN_PLACE_SLACK;
    return raw_len <= room ? d->out.values + (size_t)d->pos * w : NULL;
}

/* The page's k values were decompressed at `values`, inside its own slots from `slots` on:
 * move them to the front (past the levels), then to their rows. */
static int finish_in_place(struct chunk_decoder *d, uint8_t *slots, const uint8_t *values,
                           size_t values_len, size_t n, size_t k, const uint8_t *valid) {
    size_t w = (size_t)d->at->width;
    if (k > values_len / w)
        return fail(d, FDATA_ECORRUPT, "PLAIN values: page shorter than its values");
    if (values != slots)
        memmove(slots, values, k * w);
    if (valid)
        pq_spread_fixed(slots, d->at->width, valid, (size_t)d->pos, n, k);
    return FDATA_OK;
}

/* A data page's body (after decompression), v1 or v2. */
static int decode_data_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                            const uint8_t *raw) {
    int v2 = ph->type == PQ_DATA_PAGE_V2;
    size_t n = (size_t)ph->num_values;
    if (ph->num_values < 0 || (int64_t)n > d->in->num_rows - d->pos)
        return fdata_set_error(d->err, FDATA_ECORRUPT,
                               "page holds %d values but only %lld rows of the row group remain",
                               ph->num_values, (long long)(d->in->num_rows - d->pos));
    const uint8_t *body = raw;
    size_t body_len = (size_t)ph->compressed_size;
    size_t levels_len = 0;
    if (v2) {
        if (ph->def_levels_length < 0 || ph->rep_levels_length < 0 ||
            (size_t)ph->def_levels_length + (size_t)ph->rep_levels_length > body_len ||
            ph->def_levels_length + ph->rep_levels_length > ph->uncompressed_size)
            return fail(d, FDATA_ECORRUPT, "level lengths exceed the page size");
        levels_len = (size_t)ph->def_levels_length + (size_t)ph->rep_levels_length;
    }
    /* v1 compresses levels and values together; v2 leaves the levels uncompressed. */
    const uint8_t *values = body + levels_len;
    size_t values_len = body_len - levels_len;
    size_t raw_len = (size_t)ph->uncompressed_size - levels_len;
    uint8_t *in_place = NULL;
    if (d->in->codec != PQ_UNCOMPRESSED && (!v2 || ph->is_compressed)) {
        in_place = in_place_target(d, ph->encoding, raw_len);
        uint8_t *target = in_place;
        if (!target) {
            FDATA_RETURN_IF(pq_scratch_page(d->scratch, raw_len, d->err));
            target = d->scratch->page;
        }
        FDATA_RETURN_IF(pq_decompress(&d->scratch->codecs, d->in->codec, values, values_len,
                                      target, raw_len, d->err));
        values = target;
        values_len = raw_len;
    }
    if ((size_t)ph->uncompressed_size * MAX_VALUES_PER_PAGE_BYTE + MAX_VALUES_PER_PAGE_BYTE < n)
        return fail(d, FDATA_ECORRUPT, "page claims more values than its bytes can hold");
    size_t k = n;
    if (d->leaf->max_def > 0) {
        size_t used;
        const uint8_t *lp = v2 ? body + ph->rep_levels_length : values;
        size_t ll = v2 ? (size_t)ph->def_levels_length : values_len;
        FDATA_RETURN_IF(decode_levels(d, ph, lp, ll, n, v2, &used, &k));
        if (!v2) {
            values += used;
            values_len -= used;
        }
    }
    const uint8_t *valid = k < n ? d->out.validity : NULL;
    if (in_place)
        FDATA_RETURN_IF(finish_in_place(d, in_place, values, values_len, n, k, valid));
    else
        FDATA_RETURN_IF(decode_values(d, ph->encoding, values, values_len, n, k, valid));
    d->out.null_count += (int64_t)(n - k);
    d->pos += (int64_t)n;
    return FDATA_OK;
}

static int decode_dictionary_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                                  const uint8_t *raw) {
    const uint8_t *body = raw;
    size_t len = (size_t)ph->compressed_size;
    if (d->in->codec != PQ_UNCOMPRESSED) {
        FDATA_RETURN_IF(pq_scratch_page(d->scratch, (size_t)ph->uncompressed_size, d->err));
        FDATA_RETURN_IF(pq_decompress(&d->scratch->codecs, d->in->codec, body, len, d->scratch->page,
                                      (size_t)ph->uncompressed_size, d->err));
        body = d->scratch->page;
        len = (size_t)ph->uncompressed_size;
    }
    if (ph->encoding != PQ_PLAIN && ph->encoding != PQ_PLAIN_DICTIONARY)
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "dictionary page in unsupported encoding %d", ph->encoding);
    if (ph->num_values < 0)
        return fail(d, FDATA_ECORRUPT, "dictionary page with a negative value count");
    return pq_dictionary_load(&d->dict, d->leaf, body, len, (size_t)ph->num_values, d->err);
}

static int decode_page(struct chunk_decoder *d, const struct pq_page_header *ph,
                       const uint8_t *raw) {
    if (ph->uncompressed_size > (int32_t)MAX_PAGE_SIZE)
        return fdata_set_error(d->err, FDATA_EUNSUPPORTED,
                               "page of %d bytes exceeds the 1 GiB limit", ph->uncompressed_size);
    switch (ph->type) {
    case PQ_DATA_PAGE:
    case PQ_DATA_PAGE_V2:
        if (!ph->has_data_header)
            return fail(d, FDATA_ECORRUPT, "data page without its data page header");
        return decode_data_page(d, ph, raw);
    case PQ_DICTIONARY_PAGE:
        if (!ph->has_data_header)
            return fail(d, FDATA_ECORRUPT, "dictionary page without its dictionary header");
        return decode_dictionary_page(d, ph, raw);
    default:
        return FDATA_OK; /* index pages and page types from the future carry no values */
    }
}

static int decode_pages(struct chunk_decoder *d) {
    size_t off = 0;
    const struct pq_chunk_input *in = d->in;
    while (d->pos < in->num_rows) {
        struct pq_page_header ph;
        size_t hlen;
        int status = off < in->size ? FDATA_OK
                                    : fdata_set_error(d->err, FDATA_ECORRUPT,
                                                      "column chunk ends after %lld of %lld rows",
                                                      (long long)d->pos, (long long)in->num_rows);
        if (status == FDATA_OK)
            status = pq_page_header_parse(in->data + off, in->size - off, &ph, &hlen, d->err);
        if (status == FDATA_OK && (size_t)ph.compressed_size > in->size - off - hlen)
            status = fdata_set_error(d->err, FDATA_ECORRUPT,
                                     "page claims %d bytes but the column chunk has %zu left",
                                     ph.compressed_size, in->size - off - hlen);
        if (status == FDATA_OK)
            status = decode_page(d, &ph, in->data + off + hlen);
        if (status != FDATA_OK) {
            fdata_error_prefix(d->err, "page at byte %lld", (long long)(in->file_offset + (int64_t)off));
            return status;
        }
        off += hlen + (size_t)ph.compressed_size;
    }
    return FDATA_OK;
}

static int finish_array(struct chunk_decoder *d, struct ArrowArray *out) {
    int64_t rows = d->in->num_rows;
    void *buffers[3] = {NULL, NULL, NULL};
    if (d->out.null_count > 0)
        buffers[0] = d->out.validity;
    else
        fdata_aligned_free(d->out.validity);
    d->out.validity = NULL;
    buffers[1] = d->out.values;
    d->out.values = NULL;
    int n_buffers = 2;
    if (d->at->width == 0 && d->at->kind != K_BOOL) {
        buffers[2] = d->out.bytes.data ? d->out.bytes.data : fdata_aligned_alloc(1);
        d->out.bytes.data = NULL;
        n_buffers = 3;
        if (!buffers[2]) {
            fdata_aligned_free(buffers[0]);
            fdata_aligned_free(buffers[1]);
            return fail(d, FDATA_ENOMEM, "out of memory");
        }
    }
    if (fdata_array_make(out, rows, d->out.null_count, n_buffers, buffers) != FDATA_OK)
        return fail(d, FDATA_ENOMEM, "out of memory");
    return FDATA_OK;
}

int pq_decode_chunk(const struct pq_chunk_input *in, struct ArrowArray *out,
                    struct fdata_error *err) {
    struct chunk_decoder d = {
        .in = in, .leaf = in->leaf, .at = &in->leaf->arrow, .err = err,
        .phys_width = pq_physical_width(in->leaf->physical, in->leaf->type_length),
        .direct = is_direct(in->leaf), .scratch = in->scratch,
    };
    out->release = NULL;
    int status = alloc_output(&d);
    if (status == FDATA_OK)
        status = decode_pages(&d);
    if (status == FDATA_OK)
        status = finish_array(&d, out);
    fdata_aligned_free(d.out.validity);
    fdata_aligned_free(d.out.values);
    fdata_aligned_free(d.out.bytes.data);
    pq_dictionary_free(&d.dict);
    return status;
}
